package cli

import (
	"time"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// skeleton is botocore's ArgumentGenerator.generate_skeleton. With
// memberNames (output skeletons) strings hold their member name. Enums
// take their first value where botocore picks one at random.
func skeleton(s *shape, name string, memberNames bool) any {
	switch s.typ {
	case typeStructure:
		o := pyjson.NewObject()
		for _, m := range s.members {
			o.Set(m.name, skeleton(m.shape, m.name, memberNames))
		}
		return o
	case typeList:
		itemName := ""
		if memberNames {
			itemName = s.member.name
		}
		return []any{skeleton(s.member, itemName, memberNames)}
	case typeString:
		switch {
		case memberNames:
			return name
		case len(s.enum) > 0:
			return s.enum[0]
		}
		return ""
	case typeInteger:
		return int64(0)
	case typeBoolean:
		return true
	case typeTimestamp:
		return pyjson.Datetime{Time: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)}
	}
	return nil
}

// inputSkeleton is what --generate-cli-skeleton input prints.
func inputSkeleton(op *operation) string {
	return pyjson.Dumps(skeleton(op.input, "", false), pyjson.EncodeOptions{Indent: 4, ASCII: true}) + "\n"
}
