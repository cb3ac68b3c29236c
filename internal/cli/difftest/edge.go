package difftest

// edgeExprs are hand-picked fragments that exercise corners of the lexer,
// the parser and the functions: escapes, deprecated literal forms, huge
// and odd numbers, whitespace, precedence.
var edgeExprs = []string{
	"`foo`", "` \"x\" `", "`\\``", "`[1, 2`", "`{\"a\": 1}`.a", "`1e400`", "`-0`", "`0.1e1`",
	"`\"\\u00e9\\ud83d\\ude00\"`", "`tru`", "``", "` `",
	`'a\\b'`, `'it\'s'`, `''`, `'\u00e9'`, `'\\'`,
	`"\u00e9"`, `"a\nb"`, `"\ud83d\ude00"`, `"\x"`, `"a\"b"`, `""`,
	"[-0]", "[007]", "[99999999999999999999]", "[-99999999999999999999]",
	"[::99999999999999999999]", "[99999999999999999999:]", "[::-1][0]", "[0:0]", "[:]", "[::]",
	"[1:2:3:4]", "[1 : 2]", "[*][*]", "[][]", "[?@]", "[?`true`]", "*.*", "*[*]",
	"a.b.c.d", "a[0][1][2]", "a.*.b", "a[].b[].c", "a || b && c", "!a == b", "a == b == c",
	"a | b | c", "a.[b, c]", "a.{b: c}", "{a: b}.a", "[a, b][0]", "@.a", "@[0]", "@.*",
	"to_number('١٢')", "to_number('1e500')", "to_number('-1e500')", "to_number('0x1p4')",
	"to_number(' 12 ')", "to_number('1_000')", "to_number('_1')", "to_number('1_')", "to_number('1.5_0')",
	"to_number('NaN') == to_number('NaN')", "to_number('nan') > `1`", "to_number('inf') > `1e308`",
	"abs(`-9223372036854775807`)", "sum(`[9007199254740993, 1]`)", "avg(`[1, 2]`)", "avg(`[]`)",
	"ceil(`-0.5`)", "floor(`-0.5`)", "abs(`-0.0`)", "length('😀é')", "reverse('😀é')",
	"sort(`[\"b\", \"B\", \"é\", \"E\", \"😀\", \"\uff41\"]`)", "max(`[\"\", \"a\"]`)", "min(`[]`)",
	"contains('abc', `null`)", "contains(`[1]`, `1.0`)", "contains(`[true]`, `1`)", "contains(`[[1]]`, `[1.0]`)",
	"`1` == `1.0`", "`true` == `1`", "`0` == `false`", "`[]` == `{}`", "`{\"a\": 1, \"b\": 2}` == `{\"b\": 2, \"a\": 1}`",
	"`1` < `\"a\"`", "`\"a\"` < `\"b\"`", "`null` < `1`", "`true` < `false`",
	"join(`\"\"`, `[]`)", "join(',', `[\"a\", 1]`)", "starts_with('', '')", "ends_with('a', '')",
	"merge()", "merge(`{}`)", "merge(`{}`, '')", "merge(`{}`, `[[\"a\", 1]]`)", "merge(`{}`, `[\"ab\"]`)",
	"merge(`{}`, `[[\"a\"]]`)", "merge(`{}`, `[1]`)", "merge(`{}`, `1`)",
	"not_null()", "not_null(`null`)", "to_array(`null`)", "to_string(`\"a\"`)", "to_string(`1.0`)",
	"to_string(`[1, \"é\"]`)", "type(`1.0`)", "keys(`{}`)", "values(`{\"a\": [1]}`)",
	"sort_by(`[]`, &a)", "sort_by(`[{\"a\": 1}, {\"a\": \"x\"}]`, &a)", "sort_by(`[{\"a\": 2}, {\"a\": 1.5}, {\"a\": 2}]`, &a)",
	"max_by(`[{\"a\": 1}, {\"a\": \"x\"}]`, &a)", "min_by(`[{\"a\": 1}, {}]`, &a)", "max_by(`[{\"a\": 1}, {\"a\": 1}]`, &a)",
	"map(&[], `[[1], 2]`)", "map(&a, `[]`)", "length(`{}`)", "&a", "&&a", "a(", "(a", "a)", "{a}", "{a: }",
	"{\"a\": b}", "{a: b,}", "[a,]", "a.\"b\"", "a.'b'", "a.`1`", "a.1", "a[", "a[?", "a[?b", "a[?b]]",
	"f(a, )", "length(a, )", "sort_by(a, b)", "a.&b", "!", "!!a", "a !", "a == ", "= a", "a = b",
	"a <> b", "a === b", "$", "a.b..c", "a..b", ".a", "a.", "|a", "a||", "&&", "@@", "[?a==`1`]",
}

// edge returns one of edgeExprs.
func (e *exprGen) edge() string { return pick(e.g, edgeExprs...) }
