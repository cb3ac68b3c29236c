package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/adit-project/adit/internal/audit"
	"github.com/adit-project/adit/internal/notify/notifymsg"
	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultPartition      = "aws"
	DefaultRegion         = "us-east-1"
	DefaultAccountID      = "123456789012"
	DefaultMaxOpenTunnels = 10000
	DefaultMaxServices    = 3
	DefaultMaxTags        = 200
)

// Authenticator verifies the signature of a control-plane request.
//
// Verify gets the request (headers intact, body already read) and the exact
// body bytes. It returns the authenticated principal (for example the
// access key id), used for rate limiting and logs; it must not be a
// secret. On failure the error decides the response: if it is or wraps
// (errors.As) a value with methods
//
//	AWSErrorCode() string // e.g. "InvalidSignatureException"
//	HTTPStatus() int      // e.g. 403
//
// the response carries that code and status (a status outside 400..599
// becomes 403) and err.Error() as the message. Any other error becomes
// 403 AccessDeniedException with a generic message, so no detail leaks.
type Authenticator interface {
	Verify(r *http.Request, body []byte) (principal string, err error)
}

// Notifier tells a destination device about a new destination token.
//
// NotifyDestination is called after OpenTunnel with a thingName, and after
// RotateTunnelAccessToken with clientMode DESTINATION or ALL and a
// destinationConfig with a thingName. It runs synchronously before the
// response is written, with a context that survives the client going away
// and ends after NotifyTimeout; a failure is logged and never fails the
// call.
type Notifier interface {
	NotifyDestination(ctx context.Context, n notifymsg.Notification) error
}

// NotifyTimeout bounds one Notifier call.
const NotifyTimeout = 10 * time.Second

// Peers acts on the data-plane connections of a tunnel.
type Peers interface {
	// CloseTunnel closes every connection of the tunnel. It is called
	// after a CloseTunnel call that changed the tunnel's state or deleted
	// it; expired is always false when the API calls it.
	CloseTunnel(id string, expired bool)
	// Revoke closes the connection of mode m made with a revoked token. It
	// is called once per rotated mode after RotateTunnelAccessToken (D8).
	Revoke(id string, m tunnel.Mode)
}

// Config configures a Handler. The zero value of each optional field means
// its documented default.
type Config struct {
	// Store keeps the tunnels. Required.
	Store store.Store
	// Auth authenticates every request. Required.
	Auth Authenticator
	// Partition, Region and AccountID build tunnel ARNs
	// (arn:<partition>:iot:<region>:<account>:tunnel/<id>). Region is also
	// sent in notifications. Defaults "aws", "us-east-1", "123456789012".
	Partition string
	Region    string
	AccountID string
	// MaxOpenTunnels caps the open tunnels of the server; OpenTunnel beyond
	// it fails with LimitExceededException. Default 10000; negative means
	// unlimited.
	MaxOpenTunnels int
	// MaxServices caps destinationConfig.services; more fail with
	// LimitExceededException. Default 3; negative is invalid.
	MaxServices int
	// MaxTags caps the tags of one tunnel; more fail with
	// LimitExceededException. Default 200; negative is invalid.
	MaxTags int
	// Notifier, when set, is told about destination tokens. Default none.
	Notifier Notifier
	// Peers, when set, is told to close connections on CloseTunnel and
	// token rotation. Default none.
	Peers Peers
	// RateLimit is the sustained number of requests per second allowed per
	// principal, with a burst of the same size rounded up (at least 1);
	// excess requests fail with ThrottlingException (400). Default 0: off.
	// Negative is invalid.
	RateLimit float64
	// Authorizer, when set, applies identity-based policies to every call
	// and names callers. Default none: every authenticated caller may do
	// everything.
	Authorizer Authorizer
	// Audit, when set, receives one event per call. Default none.
	Audit *audit.Log
	// Logger receives request and error logs; tokens are never logged.
	// Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// withDefaults returns cfg with defaults filled in, or an error when a
// field is invalid.
func (cfg Config) withDefaults() (Config, error) {
	switch {
	case cfg.Store == nil:
		return cfg, errors.New("api: Config.Store is required")
	case cfg.Auth == nil:
		return cfg, errors.New("api: Config.Auth is required")
	case cfg.MaxServices < 0:
		return cfg, errors.New("api: Config.MaxServices is negative")
	case cfg.MaxTags < 0:
		return cfg, errors.New("api: Config.MaxTags is negative")
	case cfg.RateLimit < 0:
		return cfg, errors.New("api: Config.RateLimit is negative")
	}
	setDefault(&cfg.Partition, DefaultPartition)
	setDefault(&cfg.Region, DefaultRegion)
	setDefault(&cfg.AccountID, DefaultAccountID)
	setDefault(&cfg.MaxOpenTunnels, DefaultMaxOpenTunnels)
	setDefault(&cfg.MaxServices, DefaultMaxServices)
	setDefault(&cfg.MaxTags, DefaultMaxTags)
	if cfg.MaxOpenTunnels < 0 {
		cfg.MaxOpenTunnels = 0 // the store reads 0 as unlimited
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg, nil
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}
