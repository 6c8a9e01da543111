//! The portal's pages and routes through the real router.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::support::{Site, copy_dir, encode, repo};

#[tokio::test]
async fn root_redirects_to_the_visitors_locale() {
    let site = Site::fixtures();
    let req = |lang: &str| Request::get("/").header(header::ACCEPT_LANGUAGE, lang).body(Body::empty()).expect("req");
    let (status, headers, _) = site.send(req("ja-JP,ja;q=0.9,en;q=0.5")).await;
    assert!(status.is_redirection());
    assert_eq!(headers[header::LOCATION], "/ja/");
    let (_, headers, _) = site.send(req("fr-FR, ko;q=0.3")).await;
    assert_eq!(headers[header::LOCATION], "/ko/");
    let (_, headers, _) = site.get("/").await;
    assert_eq!(headers[header::LOCATION], "/en/", "fallback is en");
}

#[tokio::test]
async fn home_lists_categories_with_counts_and_a_search_box() {
    let site = Site::fixtures();
    let (status, _, body) = site.get("/en/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#"action="/en/search""#), "search form");
    assert!(body.contains("Account") && body.contains("Billing"), "categories");
    assert!(body.contains("2 articles"), "article count per category");
    assert!(body.contains("/en/articles/reset-password"), "popular article link");
    assert!(body.contains(r#"<html lang="en">"#));
    // UI text is localised.
    let (_, _, ja) = site.get("/ja/").await;
    assert!(ja.contains("どのようなことでお困りですか"), "ja UI text");
    assert!(ja.contains(r#"<html lang="ja">"#));
    let (_, _, ko) = site.get("/ko/").await;
    assert!(ko.contains("무엇을 도와드릴까요"), "ko UI text");
    // `/en` gets its slash.
    let (status, headers, _) = site.get("/en").await;
    assert_eq!(status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(headers[header::LOCATION], "/en/");
}

#[tokio::test]
async fn search_page_works_without_javascript_in_each_locale() {
    let site = Site::fixtures();
    let (status, _, body) = site.get(&format!("/en/search?{}", encode(&[("q", "reset password")]))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#"href="/en/articles/reset-password""#), "{body}");
    assert!(body.contains("<mark>"), "highlighted snippet");
    let (_, _, ja) = site.get(&format!("/ja/search?{}", encode(&[("q", "パスワード再設定")]))).await;
    assert!(ja.contains(r#"href="/ja/articles/reset-password""#), "ja search: {ja}");
    let (_, _, ko) = site.get(&format!("/ko/search?{}", encode(&[("q", "비밀번호")]))).await;
    assert!(ko.contains(r#"href="/ko/articles/reset-password""#), "ko search: {ko}");
}

#[tokio::test]
async fn no_results_page_suggests_categories_and_contact() {
    let site = Site::fixtures();
    let (status, _, body) = site.get("/en/search?q=xylophone+quokka").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("No articles match your search"));
    assert!(body.contains("/en/categories/billing"), "suggests categories");
    assert!(body.contains(r#"href="/en/contact?q=xylophone+quokka""#), "contact support, carrying the query");
    let (_, headers, _) = site.get("/en/contact?q=xylophone+quokka").await;
    assert_eq!(headers[header::LOCATION], "https://support.example/contact?q=xylophone%20quokka");
    let (_, _, empty) = site.get("/en/search").await;
    assert!(empty.contains("Type a question"), "empty query prompt");
}

#[tokio::test]
async fn article_page_has_everything_a_reader_needs() {
    let site = Site::fixtures();
    let (status, _, body) = site.get("/en/articles/reset-password").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<h1>Reset your password</h1>"));
    assert!(body.contains(r#"href="/en/categories/account""#), "breadcrumb to category");
    assert!(body.contains(r##"href="#request-a-reset-link""##), "table of contents");
    assert!(body.contains(r#"<h2 id="timing">"#), "heading anchors");
    assert!(body.contains(r#"datetime="2026-09-14""#), "updated date");
    assert!(body.contains(r#"href="/en/articles/two-factor""#), "related article by tag");
    assert!(body.contains(r#"href="/ja/articles/reset-password""#), "translation link");
    assert!(body.contains(r#"href="/en/articles/refunds#timing""#), "internal .md link rewritten");
    assert!(body.contains(r#"src="/media/en/billing/images/chart.svg""#), "relative image");
    assert!(body.contains("Was this article helpful?") && body.contains(r#"name="helpful" value="no""#));
    assert!(body.contains(r#"href="/en/contact?slug=reset-password""#) && body.contains("Contact support"));
    let (status, headers, _) = site.get("/en/contact?slug=reset-password").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "https://support.example/contact", "to the configured contact URL");
}

#[tokio::test]
async fn cjk_headings_get_stable_anchors() {
    let site = Site::fixtures();
    let (_, _, body) = site.get("/ja/articles/reset-password").await;
    assert!(body.contains(r#"<h2 id="再設定リンクを送信する">"#), "{body}");
    assert!(body.contains(r##"href="#再設定リンクを送信する""##));
}

#[tokio::test]
async fn category_page_lists_its_articles_in_order() {
    let site = Site::fixtures();
    let (status, _, body) = site.get("/en/categories/billing").await;
    assert_eq!(status, StatusCode::OK);
    let refunds = body.find("/en/articles/refunds").expect("refunds listed");
    let invoices = body.find("/en/articles/invoices").expect("invoices listed");
    assert!(refunds < invoices, "ordered by `order`");
    assert!(body.contains("Plans, invoices and refunds."), "TOML _category.md description");
    assert_eq!(site.get("/en/categories/nope").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn aliases_redirect_permanently() {
    let site = Site::fixtures();
    let (status, headers, _) = site.get("/en/articles/forgot-password").await;
    assert_eq!(status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(headers[header::LOCATION], "/en/articles/reset-password");
    let (status, headers, _) = site.get("/ja/articles/forgot-password").await;
    assert_eq!(status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(headers[header::LOCATION], "/ja/articles/reset-password");
}

#[tokio::test]
async fn unknown_pages_get_the_themed_404() {
    let site = Site::fixtures();
    for uri in ["/en/articles/nope", "/xx/", "/de/articles/reset-password", "/nothing/here", "/ja/nope"] {
        let (status, _, body) = site.get(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(body.contains(r#"data-status="404""#), "{uri}: themed page");
    }
    let (_, _, ja) = site.get("/ja/articles/nope").await;
    assert!(ja.contains("ページが見つかりません"), "404 in the path's locale");
}

#[tokio::test]
async fn path_traversal_is_404_and_leaks_nothing() {
    let site = Site::fixtures();
    for uri in [
        "/en/articles/..%2f..%2fetc%2fpasswd",
        "/static/../Cargo.toml",
        "/static/..%2fCargo.toml",
        "/static/%2e%2e/%2e%2e/Cargo.toml",
        "/media/../Cargo.toml",
        "/media/en/..%2f..%2f..%2fCargo.toml",
        "/media/en/account/reset-password.md",
        "/media/%2e%2e/fixtures/articles/en/billing/images/chart.svg",
        "/static/.hidden.css",
    ] {
        let (status, _, body) = site.get(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            !body.contains("[package]") && !body.contains("root:") && !body.contains("title: Reset"),
            "{uri} leaked"
        );
    }
}

#[tokio::test]
async fn static_assets_are_embedded_and_overridable() {
    let site = Site::fixtures();
    let (status, headers, css) = site.get("/static/style.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap_or("").starts_with("text/css"));
    assert!(css.contains("--brand"));

    // A theme folder without the file falls back to the embedded default; a file overrides.
    let theme = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(theme.path().join("static")).expect("mkdir");
    let mut config = Site::config(site.dir.path());
    config.theme = theme.path().to_path_buf();
    let prepared_dir = site.dir.path().join("index2");
    config.index = prepared_dir;
    let (_, catalog) = helpcenter::cmd::load_catalog(&config).expect("load");
    let (index, _) = helpcenter::search::open_or_create(&config.index).expect("index");
    let snapshot =
        helpcenter::snapshot::Snapshot::new(catalog, helpcenter::search::Searcher::new(index, Default::default()));
    let state = helpcenter::http::AppState::new(config, helpcenter::snapshot::Published::new(snapshot), None);
    let app = helpcenter::http::router(state);
    let get = |uri: &'static str| {
        let app = app.clone();
        async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let r = app.oneshot(Request::get(uri).body(Body::empty()).expect("req")).await.expect("resp");
            String::from_utf8_lossy(&r.into_body().collect().await.expect("body").to_bytes()).into_owned()
        }
    };
    assert!(get("/static/style.css").await.contains("--brand"), "embedded default");
    std::fs::write(theme.path().join("static/style.css"), "body{color:red}").expect("write");
    assert_eq!(get("/static/style.css").await, "body{color:red}", "theme file overrides");
}

#[tokio::test]
async fn article_images_are_served_with_a_safe_policy() {
    let site = Site::fixtures();
    let (status, headers, body) = site.get("/media/en/billing/images/chart.svg").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/svg+xml");
    assert!(headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap_or("").contains("sandbox"));
    assert!(body.contains("<svg"));
}

#[tokio::test]
async fn raw_html_and_template_syntax_render_harmlessly() {
    let site = Site::fixtures();
    let (status, _, body) = site.get("/en/articles/invoices").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("alert("), "scripts and handlers removed");
    assert!(!body.contains("@components/Tabs"), "MDX import removed");
    assert!(body.contains("Invoices are PDF files."), "component content kept");
    assert!(body.contains(r#"type="checkbox""#), "task list");
    // Template syntax is not searchable.
    assert!(site.search_slugs("site.name", "en").await.is_empty());
    assert!(site.search_slugs("footer.html", "en").await.is_empty());
    assert_eq!(site.search_slugs("invoices PDF", "en").await.first().map(String::as_str), Some("invoices"));
}

#[tokio::test]
async fn feedback_form_works_without_javascript() {
    let site = Site::fixtures();
    let post = |body: &'static str, uri: &'static str| {
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("req")
    };
    let (status, headers, _) = site.send(post("helpful=yes", "/en/articles/reset-password/feedback")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/en/articles/reset-password?feedback=thanks#hc-feedback");
    let (_, _, page) = site.get("/en/articles/reset-password?feedback=thanks").await;
    assert!(page.contains("Thanks for your feedback!"));
    assert_eq!(
        site.send(post("helpful=maybe", "/en/articles/reset-password/feedback")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(site.send(post("helpful=yes", "/en/articles/nope/feedback")).await.0, StatusCode::NOT_FOUND);
    let huge = "helpful=yes&x=".to_owned() + &"a".repeat(200_000);
    let req = Request::post("/en/articles/reset-password/feedback")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(huge))
        .expect("req");
    assert_eq!(site.send(req).await.0, StatusCode::PAYLOAD_TOO_LARGE, "oversized body refused");
}

#[tokio::test]
async fn security_headers_are_set() {
    let site = Site::fixtures();
    let (_, headers, _) = site.get("/en/").await;
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap_or("").contains("script-src 'self'"));
}

#[tokio::test]
async fn healthz_reports_what_is_served() {
    let site = Site::fixtures();
    let (status, json) = site.json("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["status"], "ok");
    assert_eq!(json["articles"], 8);
    assert_eq!(json["indexed"], 8);
    assert_eq!(json["locales"], serde_json::json!(["en", "ja", "ko"]));
}

#[tokio::test]
async fn internal_errors_get_the_themed_500_without_details() {
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;
    let site = Site::fixtures();
    let response = helpcenter::http::PageError::internal(&site.state, "ja", &"db password=hunter2").into_response();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = String::from_utf8_lossy(&response.into_body().collect().await.expect("body").to_bytes()).into_owned();
    assert!(
        body.contains(r#"data-status="500""#) && body.contains("エラーが発生しました"),
        "themed, in the page's language"
    );
    assert!(!body.contains("hunter2"), "the detail goes to the log only");
}

#[tokio::test]
async fn results_pages_link_to_each_other() {
    let site = Site::with_config(|a| copy_dir(&repo().join("tests/fixtures/articles"), a), |c| c.results_per_page = 1);
    let q = "password billing invoices refund";
    // Attribute values are HTML-escaped (`&` → `&#38;`); compare decoded.
    let (_, _, first) = site.get(&format!("/en/search?{}", encode(&[("q", q)]))).await;
    let first = first.replace("&#38;", "&");
    let next = format!(r#"rel="next" href="/en/search?{}""#, encode(&[("q", q), ("page", "2")]));
    assert!(first.contains(&next), "next link: {first}");
    assert!(!first.contains(r#"rel="prev""#));
    let (_, _, second) = site.get(&format!("/en/search?{}", encode(&[("q", q), ("page", "2")]))).await;
    assert!(second.contains(r#"rel="prev""#) && second.contains(r#"<ol class="results" start="2">"#));
    let first_hit = |page: &str| page.split("class=\"result-title\" href=\"").nth(1).map(|s| s[..20].to_owned());
    assert_ne!(first_hit(&first), first_hit(&second), "page 2 shows the next result");
}

#[tokio::test]
async fn the_chrome_speaks_the_pages_language_and_says_things_once() {
    let site = Site::fixtures();
    let (_, _, page) = site.get("/ja/articles/reset-password").await;
    assert!(page.contains(r#"aria-label="パンくずリスト""#), "localized breadcrumb label");
    assert!(page.contains(r#"<time datetime="2026-09-14">2026年9月14日</time>"#), "a Japanese date");
    assert_eq!(page.matches("data-contact").count(), 1, "one contact prompt on an article page");
    let (_, _, missing) = site.get("/ko/no-such-page").await;
    assert_eq!(missing.matches(r#"role="search""#).count(), 1, "one search box on the 404 page");
    let (_, _, none) = site.get("/en/search?q=zzqqxxvv").await;
    assert_eq!(none.matches("data-contact").count(), 1, "no results: one contact prompt");
    // The language switcher keeps the search (and its category) and the category.
    let (_, _, results) = site.get("/en/search?q=refund&category=billing").await;
    let nav = results.split(r#"class="languages""#).nth(1).and_then(|n| n.split("</nav>").next()).unwrap_or("");
    assert!(nav.contains(r#"href="/ja/search?q=refund&#38;category=billing""#), "same search in Japanese: {nav}");
    let (_, _, category) = site.get("/en/categories/billing").await;
    assert!(category.contains(r#"href="/ko/categories/billing" hreflang="ko""#), "same category in Korean");
}

#[tokio::test]
async fn each_locale_can_name_the_site_its_own_way() {
    let site = Site::with_config(
        |a| copy_dir(&repo().join("tests/fixtures/articles"), a),
        |c| {
            c.site_name = "Acme Help".into();
            c.site_names.insert("ja".into(), "Acme ヘルプセンター".into());
        },
    );
    let (_, _, ja) = site.get("/ja/articles/reset-password").await;
    assert!(ja.contains("· Acme ヘルプセンター</title>"), "Japanese name in the title");
    let (_, _, en) = site.get("/en/articles/reset-password").await;
    assert!(en.contains("· Acme Help</title>") && !en.contains("ヘルプセンター"), "others keep site_name");
}

/// A category nobody has translated yet still shows in every locale: on the home page, as
/// its own category page with the default locale's articles marked as such, and by title
/// (not folder name) beside a search result.
#[tokio::test]
async fn an_untranslated_category_shows_in_every_locale_with_its_articles_marked() {
    let site = crate::support::Site::with(|a| {
        crate::support::copy_dir(&crate::support::repo().join("tests/fixtures/articles"), a);
        std::fs::create_dir_all(a.join("en/kumquat-lab")).expect("folder");
        std::fs::write(a.join("en/kumquat-lab/_category.md"), "+++\ntitle = \"Kumquat Lab\"\norder = 9\n+++\n")
            .expect("category");
        std::fs::write(
            a.join("en/kumquat-lab/kumquat-sensors.md"),
            "---\ntitle: Calibrate kumquat sensors\ndescription: Keep readings accurate.\n---\nCalibrate each kumquat sensor monthly.\n",
        )
        .expect("article");
    });
    for locale in ["ja", "ko"] {
        let (status, _, home) = site.get(&format!("/{locale}/")).await;
        assert_eq!(status, axum::http::StatusCode::OK);
        assert!(home.contains(&format!("/{locale}/categories/kumquat-lab")), "{locale}: listed on the home page");
        let (status, _, page) = site.get(&format!("/{locale}/categories/kumquat-lab")).await;
        assert_eq!(status, axum::http::StatusCode::OK, "{locale}: the category page exists");
        assert!(page.contains("Kumquat Lab") && page.contains("Calibrate kumquat sensors"), "{locale}");
        assert!(
            page.contains("hreflang=\"en\" lang=\"en\"") && page.contains("badge-language"),
            "{locale}: marked as English"
        );
        let (_, _, results) = site.get(&format!("/{locale}/search?q=kumquat+sensors")).await;
        assert!(results.contains("Calibrate kumquat sensors"), "{locale}: found through the default locale");
        assert!(!results.contains(">kumquat-lab<"), "{locale}: the category by title, never its folder name");
    }
}
