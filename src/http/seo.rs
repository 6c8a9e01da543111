//! What search engines read: `sitemap.xml` (every published page in every locale, each
//! with its versions in the other locales) and `robots.txt`. URLs are absolute, from
//! `public_url` when configured (see [`super::auth::site_origin`]).

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{Extensions, HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::site_origin;
use crate::search::escape_html as escape;

/// The sitemap protocol's limit per file; a larger site lists its first 50,000 pages.
const MAX_URLS: usize = 50_000;

fn text(body: String, mime: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

/// One `<url>`: `path` with `lastmod`, and `alternates` (`(locale, path)`, itself included).
fn url(out: &mut String, origin: &str, path: &str, lastmod: Option<time::Date>, alternates: &[(String, String)]) {
    let _ = write!(out, "<url><loc>{}</loc>", escape(&format!("{origin}{path}")));
    if let Some(date) = lastmod {
        let _ = write!(out, "<lastmod>{date}</lastmod>");
    }
    if alternates.len() > 1 {
        for (locale, alt) in alternates {
            let _ = write!(
                out,
                r#"<xhtml:link rel="alternate" hreflang="{}" href="{}"/>"#,
                escape(locale),
                escape(&format!("{origin}{alt}"))
            );
        }
    }
    out.push_str("</url>\n");
}

/// `GET /sitemap.xml`: home and category pages per locale and every published article
/// (drafts never), with `hreflang` alternates and the `updated` date.
pub async fn sitemap(State(state): State<AppState>, extensions: Extensions, headers: HeaderMap) -> Response {
    let origin = site_origin(&state, &extensions, &headers);
    let library = state.public_library();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let locales = library.locales();
    let homes: Vec<(String, String)> = locales.iter().map(|l| (l.clone(), format!("/{l}/"))).collect();
    let mut count = 0;
    for (_, path) in &homes {
        url(&mut out, &origin, path, None, &homes);
        count += 1;
    }
    for locale in locales {
        for summary in library.category_summaries(locale, 0).into_iter().filter(|c| c.count > 0) {
            let slug = &summary.category.slug;
            let versions: Vec<(String, String)> = locales
                .iter()
                .filter(|l| !library.articles_in(l, slug).is_empty())
                .map(|l| (l.clone(), format!("/{l}/categories/{slug}")))
                .collect();
            url(&mut out, &origin, &format!("/{locale}/categories/{slug}"), None, &versions);
            count += 1;
        }
    }
    for article in library.articles().filter(|a| !a.draft) {
        if count >= MAX_URLS {
            break;
        }
        let versions: Vec<(String, String)> = std::iter::once((article.locale.clone(), article.url()))
            .chain(library.translations(article).into_iter().map(|t| (t.locale, t.url)))
            .collect();
        url(&mut out, &origin, &article.url(), article.updated, &versions);
        count += 1;
    }
    out.push_str("</urlset>\n");
    text(out, "application/xml; charset=utf-8")
}

/// `GET /robots.txt`: everything but admin, the API and results pages, and the sitemap.
pub async fn robots(State(state): State<AppState>, extensions: Extensions, headers: HeaderMap) -> Response {
    let origin = site_origin(&state, &extensions, &headers);
    let mut out = String::from("User-agent: *\nDisallow: /admin\nDisallow: /api/\nDisallow: /_dev/\n");
    for locale in state.public_library().locales() {
        let _ = writeln!(out, "Disallow: /{locale}/search");
        let _ = writeln!(out, "Disallow: /{locale}/contact");
    }
    let _ = writeln!(out, "\nSitemap: {origin}/sitemap.xml");
    text(out, "text/plain; charset=utf-8")
}
