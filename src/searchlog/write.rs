//! Writing a batch: every table and its rollup deltas in one transaction, with multi-row
//! statements (a hundred rows each) so a batch of thousands of events costs tens of round
//! trips, not thousands. A click, contact or vote that names a search is credited to it
//! (first click and first contact only, so rates stay at most 100%).

use std::collections::{HashMap, HashSet};

use sqlx::AssertSqlSafe;

use super::event::{ClickEvent, ContactEvent, Event, FeedbackEvent, SearchEvent, ViewEvent};
use super::store::{Store, StoreError};
use super::tally::{BUCKET_DAYS, DAY, Deltas, SearchKey, SearchRef, Tally, wording};

/// Rows per statement (parameters stay far below both databases' limits).
const ROWS: usize = 24;

/// `($1, $2), ($3, $4)`: `rows` tuples of `cols` placeholders; with `casts`, each
/// placeholder typed (PostgreSQL cannot infer the types of a bare `VALUES` list).
fn tuples(rows: usize, cols: usize, casts: Option<&[&str]>) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        out.push_str(if r > 0 { ", (" } else { "(" });
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            let n = r * cols + c + 1;
            let _ = match casts {
                Some(types) => write!(out, "CAST(${n} AS {})", types[c]),
                None => write!(out, "${n}"),
            };
        }
        out.push(')');
    }
    out
}

/// `$1, $2, …, $n`.
fn list(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// A search row read back to credit it: (at, locale, source, normalized, query, visit).
type RefRow = (i64, String, String, String, String, String);

fn search_ref((at, locale, source, normalized, query, visit): RefRow) -> SearchRef {
    SearchRef {
        key: SearchKey { day: at.div_euclid(DAY), locale, source, normalized, wording: wording(&query) },
        visit,
    }
}

const SEARCH_ROLLUP: (&str, &str) = (
    "INSERT INTO search_rollup (day, locale, source, normalized, wording, searches, zero_results, clicked, click_position, contacted, helpful, not_helpful, visits, reader_visits) VALUES ",
    " ON CONFLICT (day, locale, source, normalized, wording) DO UPDATE SET searches = search_rollup.searches + excluded.searches, zero_results = search_rollup.zero_results + excluded.zero_results, clicked = search_rollup.clicked + excluded.clicked, click_position = search_rollup.click_position + excluded.click_position, contacted = search_rollup.contacted + excluded.contacted, helpful = search_rollup.helpful + excluded.helpful, not_helpful = search_rollup.not_helpful + excluded.not_helpful, visits = search_rollup.visits + excluded.visits, reader_visits = search_rollup.reader_visits + excluded.reader_visits",
);
const DAY_ROLLUP: (&str, &str) = (
    "INSERT INTO day_rollup (day, locale, source, searches, zero_results, clicked, click_position, contacted, helpful, not_helpful, visits, refinements) VALUES ",
    " ON CONFLICT (day, locale, source) DO UPDATE SET searches = day_rollup.searches + excluded.searches, zero_results = day_rollup.zero_results + excluded.zero_results, clicked = day_rollup.clicked + excluded.clicked, click_position = day_rollup.click_position + excluded.click_position, contacted = day_rollup.contacted + excluded.contacted, helpful = day_rollup.helpful + excluded.helpful, not_helpful = day_rollup.not_helpful + excluded.not_helpful, visits = day_rollup.visits + excluded.visits, refinements = day_rollup.refinements + excluded.refinements",
);
const ARTICLE_ROLLUP: (&str, &str) = (
    "INSERT INTO article_rollup (day, locale, slug, views, votes, helpful, score_sum, scores, contacts) VALUES ",
    " ON CONFLICT (day, locale, slug) DO UPDATE SET views = article_rollup.views + excluded.views, votes = article_rollup.votes + excluded.votes, helpful = article_rollup.helpful + excluded.helpful, score_sum = article_rollup.score_sum + excluded.score_sum, scores = article_rollup.scores + excluded.scores, contacts = article_rollup.contacts + excluded.contacts",
);

/// The events of a batch by kind, searches deduplicated by id.
#[derive(Default)]
struct Split<'a> {
    searches: Vec<&'a SearchEvent>,
    clicks: Vec<&'a ClickEvent>,
    feedback: Vec<&'a FeedbackEvent>,
    contacts: Vec<&'a ContactEvent>,
    views: Vec<&'a ViewEvent>,
}

