//! Reading the rollups: `GROUP BY` over the daily rollup tables, the same SQL on SQLite
//! and PostgreSQL, so a report costs in proportion to the rows it shows and the days it
//! covers, never to the number of events. Values are always bound; the statements are
//! built only from the constant fragments here.

use std::collections::HashMap;

/// A completion may have had no results in at most one search in this many (an article in
/// draft for an hour, a reindex): a popular query is not dropped for a whole month over a
/// moment, and one that mostly finds nothing never becomes a suggestion.
const ZERO_SHARE: i64 = 10;

use sqlx::{AssertSqlSafe, Row};

use super::store::{Store, StoreError};
use super::tally::{BUCKET_DAYS, Counts, DAY};

/// Which rollup rows a report reads: whole UTC days, inclusive, optionally one locale and
/// one source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// First day (UTC day number).
    pub from_day: i64,
    /// Last day, inclusive.
    pub to_day: i64,
    /// Only this locale.
    pub locale: Option<String>,
    /// Only `page`, `api` or `typeahead`.
    pub source: Option<String>,
}

/// One query group's totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupTotals {
    /// Grouping key.
    pub normalized: String,
    /// Summed counters.
    pub counts: Counts,
    /// First day with a search.
    pub first_day: i64,
    /// Last day with a search.
    pub last_day: i64,
}

/// One article's totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleTotals {
    /// Locale.
    pub locale: String,
    /// Slug.
    pub slug: String,
    /// Views.
    pub views: i64,
    /// Votes.
    pub votes: i64,
    /// "Yes" votes.
    pub helpful: i64,
    /// Sum of scores.
    pub score_sum: i64,
    /// Votes with a score.
    pub scores: i64,
}

/// A [`GroupTotals`] from a `SELECT normalized, {COUNTS}, MIN(day), MAX(day)` row.
macro_rules! group_totals {
    ($row:ident) => {
        GroupTotals {
            normalized: $row.try_get(0)?,
            counts: counts!($row, 1),
            first_day: $row.try_get(9)?,
            last_day: $row.try_get(10)?,
        }
    };
}

/// How query groups are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Most searches first.
    Searches,
    /// Most failed searches first (zero results, no click, contact, not helpful), failed
    /// ones only.
    Failure,
}

const COUNTS: &str = "CAST(SUM(searches) AS BIGINT), CAST(SUM(zero_results) AS BIGINT), CAST(SUM(clicked) AS BIGINT), \
     CAST(SUM(click_position) AS BIGINT), CAST(SUM(contacted) AS BIGINT), CAST(SUM(helpful) AS BIGINT), \
     CAST(SUM(not_helpful) AS BIGINT), CAST(SUM(visits) AS BIGINT)";

/// Twice the gap impact: 2 × zero-result + no-click-with-results + 4 × contacts + 4 × not helpful.
const FAILURE: &str = "(2 * SUM(zero_results) + (SUM(searches) - SUM(zero_results) - SUM(clicked)) + 4 * SUM(contacted) + 4 * SUM(not_helpful))";

/// Binds of a statement built here, in placeholder order.
enum Bind<'a> {
    Int(i64),
    Text(&'a str),
}

struct Statement<'a> {
    sql: String,
    binds: Vec<Bind<'a>>,
}

impl<'a> Statement<'a> {
    /// `WHERE` over days, locale and source of `scope`.
    fn scoped(head: &str, scope: &'a Scope) -> Self {
        let mut s = Self {
            sql: format!("{head} WHERE day >= $1 AND day <= $2"),
            binds: vec![Bind::Int(scope.from_day), Bind::Int(scope.to_day)],
        };
        if let Some(locale) = &scope.locale {
            s.text(" AND locale = ", locale);
        }
        if let Some(source) = &scope.source {
            s.text(" AND source = ", source);
        }
        s
    }

    fn placeholder(&mut self, bind: Bind<'a>) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }

    fn text(&mut self, sql: &str, value: &'a str) {
        let p = self.placeholder(Bind::Text(value));
        self.sql.push_str(sql);
        self.sql.push_str(&p);
    }

    fn any_of(&mut self, column: &str, values: &'a [String]) {
        let list: Vec<String> = values.iter().map(|v| self.placeholder(Bind::Text(v))).collect();
        self.sql.push_str(&format!(" AND {column} IN ({})", list.join(", ")));
    }

    fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }
}

