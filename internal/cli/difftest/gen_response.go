package difftest

import (
	"fmt"

	"github.com/adit-project/adit/internal/cli/pyjson"
)

// Commands are the operation names tunnelctl passes to the table
// formatter as its title, plus titles that test its width rules.
var Commands = []string{
	"OpenTunnel", "CloseTunnel", "DescribeTunnel", "ListTunnels",
	"ListTagsForResource", "RotateTunnelAccessToken", "TagResource",
	"UntagResource", "隧道一覧", "X",
}

// obj builds an object from key/value pairs, leaving out each pair with
// probability drop (responses omit unset members).
func (g *Gen) obj(drop float64, kv ...any) *pyjson.Object {
	o := pyjson.NewObject()
	for i := 0; i+1 < len(kv); i += 2 {
		if !g.chance(drop) {
			o.Set(kv[i].(string), kv[i+1])
		}
	}
	return o
}

func (g *Gen) tunnelID() string {
	return fmt.Sprintf("%08x-%04x-%04x", g.r.Uint32(), g.r.Uint32()&0xffff, g.r.Uint32()&0xffff)
}

func (g *Gen) timestamp() any {
	if g.chance(0.8) {
		return 1700000000 + float64(g.r.IntN(1e6))/1000
	}
	return int64(1700000000 + g.r.IntN(1e6))
}

func (g *Gen) tags() []any {
	var out []any
	for range g.r.IntN(4) {
		out = append(out, g.obj(0.05, "key", pick(g, "env", "team", "owner", "隧道", ""), "value", pick(g, stringPool...)))
	}
	return out
}

func (g *Gen) connState() *pyjson.Object {
	return g.obj(0.2, "status", pick(g, "CONNECTED", "DISCONNECTED"), "lastUpdatedAt", g.timestamp())
}

func (g *Gen) tunnel(full bool) *pyjson.Object {
	id := g.tunnelID()
	arn := "arn:aws:iot:us-east-1:123456789012:tunnel/" + id
	drop := 0.1
	if !full {
		return g.obj(drop, "tunnelId", id, "tunnelArn", arn, "status", pick(g, "OPEN", "CLOSED"),
			"description", pick(g, stringPool...), "createdAt", g.timestamp(), "lastUpdatedAt", g.timestamp())
	}
	services := []any{}
	for range g.r.IntN(3) + 1 {
		services = append(services, pick(g, "SSH", "RDP", "HTTP", "svc-1"))
	}
	return g.obj(drop, "tunnelId", id, "tunnelArn", arn, "status", pick(g, "OPEN", "CLOSED"),
		"sourceConnectionState", g.connState(), "destinationConnectionState", g.connState(),
		"description", pick(g, stringPool...),
		"destinationConfig", g.obj(0.1, "thingName", pick(g, "dev1", "thing-1", "隧道"), "services", services),
		"timeoutConfig", g.obj(0.1, "maxLifetimeTimeoutMinutes", pick(g, int64(1), int64(60), int64(720))),
		"tags", g.tags(), "createdAt", g.timestamp(), "lastUpdatedAt", g.timestamp())
}

// Response returns a random response of one of the API's operations, as
// the AWS CLI hands it to its formatter.
func (g *Gen) Response() *pyjson.Object {
	switch g.r.IntN(6) {
	case 0:
		var list []any
		for range g.r.IntN(4) {
			list = append(list, g.tunnel(false))
		}
		return g.obj(0.1, "tunnelSummaries", list, "nextToken", pick(g, "tok-1", "eyJ2IjoxfQ=="))
	case 1:
		return g.obj(0, "tunnel", g.tunnel(true))
	case 2:
		id := g.tunnelID()
		return g.obj(0.05, "tunnelId", id, "tunnelArn", "arn:aws:iot:us-east-1:123456789012:tunnel/"+id,
			"sourceAccessToken", "AQGAAXi"+id, "destinationAccessToken", "AQGAAXj"+id)
	case 3:
		return g.obj(0.05, "tunnelArn", "arn:aws:iot:us-east-1:123456789012:tunnel/"+g.tunnelID(),
			"sourceAccessToken", "AQGAAXi", "destinationAccessToken", "AQGAAXj")
	case 4:
		return g.obj(0.1, "tags", g.tags())
	}
	return pyjson.NewObject() // CloseTunnel, TagResource, UntagResource
}
