// Package pgstore implements store.Store and store.Cluster on PostgreSQL
// (through github.com/jackc/pgx/v5 and its connection pool), the backend
// for several tunneld nodes that share one database.
//
// # Connections and errors
//
// Open takes a PostgreSQL URL (or keyword/value string). The pool holds at
// most pool_max_conns connections (a URL parameter; default 16), every
// call runs under a deadline (Config.QueryTimeout, default 5 s), and
// statements are prepared once per connection by pgx's statement cache.
// When the database cannot be reached, drops the connection or does not
// answer in time, calls fail at once (or at the deadline) with an error
// that wraps store.ErrUnavailable; the pool reconnects on its own when the
// database is back.
//
// # Atomicity across nodes
//
// Each operation is one statement or one transaction at READ COMMITTED;
// the hot ones (CreateTunnel, Tunnel, ClaimToken, CloseTunnel,
// SetConnState, TagTunnel) take one round trip. ClaimToken's rules run in
// the database (adit_claim_token) under the token's row lock (SELECT ...
// FOR UPDATE), so concurrent claims of one token from any node have one
// winner; a claim that binds a client token also takes a transaction
// advisory lock on that client token, so one client token is bound once.
//
// The open-tunnel quota counts tunnels in open_counts, kept by triggers
// and spread over 64 rows (stripes, each on a page of its own), and keeps
// b in quota_bound. A create takes the quota advisory lock shared. While
// 64 * b is within the quota, b bounds every stripe and the create counts
// nothing: the insert trigger refuses to take the create's own stripe
// above b, so no set of concurrent creates can overshoot. Once a stripe
// has filled up (for a large quota, at roughly 75-90% of it) the create
// counts all stripes and goes ahead while the count is more than
// max_connections below the quota (no more transactions than that can be
// in flight). Otherwise it tries again with the lock exclusive, counts
// exactly and sets b anew (to quota/64 once the stripes allow it, which
// resumes the first path). So creates run in parallel until the quota is
// nearly reached and one at a time after that. The first path reads no
// other stripe: summing them on every create kept their page busy, so
// PostgreSQL could not prune it and it bloated under load.
//
// A call that fails on a pooled connection the database has closed (after
// a restart) before sending anything is repeated on another connection.
//
// # Change notifications
//
// A trigger on tunnels publishes every close (CloseTunnel and expiry) with
// pg_notify on channel adit_tunnels inside the closing transaction, and
// removes the tunnel's owner; RotateTokens publishes its rotation the same
// way. Watch listens on a connection of its own, outside the pool.
//
// # Schema
//
// The schema lives in migrations/*.sql, embedded in the binary and applied
// in order at Open under a session advisory lock, so nodes starting
// together apply each step once; schema_migrations records which ones
// ran. Times are timestamptz truncated to milliseconds, tags a jsonb
// object, tokens and client tokens SHA-256 hashes; the checks on tags and
// tokens are domains (adit_tags, adit_token_hash, adit_token_mode), which
// PostgreSQL plans once per connection where it would plan a table's CHECK
// constraints for every insert.
package pgstore
