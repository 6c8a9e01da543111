//! `/api/suggest`: articles by title, keyword and heading (last word as a prefix, typos from
//! 5 letters, CJK prefixes), popular-query completions, and keystroke logging.

use axum::http::StatusCode;
use helpcenter::searchlog::event::now;

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
    // Typed again, from the remembered term matches: the same answer.
    let again = suggest(&site, "recovery co", "en").await;
    assert_eq!(urls(&again)[0], "/en/articles/two-factor#recovery-codes", "remembered matches");
    // Body text answers too (whole words, the last one a prefix).
    assert_eq!(urls(&suggest(&site, "annual pla", "en").await)[0], "/en/articles/refunds", "body words");
    assert_eq!(urls(&suggest(&site, "business da", "en").await)[0], "/en/articles/refunds", "a section body");
    // Never empty while an article shares a word: the best partial match stands in.
    assert_eq!(urls(&suggest(&site, "annual qqqzzz", "en").await)[0], "/en/articles/refunds", "partial match");
    assert!(urls(&suggest(&site, "qqqzzz", "en").await).is_empty(), "no word in common, no article");
}

#[tokio::test]
async fn typos_are_tolerated_from_five_letters() {
    let site = Site::fixtures();
    assert_eq!(urls(&suggest(&site, "passwrd", "en").await)[0], "/en/articles/reset-password");
    assert_eq!(urls(&suggest(&site, "authentica", "en").await)[0], "/en/articles/two-factor", "prefix");
    assert_eq!(urls(&suggest(&site, "autenticati", "en").await)[0], "/en/articles/two-factor", "prefix with a typo");
    assert!(urls(&suggest(&site, "pasw", "en").await).is_empty(), "no typo budget under 5 letters");
    // Keystrokes after a misspelled word look it up again (from the typo cache, once warm):
    // the same answer every time, whatever else is typed after it.
    let first = suggest(&site, "passwrd", "en").await;
    assert_eq!(suggest(&site, "passwrd", "en").await["suggestions"], first["suggestions"], "a repeated typo");
    for typed in ["passwrd r", "passwrd re", "passwrd res"] {
        assert_eq!(urls(&suggest(&site, typed, "en").await)[0], "/en/articles/reset-password", "{typed}");
    }
}

#[tokio::test]
async fn cjk_prefixes_suggest_articles() {
    let site = Site::fixtures();
    assert_eq!(urls(&suggest(&site, "パスワ", "ja").await)[0], "/ja/articles/reset-password");
    assert_eq!(urls(&suggest(&site, "ﾊﾟｽﾜ", "ja").await)[0], "/ja/articles/reset-password", "half-width");
    assert_eq!(urls(&suggest(&site, "返", "ja").await)[0], "/ja/articles/refunds", "one character");
    assert_eq!(urls(&suggest(&site, "비밀", "ko").await)[0], "/ko/articles/reset-password");
    // Typed as an IME leaves it: a syllable still being composed, a bare first letter,
    // hiragana for a katakana word, a prefix ending in a long-vowel mark.
    assert_eq!(urls(&suggest(&site, "비밀번ㅎ", "ko").await)[0], "/ko/articles/reset-password", "bare final letter");
    assert_eq!(
        urls(&suggest(&site, "비미", "ko").await)[0],
        "/ko/articles/reset-password",
        "syllable without its final"
    );
    assert_eq!(urls(&suggest(&site, "ぱすわ", "ja").await)[0], "/ja/articles/reset-password", "hiragana");
    assert_eq!(urls(&suggest(&site, "パスワー", "ja").await)[0], "/ja/articles/reset-password", "long vowel");
    let json = suggest(&site, "パスワ", "ja").await;
    assert!(json["suggestions"][0]["highlight"].as_str().unwrap_or("").contains("<mark>パスワ</mark>"));
}

