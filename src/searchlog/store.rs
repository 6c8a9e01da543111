//! Where events are kept: SQLite (the embedded default, WAL mode) or PostgreSQL (shared by
//! several replicas), chosen from the URL. One enum, migrations per backend, the same SQL
//! (`$1` placeholders; numbered `?1` for SQLite).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::event::Event;

/// Migrations, in order: (version, SQLite SQL, PostgreSQL SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    include_str!("../../migrations/sqlite/0001_events.sql"),
    include_str!("../../migrations/postgres/0001_events.sql"),
)];

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL is neither `sqlite://…` nor `postgres://…`, or is malformed.
    #[error("search log URL `{0}`: use sqlite://path/to/file.db or postgres://user@host/db")]
    BadUrl(String),
    /// The database failed.
    #[error("search log database: {0}")]
    Db(#[from] sqlx::Error),
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
    /// Embedded SQLite file.
    Sqlite(SqlitePool),
    /// Shared PostgreSQL.
    Postgres(PgPool),
}

/// Runs the same code against either pool.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite($pool) => $body,
            Store::Postgres($pool) => $body,
        }
    };
}

/// A stored search: (0 id, 1 at, 2 locale, 3 query, 4 normalized, 5 results, 6 corrected,
/// 7 source, 8 visit, 9 suggestion_chosen).
pub type SearchRow = (String, i64, String, String, String, i64, i64, String, String, i64);
/// A stored click: (0 at, 1 search_id, 2 slug, 3 position, 4 kind).
pub type ClickRow = (i64, String, String, i64, String);
/// A stored vote: (0 at, 1 locale, 2 slug, 3 helpful, 4 reason, 5 comment, 6 score, 7 search_id).
pub type FeedbackRow = (i64, String, String, i64, Option<String>, Option<String>, Option<i64>, Option<String>);
/// A stored contact request: (0 at, 1 locale, 2 search_id, 3 slug, 4 query).
pub type ContactRow = (i64, String, Option<String>, Option<String>, Option<String>);
/// A stored view: (0 at, 1 locale, 2 slug, 3 search_id, 4 visit).
pub type ViewRow = (i64, String, String, Option<String>, String);

/// Rows of one report period, as stored.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Searches.
    pub searches: Vec<SearchRow>,
    /// Clicks.
    pub clicks: Vec<ClickRow>,
    /// Votes.
    pub feedback: Vec<FeedbackRow>,
    /// Contact requests.
    pub contacts: Vec<ContactRow>,
    /// Article views.
    pub views: Vec<ViewRow>,
}

