// Package sqlitestore implements store.Store on an embedded SQLite database
// (the pure-Go modernc.org/sqlite driver), the default backend of tunneld.
//
// # Durability
//
// The database runs in WAL mode with synchronous=NORMAL: a write is
// acknowledged once its commit is in the write-ahead log, so it survives a
// crash or kill -9 of the process. After a power loss or an operating-system
// crash the last commits before it may be lost; the database itself stays
// consistent. synchronous=FULL (one fsync per commit) closes that gap.
// Thanks to group commit (below) it costs little throughput under
// concurrent load, but each lone write waits for an fsync, which makes
// sequential clients several times slower on slow or busy disks; switch
// the synchronous constant when power-loss durability matters more.
//
// # Concurrency
//
// SQLite allows one writer at a time. Every write goes to one writer
// goroutine that owns the only write connection, so writers queue in Go
// (honouring their contexts while they wait) instead of failing with
// SQLITE_BUSY. Each write operation (quota check and insert, token claim,
// tag limit, ...) is a function that runs atomically inside a transaction
// started with BEGIN IMMEDIATE. Under load the writer runs the operations
// that are waiting one after another in the same transaction, each inside
// its own SAVEPOINT so a failing one leaves the others intact, and commits
// them together (group commit): one WAL append for many operations. No
// caller sees a result before the commit that makes it durable.
//
// Reads use a separate pool of query-only connections; in WAL mode they
// never block the writer, and each read statement sees one consistent
// snapshot.
//
// # Schema
//
// The schema lives in migrations/*.sql, embedded in the binary and applied
// in order at Open; schema_migrations records which ones ran. Times are
// stored as Unix milliseconds, tokens and client tokens as SHA-256 hashes.
package sqlitestore
