-- 0004: the insert trigger's update of its open_counts stripe always goes
-- through the primary key. A pooled connection plans that update once, and
-- on a fresh database (64 rows in one page) a sequential scan is the
-- cheaper plan; under load the table soon spans hundreds of pages of old
-- row versions, which the cached plan then read on every create. With
-- sequential scans off inside the trigger function, its statements (all
-- lookups by key) always use their indexes.

ALTER FUNCTION adit_tunnels_changed() SET enable_seqscan = off;
