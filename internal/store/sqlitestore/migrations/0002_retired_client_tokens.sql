-- Rotation keeps a revoked access token that had bound a client token, so
-- that client token stays taken while the tunnel is open: a client token
-- used with a revoked token cannot be used with the new one (docs/PROTOCOL.md
-- §1.8, §3.3). A revoked token never authenticates.
ALTER TABLE tokens ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1));
