//! Where events are kept: SQLite (the embedded default, WAL mode) or PostgreSQL (shared by
//! several replicas), chosen from the URL. One enum, migrations per backend, the same SQL
//! (`$1` placeholders; numbered `?1` for SQLite).

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::event::{ClickEvent, ContactEvent, Event, FeedbackEvent, SearchEvent, Source, ViewEvent};
use super::tally::Tally;
use super::write_sqlite::SqliteWriter;

/// Migrations, in order: (version, SQLite SQL, PostgreSQL SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        include_str!("../../migrations/sqlite/0001_events.sql"),
        include_str!("../../migrations/postgres/0001_events.sql"),
    ),
    (
        2,
        include_str!("../../migrations/sqlite/0002_rollups.sql"),
        include_str!("../../migrations/postgres/0002_rollups.sql"),
    ),
    (
        3,
        include_str!("../../migrations/sqlite/0003_journal.sql"),
        include_str!("../../migrations/postgres/0003_journal.sql"),
    ),
    (
        4,
        include_str!("../../migrations/sqlite/0004_key_buckets.sql"),
        include_str!("../../migrations/postgres/0004_key_buckets.sql"),
    ),
    (
        5,
        include_str!("../../migrations/sqlite/0005_wording_buckets.sql"),
        include_str!("../../migrations/postgres/0005_wording_buckets.sql"),
    ),
];

/// How long a SQLite connection waits for another's write lock (the writer, a migration,
/// a purge) before failing.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A statement in SQLite's numbered placeholders (`$1` → `?1`). Every statement is a
/// constant of this crate; values are always bound, never formatted in.
pub(super) fn numbered(sql: &str) -> String {
    sql.replace('$', "?")
}

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL is neither `sqlite://…` nor `postgres://…`, or is malformed.
    #[error("search log URL `{0}`: use sqlite://path/to/file.db or postgres://user@host/db")]
    BadUrl(String),
    /// The database failed.
    #[error("search log database: {0}")]
    Db(#[from] sqlx::Error),
    /// The SQLite file failed while writing.
    #[error("search log database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The write was interrupted (its thread panicked or the runtime is shutting down).
    #[error("search log write interrupted: {0}")]
    Interrupted(String),
    /// The folder for the SQLite file could not be created.
    #[error("search log folder {path}: {source}")]
    Folder {
        /// The folder.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The event store.
#[derive(Debug, Clone)]
pub enum Store {
    /// Embedded SQLite file: reads and migrations through sqlx, writes through
    /// [`SqliteWriter`].
    Sqlite(SqlitePool, Arc<SqliteWriter>),
    /// Shared PostgreSQL.
    Postgres(PgPool),
}

/// Runs the same code against either pool.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite($pool, _) => $body,
            Store::Postgres($pool) => $body,
        }
    };
}

/// Reads stored rows back as the events they were written from, by column name, on
/// either backend (`sqlx::FromRow`): no positional tuples anywhere.
macro_rules! event_rows {
    ($($event:ident |$row:ident| $body:block)*) => {$(
        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $event {
            fn from_row($row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok($body)
            }
        }
        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $event {
            fn from_row($row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok($body)
            }
        }
    )*};
}

event_rows! {
    SearchEvent |row| {
        let query: String = row.try_get("query")?;
        SearchEvent {
            id: row.try_get("id")?,
            at: row.try_get("at")?,
            locale: row.try_get("locale")?,
            typed: query.clone(),
            query,
            normalized: row.try_get("normalized")?,
            results: row.try_get("results")?,
            corrected: row.try_get::<i64, _>("corrected")? != 0,
            source: Source::parse(row.try_get("source")?).unwrap_or(Source::Page),
            visit: row.try_get("visit")?,
            suggestion_chosen: row.try_get::<i64, _>("suggestion_chosen")? != 0,
        }
    }
    ClickEvent |row| {
        ClickEvent {
            at: row.try_get("at")?,
            search_id: row.try_get("search_id")?,
            slug: row.try_get("slug")?,
            position: row.try_get("position")?,
            kind: row.try_get("kind")?,
            visit: row.try_get("visit")?,
        }
    }
    FeedbackEvent |row| {
        FeedbackEvent {
            at: row.try_get("at")?,
            locale: row.try_get("locale")?,
            slug: row.try_get("slug")?,
            helpful: row.try_get::<i64, _>("helpful")? != 0,
            reason: row.try_get("reason")?,
            comment: row.try_get("comment")?,
            score: row.try_get("score")?,
            search_id: row.try_get("search_id")?,
            visit: row.try_get("visit")?,
        }
    }
    ContactEvent |row| {
        ContactEvent {
            at: row.try_get("at")?,
            locale: row.try_get("locale")?,
            search_id: row.try_get("search_id")?,
            slug: row.try_get("slug")?,
            query: row.try_get("query")?,
            visit: row.try_get("visit")?,
        }
    }
    ViewEvent |row| {
        ViewEvent {
            at: row.try_get("at")?,
            locale: row.try_get("locale")?,
            slug: row.try_get("slug")?,
            search_id: row.try_get("search_id")?,
            visit: row.try_get("visit")?,
        }
    }
}

