//! The portal's HTML pages: home, search, article, category, errors.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};

use super::i18n::{Ui, language_name, negotiate, ui};
use super::{AppState, PageError, Viewer, is_id, query_param};
use crate::article::{Article, CategorySummary, Heading, Library, Translation};
use crate::search::Hit;
use crate::searchlog::{Event, FeedbackEvent, Source, ViewEvent};

/// Deepest results page a visitor can ask for.
const MAX_PAGE: usize = 50;

/// A link in the language switcher.
#[derive(Debug, Clone)]
pub struct LanguageLink {
    /// Locale code.
    pub code: String,
    /// Name in its own language.
    pub name: String,
    /// Where it leads (the translation, or that locale's home).
    pub url: String,
    /// True for the page's own locale.
    pub current: bool,
}

/// What every page's frame (header, footer) needs.
pub struct Chrome {
    /// UI text.
    pub ui: &'static Ui,
    /// Page locale.
    pub locale: String,
    /// Site name.
    pub site_name: String,
    /// "Contact support" link: records the request, then goes to the configured URL.
    pub contact_url: String,
    /// Text in the header search box.
    pub query: String,
    /// Language switcher.
    pub languages: Vec<LanguageLink>,
    /// Load the live-reload script (writer mode).
    pub live_reload: bool,
    /// Versioned URLs of the theme's files.
    pub assets: AssetUrls,
    /// The page's absolute URL without tracking parameters (`rel=canonical`).
    pub canonical: Option<String>,
    /// The same page in every locale, absolute, itself and `x-default` included.
    pub alternates: Vec<Alternate>,
    /// Keep out of search engines (results pages).
    pub noindex: bool,
    /// Title, description and structured data for search engines and link previews.
    pub meta: PageMeta,
    origin: String,
}

/// What search engines and link previews (Open Graph, Twitter cards) read of a page.
#[derive(Default)]
pub struct PageMeta {
    /// The page's title (without the site name).
    pub title: String,
    /// One or two sentences.
    pub description: String,
    /// `website` or `article` (Open Graph type).
    pub kind: &'static str,
    /// JSON-LD, ready to embed (`</` escaped).
    pub json_ld: String,
}

impl Chrome {
    /// The Open Graph locale (`ja_JP`) of the page's locale.
    pub fn og_locale(&self) -> String {
        match self.locale.as_str() {
            "en" => "en_US".into(),
            "ja" => "ja_JP".into(),
            "ko" => "ko_KR".into(),
            other => other.replace('-', "_"),
        }
    }
}

/// An FAQ article's questions (its `##` headings) with the plain text of each answer (what
/// follows up to the next `##`, at most 600 characters).
fn faq_entries(html: &str) -> Vec<(String, String)> {
    let text = |html: &str| crate::search::searcher::strip_tags(html).split_whitespace().collect::<Vec<_>>().join(" ");
    html.split("<h2")
        .skip(1)
        .filter_map(|part| {
            let (heading, rest) = part.split_once("</h2>")?;
            let question = text(heading.split_once('>').map_or("", |(_, h)| h));
            let answer: String = text(rest).chars().take(600).collect();
            (!question.is_empty() && !answer.is_empty()).then_some((question, answer))
        })
        .collect()
}

/// JSON for a `<script type="application/ld+json">` (nothing in it can close the element).
fn json_ld(value: &serde_json::Value) -> String {
    value.to_string().replace("</", "<\\/")
}

/// One `<link rel="alternate" hreflang>`.
pub struct Alternate {
    /// Locale code, or `x-default`.
    pub hreflang: String,
    /// Absolute URL.
    pub href: String,
}

/// Versioned URLs of the theme's static files (cached for a year by browsers).
pub struct AssetUrls {
    /// `style.css`.
    pub style: String,
    /// `app.js`.
    pub script: String,
    /// `live-reload.js`.
    pub live_reload: String,
    /// `logo.svg`.
    pub logo: String,
    /// `favicon.svg`.
    pub favicon: String,
}

impl AssetUrls {
    fn of(state: &AppState) -> Self {
        Self {
            style: state.asset_url("style.css"),
            script: state.asset_url("app.js"),
            live_reload: state.asset_url("live-reload.js"),
            logo: state.asset_url("logo.svg"),
            favicon: state.asset_url("favicon.svg"),
        }
    }
}

