package cli

// This file embeds the facts tunnelctl needs from the botocore model
// iotsecuretunneling/2018-10-05/service-2.json: shapes (member order matters
// because botocore builds its output dictionaries in model order), the
// constraints botocore validates client-side (required members and min), and
// the eight operations.

// Shape type names, as in the botocore model.
const (
	typeStructure = "structure"
	typeList      = "list"
	typeString    = "string"
	typeInteger   = "integer"
	typeBoolean   = "boolean"
	typeTimestamp = "timestamp"
)

// shape is one botocore shape.
type shape struct {
	name     string
	typ      string
	members  []member // structures, in model order
	required []string // structures
	member   *shape   // lists
	min      *int     // strings and lists: length; integers: value
	enum     []string
	doc      string
}

// member is a named structure member.
type member struct {
	name  string
	shape *shape
}

func (s *shape) memberShape(name string) *shape {
	for _, m := range s.members {
		if m.name == name {
			return m.shape
		}
	}
	return nil
}

func (s *shape) memberNames() []string {
	names := make([]string, len(s.members))
	for i, m := range s.members {
		names[i] = m.name
	}
	return names
}

func intp(n int) *int { return &n }

func str(name string, min *int, doc string) *shape {
	return &shape{name: name, typ: typeString, min: min, doc: doc}
}

func structure(name string, required []string, members ...member) *shape {
	return &shape{name: name, typ: typeStructure, members: members, required: required}
}

func list(name string, of *shape, min *int) *shape {
	return &shape{name: name, typ: typeList, member: of, min: min}
}

var (
	shpAmazonResourceName = str("AmazonResourceName", intp(1), "")
	shpClientAccessToken  = str("ClientAccessToken", nil, "")
	shpClientMode         = &shape{name: "ClientMode", typ: typeString, enum: []string{"SOURCE", "DESTINATION", "ALL"}}
	shpConnectionStatus   = &shape{name: "ConnectionStatus", typ: typeString, enum: []string{"CONNECTED", "DISCONNECTED"}}
	shpDateType           = &shape{name: "DateType", typ: typeTimestamp}
	shpDeleteFlag         = &shape{name: "DeleteFlag", typ: typeBoolean}
	shpDescription        = str("Description", nil, "")
	shpMaxResults         = &shape{name: "MaxResults", typ: typeInteger, min: intp(1)}
	shpNextToken          = str("NextToken", nil, "")
	shpService            = str("Service", intp(1), "")
	shpTagKey             = str("TagKey", intp(1), "")
	shpTagValue           = str("TagValue", intp(0), "")
	shpThingName          = str("ThingName", intp(1), "")
	shpTimeoutInMin       = &shape{name: "TimeoutInMin", typ: typeInteger, min: intp(1)}
	shpTunnelArn          = str("TunnelArn", intp(1), "")
	shpTunnelID           = str("TunnelId", nil, "")
	shpTunnelStatus       = &shape{name: "TunnelStatus", typ: typeString, enum: []string{"OPEN", "CLOSED"}}

	shpServiceList = list("ServiceList", shpService, intp(1))
	shpTag         = structure("Tag", []string{"key", "value"},
		member{"key", shpTagKey}, member{"value", shpTagValue})
	shpTagList    = list("TagList", shpTag, intp(1))
	shpTagKeyList = list("TagKeyList", shpTagKey, intp(0))

	shpDestinationConfig = structure("DestinationConfig", []string{"services"},
		member{"thingName", shpThingName}, member{"services", shpServiceList})
	shpTimeoutConfig = structure("TimeoutConfig", nil,
		member{"maxLifetimeTimeoutMinutes", shpTimeoutInMin})
	shpConnectionState = structure("ConnectionState", nil,
		member{"status", shpConnectionStatus}, member{"lastUpdatedAt", shpDateType})

	shpTunnel = structure("Tunnel", nil,
		member{"tunnelId", shpTunnelID},
		member{"tunnelArn", shpTunnelArn},
		member{"status", shpTunnelStatus},
		member{"sourceConnectionState", shpConnectionState},
		member{"destinationConnectionState", shpConnectionState},
		member{"description", shpDescription},
		member{"destinationConfig", shpDestinationConfig},
		member{"timeoutConfig", shpTimeoutConfig},
		member{"tags", shpTagList},
		member{"createdAt", shpDateType},
		member{"lastUpdatedAt", shpDateType})
	shpTunnelSummary = structure("TunnelSummary", nil,
		member{"tunnelId", shpTunnelID},
		member{"tunnelArn", shpTunnelArn},
		member{"status", shpTunnelStatus},
		member{"description", shpDescription},
		member{"createdAt", shpDateType},
		member{"lastUpdatedAt", shpDateType})
	shpTunnelSummaryList = list("TunnelSummaryList", shpTunnelSummary, nil)
)

