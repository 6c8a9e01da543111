//! The write plan of [`super::write`] on PostgreSQL: multi-row statements (a few dozen rows
//! each), so a batch of thousands of events costs tens of round trips, not thousands.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use sqlx::postgres::PgArguments;
use sqlx::{AssertSqlSafe, PgPool, Postgres, Row, Transaction};

use super::event::Event;
use super::store::StoreError;
use super::tally::{Deltas, SearchRef, Tally};
use super::write::{
    ARTICLE_ROLLUP, CLICKS, CONTACTS, DAY_ROLLUP, FEEDBACK, JOURNAL_MARK, KEY_BUCKETS, KEY_DAYS, RefRow, Rollup,
    SEARCH_ROLLUP, SEARCHES, VIEWS, Value, WORDING_BUCKETS, article_row, bucket_row, click_row, contact_row, day_row,
    derive, feedback_row, key_day_row, search_ref, search_rollup_row, search_row, split, view_row, wording_row,
};

/// Rows per statement (parameters stay far below PostgreSQL's limit).
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

/// Binds one row.
fn bind_row<'q, const N: usize>(
    mut q: sqlx::query::Query<'q, Postgres, PgArguments>,
    row: [Value<'q>; N],
) -> sqlx::query::Query<'q, Postgres, PgArguments> {
    for value in row {
        q = match value {
            Value::Int(v) => q.bind(v),
            Value::Text(v) => q.bind(v),
            Value::MaybeInt(v) => q.bind(v),
            Value::MaybeText(v) => q.bind(v),
        };
    }
    q
}

/// Inserts `rows` [`ROWS`] at a time with the statement `head (…), (…) tail`.
async fn insert_rows<'r, const N: usize>(
    tx: &mut Transaction<'_, Postgres>,
    (head, tail): (&str, &str),
    rows: impl IntoIterator<Item = [Value<'r>; N]>,
) -> Result<(), StoreError> {
    let rows: Vec<[Value<'r>; N]> = rows.into_iter().collect();
    let mut text: Option<(usize, String)> = None;
    for chunk in rows.chunks(ROWS) {
        if text.as_ref().is_none_or(|(len, _)| *len != chunk.len()) {
            text = Some((chunk.len(), format!("{head}{}{tail}", tuples(chunk.len(), N, None))));
        }
        let sql = text.as_ref().map_or("", |(_, sql)| sql.as_str());
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            q = bind_row(q, *row);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Adds `rows` to a rollup table.
async fn upsert<'r, const N: usize>(
    tx: &mut Transaction<'_, Postgres>,
    rollup: &Rollup,
    rows: impl IntoIterator<Item = [Value<'r>; N]>,
) -> Result<(), StoreError> {
    let (head, tail) = rollup.upsert();
    insert_rows(tx, (&head, &tail), rows).await
}

/// Writes a batch and its rollup deltas in one transaction.
pub(super) async fn write(
    pool: &PgPool,
    batch: &[Event],
    tally: &mut Tally,
    mark: Option<(&str, u64)>,
) -> Result<(), StoreError> {
    let s = split(batch);
    let mut deltas = Deltas::default();
    let mut tx = pool.begin().await?;
    let mut firsts = s.first_clicks();
    for chunk in s.searches.chunks(ROWS) {
        let sql = format!("{}{}{} RETURNING id", SEARCHES.0, tuples(chunk.len(), 11, None), SEARCHES.1);
        let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
        for e in chunk {
            q = bind_row(q, search_row(e, firsts.get(e.id.as_str()).copied().unwrap_or(0)));
        }
        let inserted: HashSet<String> =
            q.fetch_all(&mut *tx).await?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
        for e in chunk.iter().filter(|e| inserted.contains(&e.id)) {
            let key = tally.search(&mut deltas, e);
            if let Some(position) = firsts.remove(e.id.as_str()) {
                tally.clicked(&mut deltas, &key, position);
            }
        }
    }
    let firsts: Vec<(&str, i64)> = firsts.into_iter().collect();
    insert_rows(&mut tx, (CLICKS, ""), s.clicks.iter().map(|c| click_row(c))).await?;
    for chunk in firsts.chunks(ROWS) {
        let sql = format!(
            "UPDATE searches SET clicked = v.column2 FROM (VALUES {}) AS v WHERE searches.id = v.column1 AND searches.clicked = 0 RETURNING searches.at, searches.locale, searches.source, searches.normalized, searches.query, searches.visit, searches.clicked",
            tuples(chunk.len(), 2, Some(&["TEXT", "BIGINT"]))
        );
        let mut q =
            sqlx::query_as::<_, (i64, String, String, String, String, String, i64)>(AssertSqlSafe(sql.as_str()));
        for (id, position) in chunk {
            q = q.bind(*id).bind(*position);
        }
        for (at, locale, source, normalized, wording, visit, position) in q.fetch_all(&mut *tx).await? {
            tally.clicked(&mut deltas, &search_ref((at, locale, source, normalized, wording, visit)).key, position);
        }
    }
    for chunk in s.chosen().chunks(ROWS) {
        let sql = format!("UPDATE searches SET suggestion_chosen = 1 WHERE id IN ({})", list(chunk.len()));
        let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *tx).await?;
    }
    insert_rows(&mut tx, (FEEDBACK, ""), s.feedback.iter().map(|f| feedback_row(f))).await?;
    let mut refs: HashMap<String, SearchRef> = HashMap::default();
    for chunk in s.voted().chunks(ROWS) {
        let sql = format!(
            "SELECT id, at, locale, source, normalized, query, visit FROM searches WHERE id IN ({})",
            list(chunk.len())
        );
        let mut q =
            sqlx::query_as::<_, (String, i64, String, String, String, String, String)>(AssertSqlSafe(sql.as_str()));
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
    insert_rows(&mut tx, (CONTACTS, ""), s.contacts.iter().map(|c| contact_row(c))).await?;
    for chunk in s.contacted().chunks(ROWS) {
        let sql = format!(
            "UPDATE searches SET contacted = 1 WHERE id IN ({}) AND contacted = 0 RETURNING at, locale, source, normalized, query, visit",
            list(chunk.len())
        );
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
    insert_rows(&mut tx, (VIEWS, ""), s.views.iter().map(|v| view_row(v))).await?;
    for v in &s.views {
        tally.viewed(&mut deltas, v);
    }
    let derived = derive(&deltas);
    upsert(&mut tx, &SEARCH_ROLLUP, derived.searches.iter().map(|(k, c)| search_rollup_row(k, c))).await?;
    upsert(&mut tx, &KEY_DAYS, derived.key_days.iter().map(key_day_row)).await?;
    upsert(&mut tx, &WORDING_BUCKETS, derived.wordings.iter().map(wording_row)).await?;
    upsert(&mut tx, &KEY_BUCKETS, derived.buckets.iter().map(bucket_row)).await?;
    upsert(&mut tx, &DAY_ROLLUP, deltas.days.iter().map(|(k, c)| day_row(k, c))).await?;
    upsert(&mut tx, &ARTICLE_ROLLUP, deltas.articles.iter().map(|(k, a)| article_row(k, a))).await?;
    if let Some((journal, replayed)) = mark {
        sqlx::query(JOURNAL_MARK).bind(journal).bind(replayed as i64).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
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
