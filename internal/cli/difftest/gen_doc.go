package difftest

import (
	"math"
	"math/rand/v2"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// Gen generates random documents and expressions from one seed; the same
// seed always gives the same sequence.
type Gen struct {
	r *rand.Rand
}

// New returns a generator seeded with seed.
func New(seed uint64) *Gen {
	return &Gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// pick returns one of the options.
func pick[T any](g *Gen, options ...T) T { return options[g.r.IntN(len(options))] }

// chance reports true with probability p.
func (g *Gen) chance(p float64) bool { return g.r.Float64() < p }

// keyPool holds object keys: this API's field names, generic ones, and
// keys that need quoting in an expression.
var keyPool = []string{
	"tunnelId", "tunnelArn", "status", "description", "tags", "key", "value",
	"createdAt", "lastUpdatedAt", "destinationConfig", "thingName", "services",
	"timeoutConfig", "maxLifetimeTimeoutMinutes", "sourceConnectionState",
	"destinationConnectionState", "nextToken", "tunnelSummaries", "tunnel",
	"a", "b", "c", "foo", "bar", "n", "x", "Name", "_id", "a1",
	"with space", "dash-key", "1st", "ключ", "隧道", "", "α", "키", "ｷｰ",
}

// stringPool holds string values: API values, numbers in text, text that
// is wide or ambiguous in a terminal, escapes and edge cases.
var stringPool = []string{
	"", "a", "b", "A", "abc", "OPEN", "CLOSED", "CONNECTED", "DISCONNECTED",
	"SSH", "RDP", "env", "prod", "dev1", "thing-1", "hello world",
	"10", "-3", "1.5", " 42 ", "1e3", "+7", "0x10", "1_000", "inf", "-Infinity",
	"true", "null", "None", "café", "隧道", "ｆｕｌｌ", "É", "😀", "Ωmega",
	"tab\there", "line\nbreak", "quote\"d", "it's", "back\\slash", "a`b",
	"arn:aws:iot:us-east-1:123456789012:tunnel/abc",
	"1e500", "0x1p4", "١٢", "1_0.5", "\t12\n", ".5", "5.", "1__0", "-0", "Infinity",
	"1.5e-7", "٣.٥", "12abc", "+.5e1", "- 3", "0b101",
	"α", "°C", "±1", "Ё", "한글", "e\u0301", "a\u200bb", "ｱｲ", "€5", "♥", "soft\u00adhyphen",
	"\x01ctl", "\u3000", "ℕ", "\U0001F1EF\U0001F1F5", "👍🏽", "x\ufe0f",
}

// floatPool holds floats with interesting reprs. It has no NaN (Python
// sorts lists holding NaN in an order of its own) and nothing beyond 2**63
// (ceil and floor would give Python ints that do not fit 64 bits).
var floatPool = []float64{
	0.5, -1.25, 1.5, 2.0, 0.1, 1e16, 1.5e16, 1e-5, 0.0001, math.Copysign(0, -1), 0.0,
	1700000000.123, 1.7e9, 123456789.0, 3.14159, -7.5, 1e-300, 2.5e-8,
	1.2345678901234568e+17, 5e-324, 9.0e18, 1e18, 0.30000000000000004, 9007199254740992.0,
}

// Scalar returns a random scalar value.
func (g *Gen) Scalar() any {
	switch g.r.IntN(8) {
	case 0:
		return nil
	case 1:
		return g.chance(0.5)
	case 2, 3:
		return pick(g, stringPool...)
	case 4, 5:
		return int64(g.r.IntN(21) - 10)
	case 6:
		return pick(g, int64(0), int64(1), int64(720), int64(1<<40), int64(-1<<40), int64(1700000000),
			int64(1<<53+1), int64(1<<62), int64(-1<<63))
	}
	return pick(g, floatPool...)
}

// Value returns a random JSON value nested at most depth levels.
func (g *Gen) Value(depth int) any {
	if depth <= 0 || g.chance(0.35) {
		return g.Scalar()
	}
	if g.chance(0.5) {
		return g.List(depth)
	}
	return g.Object(depth)
}

// List returns a random list; its elements often share a kind, as in API
// responses.
func (g *Gen) List(depth int) []any {
	n := g.r.IntN(5)
	out := make([]any, 0, n)
	mode := g.r.IntN(4)
	for range n {
		switch mode {
		case 0:
			out = append(out, g.Value(depth-1))
		case 1:
			out = append(out, g.Scalar())
		default:
			out = append(out, g.Object(depth-1))
		}
	}
	return out
}

// Object returns a random object.
func (g *Gen) Object(depth int) *pyjson.Object {
	o := pyjson.NewObject()
	for range g.r.IntN(5) {
		o.Set(pick(g, keyPool...), g.Value(depth-1))
	}
	return o
}

// Doc returns a random document: an API response half of the time,
// otherwise a generic object.
func (g *Gen) Doc() *pyjson.Object {
	if g.chance(0.5) {
		return g.Response()
	}
	return g.Object(4)
}

// JSON encodes v as JSON text both Python and package pyjson read back
// exactly.
func JSON(v any) string { return pyjson.Dumps(v, pyjson.EncodeOptions{Compact: true}) }
