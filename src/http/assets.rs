//! Theme assets (embedded defaults, overridable file by file from the theme folder, like
//! mdBook) and article images under `/media/`. Paths are checked component by component,
//! then resolved with [`crate::article::files::resolve_within`] (the rule the article
//! loader uses): a symbolic link that leads outside its root is not found.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{AppState, PageError, query_param};

/// A versioned static URL (`?v=` matching the content) is cached for a year; a bare or
/// stale one for five minutes, then revalidated with its ETag.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const SHORT: &str = "public, max-age=300";

/// Largest media file served (bytes).
const MAX_MEDIA_BYTES: u64 = 20 * 1024 * 1024;

/// The default theme's static files, compiled into the binary.
const EMBEDDED: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../../themes/default/static/style.css")),
    ("app.js", include_bytes!("../../themes/default/static/app.js")),
    ("logo.svg", include_bytes!("../../themes/default/static/logo.svg")),
    ("favicon.svg", include_bytes!("../../themes/default/static/favicon.svg")),
    ("admin.css", include_bytes!("../../themes/default/static/admin.css")),
    ("live-reload.js", include_bytes!("../../themes/default/static/live-reload.js")),
];

/// Media types we serve; anything else is not found.
fn content_type(path: &str) -> Option<&'static str> {
    let ext = Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => return None,
    })
}

/// Joins a URL path under `root`, refusing `..`, absolute parts, hidden names and
/// backslashes; `None` means "not found".
fn safe_join(root: &Path, url_path: &str) -> Option<PathBuf> {
    let mut out = root.to_path_buf();
    if url_path.len() > 1024 {
        return None;
    }
    let mut depth = 0;
    for part in url_path.split('/') {
        if part.is_empty() || part.starts_with('.') || part.contains(['\\', '\0', ':']) {
            return None;
        }
        out.push(part);
        depth += 1;
    }
    (depth > 0).then_some(out)
}

/// Reads `rel` under `root` if it resolves inside it, off the async workers.
async fn read_file(root: &Path, rel: PathBuf, max: u64) -> Option<Vec<u8>> {
    let root = root.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let real = crate::article::files::resolve_within(&root, &rel).ok()?;
        crate::article::files::read_resolved(&real, max)
    })
    .await
    .ok()
    .flatten()
}

/// The version of a static file's content: 12 hex digits of its hash.
pub fn version_of(bytes: &[u8]) -> String {
    format!("{:012x}", xxhash_rust::xxh3::xxh3_64(bytes) >> 16)
}

/// The versions of the theme's static files at start-up (the theme folder's copy where it
/// has one, else the embedded default), so pages link `/static/style.css?v=…` and browsers
/// keep each version for a year. A file edited later is still served fresh: its new
/// content no longer matches the `v` of the old links, so it gets the short lifetime.
#[derive(Debug, Default)]
pub struct AssetVersions(HashMap<&'static str, String>);

impl AssetVersions {
    /// Reads the theme's overrides under `theme/static` (refusing links out of it).
    pub fn load(theme: &Path) -> Self {
        let root = theme.join("static");
        let versions = EMBEDDED
            .iter()
            .map(|(name, embedded)| {
                let own = crate::article::files::resolve_within(&root, Path::new(name))
                    .ok()
                    .and_then(|real| crate::article::files::read_resolved(&real, MAX_MEDIA_BYTES));
                (*name, version_of(own.as_deref().unwrap_or(embedded)))
            })
            .collect();
        Self(versions)
    }

    /// The URL of static file `name`, versioned when it is one of the theme's.
    pub fn url(&self, name: &str) -> String {
        match self.0.get(name) {
            Some(v) => format!("/static/{name}?v={v}"),
            None => format!("/static/{name}"),
        }
    }
}

/// True when `If-None-Match` names `etag` (or `*`).
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// A static file with its ETag: `304` when the browser has this version, a year's
/// caching when the URL names it.
fn respond_versioned(body: Vec<u8>, mime: &'static str, asked: Option<&str>, headers: &HeaderMap) -> Response {
    let version = version_of(&body);
    let etag = format!("\"{version}\"");
    let cache = if asked == Some(version.as_str()) { IMMUTABLE } else { SHORT };
    let mut response = if not_modified(headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        respond(body, mime, cache)
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    response
}

fn respond(body: Vec<u8>, mime: &'static str, cache: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if mime == "image/svg+xml" {
        // An SVG opened directly must not run script.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
        );
    }
    response
}

/// `GET /static/{*path}`: the theme folder's file if present, else the embedded default;
/// with an ETag, and cached for a year when `?v=` names its content.
pub async fn theme_static(
    State(state): State<AppState>,
    UrlPath(path): UrlPath<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let not_found = || PageError::not_found(&state, &state.config().default_locale).into_response();
    let Some(mime) = content_type(&path) else { return not_found() };
    let Some(rel) = safe_join(Path::new(""), &path) else { return not_found() };
    let asked = query_param(raw.as_deref(), "v");
    if let Some(body) = read_file(&state.config().theme.join("static"), rel, MAX_MEDIA_BYTES).await {
        return respond_versioned(body, mime, asked.as_deref(), &headers);
    }
    match EMBEDDED.iter().find(|(name, _)| *name == path) {
        Some((_, bytes)) => respond_versioned(bytes.to_vec(), mime, asked.as_deref(), &headers),
        None => not_found(),
    }
}

/// `GET /media/{*path}`: images next to the articles (`/media/en/billing/images/x.png`).
pub async fn media(State(state): State<AppState>, UrlPath(path): UrlPath<String>) -> Response {
    let not_found = || PageError::not_found(&state, &state.config().default_locale).into_response();
    let Some(mime) = content_type(&path).filter(|m| m.starts_with("image/")) else { return not_found() };
    let Some(rel) = safe_join(Path::new(""), &path) else { return not_found() };
    match read_file(&state.config().articles, rel, MAX_MEDIA_BYTES).await {
        Some(body) => respond(body, mime, "public, max-age=3600"),
        None => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        let root = Path::new("/srv/articles");
        assert!(safe_join(root, "../Cargo.toml").is_none());
        assert!(safe_join(root, "en/../../etc/passwd").is_none());
        assert!(safe_join(root, ".git/config").is_none());
        assert!(safe_join(root, "en//x.png").is_none());
        assert!(safe_join(root, "..\\x.png").is_none());
        assert_eq!(safe_join(root, "en/a/x.png"), Some(PathBuf::from("/srv/articles/en/a/x.png")));
    }
}
