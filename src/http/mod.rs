//! The help portal over HTTP: shared state, the router, and `serve`.
//!
//! Tests build the app with [`router`] and call it without a socket; the binary and the
//! real-port test both go through [`serve`].

mod admin;
mod api;
mod assets;
mod auth;
pub mod client;
mod cpu;
mod error;
mod etag;
mod events;
mod guard;
pub mod i18n;
mod live;
mod pages;
mod rendered;
mod seo;
mod server;
pub mod throttle;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::routing::{get, post};
use tokio::sync::{broadcast, watch};
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

use crate::article::{Catalog, Library};
use crate::config::Config;
use crate::search::Searcher;
use crate::searchlog::SearchLog;
use crate::snapshot::{Published, Snapshot};

pub use auth::{ATTEMPTS_OVERALL, ATTEMPTS_PER_CLIENT, Viewer};
pub use client::Network;
pub use error::PageError;
pub use server::serve;

/// A query-string value, decoded leniently (invalid UTF-8 or percent-encoding never fails).
pub(crate) fn query_param(raw: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The value of cookie `name`, if present and non-empty (the first one, as browsers send
/// the most specific first).
pub(crate) fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name && !c.value().is_empty())
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value: `Path=/`, `HttpOnly`, the given `SameSite`, a lifetime, and
/// `Secure` when the request came over HTTPS.
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: u64,
    same_site: cookie::SameSite,
    secure: bool,
) -> Option<HeaderValue> {
    let cookie = cookie::Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(i64::try_from(max_age_secs).unwrap_or(i64::MAX)))
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