impl Store {
    /// Opens the store named by `url` without connecting yet (a database that is down at
    /// start-up must not stop the portal).
    pub fn connect_lazy(url: &str) -> Result<Self, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let file = path.split('?').next().unwrap_or(path);
            if file.is_empty() {
                return Err(StoreError::BadUrl(url.to_owned()));
            }
            if file != ":memory:"
                && let Some(parent) = Path::new(file).parent().filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent)
                    .map_err(|source| StoreError::Folder { path: parent.to_path_buf(), source })?;
            }
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(url.to_owned()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new().max_connections(4).connect_lazy_with(options);
            Ok(Store::Sqlite(pool))
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

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// The statement in this backend's placeholder style. Every statement is a constant of
    /// this module; values are always bound, never formatted in.
    fn sql(&self, sql: &str) -> String {
        match self {
            Store::Postgres(_) => sql.to_owned(),
            Store::Sqlite(_) => sql.replace('$', "?"),
        }
    }

    /// Applies the migrations not applied yet (idempotent; safe with several replicas).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::raw_sql("CREATE TABLE IF NOT EXISTS helpcenter_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
                .execute(pool)
                .await?;
            for (version, sqlite, postgres) in MIGRATIONS {
                let applied: Option<(i64,)> = sqlx::query_as(AssertSqlSafe(self.sql("SELECT version FROM helpcenter_migrations WHERE version = $1")))
                    .bind(version)
                    .fetch_optional(pool)
                    .await?;
                if applied.is_some() {
                    continue;
                }
                let script = if matches!(self, Store::Sqlite(_)) { *sqlite } else { *postgres };
                let mut tx = pool.begin().await?;
                sqlx::raw_sql(script).execute(&mut *tx).await?;
                sqlx::query(AssertSqlSafe(self.sql("INSERT INTO helpcenter_migrations (version, applied_at) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING")))
                    .bind(version)
                    .bind(super::event::now())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Ok(())
        })
    }

    /// Stores a batch in one transaction.
    pub async fn insert(&self, batch: &[Event]) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let search_sql = self.sql("INSERT INTO searches (id, at, locale, query, normalized, results, corrected, source, visit, suggestion_chosen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING");
        let click_sql =
            self.sql("INSERT INTO clicks (at, search_id, slug, position, kind, visit) VALUES ($1, $2, $3, $4, $5, $6)");
        let chosen_sql = self.sql("UPDATE searches SET suggestion_chosen = 1 WHERE id = $1");
        let feedback_sql = self.sql("INSERT INTO feedback (at, locale, slug, helpful, reason, comment, score, search_id, visit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        let contact_sql = self
            .sql("INSERT INTO contacts (at, locale, search_id, slug, query, visit) VALUES ($1, $2, $3, $4, $5, $6)");
        let view_sql = self.sql("INSERT INTO views (at, locale, slug, search_id, visit) VALUES ($1, $2, $3, $4, $5)");
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for event in batch {
                match event {
                    Event::Search(s) => {
                        sqlx::query(AssertSqlSafe(search_sql.as_str()))
                            .bind(&s.id).bind(s.at).bind(&s.locale).bind(&s.query).bind(&s.normalized)
                            .bind(s.results).bind(i64::from(s.corrected)).bind(s.source.as_str()).bind(&s.visit)
                            .bind(i64::from(s.suggestion_chosen))
                            .execute(&mut *tx).await?;
                    }
                    Event::Click(c) => {
                        sqlx::query(AssertSqlSafe(click_sql.as_str()))
                            .bind(c.at).bind(&c.search_id).bind(&c.slug).bind(c.position).bind(&c.kind).bind(&c.visit)
                            .execute(&mut *tx).await?;
                        if c.kind == "suggestion" {
                            sqlx::query(AssertSqlSafe(chosen_sql.as_str())).bind(&c.search_id).execute(&mut *tx).await?;
                        }
                    }
                    Event::Feedback(f) => {
                        sqlx::query(AssertSqlSafe(feedback_sql.as_str()))
                            .bind(f.at).bind(&f.locale).bind(&f.slug).bind(i64::from(f.helpful)).bind(&f.reason)
                            .bind(&f.comment).bind(f.score).bind(&f.search_id).bind(&f.visit)
                            .execute(&mut *tx).await?;
                    }
                    Event::Contact(c) => {
                        sqlx::query(AssertSqlSafe(contact_sql.as_str()))
                            .bind(c.at).bind(&c.locale).bind(&c.search_id).bind(&c.slug).bind(&c.query).bind(&c.visit)
                            .execute(&mut *tx).await?;
                    }
                    Event::View(v) => {
                        sqlx::query(AssertSqlSafe(view_sql.as_str()))
                            .bind(v.at).bind(&v.locale).bind(&v.slug).bind(&v.search_id).bind(&v.visit)
                            .execute(&mut *tx).await?;
                    }
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Deletes events older than `before` (unix seconds); returns how many.
    pub async fn purge(&self, before: i64) -> Result<u64, StoreError> {
        let mut deleted = 0;
        for table in ["searches", "clicks", "feedback", "contacts", "views"] {
            let sql = self.sql(&format!("DELETE FROM {table} WHERE at < $1"));
            deleted += with_pool!(self, pool => sqlx::query(AssertSqlSafe(sql.as_str())).bind(before).execute(pool).await?.rows_affected());
        }
        Ok(deleted)
    }

    /// Every event with `from <= at < to` (optionally one locale).
    pub async fn load(&self, from: i64, to: i64, locale: Option<&str>) -> Result<Dataset, StoreError> {
        let filter = if locale.is_some() { " AND locale = $3" } else { "" };
        let searches_sql = self.sql(&format!("SELECT id, at, locale, query, normalized, results, corrected, source, visit, suggestion_chosen FROM searches WHERE at >= $1 AND at < $2{filter} ORDER BY at"));
        let clicks_sql =
            self.sql("SELECT at, search_id, slug, position, kind FROM clicks WHERE at >= $1 AND at < $2 ORDER BY at");
        let feedback_sql = self.sql(&format!("SELECT at, locale, slug, helpful, reason, comment, score, search_id FROM feedback WHERE at >= $1 AND at < $2{filter} ORDER BY at"));
        let contacts_sql = self.sql(&format!(
            "SELECT at, locale, search_id, slug, query FROM contacts WHERE at >= $1 AND at < $2{filter} ORDER BY at"
        ));
        let views_sql = self.sql(&format!(
            "SELECT at, locale, slug, search_id, visit FROM views WHERE at >= $1 AND at < $2{filter} ORDER BY at"
        ));
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
