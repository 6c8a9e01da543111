//! What goes over the wire: gzip and brotli for text through the real router, and theme
//! files under content-versioned URLs cached for a year, with ETags and `304`s.

use std::io::Read;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::{Site, copy_dir, repo};

/// GET `uri` with `headers`; the raw (possibly compressed) body.
async fn fetch(site: &Site, uri: &str, headers: &[(header::HeaderName, &str)]) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = site.app().oneshot(request.body(Body::empty()).expect("request")).await.expect("infallible");
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, body.collect().await.expect("body").to_bytes().to_vec())
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut out).expect("gzip");
    out
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut out = String::new();
    brotli_decompressor::Decompressor::new(bytes, 4096).read_to_string(&mut out).expect("brotli");
    out
}

fn encoding(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn text_is_compressed_when_the_client_accepts_it() {
    let site = Site::fixtures();
    let page = "/en/articles/reset-password";
    let (_, plain_headers, plain) = fetch(&site, page, &[]).await;
    assert_eq!(encoding(&plain_headers), None, "identity without Accept-Encoding");
    let plain = String::from_utf8(plain).expect("utf-8");
    assert!(plain.contains("Reset your password"));

    let (status, headers, gz) = fetch(&site, page, &[(header::ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding(&headers), Some("gzip"));
    assert!(headers[header::VARY].to_str().expect("vary").to_ascii_lowercase().contains("accept-encoding"));
    assert_eq!(gunzip(&gz), plain, "the same page");
    assert!(gz.len() * 2 < plain.len(), "gzip saves over half: {} of {}", gz.len(), plain.len());

    let (_, headers, br) = fetch(&site, page, &[(header::ACCEPT_ENCODING, "gzip, deflate, br")]).await;
    assert_eq!(encoding(&headers), Some("br"), "brotli preferred when offered");
    assert_eq!(unbrotli(&br), plain);

    // JSON, CSS and SVG too; images that are already compressed formats are left alone.
    let (_, headers, json) =
        fetch(&site, "/api/search?q=password&locale=en", &[(header::ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(encoding(&headers), Some("gzip"));
    assert!(gunzip(&json).contains("reset-password"));
    let (_, headers, _) = fetch(&site, "/static/style.css", &[(header::ACCEPT_ENCODING, "br")]).await;
    assert_eq!(encoding(&headers), Some("br"));
    let (status, headers, svg) =
        fetch(&site, "/media/en/billing/images/chart.svg", &[(header::ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding(&headers), Some("gzip"), "SVG is text");
    assert!(gunzip(&svg).contains("<svg"));
}

/// The `src`/`href` of `name` in a page.
fn linked(page: &str, name: &str) -> String {
    let start = page.find(&format!("/static/{name}?v=")).unwrap_or_else(|| panic!("{name} is linked versioned"));
    page[start..].split('"').next().expect("url").to_owned()
}

#[tokio::test]
async fn theme_files_are_versioned_cached_for_a_year_and_revalidated() {
    let site = Site::fixtures();
    let (_, _, home) = fetch(&site, "/en/", &[]).await;
    let home = String::from_utf8(home).expect("utf-8");
    for name in ["style.css", "app.js", "logo.svg", "favicon.svg"] {
        let url = linked(&home, name);
        let (status, headers, body) = fetch(&site, &url, &[]).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable", "{url}");
        let etag = headers[header::ETAG].to_str().expect("etag").to_owned();
        assert!(url.ends_with(etag.trim_matches('"')), "the URL names the content: {url} {etag}");
        assert!(!body.is_empty());
        let (status, headers, body) = fetch(&site, &url, &[(header::IF_NONE_MATCH, &etag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{url}");
        assert!(body.is_empty());
        assert_eq!(headers[header::ETAG], etag.as_str());
    }
    // A bare or stale URL is served, but only briefly cached.
    let (status, headers, _) = fetch(&site, "/static/style.css", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=300");
    let (_, headers, _) = fetch(&site, "/static/style.css?v=000000000000", &[]).await;
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=300");
    let (status, _, _) = fetch(&site, "/static/style.css", &[(header::IF_NONE_MATCH, "\"000000000000\"")]).await;
    assert_eq!(status, StatusCode::OK, "a different version is sent in full");
}

#[tokio::test]
async fn a_theme_override_gets_its_own_version() {
    let theme = tempfile::tempdir().expect("theme");
    std::fs::create_dir_all(theme.path().join("static")).expect("static dir");
    std::fs::write(theme.path().join("static/style.css"), "body { color: rebeccapurple }").expect("write");
    let theme_path = theme.path().to_path_buf();
    let site =
        Site::with_config(|a| copy_dir(&repo().join("tests/fixtures/articles"), a), move |c| c.theme = theme_path);
    let (_, _, home) = fetch(&site, "/en/", &[]).await;
    let url = linked(&String::from_utf8(home).expect("utf-8"), "style.css");
    let (_, headers, body) = fetch(&site, &url, &[]).await;
    assert_eq!(body, b"body { color: rebeccapurple }");
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    let default = Site::fixtures();
    let (_, _, default_home) = fetch(&default, "/en/", &[]).await;
    assert_ne!(url, linked(&String::from_utf8(default_home).expect("utf-8"), "style.css"));
}

/// Pages carry a validator: the same page gives the same ETag and a `304` when the browser
/// has it (compressed or not), a changed page a new one.
#[tokio::test]
async fn pages_are_revalidated_with_etags() {
    let site = Site::fixtures();
    let (status, headers, body) = fetch(&site, "/en/articles/refunds", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let etag = headers[header::ETAG].to_str().expect("etag").to_owned();
    assert!(etag.starts_with("W/\"") && !body.is_empty(), "{etag}");
    let (_, again, _) = fetch(&site, "/en/articles/refunds", &[]).await;
    assert_eq!(again[header::ETAG], etag.as_str(), "the same page, the same validator");
    for encoding in ["identity", "gzip", "br"] {
        let (status, headers, body) = fetch(
            &site,
            "/en/articles/refunds",
            &[(header::IF_NONE_MATCH, &etag), (header::ACCEPT_ENCODING, encoding)],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{encoding}");
        assert!(body.is_empty() && headers[header::ETAG] == etag.as_str(), "{encoding}");
    }
    let (_, other, _) = fetch(&site, "/en/articles/invoices", &[]).await;
    assert_ne!(other[header::ETAG], etag.as_str(), "another page, another validator");
    let (status, _, _) = fetch(&site, "/en/articles/refunds", &[(header::IF_NONE_MATCH, "W/\"stale\"")]).await;
    assert_eq!(status, StatusCode::OK, "a stale validator gets the page");
}
