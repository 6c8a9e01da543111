//! Search through `/api/search`: JSON shape, locales, CJK, paging and hostile input.

use axum::http::StatusCode;

use crate::support::{Site, encode};

#[tokio::test]
async fn api_search_returns_the_documented_shape() {
    let site = Site::fixtures();
    let (status, json) = site.json("/api/search?q=refund&locale=en").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["query"], "refund");
    assert_eq!(json["locale"], "en");
    assert!(json["total"].as_u64().unwrap_or(0) >= 1);
    let hit = &json["hits"][0];
    assert_eq!(hit["slug"], "refunds");
    assert_eq!(hit["title"], "Request a refund");
    assert_eq!(hit["url"], "/en/articles/refunds");
    assert_eq!(hit["category"], "billing");
    assert!(hit["snippet"].as_str().unwrap_or("").contains("<mark>"), "{hit}");
}

#[tokio::test]
async fn results_are_the_locales_own_then_untranslated_default_locale_articles() {
    let site = Site::fixtures();
    // "30" appears in en, ja and ko refund articles.
    for locale in ["en", "ja", "ko"] {
        let (_, json) = site.json(&format!("/api/search?q=30&locale={locale}")).await;
        let hits = json["hits"].as_array().cloned().unwrap_or_default();
        assert!(!hits.is_empty(), "{locale}");
        assert_eq!(hits[0]["url"], format!("/{locale}/articles/refunds"), "{locale}: own article first");
        let own = hits.iter().take_while(|h| h["locale"] == locale).count();
        assert!(hits[own..].iter().all(|h| h["locale"] == "en"), "{locale}: then default-locale fallbacks: {json}");
    }
}

#[tokio::test]
async fn japanese_and_korean_match_without_spaces() {
    let site = Site::fixtures();
    assert_eq!(site.search_slugs("パスワード", "ja").await.first().map(String::as_str), Some("reset-password"));
    assert_eq!(
        site.search_slugs("パスワードの再設定方法", "ja").await.first().map(String::as_str),
        Some("reset-password")
    );
    assert_eq!(site.search_slugs("返金", "ja").await.first().map(String::as_str), Some("refunds"));
    assert_eq!(site.search_slugs("비밀번호재설정", "ko").await.first().map(String::as_str), Some("reset-password"));
    assert_eq!(site.search_slugs("환불", "ko").await.first().map(String::as_str), Some("refunds"));
}

#[tokio::test]
async fn title_and_keywords_outrank_body_mentions() {
    let site = Site::fixtures();
    // "locked out" is only a keyword of reset-password.
    assert_eq!(site.search_slugs("locked out", "en").await.first().map(String::as_str), Some("reset-password"));
    // "login" is a tag of two articles; the title match wins for "two-factor".
    assert_eq!(site.search_slugs("two-factor", "en").await.first().map(String::as_str), Some("two-factor"));
}

#[tokio::test]
async fn limit_and_offset_page_through_results() {
    let site = Site::fixtures();
    let (_, all) = site.json("/api/search?q=password+billing+refund+invoices&locale=en&limit=10").await;
    let total = all["total"].as_u64().unwrap_or(0);
    assert!(total >= 3, "{all}");
    let (_, first) = site.json("/api/search?q=password+billing+refund+invoices&locale=en&limit=1").await;
    let (_, second) = site.json("/api/search?q=password+billing+refund+invoices&locale=en&limit=1&offset=1").await;
    assert_eq!(first["hits"].as_array().map(Vec::len), Some(1));
    assert_eq!(first["total"], total);
    assert_eq!(first["hits"][0], all["hits"][0]);
    assert_eq!(second["hits"][0], all["hits"][1]);
}

#[tokio::test]
async fn bad_parameters_are_clear_400s() {
    let site = Site::fixtures();
    for uri in [
        "/api/search?q=x&limit=abc",
        "/api/search?q=x&limit=100000",
        "/api/search?q=x&offset=-1",
        "/api/search?q=x&locale=zz",
    ] {
        let (status, json) = site.json(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(json["error"].is_string(), "{uri}: {json}");
    }
}

#[tokio::test]
async fn hostile_queries_return_normal_pages() {
    let site = Site::fixtures();
    let junk: String = (0..10_240).map(|i| char::from(b'!' + (i % 90) as u8)).collect();
    let queries = [
        "\"",
        "\"unclosed phrase",
        ":",
        "title:",
        "(",
        "((a)",
        "AND",
        "a AND OR NOT b",
        "*",
        "pass*",
        "~2",
        "a^10",
        "[1 TO 5]",
        "😀🔥",
        "\u{0}",
        "%",
        "\\",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        junk.as_str(),
    ];
    for q in queries {
        for locale in ["en", "ja"] {
            let page = format!("/{locale}/search?{}", encode(&[("q", q)]));
            let (status, _, body) = site.get(&page).await;
            assert_eq!(status, StatusCode::OK, "page {q:.40}");
            assert!(!body.contains("<script>alert(1)"), "query is escaped");
            let api = format!("/api/search?{}", encode(&[("q", q), ("locale", locale)]));
            let (status, json) = site.json(&api).await;
            assert_eq!(status, StatusCode::OK, "api {q:.40}");
            assert!(json["hits"].is_array());
        }
    }
    // Invalid percent-encoding and invalid UTF-8 in the query string.
    for raw in ["/en/search?q=%FF%FE", "/en/search?q=%", "/en/search?q=%zz&page=999999999999999999999"] {
        assert_eq!(site.get(raw).await.0, StatusCode::OK, "{raw}");
    }
}
