//! `/api/suggest`: articles by title, keyword and heading (last word as a prefix, typos from
//! 5 letters, CJK prefixes), popular-query completions, and keystroke logging.

use axum::http::StatusCode;
use helpcenter::searchlog::event::now;
use helpcenter::searchlog::{Event, Source};

use crate::support::{Site, backends, encode, flush, logged_site, search_event, store};

async fn suggest(site: &Site, q: &str, locale: &str) -> serde_json::Value {
    let (status, json) = site.json(&format!("/api/suggest?{}", encode(&[("q", q), ("locale", locale)]))).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    json
}

fn urls(json: &serde_json::Value) -> Vec<String> {
    json["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .filter(|s| s["kind"] == "article")
        .filter_map(|s| s["url"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn articles_match_titles_keywords_and_headings_with_a_prefix() {
    let site = Site::fixtures();
    let json = suggest(&site, "reset pa", "en").await;
    assert_eq!(json["query"], "reset pa");
    let first = &json["suggestions"][0];
    assert_eq!(first["kind"], "article");
    assert_eq!(first["title"], "Reset your password");
    assert_eq!(first["url"], "/en/articles/reset-password");
    assert_eq!(first["category"], "account");
    assert_eq!(first["highlight"], "<mark>Reset</mark> your <mark>pa</mark>ssword");
    // A keyword ("locked out") and a heading ("Recovery codes" → #recovery-codes).
    assert_eq!(urls(&suggest(&site, "locked o", "en").await)[0], "/en/articles/reset-password");
    assert_eq!(urls(&suggest(&site, "recovery co", "en").await)[0], "/en/articles/two-factor#recovery-codes");
    assert!(urls(&suggest(&site, "annual plans", "en").await).is_empty(), "body text is not suggested");
}

#[tokio::test]
async fn typos_are_tolerated_from_five_letters() {
    let site = Site::fixtures();
    assert_eq!(urls(&suggest(&site, "passwrd", "en").await)[0], "/en/articles/reset-password");
    assert_eq!(urls(&suggest(&site, "authentica", "en").await)[0], "/en/articles/two-factor", "prefix");
    assert_eq!(urls(&suggest(&site, "autenticati", "en").await)[0], "/en/articles/two-factor", "prefix with a typo");
    assert!(urls(&suggest(&site, "pasw", "en").await).is_empty(), "no typo budget under 5 letters");
}

#[tokio::test]
async fn cjk_prefixes_suggest_articles() {
    let site = Site::fixtures();
    assert_eq!(urls(&suggest(&site, "パスワ", "ja").await)[0], "/ja/articles/reset-password");
    assert_eq!(urls(&suggest(&site, "ﾊﾟｽﾜ", "ja").await)[0], "/ja/articles/reset-password", "half-width");
    assert_eq!(urls(&suggest(&site, "返", "ja").await)[0], "/ja/articles/refunds", "one character");
    assert_eq!(urls(&suggest(&site, "비밀", "ko").await)[0], "/ko/articles/reset-password");
    let json = suggest(&site, "パスワ", "ja").await;
    assert!(json["suggestions"][0]["highlight"].as_str().unwrap_or("").contains("<mark>パスワ</mark>"));
}

#[tokio::test]
async fn bad_input_is_harmless() {
    let site = Site::fixtures();
    assert!(suggest(&site, "", "en").await["suggestions"].as_array().is_some_and(Vec::is_empty));
    for q in ["\"(:*", "<script>", &"x".repeat(5000), "😀"] {
        let json = suggest(&site, q, "en").await;
        assert!(!json["suggestions"].to_string().contains("<script>"), "highlights are escaped HTML");
    }
    assert_eq!(site.json("/api/suggest?q=a&locale=zz").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(site.json("/api/suggest?q=a&limit=500").await.0, StatusCode::BAD_REQUEST);
    let (_, json) = site.json("/api/suggest?q=re&locale=en&limit=1").await;
    assert_eq!(json["suggestions"].as_array().map(Vec::len), Some(1));
}

fn logged_search(q: &str, results: i64, visit: &str) -> Event {
    Event::Search(search_event(q, results, visit, Source::Page, 3600))
}

#[tokio::test]
async fn completions_come_from_popular_answered_searches_only() {
    for backend in backends().await {
        let site = logged_site(&backend.url);
        let s = store(&site);
        s.migrate().await.expect("migrate");
        let mut events = Vec::new();
        for v in 0..5 {
            events.push(logged_search("refund policy", 3, &format!("v{v}")));
            events.push(logged_search("refund never arrived", 0, &format!("v{v}")));
            events.push(logged_search("refund for [email]", 2, &format!("v{v}")));
        }
        events.push(logged_search("refund my order 42", 1, "lonely"));
        s.insert(&events).await.expect("seed");
        assert!(site.state.refresh_completions().await.expect("refresh") >= 1);
        let json = suggest(&site, "refund", "en").await;
        let queries: Vec<&str> = json["suggestions"]
            .as_array()
            .expect("list")
            .iter()
            .filter(|s| s["kind"] == "query")
            .filter_map(|s| s["text"].as_str())
            .collect();
        assert_eq!(queries, vec!["refund policy"], "{}: answered, popular, no personal data", backend.name);
    }
}

#[tokio::test]
async fn keystrokes_are_logged_as_one_search() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = logged_site(&format!("sqlite://{}", dir.path().join("log.db").display()));
    let visit = "hc_visit=0123456789abcdef0123456789abcdef";
    let typed = "reset password";
    for end in 1..=typed.len() {
        let request =
            axum::http::Request::get(format!("/api/suggest?{}", encode(&[("q", &typed[..end]), ("locale", "en")])))
                .header(axum::http::header::COOKIE, visit)
                .body(axum::body::Body::empty())
                .expect("req");
        site.send(request).await;
    }
    flush(&site).await;
    let data = store(&site).load(0, now() + 10, None).await.expect("load");
    let queries: Vec<(&str, &str, i64)> = data.searches.iter().map(|s| (s.3.as_str(), s.7.as_str(), s.5)).collect();
    assert_eq!(queries.len(), 1, "{queries:?}");
    assert_eq!((queries[0].0, queries[0].1), ("reset password", "typeahead"));
    assert!(queries[0].2 >= 1, "with its result count");
    // Typing then pressing Enter is one search: the submitted one.
    let request = |uri: String| {
        axum::http::Request::get(uri)
            .header(axum::http::header::COOKIE, "hc_visit=fedcba9876543210fedcba9876543210")
            .body(axum::body::Body::empty())
            .expect("req")
    };
    site.send(request(format!("/api/suggest?{}", encode(&[("q", "invoi"), ("locale", "en")])))).await;
    site.send(request("/en/search?q=invoices".into())).await;
    flush(&site).await;
    let data = store(&site).load(0, now() + 10, None).await.expect("load");
    let invoices: Vec<&str> = data.searches.iter().filter(|s| s.3.starts_with("invoi")).map(|s| s.7.as_str()).collect();
    assert_eq!(invoices, vec!["page"]);
}
