//! Drafts are hidden from the public and shown, marked, to previews.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::support::{Site, copy_dir, repo};

fn with_draft(articles: &std::path::Path) {
    copy_dir(&repo().join("tests/fixtures/articles"), articles);
    std::fs::write(
        articles.join("en/billing/coupons.md"),
        "---\ntitle: Apply a coupon\ndraft: true\ntags: [billing]\n---\nEnter the rambutan coupon code at checkout.\n",
    )
    .expect("write draft");
}

#[tokio::test]
async fn drafts_are_hidden_from_the_public() {
    let site = Site::with(with_draft);
    assert_eq!(site.get("/en/articles/coupons").await.0, StatusCode::NOT_FOUND);
    assert!(site.search_slugs("rambutan", "en").await.is_empty());
    let (_, _, category) = site.get("/en/categories/billing").await;
    assert!(!category.contains("coupons"));
    assert_eq!(site.json("/healthz").await.1["articles"], 8);
}

#[tokio::test]
async fn drafts_are_visible_and_marked_with_serve_drafts() {
    let site = Site::with_config(with_draft, |c| c.drafts = true);
    let (status, _, page) = site.get("/en/articles/coupons").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("badge-draft"), "marked as a draft");
    assert_eq!(site.search_slugs("rambutan", "en").await, ["coupons"]);
    let (_, json) = site.json("/api/search?q=rambutan&locale=en").await;
    assert_eq!(json["hits"][0]["draft"], true);
}

#[tokio::test]
async fn drafts_are_visible_to_an_admin_session() {
    let site =
        Site::with_config(with_draft, |c| c.admin_token = helpcenter::config::Secret(crate::support::TOKEN.into()));
    let as_admin = |uri: &str| {
        Request::get(uri)
            .header(header::AUTHORIZATION, format!("Bearer {}", crate::support::TOKEN))
            .body(Body::empty())
            .expect("req")
    };
    let (status, _, page) = site.send(as_admin("/en/articles/coupons")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("badge-draft"));
    let (_, _, body) = site.send(as_admin("/api/search?q=rambutan&locale=en")).await;
    assert!(body.contains("\"slug\":\"coupons\""), "{body}");
    // A wrong token is an anonymous visitor.
    let wrong = Request::get("/en/articles/coupons").header(header::AUTHORIZATION, "Bearer nope").body(Body::empty());
    assert_eq!(site.send(wrong.expect("req")).await.0, StatusCode::NOT_FOUND);
}
