//! Events from visitors: the anonymous visit cookie, `POST /api/events` (clicks, feedback,
//! contact requests; bounded, strict, rate limited), and the contact-support redirect that
//! records the request and carries the visitor's last search to the support form.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{AppState, is_id, query_param};
use crate::searchlog::event::{MAX_COMMENT_CHARS, MAX_QUERY_CHARS, MAX_REASON_CHARS, now, random_id, valid_slug};
use crate::searchlog::{ClickEvent, ContactEvent, Event, FeedbackEvent, redact};

/// Largest `POST /api/events` body.
pub const MAX_EVENT_BYTES: usize = 8 * 1024;
/// Cookie holding the anonymous visit id.
pub const VISIT_COOKIE: &str = "hc_visit";
/// A visit ends after this long without a request.
const VISIT_SECONDS: u64 = 30 * 60;

/// The anonymous visit id of the request (random; no IP address or user agent involved).
#[derive(Debug, Clone)]
pub struct Visit(pub String);

/// Marks a request whose visit id came from its cookie (not made up for it just now).
#[derive(Debug, Clone, Copy)]
pub struct ReturningVisit;

/// Middleware: gives every page and API request a visit id, (re)setting the cookie so a
/// visit lasts 30 minutes from the last request. Static files and images are left alone.
pub async fn visit(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/static/")
        || path.starts_with("/media/")
        || matches!(path, "/healthz" | "/metrics" | "/robots.txt" | "/sitemap.xml")
    {
        return next.run(request).await;
    }
    let sent = super::cookie(request.headers(), VISIT_COOKIE).filter(|v| is_id(v));
    if sent.is_some() {
        request.extensions_mut().insert(ReturningVisit);
    }
    let id = sent.unwrap_or_else(random_id);
    request.extensions_mut().insert(Visit(id.clone()));
    let secure = state.is_https(request.extensions(), request.headers());
    let mut response = next.run(request).await;
    if let Some(value) = super::set_cookie(VISIT_COOKIE, &id, VISIT_SECONDS, cookie::SameSite::Lax, secure) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The visit id from request extensions (set by [`visit`]).
pub fn visit_of(extensions: &axum::http::Extensions) -> String {
    extensions.get::<Visit>().map_or_else(random_id, |v| v.0.clone())
}

/// Token buckets for visitor events ([`crate::config::EventLimits`]): per visit (or one
/// shared by every cookie-less client), per client address, and global. Keys are hashes;
/// addresses live only in this map, in memory, and go with their idle buckets.
pub struct RateLimiter {
    limits: crate::config::EventLimits,
    buckets: Mutex<HashMap<u64, (f64, Instant)>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(crate::config::EventLimits::default())
    }
}

/// Which bucket a request draws from besides the global one.
pub enum Caller<'a> {
    /// A visit cookie the client sent back.
    Visit(&'a str),
    /// No cookie: all such clients share one bucket.
    Cookieless,
}

fn key(kind: u8, value: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (kind, value).hash(&mut h);
    h.finish()
}

/// The bucket of an address: IPv4 as is, IPv6 by /64 (one household or host).
fn address_key(ip: std::net::IpAddr) -> u64 {
    match ip {
        std::net::IpAddr::V4(v4) => key(2, &v4.octets()),
        std::net::IpAddr::V6(v6) => key(3, &v6.octets()[..8]),
    }
}