/// Runs a built statement on one pool and maps its rows.
macro_rules! fetch_rows {
    ($pool:expr, $sql:expr, $binds:expr, $row:ident => $map:expr) => {{
        let mut q = sqlx::query(AssertSqlSafe($sql));
        for b in $binds {
            q = match b {
                Bind::Int(i) => q.bind(*i),
                Bind::Text(t) => q.bind(*t),
            };
        }
        let rows = q.fetch_all($pool).await?;
        rows.iter().map(|$row| -> Result<_, sqlx::Error> { Ok($map) }).collect::<Result<Vec<_>, _>>()?
    }};
}

/// Runs a built statement on the store's backend (placeholders in its style).
macro_rules! run {
    ($store:expr, $statement:expr, $row:ident => $map:expr) => {{
        let sql = $store.sql(&$statement.sql);
        match $store {
            Store::Sqlite(pool, _) => fetch_rows!(pool, sql.as_str(), &$statement.binds, $row => $map),
            Store::Postgres(pool) => fetch_rows!(pool, sql.as_str(), &$statement.binds, $row => $map),
        }
    }};
}

/// Reads the eight summed counters starting at column `at`.
macro_rules! counts {
    ($row:ident, $at:expr) => {
        Counts {
            searches: $row.try_get::<Option<i64>, _>($at)?.unwrap_or(0),
            zero_results: $row.try_get::<Option<i64>, _>($at + 1)?.unwrap_or(0),
            clicked: $row.try_get::<Option<i64>, _>($at + 2)?.unwrap_or(0),
            click_position: $row.try_get::<Option<i64>, _>($at + 3)?.unwrap_or(0),
            contacted: $row.try_get::<Option<i64>, _>($at + 4)?.unwrap_or(0),
            helpful: $row.try_get::<Option<i64>, _>($at + 5)?.unwrap_or(0),
            not_helpful: $row.try_get::<Option<i64>, _>($at + 6)?.unwrap_or(0),
            visits: $row.try_get::<Option<i64>, _>($at + 7)?.unwrap_or(0),
            ..Counts::default()
        }
    };
}

impl Store {
    /// The top `limit` query groups of `scope`, exactly. Without a source filter this
    /// reads candidates only: each 30-day bucket's top keys per locale (`key_buckets`,
    /// from an index), then the candidates' exact totals; the answer is proven complete
    /// when the last row's value is at least the most any key outside the candidates could
    /// have (the sum of each list's last value), else more candidates are read, and as a
    /// last resort every rollup row of the period.
    pub async fn groups(&self, scope: &Scope, order: Order, limit: usize) -> Result<Vec<GroupTotals>, StoreError> {
        if scope.source.is_none() {
            let mut per_list = (2 * limit).max(100);
            for _ in 0..3 {
                if let Some(rows) = self.groups_ranked(scope, order, limit, per_list, true).await? {
                    tracing::debug!(per_list, ?order, "groups ranked from candidates");
                    return Ok(rows);
                }
                per_list *= 4;
            }
        }
        tracing::debug!(?order, "groups ranked by a full scan");
        self.groups_scan(scope, order, limit).await
    }

    /// About the top `limit` groups: the best of each bucket's `per_list` top keys, without
    /// proving that nothing outside them ranks higher (the keyword report's many groups).
    pub async fn groups_approximate(
        &self,
        scope: &Scope,
        order: Order,
        limit: usize,
    ) -> Result<Vec<GroupTotals>, StoreError> {
        if scope.source.is_some() {
            return self.groups_scan(scope, order, limit).await;
        }
        Ok(self.groups_ranked(scope, order, limit, limit, false).await?.unwrap_or_default())
    }

