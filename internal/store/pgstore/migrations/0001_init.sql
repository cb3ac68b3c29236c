-- 0001: tunnels with their tags, access tokens (hashes only), the striped
-- count of open tunnels, and the cluster tables (nodes, tunnel owners).
-- Times are timestamptz at millisecond precision (the store truncates).

CREATE TABLE tunnels (
	id               text COLLATE "C" NOT NULL PRIMARY KEY,
	arn              text NOT NULL,
	description      text NOT NULL,
	thing_name       text COLLATE "C",      -- NULL when absent
	services         text[],                -- NULL without destinationConfig
	lifetime_minutes integer NOT NULL,
	created_at       timestamptz NOT NULL,
	last_updated_at  timestamptz NOT NULL,
	expires_at       timestamptz NOT NULL,
	closed_at        timestamptz,           -- NULL while OPEN
	src_connected    boolean NOT NULL,
	src_updated_at   timestamptz NOT NULL,
	dst_connected    boolean NOT NULL,
	dst_updated_at   timestamptz NOT NULL,
	tags             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(tags) = 'object')
);

-- ListTunnels: newest first, ties by id, optionally for one thing.
CREATE INDEX tunnels_newest ON tunnels (created_at DESC, id DESC);
CREATE INDEX tunnels_thing ON tunnels (thing_name, created_at DESC, id DESC)
	WHERE thing_name IS NOT NULL;
-- ExpireTunnels and NextExpiry look at open tunnels only.
CREATE INDEX tunnels_open_expiry ON tunnels (expires_at) WHERE closed_at IS NULL;
-- PurgeClosed looks at closed tunnels only.
CREATE INDEX tunnels_closed_at ON tunnels (closed_at) WHERE closed_at IS NOT NULL;

-- Current access tokens, and revoked ones that keep a client token taken
-- while their tunnel is open (docs/PROTOCOL.md §1.8, §3.3). A token is used
-- once claimed; client_token_hash is the SHA-256 of the client token bound
-- by the first claim that gave one.
CREATE TABLE tokens (
	hash              bytea NOT NULL PRIMARY KEY CHECK (length(hash) = 32),
	tunnel_id         text COLLATE "C" NOT NULL REFERENCES tunnels (id) ON DELETE CASCADE,
	mode              text NOT NULL CHECK (mode IN ('source', 'destination')),
	used              boolean NOT NULL DEFAULT false,
	revoked           boolean NOT NULL DEFAULT false,
	client_token_hash bytea
);

CREATE INDEX tokens_tunnel ON tokens (tunnel_id, mode);
CREATE INDEX tokens_client_token ON tokens (client_token_hash)
	WHERE client_token_hash IS NOT NULL;

-- open_counts holds how many tunnels have closed_at NULL, spread over 64
-- rows (a tunnel counts in the row its id hashes to) so that concurrent
-- creates rarely wait for each other's row lock; the quota check sums them.
CREATE TABLE open_counts (
	stripe smallint NOT NULL PRIMARY KEY,
	n      bigint   NOT NULL
);
INSERT INTO open_counts (stripe, n) SELECT s, 0 FROM generate_series(0, 63) AS s;

CREATE FUNCTION adit_stripe(id text) RETURNS smallint
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT (hashtext(id) & 63)::smallint $$;

-- adit_open_count takes the quota's transaction advisory lock (lock 1:
-- shared, 2: exclusive; 0: none) and then counts the open tunnels. Being a
-- volatile PL/pgSQL function, its count runs with a snapshot taken after
-- the lock was granted, even inside one larger statement.
CREATE FUNCTION adit_open_count(lock integer) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	IF lock = 1 THEN
		PERFORM pg_advisory_xact_lock_shared(7017850066287198210); -- 0x61646974_00000002
	ELSIF lock = 2 THEN
		PERFORM pg_advisory_xact_lock(7017850066287198210);
	ELSE
		RETURN 0;
	END IF;
	RETURN (SELECT coalesce(sum(n), 0) FROM open_counts);
END;
$$;