/// A redirect that cannot panic: a `Location` that is not a valid header value (it came
/// from configuration or content) answers 500 and is logged instead.
pub(crate) fn redirect(status: StatusCode, location: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    match HeaderValue::from_str(location) {
        Ok(value) => (status, [(header::LOCATION, value)]).into_response(),
        Err(_) => {
            tracing::error!("redirect target is not a valid URL");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub(crate) use crate::searchlog::event::is_id;

/// Largest request body accepted (forms and JSON events are small).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    published: Published,
    sessions: Mutex<HashMap<String, Instant>>,
    searchlog: Option<SearchLog>,
    limiter: events::RateLimiter,
    cpu: cpu::CpuPool,
    pages: rendered::RenderedPages,
    attempts: auth::AttemptThrottle,
    trusted: Vec<Network>,
    shutdown: watch::Sender<bool>,
    csp: HeaderValue,
    assets: assets::AssetVersions,
}

impl AppState {
    /// State over the published snapshots.
    pub fn new(config: Config, published: Published, searchlog: Option<SearchLog>) -> Self {
        let trusted = config.trusted_proxies.iter().filter_map(|p| Network::parse(p)).collect();
        let csp = content_security_policy(&config.image_hosts);
        Self {
            inner: Arc::new(Inner {
                attempts: auth::attempt_throttle(),
                trusted,
                shutdown: watch::Sender::new(false),
                csp,
                cpu: cpu::CpuPool::for_this_machine(),
                pages: rendered::RenderedPages::default(),
                published,
                sessions: Mutex::new(HashMap::new()),
                searchlog,
                limiter: events::RateLimiter::new(config.events),
                assets: assets::AssetVersions::load(&config.theme),
                config,
            }),
        }
    }

    /// The search log, unless it is off.
    pub fn searchlog(&self) -> Option<&SearchLog> {
        self.inner.searchlog.as_ref()
    }

    /// Records an event if the log is on.
    pub fn record(&self, event: crate::searchlog::Event) {
        if let Some(log) = &self.inner.searchlog {
            log.record(event);
        }
    }

    /// Logs a search (when the log is on) and returns its id for click and feedback events.
    pub(crate) fn log_search(
        &self,
        query: &str,
        locale: &str,
        (results, corrected): (usize, bool),
        source: crate::searchlog::Source,
        extensions: &axum::http::Extensions,
    ) -> Option<String> {
        let log = self.inner.searchlog.as_ref()?;
        let visit = events::visit_of(extensions);
        let event = crate::searchlog::SearchEvent::new(query, locale, results, corrected, source, visit);
        let id = event.id.clone();
        log.record(crate::searchlog::Event::Search(event));
        Some(id)
    }

    pub(crate) fn limiter(&self) -> &events::RateLimiter {
        &self.inner.limiter
    }

    /// The versioned URL of a theme static file (`/static/style.css?v=…`).
    pub fn asset_url(&self, name: &str) -> String {
        self.inner.assets.url(name)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The snapshot for one request: take it once and use it throughout.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.published.load()
    }

    /// The published snapshots (for the reloader and the completions refresh).
    pub fn published(&self) -> &Published {
        &self.inner.published
    }

    /// The current catalog.
    pub fn catalog(&self) -> Catalog {
        self.snapshot().catalog.clone()
    }

    /// The current public library.
    pub fn public_library(&self) -> Arc<Library> {
        Arc::clone(&self.snapshot().catalog.public)
    }

    /// The current searcher.
    pub fn searcher(&self) -> Searcher {
        self.snapshot().searcher.clone()
    }

    /// Runs CPU-heavy work (searches, reports) on the blocking pool, at most one task per
    /// core at a time, so the async workers stay free for `/healthz` and everything else.
    pub async fn cpu<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        self.inner.cpu.run(work).await
    }

    /// Runs a search on `snapshot` on the CPU pool (typo-corrected unless `exact`).
    pub(crate) async fn search(
        &self,
        snapshot: &Arc<Snapshot>,
        query: &str,
        locale: &str,
        category: Option<&str>,
        (limit, offset): (usize, usize),
        (exact, include_drafts): (bool, bool),
    ) -> Result<crate::search::SearchResults, String> {
        let snapshot = Arc::clone(snapshot);
        let (query, locale, category) = (query.to_owned(), locale.to_owned(), category.map(str::to_owned));
        let results = self
            .cpu(move || {
                let request = crate::search::SearchRequest {
                    query: &query,
                    locale: &locale,
                    category: category.as_deref(),
                    limit,
                    offset,
                    include_drafts,
                };
                let searcher = &snapshot.searcher;
                if exact { searcher.search_exact(&request) } else { searcher.search(&request) }
            })
            .await;
        match results {
            Some(Ok(results)) => Ok(results),
            Some(Err(e)) => Err(e.to_string()),
            None => Err("the search did not finish".to_owned()),
        }
    }

    /// The page HTML of `article` in `snapshot` (rendered on first view, then cached).
    pub(crate) async fn article_html(
        &self,
        snapshot: &Arc<Snapshot>,
        article: &Arc<crate::article::Article>,
    ) -> Option<Result<Arc<str>, String>> {
        let (state, snapshot, article) = (self.clone(), Arc::clone(snapshot), Arc::clone(article));
        self.cpu(move || state.inner.pages.get(&snapshot.searcher, &article)).await
    }

    /// Rebuilds typeahead query completions from the search log's rollups (the 30-day
    /// buckets back to 30 days ago):
    /// queries that found results, made by at least 3 different visits that also read an
    /// article, whose words the articles use, with nothing redacted in them (see
    /// [`crate::searchlog::completions`]). Applies the log's migrations first, so the first
    /// refresh on a new database finds its tables. Returns how many completions there are.
    pub async fn refresh_completions(&self) -> Result<usize, crate::searchlog::StoreError> {
        let Some(log) = self.searchlog() else { return Ok(0) };
        log.store().migrate().await?;
        let now = crate::searchlog::event::now();
        let vocabulary = Arc::clone(self.snapshot().searcher.vocabulary());
        let completions = crate::searchlog::completions::popular(log.store(), (now, 30), 3, 1000, |_, text| {
            vocabulary.knows_all(text)
        })
        .await?;
        let n = completions.values().map(Vec::len).sum();
        self.inner.published.set_completions(completions);
        Ok(n)
    }

    /// Subscribes to reload notifications.
    pub fn subscribe_reloads(&self) -> broadcast::Receiver<Arc<Vec<String>>> {
        self.inner.published.subscribe()
    }

    pub(crate) fn sessions(&self) -> &Mutex<HashMap<String, Instant>> {
        &self.inner.sessions
    }

    pub(crate) fn attempts(&self) -> &auth::AttemptThrottle {
        &self.inner.attempts
    }

    /// The reverse proxies whose forwarding headers are believed.
    pub(crate) fn trusted_proxies(&self) -> &[Network] {
        &self.inner.trusted
    }

    /// True when the request came over HTTPS (for `Secure` cookies).
    pub(crate) fn is_https(&self, extensions: &axum::http::Extensions, headers: &axum::http::HeaderMap) -> bool {
        client::is_https(extensions, headers, &self.inner.config.public_url, &self.inner.trusted)
    }

    /// Tells long-lived responses (live-reload streams) that the server is stopping.
    pub fn begin_shutdown(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// Completes when [`AppState::begin_shutdown`] was called.
    pub(crate) fn shutting_down(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.inner.shutdown.subscribe();
        async move {
            let _ = rx.wait_for(|stopping| *stopping).await;
        }
    }

    /// Forgets idle rate-limit keys; `serve` calls it every minute.
    pub fn sweep_limits(&self) {
        self.inner.attempts.sweep();
    }
}

/// The Content-Security-Policy: only this origin, plus the configured image hosts.
fn content_security_policy(image_hosts: &[String]) -> HeaderValue {
    let mut images = String::from("'self' data:");
    for host in image_hosts.iter().filter_map(|h| crate::config::origin_of(h)) {
        images.push(' ');
        images.push_str(host);
    }
    let policy = format!(
        "default-src 'self'; img-src {images}; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// The complete application.
pub fn router(state: AppState) -> Router {
    let limits = &state.config().server;
    let request_timeout = Duration::from_secs(limits.request_timeout_secs.max(1));
    let body_timeout = Duration::from_secs(limits.body_timeout_secs.max(1));
    // Live-reload streams stay open by design: outside the request timeout.
    let streams = Router::new().route("/_dev/events", get(live::events));
    let pages = Router::new()
        .route("/", get(pages::root))
        .route("/healthz", get(api::healthz))
        .route("/sitemap.xml", get(seo::sitemap))
        .route("/robots.txt", get(seo::robots))
        .route("/api/search", get(api::search))
        .route("/api/suggest", get(api::suggest))
        .route("/api/events", post(events::post).layer(RequestBodyLimitLayer::new(events::MAX_EVENT_BYTES)))
        .route("/metrics", get(api::metrics))
        .route("/admin/reports/{report}", get(admin::report_csv))
        .route("/static/{*path}", get(assets::theme_static))
        .route("/media/{*path}", get(assets::media))
        .route("/admin", get(admin::redirect_to_dashboard))
        .route("/admin/", get(admin::dashboard))
        .route("/admin/problems", get(admin::problems))
        .route("/admin/login", get(admin::login_form).post(admin::login))
        .route("/admin/logout", post(admin::logout))
        .route("/{locale}", get(pages::locale_redirect))
        .route("/{locale}/", get(pages::home))
        .route("/{locale}/search", get(pages::search))
        .route("/{locale}/articles/{slug}", get(pages::article))
        .route("/{locale}/articles/{slug}/feedback", post(pages::feedback))
        .route("/{locale}/categories/{category}", get(pages::category))
        .route("/{locale}/contact", get(events::contact))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(etag::page_etags))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout));
    let csp = state.inner.csp.clone();
    Router::new()
        .merge(streams)
        .merge(pages)
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::same_origin_writes))
        .layer(axum::middleware::from_fn(guard::private_responses))
        .layer(axum::middleware::from_fn_with_state(state.clone(), events::visit))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        // gzip or brotli for text (HTML, CSS, JS, JSON, SVG) when the client accepts it, at
        // level 4: most of the saving at a fraction of the default brotli level's cost.
        // Images and event streams are left as they are.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(TraceLayer::new_for_http().make_span_with(guard::request_span))
        .with_state(state)
}
