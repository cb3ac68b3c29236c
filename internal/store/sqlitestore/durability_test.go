//go:build unix

package sqlitestore

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/adit-project/adit/internal/store"
	"github.com/adit-project/adit/internal/tunnel"
)

// writerEnv tells a re-executed test binary to act as the writer process of
// TestKillKeepsAcknowledgedWrites, writing to the database it names.
const writerEnv = "ADIT_SQLITESTORE_WRITER_DB"

const (
	writerGoroutines = 4
	writerMaxWrites  = 100_000 // per goroutine; the parent kills it long before
	acksBeforeKill   = 400
)

// TestKillKeepsAcknowledgedWrites runs a writer in a child process, kills
// it with SIGKILL as soon as it has acknowledged enough writes on stdout,
// and checks that every acknowledged write is in the reopened database.
func TestKillKeepsAcknowledgedWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tunneld.db")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestWriterProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), writerEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acks := make(chan string)
	go func() {
		defer close(acks)
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return // a partial last line was never acknowledged
			}
			if ack, ok := strings.CutPrefix(line, "ack "); ok {
				acks <- strings.TrimSpace(ack)
			}
		}
	}()
	var acked []string
	timeout := time.After(2 * time.Minute)
	for len(acked) < acksBeforeKill {
		select {
		case a, ok := <-acks:
			if !ok {
				cmd.Wait()
				t.Fatalf("writer exited after %d acks: %s", len(acked), stderr.String())
			}
			acked = append(acked, a)
		case <-timeout:
			cmd.Process.Kill()
			t.Fatalf("writer acknowledged only %d writes in 2 minutes", len(acked))
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for a := range acks { // what was already in the pipe was acknowledged too
		acked = append(acked, a)
	}
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("writer ended with %v, want killed by SIGKILL", cmd.ProcessState)
	}
	checkAcked(t, path, acked)
}

// checkAcked reopens the database and finds every acknowledged write: the
// tunnel with its tag, and its source token used and bound.
func checkAcked(t *testing.T, path string, acked []string) {
	s := mustOpen(t, path)
	defer s.Close()
	var check string
	if err := s.r.QueryRowContext(t.Context(), "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("after kill: PRAGMA integrity_check = %q, %v; want ok", check, err)
	}
	now := time.Now()
	for _, a := range acked {
		id, hexHash, _ := strings.Cut(a, " ")
		tn, err := s.Tunnel(t.Context(), id)
		if err != nil || len(tn.Tags) != 1 || tn.Tags[0].Value != id {
			t.Errorf("after kill: Tunnel(%s) = tags %v, %v; want tag written = %s", id, tn.Tags, err, id)
			continue
		}
		var h tunnel.TokenHash
		if b, err := hex.DecodeString(hexHash); err != nil || copy(h[:], b) != len(h) {
			t.Fatalf("bad ack line %q", a)
		}
		if _, err := s.ClaimToken(t.Context(), h, tunnel.ModeSource, "", now); !errors.Is(err, store.ErrTokenUsed) {
			t.Errorf("after kill: ClaimToken(%s source) = %v, want ErrTokenUsed (claim kept)", id, err)
		}
		if _, err := s.ClaimToken(t.Context(), h, tunnel.ModeSource, "ct-"+id, now); err != nil {
			t.Errorf("after kill: ClaimToken(%s source, bound client token) = %v, want nil", id, err)
		}
	}
	t.Logf("%d acknowledged writes survived SIGKILL", len(acked))
}

// TestWriterProcess is the child of TestKillKeepsAcknowledgedWrites. Each
// goroutine creates a tagged tunnel, claims its source token with a client
// token, then acknowledges both on stdout, until the process is killed.
func TestWriterProcess(t *testing.T) {
	path := os.Getenv(writerEnv)
	if path == "" {
		t.Skip("helper process of TestKillKeepsAcknowledgedWrites")
	}
	s := mustOpen(t, path)
	var (
		wg sync.WaitGroup
		mu sync.Mutex // one ack line at a time
	)
	for g := range writerGoroutines {
		wg.Go(func() {
			for i := range writerMaxWrites {
				id := fmt.Sprintf("w%d-%06d", g, i)
				h, err := writeOne(t, s, id)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				os.Stdout.WriteString("ack " + id + " " + hex.EncodeToString(h[:]) + "\n")
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func writeOne(t *testing.T, s *Store, id string) (tunnel.TokenHash, error) {
	now := time.Now()
	tn := tunnel.Tunnel{
		ID: id, ARN: "arn:aws:iot:us-east-1:1:tunnel/" + id, Status: tunnel.StatusOpen,
		LifetimeMinutes: 720, CreatedAt: now, LastUpdatedAt: now, ExpiresAt: now.Add(12 * time.Hour),
		Source: tunnel.ConnState{LastUpdatedAt: now}, Destination: tunnel.ConnState{LastUpdatedAt: now},
		Tags: []tunnel.Tag{{Key: "id", Value: id}},
	}
	h := tunnel.HashToken(tunnel.NewToken())
	if err := s.CreateTunnel(t.Context(), tn, []store.Token{{Hash: h, Mode: tunnel.ModeSource}}, 0); err != nil {
		return h, err
	}
	_, err := s.ClaimToken(t.Context(), h, tunnel.ModeSource, "ct-"+id, now)
	return h, err
}
