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
use super::tally::{Deltas, SearchKey, SearchRef, Tally, wording};

/// A search looked up to credit a click, contact or vote: (at, locale, source, normalized,
/// wording, visit).
type RefRow = (i64, String, String, String, String, String);

fn search_ref((at, locale, source, normalized, wording, visit): RefRow) -> SearchRef {
    SearchRef { key: SearchKey { day: at.div_euclid(super::tally::DAY), locale, source, normalized, wording }, visit }
}

const SEARCH_ROLLUP_UPSERT: &str = "INSERT INTO search_rollup (day, locale, source, normalized, wording, searches, zero_results, clicked, click_position, contacted, helpful, not_helpful, visits, reader_visits) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
    ON CONFLICT (day, locale, source, normalized, wording) DO UPDATE SET searches = search_rollup.searches + excluded.searches, zero_results = search_rollup.zero_results + excluded.zero_results, clicked = search_rollup.clicked + excluded.clicked, click_position = search_rollup.click_position + excluded.click_position, contacted = search_rollup.contacted + excluded.contacted, helpful = search_rollup.helpful + excluded.helpful, not_helpful = search_rollup.not_helpful + excluded.not_helpful, visits = search_rollup.visits + excluded.visits, reader_visits = search_rollup.reader_visits + excluded.reader_visits";
const DAY_ROLLUP_UPSERT: &str = "INSERT INTO day_rollup (day, locale, source, searches, zero_results, clicked, click_position, contacted, helpful, not_helpful, visits, refinements) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
    ON CONFLICT (day, locale, source) DO UPDATE SET searches = day_rollup.searches + excluded.searches, zero_results = day_rollup.zero_results + excluded.zero_results, clicked = day_rollup.clicked + excluded.clicked, click_position = day_rollup.click_position + excluded.click_position, contacted = day_rollup.contacted + excluded.contacted, helpful = day_rollup.helpful + excluded.helpful, not_helpful = day_rollup.not_helpful + excluded.not_helpful, visits = day_rollup.visits + excluded.visits, refinements = day_rollup.refinements + excluded.refinements";
