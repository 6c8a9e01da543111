//! The help portal over HTTP: shared state, the router, and `serve`.
//!
//! Tests build the app with [`router`] and call it without a socket; the binary and the
//! real-port test both go through [`serve`].

mod admin;
mod api;
mod assets;
mod auth;
mod error;
mod events;
pub mod i18n;
mod live;
mod pages;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::article::{Catalog, Library};
use crate::config::Config;
use crate::search::Searcher;
use crate::search::suggest::SuggestIndex;
use crate::searchlog::SearchLog;

pub use auth::Viewer;
pub use error::PageError;

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
}

impl AppState {
    /// State over a loaded catalog and an index searcher.
    pub fn new(config: Config, catalog: Catalog, searcher: Searcher, searchlog: Option<SearchLog>) -> Self {
        let (reloads, _) = broadcast::channel(64);
        let suggest = RwLock::new(Arc::new(SuggestIndex::build(&catalog.public)));
        Self {
            inner: Arc::new(Inner {
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
}

/// The complete application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::root))
        .route("/healthz", get(api::healthz))
        .route("/api/search", get(api::search))
        .route("/api/suggest", get(api::suggest))
        .route("/api/events", post(events::post).layer(RequestBodyLimitLayer::new(events::MAX_EVENT_BYTES)))
        .route("/metrics", get(api::metrics))
        .route("/admin/reports/{report}", get(admin::report_csv))
        .route("/static/{*path}", get(assets::theme_static))
        .route("/media/{*path}", get(assets::media))
        .route("/_dev/events", get(live::events))
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
        .layer(axum::middleware::from_fn(events::visit))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the app on `listener` until `shutdown` completes, then drains connections.
/// Client addresses are made available to handlers (admin is loopback-only without a token).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
