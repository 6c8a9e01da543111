//! What search engines see through the real router: `sitemap.xml` with every published
//! article in every locale and its alternates (drafts never), `robots.txt`, and absolute
//! canonical and `hreflang` links (itself and `x-default` included) on every page type.

use axum::http::StatusCode;

use crate::support::{Site, copy_dir, repo};

/// The fixtures plus a draft, served as `https://help.example.com`.
fn site() -> Site {
    Site::with_config(
        |a| {
            copy_dir(&repo().join("tests/fixtures/articles"), a);
            std::fs::write(a.join("en/billing/secret-plans.md"), "---\ntitle: Secret plans\ndraft: true\n---\nSoon.\n")
                .expect("draft");
        },
        |c| c.public_url = "https://help.example.com".into(),
    )
}

/// Every `<link rel="…" … href="…">` of a page whose `rel` is `rel`: (hreflang, href).
fn links(page: &str, rel: &str) -> Vec<(String, String)> {
    page.split("<link ")
        .skip(1)
        .filter(|tag| tag.starts_with(&format!("rel=\"{rel}\"")))
        .map(|tag| {
            let attr = |name: &str| {
                tag.split(&format!("{name}=\"")).nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_owned()
            };
            (attr("hreflang"), attr("href"))
        })
        .collect()
}

