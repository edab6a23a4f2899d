-- Times are Unix milliseconds (BIGINT) so the same schema reads the same in
-- PostgreSQL; JSON documents are TEXT.
CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    channel     TEXT    NOT NULL,
    contact_id  TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    lang        TEXT    NOT NULL DEFAULT '',
    audience    TEXT    NOT NULL DEFAULT 'client',
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (channel, contact_id)
);

CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    channel     TEXT    NOT NULL,
    chat_id     TEXT    NOT NULL,
    contact_id  TEXT    NOT NULL DEFAULT '',
    state       TEXT    NOT NULL,
    lang        TEXT    NOT NULL DEFAULT '',
    audience    TEXT    NOT NULL DEFAULT 'client',
    agent       TEXT    NOT NULL DEFAULT '',
    handoff_id  BIGINT  NOT NULL DEFAULT 0,
    caps        TEXT    NOT NULL DEFAULT '{}',
    dialog      TEXT    NOT NULL DEFAULT '{}',
    version     BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (channel, chat_id)
);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    conv_id     BIGINT  NOT NULL REFERENCES conversations (id),
    channel     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    author      TEXT    NOT NULL DEFAULT '',
    text        TEXT    NOT NULL,
    buttons     TEXT    NOT NULL DEFAULT '',
    platform_id TEXT    NOT NULL DEFAULT '',
    intent      TEXT    NOT NULL DEFAULT '',
    lang        TEXT    NOT NULL DEFAULT '',
    verdict     TEXT    NOT NULL DEFAULT '',
    confidence  REAL    NOT NULL DEFAULT 0,
    at          BIGINT  NOT NULL
);
CREATE INDEX messages_conv ON messages (conv_id, id);
CREATE INDEX messages_at ON messages (at);
-- Inbound dedupe: a redelivered platform message id is refused.
CREATE UNIQUE INDEX messages_dedupe ON messages (channel, platform_id)
    WHERE kind = 'client' AND platform_id <> '';

CREATE TABLE handoffs (
    id          INTEGER PRIMARY KEY,
    conv_id     BIGINT  NOT NULL REFERENCES conversations (id),
    reason      TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    agent       TEXT    NOT NULL DEFAULT '',
    lang        TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    taken_at    BIGINT  NOT NULL DEFAULT 0,
    resolved_at BIGINT  NOT NULL DEFAULT 0,
    notice_at   BIGINT  NOT NULL DEFAULT 0,
    csat        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX handoffs_status ON handoffs (status, created_at);
CREATE INDEX handoffs_created ON handoffs (created_at);

CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY,
    conv_id     BIGINT  NOT NULL REFERENCES conversations (id),
    intent      TEXT    NOT NULL,
    lang        TEXT    NOT NULL,
    helpful     INTEGER NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX feedback_at ON feedback (at);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    conv_id     BIGINT  NOT NULL REFERENCES conversations (id),
    msg_id      BIGINT  NOT NULL REFERENCES messages (id),
    channel     TEXT    NOT NULL,
    chat_id     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    lang        TEXT    NOT NULL DEFAULT '',
    reply       TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     BIGINT  NOT NULL,
    lease_until BIGINT  NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    sent_at     BIGINT  NOT NULL DEFAULT 0
);
-- The dispatcher looks at the head of each conversation's pending queue.
CREATE INDEX outbox_pending ON outbox (conv_id, id) WHERE status = 'pending';
CREATE INDEX outbox_status ON outbox (status, id);
