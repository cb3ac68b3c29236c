package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// maxBatch bounds how many write operations share one transaction.
const maxBatch = 64

// errStoreClosed fails writes that arrive after Close.
var errStoreClosed = errors.New("sqlite store is closed")

// writeOp is one atomic write operation handed to the writer goroutine.
type writeOp struct {
	ctx  context.Context
	f    func(tx *wtx) error
	err  error         // result, set before done is closed
	done chan struct{} // closed once the result is final (committed or not)
}

// write runs f atomically in a write transaction and returns once its
// effects are committed, or its error. While f waits for the writer, ctx
// can abandon it; once f runs it completes.
func (s *Store) write(ctx context.Context, f func(tx *wtx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	op := &writeOp{ctx: ctx, f: f, done: make(chan struct{})}
	select {
	case s.ops <- op:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closing:
		return errStoreClosed
	}
	<-op.done
	return op.err
}

// runWriter is the writer goroutine: it commits batches of operations until
// Close.
func (s *Store) runWriter() {
	defer close(s.writerDone)
	for {
		select {
		case op := <-s.ops:
			s.runBatch(op, s.waitingOp)
		case <-s.closing:
			return
		}
	}
}

// waitingOp returns an operation whose caller is already waiting to hand it
// over, or nil.
func (s *Store) waitingOp() *writeOp {
	select {
	case op := <-s.ops:
		return op
	default:
		return nil
	}
}

// runBatch runs first, then the operations next returns until it returns
// nil (up to maxBatch in all), in one transaction, commits, and answers
// them all. The first runs without a savepoint: when it fails, the
// transaction is rolled back before anything else joined it.
func (s *Store) runBatch(first *writeOp, next func() *writeOp) {
	ctx := context.Background() // operations, once started, run to the end
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		first.finish(fmt.Errorf("begin: %w", err))
		return
	}
	t := &wtx{ctx: ctx, tx: tx}
	if err := first.run(t); err != nil {
		tx.Rollback()
		first.finish(err)
		return
	}
	batch := []*writeOp{first}
	var fatal error
	for fatal == nil && len(batch) < maxBatch {
		op := next()
		if op == nil {
			break
		}
		batch = append(batch, op)
		fatal = s.runSaved(t, op)
	}
	if fatal != nil {
		tx.Rollback()
		fatal = fmt.Errorf("batched write: %w", fatal)
	} else if err := tx.Commit(); err != nil {
		fatal = fmt.Errorf("commit: %w", err)
	}
	for _, op := range batch {
		if fatal != nil {
			op.err = fatal // what the others saw was never committed
		}
		close(op.done)
	}
}

// runSaved runs op inside a savepoint and sets op.err; a failed op is
// rolled back to the savepoint. It returns an error only when the
// transaction itself is broken.
func (s *Store) runSaved(t *wtx, op *writeOp) error {
	if op.err = op.ctx.Err(); op.err != nil {
		return nil
	}
	if _, err := t.exec(s.ws.savepoint); err != nil {
		return err
	}
	if op.err = op.run(t); op.err != nil {
		if _, err := t.exec(s.ws.rollbackTo); err != nil {
			return err
		}
	}
	_, err := t.exec(s.ws.release)
	return err
}

// run runs the operation unless its caller gave up waiting.
func (op *writeOp) run(t *wtx) error {
	if err := op.ctx.Err(); err != nil {
		return err
	}
	return op.f(t)
}

func (op *writeOp) finish(err error) {
	op.err = err
	close(op.done)
}

// Savepoint statements of batched operations.
const (
	savepoint  = `SAVEPOINT op`
	rollbackTo = `ROLLBACK TO op`
	release    = `RELEASE op`
)

// wtx is a write transaction that runs statements prepared on the write
// connection.
type wtx struct {
	ctx context.Context
	tx  *sql.Tx
}

func (t *wtx) exec(st *sql.Stmt, args ...any) (sql.Result, error) {
	return t.tx.StmtContext(t.ctx, st).ExecContext(t.ctx, args...)
}

// execN runs st and returns how many rows it changed.
func (t *wtx) execN(st *sql.Stmt, args ...any) (int64, error) {
	res, err := t.exec(st, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *wtx) queryRow(st *sql.Stmt, args ...any) *sql.Row {
	return t.tx.StmtContext(t.ctx, st).QueryRowContext(t.ctx, args...)
}

func (t *wtx) query(st *sql.Stmt, args ...any) (*sql.Rows, error) {
	return t.tx.StmtContext(t.ctx, st).QueryContext(t.ctx, args...)
}
