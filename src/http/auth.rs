//! Who is asking: anonymous visitors, or an admin (by session cookie or bearer token).
//!
//! `/admin` needs the admin token (`HELPCENTER_ADMIN_TOKEN`, at least 24 characters)
//! through the login form or `Authorization: Bearer`. Without a configured token it answers
//! only a request that is local on every count: the peer is loopback, the `Host` header
//! names this machine (no DNS rebinding), and no proxy header is present (a reverse proxy
//! on the same machine would otherwise make the whole internet "local"). Token attempts
//! are rate limited per client and overall; failures are logged without the secret.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, header};
use sha2::{Digest, Sha256};

use super::AppState;
use super::client;
use super::throttle::{Rate, Throttle};

/// Name of the admin session cookie.
pub const SESSION_COOKIE: &str = "hc_admin";
/// How long an admin session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// Most concurrent admin sessions kept (oldest dropped first).
const MAX_SESSIONS: usize = 1000;
/// Token attempts (login form or bearer) per client: 10 at once, then 10 a minute.
pub const ATTEMPTS_PER_CLIENT: Rate = Rate { burst: 10, per_minute: 10 };
/// Token attempts from everybody together.
pub const ATTEMPTS_OVERALL: Rate = Rate { burst: 100, per_minute: 100 };

/// The request's viewer.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    /// Sees drafts (admin, or `serve --drafts`).
    pub drafts: bool,
    /// Gets live reload (admin, or `serve --dev`).
    pub live_reload: bool,
    /// Signed in as admin (pages must not be cached).
    pub admin: bool,
    /// Where the site is, for absolute links (canonical, `hreflang`, sitemap).
    pub origin: String,
}

/// The result of checking admin access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAccess {
    /// Go ahead.
    Granted,
    /// A token is configured and was not presented (or was wrong): 401.
    NeedLogin,
    /// No token is configured and the request is not local: 403.
    Forbidden,
    /// Too many token attempts from this client (or overall): 429 after this long.
    Throttled(Duration),
}

/// The limiter for token attempts.
pub type AttemptThrottle = Throttle<IpAddr>;

/// A new limiter with the documented rates.
pub fn attempt_throttle() -> AttemptThrottle {
    Throttle::new(ATTEMPTS_PER_CLIENT, ATTEMPTS_OVERALL)
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state: AppState = axum::extract::FromRef::from_ref(state);
        let admin = matches!(credentials(&state, &parts.extensions, &parts.headers), Credentials::Valid);
        let config = state.config();
        let origin = site_origin(&state, &parts.extensions, &parts.headers);
        Ok(Viewer { drafts: admin || config.drafts, live_reload: admin || config.dev, admin, origin })
    }
}

/// The site's origin: `public_url`'s when configured (what search engines should see),
/// else the scheme and `Host` the request came with (a name or address and port only;
/// anything else falls back to `localhost`).
pub fn site_origin(state: &AppState, extensions: &Extensions, headers: &HeaderMap) -> String {
    if let Some(origin) = crate::config::origin_of(&state.config().public_url) {
        return origin.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = if state.is_https(extensions, headers) { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// True when the request is local on every count (peer, `Host`, no proxy headers).
pub fn is_local_request(extensions: &Extensions, headers: &HeaderMap) -> bool {
    client::peer(extensions).is_some_and(|p| client::is_loopback(p.ip()))
        && client::host_is_loopback(headers)
        && !client::is_proxied(headers)
}

/// Checks whether this request may use `/admin`.
pub fn admin_access(state: &AppState, parts: &Parts) -> AdminAccess {
    if state.config().admin_token.0.is_empty() {
        return if is_local_request(&parts.extensions, &parts.headers) {
            AdminAccess::Granted
        } else {
            AdminAccess::Forbidden
        };
    }
    match credentials(state, &parts.extensions, &parts.headers) {
        Credentials::Valid => AdminAccess::Granted,
        Credentials::Throttled(wait) => AdminAccess::Throttled(wait),
        Credentials::Missing | Credentials::Wrong => AdminAccess::NeedLogin,
    }
}

/// What the request carries.
enum Credentials {
    Missing,
    Valid,
    Wrong,
    Throttled(Duration),
}

/// The bearer token of `Authorization: Bearer <token>` (scheme case-insensitive).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A live session cookie, or a bearer token checked against the configured one (a bearer
/// attempt costs one from the client's attempt budget).
fn credentials(state: &AppState, extensions: &Extensions, headers: &HeaderMap) -> Credentials {
    if state.config().admin_token.0.is_empty() {
        return Credentials::Missing;
    }
    if session_cookie(headers).is_some_and(|id| session_valid(state, &id)) {
        return Credentials::Valid;
    }
    let Some(given) = bearer(headers) else { return Credentials::Missing };
    if let Err(wait) = take_attempt(state, extensions, headers) {
        return Credentials::Throttled(wait);
    }
    if token_matches(state, given) {
        Credentials::Valid
    } else {
        tracing::warn!(kind = "bearer", "admin token rejected");
        Credentials::Wrong
    }
}

/// Takes one token attempt for the request's client.
pub fn take_attempt(state: &AppState, extensions: &Extensions, headers: &HeaderMap) -> Result<(), Duration> {
    let client = client::client_ip(extensions, headers, state.trusted_proxies())
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), client::bucket);
    state.attempts().take(&client)
}

/// Compares `given` with the configured token in constant time: both are hashed first,
/// so neither where they differ nor the token's length shows in the timing.
pub fn token_matches(state: &AppState, given: &str) -> bool {
    let expected = &state.config().admin_token.0;
    !expected.is_empty() && digests_equal(given.as_bytes(), expected.as_bytes())
}

fn digests_equal(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The session id from the `Cookie` header, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    super::cookie(headers, SESSION_COOKIE)
}

fn session_valid(state: &AppState, id: &str) -> bool {
    let Ok(mut sessions) = state.sessions().lock() else { return false };
    match sessions.get(id) {
        Some(created) if created.elapsed() < SESSION_TTL => true,
        Some(_) => {
            sessions.remove(id);
            false
        }
        None => false,
    }
}

/// Starts a session; returns its id.
pub fn start_session(state: &AppState) -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    let id = crate::searchlog::event::hex(&bytes);
    let mut sessions = state.sessions().lock().ok()?;
    sessions.retain(|_, created| created.elapsed() < SESSION_TTL);
    if sessions.len() >= MAX_SESSIONS
        && let Some(oldest) = sessions.iter().min_by_key(|(_, c)| **c).map(|(k, _)| k.clone())
    {
        sessions.remove(&oldest);
    }
    sessions.insert(id.clone(), Instant::now());
    Some(id)
}

/// Ends a session.
pub fn end_session(state: &AppState, id: &str) {
    if let Ok(mut sessions) = state.sessions().lock() {
        sessions.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_comparison() {
        assert!(digests_equal(b"secret", b"secret"));
        assert!(!digests_equal(b"secret", b"secreT"));
        assert!(!digests_equal(b"secret", b"secret2"));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "bearer   tok ".parse().expect("header"));
        assert_eq!(bearer(&h), Some("tok"));
        h.insert(header::AUTHORIZATION, "Basic dG9r".parse().expect("header"));
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn cookie_parsing() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; hc_admin=abc; b=2".parse().expect("header"));
        assert_eq!(session_cookie(&h), Some("abc".into()));
        h.insert(header::COOKIE, "hc_admin=".parse().expect("header"));
        assert_eq!(session_cookie(&h), None);
    }
}
