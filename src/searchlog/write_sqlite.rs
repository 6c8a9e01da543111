//! The write plan of [`super::write`] on SQLite, through its C API (rusqlite) on a blocking
//! thread: one prepared single-row statement per table, bound and stepped without leaving
//! the thread, the batch in one `BEGIN IMMEDIATE` transaction. sqlx's SQLite driver (which
//! the store keeps for reads and migrations) hands every statement and copies every
//! argument to a worker thread of its own: for bulk writes that made the import about
//! three times slower than the SQL itself.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use rusqlite::{Connection, OptionalExtension, Statement, TransactionBehavior, params};
use rustc_hash::FxHashMap as HashMap;

use super::event::Event;
use super::store::{BUSY_TIMEOUT, numbered};
use super::tally::{Deltas, Tally};
use super::write::{
    ARTICLE_ROLLUP, CHOSEN, CLICKS, CONTACTED, CONTACTS, DAY_ROLLUP, FEEDBACK, FIRST_CLICK, JOURNAL_MARK, KEY_BUCKETS,
    KEY_DAYS, RefRow, Rollup, SEARCH_REF, SEARCH_ROLLUP, SEARCHES, VIEWS, Value, WORDING_BUCKETS, article_row,
    bucket_row, click_row, contact_row, day_row, derive, feedback_row, key_day_row, search_ref, search_rollup_row,
    search_row, split, view_row, wording_row,
};

/// Page cache of the writing connection (KiB): the rollup upserts and id lookups of a
/// batch stay in memory; the cache grows only as far as the file does.
const CACHE_KIB: i64 = 64 * 1024;

/// Page size of a new log file (SQLite's default is 4 KiB): with 16 KiB pages the B-trees
/// of a 10-million-search log are shallower and a batch dirties fewer, larger pages; an
/// import of 15.5 million events ran at 100,200 events/s instead of 91,500. An existing
/// file keeps its size (WAL mode cannot change it).
pub(super) const PAGE_SIZE: u32 = 16 * 1024;

/// WAL size between checkpoints: the default for a live server (the WAL stays under about
/// 80 MB), more for a bulk import (fewer checkpoints, each an fsync). SQLite counts it in
/// pages, whose size depends on the file (16 KiB when this version created it, 4 KiB before).
const CHECKPOINT_BYTES: u32 = 80 << 20;
const BULK_CHECKPOINT_BYTES: u32 = 1 << 30;

/// The writing connection to one SQLite file, opened on first use and again after a
/// failure.
#[derive(Debug)]
pub struct SqliteWriter {
    path: PathBuf,
    checkpoint_bytes: AtomicU32,
    connection: Mutex<Option<Connection>>,
}

/// `(?1, ?2, …, ?n)`.
fn row(n: usize) -> String {
    let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    format!("({})", marks.join(", "))
}

/// Reads what crediting a search needs.
fn ref_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RefRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

impl SqliteWriter {
    /// A writer for the file at `path` (not opened yet).
    pub fn new(path: PathBuf) -> Self {
        SqliteWriter { path, checkpoint_bytes: AtomicU32::new(CHECKPOINT_BYTES), connection: Mutex::new(None) }
    }

    /// Tunes the connection for a bulk import (from its next opening).
    pub fn bulk(&self) {
        self.checkpoint_bytes.store(BULK_CHECKPOINT_BYTES, Ordering::Relaxed);
        *self.connection.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let connection = Connection::open(&self.path)?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // Before WAL mode, the only moment a new file's page size can be chosen.
        connection.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE}"))?;
        connection.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        let page_size: u32 = connection.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        connection.execute_batch(&format!(
            "PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{CACHE_KIB}; PRAGMA wal_autocheckpoint = {};",
            self.checkpoint_bytes.load(Ordering::Relaxed) / page_size.max(512)
        ))?;
        Ok(connection)
    }

    /// Writes a batch and its rollup deltas in one transaction; blocks.
    pub fn write(&self, batch: &[Event], tally: &mut Tally, mark: Option<(&str, u64)>) -> rusqlite::Result<()> {
        let mut slot = self.connection.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let connection = match &mut *slot {
            Some(connection) => connection,
            None => slot.insert(self.open()?),
        };
        let result = write(connection, batch, tally, mark);
        if result.is_err() {
            // A fresh connection next time (the file may have been replaced or repaired).
            *slot = None;
        }
        result
    }
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Int(v) | Value::MaybeInt(Some(v)) => ValueRef::Integer(v),
            Value::Text(v) | Value::MaybeText(Some(v)) => ValueRef::Text(v.as_bytes()),
            Value::MaybeInt(None) | Value::MaybeText(None) => ValueRef::Null,
        }))
    }
}