/// The events of one period, as stored, by kind and in time order.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Searches.
    pub searches: Vec<SearchEvent>,
    /// Clicks.
    pub clicks: Vec<ClickEvent>,
    /// Votes.
    pub feedback: Vec<FeedbackEvent>,
    /// Contact requests.
    pub contacts: Vec<ContactEvent>,
    /// Article views.
    pub views: Vec<ViewEvent>,
}

impl Store {
    /// Opens the store named by `url` without connecting yet (a database that is down at
    /// start-up must not stop the portal).
    pub fn connect_lazy(url: &str) -> Result<Self, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let file = path.split('?').next().unwrap_or(path);
            if file.is_empty() || file == ":memory:" || file.starts_with("file:") {
                return Err(StoreError::BadUrl(url.to_owned()));
            }
            if let Some(parent) = Path::new(file).parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|source| StoreError::Folder { path: parent.to_path_buf(), source })?;
            }
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(url.to_owned()))?
                .create_if_missing(true)
                .page_size(super::write_sqlite::PAGE_SIZE)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(BUSY_TIMEOUT)
                // 16 MiB of page cache per connection (the default is 2 MiB): rollup upserts
                // and id lookups stay in memory.
                .pragma("cache_size", "-16384")
                // Statement journals (every multi-row upsert in a transaction writes one)
                // stay in memory instead of a temporary file.
                .pragma("temp_store", "memory");
            let pool = SqlitePoolOptions::new().max_connections(4).connect_lazy_with(options);
            Ok(Store::Sqlite(pool, Arc::new(SqliteWriter::new(PathBuf::from(file)))))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(url.to_owned()))?;
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(3))
                .connect_lazy_with(options);
            Ok(Store::Postgres(pool))
        } else {
            Err(StoreError::BadUrl(url.to_owned()))
        }
    }

    /// Tunes the store for a bulk import (SQLite: fewer, larger WAL checkpoints).
    pub fn bulk(&self) {
        if let Store::Sqlite(_, writer) = self {
            writer.bulk();
        }
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(..) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// The statement in this backend's placeholder style ([`numbered`] for SQLite).
    pub(super) fn sql(&self, sql: &str) -> String {
        match self {
            Store::Postgres(_) => sql.to_owned(),
            Store::Sqlite(..) => numbered(sql),
        }
    }

    /// Applies the migrations not applied yet (idempotent; safe with several replicas).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let latest = MIGRATIONS.len() as i64;
        with_pool!(self, pool => {
            // Nothing to do (every admin view and report asks): no lock taken.
            let applied: Result<(i64,), _> = sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM helpcenter_migrations").fetch_one(pool).await;
            if applied.is_ok_and(|(n,)| n >= latest) {
                return Ok(());
            }
            // One migrator at a time (replicas, the writer and the first report start
            // together, and concurrent DDL fails or runs a backfill twice): SQLite takes the
            // write lock up front, PostgreSQL a transaction-scoped advisory lock; what is
            // applied is read under it, and every migration commits together.
            let sqlite = matches!(self, Store::Sqlite(..));
            let mut tx = pool.begin_with(if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" }).await?;
            if !sqlite {
                sqlx::query("SELECT pg_advisory_xact_lock(7238523)").execute(&mut *tx).await?;
            }
            sqlx::raw_sql("CREATE TABLE IF NOT EXISTS helpcenter_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
                .execute(&mut *tx)
                .await?;
            for (version, sqlite_script, postgres_script) in MIGRATIONS {
                let applied: Option<(i64,)> = sqlx::query_as(AssertSqlSafe(self.sql("SELECT version FROM helpcenter_migrations WHERE version = $1")))
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await?;
                if applied.is_some() {
                    continue;
                }
                sqlx::raw_sql(if sqlite { *sqlite_script } else { *postgres_script }).execute(&mut *tx).await?;
                sqlx::query(AssertSqlSafe(self.sql("INSERT INTO helpcenter_migrations (version, applied_at) VALUES ($1, $2)")))
                    .bind(version)
                    .bind(super::event::now())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Stores a batch in one transaction, with a fresh tally (tests, one-off writes).
    pub async fn insert(&self, batch: &[Event]) -> Result<(), StoreError> {
        self.insert_tallied(batch, &mut Tally::default()).await
    }

    /// Stores a batch and its rollup deltas in one transaction ([`super::write`]): the
    /// rollups never disagree with the events.
    pub async fn insert_tallied(&self, batch: &[Event], tally: &mut Tally) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.insert_marked(batch, tally, None).await
    }

    /// [`Self::insert_tallied`], also recording in the same transaction that journal
    /// `mark.0` was replayed up to byte `mark.1`.
    pub async fn insert_marked(
        &self,
        batch: &[Event],
        tally: &mut Tally,
        mark: Option<(&str, u64)>,
    ) -> Result<(), StoreError> {
        self.write(Cow::Borrowed(batch), tally, mark).await
    }

    /// [`Self::insert_marked`] for a batch the caller gives up (the writer, the journal's
    /// replay, an import): SQLite writes it on another thread without copying it.
    pub async fn insert_owned(
        &self,
        batch: Vec<Event>,
        tally: &mut Tally,
        mark: Option<(&str, u64)>,
    ) -> Result<(), StoreError> {
        if batch.is_empty() && mark.is_none() {
            return Ok(());
        }
        self.write(Cow::Owned(batch), tally, mark).await
    }

    async fn write(
        &self,
        batch: Cow<'_, [Event]>,
        tally: &mut Tally,
        mark: Option<(&str, u64)>,
    ) -> Result<(), StoreError> {
        tally.begin();
        let result = match self {
            Store::Postgres(pool) => super::write_postgres::write(pool, &batch, tally, mark).await,
            Store::Sqlite(_, writer) => {
                // Off the async runtime: the batch, the tally and the mark move to a blocking
                // thread and the tally comes back (a panic there loses only the tally's memory
                // of visits, as a restart does).
                let (writer, batch, mark) =
                    (writer.clone(), batch.into_owned(), mark.map(|(j, at)| (j.to_owned(), at)));
                let mut owned = std::mem::take(tally);
                let done = tokio::task::spawn_blocking(move || {
                    let result = writer.write(&batch, &mut owned, mark.as_ref().map(|(j, at)| (j.as_str(), *at)));
                    (owned, result)
                })
                .await;
                match done {
                    Ok((owned, result)) => {
                        *tally = owned;
                        result.map_err(StoreError::from)
                    }
                    Err(e) => Err(StoreError::Interrupted(e.to_string())),
                }
            }
        };
        if result.is_err() {
            tally.undo();
        }
        result
    }

    /// Deletes events older than `before` (unix seconds); returns how many.
    pub async fn purge(&self, before: i64) -> Result<u64, StoreError> {
        let mut deleted = 0;
        for table in ["searches", "clicks", "feedback", "contacts", "views"] {
            let sql = self.sql(&format!("DELETE FROM {table} WHERE at < $1"));
            deleted += with_pool!(self, pool => sqlx::query(AssertSqlSafe(sql.as_str())).bind(before).execute(pool).await?.rows_affected());
        }
        // Rollup rows of days wholly before the cut (not counted as purged events).
        for table in ["search_rollup", "day_rollup", "article_rollup", "key_days"] {
            let sql = self.sql(&format!("DELETE FROM {table} WHERE day < $1"));
            with_pool!(self, pool => sqlx::query(AssertSqlSafe(sql.as_str())).bind(before.div_euclid(super::tally::DAY)).execute(pool).await.map(drop)?);
        }
        // Buckets wholly before the cut (a partial one keeps counts that only overstate the
        // bound of its old days).
        let bucket = before.div_euclid(super::tally::DAY).div_euclid(super::tally::BUCKET_DAYS);
        for table in ["key_buckets", "wording_buckets"] {
            let sql = self.sql(&format!("DELETE FROM {table} WHERE bucket < $1"));
            with_pool!(self, pool => sqlx::query(AssertSqlSafe(sql.as_str())).bind(bucket).execute(pool).await.map(drop)?);
        }
        Ok(deleted)
    }

    /// Every event with `from <= at < to` (optionally one locale; clicks have none and
    /// are all read), by kind and in time order.
    pub async fn load(&self, from: i64, to: i64, locale: Option<&str>) -> Result<Dataset, StoreError> {
        let filter = if locale.is_some() { " AND locale = $3" } else { "" };
        let select = |table: &str, columns: &str, filter: &str| {
            self.sql(&format!("SELECT {columns} FROM {table} WHERE at >= $1 AND at < $2{filter} ORDER BY at"))
        };
        let searches_sql = select(
            "searches",
            "id, at, locale, query, normalized, results, corrected, source, visit, suggestion_chosen",
            filter,
        );
        let clicks_sql = select("clicks", "at, search_id, slug, position, kind, visit", "");
        let feedback_sql =
            select("feedback", "at, locale, slug, helpful, reason, comment, score, search_id, visit", filter);
        let contacts_sql = select("contacts", "at, locale, search_id, slug, query, visit", filter);
        let views_sql = select("views", "at, locale, slug, search_id, visit", filter);
        with_pool!(self, pool => {
            macro_rules! fetch {
                ($sql:expr, $with_locale:expr) => {{
                    let q = sqlx::query_as(AssertSqlSafe($sql.as_str())).bind(from).bind(to);
                    let q = match (locale, $with_locale) { (Some(l), true) => q.bind(l.to_owned()), _ => q };
                    q.fetch_all(pool).await?
                }};
            }
            Ok(Dataset {
                searches: fetch!(searches_sql, true),
                clicks: fetch!(clicks_sql, false),
                feedback: fetch!(feedback_sql, true),
                contacts: fetch!(contacts_sql, true),
                views: fetch!(views_sql, true),
            })
        })
    }

    /// How far journal `id` was replayed (bytes), if it was.
    pub async fn journal_mark(&self, id: &str) -> Result<Option<u64>, StoreError> {
        let sql = self.sql("SELECT replayed FROM journal_marks WHERE journal = $1");
        let row: Option<(i64,)> =
            with_pool!(self, pool => sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?);
        Ok(row.map(|(n,)| n.max(0) as u64))
    }

    /// The first and last event time, if any event is stored.
    pub async fn span(&self) -> Result<Option<(i64, i64)>, StoreError> {
        let mut span: Option<(i64, i64)> = None;
        for table in ["searches", "clicks", "feedback", "contacts", "views"] {
            let sql = format!("SELECT MIN(at), MAX(at) FROM {table}");
            let (min, max): (Option<i64>, Option<i64>) =
                with_pool!(self, pool => sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_one(pool).await?);
            if let (Some(min), Some(max)) = (min, max) {
                span = Some(span.map_or((min, max), |(a, b)| (a.min(min), b.max(max))));
            }
        }
        Ok(span)
    }

    /// Every event with `from <= at < to`, in time order (searches before what refers to
    /// them at the same second): for exports, read a window at a time.
    pub async fn events_between(&self, from: i64, to: i64) -> Result<Vec<Event>, StoreError> {
        let data = self.load(from, to, None).await?;
        let mut events: Vec<(i64, u8, Event)> = Vec::new();
        events.extend(data.searches.into_iter().map(|e| (e.at, 0, Event::Search(e))));
        events.extend(data.clicks.into_iter().map(|e| (e.at, 1, Event::Click(e))));
        events.extend(data.views.into_iter().map(|e| (e.at, 2, Event::View(e))));
        events.extend(data.feedback.into_iter().map(|e| (e.at, 3, Event::Feedback(e))));
        events.extend(data.contacts.into_iter().map(|e| (e.at, 4, Event::Contact(e))));
        // Stable: rows of one kind and second keep the database's order.
        events.sort_by_key(|(at, kind, _)| (*at, *kind));
        Ok(events.into_iter().map(|(_, _, e)| e).collect())
    }

    /// Number of rows in a table (tests and diagnostics).
    pub async fn count(&self, table: &str) -> Result<i64, StoreError> {
        let allowed = ["searches", "clicks", "feedback", "contacts", "views"];
        let table = allowed.iter().find(|t| **t == table).copied().unwrap_or("searches");
        let sql = format!("SELECT COUNT(*) FROM {table}");
        with_pool!(self, pool => {
            let (n,): (i64,) = sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_one(pool).await?;
            Ok(n)
        })
    }

    /// Closes the pool.
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_log_is_a_file_or_a_server() {
        // The writer opens the file itself: an in-memory database would be a different one
        // on every connection, so it is refused with the accepted forms named.
        for url in ["sqlite::memory:", "sqlite://:memory:", "sqlite:file:log?mode=memory", "sqlite://", "mysql://x"] {
            let error = Store::connect_lazy(url).expect_err(url).to_string();
            assert!(error.contains("sqlite://path/to/file.db"), "{url}: {error}");
        }
        assert_eq!(numbered("WHERE id = $1 AND at > $2"), "WHERE id = ?1 AND at > ?2");
    }
}
