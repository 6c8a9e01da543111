//! Focused search-quality behaviours: typo tolerance, synonyms (and their live reload),
//! CJK width and spacing variants, stop words, category facets, locale fallback.

use axum::http::StatusCode;

use crate::support::{Site, copy_dir, encode, repo};

const SYNONYMS: &str = "[en]\nequivalent = [[\"refund\", \"reimbursement\"]]\n[en.expand]\n\"otp\" = [\"authenticator\"]\n[ja]\nequivalent = [[\"返金\", \"払い戻し\"]]\n[ko]\nequivalent = [[\"환불\", \"환급\"]]\n";

fn with_synonyms() -> Site {
    Site::with(|a| {
        copy_dir(&repo().join("tests/fixtures/articles"), a);
        std::fs::write(a.join("_synonyms.toml"), SYNONYMS).expect("write synonyms");
    })
}

async fn api(site: &Site, q: &str, locale: &str) -> serde_json::Value {
    let (status, json) = site.json(&format!("/api/search?{}", encode(&[("q", q), ("locale", locale)]))).await;
    assert_eq!(status, StatusCode::OK);
    json
}

#[tokio::test]
async fn typos_are_corrected_and_the_page_says_so() {
    let site = Site::fixtures();
    let json = api(&site, "pasword reset", "en").await;
    assert_eq!(json["corrected"], "password reset");
    assert_eq!(json["hits"][0]["slug"], "reset-password");
    assert_eq!(api(&site, "refnd", "en").await["hits"][0]["slug"], "refunds", "one typo from 5 letters");
    assert_eq!(api(&site, "authenticatr", "en").await["hits"][0]["slug"], "two-factor");
    assert_eq!(api(&site, "atuhenticator", "en").await["hits"][0]["slug"], "two-factor", "transposition");
    assert_eq!(api(&site, "autenticatr", "en").await["hits"][0]["slug"], "two-factor", "two typos from 9 letters");
    assert!(api(&site, "rfnd", "en").await["corrected"].is_null(), "no typo budget under 5 letters");
    assert!(api(&site, "passwords", "en").await["corrected"].is_null(), "known stems are not corrected");

    let (_, _, page) = site.get("/en/search?q=pasword").await;
    assert!(page.contains("Showing results for"), "correction notice");
    assert!(page.contains("exact=1"), "search-instead link");
    let (_, _, exact) = site.get("/en/search?q=pasword&exact=1").await;
    assert!(
        !exact.contains("Showing results for") && exact.contains("No articles match"),
        "exact search is not corrected"
    );
}

#[tokio::test]
async fn exact_matches_rank_above_fuzzy_ones() {
    let site = Site::fixtures();
    // `refund` exists: no correction, and the exact article leads.
    let json = api(&site, "refund", "en").await;
    assert!(json["corrected"].is_null());
    assert_eq!(json["hits"][0]["slug"], "refunds");
}

#[tokio::test]
async fn synonyms_apply_per_locale_and_reload_without_restart() {
    let site = with_synonyms();
    assert_eq!(api(&site, "reimbursement", "en").await["hits"][0]["slug"], "refunds", "two-way");
    assert_eq!(api(&site, "otp", "en").await["hits"][0]["slug"], "two-factor", "one-way");
    assert_eq!(api(&site, "払い戻しを受けたい", "ja").await["hits"][0]["slug"], "refunds", "CJK term inside a run");
    assert_eq!(api(&site, "환급", "ko").await["hits"][0]["slug"], "refunds");
    assert!(
        api(&site, "authenticator", "en").await["hits"]
            .as_array()
            .is_some_and(|h| h.iter().all(|h| h["slug"] != "reset-password"))
    );

    std::fs::write(site.articles().join("_synonyms.toml"), "[en]\nequivalent = [[\"invoices\", \"statements\"]]\n")
        .expect("rewrite");
    site.reload();
    assert_eq!(api(&site, "statements", "en").await["hits"][0]["slug"], "invoices", "new synonym live");
    assert!(api(&site, "reimbursement", "en").await["hits"].as_array().is_some_and(Vec::is_empty), "old one gone");

    std::fs::write(site.articles().join("_synonyms.toml"), "[en]\nequivalent = [[\"a\" \n").expect("break");
    site.reload();
    assert_eq!(
        api(&site, "statements", "en").await["hits"][0]["slug"],
        "invoices",
        "broken file keeps the last good synonyms"
    );
    assert!(site.state.catalog().preview.problems.iter().any(|p| p.path.ends_with("_synonyms.toml")));
}

#[tokio::test]
async fn cjk_width_and_spacing_variants_find_the_same_article() {
    let site = Site::fixtures();
    for q in ["パスワード", "ﾊﾟｽﾜｰﾄﾞ", "パスワード 再設定", "パスワードの再設定方法"]
    {
        assert_eq!(api(&site, q, "ja").await["hits"][0]["slug"], "reset-password", "ja {q}");
    }
    for q in ["비밀번호 재설정", "비밀번호재설정", "비밀번호를 재설정하고 싶어요"] {
        assert_eq!(api(&site, q, "ko").await["hits"][0]["slug"], "reset-password", "ko {q}");
    }
    for q in ["ＲＥＦＵＮＤ", "Refunds", "refund "] {
        assert_eq!(api(&site, q, "en").await["hits"][0]["slug"], "refunds", "en {q}");
    }
}

