package api

import "github.com/adit-project/adit/internal/store"

// Request and response shapes of the model (botocore
// iotsecuretunneling/2018-10-05). JSON member names are the model's.
// Optional scalars are pointers so that absent, null and zero differ;
// unknown members are ignored.

// tagShape is the model's Tag; both members are required.
type tagShape struct {
	Key   *string `json:"key"`
	Value *string `json:"value"`
}

// destinationConfigShape is the model's DestinationConfig.
type destinationConfigShape struct {
	ThingName *string  `json:"thingName,omitempty"`
	Services  []string `json:"services"`
}

// timeoutConfigShape is the model's TimeoutConfig.
type timeoutConfigShape struct {
	MaxLifetimeTimeoutMinutes *int `json:"maxLifetimeTimeoutMinutes,omitempty"`
}

// connectionStateShape is the model's ConnectionState.
type connectionStateShape struct {
	Status        string    `json:"status"`
	LastUpdatedAt epochTime `json:"lastUpdatedAt"`
}

// tunnelShape is the model's Tunnel, as DescribeTunnel returns it.
type tunnelShape struct {
	TunnelID                   string                  `json:"tunnelId"`
	TunnelARN                  string                  `json:"tunnelArn"`
	Status                     string                  `json:"status"`
	SourceConnectionState      connectionStateShape    `json:"sourceConnectionState"`
	DestinationConnectionState connectionStateShape    `json:"destinationConnectionState"`
	Description                string                  `json:"description,omitempty"`
	DestinationConfig          *destinationConfigShape `json:"destinationConfig,omitempty"`
	TimeoutConfig              timeoutConfigShape      `json:"timeoutConfig"`
	Tags                       []tagShape              `json:"tags,omitempty"`
	CreatedAt                  epochTime               `json:"createdAt"`
	LastUpdatedAt              epochTime               `json:"lastUpdatedAt"`
}

// tunnelSummaryShape is the model's TunnelSummary.
type tunnelSummaryShape struct {
	TunnelID      string    `json:"tunnelId"`
	TunnelARN     string    `json:"tunnelArn"`
	Status        string    `json:"status"`
	Description   string    `json:"description,omitempty"`
	CreatedAt     epochTime `json:"createdAt"`
	LastUpdatedAt epochTime `json:"lastUpdatedAt"`
}

type openTunnelInput struct {
	Description       *string                 `json:"description"`
	Tags              []tagShape              `json:"tags"`
	DestinationConfig *destinationConfigShape `json:"destinationConfig"`
	TimeoutConfig     *timeoutConfigShape     `json:"timeoutConfig"`

	// id is the new tunnel's id, chosen before authorization so that the
	// policy sees the tunnel's own ARN.
	id string
}

type openTunnelOutput struct {
	TunnelID               string `json:"tunnelId"`
	TunnelARN              string `json:"tunnelArn"`
	SourceAccessToken      string `json:"sourceAccessToken"`
	DestinationAccessToken string `json:"destinationAccessToken"`
}

type closeTunnelInput struct {
	TunnelID *string `json:"tunnelId"`
	Delete   *bool   `json:"delete"`
}

type closeTunnelOutput struct{}

type describeTunnelInput struct {
	TunnelID *string `json:"tunnelId"`
}

type describeTunnelOutput struct {
	Tunnel tunnelShape `json:"tunnel"`
}

type listTunnelsInput struct {
	ThingName  *string `json:"thingName"`
	MaxResults *int    `json:"maxResults"`
	NextToken  *string `json:"nextToken"`

	// after is NextToken decoded by validate.
	after *store.Cursor
}

type listTunnelsOutput struct {
	TunnelSummaries []tunnelSummaryShape `json:"tunnelSummaries"`
	NextToken       string               `json:"nextToken,omitempty"`
}

type rotateInput struct {
	TunnelID          *string                 `json:"tunnelId"`
	ClientMode        *string                 `json:"clientMode"`
	DestinationConfig *destinationConfigShape `json:"destinationConfig"`
}

type rotateOutput struct {
	TunnelARN              string `json:"tunnelArn"`
	SourceAccessToken      string `json:"sourceAccessToken,omitempty"`
	DestinationAccessToken string `json:"destinationAccessToken,omitempty"`
}

type tagResourceInput struct {
	ResourceARN *string    `json:"resourceArn"`
	Tags        []tagShape `json:"tags"`
}

type tagResourceOutput struct{}

type untagResourceInput struct {
	ResourceARN *string  `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

type untagResourceOutput struct{}

type listTagsInput struct {
	ResourceARN *string `json:"resourceArn"`
}

type listTagsOutput struct {
	Tags []tagShape `json:"tags"`
}
