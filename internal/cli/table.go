package cli

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// This file reproduces the AWS CLI's table output (awscli/formatter.py
// TableFormatter and awscli/table.py MultiTable), including its column
// scaling, vertical conversion of wide single-row sections and colors.

// textWidth is table.get_text_length: wide, fullwidth and ambiguous East
// Asian characters count twice.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		n++
		i := sort.Search(len(wideRanges), func(i int) bool { return wideRanges[i][1] >= r })
		if i < len(wideRanges) && wideRanges[i][0] <= r {
			n++
		}
	}
	return n
}

type section struct {
	title     string
	headers   []string
	rows      [][]string
	indent    int
	numCols   int // -1 until the first header or row
	maxWidths []int
}

func newSection() *section { return &section{numCols: -1} }

func (s *section) addHeader(headers []string) {
	s.updateWidths(headers)
	if s.numCols < 0 {
		s.numCols = len(headers)
	}
	s.headers = headers
}

func (s *section) addRow(values []any) error {
	if s.numCols < 0 {
		s.numCols = len(values)
	}
	if len(values) != s.numCols {
		return fmt.Errorf("Row should have %d elements, instead it has %d", s.numCols, len(values))
	}
	row := make([]string, len(values))
	for i, v := range values {
		row[i] = pyjson.Str(v)
	}
	s.rows = append(s.rows, row)
	s.updateWidths(row)
	return nil
}

func (s *section) updateWidths(row []string) {
	if len(s.maxWidths) == 0 {
		s.maxWidths = make([]int, len(row))
		for i, el := range row {
			s.maxWidths[i] = textWidth(el)
		}
		return
	}
	for i, el := range row {
		if i < len(s.maxWidths) {
			s.maxWidths[i] = max(s.maxWidths[i], textWidth(el))
		}
	}
}

// columnWidths is Section.calculate_column_widths with a max width: widths
// scaled (rounding half to even) to sum exactly to maxWidth.
func (s *section) columnWidths(padding, maxWidth int) []int {
	if len(s.maxWidths) == 0 {
		return nil
	}
	total := 0
	for _, w := range s.maxWidths {
		total += w + padding
	}
	scale := float64(maxWidth) / float64(total)
	scaled := make([]int, len(s.maxWidths))
	sum := 0
	for i, w := range s.maxWidths {
		scaled[i] = int(math.RoundToEven(scale * float64(w+padding)))
		sum += scaled[i]
	}
	off := sum - maxWidth
	for off != 0 {
		for k := range scaled {
			i := k
			if off < 0 {
				i = len(scaled) - 1 - k
			}
			if off > 0 {
				scaled[i]--
				off--
			} else {
				scaled[i]++
				off++
			}
			if off == 0 {
				break
			}
		}
	}
	return scaled
}

func (s *section) totalWidth() int {
	total := 0
	for _, w := range s.maxWidths {
		total += w + 4
	}
	total += 2 + 2*s.indent
	return max(textWidth(s.title)+2+2*s.indent, total)
}

// tableBuilder is TableFormatter._build_table over a MultiTable.
type tableBuilder struct {
	sections []*section
	cur      *section
}

func (t *tableBuilder) newSection(title string, indent int) {
	t.cur = newSection()
	t.cur.title = title
	t.cur.indent = indent
	t.sections = append(t.sections, t.cur)
}

// current returns the section rows go to; Python would fail on a missing
// one, which only a top-level value without a title could cause.
func (t *tableBuilder) current() *section {
	if t.cur == nil {
		t.newSection("", 0)
	}
	return t.cur
}

func (t *tableBuilder) build(title *string, v any, indent int) (bool, error) {
	if !pyjson.Truthy(v) {
		return false, nil
	}
	if title != nil {
		t.newSection(*title, indent)
	}
	switch x := v.(type) {
	case []any:
		if _, ok := x[0].(*pyjson.Object); ok {
			return true, t.subTableFromList(x, indent, title)
		}
		for _, item := range x {
			if err := t.listItem(item); err != nil {
				return true, err
			}
		}
	case *pyjson.Object:
		return true, t.subTableFromObject(x, indent)
	}
	return true, nil
}