    /// Candidate ranking (see [`Self::groups`]); `None` when `proven` is asked and the
    /// candidates do not prove the answer. Public for tests of the proof (`per_list` small).
    pub async fn groups_ranked(
        &self,
        scope: &Scope,
        order: Order,
        limit: usize,
        per_list: usize,
        proven: bool,
    ) -> Result<Option<Vec<GroupTotals>>, StoreError> {
        let (first, last) = (scope.from_day.div_euclid(BUCKET_DAYS), scope.to_day.div_euclid(BUCKET_DAYS));
        if last - first > 40 {
            return Ok(None);
        }
        let (keys, bound) = self.candidates(scope, order, per_list).await?;
        let mut rows: Vec<GroupTotals> = Vec::new();
        for chunk in keys.chunks(5_000) {
            rows.extend(self.groups_named_totals(scope, chunk).await?);
        }
        let value = |g: &GroupTotals| match order {
            Order::Searches => g.counts.searches,
            Order::Failure => g.counts.failure(),
        };
        if order == Order::Failure {
            rows.retain(|g| g.counts.failure() > 0);
        }
        rows.sort_by(|a, b| value(b).cmp(&value(a)).then_with(|| a.normalized.cmp(&b.normalized)));
        rows.truncate(limit);
        let complete = if rows.len() == limit { rows.last().is_some_and(|g| value(g) > bound) } else { bound == 0 };
        Ok((complete || !proven).then_some(rows))
    }

    /// The union of each 30-day bucket's and locale's top `per_list` keys by `order`, and
    /// the most a key outside them can have in the period (the sum of each full list's
    /// last value).
    pub async fn candidates(
        &self,
        scope: &Scope,
        order: Order,
        per_list: usize,
    ) -> Result<(Vec<String>, i64), StoreError> {
        let (first, last) = (scope.from_day.div_euclid(BUCKET_DAYS), scope.to_day.div_euclid(BUCKET_DAYS));
        let locales: Vec<String> = match &scope.locale {
            Some(l) => vec![l.clone()],
            None => {
                let st = Statement {
                    sql: "SELECT DISTINCT locale FROM day_rollup WHERE day >= $1 AND day <= $2".into(),
                    binds: vec![Bind::Int(scope.from_day), Bind::Int(scope.to_day)],
                };
                run!(self, st, row => row.try_get::<String, _>(0)?)
            }
        };
        let column = match order {
            Order::Searches => "searches",
            Order::Failure => "failure",
        };
        let mut candidates: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        // The most a key outside every list could have in the period.
        let mut bound = 0i64;
        for bucket in first..=last {
            for locale in &locales {
                let st = Statement {
                    sql: format!(
                        "SELECT normalized, {column} FROM key_buckets WHERE bucket = $1 AND locale = $2 ORDER BY {column} DESC LIMIT $3"
                    ),
                    binds: vec![Bind::Int(bucket), Bind::Text(locale), Bind::Int(per_list as i64)],
                };
                let rows: Vec<(String, i64)> = run!(self, st, row => (row.try_get(0)?, row.try_get(1)?));
                if rows.len() == per_list {
                    bound += rows.last().map_or(0, |r| r.1.max(0));
                }
                candidates.extend(rows.into_iter().map(|r| r.0));
            }
        }
        Ok((candidates.into_iter().collect(), bound))
    }

    /// The top groups by reading every rollup row of the period.
    async fn groups_scan(&self, scope: &Scope, order: Order, limit: usize) -> Result<Vec<GroupTotals>, StoreError> {
        let head = format!("SELECT normalized, {COUNTS}, MIN(day), MAX(day) FROM search_rollup");
        let mut st = Statement::scoped(&head, scope);
        st.push(" GROUP BY normalized");
        match order {
            Order::Searches => st.push(" ORDER BY SUM(searches) DESC, normalized"),
            Order::Failure => st.push(&format!(" HAVING {FAILURE} > 0 ORDER BY {FAILURE} DESC, normalized")),
        }
        let limit = limit.min(100_000) as i64;
        let p = st.placeholder(Bind::Int(limit));
        st.push(&format!(" LIMIT {p}"));
        Ok(run!(self, st, row => group_totals!(row)))
    }

