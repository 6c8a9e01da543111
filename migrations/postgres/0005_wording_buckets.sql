-- Per 30-day bucket, locale and wording: what the typeahead completions need, read from
-- the index of each bucket's most searched wordings.
CREATE TABLE IF NOT EXISTS wording_buckets (
    bucket BIGINT NOT NULL,
    locale TEXT NOT NULL,
    wording TEXT NOT NULL,
    searches BIGINT NOT NULL DEFAULT 0,
    zero_results BIGINT NOT NULL DEFAULT 0,
    reader_visits BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, locale, wording)
);
CREATE INDEX IF NOT EXISTS wording_buckets_searches ON wording_buckets (bucket, locale, searches);
INSERT INTO wording_buckets (bucket, locale, wording, searches, zero_results, reader_visits)
SELECT day / 30, locale, wording, SUM(searches), SUM(zero_results), SUM(reader_visits)
FROM search_rollup GROUP BY day / 30, locale, wording;