impl Chrome {
    /// The frame for a page in `locale`; language links lead to each locale's home.
    pub fn new(state: &AppState, library: &Library, locale: &str, query: String) -> Self {
        Self::for_viewer(state, library, locale, query, &Viewer::default())
    }

    /// The frame for `viewer` (writers get live reload).
    pub fn for_viewer(state: &AppState, library: &Library, locale: &str, query: String, viewer: &Viewer) -> Self {
        let languages = library
            .locales()
            .iter()
            .map(|code| LanguageLink {
                code: code.clone(),
                name: display_language(code),
                url: format!("/{code}/"),
                current: code == locale,
            })
            .collect();
        Self {
            ui: ui(locale),
            locale: locale.to_owned(),
            site_name: state.config().site_name_in(locale).to_owned(),
            contact_url: format!("/{locale}/contact"),
            query,
            languages,
            live_reload: viewer.live_reload,
            assets: AssetUrls::of(state),
            canonical: None,
            alternates: Vec::new(),
            noindex: false,
            meta: PageMeta::default(),
            origin: viewer.origin.clone(),
        }
    }

    /// Describes the page for search engines and link previews.
    fn described(mut self, title: &str, description: &str, kind: &'static str) -> Self {
        self.meta =
            PageMeta { title: title.to_owned(), description: description.to_owned(), kind, json_ld: String::new() };
        self
    }

    /// Names the page's canonical path, its versions per locale (`(locale, path)`, its own
    /// included) and the `x-default` one.
    fn page(mut self, path: &str, versions: Vec<(String, String)>, x_default: &str) -> Self {
        if self.origin.is_empty() {
            return self;
        }
        self.canonical = Some(format!("{}{path}", self.origin));
        self.alternates = versions
            .into_iter()
            .chain(std::iter::once(("x-default".to_owned(), x_default.to_owned())))
            .map(|(hreflang, p)| Alternate { hreflang, href: format!("{}{p}", self.origin) })
            .collect();
        self
    }

    /// Points each language link at `path_in(locale)` where it gives one (the same search,
    /// the same category), else that locale's home.
    fn with_language_paths(mut self, path_in: impl Fn(&str) -> Option<String>) -> Self {
        for link in &mut self.languages {
            if let Some(path) = path_in(&link.code) {
                link.url = path;
            }
        }
        self
    }

    /// Points language links at translations where they exist.
    fn with_translations(mut self, translations: &[Translation]) -> Self {
        for link in &mut self.languages {
            if let Some(t) = translations.iter().find(|t| t.locale == link.code) {
                link.url = t.url.clone();
            }
        }
        self
    }
}

/// The default locale's version of a page, else `own`: where `x-default` points.
fn default_version(versions: &[(String, String)], default_locale: &str, own: &str) -> String {
    versions.iter().find(|(l, _)| l == default_locale).map_or(own, |(_, p)| p.as_str()).to_owned()
}

fn display_language(code: &str) -> String {
    let name = language_name(code);
    if name.is_empty() { code.to_owned() } else { name.to_owned() }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    categories: Vec<CategorySummary>,
    popular: Vec<Arc<Article>>,
}

/// A category filter on the results page.
struct Facet {
    title: String,
    count: usize,
    url: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    query: String,
    total: usize,
    hits: Vec<Hit>,
    first_rank: usize,
    prev_url: Option<String>,
    next_url: Option<String>,
    categories: Vec<CategorySummary>,
    corrected: Option<String>,
    original_url: String,
    facets: Vec<Facet>,
    all_url: String,
    all_count: usize,
    filtered: bool,
    search_id: Option<String>,
    contact_link: String,
    answer: Option<crate::search::Answer>,
}

impl HomePage {
    fn language(&self, locale: &str) -> String {
        display_language(locale)
    }
}

impl CategoryPage {
    fn language(&self, locale: &str) -> String {
        display_language(locale)
    }
}

impl SearchPage {
    fn category_title(&self, slug: &str) -> String {
        category_title(&self.categories, slug)
    }

    fn language(&self, locale: &str) -> String {
        display_language(locale)
    }

    /// A result link: to the section that answers, when there is one. The URL stays clean
    /// (it is the article's canonical address); the click is reported by the page's script
    /// from `data-sid`/`data-pos`, and the article view is tied to the search by the
    /// short-lived `hc_search` cookie.
    fn result_url(&self, hit: &Hit) -> String {
        hit.section.as_ref().map_or(hit.url.as_str(), |s| s.url.as_str()).to_owned()
    }

