-- Rows leased at commit name the dispatcher that leased them: a reply
-- queued behind that dispatcher's own unsent replies is leased to it
-- too, and it sends them in order.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';

-- Claims walk the pending rows in id order. A plain index scan of this
-- index stops at the limit and marks the entries of dead row versions,
-- so later claims skip them; the outbox is a queue table, vacuumed often
-- for the same reason, with room on its pages for HOT lease updates.
CREATE INDEX outbox_due ON outbox (id) WHERE status = 'pending';
ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
    autovacuum_vacuum_insert_threshold = 2000, fillfactor = 80);
