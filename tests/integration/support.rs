//! Test helpers: a temporary copy of an articles tree served by the real stack.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use helpcenter::cmd::serve::{Prepared, prepare};
use helpcenter::config::Config;
use helpcenter::http::{AppState, router};
use helpcenter::snapshot::{ReloadCounters, Reloader};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// An admin token long enough for `serve` to accept (24+ characters).
pub const TOKEN: &str = "test-admin-token-0123456789abcdef";

/// Root of the repository.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A site served from a temp dir: `articles/` and `index/` inside it.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub state: AppState,
    /// Reloads articles and the index (owns the index writer).
    pub reloader: Arc<Mutex<Reloader>>,
}

impl Site {
    /// The fixture articles (`tests/fixtures/articles`).
    pub fn fixtures() -> Self {
        Self::with(|articles| copy_dir(&repo().join("tests/fixtures/articles"), articles))
    }

    /// Fixture articles, changed by `edit` before loading.
    pub fn with(edit: impl FnOnce(&Path)) -> Self {
        Self::with_config(edit, |_| {})
    }

    /// Fixture-style site with a changed config.
    pub fn with_config(edit: impl FnOnce(&Path), configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let articles = dir.path().join("articles");
        std::fs::create_dir_all(&articles).expect("articles dir");
        edit(&articles);
        let mut config = Self::config(dir.path());
        configure(&mut config);
        let Prepared { state, reloader } = prepare(config).expect("prepare");
        Self { dir, state, reloader }
    }

    /// The articles folder.
    pub fn articles(&self) -> PathBuf {
        self.dir.path().join("articles")
    }

    /// Reloads now (what the watcher does after a batch).
    pub fn reload(&self) {
        self.reloader.lock().expect("reloader").reload_now().expect("reload");
    }

    /// Reload counters.
    pub fn counters(&self) -> ReloadCounters {
        self.reloader.lock().expect("reloader").counters()
    }

    /// Polls `check` every 20 ms until it holds or `limit` passes; returns how long it took.
    pub async fn wait_until<F, Fut>(&self, limit: Duration, mut check: F) -> Option<Duration>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while started.elapsed() < limit {
            if check().await {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// The config the site runs with.
    pub fn config(root: &Path) -> Config {
        Config {
            site_name: "Test Help".into(),
            contact_url: "https://support.example/contact".into(),
            articles: root.join("articles"),
            index: root.join("index"),
            theme: repo().join("themes/default"),
            searchlog: "off".into(),
            searchlog_journal: root.join("searchlog.journal"),
            ..Config::default()
        }
    }

    /// The app.
    pub fn app(&self) -> Router {
        router(self.state.clone())
    }

    /// GET `uri`; returns status, headers and body text.
    pub async fn get(&self, uri: &str) -> (StatusCode, HeaderMap, String) {
        self.send(Request::get(uri).body(Body::empty()).expect("request")).await
    }

    /// Sends any request.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
        let response = self.app().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        (status, headers, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// GET a JSON endpoint.
    pub async fn json(&self, uri: &str) -> (StatusCode, serde_json::Value) {
        let (status, _, body) = self.get(uri).await;
        (status, serde_json::from_str(&body).unwrap_or(serde_json::Value::Null))
    }

    /// Slugs returned by `/api/search` for `q` in `locale`.
    pub async fn search_slugs(&self, q: &str, locale: &str) -> Vec<String> {
        let uri = format!("/api/search?{}", encode(&[("q", q), ("locale", locale)]));
        let (status, json) = self.json(&uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {json}");
        json["hits"]
            .as_array()
            .map(|hits| hits.iter().filter_map(|h| h["slug"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }
}

/// URL-encodes query pairs.
pub fn encode(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// A search-log backend for a test: a fresh SQLite file, or a fresh schema in the
/// PostgreSQL server named by `HELPCENTER_TEST_POSTGRES_URL`.
pub struct Backend {
    /// `sqlite` or `postgres`.
    pub name: &'static str,
    /// URL for `searchlog`.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// The backends to run a search-log test against: SQLite always, PostgreSQL when
/// `HELPCENTER_TEST_POSTGRES_URL` is set (otherwise the test says it skipped it).
pub async fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut list = vec![Backend {
        name: "sqlite",
        url: format!("sqlite://{}", dir.path().join("log.db").display()),
        _dir: Some(dir),
    }];
    match std::env::var("HELPCENTER_TEST_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => {
            list.push(Backend { name: "postgres", url: fresh_schema(&base).await, _dir: None })
        }
        _ => skip("PostgreSQL backend (HELPCENTER_TEST_POSTGRES_URL is not set; .ci/run sets it)"),
    }
    list
}

/// Creates a uniquely named schema and returns a URL whose connections use it.
async fn fresh_schema(base: &str) -> String {
    use sqlx::Connection;
    let schema = format!("t_{}", helpcenter::searchlog::event::random_id());
    let mut conn = sqlx::PgConnection::connect(base).await.expect("connect to HELPCENTER_TEST_POSTGRES_URL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .expect("create schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

/// Waits until the log has written everything queued.
pub async fn flush(site: &Site) {
    let log = site.state.searchlog().expect("search log on");
    assert!(log.flush(Duration::from_secs(20)).await, "flush in time");
}

/// The store behind a site's log.
pub fn store(site: &Site) -> helpcenter::searchlog::Store {
    site.state.searchlog().expect("search log on").store().clone()
}

/// The fixture site logging to `url`.
pub fn logged_site(url: &str) -> Site {
    let url = url.to_owned();
    Site::with_config(|a| copy_dir(&repo().join("tests/fixtures/articles"), a), move |c| c.searchlog = url)
}

/// A search event as the server would record it, `seconds_ago` in the past.
pub fn search_event(
    q: &str,
    results: i64,
    visit: &str,
    source: helpcenter::searchlog::Source,
    seconds_ago: i64,
) -> helpcenter::searchlog::SearchEvent {
    helpcenter::searchlog::SearchEvent {
        id: helpcenter::searchlog::event::random_id(),
        at: helpcenter::searchlog::event::now() - seconds_ago,
        locale: "en".into(),
        query: q.into(),
        typed: q.into(),
        normalized: helpcenter::searchlog::normalize(q),
        results,
        corrected: false,
        source,
        visit: visit.into(),
        suggestion_chosen: false,
    }
}

/// Says that a test skipped a part and why, visibly: written to the process's stderr
/// directly, which `cargo test` does not capture (unlike `eprintln!`).
pub fn skip(reason: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {reason}");
}
