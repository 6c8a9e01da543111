//! Cross-cutting protections applied to every request:
//! - state-changing requests (POST and friends) must come from this site's own pages
//!   (`Origin`, else `Sec-Fetch-Site`; clients that send neither, like curl, are not
//!   browsers and cannot be tricked into a cross-site request);
//! - admin pages, exports, metrics and anything answered to a signed-in admin are
//!   `Cache-Control: no-store` (no shared cache keeps a draft or a report);
//! - request logs carry the path and a redacted query, never the raw query string.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// True when the request's `Origin` (or `Sec-Fetch-Site`) says it comes from this site:
/// the origin's host matches the `Host` header or the configured `public_url`.
pub fn is_same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => {
            let authority = origin.split_once("://").map(|(_, a)| a);
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
            let public =
                crate::config::origin_of(&state.config().public_url).and_then(|o| o.split_once("://")).map(|(_, a)| a);
            authority.is_some_and(|a| host.is_some_and(|h| a.eq_ignore_ascii_case(h)) || public == Some(a))
        }
        None => headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|site| matches!(site, "same-origin" | "none")),
    }
}

/// Middleware: refuses cross-site state-changing requests with 403.
pub async fn same_origin_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !is_same_origin(&state, request.headers()) {
        tracing::warn!(path = request.uri().path(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "Cross-site requests are not accepted.").into_response();
    }
    next.run(request).await
}

/// True for paths whose responses must never be stored by a cache.
fn is_private_path(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/") || path == "/metrics" || path.starts_with("/_dev/")
}

/// Middleware: `Cache-Control: no-store` on admin responses and on anything answered to a
/// request that carries admin credentials (it may show drafts).
pub async fn private_responses(request: Request, next: Next) -> Response {
    let private = is_private_path(request.uri().path())
        || request.headers().contains_key(header::AUTHORIZATION)
        || super::auth::session_cookie(request.headers()).is_some();
    let mut response = next.run(request).await;
    if private {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.append(header::VARY, HeaderValue::from_static("Cookie, Authorization"));
    }
    response
}

/// The query string with every value redacted, for logs.
struct RedactedQuery<'a>(Option<&'a str>);

impl std::fmt::Display for RedactedQuery<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(raw) = self.0 else { return Ok(()) };
        let mut first = true;
        for (key, value) in form_urlencoded::parse(raw.as_bytes()).take(20) {
            let key: String = key.chars().take(30).collect();
            let value = crate::searchlog::redact(&value, 100);
            write!(f, "{}{key}={value}", if first { "" } else { "&" })?;
            first = false;
        }
        Ok(())
    }
}

/// The span of a request in the logs: method, path and redacted query.
pub fn request_span(request: &Request) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        query = %RedactedQuery(request.uri().query()),
    )
}