func (t *tableBuilder) listItem(item any) error {
	switch x := item.(type) {
	case []any:
		if slices.ContainsFunc(x, func(el any) bool { return !pyjson.IsScalar(el) }) {
			_, err := t.build(nil, x, 0)
			return err
		}
		return t.current().addRow(x)
	case *pyjson.Object:
		// Iterating a dict yields its (scalar) keys.
		keys := make([]any, 0, x.Len())
		for _, k := range x.Keys() {
			keys = append(keys, k)
		}
		return t.current().addRow(keys)
	}
	return t.current().addRow([]any{item})
}

func groupScalarKeys(o *pyjson.Object) (headers, more []string) {
	for _, k := range o.Keys() {
		if v, _ := o.Get(k); pyjson.IsScalar(v) {
			headers = append(headers, k)
		} else {
			more = append(more, k)
		}
	}
	sort.Strings(headers)
	sort.Strings(more)
	return headers, more
}

func (t *tableBuilder) subTableFromObject(o *pyjson.Object, indent int) error {
	headers, more := groupScalarKeys(o)
	switch {
	case len(headers) == 1:
		v, _ := o.Get(headers[0])
		if err := t.current().addRow([]any{headers[0], v}); err != nil {
			return err
		}
	case len(headers) > 1:
		t.current().addHeader(headers)
		row := make([]any, len(headers))
		for i, h := range headers {
			row[i], _ = o.Get(h)
		}
		if err := t.current().addRow(row); err != nil {
			return err
		}
	}
	for _, k := range more {
		v, _ := o.Get(k)
		key := k
		if _, err := t.build(&key, v, indent+1); err != nil {
			return err
		}
	}
	return nil
}

func (t *tableBuilder) subTableFromList(list []any, indent int, title *string) error {
	headers, more, err := listKeys(list)
	if err != nil {
		return err
	}
	t.current().addHeader(headers)
	for i, el := range list {
		if i > 0 && len(more) > 0 {
			name := ""
			if title != nil {
				name = *title
			}
			t.newSection(name, indent)
			t.current().addHeader(headers)
		}
		o, ok := el.(*pyjson.Object)
		if !ok {
			// An empty list or string (listKeys let only those pass)
			// gives an empty row when there are no headers to .get().
			if len(headers) > 0 {
				return fmt.Errorf("'%s' object has no attribute 'get'", pyjson.TypeName(el))
			}
			if err := t.current().addRow(nil); err != nil {
				return err
			}
			continue
		}
		row := make([]any, len(headers))
		for j, h := range headers {
			v, ok := o.Get(h)
			if !ok {
				v = ""
			}
			row[j] = v
		}
		if err := t.current().addRow(row); err != nil {
			return err
		}
		for _, k := range more {
			if v, ok := o.Get(k); ok {
				key := k
				if _, err := t.build(&key, v, indent+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// listKeys is _group_scalar_keys_from_list: the sorted keys with scalar
// values in any object of the list, and the others. Python iterates each
// element as if it were a dict; of the other values only an empty list or
// string get through (without keys).
func listKeys(list []any) (headers, more []string, err error) {
	hs, ms := map[string]bool{}, map[string]bool{}
	for _, el := range list {
		switch x := el.(type) {
		case *pyjson.Object:
			h, m := groupScalarKeys(x)
			for _, k := range h {
				hs[k] = true
			}
			for _, k := range m {
				ms[k] = true
			}
		case []any:
			if len(x) > 0 {
				return nil, nil, fmt.Errorf("list indices must be integers or slices, not %s", pyjson.TypeName(x[0]))
			}
		case string:
			if x != "" {
				return nil, nil, errors.New("string indices must be integers")
			}
		default:
			return nil, nil, fmt.Errorf("'%s' object is not iterable", pyjson.TypeName(el))
		}
	}
	return sortedKeys(hs), sortedKeys(ms), nil
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