-- adit_claim_token applies the rules of store.Store.ClaimToken to token
-- p_hash claimed for mode p_mode with client token hash p_client (NULL:
-- none) at p_at, holding the token's row lock, and marks it used. status
-- is ok, unknown, closed, used, in_use, or bound: the token is bound to
-- client token hash bound already (the caller compares it with its own in
-- constant time, and then nothing needs to change). A claim that binds a
-- client token also takes a transaction advisory lock on that client
-- token (key 1633970548 = "adit" in ASCII, and its first 32 bits), so
-- that one client token is bound once.
CREATE FUNCTION adit_claim_token(p_hash bytea, p_mode text, p_client bytea, p_at timestamptz,
	OUT status text, OUT bound bytea) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	k tokens%ROWTYPE;
BEGIN
	SELECT * INTO k FROM tokens WHERE hash = p_hash FOR UPDATE;
	IF NOT FOUND OR k.mode <> p_mode OR k.revoked THEN
		status := 'unknown';
	ELSIF NOT EXISTS (SELECT 1 FROM tunnels t WHERE t.id = k.tunnel_id
			AND t.closed_at IS NULL AND t.expires_at > p_at) THEN
		status := 'closed';
	ELSIF k.used AND (p_client IS NULL OR k.client_token_hash IS NULL) THEN
		status := 'used';
	ELSIF k.used THEN
		status := 'bound';
		bound := k.client_token_hash;
	ELSIF p_client IS NULL THEN
		UPDATE tokens SET used = true WHERE hash = p_hash;
		status := 'ok';
	ELSE
		PERFORM pg_advisory_xact_lock(1633970548, ('x' || encode(substring(p_client FROM 1 FOR 4), 'hex'))::bit(32)::integer);
		IF EXISTS (SELECT 1 FROM tokens o JOIN tunnels t ON t.id = o.tunnel_id
				WHERE o.client_token_hash = p_client AND o.hash <> p_hash
				AND t.closed_at IS NULL AND t.expires_at > p_at) THEN
			status := 'in_use';
		ELSE
			UPDATE tokens SET used = true, client_token_hash = p_client WHERE hash = p_hash;
			status := 'ok';
		END IF;
	END IF;
END;
$$;

-- Cluster membership: a node is alive while lease_until (the database's
-- clock) is in the future.
CREATE TABLE nodes (
	id              text COLLATE "C" NOT NULL PRIMARY KEY,
	addr            text NOT NULL,
	embedded_broker boolean NOT NULL,
	lease_until     timestamptz NOT NULL
);

-- Which node relays each open tunnel. node_id is not a foreign key: an
-- owner whose node row is gone counts as dead.
CREATE TABLE tunnel_owners (
	tunnel_id text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES tunnels (id) ON DELETE CASCADE,
	node_id   text COLLATE "C" NOT NULL
);
CREATE INDEX tunnel_owners_node ON tunnel_owners (node_id);

-- Keeps open_counts, removes the owner of a tunnel that closes, and
-- publishes the close on channel adit_tunnels in the same transaction, so
-- the notification is delivered only when the close commits.
CREATE FUNCTION adit_tunnels_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NEW.closed_at IS NULL THEN
			UPDATE open_counts SET n = n + 1 WHERE stripe = adit_stripe(NEW.id);
		END IF;
	ELSIF TG_OP = 'DELETE' THEN
		IF OLD.closed_at IS NULL THEN
			UPDATE open_counts SET n = n - 1 WHERE stripe = adit_stripe(OLD.id);
		END IF;
	ELSIF OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL THEN
		UPDATE open_counts SET n = n - 1 WHERE stripe = adit_stripe(NEW.id);
		DELETE FROM tunnel_owners WHERE tunnel_id = NEW.id;
		PERFORM pg_notify('adit_tunnels', json_build_object('kind', 'closed', 'tunnel_id', NEW.id)::text);
	ELSIF OLD.closed_at IS NOT NULL AND NEW.closed_at IS NULL THEN
		UPDATE open_counts SET n = n + 1 WHERE stripe = adit_stripe(NEW.id);
	END IF;
	RETURN NULL;
END;
$$;

CREATE TRIGGER tunnels_insert AFTER INSERT ON tunnels
	FOR EACH ROW EXECUTE FUNCTION adit_tunnels_changed();
CREATE TRIGGER tunnels_delete AFTER DELETE ON tunnels
	FOR EACH ROW EXECUTE FUNCTION adit_tunnels_changed();
CREATE TRIGGER tunnels_close AFTER UPDATE OF closed_at ON tunnels
	FOR EACH ROW WHEN ((OLD.closed_at IS NULL) <> (NEW.closed_at IS NULL))
	EXECUTE FUNCTION adit_tunnels_changed();