impl RateLimiter {
    /// A limiter with these limits.
    pub fn new(limits: crate::config::EventLimits) -> Self {
        Self { limits, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes a token from every bucket of the request, or from none: `Err(seconds)` to
    /// wait when one is empty.
    pub fn take(&self, caller: Caller<'_>, address: Option<std::net::IpAddr>) -> Result<(), u64> {
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        if buckets.len() > 100_000 {
            buckets.retain(|_, (_, at)| at.elapsed().as_secs() < 300);
        }
        let l = &self.limits;
        let mut wanted: Vec<(u64, crate::config::Bucket)> = vec![match caller {
            Caller::Visit(v) => (key(0, v.as_bytes()), l.visit),
            Caller::Cookieless => (key(1, b""), l.cookieless),
        }];
        if let Some(ip) = address {
            wanted.push((address_key(ip), l.address));
        }
        wanted.push((key(9, b"*"), l.global));
        let now = Instant::now();
        let mut levels = Vec::with_capacity(wanted.len());
        for (k, bucket) in &wanted {
            let (tokens, at) = buckets.get(k).copied().unwrap_or((bucket.burst, now));
            let level = (tokens + now.duration_since(at).as_secs_f64() * bucket.per_second).min(bucket.burst);
            if level < 1.0 {
                return Err(((1.0 - level) / bucket.per_second).ceil().max(1.0) as u64);
            }
            levels.push(level);
        }
        for ((k, _), level) in wanted.iter().zip(levels) {
            buckets.insert(*k, (level - 1.0, now));
        }
        Ok(())
    }

    /// [`Self::take`] for a request: its visit (if it sent the cookie) and its address.
    pub fn take_for(
        &self,
        state: &AppState,
        extensions: &axum::http::Extensions,
        headers: &axum::http::HeaderMap,
    ) -> Result<(), u64> {
        let visit = extensions.get::<Visit>().map(|v| v.0.as_str());
        let caller = match (extensions.get::<ReturningVisit>(), visit) {
            (Some(_), Some(v)) => Caller::Visit(v),
            _ => Caller::Cookieless,
        };
        let address = super::client::client_ip(extensions, headers, state.trusted_proxies());
        self.take(caller, address)
    }
}

/// 429 with `Retry-After`.
pub fn too_many(wait: u64) -> Response {
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(json!({ "error": "too many events" }))).into_response();
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// An event posted by the portal's script (or any client).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum EventIn {
    /// A result (or suggestion) was clicked.
    Click {
        /// The search it belongs to.
        search_id: String,
        /// Article slug.
        slug: String,
        /// 1-based position (0: the quick answer above the results).
        position: i64,
        /// `result` (default) or `suggestion`.
        #[serde(default)]
        kind: Option<String>,
    },
    /// "Was this helpful?"
    Feedback {
        /// Article locale.
        locale: String,
        /// Article slug.
        slug: String,
        /// Yes or no.
        helpful: bool,
        /// Short reason.
        #[serde(default)]
        reason: Option<String>,
        /// Comment.
        #[serde(default)]
        comment: Option<String>,
        /// Satisfaction 1–10.
        #[serde(default)]
        score: Option<i64>,
        /// The search that led to the article.
        #[serde(default)]
        search_id: Option<String>,
    },
    /// The visitor chose "contact support".
    Contact {
        /// Page locale.
        locale: String,
        /// The search before.
        #[serde(default)]
        search_id: Option<String>,
        /// The article before.
        #[serde(default)]
        slug: Option<String>,
        /// The last query.
        #[serde(default)]
        query: Option<String>,
    },
}

fn bad(message: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message.into() }))).into_response()
}

fn bounded(text: Option<String>, max: usize, what: &str) -> Result<Option<String>, String> {
    match text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > max => Err(format!("{what} is longer than {max} characters")),
        Some(t) => Ok(Some(redact(&t, max))),
        None => Ok(None),
    }
}

fn search_id(id: Option<String>) -> Result<Option<String>, String> {
    match id.filter(|i| !i.is_empty()) {
        Some(i) if !is_id(&i) => Err("search_id must be the 32-character id from a search".to_owned()),
        other => Ok(other),
    }
}

/// Turns a posted event into a stored one, validating every field.
fn convert(state: &AppState, event: EventIn, visit: String) -> Result<Event, String> {
    let known_locale = |l: &str| state.public_library().has_locale(l);
    Ok(match event {
        EventIn::Click { search_id: id, slug, position, kind } => {
            let id = search_id(Some(id))?.ok_or_else(|| "search_id is required".to_owned())?;
            // Position 0 is the quick answer above the results.
            if !valid_slug(&slug) || !(0..=1000).contains(&position) {
                return Err("slug must be an article slug and position 0 to 1000".to_owned());
            }
            let library = state.public_library();
            if !library.locales().iter().any(|l| library.article(l, &slug).is_some()) {
                return Err("unknown article".to_owned());
            }
            let kind = kind.unwrap_or_else(|| "result".to_owned());
            if kind != "result" && kind != "suggestion" {
                return Err("kind must be result or suggestion".to_owned());
            }
            Event::Click(ClickEvent { at: now(), search_id: id, slug, position, kind, visit })
        }
        EventIn::Feedback { locale, slug, helpful, reason, comment, score, search_id: id } => {
            if !known_locale(&locale) || !valid_slug(&slug) || state.public_library().article(&locale, &slug).is_none()
            {
                return Err("unknown locale or article".to_owned());
            }
            if score.is_some_and(|s| !(1..=10).contains(&s)) {
                return Err("score must be 1 to 10".to_owned());
            }
            Event::Feedback(FeedbackEvent {
                at: now(),
                locale,
                slug,
                helpful,
                reason: bounded(reason, MAX_REASON_CHARS, "reason")?,
                comment: bounded(comment, MAX_COMMENT_CHARS, "comment")?,
                score,
                search_id: search_id(id)?,
                visit,
            })
        }
        EventIn::Contact { locale, search_id: id, slug, query } => {
            let unknown = |s: &str| !valid_slug(s) || state.public_library().article(&locale, s).is_none();
            if !known_locale(&locale) || slug.as_deref().is_some_and(unknown) {
                return Err("unknown locale or article".to_owned());
            }
            Event::Contact(ContactEvent {
                at: now(),
                locale,
                search_id: search_id(id)?,
                slug,
                query: bounded(query, MAX_QUERY_CHARS, "query")?,
                visit,
            })
        }
    })
}

