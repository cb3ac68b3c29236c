package cli

import "strings"

// ANSI sequences of colorama as the AWS CLI's ColorizedStyler uses them.
const (
	ansiReset  = "\x1b[0m"
	ansiRow    = "\x1b[1m\x1b[34m" // BRIGHT + BLUE
	ansiIndent = "\x1b[2m\x1b[33m" // DIM + YELLOW
)

// formatTable renders resp as the AWS CLI's table output. width is the
// terminal width (80 when unknown). color reproduces --color on, including
// colorama's autoreset, which appends a reset after every write.
func formatTable(title string, resp any, width int, color bool) (string, error) {
	t := &tableBuilder{}
	ok, err := t.build(&title, resp, 0)
	if err != nil || !ok {
		return "", err
	}
	r := &tableRenderer{color: color}
	r.render(t.sections, width)
	return r.b.String(), nil
}

type tableRenderer struct {
	b     strings.Builder
	color bool
}

// write is one write() call on colorama's wrapped stdout.
func (r *tableRenderer) write(s string) {
	r.b.WriteString(s)
	if r.color {
		r.b.WriteString(ansiReset)
	}
}

func (r *tableRenderer) styleRow(s string) string {
	if r.color {
		return ansiRow + s + ansiReset
	}
	return s
}

func (r *tableRenderer) indentChar() string {
	if r.color {
		return ansiIndent + "|" + ansiReset
	}
	return "|"
}

// writeLine is IndentedStream.write for a line ending in "\n".
func (r *tableRenderer) writeLine(indent int, text string) {
	edge := strings.Repeat(r.indentChar(), indent)
	r.write(edge)
	r.write(text)
	r.write(edge)
	r.write("\n")
}

func maxTableWidth(sections []*section) int {
	w := 0
	for _, s := range sections {
		w = max(w, s.totalWidth())
	}
	return w
}

func (r *tableRenderer) render(sections []*section, termWidth int) {
	width := maxTableWidth(sections)
	if width > termWidth {
		sections = verticalSections(sections)
		width = maxTableWidth(sections)
	}
	r.write(strings.Repeat("-", width) + "\n")
	for _, s := range sections {
		r.renderSection(s, width)
	}
}

// verticalSections is convert_to_vertical_table: single-row sections with
// headers become header/value rows.
func verticalSections(sections []*section) []*section {
	out := make([]*section, len(sections))
	for i, s := range sections {
		out[i] = s
		if len(s.rows) != 1 || len(s.headers) == 0 {
			continue
		}
		ns := newSection()
		ns.title, ns.indent = s.title, s.indent
		for j, h := range s.headers {
			if j < len(s.rows[0]) {
				_ = ns.addRow([]any{h, s.rows[0][j]})
			}
		}
		out[i] = ns
	}
	return out
}

func (r *tableRenderer) renderSection(s *section, width int) {
	width -= 2 * s.indent
	if s.title != "" {
		r.writeLine(s.indent, centerText(s.title, width, "|", "|", textWidth(s.title)))
		if len(s.headers) == 0 && len(s.rows) == 0 {
			r.writeLine(s.indent, "+"+strings.Repeat("-", max(width-2, 0))+"+")
		}
	}
	if len(s.headers) > 0 {
		widths := s.columnWidths(4, width)
		var cur strings.Builder
		for i, h := range s.headers {
			if i >= len(widths) {
				break
			}
			left := ""
			if i == 0 {
				left = "|"
			}
			cur.WriteString(centerText(h, widths[i], left, "|", textWidth(h)))
		}
		r.writeLine(s.indent, lineBreak(widths))
		r.writeLine(s.indent, cur.String())
	}
	if len(s.rows) == 0 {
		return
	}
	widths := s.columnWidths(4, width)
	if len(widths) == 0 {
		return
	}
	r.writeLine(s.indent, lineBreak(widths))
	for _, row := range s.rows {
		var cur strings.Builder
		for i, el := range row {
			if i >= len(widths) {
				break
			}
			left := ""
			if i == 0 {
				left = "|"
			}
			cur.WriteString(alignLeft(r.styleRow(el), widths[i], left, "|", textWidth(el)))
		}
		r.writeLine(s.indent, cur.String())
	}
	r.writeLine(s.indent, lineBreak(widths))
}

func lineBreak(widths []int) string {
	var b strings.Builder
	for i, w := range widths {
		if i == 0 {
			b.WriteString("+" + strings.Repeat("-", max(w-2, 0)) + "+")
		} else {
			b.WriteString(strings.Repeat("-", max(w-1, 0)) + "+")
		}
	}
	return b.String()
}

func spaces(n int) string { return strings.Repeat(" ", max(n, 0)) }

// centerText is table.center_text; Python's floor division is used for
// the halves.
func centerText(text string, length int, left, right string, textLen int) string {
	start := floorDiv(length, 2) - floorDiv(textLen, 2) - 1
	soFar := textWidth(left) + start + textLen
	return left + spaces(start) + text + spaces(length-textWidth(right)-soFar) + right
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// alignLeft is table.align_left with a left padding of 2.
func alignLeft(text string, length int, left, right string, textLen int) string {
	padding := 2
	if length-(textLen+2+len(left)+len(right)) < 0 {
		padding = 0
	}
	soFar := len(left) + padding + textLen
	return left + spaces(padding) + text + spaces(length-soFar-len(right)) + right
}
