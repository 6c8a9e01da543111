-- Daily rollups maintained by the writer in the same transaction as the events, so reports
-- read a few thousand rows instead of every event. Days are UTC day numbers (at / 86400).
-- Position of the search's first click (0: none), and whether a contact followed it.
ALTER TABLE searches ADD COLUMN clicked BIGINT NOT NULL DEFAULT 0;
ALTER TABLE searches ADD COLUMN contacted BIGINT NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS search_rollup (
    day BIGINT NOT NULL,
    locale TEXT NOT NULL,
    source TEXT NOT NULL,
    normalized TEXT NOT NULL,
    wording TEXT NOT NULL,
    searches BIGINT NOT NULL DEFAULT 0,
    zero_results BIGINT NOT NULL DEFAULT 0,
    clicked BIGINT NOT NULL DEFAULT 0,
    click_position BIGINT NOT NULL DEFAULT 0,
    contacted BIGINT NOT NULL DEFAULT 0,
    helpful BIGINT NOT NULL DEFAULT 0,
    not_helpful BIGINT NOT NULL DEFAULT 0,
    visits BIGINT NOT NULL DEFAULT 0,
    reader_visits BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, locale, source, normalized, wording)
);
CREATE INDEX IF NOT EXISTS search_rollup_key ON search_rollup (normalized, day);
CREATE TABLE IF NOT EXISTS day_rollup (
    day BIGINT NOT NULL,
    locale TEXT NOT NULL,
    source TEXT NOT NULL,
    searches BIGINT NOT NULL DEFAULT 0,
    zero_results BIGINT NOT NULL DEFAULT 0,
    clicked BIGINT NOT NULL DEFAULT 0,
    click_position BIGINT NOT NULL DEFAULT 0,
    contacted BIGINT NOT NULL DEFAULT 0,
    helpful BIGINT NOT NULL DEFAULT 0,
    not_helpful BIGINT NOT NULL DEFAULT 0,
    visits BIGINT NOT NULL DEFAULT 0,
    refinements BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, locale, source)
);
CREATE TABLE IF NOT EXISTS article_rollup (
    day BIGINT NOT NULL,
    locale TEXT NOT NULL,
    slug TEXT NOT NULL,
    views BIGINT NOT NULL DEFAULT 0,
    votes BIGINT NOT NULL DEFAULT 0,
    helpful BIGINT NOT NULL DEFAULT 0,
    score_sum BIGINT NOT NULL DEFAULT 0,
    scores BIGINT NOT NULL DEFAULT 0,
    contacts BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, locale, slug)
);
CREATE INDEX IF NOT EXISTS feedback_article ON feedback (locale, slug, at);
-- For the backfill below only.
CREATE INDEX IF NOT EXISTS views_visit ON views (visit);
-- Reports read the rollups now.
DROP INDEX IF EXISTS searches_normalized;
DROP INDEX IF EXISTS clicks_search;
-- Events stored before this migration: tallied once.
UPDATE searches SET clicked = COALESCE((SELECT MIN(c.position) FROM clicks c WHERE c.search_id = searches.id), 0);
UPDATE searches SET contacted = 1 WHERE id IN (SELECT search_id FROM contacts WHERE search_id IS NOT NULL);
INSERT INTO search_rollup (day, locale, source, normalized, wording, searches, zero_results, clicked, click_position, contacted, visits, reader_visits)
SELECT at / 86400, locale, source, normalized, query, COUNT(*),
       SUM(CASE WHEN results = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN clicked > 0 THEN 1 ELSE 0 END), SUM(clicked),
       SUM(contacted), COUNT(DISTINCT visit), COUNT(DISTINCT CASE WHEN visit IN (SELECT visit FROM views) THEN visit END)
FROM searches GROUP BY at / 86400, locale, source, normalized, query;
INSERT INTO day_rollup (day, locale, source, searches, zero_results, clicked, click_position, contacted, visits)
SELECT at / 86400, locale, source, COUNT(*), SUM(CASE WHEN results = 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN clicked > 0 THEN 1 ELSE 0 END), SUM(clicked), SUM(contacted), COUNT(DISTINCT visit)
FROM searches GROUP BY at / 86400, locale, source;
INSERT INTO article_rollup (day, locale, slug, views)
SELECT at / 86400, locale, slug, COUNT(*) FROM views GROUP BY at / 86400, locale, slug;
INSERT INTO article_rollup (day, locale, slug, votes, helpful, score_sum, scores)
SELECT at / 86400, locale, slug, COUNT(*), SUM(helpful), SUM(COALESCE(score, 0)), COUNT(score)
FROM feedback WHERE true GROUP BY at / 86400, locale, slug
ON CONFLICT (day, locale, slug) DO UPDATE SET votes = excluded.votes, helpful = excluded.helpful,
    score_sum = excluded.score_sum, scores = excluded.scores;
DROP INDEX IF EXISTS views_visit;
