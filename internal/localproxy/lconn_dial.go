package localproxy

import (
	"context"
	"net"
	"time"
)

// dialer returns the function a destination connection uses to reach its
// local endpoint, retrying DialRetries times.
func (e *engine) dialer(svc *svcState) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		d := net.Dialer{Timeout: 10 * time.Second}
		if svc.network == "tcp" && e.localAddr != nil {
			d.LocalAddr, d.Control = e.localAddr, bindNoPort
		}
		for attempt := 0; ; attempt++ {
			nc, err := d.DialContext(ctx, svc.network, svc.addr)
			if err == nil || attempt >= e.cfg.DialRetries || ctx.Err() != nil {
				return nc, err
			}
			e.log.Debug("cannot connect to destination; retrying", "addr", svc.addr, "err", err)
			select {
			case <-time.After(e.cfg.DialRetryDelay):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
}
