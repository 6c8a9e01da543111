//! The help portal over HTTP: shared state, the router, and `serve`.
//!
//! Tests build the app with [`router`] and call it without a socket; the binary and the
//! real-port test both go through [`serve`].

mod api;
mod assets;
mod error;
pub mod i18n;
mod pages;

use std::future::Future;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::article::Library;
use crate::config::Config;
use crate::search::Searcher;

pub use error::PageError;

/// Largest request body accepted (forms and JSON events are small).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    library: RwLock<Arc<Library>>,
    searcher: Searcher,
}

impl AppState {
    /// State over a loaded library and an index searcher.
    pub fn new(config: Config, library: Library, searcher: Searcher) -> Self {
        Self { inner: Arc::new(Inner { config, library: RwLock::new(Arc::new(library)), searcher }) }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The current library snapshot.
    pub fn library(&self) -> Arc<Library> {
        match self.inner.library.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the library snapshot (after a reload).
    pub fn set_library(&self, library: Library) {
        let library = Arc::new(library);
        match self.inner.library.write() {
            Ok(mut guard) => *guard = library,
            Err(poisoned) => *poisoned.into_inner() = library,
        }
    }

    /// The searcher.
    pub fn searcher(&self) -> &Searcher {
        &self.inner.searcher
    }
}

/// The complete application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::root))
        .route("/healthz", get(api::healthz))
        .route("/api/search", get(api::search))
        .route("/static/{*path}", get(assets::theme_static))
        .route("/media/{*path}", get(assets::media))
        .route("/{locale}", get(pages::locale_redirect))
        .route("/{locale}/", get(pages::home))
        .route("/{locale}/search", get(pages::search))
        .route("/{locale}/articles/{slug}", get(pages::article))
        .route("/{locale}/articles/{slug}/feedback", post(pages::feedback))
        .route("/{locale}/categories/{category}", get(pages::category))
        .fallback(pages::not_found)
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
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
