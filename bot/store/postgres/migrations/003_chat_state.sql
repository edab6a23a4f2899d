-- Per-chat delivery state that channels must remember across restarts:
-- SMS opt-outs (STOP until START) and the last inbound time, which opens
-- WhatsApp's 24-hour customer-service window.
CREATE TABLE chat_state (
    channel      TEXT    NOT NULL,
    chat_id      TEXT    NOT NULL,
    opted_out    BOOLEAN NOT NULL DEFAULT FALSE,
    last_inbound BIGINT  NOT NULL DEFAULT 0, -- unix ms; 0: never
    PRIMARY KEY (channel, chat_id)
);
