-- 0001: tunnels, their access tokens (hashes only), tags, and the count of
-- open tunnels. Times are Unix milliseconds (UTC).

CREATE TABLE tunnels (
	id               TEXT    NOT NULL PRIMARY KEY,
	arn              TEXT    NOT NULL,
	description      TEXT    NOT NULL,
	thing_name       TEXT,              -- NULL when absent
	services         TEXT,              -- JSON array; NULL without destinationConfig
	lifetime_minutes INTEGER NOT NULL,
	created_at       INTEGER NOT NULL,
	last_updated_at  INTEGER NOT NULL,
	expires_at       INTEGER NOT NULL,
	closed_at        INTEGER,           -- NULL while OPEN
	src_connected    INTEGER NOT NULL CHECK (src_connected IN (0, 1)),
	src_updated_at   INTEGER NOT NULL,
	dst_connected    INTEGER NOT NULL CHECK (dst_connected IN (0, 1)),
	dst_updated_at   INTEGER NOT NULL
) WITHOUT ROWID;

-- ListTunnels: newest first, ties by id, optionally for one thing.
CREATE INDEX tunnels_newest ON tunnels (created_at DESC, id DESC);
CREATE INDEX tunnels_thing ON tunnels (thing_name, created_at DESC, id DESC)
	WHERE thing_name IS NOT NULL;
-- ExpireTunnels and NextExpiry look at open tunnels only.
CREATE INDEX tunnels_open_expiry ON tunnels (expires_at) WHERE closed_at IS NULL;
-- PurgeClosed looks at closed tunnels only.
CREATE INDEX tunnels_closed_at ON tunnels (closed_at) WHERE closed_at IS NOT NULL;

-- Current access tokens. A token is used once claimed; client_token_hash is
-- the SHA-256 of the client token bound by the first claim that gave one.
CREATE TABLE tokens (
	hash              BLOB    NOT NULL PRIMARY KEY CHECK (length(hash) = 32),
	tunnel_id         TEXT    NOT NULL REFERENCES tunnels (id) ON DELETE CASCADE,
	mode              TEXT    NOT NULL CHECK (mode IN ('source', 'destination')),
	used              INTEGER NOT NULL CHECK (used IN (0, 1)),
	client_token_hash BLOB
) WITHOUT ROWID;

CREATE INDEX tokens_tunnel ON tokens (tunnel_id, mode);
-- Client tokens must be unique among the tokens of open tunnels; ClaimToken
-- checks that through this index inside its write transaction.
CREATE INDEX tokens_client_token ON tokens (client_token_hash)
	WHERE client_token_hash IS NOT NULL;

CREATE TABLE tags (
	tunnel_id TEXT NOT NULL REFERENCES tunnels (id) ON DELETE CASCADE,
	key       TEXT NOT NULL,
	value     TEXT NOT NULL,
	PRIMARY KEY (tunnel_id, key)
) WITHOUT ROWID;

-- open_tunnels holds one row: how many tunnels have closed_at NULL, kept by
-- triggers so the CreateTunnel quota check is a single-row read.
CREATE TABLE open_tunnels (n INTEGER NOT NULL);
INSERT INTO open_tunnels (n) VALUES (0);

CREATE TRIGGER open_tunnels_insert AFTER INSERT ON tunnels
	WHEN NEW.closed_at IS NULL
BEGIN
	UPDATE open_tunnels SET n = n + 1;
END;

CREATE TRIGGER open_tunnels_update AFTER UPDATE OF closed_at ON tunnels
	WHEN (OLD.closed_at IS NULL) <> (NEW.closed_at IS NULL)
BEGIN
	UPDATE open_tunnels SET n = n + IIF(NEW.closed_at IS NULL, 1, -1);
END;

CREATE TRIGGER open_tunnels_delete AFTER DELETE ON tunnels
	WHEN OLD.closed_at IS NULL
BEGIN
	UPDATE open_tunnels SET n = n - 1;
END;
