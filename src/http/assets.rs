//! Theme assets (embedded defaults, overridable file by file from the theme folder, like
//! mdBook) and article images under `/media/`. Paths are checked component by component,
//! then resolved with [`crate::article::files::resolve_within`] (the rule the article
//! loader uses): a symbolic link that leads outside its root is not found.

use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::{AppState, PageError};

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

/// `GET /static/{*path}`: the theme folder's file if present, else the embedded default.
pub async fn theme_static(State(state): State<AppState>, UrlPath(path): UrlPath<String>) -> Response {
    let not_found = || PageError::not_found(&state, &state.config().default_locale).into_response();
    let Some(mime) = content_type(&path) else { return not_found() };
    let Some(rel) = safe_join(Path::new(""), &path) else { return not_found() };
    if let Some(body) = read_file(&state.config().theme.join("static"), rel, MAX_MEDIA_BYTES).await {
        return respond(body, mime, "public, max-age=300");
    }
    match EMBEDDED.iter().find(|(name, _)| *name == path) {
        Some((_, bytes)) => respond(bytes.to_vec(), mime, "public, max-age=300"),
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