    /// 1-based position of the hit at `index` on this page.
    fn position(&self, index: &usize) -> usize {
        self.first_rank + index
    }
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    chrome: Chrome,
    article: Arc<Article>,
    html: Arc<str>,
    category_title: String,
    category_url: String,
    toc: Vec<Heading>,
    related: Vec<Arc<Article>>,
    translations: Vec<Translation>,
    feedback_thanks: bool,
    search_id: String,
    contact_link: String,
}

#[derive(Template)]
#[template(path = "category.html")]
struct CategoryPage {
    chrome: Chrome,
    title: String,
    description: String,
    count: usize,
    articles: Vec<Arc<Article>>,
    others: Vec<CategorySummary>,
}

/// The themed error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Frame.
    pub chrome: Chrome,
    /// Heading.
    pub title: &'static str,
    /// Explanation.
    pub text: &'static str,
    /// Topics to browse instead.
    pub categories: Vec<CategorySummary>,
    /// HTTP status.
    pub status: u16,
}

fn render(state: &AppState, locale: &str, page: &impl Template) -> Result<Response, PageError> {
    match page.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => Err(PageError::internal(state, locale, &e)),
    }
}

/// `GET /`: redirect to the visitor's locale.
pub async fn root(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let library = state.public_library();
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let locale = negotiate(accept, library.locales(), &state.config().default_locale);
    let mut response = super::redirect(StatusCode::SEE_OTHER, &format!("/{locale}/"));
    response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept-Language"));
    response
}

/// `GET /{locale}`: add the trailing slash.
pub async fn locale_redirect(State(state): State<AppState>, Path(locale): Path<String>) -> Response {
    if state.public_library().has_locale(&locale) {
        moved_permanently(&format!("/{locale}/"))
    } else {
        PageError::not_found(&state, &locale).into_response()
    }
}

/// A 301 (not axum's 308): old links and search engines expect 301 for moved pages.
fn moved_permanently(location: &str) -> Response {
    super::redirect(StatusCode::MOVED_PERMANENTLY, location)
}

fn known_locale(state: &AppState, library: &Library, locale: &str) -> Result<(), PageError> {
    if library.has_locale(locale) { Ok(()) } else { Err(PageError::not_found(state, locale)) }
}

/// `GET /{locale}/`: search box, categories, popular articles.
pub async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(locale): Path<String>,
) -> Result<Response, PageError> {
    let snapshot = state.snapshot();
    let library = snapshot.library(viewer.drafts);
    known_locale(&state, library, &locale)?;
    let versions = library.locales().iter().map(|l| (l.clone(), format!("/{l}/"))).collect();
    let page = HomePage {
        chrome: Chrome::for_viewer(&state, library, &locale, String::new(), &viewer)
            .page(&format!("/{locale}/"), versions, "/")
            .described(ui(&locale).hero_title, ui(&locale).hero_subtitle, "website"),
        categories: library.category_summaries_or(&locale, &state.config().default_locale, 3),
        popular: library.popular(&locale, &state.config().popular, 6),
    };
    render(&state, &locale, &page)
}