fn split(batch: &[Event]) -> Split<'_> {
    let mut s = Split::default();
    let mut ids = HashSet::new();
    for event in batch {
        match event {
            Event::Search(e) => {
                if ids.insert(e.id.as_str()) {
                    s.searches.push(e);
                }
            }
            Event::Click(e) => s.clicks.push(e),
            Event::Feedback(e) => s.feedback.push(e),
            Event::Contact(e) => s.contacts.push(e),
            Event::View(e) => s.views.push(e),
        }
    }
    s
}

/// Executes, for each chunk of [`ROWS`] of `rows`, the statement `sql` of `n` tuples,
/// binding each row in order.
macro_rules! execute_chunks {
    ($tx:ident, $store:ident, $rows:expr, |$n:ident| $sql:expr, |$q:ident, $row:pat_param| $bind:expr) => {
        for chunk in $rows.chunks(ROWS) {
            let $n = chunk.len();
            let sql = $store.sql_in_order(&$sql);
            let mut $q = sqlx::query(AssertSqlSafe(sql.as_str()));
            for $row in chunk {
                $q = $bind;
            }
            $q.execute(&mut *$tx).await?;
        }
    };
}

macro_rules! write_with {
    ($self:expr, $pool:expr, $batch:expr, $tally:expr, $mark:expr) => {{
        let (store, batch, tally): (&Store, &[Event], &mut Tally) = ($self, $batch, $tally);
        let s = split(batch);
        let mut deltas = Deltas::default();
        let mut tx = $pool.begin().await?;
        for chunk in s.searches.chunks(ROWS) {
            let sql = store.sql_in_order(&format!(
                "INSERT INTO searches (id, at, locale, query, normalized, results, corrected, source, visit, suggestion_chosen) VALUES {} ON CONFLICT (id) DO NOTHING RETURNING id",
                tuples(chunk.len(), 10, None)
            ));
            let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql.as_str()));
            for e in chunk {
                q = q.bind(&e.id).bind(e.at).bind(&e.locale).bind(&e.query).bind(&e.normalized).bind(e.results)
                    .bind(i64::from(e.corrected)).bind(e.source.as_str()).bind(&e.visit)
                    .bind(i64::from(e.suggestion_chosen));
            }
            let inserted: HashSet<String> = q.fetch_all(&mut *tx).await?.into_iter().collect();
            for e in chunk.iter().filter(|e| inserted.contains(&e.id)) {
                tally.search(&mut deltas, e);
            }
        }
        execute_chunks!(tx, store, s.clicks, |n| format!(
                "INSERT INTO clicks (at, search_id, slug, position, kind, visit) VALUES {}",
                tuples(n, 6, None)
            ), |q, c| q.bind(c.at).bind(&c.search_id).bind(&c.slug).bind(c.position).bind(&c.kind).bind(&c.visit));
        // First clicks: the first of the batch per search, then only if it had none yet.
        let mut firsts: Vec<(&str, i64)> = Vec::new();
        let mut seen = HashSet::new();
        for c in &s.clicks {
            if seen.insert(c.search_id.as_str()) {
                firsts.push((c.search_id.as_str(), c.position.max(1)));
            }
        }
        for chunk in firsts.chunks(ROWS) {
            let sql = store.sql_in_order(&format!(
                "UPDATE searches SET clicked = v.column2 FROM (VALUES {}) AS v WHERE searches.id = v.column1 AND searches.clicked = 0 RETURNING searches.at, searches.locale, searches.source, searches.normalized, searches.query, searches.visit, searches.clicked",
                tuples(chunk.len(), 2, Some(&["TEXT", "BIGINT"]))
            ));
            let mut q = sqlx::query_as::<_, (i64, String, String, String, String, String, i64)>(AssertSqlSafe(sql.as_str()));
            for (id, position) in chunk {
                q = q.bind(*id).bind(*position);
            }
            for (at, locale, source, normalized, wording, visit, position) in q.fetch_all(&mut *tx).await? {
                tally.clicked(&mut deltas, &search_ref((at, locale, source, normalized, wording, visit)), position);
            }
        }
        let chosen: Vec<&str> = s.clicks.iter().filter(|c| c.kind == "suggestion").map(|c| c.search_id.as_str()).collect();
        execute_chunks!(tx, store, chosen, |n| format!("UPDATE searches SET suggestion_chosen = 1 WHERE id IN ({})", list(n)), |q, id| q.bind(*id));
        execute_chunks!(tx, store, s.feedback, |n| format!(
                "INSERT INTO feedback (at, locale, slug, helpful, reason, comment, score, search_id, visit) VALUES {}",
                tuples(n, 9, None)
            ), |q, f| q.bind(f.at).bind(&f.locale).bind(&f.slug).bind(i64::from(f.helpful)).bind(&f.reason)
                    .bind(&f.comment).bind(f.score).bind(&f.search_id).bind(&f.visit));
        let voted: Vec<&str> = s.feedback.iter().filter_map(|f| f.search_id.as_deref()).collect();
        let mut refs: HashMap<String, SearchRef> = HashMap::new();
        for chunk in voted.chunks(ROWS) {
            let sql = store.sql_in_order(&format!(
                "SELECT id, at, locale, source, normalized, query, visit FROM searches WHERE id IN ({})",
                list(chunk.len())
            ));
            let mut q = sqlx::query_as::<_, (String, i64, String, String, String, String, String)>(AssertSqlSafe(sql.as_str()));
            for id in chunk {
                q = q.bind(*id);
            }
            for (id, at, locale, source, normalized, wording, visit) in q.fetch_all(&mut *tx).await? {
                refs.insert(id, search_ref((at, locale, source, normalized, wording, visit)));
            }
        }
        for f in &s.feedback {
            tally.voted(&mut deltas, f, f.search_id.as_ref().and_then(|id| refs.get(id)));
        }
        execute_chunks!(tx, store, s.contacts, |n| format!(
                "INSERT INTO contacts (at, locale, search_id, slug, query, visit) VALUES {}",
                tuples(n, 6, None)
            ), |q, c| q.bind(c.at).bind(&c.locale).bind(&c.search_id).bind(&c.slug).bind(&c.query).bind(&c.visit));
        let mut contacted: Vec<&str> = s.contacts.iter().filter_map(|c| c.search_id.as_deref()).collect();
        contacted.sort_unstable();
        contacted.dedup();
        for chunk in contacted.chunks(ROWS) {
            let sql = store.sql_in_order(&format!(
                "UPDATE searches SET contacted = 1 WHERE id IN ({}) AND contacted = 0 RETURNING at, locale, source, normalized, query, visit",
                list(chunk.len())
            ));
            let mut q = sqlx::query_as::<_, RefRow>(AssertSqlSafe(sql.as_str()));
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&mut *tx).await? {
                tally.contacted(&mut deltas, &search_ref(row));
            }
        }
        for c in &s.contacts {
            if let Some(slug) = &c.slug {
                tally.contact_from(&mut deltas, c.at, &c.locale, slug);
            }
        }
        execute_chunks!(tx, store, s.views, |n| format!(
                "INSERT INTO views (at, locale, slug, search_id, visit) VALUES {}",
                tuples(n, 5, None)
            ), |q, v| q.bind(v.at).bind(&v.locale).bind(&v.slug).bind(&v.search_id).bind(&v.visit));
        for v in &s.views {
            tally.viewed(&mut deltas, v);
        }
        let rows: Vec<_> = deltas.searches.iter().collect();
        execute_chunks!(tx, store, rows, |n| format!("{}{}{}", SEARCH_ROLLUP.0, tuples(n, 14, None), SEARCH_ROLLUP.1), |q, (k, c)| q.bind(k.day).bind(&k.locale).bind(&k.source).bind(&k.normalized).bind(&k.wording)
                    .bind(c.searches).bind(c.zero_results).bind(c.clicked).bind(c.click_position).bind(c.contacted)
                    .bind(c.helpful).bind(c.not_helpful).bind(c.visits).bind(c.reader_visits));
        let mut keys: HashMap<(&str, &str, i64), super::tally::Counts> = HashMap::new();
        for (k, c) in &deltas.searches {
            let e = keys.entry((k.normalized.as_str(), k.locale.as_str(), k.day)).or_default();
            e.add(c);
        }
        let rows: Vec<_> = keys.into_iter().collect();
        execute_chunks!(tx, store, rows, |n| format!(
                "INSERT INTO key_days (normalized, locale, day, searches, zero_results, clicked, click_position, contacted, helpful, not_helpful, visits) VALUES {} ON CONFLICT (normalized, locale, day) DO UPDATE SET searches = key_days.searches + excluded.searches, zero_results = key_days.zero_results + excluded.zero_results, clicked = key_days.clicked + excluded.clicked, click_position = key_days.click_position + excluded.click_position, contacted = key_days.contacted + excluded.contacted, helpful = key_days.helpful + excluded.helpful, not_helpful = key_days.not_helpful + excluded.not_helpful, visits = key_days.visits + excluded.visits",
                tuples(n, 11, None)
            ), |q, ((normalized, locale, day), c)| q.bind(*normalized).bind(*locale).bind(*day).bind(c.searches).bind(c.zero_results).bind(c.clicked)
                    .bind(c.click_position).bind(c.contacted).bind(c.helpful).bind(c.not_helpful).bind(c.visits));
        let mut wordings: HashMap<(i64, &str, &str), (i64, i64, i64)> = HashMap::new();
        for (k, c) in &deltas.searches {
            let e = wordings.entry((k.day.div_euclid(BUCKET_DAYS), k.locale.as_str(), k.wording.as_str())).or_default();
            e.0 += c.searches;
            e.1 += c.zero_results;
            e.2 += c.reader_visits;
        }
        let rows: Vec<_> = wordings.into_iter().collect();
        execute_chunks!(tx, store, rows, |n| format!(
                "INSERT INTO wording_buckets (bucket, locale, wording, searches, zero_results, reader_visits) VALUES {} ON CONFLICT (bucket, locale, wording) DO UPDATE SET searches = wording_buckets.searches + excluded.searches, zero_results = wording_buckets.zero_results + excluded.zero_results, reader_visits = wording_buckets.reader_visits + excluded.reader_visits",
                tuples(n, 6, None)
            ), |q, ((bucket, locale, wording), (searches, zero, readers))| q.bind(*bucket).bind(*locale).bind(*wording).bind(*searches).bind(*zero).bind(*readers));
        let mut buckets: HashMap<(i64, &str, &str), (i64, i64)> = HashMap::new();
        for (k, c) in &deltas.searches {
            let e = buckets.entry((k.day.div_euclid(BUCKET_DAYS), k.locale.as_str(), k.normalized.as_str())).or_default();
            e.0 += c.searches;
            e.1 += c.failure();
        }
        let rows: Vec<_> = buckets.into_iter().collect();
        execute_chunks!(tx, store, rows, |n| format!(
                "INSERT INTO key_buckets (bucket, locale, normalized, searches, failure) VALUES {} ON CONFLICT (bucket, locale, normalized) DO UPDATE SET searches = key_buckets.searches + excluded.searches, failure = key_buckets.failure + excluded.failure",
                tuples(n, 5, None)
            ), |q, ((bucket, locale, normalized), (searches, failure))| q.bind(*bucket).bind(*locale).bind(*normalized).bind(*searches).bind(*failure));
        let rows: Vec<_> = deltas.days.iter().collect();
        execute_chunks!(tx, store, rows, |n| format!("{}{}{}", DAY_ROLLUP.0, tuples(n, 12, None), DAY_ROLLUP.1), |q, ((day, locale, source), c)| q.bind(*day).bind(locale).bind(source)
                    .bind(c.searches).bind(c.zero_results).bind(c.clicked).bind(c.click_position).bind(c.contacted)
                    .bind(c.helpful).bind(c.not_helpful).bind(c.visits).bind(c.refinements));
        let rows: Vec<_> = deltas.articles.iter().collect();
        execute_chunks!(tx, store, rows, |n| format!("{}{}{}", ARTICLE_ROLLUP.0, tuples(n, 9, None), ARTICLE_ROLLUP.1), |q, ((day, locale, slug), a)| q.bind(*day).bind(locale).bind(slug)
                    .bind(a.views).bind(a.votes).bind(a.helpful).bind(a.score_sum).bind(a.scores).bind(a.contacts));
        if let Some((journal, replayed)) = $mark {
            let sql = store.sql("INSERT INTO journal_marks (journal, replayed) VALUES ($1, $2) ON CONFLICT (journal) DO UPDATE SET replayed = excluded.replayed");
            sqlx::query(AssertSqlSafe(sql.as_str())).bind(journal).bind(replayed as i64).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }};
}

impl Store {
    /// Writes a batch and its rollup deltas in one transaction.
    pub(super) async fn write_tallied(
        &self,
        batch: &[Event],
        tally: &mut Tally,
        mark: Option<(&str, u64)>,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => write_with!(self, pool, batch, tally, mark),
            Store::Postgres(pool) => write_with!(self, pool, batch, tally, mark),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(tuples(2, 2, None), "($1, $2), ($3, $4)");
        assert_eq!(tuples(1, 2, Some(&["TEXT", "BIGINT"])), "(CAST($1 AS TEXT), CAST($2 AS BIGINT))");
        assert_eq!(list(3), "$1, $2, $3");
    }
}