#[tokio::test]
async fn the_sitemap_lists_every_published_page_with_its_translations() {
    let site = site();
    let (status, headers, xml) = site.get("/sitemap.xml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap_or("").starts_with("application/xml"));
    assert!(xml.starts_with("<?xml") && xml.contains("<urlset") && xml.trim_end().ends_with("</urlset>"));
    let locs: Vec<&str> = xml.split("<loc>").skip(1).filter_map(|s| s.split("</loc>").next()).collect();
    for article in std::fs::read_dir(repo().join("tests/fixtures/articles")).expect("fixtures") {
        let locale = article.expect("entry").file_name().to_string_lossy().into_owned();
        for file in walk(&repo().join("tests/fixtures/articles").join(&locale)) {
            let slug = file.file_stem().expect("stem").to_string_lossy().into_owned();
            if slug == "_category" {
                continue;
            }
            let url = format!("https://help.example.com/{locale}/articles/{slug}");
            assert!(locs.contains(&url.as_str()), "{url} listed");
        }
        assert!(locs.contains(&format!("https://help.example.com/{locale}/").as_str()), "{locale} home");
    }
    assert!(!xml.contains("secret-plans"), "drafts are never listed");
    assert!(locs.contains(&"https://help.example.com/en/categories/billing"));
    // The reset-password article names its Japanese and Korean versions, and itself.
    let entry = xml
        .split("<url>")
        .find(|u| u.contains("<loc>https://help.example.com/en/articles/reset-password</loc>"))
        .expect("entry");
    for locale in ["en", "ja", "ko"] {
        assert!(
            entry.contains(&format!(
                r#"hreflang="{locale}" href="https://help.example.com/{locale}/articles/reset-password""#
            )),
            "{locale} alternate: {entry}"
        );
    }
    assert_eq!(locs.len(), locs.iter().collect::<std::collections::HashSet<_>>().len(), "each URL once");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn robots_txt_keeps_out_private_and_result_pages_and_names_the_sitemap() {
    let (status, _, robots) = site().get("/robots.txt").await;
    assert_eq!(status, StatusCode::OK);
    assert!(robots.contains("User-agent: *"));
    for path in ["/admin", "/api/", "/en/search", "/ja/search"] {
        assert!(robots.contains(&format!("Disallow: {path}\n")), "{path}: {robots}");
    }
    assert!(robots.contains("Sitemap: https://help.example.com/sitemap.xml"));
}

#[tokio::test]
async fn pages_link_their_canonical_url_and_every_language_version() {
    let site = site();
    // An article reached from a result (with tracking parameters): the canonical URL has none.
    let (_, _, page) = site.get("/ja/articles/reset-password?sid=0123456789abcdef0123456789abcdef&pos=1").await;
    assert_eq!(
        links(&page, "canonical"),
        vec![(String::new(), "https://help.example.com/ja/articles/reset-password".into())]
    );
    let alternates = links(&page, "alternate");
    for locale in ["en", "ja", "ko"] {
        let want = (locale.to_owned(), format!("https://help.example.com/{locale}/articles/reset-password"));
        assert!(alternates.contains(&want), "{want:?} in {alternates:?}");
    }
    assert!(alternates.contains(&("x-default".into(), "https://help.example.com/en/articles/reset-password".into())));
    // An English-only article names itself and x-default only.
    let (_, _, page) = site.get("/en/articles/invoices").await;
    assert_eq!(
        links(&page, "alternate"),
        vec![
            ("en".into(), "https://help.example.com/en/articles/invoices".into()),
            ("x-default".into(), "https://help.example.com/en/articles/invoices".into())
        ]
    );
    // Home pages: each locale's home, x-default the language-choosing root.
    let (_, _, page) = site.get("/ko/").await;
    assert_eq!(links(&page, "canonical")[0].1, "https://help.example.com/ko/");
    let alternates = links(&page, "alternate");
    assert!(alternates.contains(&("ja".into(), "https://help.example.com/ja/".into())));
    assert!(alternates.contains(&("x-default".into(), "https://help.example.com/".into())));
    // Category pages.
    let (_, _, page) = site.get("/en/categories/billing").await;
    assert_eq!(links(&page, "canonical")[0].1, "https://help.example.com/en/categories/billing");
    assert!(
        links(&page, "alternate").contains(&("ko".into(), "https://help.example.com/ko/categories/billing".into()))
    );
    // Results pages stay out of search engines.
    let (_, _, page) = site.get("/en/search?q=refund").await;
    assert!(page.contains(r#"<meta name="robots" content="noindex, follow">"#));
    assert!(links(&page, "canonical").is_empty());
}

#[tokio::test]
async fn without_public_url_links_use_the_requests_host() {
    let site = Site::fixtures();
    let request = axum::http::Request::get("/en/articles/refunds")
        .header("host", "help.internal:8080")
        .body(axum::body::Body::empty())
        .expect("request");
    let (_, _, page) = site.send(request).await;
    assert_eq!(links(&page, "canonical")[0].1, "http://help.internal:8080/en/articles/refunds");
    let hostile = axum::http::Request::get("/en/articles/refunds")
        .header("host", "evil.example\"><script>")
        .body(axum::body::Body::empty())
        .expect("request");
    let (_, _, page) = site.send(hostile).await;
    assert!(!page.contains("evil.example"), "a Host that is no host name is not echoed");
}

/// A page's JSON-LD, parsed.
fn json_ld(page: &str) -> serde_json::Value {
    let json = page
        .split(r#"<script type="application/ld+json">"#)
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("JSON-LD");
    serde_json::from_str(json).expect("valid JSON-LD")
}

/// The `content` of `<meta {key}="{name}" content="…">`.
fn meta(page: &str, key: &str, name: &str) -> Option<String> {
    let pattern = format!(r#"<meta {key}="{name}" content=""#);
    let start = page.find(&pattern)? + pattern.len();
    page[start..].split('"').next().map(str::to_owned)
}

#[tokio::test]
async fn pages_describe_themselves_for_previews_and_structured_results() {
    let site = site();
    let (_, _, page) = site.get("/ja/articles/reset-password").await;
    assert_eq!(meta(&page, "property", "og:type").as_deref(), Some("article"));
    assert_eq!(
        meta(&page, "property", "og:url").as_deref(),
        Some("https://help.example.com/ja/articles/reset-password")
    );
    assert_eq!(meta(&page, "property", "og:locale").as_deref(), Some("ja_JP"));
    assert!(meta(&page, "property", "og:title").is_some_and(|t| !t.is_empty()));
    assert_eq!(meta(&page, "name", "twitter:card").as_deref(), Some("summary"));
    let data = json_ld(&page);
    assert_eq!(data[0]["@type"], "Article");
    assert_eq!(data[0]["inLanguage"], "ja");
    assert_eq!(data[0]["mainEntityOfPage"], "https://help.example.com/ja/articles/reset-password");
    assert_eq!(data[1]["@type"], "BreadcrumbList");
    let crumbs = data[1]["itemListElement"].as_array().expect("crumbs");
    assert_eq!(crumbs.first().expect("home")["item"], "https://help.example.com/ja/");
    assert_eq!(crumbs.last().expect("article")["item"], "https://help.example.com/ja/articles/reset-password");
    // Home and category pages: a description and a title of their own, in their language.
    let (_, _, home) = site.get("/ko/").await;
    assert!(meta(&home, "name", "description").is_some_and(|d| d.contains("도움말")), "localized description");
    let title = home.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).expect("title");
    assert!(title.contains("무엇을 도와드릴까요"), "{title}");
    let (_, _, category) = site.get("/en/categories/billing").await;
    assert!(meta(&category, "name", "description").is_some_and(|d| !d.is_empty()));
    assert_eq!(meta(&category, "property", "og:type").as_deref(), Some("website"));
}

#[tokio::test]
async fn faq_articles_carry_their_questions_and_articles_say_who_can_use_them() {
    let site = Site::with_config(
        |a| copy_dir(&repo().join("articles"), a),
        |c| c.public_url = "https://help.example.com".into(),
    );
    let (_, _, page) = site.get("/en/articles/billing-faq").await;
    let data = json_ld(&page);
    let faq = data.as_array().expect("list").iter().find(|d| d["@type"] == "FAQPage").expect("FAQPage");
    let questions = faq["mainEntity"].as_array().expect("questions");
    let headings = std::fs::read_to_string(repo().join("articles/en/billing/billing-faq.md"))
        .expect("faq")
        .lines()
        .filter(|l| l.starts_with("## "))
        .count();
    assert_eq!(questions.len(), headings, "one question per ## heading");
    for q in questions {
        assert_eq!(q["@type"], "Question");
        assert!(q["name"].as_str().is_some_and(|n| n.ends_with('?')), "{q}");
        let answer = q["acceptedAnswer"]["text"].as_str().expect("answer");
        assert!(!answer.is_empty() && answer.chars().count() <= 600 && !answer.contains('<'), "{answer}");
    }
    // An ordinary article has no FAQPage; a plan-limited one says who can use it.
    let (_, _, page) = site.get("/en/articles/single-sign-on-saml").await;
    assert!(!page.contains("FAQPage"));
    let who =
        page.split(r#"<dl class="who-can">"#).nth(1).and_then(|s| s.split("</dl>").next()).expect("who can use this");
    assert!(who.contains("Available on") && who.contains("Enterprise"), "{who}");
    assert!(who.contains("Who can do this") && who.contains("Owner"), "{who}");
    let (_, _, ja) = site.get("/ja/articles/single-sign-on-saml").await;
    assert!(ja.contains("対象プラン"), "localized label");
}
