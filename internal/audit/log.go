package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adit-project/adit/internal/tunnel"
)

// QueueLen is how many encoded events may wait for the writer; more are
// dropped and counted.
const QueueLen = 4096

// Config configures a Log.
type Config struct {
	// Path is the file to append to (created 0600), or "-" for stderr.
	Path string
	// Region and AccountID fill awsRegion and recipientAccountId when an
	// event leaves them empty.
	Region    string
	AccountID string
	// Logger receives write failures; nil discards them.
	Logger *slog.Logger
	// Stderr replaces os.Stderr for Path "-" (tests).
	Stderr io.Writer
}

// Log is an open audit log. A nil *Log is valid and records nothing, so
// callers need no checks when auditing is off.
type Log struct {
	cfg  Config
	q    chan []byte
	done chan struct{}

	mu sync.Mutex // guards w and f
	w  io.Writer
	f  *os.File // nil for stderr

	qmu    sync.RWMutex // held for reading while queueing, for writing by Close
	closed bool

	events, dropped, failed atomic.Uint64
	lastWarn                atomic.Int64 // unix seconds of the last failure log
}

// Open opens cfg.Path and starts the writer. An empty path returns a nil
// Log (auditing off).
func Open(cfg Config) (*Log, error) {
	if cfg.Path == "" {
		return nil, nil
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	l := &Log{cfg: cfg, q: make(chan []byte, QueueLen), done: make(chan struct{})}
	if err := l.open(); err != nil {
		return nil, err
	}
	go l.run()
	return l, nil
}

// open (re)opens the destination; l.mu must be held or l unpublished.
func (l *Log) open() error {
	if l.cfg.Path == "-" {
		l.w = l.cfg.Stderr
		if l.w == nil {
			l.w = os.Stderr
		}
		return nil
	}
	f, err := os.OpenFile(l.cfg.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open audit log: %w", err)
	}
	l.w, l.f = f, f
	return nil
}

// Reopen closes and reopens the file (after logrotate moved it). On error
// the log keeps writing to the old file.
func (l *Log) Reopen() error {
	if l == nil || l.cfg.Path == "-" {
		return nil
	}
	f, err := os.OpenFile(l.cfg.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("reopen audit log: %w", err)
	}
	l.mu.Lock()
	old := l.f
	l.w, l.f = f, f
	l.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

// Record stamps ev (eventTime, eventID, eventVersion, region and account
// defaults) and queues it. It never blocks: a full queue drops the event
// and counts it.
func (l *Log) Record(ev *Event) {
	if l == nil {
		return
	}
	l.stamp(ev)
	b, err := json.Marshal(ev)
	if err != nil {
		l.fail("encode", err)
		return
	}
	b = append(b, '\n')
	l.qmu.RLock()
	defer l.qmu.RUnlock()
	if l.closed {
		l.dropped.Add(1)
		return
	}
	select {
	case l.q <- b:
	default:
		l.dropped.Add(1)
		l.warn("audit queue full, event dropped", nil)
	}
}

func (l *Log) stamp(ev *Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	ev.EventTime = ev.Time.UTC().Format(time.RFC3339)
	if ev.EventVersion == "" {
		ev.EventVersion = "1.08"
	}
	if ev.EventID == "" {
		ev.EventID = tunnel.NewID() // the same random UUIDv4 shape
	}
	if ev.AWSRegion == "" {
		ev.AWSRegion = l.cfg.Region
	}
	if ev.RecipientAccountID == "" {
		ev.RecipientAccountID = l.cfg.AccountID
	}
}

// run writes queued events until Close.
func (l *Log) run() {
	defer close(l.done)
	for b := range l.q {
		l.mu.Lock()
		_, err := l.w.Write(b)
		l.mu.Unlock()
		if err != nil {
			l.fail("write", err)
			continue
		}
		l.events.Add(1)
	}
}

func (l *Log) fail(what string, err error) {
	l.failed.Add(1)
	l.warn("audit "+what+" failed", err)
}

// warn logs at most once per second, so a full disk does not flood the
// log.
func (l *Log) warn(msg string, err error) {
	now := time.Now().Unix()
	if last := l.lastWarn.Load(); now == last || !l.lastWarn.CompareAndSwap(last, now) {
		return
	}
	l.cfg.Logger.Error(msg, "path", l.cfg.Path, "err", err,
		"dropped_total", l.dropped.Load(), "write_errors_total", l.failed.Load())
}

// Close writes what is queued and closes the file. Events recorded after
// Close are dropped and counted.
func (l *Log) Close() error {
	if l == nil {
		return nil
	}
	l.qmu.Lock()
	if l.closed {
		l.qmu.Unlock()
		return nil
	}
	l.closed = true
	close(l.q)
	l.qmu.Unlock()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		return l.f.Close()
	}
	return nil
}
