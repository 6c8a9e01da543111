-- Per 30-day bucket, locale and grouping key: searches and the failure score (twice the
-- gap impact), kept by the writer. Their indexes give each bucket's top keys without a
-- scan, so ranking a period reads only candidates (see src/searchlog/aggregate.rs).
CREATE TABLE IF NOT EXISTS key_buckets (
    bucket BIGINT NOT NULL,
    locale TEXT NOT NULL,
    normalized TEXT NOT NULL,
    searches BIGINT NOT NULL DEFAULT 0,
    failure BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, locale, normalized)
);
CREATE INDEX IF NOT EXISTS key_buckets_failure ON key_buckets (bucket, locale, failure);
CREATE INDEX IF NOT EXISTS key_buckets_searches ON key_buckets (bucket, locale, searches);
INSERT INTO key_buckets (bucket, locale, normalized, searches, failure)
SELECT day / 30, locale, normalized, SUM(searches),
       SUM(2 * zero_results + (searches - zero_results - clicked) + 4 * contacted + 4 * not_helpful)
FROM search_rollup GROUP BY day / 30, locale, normalized;
-- Per grouping key, locale and day (sources and wordings summed): the exact totals of
-- ranking candidates, read as one contiguous range per key.
CREATE TABLE IF NOT EXISTS key_days (
    normalized TEXT NOT NULL,
    locale TEXT NOT NULL,
    day BIGINT NOT NULL,
    searches BIGINT NOT NULL DEFAULT 0,
    zero_results BIGINT NOT NULL DEFAULT 0,
    clicked BIGINT NOT NULL DEFAULT 0,
    click_position BIGINT NOT NULL DEFAULT 0,
    contacted BIGINT NOT NULL DEFAULT 0,
    helpful BIGINT NOT NULL DEFAULT 0,
    not_helpful BIGINT NOT NULL DEFAULT 0,
    visits BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (normalized, locale, day)
);
INSERT INTO key_days (normalized, locale, day, searches, zero_results, clicked, click_position, contacted, helpful, not_helpful, visits)
SELECT normalized, locale, day, SUM(searches), SUM(zero_results), SUM(clicked), SUM(click_position), SUM(contacted),
       SUM(helpful), SUM(not_helpful), SUM(visits)
FROM search_rollup GROUP BY normalized, locale, day;
