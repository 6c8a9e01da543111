//! The help portal over HTTP: shared state, the router, and `serve`.
//!
//! Tests build the app with [`router`] and call it without a socket; the binary and the
//! real-port test both go through [`serve`].

mod admin;
mod api;
mod assets;
mod auth;
pub mod client;
mod error;
mod events;
mod guard;
pub mod i18n;
mod live;
mod pages;
mod server;
pub mod throttle;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::routing::{get, post};
use tokio::sync::{broadcast, watch};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

use crate::article::{Catalog, Library};
use crate::config::Config;
use crate::search::Searcher;
use crate::search::suggest::SuggestIndex;
use crate::searchlog::SearchLog;

pub use auth::{ATTEMPTS_OVERALL, ATTEMPTS_PER_CLIENT, Viewer};
pub use client::Network;
pub use error::PageError;
pub use server::serve;

/// A query-string value, decoded leniently (invalid UTF-8 or percent-encoding never fails).
pub(crate) fn query_param(raw: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The value of cookie `name`, if present and non-empty.
pub(crate) fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_owned())
    })
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

/// True for the random ids the log hands out (searches, visits): 32 hex digits.
pub(crate) fn is_random_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Largest request body accepted (forms and JSON events are small).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    catalog: RwLock<Arc<Catalog>>,
    searcher: Searcher,
    sessions: Mutex<HashMap<String, Instant>>,
    reloads: broadcast::Sender<Arc<Vec<String>>>,
    searchlog: Option<SearchLog>,
    limiter: events::RateLimiter,
    suggest: RwLock<Arc<SuggestIndex>>,
    completions: RwLock<Arc<crate::search::completions::Completions>>,
    attempts: auth::AttemptThrottle,
    trusted: Vec<Network>,
    shutdown: watch::Sender<bool>,
    csp: HeaderValue,
}

impl AppState {
    /// State over a loaded catalog and an index searcher.
    pub fn new(config: Config, catalog: Catalog, searcher: Searcher, searchlog: Option<SearchLog>) -> Self {
        let (reloads, _) = broadcast::channel(64);
        let suggest = RwLock::new(Arc::new(SuggestIndex::build(&catalog.public)));
        let trusted = config.trusted_proxies.iter().filter_map(|p| Network::parse(p)).collect();
        let csp = content_security_policy(&config.image_hosts);
        Self {
            inner: Arc::new(Inner {
                attempts: auth::attempt_throttle(),
                trusted,
                shutdown: watch::Sender::new(false),
                csp,
                suggest,
                completions: RwLock::default(),
                config,
                catalog: RwLock::new(Arc::new(catalog)),
                searcher,
                sessions: Mutex::new(HashMap::new()),
                reloads,
                searchlog,
                limiter: events::RateLimiter::default(),
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

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The current catalog.
    pub fn catalog(&self) -> Arc<Catalog> {
        match self.inner.catalog.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The library this viewer sees: with drafts for previews, published articles otherwise.
    pub fn library(&self, viewer: &Viewer) -> Arc<Library> {
        let catalog = self.catalog();
        if viewer.drafts { Arc::clone(&catalog.preview) } else { Arc::clone(&catalog.public) }
    }

    /// The public library.
    pub fn public_library(&self) -> Arc<Library> {
        Arc::clone(&self.catalog().public)
    }

    /// Replaces the catalog (after a reload) and tells live-reload listeners which pages
    /// changed (`*` for all).
    pub fn set_catalog(&self, catalog: Catalog, changed: Vec<String>) {
        self.set_suggest_index(SuggestIndex::build(&catalog.public));
        let catalog = Arc::new(catalog);
        match self.inner.catalog.write() {
            Ok(mut guard) => *guard = catalog,
            Err(poisoned) => *poisoned.into_inner() = catalog,
        }
        if !changed.is_empty() {
            // No listener is not an error.
            let _ = self.inner.reloads.send(Arc::new(changed));
        }
    }

    /// The typeahead index.
    pub fn suggest_index(&self) -> Arc<SuggestIndex> {
        match self.inner.suggest.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the typeahead index.
    pub fn set_suggest_index(&self, index: SuggestIndex) {
        let index = Arc::new(index);
        match self.inner.suggest.write() {
            Ok(mut guard) => *guard = index,
            Err(poisoned) => *poisoned.into_inner() = index,
        }
    }

    /// Rebuilds typeahead query completions from the last 30 days of the search log:
    /// queries that found results, made by at least 3 different visits, with nothing
    /// redacted in them. Returns how many completions there are.
    pub async fn refresh_completions(&self) -> Result<usize, crate::searchlog::StoreError> {
        let Some(log) = self.searchlog() else { return Ok(0) };
        let now = crate::searchlog::event::now();
        let data = log.store().load(now - 30 * 86_400, now + 1, None).await?;
        let completions = crate::search::completions::popular(&data, 3, 1000);
        let n = completions.values().map(Vec::len).sum();
        let completions = Arc::new(completions);
        match self.inner.completions.write() {
            Ok(mut guard) => *guard = completions,
            Err(poisoned) => *poisoned.into_inner() = completions,
        }
        Ok(n)
    }

    /// Typeahead query completions per locale.
    pub fn completions(&self) -> Arc<crate::search::completions::Completions> {
        match self.inner.completions.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Subscribes to reload notifications.
    pub fn subscribe_reloads(&self) -> broadcast::Receiver<Arc<Vec<String>>> {
        self.inner.reloads.subscribe()
    }

    /// The searcher.
    pub fn searcher(&self) -> &Searcher {
        &self.inner.searcher
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
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout));
    let csp = state.inner.csp.clone();
    Router::new()
        .merge(streams)
        .merge(pages)
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::same_origin_writes))
        .layer(axum::middleware::from_fn(guard::private_responses))
        .layer(axum::middleware::from_fn(events::visit))
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
        .layer(TraceLayer::new_for_http().make_span_with(guard::request_span))
        .with_state(state)
}
