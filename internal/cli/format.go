package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// display formats a response with the AWS CLI formatter for output
// ("json", "text" or "table"), applying the --query first.
func display(w io.Writer, output, command string, resp any, g *globals, width int) error {
	switch output {
	case "json", "text", "table":
	default:
		return fmt.Errorf("Unknown output type: %s", output)
	}
	if g.query != nil {
		r, err := g.query.Search(resp)
		if err != nil {
			return err
		}
		resp = r
	}
	var out string
	var err error
	switch output {
	case "json":
		out, err = formatJSON(resp)
	case "text":
		out, err = formatText(resp)
	default:
		if out, err = formatTable(command, resp, width, g.color == "on"); err != nil {
			return err
		}
	}
	// JSON and text output are streamed: what was written before a
	// failure stays.
	if _, werr := io.WriteString(w, out); err == nil {
		err = werr
	}
	return err
}

// formatJSON is the JSON formatter: nothing for an empty object, otherwise
// json.dump(indent=4, ensure_ascii=False) and a newline. A value the AWS
// CLI's json_encoder rejects (an expression reference from --query) fails
// after the text before it, as json.dump's chunked writes leave it.
func formatJSON(v any) (string, error) {
	if o, ok := v.(*pyjson.Object); ok && o.Len() == 0 {
		return "", nil
	}
	s, err := pyjson.DumpsStrict(v, pyjson.EncodeOptions{Indent: 4})
	if err != nil {
		return s, errors.New("Encountered unrecognized type in JSON encoder.")
	}
	return s + "\n", nil
}