    /// Exact totals of the named groups in `scope`, with their first and last day (from
    /// `key_days` unless a source is filtered: one contiguous range per key).
    async fn groups_named_totals(&self, scope: &Scope, keys: &[String]) -> Result<Vec<GroupTotals>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let table = if scope.source.is_none() { "key_days" } else { "search_rollup" };
        let head = format!("SELECT normalized, {COUNTS}, MIN(day), MAX(day) FROM {table}");
        let mut st = Statement::scoped(&head, scope);
        st.any_of("normalized", keys);
        st.push(" GROUP BY normalized");
        Ok(run!(self, st, row => group_totals!(row)))
    }

    /// Totals of the named groups in `scope` (e.g. the previous period of shown rows).
    pub async fn groups_named(&self, scope: &Scope, keys: &[String]) -> Result<HashMap<String, Counts>, StoreError> {
        Ok(self.groups_named_totals(scope, keys).await?.into_iter().map(|g| (g.normalized, g.counts)).collect())
    }

    /// The wordings of the named groups with their searches, most searched first.
    pub async fn wordings(&self, scope: &Scope, keys: &[String]) -> Result<Vec<(String, String, i64)>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut st =
            Statement::scoped("SELECT normalized, wording, CAST(SUM(searches) AS BIGINT) FROM search_rollup", scope);
        st.any_of("normalized", keys);
        st.push(" GROUP BY normalized, wording ORDER BY 3 DESC, wording");
        Ok(run!(self, st, row => (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
    }

    /// Counters per day (days without searches absent), with refinements.
    pub async fn days(&self, scope: &Scope) -> Result<Vec<(i64, Counts)>, StoreError> {
        let head = format!("SELECT day, {COUNTS}, CAST(SUM(refinements) AS BIGINT) FROM day_rollup");
        let mut st = Statement::scoped(&head, scope);
        st.push(" GROUP BY day ORDER BY day");
        Ok(run!(self, st, row => {
            let mut c = counts!(row, 1);
            c.refinements = row.try_get::<Option<i64>, _>(9)?.unwrap_or(0);
            (row.try_get(0)?, c)
        }))
    }

    /// Contact requests per day (all of them, after a search or not).
    pub async fn contacts_per_day(&self, scope: &Scope) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut st = Statement {
            sql: "SELECT at / 86400, COUNT(*) FROM contacts WHERE at >= $1 AND at < $2".into(),
            binds: vec![Bind::Int(scope.from_day * 86_400), Bind::Int((scope.to_day + 1) * 86_400)],
        };
        if let Some(locale) = &scope.locale {
            st.text(" AND locale = ", locale);
        }
        st.push(" GROUP BY at / 86400 ORDER BY 1");
        Ok(run!(self, st, row => (row.try_get(0)?, row.try_get(1)?)))
    }

    /// Article totals, most votes then most views first.
    pub async fn article_totals(&self, scope: &Scope, limit: usize) -> Result<Vec<ArticleTotals>, StoreError> {
        let scope = Scope { source: None, ..scope.clone() };
        let mut st = Statement::scoped(
            "SELECT locale, slug, CAST(SUM(views) AS BIGINT), CAST(SUM(votes) AS BIGINT), CAST(SUM(helpful) AS BIGINT), \
             CAST(SUM(score_sum) AS BIGINT), CAST(SUM(scores) AS BIGINT) FROM article_rollup",
            &scope,
        );
        let p = st.placeholder(Bind::Int(limit.min(100_000) as i64));
        st.push(&format!(" GROUP BY locale, slug ORDER BY 4 DESC, 3 DESC, slug LIMIT {p}"));
        Ok(run!(self, st, row => ArticleTotals {
            locale: row.try_get(0)?,
            slug: row.try_get(1)?,
            views: row.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
            votes: row.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
            helpful: row.try_get::<Option<i64>, _>(4)?.unwrap_or(0),
            score_sum: row.try_get::<Option<i64>, _>(5)?.unwrap_or(0),
            scores: row.try_get::<Option<i64>, _>(6)?.unwrap_or(0),
        }))
    }

    /// The latest `n` comments on one article in `scope`'s days.
    pub async fn comments(&self, scope: &Scope, locale: &str, slug: &str, n: usize) -> Result<Vec<String>, StoreError> {
        let mut st = Statement {
            sql: "SELECT comment FROM feedback WHERE at >= $1 AND at < $2".into(),
            binds: vec![Bind::Int(scope.from_day * 86_400), Bind::Int((scope.to_day + 1) * 86_400)],
        };
        st.text(" AND locale = ", locale);
        st.text(" AND slug = ", slug);
        let p = st.placeholder(Bind::Int(n as i64));
        st.push(&format!(" AND comment IS NOT NULL AND comment <> '' ORDER BY at DESC LIMIT {p}"));
        Ok(run!(self, st, row => row.try_get::<String, _>(0)?))
    }

    /// Per locale, the most searched wordings of the 30-day buckets from `from_day` to
    /// today (each bucket's top `per_list` from its index, summed across buckets) that
    /// found results (at most one search in [`ZERO_SHARE`] had none) and that at least
    /// `min_readers` visits who read an article searched: (locale, wording, searches,
    /// reader visits).
    pub async fn popular_wordings(
        &self,
        from_day: i64,
        min_readers: i64,
        per_list: usize,
    ) -> Result<Vec<(String, String, i64, i64)>, StoreError> {
        let today = super::event::now().div_euclid(DAY);
        let (first, last) = (from_day.div_euclid(BUCKET_DAYS), today.max(from_day).div_euclid(BUCKET_DAYS));
        let st = Statement {
            sql: "SELECT DISTINCT locale FROM day_rollup WHERE day >= $1".into(),
            binds: vec![Bind::Int(from_day)],
        };
        let locales: Vec<String> = run!(self, st, row => row.try_get::<String, _>(0)?);
        let mut sums: HashMap<(String, String), (i64, i64, i64)> = HashMap::new();
        for bucket in first..=last {
            for locale in &locales {
                let st = Statement {
                    sql: "SELECT wording, searches, zero_results, reader_visits FROM wording_buckets WHERE bucket = $1 AND locale = $2 ORDER BY searches DESC LIMIT $3".into(),
                    binds: vec![Bind::Int(bucket), Bind::Text(locale), Bind::Int(per_list as i64)],
                };
                let rows: Vec<(String, i64, i64, i64)> =
                    run!(self, st, row => (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?));
                for (wording, searches, zero, readers) in rows {
                    let e = sums.entry((locale.clone(), wording)).or_default();
                    e.0 += searches;
                    e.1 += zero;
                    e.2 += readers;
                }
            }
        }
        let mut out: Vec<(String, String, i64, i64)> = sums
            .into_iter()
            .filter(|(_, (searches, zero, readers))| *zero * ZERO_SHARE <= *searches && *readers >= min_readers)
            .map(|((locale, wording), (searches, _, readers))| (locale, wording, searches, readers))
            .collect();
        out.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
        Ok(out)
    }

    /// Per locale totals of the named groups: (locale, key, searches, visits), from
    /// `key_days` (one contiguous range per key) unless a source is filtered.
    pub async fn groups_by_locale(
        &self,
        scope: &Scope,
        keys: &[String],
    ) -> Result<Vec<(String, String, i64, i64)>, StoreError> {
        let mut out = Vec::new();
        let table = if scope.source.is_none() { "key_days" } else { "search_rollup" };
        for chunk in keys.chunks(5_000) {
            let mut st = Statement::scoped(
                &format!(
                    "SELECT locale, normalized, CAST(SUM(searches) AS BIGINT), CAST(SUM(visits) AS BIGINT) FROM {table}"
                ),
                scope,
            );
            st.any_of("normalized", chunk);
            st.push(" GROUP BY locale, normalized");
            let rows: Vec<(String, String, i64, i64)> =
                run!(self, st, row => (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?));
            out.extend(rows);
        }
        Ok(out)
    }

    /// The wordings of the named groups per locale: (locale, key, wording, searches, visits).
    pub async fn wordings_by_locale(
        &self,
        scope: &Scope,
        keys: &[String],
    ) -> Result<Vec<(String, String, String, i64, i64)>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut st = Statement::scoped(
            "SELECT locale, normalized, wording, CAST(SUM(searches) AS BIGINT), CAST(SUM(visits) AS BIGINT) FROM search_rollup",
            scope,
        );
        st.any_of("normalized", keys);
        st.push(" GROUP BY locale, normalized, wording");
        Ok(run!(self, st, row => (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?, row.try_get(4)?)))
    }
}
