package pgstore

import (
	"context"
	"embed"
	"fmt"

	"github.com/adit-project/adit/internal/store/migration"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles holds the schema, one file per version, named
// NNNN_description.sql. A released file never changes; a schema change is a
// new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the session advisory lock key held while migrating
// ("adit" in ASCII, then 1).
const migrationLock int64 = 0x61646974_00000001

// migrations returns the embedded migrations in version order.
func migrations() ([]migration.Migration, error) { return migration.Load(migrationFiles) }

// migrate applies the pending migrations in order in one transaction,
// holding a session advisory lock so that concurrent openers (several
// nodes starting at once) wait for each other instead of applying a step
// twice. It refuses a database whose schema is newer than this binary.
// ctx bounds the wait for the lock.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return applyMigrations(ctx, tx, ms) })
	if _, uerr := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, migrationLock); uerr != nil && err == nil {
		// The lock would outlive this call on a pooled connection.
		conn.Conn().Close(ctx)
		err = fmt.Errorf("migrate: unlock: %w", uerr)
	}
	return err
}

// applyMigrations applies the migrations newer than the recorded version.
func applyMigrations(ctx context.Context, tx pgx.Tx, ms []migration.Migration) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     NOT NULL PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`
	if _, err := tx.Exec(ctx, create); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	if n := len(ms); current > 0 && (n == 0 || current > ms[n-1].Version) {
		return fmt.Errorf("migrate: database schema version %d is newer than this binary supports", current)
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.Name, err)
		}
		const done = `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`
		if _, err := tx.Exec(ctx, done, m.Version, m.Name); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.Name, err)
		}
	}
	return nil
}
