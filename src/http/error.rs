//! Error pages rendered by the theme: visitors get a friendly page in their language,
//! the log gets the detail.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::pages::{Chrome, ErrorPage};

/// A response that ends a handler early (404 or 500), already rendered.
#[derive(Debug)]
pub struct PageError(Box<Response>);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl PageError {
    /// The themed 404 page in `locale`.
    pub fn not_found(state: &AppState, locale: &str) -> Self {
        Self(Box::new(render_error(state, locale, StatusCode::NOT_FOUND)))
    }

    /// The themed 500 page; `detail` goes to the log only.
    pub fn internal(state: &AppState, locale: &str, detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self(Box::new(render_error(state, locale, StatusCode::INTERNAL_SERVER_ERROR)))
    }
}

fn render_error(state: &AppState, locale: &str, status: StatusCode) -> Response {
    let library = state.public_library();
    let locale = if library.has_locale(locale) { locale } else { state.config().default_locale.as_str() };
    let chrome = Chrome::new(state, &library, locale, String::new());
    let (title, text) = if status == StatusCode::NOT_FOUND {
        (chrome.ui.not_found_title, chrome.ui.not_found_text)
    } else {
        (chrome.ui.error_title, chrome.ui.error_text)
    };
    let categories = library.category_summaries(locale, 0);
    let page = ErrorPage { chrome, title, text, categories, status: status.as_u16() };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error template failed");
            (status, status.canonical_reason().unwrap_or("error")).into_response()
        }
    }
}
