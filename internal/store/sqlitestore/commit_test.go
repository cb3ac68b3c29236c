package sqlitestore

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store/storetest"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// handOver starts call in a goroutine and returns the write operation it
// hands to the writer (the test plays the writer) and call's result.
func handOver(t *testing.T, s *Store, call func() error) (*writeOp, <-chan error) {
	t.Helper()
	res := make(chan error, 1)
	go func() { res <- call() }()
	select {
	case op := <-s.ops:
		return op, res
	case err := <-res:
		t.Fatalf("call returned %v without writing", err)
		return nil, nil
	}
}

// runTestBatch runs ops as one batch, in order.
func runTestBatch(s *Store, ops []*writeOp) {
	rest := ops[1:]
	s.runBatch(ops[0], func() *writeOp {
		if len(rest) == 0 {
			return nil
		}
		op := rest[0]
		rest = rest[1:]
		return op
	})
}

// TestBatchIsolatesFailedOperations runs failing operations between
// successful ones in one batch: each gets its own result, and only the
// failed ones leave nothing behind.
func TestBatchIsolatesFailedOperations(t *testing.T) {
	s, err := open(t.Context(), filepath.Join(t.TempDir(), "tunneld.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	a, tokens := storetest.BenchTunnel("a", now)
	a.Tags = nil
	dup, dupTokens := storetest.BenchTunnel("a", now)
	ctx := t.Context()
	cancelCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	calls := []struct {
		name string
		call func() error
		want error
	}{
		{"create a", func() error { return s.CreateTunnel(ctx, a, tokens, 0) }, nil},
		{"tag a over limit", func() error { return s.TagTunnel(ctx, "a", []tunnel.Tag{{Key: "x"}, {Key: "y"}}, 1, now) }, store.ErrTooManyTags},
		{"create a again", func() error { return s.CreateTunnel(ctx, dup, dupTokens, 0) }, store.ErrExists},
		{"tag a", func() error { return s.TagTunnel(ctx, "a", []tunnel.Tag{{Key: "k", Value: "v"}}, 1, now) }, nil},
		{"abandoned tag", func() error { return s.TagTunnel(cancelCtx, "a", []tunnel.Tag{{Key: "z"}}, 0, now) }, context.Canceled},
		{"claim source of a", func() error {
			_, err := s.ClaimToken(ctx, tokens[0].Hash, tunnel.ModeSource, "ct", now)
			return err
		}, nil},
	}
	var (
		ops  []*writeOp
		errs []<-chan error
	)
	for _, c := range calls {
		op, res := handOver(t, s, c.call)
		if c.want == context.Canceled {
			cancel() // its caller gives up after handing it over
		}
		ops, errs = append(ops, op), append(errs, res)
	}
	runTestBatch(s, ops)
	for i, c := range calls {
		if err := <-errs[i]; !errors.Is(err, c.want) {
			t.Errorf("batched %s (#%d) = %v, want %v", c.name, i, err, c.want)
		}
	}
	got, err := s.Tunnel(ctx, "a")
	if err != nil || got.Description != a.Description || len(got.Tags) != 1 || got.Tags[0].Key != "k" {
		t.Errorf("Tunnel(a) after batch = %q, tags %v, %v; want %q, only tag k", got.Description, got.Tags, err, a.Description)
	}
	var used bool
	if err := s.r.QueryRowContext(ctx, `SELECT used FROM tokens WHERE hash = ?`, tokens[0].Hash[:]).Scan(&used); err != nil || !used {
		t.Errorf("source token of a used = %v, %v; want true", used, err)
	}
}

// TestBatchFailsWhollyWhenTransactionBreaks checks that when the batch
// transaction itself fails, no operation of the batch reports success.
func TestBatchFailsWhollyWhenTransactionBreaks(t *testing.T) {
	s, err := open(t.Context(), filepath.Join(t.TempDir(), "tunneld.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	a, tokens := storetest.BenchTunnel("a", time.Now())
	create, createRes := handOver(t, s, func() error { return s.CreateTunnel(ctx, a, tokens, 0) })
	breaker := &writeOp{ctx: ctx, done: make(chan struct{}), f: func(tx *wtx) error {
		_, err := tx.tx.ExecContext(ctx, "ROLLBACK") // the transaction is gone
		return err
	}}
	runTestBatch(s, []*writeOp{create, breaker})
	if err := <-createRes; err == nil {
		t.Errorf("CreateTunnel in a broken batch = nil, want an error")
	}
	if _, err := s.Tunnel(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Tunnel(a) after broken batch = %v, want ErrNotFound", err)
	}
	// The writer recovers: the next batch commits.
	create, createRes = handOver(t, s, func() error { return s.CreateTunnel(ctx, a, tokens, 0) })
	runTestBatch(s, []*writeOp{create})
	if err := <-createRes; err != nil {
		t.Errorf("CreateTunnel after broken batch = %v, want nil", err)
	}
}
