//! Validators for pages: a weak `ETag` on every HTML page (a hash of the body, so it
//! changes exactly when the page does, whoever asks) and `304 Not Modified` when the browser
//! already holds that version. Cheap: pages are rendered in memory anyway, and hashing one
//! costs microseconds; what a revalidation saves is the transfer.

use std::hash::{DefaultHasher, Hash, Hasher};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Largest page hashed (anything bigger is passed through untouched).
const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

/// The weak validator of a page body.
fn tag(body: &[u8]) -> String {
    let half = |salt: u8| {
        let mut h = DefaultHasher::new();
        (salt, body).hash(&mut h);
        h.finish()
    };
    format!("W/\"{:016x}{:016x}\"", half(1), half(2))
}

/// True when `If-None-Match` names `etag` (weak comparison) or `*`.
fn matches(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match.split(',').any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

/// Middleware: ETags and `304`s for `GET`/`HEAD` HTML pages answered `200`.
pub async fn page_etags(request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if response.status() != StatusCode::OK || !html || response.headers().contains_key(header::ETAG) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "page too large to send").into_response();
    };
    let etag = tag(&bytes);
    if let Ok(value) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, value);
    }
    if if_none_match.as_deref().is_some_and(|inm| matches(inm, &etag)) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_compare_weakly() {
        let t = tag(b"<p>hi</p>");
        assert!(t.starts_with("W/\"") && t.len() == 36);
        assert_ne!(t, tag(b"<p>ho</p>"));
        assert!(matches(&t, &t));
        assert!(matches(&format!("\"x\", {}", t.trim_start_matches("W/")), &t));
        assert!(matches("*", &t));
        assert!(!matches("W/\"other\"", &t));
    }
}