/// Runs `statement` once per row.
fn each<'a, const N: usize>(
    statement: &mut Statement<'_>,
    rows: impl IntoIterator<Item = [Value<'a>; N]>,
) -> rusqlite::Result<()> {
    for row in rows {
        statement.execute(rusqlite::params_from_iter(row))?;
    }
    Ok(())
}

fn write(
    connection: &mut Connection,
    batch: &[Event],
    tally: &mut Tally,
    mark: Option<(&str, u64)>,
) -> rusqlite::Result<()> {
    let started = std::time::Instant::now();
    let s = split(batch);
    let mut deltas = Deltas::default();
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let prepare = |head: &str, tail: &str, n: usize| tx.prepare(&format!("{head}{}{tail}", row(n)));
    let upsert = |rollup: &Rollup| {
        let (head, tail) = rollup.upsert();
        prepare(&head, &tail, rollup.columns())
    };
    let mut firsts = s.first_clicks();
    let mut insert = prepare(SEARCHES.0, SEARCHES.1, 11)?;
    for e in &s.searches {
        let clicked = firsts.get(e.id.as_str()).copied();
        if insert.execute(rusqlite::params_from_iter(search_row(e, clicked.unwrap_or(0))))? == 1 {
            let key = tally.search(&mut deltas, e);
            if let Some(position) = clicked {
                tally.clicked(&mut deltas, &key, position);
                firsts.remove(e.id.as_str());
            }
        }
    }
    drop(insert);
    let searched = started.elapsed();
    each(&mut prepare(CLICKS, "", 6)?, s.clicks.iter().map(|c| click_row(c)))?;
    let mut first = tx.prepare(&numbered(FIRST_CLICK))?;
    for (id, position) in firsts {
        if let Some(found) = first.query_row(params![id, position], ref_row).optional()? {
            tally.clicked(&mut deltas, &search_ref(found).key, position);
        }
    }
    drop(first);
    let mut chosen = tx.prepare(&numbered(CHOSEN))?;
    for id in s.chosen() {
        chosen.execute([id])?;
    }
    drop(chosen);
    each(&mut prepare(FEEDBACK, "", 9)?, s.feedback.iter().map(|f| feedback_row(f)))?;
    let mut refs = HashMap::default();
    let mut find = tx.prepare(&numbered(SEARCH_REF))?;
    for id in s.voted() {
        if let Some(found) = find.query_row([id], ref_row).optional()? {
            refs.insert(id, search_ref(found));
        }
    }
    drop(find);
    for f in &s.feedback {
        tally.voted(&mut deltas, f, f.search_id.as_deref().and_then(|id| refs.get(id)));
    }
    each(&mut prepare(CONTACTS, "", 6)?, s.contacts.iter().map(|c| contact_row(c)))?;
    let mut contacted = tx.prepare(&numbered(CONTACTED))?;
    for id in s.contacted() {
        if let Some(found) = contacted.query_row([id], ref_row).optional()? {
            tally.contacted(&mut deltas, &search_ref(found));
        }
    }
    drop(contacted);
    for c in &s.contacts {
        if let Some(slug) = &c.slug {
            tally.contact_from(&mut deltas, c.at, &c.locale, slug);
        }
    }
    each(&mut prepare(VIEWS, "", 5)?, s.views.iter().map(|v| view_row(v)))?;
    for v in &s.views {
        tally.viewed(&mut deltas, v);
    }
    let evented = started.elapsed();
    let derived = derive(&deltas);
    each(&mut upsert(&SEARCH_ROLLUP)?, derived.searches.iter().map(|(k, c)| search_rollup_row(k, c)))?;
    each(&mut upsert(&KEY_DAYS)?, derived.key_days.iter().map(key_day_row))?;
    each(&mut upsert(&WORDING_BUCKETS)?, derived.wordings.iter().map(wording_row))?;
    each(&mut upsert(&KEY_BUCKETS)?, derived.buckets.iter().map(bucket_row))?;
    each(&mut upsert(&DAY_ROLLUP)?, deltas.days.iter().map(|(k, c)| day_row(k, c)))?;
    each(&mut upsert(&ARTICLE_ROLLUP)?, deltas.articles.iter().map(|(k, a)| article_row(k, a)))?;
    if let Some((journal, replayed)) = mark {
        tx.execute(&numbered(JOURNAL_MARK), params![journal, replayed as i64])?;
    }
    let rolled = started.elapsed();
    tx.commit()?;
    tracing::debug!(
        events = batch.len(),
        searches_ms = searched.as_millis() as u64,
        other_events_ms = (evented - searched).as_millis() as u64,
        rollups_ms = (rolled - evented).as_millis() as u64,
        commit_ms = (started.elapsed() - rolled).as_millis() as u64,
        "search log batch written"
    );
    Ok(())
}
