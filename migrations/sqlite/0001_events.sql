CREATE TABLE IF NOT EXISTS searches (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    locale TEXT NOT NULL,
    query TEXT NOT NULL,
    normalized TEXT NOT NULL,
    results INTEGER NOT NULL,
    corrected INTEGER NOT NULL,
    source TEXT NOT NULL,
    visit TEXT NOT NULL,
    suggestion_chosen INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS searches_at ON searches (at);
CREATE INDEX IF NOT EXISTS searches_normalized ON searches (normalized);
CREATE TABLE IF NOT EXISTS clicks (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    search_id TEXT NOT NULL,
    slug TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    visit TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS clicks_search ON clicks (search_id);
CREATE INDEX IF NOT EXISTS clicks_at ON clicks (at);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    locale TEXT NOT NULL,
    slug TEXT NOT NULL,
    helpful INTEGER NOT NULL,
    reason TEXT,
    comment TEXT,
    score INTEGER,
    search_id TEXT,
    visit TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_at ON feedback (at);
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    locale TEXT NOT NULL,
    search_id TEXT,
    slug TEXT,
    query TEXT,
    visit TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS contacts_at ON contacts (at);
CREATE TABLE IF NOT EXISTS views (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    locale TEXT NOT NULL,
    slug TEXT NOT NULL,
    search_id TEXT,
    visit TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS views_at ON views (at);