/// `GET /{locale}/search?q=&page=&category=&exact=`: results that work without JavaScript.
pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(locale): Path<String>,
    extensions: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let snapshot = state.snapshot();
    let library = Arc::clone(snapshot.library(viewer.drafts));
    known_locale(&state, &library, &locale)?;
    let raw = raw.as_deref();
    let query = query_param(raw, "q").unwrap_or_default();
    let query = crate::search::query::clamp_query(query.trim()).to_owned();
    let page = query_param(raw, "page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).clamp(1, MAX_PAGE);
    let category = query_param(raw, "category").filter(|c| library.category(&locale, c).is_some());
    let exact = query_param(raw, "exact").is_some_and(|v| v == "1");
    let per_page = state.config().results_per_page.clamp(1, crate::search::searcher::MAX_LIMIT);
    let limits = (per_page, (page - 1) * per_page);
    let results = state
        .search(&snapshot, &query, &locale, category.as_deref(), limits, (exact, viewer.drafts))
        .await
        .map_err(|e| PageError::internal(&state, &locale, &e))?;
    let pages = results.total.div_ceil(per_page).min(MAX_PAGE);
    // A search is logged once: its first page, unfiltered (paging and filters refine it).
    let search_id = (!query.is_empty() && page == 1 && category.is_none())
        .then(|| {
            let outcome = (results.total, results.corrected.is_some());
            state.log_search(&query, &locale, outcome, Source::Page, &extensions)
        })
        .flatten();
    // Later pages and filters refine the search the visitor made: clicks there belong to it.
    let search_id =
        search_id.or_else(|| super::cookie(&headers, SEARCH_COOKIE).filter(|s| is_id(s)).filter(|_| !query.is_empty()));
    let contact_link = contact_link(&locale, ("q", &query), search_id.as_deref());
    let url = |q: &str, category: Option<&str>, page: Option<usize>, exact: bool| {
        let mut pairs: Vec<(&str, String)> = vec![("q", q.to_owned())];
        if let Some(c) = category {
            pairs.push(("category", c.to_owned()));
        }
        if let Some(p) = page.filter(|p| *p > 1) {
            pairs.push(("page", p.to_string()));
        }
        if exact {
            pairs.push(("exact", "1".to_owned()));
        }
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        format!("/{locale}/search?{}", encode_pairs(&pairs))
    };
    let categories = library.category_summaries_or(&locale, &state.config().default_locale, 0);
    let title_of = |slug: &str| category_title(&categories, slug);
    let facets: Vec<Facet> = results
        .categories
        .iter()
        .map(|c| Facet {
            title: title_of(&c.category),
            count: c.count,
            url: url(&query, Some(&c.category), None, exact),
            current: category.as_deref() == Some(c.category.as_str()),
        })
        .collect();
    let page = SearchPage {
        chrome: Chrome {
            noindex: true,
            ..Chrome::for_viewer(&state, &library, &locale, query.clone(), &viewer).with_language_paths(|code| {
                // The same search in another language, its category kept where that language has it.
                let mut pairs = vec![("q", query.as_str())];
                if let Some(c) = category.as_deref().filter(|c| library.category(code, c).is_some()) {
                    pairs.push(("category", c));
                }
                Some(format!("/{code}/search?{}", encode_pairs(&pairs)))
            })
        },
        total: results.total,
        first_rank: (page - 1) * per_page + 1,
        prev_url: (page > 1).then(|| url(&query, category.as_deref(), Some(page - 1), exact)),
        next_url: (page < pages).then(|| url(&query, category.as_deref(), Some(page + 1), exact)),
        original_url: url(&query, category.as_deref(), None, true),
        all_url: url(&query, None, None, exact),
        all_count: results.categories.iter().map(|c| c.count).sum(),
        filtered: category.is_some(),
        facets,
        corrected: results.corrected,
        answer: results.answer,
        hits: results.hits,
        query,
        categories,
        search_id: search_id.clone(),
        contact_link,
    };
    let mut response = render(&state, &locale, &page)?;
    if let Some(sid) = search_id {
        let secure = state.is_https(&extensions, &headers);
        if let Some(v) = super::set_cookie(SEARCH_COOKIE, &sid, SEARCH_COOKIE_SECONDS, cookie::SameSite::Lax, secure) {
            response.headers_mut().append(axum::http::header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

/// Cookie tying the next article view to the search it came from (instead of tracking
/// parameters in result URLs); cleared by that view.
pub const SEARCH_COOKIE: &str = "hc_search";
/// How long a search may wait for its article view.
const SEARCH_COOKIE_SECONDS: u64 = 600;

/// A category's display title (its folder name if unknown).
fn category_title(categories: &[CategorySummary], slug: &str) -> String {
    categories.iter().find(|c| c.category.slug == slug).map_or_else(|| slug.to_owned(), |c| c.category.title.clone())
}

/// The "Contact support" link: records the request, carrying the context (`q` or `slug`)
/// and the search that led here.
fn contact_link(locale: &str, context: (&str, &str), search_id: Option<&str>) -> String {
    let mut pairs = vec![context];
    if let Some(sid) = search_id {
        pairs.push(("sid", sid));
    }
    format!("/{locale}/contact?{}", encode_pairs(&pairs))
}

fn encode_pairs(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// `GET /{locale}/articles/{slug}`: the article, or a 301 from an old slug.
pub async fn article(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((locale, slug)): Path<(String, String)>,
    extensions: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let snapshot = state.snapshot();
    let library = snapshot.library(viewer.drafts);
    known_locale(&state, library, &locale)?;
    let Some(article) = library.article(&locale, &slug).cloned() else {
        if let Some(target) = library.resolve_alias(&locale, &slug) {
            return Ok(moved_permanently(&crate::article::article_url(&locale, target)));
        }
        // Not translated yet: the default locale's version beats a dead end.
        let fallback = &state.config().default_locale;
        if fallback != &locale && library.article(fallback, &slug).is_some() {
            return Ok(super::redirect(StatusCode::SEE_OTHER, &crate::article::article_url(fallback, &slug)));
        }
        return Err(PageError::not_found(&state, &locale));
    };
    // The search this view came from: the cookie its results page set (the click itself is
    // reported by the page's script).
    let sid = super::cookie(&headers, SEARCH_COOKIE).filter(|s| is_id(s));
    let visit = super::events::visit_of(&extensions);
    // Back from a vote (the form redirects here): the visitor already read the article;
    // the vote is not a second view.
    let after_vote = query_param(raw.as_deref(), "feedback").is_some_and(|v| v == "thanks");
    if !article.draft && !after_vote {
        state.record(Event::View(ViewEvent {
            at: crate::searchlog::event::now(),
            locale: locale.clone(),
            slug: slug.clone(),
            search_id: sid.clone(),
            visit,
        }));
    }
    let contact_link = contact_link(&locale, ("slug", &slug), sid.as_deref());
    let translations = library.translations(&article);
    let versions: Vec<(String, String)> = std::iter::once((article.locale.clone(), article.url()))
        .chain(translations.iter().map(|t| (t.locale.clone(), t.url.clone())))
        .collect();
    let x_default = default_version(&versions, &state.config().default_locale, &article.url());
    let (category_title, category_url) = library
        .category(&locale, &article.category)
        .map(|c| (c.title.clone(), c.url()))
        .unwrap_or_else(|| (article.category.clone(), String::new()));
    let html = match state.article_html(&snapshot, &article).await {
        Some(Ok(html)) => html,
        Some(Err(e)) => return Err(PageError::internal(&state, &locale, &e)),
        None => return Err(PageError::internal(&state, &locale, &"rendering did not finish")),
    };
    let mut chrome = Chrome::for_viewer(&state, library, &locale, String::new(), &viewer)
        .with_translations(&translations)
        .page(&article.url(), versions, &x_default)
        .described(&article.title, &article.description, "article");
    if let Some(canonical) = chrome.canonical.clone() {
        let origin = &viewer.origin;
        let mut crumbs = vec![serde_json::json!({
            "@type": "ListItem", "position": 1, "name": chrome.ui.home, "item": format!("{origin}/{locale}/")
        })];
        if !category_url.is_empty() {
            crumbs.push(serde_json::json!({
                "@type": "ListItem", "position": 2, "name": category_title, "item": format!("{origin}{category_url}")
            }));
        }
        crumbs.push(serde_json::json!({
            "@type": "ListItem", "position": crumbs.len() + 1, "name": article.title, "item": canonical
        }));
        let mut entry = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "Article",
            "headline": article.title,
            "inLanguage": locale,
            "mainEntityOfPage": canonical,
            "publisher": { "@type": "Organization", "name": chrome.site_name },
        });
        if !article.description.is_empty() {
            entry["description"] = article.description.clone().into();
        }
        if let Some(d) = article.updated {
            entry["dateModified"] = d.to_string().into();
        }
        let crumbs = serde_json::json!({ "@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": crumbs });
        let mut data = vec![entry, crumbs];
        if article.faq {
            let questions: Vec<serde_json::Value> = faq_entries(&html)
                .into_iter()
                .map(|(q, a)| {
                    serde_json::json!({ "@type": "Question", "name": q, "acceptedAnswer": { "@type": "Answer", "text": a } })
                })
                .collect();
            if !questions.is_empty() {
                data.push(serde_json::json!({ "@context": "https://schema.org", "@type": "FAQPage", "mainEntity": questions }));
            }
        }
        chrome.meta.json_ld = json_ld(&serde_json::Value::Array(data));
    }
    let page = ArticlePage {
        html,
        chrome,
        toc: article.headings.iter().filter(|h| (2..=3).contains(&h.level)).cloned().collect(),
        related: library.related(&article, 5),
        translations,
        category_title,
        category_url,
        feedback_thanks: query_param(raw.as_deref(), "feedback").is_some_and(|v| v == "thanks"),
        search_id: sid.clone().unwrap_or_default(),
        contact_link,
        article,
    };
    let mut response = render(&state, &locale, &page)?;
    // One view per search: the next article is not attributed to it again.
    if sid.is_some() && !after_vote {
        let secure = state.is_https(&extensions, &headers);
        if let Some(v) = super::set_cookie(SEARCH_COOKIE, "", 0, cookie::SameSite::Lax, secure) {
            response.headers_mut().append(axum::http::header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

/// The "Was this helpful?" form.
#[derive(Debug, serde::Deserialize)]
pub struct FeedbackForm {
    helpful: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    score: Option<String>,
    #[serde(default)]
    sid: Option<String>,
}

/// `POST /{locale}/articles/{slug}/feedback`: records the vote, back to the article.
pub async fn feedback(
    State(state): State<AppState>,
    Path((locale, slug)): Path<(String, String)>,
    extensions: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    form: Result<Form<FeedbackForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let library = state.public_library();
    if library.article(&locale, &slug).is_none() {
        return Err(PageError::not_found(&state, &locale));
    }
    if let Err(wait) = state.limiter().take_for(&state, &extensions, &headers) {
        return Ok(super::events::too_many(wait));
    }
    let form = match form {
        Ok(Form(form)) => form,
        // Keeps the rejection's own status: 413 for an oversized body, 415 for a wrong type.
        Err(rejection) => return Ok(rejection.into_response()),
    };
    let helpful = match form.helpful.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Ok((StatusCode::BAD_REQUEST, "helpful must be yes or no").into_response()),
    };
    let bounded =
        |t: Option<String>, max: usize| t.map(|t| crate::searchlog::redact(&t, max)).filter(|t| !t.is_empty());
    state.record(Event::Feedback(FeedbackEvent {
        at: crate::searchlog::event::now(),
        locale: locale.clone(),
        slug: slug.clone(),
        helpful,
        reason: bounded(form.reason, crate::searchlog::event::MAX_REASON_CHARS),
        comment: bounded(form.comment, crate::searchlog::event::MAX_COMMENT_CHARS),
        score: form.score.and_then(|s| s.parse::<i64>().ok()).filter(|s| (1..=10).contains(s)),
        search_id: form.sid.filter(|s| is_id(s)),
        visit: super::events::visit_of(&extensions),
    }));
    let back = format!("{}?feedback=thanks#hc-feedback", crate::article::article_url(&locale, &slug));
    Ok(super::redirect(StatusCode::SEE_OTHER, &back))
}

/// `GET /{locale}/categories/{category}`.
pub async fn category(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((locale, slug)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let snapshot = state.snapshot();
    let library = snapshot.library(viewer.drafts);
    known_locale(&state, library, &locale)?;
    // Not translated yet: the default locale's articles, in this locale's page.
    let fallback = state.config().default_locale.clone();
    let Some(category) = library.category_or(&locale, &fallback, &slug) else {
        return Err(PageError::not_found(&state, &locale));
    };
    let articles = library.articles_in_or(&locale, &fallback, &slug);
    if articles.is_empty() {
        return Err(PageError::not_found(&state, &locale));
    }
    let versions: Vec<(String, String)> = library
        .locales()
        .iter()
        .filter(|l| library.category(l, &slug).is_some() && !library.articles_in(l, &slug).is_empty())
        .map(|l| (l.clone(), format!("/{l}/categories/{slug}")))
        .collect();
    let path = format!("/{locale}/categories/{slug}");
    let x_default = default_version(&versions, &state.config().default_locale, &path);
    let page = CategoryPage {
        chrome: Chrome::for_viewer(&state, library, &locale, String::new(), &viewer)
            .with_language_paths(|code| versions.iter().find(|(l, _)| l == code).map(|(_, p)| p.clone()))
            .page(&path, versions.clone(), &x_default)
            .described(
                &category.title,
                if category.description.is_empty() { &category.title } else { &category.description },
                "website",
            ),
        title: category.title.clone(),
        description: category.description.clone(),
        count: articles.len(),
        articles,
        others: library
            .category_summaries_or(&locale, &fallback, 0)
            .into_iter()
            .filter(|c| c.category.slug != slug)
            .collect(),
    };
    render(&state, &locale, &page)
}

/// Anything else: the themed 404 in the locale the path names, or the visitor's.
pub async fn not_found(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let library = state.public_library();
    let first = uri.path().trim_start_matches('/').split('/').next().unwrap_or("");
    let locale = if library.has_locale(first) {
        first.to_owned()
    } else {
        let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        negotiate(accept, library.locales(), &state.config().default_locale).to_owned()
    };
    PageError::not_found(&state, &locale).into_response()
}
