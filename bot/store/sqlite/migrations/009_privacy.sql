-- Privacy (bot.Privacy): retention, erasure and export.
-- A purged conversation keeps its counts (messages' kind, intent, lang,
-- verdict and time; handoffs; feedback) and loses its content.
ALTER TABLE conversations ADD COLUMN purged_at BIGINT NOT NULL DEFAULT 0;
-- (no index on updated_at: it changes at every commit; a purge reads the
-- conversations once a day.)
CREATE INDEX messages_author ON messages (channel, author) WHERE kind = 'client';
-- Erasure and purge find a conversation's rows.
CREATE INDEX IF NOT EXISTS handoffs_conv ON handoffs (conv_id);
CREATE INDEX feedback_conv ON feedback (conv_id);
CREATE INDEX outbox_conv ON outbox (conv_id);

-- What survives an erasure or a purge: a contact's language and SMS
-- opt-out, under a digest of channel and id (bot.PrefKey), never the id.
CREATE TABLE contact_prefs (
    key         TEXT    PRIMARY KEY,
    lang        TEXT    NOT NULL DEFAULT '',
    opted_out   INTEGER NOT NULL DEFAULT 0,
    updated_at  BIGINT  NOT NULL
);

-- That an erasure or a purge happened, and what it counted; never whom.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          BIGINT  NOT NULL,
    action      TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT ''
);