const ARTICLE_ROLLUP_UPSERT: &str = "INSERT INTO article_rollup (day, locale, slug, views, votes, helpful, score_sum, scores, contacts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
    ON CONFLICT (day, locale, slug) DO UPDATE SET views = article_rollup.views + excluded.views, votes = article_rollup.votes + excluded.votes, helpful = article_rollup.helpful + excluded.helpful, score_sum = article_rollup.score_sum + excluded.score_sum, scores = article_rollup.scores + excluded.scores, contacts = article_rollup.contacts + excluded.contacts";

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
];

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
    pub(super) fn sql(&self, sql: &str) -> String {
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

    /// Stores a batch in one transaction, with a fresh tally (tests, one-off writes).
    pub async fn insert(&self, batch: &[Event]) -> Result<(), StoreError> {
        self.insert_tallied(batch, &mut Tally::default()).await
    }

    /// Stores a batch and its rollup deltas in one transaction: the rollups never disagree
    /// with the events. A click, contact or vote that names a search looks it up (first
    /// click and first contact only), so rates stay at most 100%.
    pub async fn insert_tallied(&self, batch: &[Event], tally: &mut Tally) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        tally.begin();
        let result = self.write_tallied(batch, tally).await;
        if result.is_err() {
            tally.undo();
        }
        result
    }

    async fn write_tallied(&self, batch: &[Event], tally: &mut Tally) -> Result<(), StoreError> {
        let search_sql = self.sql("INSERT INTO searches (id, at, locale, query, normalized, results, corrected, source, visit, suggestion_chosen, wording) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING");
        let click_sql =
            self.sql("INSERT INTO clicks (at, search_id, slug, position, kind, visit) VALUES ($1, $2, $3, $4, $5, $6)");
        let first_click_sql = self.sql("UPDATE searches SET clicked = $2 WHERE id = $1 AND clicked = 0 RETURNING at, locale, source, normalized, wording, visit");
        let chosen_sql = self.sql("UPDATE searches SET suggestion_chosen = 1 WHERE id = $1");
        let feedback_sql = self.sql("INSERT INTO feedback (at, locale, slug, helpful, reason, comment, score, search_id, visit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        let find_sql = self.sql("SELECT at, locale, source, normalized, wording, visit FROM searches WHERE id = $1");
        let contact_sql = self
            .sql("INSERT INTO contacts (at, locale, search_id, slug, query, visit) VALUES ($1, $2, $3, $4, $5, $6)");
        let first_contact_sql = self.sql("UPDATE searches SET contacted = 1 WHERE id = $1 AND contacted = 0 RETURNING at, locale, source, normalized, wording, visit");
        let view_sql = self.sql("INSERT INTO views (at, locale, slug, search_id, visit) VALUES ($1, $2, $3, $4, $5)");
        let mut deltas = Deltas::default();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for event in batch {
                match event {
                    Event::Search(s) => {
                        let inserted = sqlx::query(AssertSqlSafe(search_sql.as_str()))
                            .bind(&s.id).bind(s.at).bind(&s.locale).bind(&s.query).bind(&s.normalized)
                            .bind(s.results).bind(i64::from(s.corrected)).bind(s.source.as_str()).bind(&s.visit)
                            .bind(i64::from(s.suggestion_chosen)).bind(wording(&s.query))
                            .execute(&mut *tx).await?;
                        if inserted.rows_affected() == 1 {
                            tally.search(&mut deltas, s);
                        }
                    }
                    Event::Click(c) => {
                        sqlx::query(AssertSqlSafe(click_sql.as_str()))
                            .bind(c.at).bind(&c.search_id).bind(&c.slug).bind(c.position).bind(&c.kind).bind(&c.visit)
                            .execute(&mut *tx).await?;
                        let first: Option<RefRow> = sqlx::query_as(AssertSqlSafe(first_click_sql.as_str()))
                            .bind(&c.search_id).bind(c.position.max(1)).fetch_optional(&mut *tx).await?;
                        if let Some(row) = first {
                            tally.clicked(&mut deltas, &search_ref(row), c.position.max(1));
                        }
                        if c.kind == "suggestion" {
                            sqlx::query(AssertSqlSafe(chosen_sql.as_str())).bind(&c.search_id).execute(&mut *tx).await?;
                        }
                    }
                    Event::Feedback(f) => {
                        sqlx::query(AssertSqlSafe(feedback_sql.as_str()))
                            .bind(f.at).bind(&f.locale).bind(&f.slug).bind(i64::from(f.helpful)).bind(&f.reason)
                            .bind(&f.comment).bind(f.score).bind(&f.search_id).bind(&f.visit)
                            .execute(&mut *tx).await?;
                        let search: Option<RefRow> = match &f.search_id {
                            Some(id) => sqlx::query_as(AssertSqlSafe(find_sql.as_str())).bind(id).fetch_optional(&mut *tx).await?,
                            None => None,
                        };
                        tally.voted(&mut deltas, f, search.map(search_ref).as_ref());
                    }
                    Event::Contact(c) => {
                        sqlx::query(AssertSqlSafe(contact_sql.as_str()))
                            .bind(c.at).bind(&c.locale).bind(&c.search_id).bind(&c.slug).bind(&c.query).bind(&c.visit)
                            .execute(&mut *tx).await?;
                        if let Some(id) = &c.search_id {
                            let first: Option<RefRow> = sqlx::query_as(AssertSqlSafe(first_contact_sql.as_str()))
                                .bind(id).fetch_optional(&mut *tx).await?;
                            if let Some(row) = first {
                                tally.contacted(&mut deltas, &search_ref(row));
                            }
                        }
                        if let Some(slug) = &c.slug {
                            tally.contact_from(&mut deltas, c.at, &c.locale, slug);
                        }
                    }
                    Event::View(v) => {
                        sqlx::query(AssertSqlSafe(view_sql.as_str()))
                            .bind(v.at).bind(&v.locale).bind(&v.slug).bind(&v.search_id).bind(&v.visit)
                            .execute(&mut *tx).await?;
                        tally.viewed(&mut deltas, v);
                    }
                }
            }
            let search_rollup = self.sql(SEARCH_ROLLUP_UPSERT);
            for (k, c) in &deltas.searches {
                sqlx::query(AssertSqlSafe(search_rollup.as_str()))
                    .bind(k.day).bind(&k.locale).bind(&k.source).bind(&k.normalized).bind(&k.wording)
                    .bind(c.searches).bind(c.zero_results).bind(c.clicked).bind(c.click_position).bind(c.contacted)
                    .bind(c.helpful).bind(c.not_helpful).bind(c.visits).bind(c.reader_visits)
                    .execute(&mut *tx).await?;
            }
            let day_rollup = self.sql(DAY_ROLLUP_UPSERT);
            for ((day, locale, source), c) in &deltas.days {
                sqlx::query(AssertSqlSafe(day_rollup.as_str()))
                    .bind(day).bind(locale).bind(source)
                    .bind(c.searches).bind(c.zero_results).bind(c.clicked).bind(c.click_position).bind(c.contacted)
                    .bind(c.helpful).bind(c.not_helpful).bind(c.visits).bind(c.refinements)
                    .execute(&mut *tx).await?;
            }
            let article_rollup = self.sql(ARTICLE_ROLLUP_UPSERT);
            for ((day, locale, slug), a) in &deltas.articles {
                sqlx::query(AssertSqlSafe(article_rollup.as_str()))
                    .bind(day).bind(locale).bind(slug)
                    .bind(a.views).bind(a.votes).bind(a.helpful).bind(a.score_sum).bind(a.scores).bind(a.contacts)
                    .execute(&mut *tx).await?;
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
        // Rollup rows of days wholly before the cut (not counted as purged events).
        for table in ["search_rollup", "day_rollup", "article_rollup"] {
            let sql = self.sql(&format!("DELETE FROM {table} WHERE day < $1"));
            with_pool!(self, pool => sqlx::query(AssertSqlSafe(sql.as_str())).bind(before.div_euclid(super::tally::DAY)).execute(pool).await.map(drop)?);
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
