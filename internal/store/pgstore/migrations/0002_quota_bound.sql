-- 0002: the open-tunnel quota without a sum over open_counts on most
-- creates. Summing the 64 stripes made every create read the table's page
-- while other creates updated it; PostgreSQL prunes a page only when no
-- one else holds it, so under load old row versions piled up (hundreds of
-- pages within seconds) and each sum read them all.
--
-- quota_bound holds b. While 64 * b <= the quota, no stripe of open_counts
-- counts more than b open tunnels, so a create that leaves its own stripe
-- at or below b cannot take the total above the quota, whatever the
-- concurrent creates do. b changes only under the quota lock held
-- exclusively, so every create holding it shared sees the same b.

CREATE TABLE quota_bound (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	b   bigint  NOT NULL CHECK (b >= 0)
);
INSERT INTO quota_bound (one, b)
	SELECT true, coalesce(max(n), 0) FROM open_counts;

-- adit_quota takes the quota's transaction advisory lock (the key of
-- adit_open_count) for a create under quota q (q > 0) and answers:
--   lock 1, shared (the parallel path):
--     -1 when 64 * b <= q, after setting adit.quota_bound to b for the
--       transaction: the insert trigger then refuses (SQLSTATE AD001) to
--       take the tunnel's stripe above b;
--     otherwise, near the quota, the number of open tunnels (as 0001's
--       adit_open_count: the caller inserts when it is more than the
--       number of transactions that can be in flight below q), or -2 when
--       every stripe is below q / 64 again: the caller then takes the
--       exclusive path, which sets b back;
--   lock 2, exclusive: the number of open tunnels, after setting b to the
--     least bound that holds once one more tunnel is inserted, but at
--     least q / 64.
-- Each statement of a volatile PL/pgSQL function takes a new snapshot, so
-- the reads below see what committed before the lock was granted.
CREATE FUNCTION adit_quota(lock integer, q bigint) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	bound bigint;
	total bigint;
	top   bigint;
BEGIN
	IF lock = 1 THEN
		PERFORM pg_advisory_xact_lock_shared(7017850066287198210); -- 0x61646974_00000002
		SELECT b INTO bound FROM quota_bound;
		IF bound * 64 <= q THEN
			PERFORM set_config('adit.quota_bound', bound::text, true);
			RETURN -1;
		END IF;
		SELECT coalesce(sum(n), 0), coalesce(max(n), 0) INTO total, top FROM open_counts;
		IF top < q / 64 THEN
			RETURN -2;
		END IF;
		RETURN total;
	ELSIF lock = 2 THEN
		PERFORM pg_advisory_xact_lock(7017850066287198210);
		SELECT coalesce(sum(n), 0), coalesce(max(n), 0) INTO total, top FROM open_counts;
		bound := greatest(top + 1, q / 64);
		UPDATE quota_bound SET b = bound WHERE b <> bound;
		RETURN total;
	END IF;
	RETURN 0;
END;
$$;

-- As in 0001, and an insert under the fast path (adit.quota_bound set)
-- fails with AD001 when it takes its stripe above the bound.
CREATE OR REPLACE FUNCTION adit_tunnels_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	n_after bigint;
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NEW.closed_at IS NULL THEN
			UPDATE open_counts SET n = n + 1 WHERE stripe = adit_stripe(NEW.id) RETURNING n INTO n_after;
			IF n_after > nullif(current_setting('adit.quota_bound', true), '')::bigint THEN
				RAISE EXCEPTION 'open-tunnel stripe above its quota bound' USING ERRCODE = 'AD001';
			END IF;
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