#[tokio::test]
async fn a_product_name_typed_in_hangul_finds_its_latin_spelling() {
    let site = Site::with(|a| {
        crate::support::copy_dir(&crate::support::repo().join("tests/fixtures/articles"), a);
        std::fs::write(
            a.join("ko/account/lighthouse.md"),
            "---\ntitle: Lighthouse 보고서 읽기\n---\nLighthouse 점수는 성능을 보여 줍니다.\n",
        )
        .expect("write");
    });
    // Still composing the fourth syllable, and typed out whole: neither is in the articles.
    for q in ["라이트하ㅇ", "라이트하우스 "] {
        assert_eq!(
            urls(&suggest(&site, q, "ko").await).first().map(String::as_str),
            Some("/ko/articles/lighthouse"),
            "{q}"
        );
    }
    assert!(
        urls(&suggest(&site, "비밀번호", "ko").await).iter().all(|u| u != "/ko/articles/lighthouse"),
        "only when nothing matches"
    );
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

/// A GET as a browser keeping the visit cookie `visit` (or none) sends it.
fn browser_get(uri: &str, visit: Option<&str>) -> axum::http::Request<axum::body::Body> {
    let mut request = axum::http::Request::get(uri);
    if let Some(v) = visit {
        request = request.header(axum::http::header::COOKIE, format!("hc_visit={v}"));
    }
    request.body(axum::body::Body::empty()).expect("request")
}

fn visit_id(n: usize) -> String {
    format!("{n:032x}")
}

fn query_suggestions(json: &serde_json::Value) -> Vec<String> {
    json["suggestions"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|s| s["kind"] == "query")
        .filter_map(|s| s["text"].as_str().map(str::to_owned))
        .collect()
}

/// Through the real router: what visitors search becomes a completion only when enough
/// visits that read an article asked it, every word is one the articles use, it found
/// answers and nothing in it was redacted.
#[tokio::test]
async fn completions_come_from_readers_known_words_and_answered_searches_only() {
    for backend in backends().await {
        let site = logged_site(&backend.url);
        // Before anything was written: the first refresh applies the migrations itself.
        assert_eq!(site.state.refresh_completions().await.expect("first refresh on a new database"), 0);
        let mut n = 0;
        let mut visit = |reads: bool, searches: &[&str]| {
            n += 1;
            let id = visit_id(n);
            let mut requests = Vec::new();
            if reads {
                requests.push(browser_get("/en/articles/refunds", Some(&id)));
            }
            for q in searches {
                requests.push(browser_get(&format!("/en/search?{}", encode(&[("q", q)])), Some(&id)));
            }
            requests
        };
        let mut requests = Vec::new();
        for _ in 0..4 {
            // Readers asking answered questions in the articles' words: the one completion.
            requests.extend(visit(true, &["refund window"]));
            // A word no article uses (an attacker's domain), a redacted e-mail address, and
            // a question nothing answers.
            requests.extend(visit(true, &["refund at evilexample login", "refund for me@example.com", "quantum flux"]));
            // Visits that never read an article.
            requests.extend(visit(false, &["refund card"]));
        }
        // A script repeating a search without keeping the cookie: a new visit every time.
        for _ in 0..6 {
            requests.push(browser_get(&format!("/en/search?{}", encode(&[("q", "refund timing")])), None));
        }
        for request in requests {
            site.send(request).await;
        }
        flush(&site).await;
        let logged = store(&site).load(0, now() + 10, None).await.expect("load").searches.len();
        assert_eq!(logged, 4 * 5 + 6, "{}: every search is logged", backend.name);
        assert_eq!(site.state.refresh_completions().await.expect("refresh"), 1, "{}", backend.name);
        let json = suggest(&site, "refund", "en").await;
        assert_eq!(query_suggestions(&json), vec!["refund window"], "{}", backend.name);
        for q in ["refund ti", "refund ca", "refund at", "quantum"] {
            assert!(query_suggestions(&suggest(&site, q, "en").await).is_empty(), "{}: {q}", backend.name);
        }
    }
}

/// A popular question that once found nothing (an article briefly in draft) stays a
/// completion; one that mostly finds nothing never becomes one.
#[tokio::test]
async fn a_completion_survives_a_rare_miss_but_not_a_frequent_one() {
    use helpcenter::searchlog::{Event, Source, ViewEvent};
    for backend in backends().await {
        let store = helpcenter::searchlog::Store::connect_lazy(&backend.url).expect("store");
        store.migrate().await.expect("migrate");
        let mut events = Vec::new();
        let mut n = 0;
        let mut asked = |q: &str, results: i64, events: &mut Vec<Event>| {
            n += 1;
            let visit = visit_id(n);
            let search = search_event(q, results, &visit, Source::Page, 60);
            events.push(Event::View(ViewEvent {
                at: search.at,
                locale: "en".into(),
                slug: "refunds".into(),
                search_id: None,
                visit: visit.clone(),
            }));
            events.push(Event::Search(search));
        };
        for i in 0..12 {
            asked("refund window", 3, &mut events);
            asked("refund card", if i % 2 == 0 { 0 } else { 2 }, &mut events);
        }
        asked("refund window", 0, &mut events);
        store.insert(&events).await.expect("insert");
        let popular = helpcenter::searchlog::completions::popular(&store, (now(), 30), 3, 10, |_, _| true)
            .await
            .expect("popular");
        let en: Vec<&str> = popular.get("en").into_iter().flatten().map(|(q, _)| q.as_str()).collect();
        assert_eq!(en, ["refund window"], "{}: one miss in 13 is kept, one in 2 is not", backend.name);
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
    // A Korean syllable still being composed (`비밀번ㅎ`) is answered but never logged.
    let composing =
        axum::http::Request::get(format!("/api/suggest?{}", encode(&[("q", "비밀번ㅎ"), ("locale", "ko")])))
            .header(axum::http::header::COOKIE, "hc_visit=00000000000000000000000000000abc")
            .body(axum::body::Body::empty())
            .expect("req");
    let (_, _, body) = site.send(composing).await;
    assert!(body.contains("\"search_id\":null"), "{body}");
    flush(&site).await;
    let data = store(&site).load(0, now() + 10, None).await.expect("load");
    let queries: Vec<(&str, &str, i64)> =
        data.searches.iter().map(|s| (s.query.as_str(), s.source.as_str(), s.results)).collect();
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
    let invoices: Vec<&str> =
        data.searches.iter().filter(|s| s.query.starts_with("invoi")).map(|s| s.source.as_str()).collect();
    assert_eq!(invoices, vec!["page"]);
}

/// Korean compounds are written with and without a space: either way of typing finds the
/// other way of writing, in titles and headings.
#[tokio::test]
async fn korean_spacing_variants_meet() {
    let site = Site::with(|a| {
        crate::support::copy_dir(&crate::support::repo().join("tests/fixtures/articles"), a);
        std::fs::write(
            a.join("ko/account/web-fonts.md"),
            "---\ntitle: 웹 폰트 설정하기\n---\n글꼴을 바꿉니다.\n\n## 서비스워커 캐시\n\n오프라인에서도 씁니다.\n",
        )
        .expect("article");
    });
    for typed in ["웹폰트", "웹폰", "웹 폰트", "웹 폰"] {
        assert_eq!(
            urls(&suggest(&site, typed, "ko").await).first().map(String::as_str),
            Some("/ko/articles/web-fonts"),
            "{typed}"
        );
    }
    for typed in ["서비스 워커", "서비스 워", "서비스워커"] {
        assert!(
            urls(&suggest(&site, typed, "ko").await).iter().any(|u| u.starts_with("/ko/articles/web-fonts")),
            "{typed}: the unspaced heading"
        );
    }
}
