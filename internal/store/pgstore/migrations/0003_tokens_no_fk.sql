-- 0003: tokens without the foreign key to tunnels. Checking it cost each
-- create two locking lookups of the tunnel it had just inserted, about
-- as much PostgreSQL CPU as the rest of the create. Nothing needs it:
-- tokens are inserted only with their tunnel (CreateTunnel's one
-- statement) or under its row lock (RotateTokens locks the open tunnel
-- FOR UPDATE first, so a concurrent delete waits), and the delete trigger
-- below now removes a deleted tunnel's tokens, as ON DELETE CASCADE did,
-- in the deleting transaction.

ALTER TABLE tokens DROP CONSTRAINT tokens_tunnel_id_fkey;

-- As in 0002, and a deleted tunnel's tokens go with it.
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
		DELETE FROM tokens WHERE tunnel_id = OLD.id;
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
