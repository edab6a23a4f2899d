-- Slack agent inbox (channels/slack): which Slack thread carries which
-- handoff, so a restart keeps relaying thread replies to the right client,
-- and the Slack messages already acted on (idempotency of agent replies).
CREATE TABLE slack_threads (
    handoff_id  BIGINT  PRIMARY KEY REFERENCES handoffs (id),
    conv_id     BIGINT  NOT NULL REFERENCES conversations (id),
    channel     TEXT    NOT NULL,
    ts          TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    UNIQUE (channel, ts)
);
CREATE INDEX slack_threads_conv ON slack_threads (conv_id, handoff_id);

CREATE TABLE slack_events (
    key         TEXT    PRIMARY KEY,
    at          BIGINT  NOT NULL
);
CREATE INDEX slack_events_at ON slack_events (at);