#[tokio::test]
async fn stop_words_never_make_a_query_unfindable() {
    let site = Site::fixtures();
    assert_eq!(api(&site, "how do i reset my password", "en").await["hits"][0]["slug"], "reset-password");
    let only_stop = api(&site, "can you", "en").await;
    assert!(only_stop["total"].as_u64().unwrap_or(0) >= 1, "a query of stop words still matches: {only_stop}");
    assert_eq!(only_stop["hits"][0]["slug"], "reset-password", "the article that has them");
}

#[tokio::test]
async fn category_facets_and_filters() {
    let site = Site::fixtures();
    let json = api(&site, "password billing invoices refund", "en").await;
    let counts: Vec<(String, u64)> = json["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| (c["category"].as_str().unwrap_or("").to_owned(), c["count"].as_u64().unwrap_or(0)))
        .collect();
    assert!(counts.contains(&("billing".into(), 2)), "{counts:?}");
    assert!(counts.iter().any(|(c, _)| c == "account"), "{counts:?}");
    let (_, filtered) = site.json("/api/search?q=password+billing+invoices+refund&locale=en&category=billing").await;
    let hits = filtered["hits"].as_array().expect("hits");
    assert!(!hits.is_empty() && hits.iter().all(|h| h["category"] == "billing"), "{filtered}");
    assert_eq!(filtered["total"], 2);
    assert_eq!(filtered["categories"], json["categories"], "counts ignore the active filter");
    let (_, _, page) = site.get("/en/search?q=password+billing+invoices+refund&category=billing").await;
    assert!(page.contains("aria-current=\"true\">Billing <span>2</span>"), "active chip with count");
}

#[tokio::test]
async fn a_locales_own_articles_come_before_the_default_locale_fallback() {
    let site = Site::fixtures();
    // `authenticator` is only in the English two-factor article (not translated to Japanese).
    let json = api(&site, "authenticator", "ja").await;
    assert_eq!(json["hits"][0]["url"], "/en/articles/two-factor");
    assert_eq!(json["hits"][0]["locale"], "en");
    // `30` is in the Japanese refunds article and in the English one; the translation wins
    // and the English original is not offered twice.
    let json = api(&site, "30", "ja").await;
    assert_eq!(json["hits"][0]["url"], "/ja/articles/refunds");
    assert!(json["hits"].as_array().expect("hits").iter().all(|h| h["url"] != "/en/articles/refunds"), "{json}");
    let (_, _, page) = site.get("/ja/search?q=authenticator").await;
    assert!(page.contains("badge-language") && page.contains("English"), "fallback marked with its language");
}

/// With more matching articles of its own than a page of candidates, a locale's search
/// still counts the matching English originals it has no translation of (in the total and
/// the category chips): the fallback's counting pass then runs without scores.
#[tokio::test]
async fn the_fallback_still_counts_when_the_own_locale_fills_every_candidate() {
    let site = Site::with(|a| {
        for i in 0..40 {
            let dir = a.join("ja/guides");
            std::fs::create_dir_all(&dir).expect("dir");
            let body = format!("---\ntitle: 請求書の設定 {i}\n---\n\n請求書の送付先を変更します。\n");
            std::fs::write(dir.join(format!("invoice-{i}.md")), body).expect("write ja");
        }
        for i in 0..5 {
            let dir = a.join("en/billing");
            std::fs::create_dir_all(&dir).expect("dir");
            let body = format!("---\ntitle: Invoice settings {i}\n---\n\n請求書 is invoice in Japanese.\n");
            std::fs::write(dir.join(format!("en-invoice-{i}.md")), body).expect("write en");
        }
    });
    let json = api(&site, "請求書", "ja").await;
    assert_eq!(json["total"], 45, "40 own articles and 5 untranslated originals: {json}");
    let categories = json["categories"].as_array().expect("categories");
    let count = |name: &str| categories.iter().find(|c| c["category"] == name).map(|c| c["count"].clone());
    assert_eq!(count("guides"), Some(40.into()), "{json}");
    assert_eq!(count("billing"), Some(5.into()), "{json}");
    assert!(json["hits"].as_array().expect("hits").iter().all(|h| h["locale"] == "ja"), "own articles first: {json}");
}

#[tokio::test]
async fn field_weights_from_the_config_are_applied() {
    let weights =
        helpcenter::search::query::FieldWeights { title: 0.0, keywords: 0.0, headings: 0.0, body: 1.0, section: 1.0 };
    let site = Site::with_config(|a| copy_dir(&repo().join("tests/fixtures/articles"), a), |c| c.weights = weights);
    // "locked out" is only a keyword of reset-password; with keywords weighted 0 it is not searched.
    assert!(api(&site, "locked out", "en").await["hits"].as_array().is_some_and(Vec::is_empty));
    assert_eq!(api(&site, "locked out", "en").await["total"], 0);
    assert_eq!(
        api(&Site::fixtures(), "locked out", "en").await["hits"][0]["slug"],
        "reset-password",
        "default weights find it"
    );
}
