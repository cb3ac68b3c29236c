package broker

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/adit-project/adit/internal/notify/devices"
)

// fileStamp identifies a version of the devices file.
type fileStamp struct {
	exists  bool
	size    int64
	modTime int64 // Unix nanoseconds
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileStamp{}, nil
	}
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{exists: true, size: fi.Size(), modTime: fi.ModTime().UnixNano()}, nil
}

// load reads the devices file (the empty set without one).
func (b *Broker) load() (*devices.Set, fileStamp, error) {
	if b.cfg.DevicesFile == "" {
		return devices.Empty, fileStamp{}, nil
	}
	st, err := stampOf(b.cfg.DevicesFile)
	if err != nil {
		return nil, st, err
	}
	set, err := devices.Load(b.cfg.DevicesFile)
	return set, st, err
}

// Reload re-reads the devices file now and ends the sessions of clients
// whose credential it revokes or changes. An unreadable or invalid file
// is logged and returned, and the previous one stays in force. The
// server calls it on SIGHUP; the broker also calls it when the file's
// size or modification time changes.
func (b *Broker) Reload() error {
	b.reloadMu.Lock()
	defer b.reloadMu.Unlock()
	if b.closed {
		return errors.New("mqtt broker is closed")
	}
	set, st, err := b.load()
	b.stamp = st // a bad version is reported once, not every poll
	if err != nil {
		b.m.reloadErrors.Add(1)
		b.cfg.Logger.Error("mqtt devices file rejected; the previous one stays in force", "file", b.cfg.DevicesFile, "err", err)
		return err
	}
	b.m.reloads.Add(1)
	b.hook.devices.Store(set)
	gone := b.hook.revalidate(set)
	for _, cl := range gone {
		b.m.revokedDisconnect.Add(1)
		b.cfg.Logger.Warn("mqtt session ended: credential revoked or changed", "client_id", cl.ID, "remote", cl.Net.Remote)
		// A client that does not read must not hold up the reload: the
		// DISCONNECT gets a second, then the connection is closed anyway.
		cl.Net.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		b.watching.Go(func() { b.srv.DisconnectClient(cl, packets.ErrNotAuthorized) })
	}
	b.cfg.Logger.Info("mqtt devices file loaded", "file", b.cfg.DevicesFile, "devices", set.Len(), "disconnected", len(gone))
	return nil
}

// watch polls the devices file and reloads it when it changes.
func (b *Broker) watch(ctx context.Context) {
	t := time.NewTicker(b.cfg.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := stampOf(b.cfg.DevicesFile)
		b.reloadMu.Lock()
		changed := err == nil && st != b.stamp
		b.reloadMu.Unlock()
		if changed {
			b.Reload()
		}
	}
}
