package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
)

// writeStmts are the statements prepared on the write connection; write
// transactions run them through wtx. The SQL sits beside the methods that
// use it.
type writeStmts struct {
	openCount, insertTunnel, insertToken, upsertTag, deleteTunnel                   *sql.Stmt
	tunnel, tunnelState, closeTunnel, expireTunnels, purgeClosed                    *sql.Stmt
	deleteModeTokens, revokeModeTokens, touchTunnel, claimLookup, clientTokenHolder *sql.Stmt
	claimToken, countTags, deleteTag, setSrcConn, setDstConn                        *sql.Stmt
	savepoint, rollbackTo, release                                                  *sql.Stmt
}

func (w *writeStmts) defs() []stmtDef {
	return []stmtDef{
		{&w.openCount, selectOpenCount}, {&w.insertTunnel, insertTunnel},
		{&w.insertToken, insertToken}, {&w.upsertTag, upsertTag},
		{&w.deleteTunnel, deleteTunnel}, {&w.tunnel, selectTunnel},
		{&w.tunnelState, selectTunnelState}, {&w.closeTunnel, closeTunnel},
		{&w.expireTunnels, expireTunnels}, {&w.purgeClosed, purgeClosed},
		{&w.deleteModeTokens, deleteModeTokens}, {&w.revokeModeTokens, revokeModeTokens}, {&w.touchTunnel, touchTunnel},
		{&w.claimLookup, selectClaim}, {&w.clientTokenHolder, selectClientTokenHolder},
		{&w.claimToken, claimToken}, {&w.countTags, countTags}, {&w.deleteTag, deleteTag},
		{&w.setSrcConn, setConnState("src")}, {&w.setDstConn, setConnState("dst")},
		{&w.savepoint, savepoint}, {&w.rollbackTo, rollbackTo}, {&w.release, release},
	}
}

func (w *writeStmts) prepare(ctx context.Context, db *sql.DB) error {
	return prepare(ctx, db, w.defs())
}
func (w *writeStmts) close() { closeStmts(w.defs()) }

// readStmts are the statements prepared on the read pool.
type readStmts struct {
	tunnel, nextExpiry *sql.Stmt
	list               [4]*sql.Stmt // by listQuery variant
}

func (r *readStmts) defs() []stmtDef {
	defs := []stmtDef{{&r.tunnel, selectTunnel}, {&r.nextExpiry, selectNextExpiry}}
	for v := range r.list {
		defs = append(defs, stmtDef{&r.list[v], listQuery(v)})
	}
	return defs
}

func (r *readStmts) prepare(ctx context.Context, db *sql.DB) error { return prepare(ctx, db, r.defs()) }
func (r *readStmts) close()                                        { closeStmts(r.defs()) }

// stmtDef names where a prepared statement goes and its SQL.
type stmtDef struct {
	dst   **sql.Stmt
	query string
}

func prepare(ctx context.Context, db *sql.DB, defs []stmtDef) error {
	for _, d := range defs {
		st, err := db.PrepareContext(ctx, d.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", d.query, err)
		}
		*d.dst = st
	}
	return nil
}

func closeStmts(defs []stmtDef) {
	for _, d := range defs {
		if *d.dst != nil {
			(*d.dst).Close()
		}
	}
}
