-- Rows leased at commit name the dispatcher that leased them: a reply
-- queued behind that dispatcher's own unsent replies is leased to it
-- too, and it sends them in order.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
