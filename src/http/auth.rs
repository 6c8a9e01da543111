//! Who is asking: anonymous visitors, or an admin (by session cookie or bearer token).
//!
//! `/admin` needs the admin token (`HELPCENTER_ADMIN_TOKEN`) through the login form or
//! `Authorization: Bearer`. Without a configured token it is open to loopback clients only,
//! and a request carrying proxy headers never counts as loopback.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use super::AppState;

/// Name of the admin session cookie.
pub const SESSION_COOKIE: &str = "hc_admin";
/// How long an admin session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// Most concurrent admin sessions kept (oldest dropped first).
const MAX_SESSIONS: usize = 1000;

/// The request's viewer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Viewer {
    /// Sees drafts (admin, or `serve --drafts`).
    pub drafts: bool,
    /// Gets live reload (admin, or `serve --dev`).
    pub live_reload: bool,
}

/// The result of checking admin access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAccess {
    /// Go ahead.
    Granted,
    /// A token is configured and was not presented: 401.
    NeedLogin,
    /// No token is configured and the client is not on loopback: 403.
    Forbidden,
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state: AppState = axum::extract::FromRef::from_ref(state);
        let admin = has_admin_credentials(&state, &parts.headers);
        let config = state.config();
        Ok(Viewer { drafts: admin || config.drafts, live_reload: admin || config.dev })
    }
}

/// Checks whether this request may use `/admin`.
pub fn admin_access(state: &AppState, parts: &Parts) -> AdminAccess {
    if state.config().admin_token.0.is_empty() {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .or_else(|| parts.extensions.get::<MockConnectInfo<SocketAddr>>().map(|m| m.0));
        let proxied = parts.headers.contains_key("x-forwarded-for") || parts.headers.contains_key(header::FORWARDED);
        if peer.is_some_and(|p| p.ip().is_loopback()) && !proxied {
            AdminAccess::Granted
        } else {
            AdminAccess::Forbidden
        }
    } else if has_admin_credentials(state, &parts.headers) {
        AdminAccess::Granted
    } else {
        AdminAccess::NeedLogin
    }
}

/// A valid bearer token or a live session cookie.
fn has_admin_credentials(state: &AppState, headers: &HeaderMap) -> bool {
    let token = &state.config().admin_token.0;
    if token.is_empty() {
        return false;
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if bearer.is_some_and(|b| constant_time_eq(b.as_bytes(), token.as_bytes())) {
        return true;
    }
    match session_cookie(headers) {
        Some(id) => session_valid(state, &id),
        None => false,
    }
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
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
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

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
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