// operation is one API operation and its CLI command.
type operation struct {
	name    string // API name, e.g. "OpenTunnel"
	command string // CLI name, e.g. "open-tunnel"
	input   *shape
	output  *shape
	summary string
}

// operations lists the eight operations in the order the AWS CLI lists its
// commands (alphabetical by API name).
var operations = []*operation{
	{
		name: "CloseTunnel", command: "close-tunnel",
		input: structure("CloseTunnelRequest", []string{"tunnelId"},
			member{"tunnelId", shpTunnelID}, member{"delete", shpDeleteFlag}),
		output:  structure("CloseTunnelResponse", nil),
		summary: "Closes a tunnel identified by the unique tunnel id. When a CloseTunnel request is received, we close the WebSocket connections between the client and proxy server so no data can be transmitted. With --delete the tunnel is also removed.",
	},
	{
		name: "DescribeTunnel", command: "describe-tunnel",
		input:   structure("DescribeTunnelRequest", []string{"tunnelId"}, member{"tunnelId", shpTunnelID}),
		output:  structure("DescribeTunnelResponse", nil, member{"tunnel", shpTunnel}),
		summary: "Gets information about a tunnel identified by the unique tunnel id.",
	},
	{
		name: "ListTagsForResource", command: "list-tags-for-resource",
		input:   structure("ListTagsForResourceRequest", []string{"resourceArn"}, member{"resourceArn", shpAmazonResourceName}),
		output:  structure("ListTagsForResourceResponse", nil, member{"tags", shpTagList}),
		summary: "Lists the tags for the specified resource.",
	},
	{
		name: "ListTunnels", command: "list-tunnels",
		input: structure("ListTunnelsRequest", nil,
			member{"thingName", shpThingName}, member{"maxResults", shpMaxResults}, member{"nextToken", shpNextToken}),
		output: structure("ListTunnelsResponse", nil,
			member{"tunnelSummaries", shpTunnelSummaryList}, member{"nextToken", shpNextToken}),
		summary: "List all tunnels for an Amazon Web Services account. Tunnels are listed by creation time in descending order, newer tunnels will be listed before older tunnels.",
	},
	{
		name: "OpenTunnel", command: "open-tunnel",
		input: structure("OpenTunnelRequest", nil,
			member{"description", shpDescription}, member{"tags", shpTagList},
			member{"destinationConfig", shpDestinationConfig}, member{"timeoutConfig", shpTimeoutConfig}),
		output: structure("OpenTunnelResponse", nil,
			member{"tunnelId", shpTunnelID}, member{"tunnelArn", shpTunnelArn},
			member{"sourceAccessToken", shpClientAccessToken}, member{"destinationAccessToken", shpClientAccessToken}),
		summary: "Creates a new tunnel, and returns two client access tokens for clients to use to connect to the IoT Secure Tunneling proxy server.",
	},
	{
		name: "RotateTunnelAccessToken", command: "rotate-tunnel-access-token",
		input: structure("RotateTunnelAccessTokenRequest", []string{"tunnelId", "clientMode"},
			member{"tunnelId", shpTunnelID}, member{"clientMode", shpClientMode},
			member{"destinationConfig", shpDestinationConfig}),
		output: structure("RotateTunnelAccessTokenResponse", nil,
			member{"tunnelArn", shpTunnelArn}, member{"sourceAccessToken", shpClientAccessToken},
			member{"destinationAccessToken", shpClientAccessToken}),
		summary: "Revokes the current client access token (CAT) and returns new CAT for clients to use when reconnecting to secure tunneling to access the same tunnel.",
	},
	{
		name: "TagResource", command: "tag-resource",
		input: structure("TagResourceRequest", []string{"resourceArn", "tags"},
			member{"resourceArn", shpAmazonResourceName}, member{"tags", shpTagList}),
		output:  structure("TagResourceResponse", nil),
		summary: "A resource tag.",
	},
	{
		name: "UntagResource", command: "untag-resource",
		input: structure("UntagResourceRequest", []string{"resourceArn", "tagKeys"},
			member{"resourceArn", shpAmazonResourceName}, member{"tagKeys", shpTagKeyList}),
		output:  structure("UntagResourceResponse", nil),
		summary: "Removes a tag from a resource.",
	},
}

// lookupOperation returns the operation whose CLI command is name.
func lookupOperation(name string) *operation {
	for _, op := range operations {
		if op.command == name {
			return op
		}
	}
	return nil
}
