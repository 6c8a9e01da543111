//! The admin area: token or loopback-only access, sessions, the content problems page, and
//! live reload for writers.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use helpcenter::config::Secret;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::{Site, copy_dir, repo};

/// Sends `request` as if from `peer`, to `Host: 127.0.0.1` unless it names another host.
async fn send_from(site: &Site, peer: &str, mut request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let addr: SocketAddr = peer.parse().expect("addr");
    if !request.headers().contains_key(header::HOST) {
        request.headers_mut().insert(header::HOST, "127.0.0.1".parse().expect("host"));
    }
    let app = site.app().layer(MockConnectInfo(addr));
    let response = app.oneshot(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("req")
}

#[tokio::test]
async fn without_a_token_admin_is_loopback_only() {
    let site = Site::fixtures();
    assert_eq!(send_from(&site, "203.0.113.9:5000", get("/admin/")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(site.get("/admin/").await.0, StatusCode::FORBIDDEN, "unknown peer is not loopback");
    let (status, _, body) = send_from(&site, "127.0.0.1:5000", get("/admin/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("documents in the index"));
    // Behind a proxy every request comes from loopback: proxy headers never count as local.
    let proxied = Request::get("/admin/").header("x-forwarded-for", "198.51.100.7").body(Body::empty()).expect("req");
    assert_eq!(send_from(&site, "127.0.0.1:5000", proxied).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn with_a_token_admin_needs_it_even_from_loopback() {
    let site = Site::with_config(
        |a| copy_dir(&repo().join("tests/fixtures/articles"), a),
        |c| c.admin_token = Secret(crate::support::TOKEN.into()),
    );
    let (status, headers, body) = send_from(&site, "127.0.0.1:5000", get("/admin/problems")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    assert!(body.contains("name=\"token\""), "login form shown");

    let bearer =
        |t: &str| Request::get("/admin/").header(header::AUTHORIZATION, format!("Bearer {t}")).body(Body::empty());
    assert_eq!(site.send(bearer("wrong").expect("req")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(site.send(bearer(crate::support::TOKEN).expect("req")).await.0, StatusCode::OK);

    let login = |token: &str| {
        Request::post("/admin/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}")))
            .expect("req")
    };
    assert_eq!(site.send(login("nope")).await.0, StatusCode::UNAUTHORIZED);
    let (status, headers, _) = site.send(login(crate::support::TOKEN)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = headers[header::SET_COOKIE].to_str().expect("cookie").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let session = cookie.split(';').next().expect("pair").to_owned();
    let with_cookie = |uri: &str| Request::get(uri).header(header::COOKIE, &session).body(Body::empty()).expect("req");
    assert_eq!(site.send(with_cookie("/admin/problems")).await.0, StatusCode::OK);

    let logout = Request::post("/admin/logout").header(header::COOKIE, &session).body(Body::empty()).expect("req");
    site.send(logout).await;
    assert_eq!(site.send(with_cookie("/admin/problems")).await.0, StatusCode::UNAUTHORIZED, "session ended");
}

#[tokio::test]
async fn problems_page_lists_broken_articles() {
    let site = Site::with(|a| {
        copy_dir(&repo().join("tests/fixtures/articles"), a);
        std::fs::write(a.join("en/billing/broken.md"), "---\ntitle: [oops\n---\n").expect("write");
    });
    let (status, _, body) = send_from(&site, "127.0.0.1:1", get("/admin/problems")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("en/billing/broken.md:2:"), "{body}");
    assert!(body.contains("invalid YAML front matter"));
    let (_, _, dashboard) = send_from(&site, "127.0.0.1:1", get("/admin/")).await;
    assert!(dashboard.contains("content errors"));
}

#[tokio::test]
async fn writer_mode_streams_reload_events_for_changed_pages() {
    let site = Site::with_config(|a| copy_dir(&repo().join("tests/fixtures/articles"), a), |c| c.dev = true);
    let (_, _, page) = site.get("/en/articles/refunds").await;
    assert!(page.contains("/static/live-reload.js"), "writer pages load the live-reload script");

    let response = site.app().oneshot(get("/_dev/events")).await.expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = response.into_body();
    let path = site.articles().join("en/billing/refunds.md");
    let text = std::fs::read_to_string(&path).expect("read").replace("Annual plans", "Yearly plans");
    std::fs::write(&path, text).expect("write");
    site.reload();
    let frame = tokio::time::timeout(Duration::from_secs(5), body.frame()).await.expect("event in time");
    let data = frame.expect("frame").expect("ok").into_data().expect("data");
    let event = String::from_utf8_lossy(&data);
    assert!(event.contains("event: reload") && event.contains("/en/articles/refunds"), "{event}");
}

#[tokio::test]
async fn live_reload_is_off_for_the_public() {
    let site = Site::fixtures();
    assert_eq!(site.get("/_dev/events").await.0, StatusCode::NOT_FOUND);
    let (_, _, page) = site.get("/en/articles/refunds").await;
    assert!(!page.contains("live-reload.js"));
}
