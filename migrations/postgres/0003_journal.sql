-- How far each outage journal was replayed (bytes), written in the same transaction as
-- the replayed events.
CREATE TABLE IF NOT EXISTS journal_marks (
    journal TEXT PRIMARY KEY,
    replayed BIGINT NOT NULL
);