/// `POST /api/events`: 202 when queued; 400 for bad JSON or unknown fields; 429 with
/// `Retry-After` past the rate limit; 413 past 8 KiB.
pub async fn post(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    body: Result<Json<EventIn>, JsonRejection>,
) -> Response {
    let visit = visit_of(&extensions);
    if let Err(wait) = state.limiter().take_for(&state, &extensions, &headers) {
        return too_many(wait);
    }
    let event = match body {
        Ok(Json(event)) => event,
        Err(JsonRejection::BytesRejection(e)) => return e.into_response(),
        Err(JsonRejection::MissingJsonContentType(_)) => return bad("send Content-Type: application/json"),
        Err(e) => return bad(e.body_text()),
    };
    match convert(&state, event, visit) {
        Ok(event) => {
            state.record(event);
            (StatusCode::ACCEPTED, Json(json!({ "ok": true }))).into_response()
        }
        Err(message) => bad(message),
    }
}

/// `GET /{locale}/contact?sid=&slug=&q=`: records the contact request, then redirects to the
/// configured contact URL with the visitor's last search (redacted) attached.
pub async fn contact(
    State(state): State<AppState>,
    Path(locale): Path<String>,
    extensions: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.as_deref();
    let query = query_param(raw, "q").map(|q| redact(&q, MAX_QUERY_CHARS)).filter(|q| !q.is_empty());
    let sid = query_param(raw, "sid").filter(|s| is_id(s));
    let library = state.public_library();
    let slug = query_param(raw, "slug").filter(|s| valid_slug(s) && library.article(&locale, s).is_some());
    // The visitor still reaches support; only a request from this site's own pages, within
    // the limits, counts as a contact (a link on another site cannot forge them).
    let from_here = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|site| matches!(site, "same-origin" | "none"));
    if library.has_locale(&locale) && from_here && state.limiter().take_for(&state, &extensions, &headers).is_ok() {
        state.record(Event::Contact(ContactEvent {
            at: now(),
            locale: locale.clone(),
            search_id: sid,
            slug,
            query: query.clone(),
            visit: visit_of(&extensions),
        }));
    }
    let config = state.config();
    let target = contact_target(&config.contact_url, &config.contact_query_param, query.as_deref(), &locale);
    super::redirect(StatusCode::SEE_OTHER, &target)
}

/// The contact URL with the last query attached (`?q=` by default; a `mailto:` gets a
/// subject and body instead, in the visitor's language).
pub fn contact_target(url: &str, param_name: &str, query: Option<&str>, locale: &str) -> String {
    let Some(query) = query else { return url.to_owned() };
    let sep = if url.contains('?') { '&' } else { '?' };
    let pairs: Vec<(String, String)> = if url.starts_with("mailto:") {
        let ui = super::i18n::ui(locale);
        vec![("subject".into(), ui.mail_subject.into()), ("body".into(), format!("{} {query}", ui.mail_body))]
    } else {
        vec![(param_name.to_owned(), query.to_owned())]
    };
    // Spaces as %20 (not +): mail clients do not decode `+`.
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            let v: String = form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>().replace('+', "%20");
            format!("{k}={v}")
        })
        .collect();
    format!("{url}{sep}{}", encoded.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_urls_carry_the_query() {
        assert_eq!(
            contact_target("https://x.example/c", "q", Some("reset pw"), "en"),
            "https://x.example/c?q=reset%20pw"
        );
        assert_eq!(
            contact_target("https://x.example/c?a=1", "topic", Some("x"), "en"),
            "https://x.example/c?a=1&topic=x"
        );
        assert!(
            contact_target("mailto:s@x.example", "q", Some("a b"), "en")
                .starts_with("mailto:s@x.example?subject=Help%20request&body=")
        );
        assert_eq!(contact_target("https://x.example/c", "q", None, "en"), "https://x.example/c");
        let ja = contact_target("mailto:s@x.example", "q", Some("返金"), "ja");
        let subject: String = form_urlencoded::byte_serialize("お問い合わせ".as_bytes()).collect();
        assert!(
            ja.starts_with(&format!("mailto:s@x.example?subject={subject}&body=")),
            "in the visitor's language: {ja}"
        );
    }

    #[test]
    fn rate_limit_per_visit() {
        let limiter = RateLimiter::default();
        for _ in 0..30 {
            assert!(limiter.take(Caller::Visit("v"), None).is_ok());
        }
        assert!(limiter.take(Caller::Visit("v"), None).is_err_and(|wait| wait >= 1));
        assert!(limiter.take(Caller::Visit("other"), None).is_ok(), "other visits unaffected");
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let ok: Result<EventIn, _> =
            serde_json::from_str(r#"{"type":"click","search_id":"x","slug":"a","position":1}"#);
        assert!(ok.is_ok());
        let unknown: Result<EventIn, _> =
            serde_json::from_str(r#"{"type":"click","search_id":"x","slug":"a","position":1,"ip":"1.2.3.4"}"#);
        assert!(unknown.is_err());
    }
}
