//! The in-memory catalog of published articles and categories, one snapshot per load.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use super::error::ArticleError;
use super::render::{Heading, Reference};

/// Percent-encodes one URL path segment: slugs and category names may use letters of any
/// script, and a `Location` header must be ASCII.
pub fn encode_segment(segment: &str) -> std::borrow::Cow<'_, str> {
    if segment.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)) {
        return std::borrow::Cow::Borrowed(segment);
    }
    let mut out = String::with_capacity(segment.len() * 3);
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The portal URL of article `slug` in `locale`.
pub fn article_url(locale: &str, slug: &str) -> String {
    format!("/{}/articles/{}", encode_segment(locale), encode_segment(slug))
}

/// One parsed, rendered article.
#[derive(Debug, Clone)]
pub struct Article {
    /// Locale folder (`en`).
    pub locale: String,
    /// Category folder (`billing`).
    pub category: String,
    /// File stem, unique within a locale (`refunds`).
    pub slug: String,
    /// Path relative to the articles root (`en/billing/refunds.md`).
    pub path: PathBuf,
    /// Path relative to the locale folder (`billing/refunds.md`): the translation key.
    pub translation_key: String,
    /// Title from front matter.
    pub title: String,
    /// Summary from front matter.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Extra search terms.
    pub keywords: Vec<String>,
    /// Order within the category.
    pub order: i64,
    /// Draft articles are not published.
    pub draft: bool,
    /// Last update.
    pub updated: Option<time::Date>,
    /// Old slugs that redirect here.
    pub aliases: Vec<String>,
    /// Plans the feature is available on.
    pub plans: Vec<String>,
    /// Roles that can use it.
    pub roles: Vec<String>,
    /// An FAQ article (questions as `##` headings).
    pub faq: bool,
    /// Characters of plain text in the body (`check` warns about empty articles).
    pub text_chars: usize,
    /// Heading outline.
    pub headings: Vec<Heading>,
    /// Terms glossed in another script (`총 차단 시간(TBT)`): loanword pairs for search.
    pub glosses: Vec<crate::text::gloss::Gloss>,
    /// Internal links (target relative to the locale folder), for `check`.
    pub links: Vec<Reference>,
    /// Relative images (relative to the articles root), for `check`.
    pub images: Vec<Reference>,
    /// 1-based line where the body starts in the file.
    pub body_line: usize,
    /// Hash of the body alone (rename detection).
    pub body_hash: u64,
    /// Hash of the path and bytes: the index is updated when it changes.
    pub hash: u64,
}

impl Article {
    /// `en/refunds`: the document id in the index.
    pub fn id(&self) -> String {
        format!("{}/{}", self.locale, self.slug)
    }

    /// Portal URL of the article.
    pub fn url(&self) -> String {
        article_url(&self.locale, &self.slug)
    }

    /// `updated` as `YYYY-MM-DD`, or empty.
    pub fn updated_iso(&self) -> String {
        self.updated.map(|d| d.to_string()).unwrap_or_default()
    }
}

/// What an article contributes to the index and nothing else needs: kept only from
/// parsing until the index writer has written it, so memory does not grow with the size
/// of the whole corpus (pages render from the Markdown the index stores).
#[derive(Debug, Clone, Default)]
pub struct Body {
    /// The Markdown after the front matter.
    pub source: String,
    /// Plain text for search.
    pub text: String,
    /// The body cut into sections and passages.
    pub sections: Vec<super::render::Section>,
    /// Distinct surface words of title, keywords, tags, headings and body, lowercased and
    /// unstemmed (the typo vocabulary).
    pub words: Vec<String>,
}

/// A category folder within one locale.
#[derive(Debug, Clone)]
pub struct Category {
    /// Locale folder.
    pub locale: String,
    /// Folder name, used in URLs.
    pub slug: String,
    /// Display title (from `_category.md`, or the folder name humanised).
    pub title: String,
    /// Description from `_category.md`.
    pub description: String,
    /// Order among categories.
    pub order: i64,
}

impl Category {
    /// Portal URL of the category page.
    pub fn url(&self) -> String {
        format!("/{}/categories/{}", encode_segment(&self.locale), encode_segment(&self.slug))
    }
}

/// A category with its published article count, for listings.
#[derive(Debug, Clone)]
pub struct CategorySummary {
    /// The category.
    pub category: Category,
    /// Number of published articles in it.
    pub count: usize,
    /// The first few articles by order.
    pub top: Vec<Arc<Article>>,
}

/// The same article in another locale.
#[derive(Debug, Clone)]
pub struct Translation {
    /// Locale of the translation.
    pub locale: String,
    /// Its title.
    pub title: String,
    /// Its URL.
    pub url: String,
}

/// Every published article and category, with lookups the portal needs.
#[derive(Debug, Default, Clone)]
pub struct Library {
    pub(crate) locales: Vec<String>,
    pub(crate) articles: BTreeMap<(String, String), Arc<Article>>,
    pub(crate) categories: BTreeMap<(String, String), Category>,
    pub(crate) aliases: HashMap<(String, String), String>,
    pub(crate) moved: HashMap<(String, String), String>,
    pub(crate) by_translation_key: HashMap<String, Vec<Arc<Article>>>,
    /// (locale, category) → its articles by order then title, computed once per load so
    /// listings cost the same with 100 articles or 100,000.
    pub(crate) by_category: HashMap<(String, String), Vec<Arc<Article>>>,
    /// locale → its non-empty categories by order then title.
    pub(crate) category_order: HashMap<String, Vec<Category>>,
    /// Problems found while loading (errors and warnings).
    pub problems: Vec<ArticleError>,
    /// Drafts that were loaded but are not published.
    pub drafts: usize,
}

impl Library {
    /// The locales that have at least one folder, sorted.
    pub fn locales(&self) -> &[String] {
        &self.locales
    }

    /// True when `locale` is served.
    pub fn has_locale(&self, locale: &str) -> bool {
        self.locales.iter().any(|l| l == locale)
    }

    /// All published articles.
    pub fn articles(&self) -> impl Iterator<Item = &Arc<Article>> {
        self.articles.values()
    }

    /// Number of published articles.
    pub fn len(&self) -> usize {
        self.articles.len()
    }

    /// True when nothing is published.
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// The article `slug` in `locale`.
    pub fn article(&self, locale: &str, slug: &str) -> Option<&Arc<Article>> {
        self.articles.get(&(locale.to_owned(), slug.to_owned()))
    }

    /// The current slug for an old slug: listed in some article's `aliases`, or the slug of
    /// a file that was renamed while the server ran.
    pub fn resolve_alias(&self, locale: &str, old_slug: &str) -> Option<&str> {
        let key = (locale.to_owned(), old_slug.to_owned());
        self.aliases.get(&key).or_else(|| self.moved.get(&key)).map(String::as_str)
    }

    /// The article with this translation key (`billing/refunds`) in `locale`.
    pub fn by_translation_key(&self, locale: &str, key: &str) -> Option<&Arc<Article>> {
        self.by_translation_key.get(key).and_then(|list| list.iter().find(|a| a.locale == locale))
    }

    /// The category `slug` in `locale`.
    pub fn category(&self, locale: &str, slug: &str) -> Option<&Category> {
        self.categories.get(&(locale.to_owned(), slug.to_owned()))
    }

    /// Published articles of a category, by order then title.
    pub fn articles_in(&self, locale: &str, category: &str) -> Vec<Arc<Article>> {
        self.by_category.get(&(locale.to_owned(), category.to_owned())).cloned().unwrap_or_default()
    }

    /// Categories of a locale that have published articles, by order then title, each with
    /// its first `top` articles.
    pub fn category_summaries(&self, locale: &str, top: usize) -> Vec<CategorySummary> {
        let Some(categories) = self.category_order.get(locale) else { return Vec::new() };
        categories
            .iter()
            .map(|c| {
                let articles = self.by_category.get(&(locale.to_owned(), c.slug.clone()));
                CategorySummary {
                    category: c.clone(),
                    count: articles.map_or(0, Vec::len),
                    top: articles.map(|a| a.iter().take(top).cloned().collect()).unwrap_or_default(),
                }
            })
            .collect()
    }

    /// [`Self::category_summaries`] of `locale`, plus the categories only `fallback` (the
    /// default locale) has, listed with `fallback`'s articles: a category nobody has
    /// translated yet still shows in every locale. Such a category keeps `locale`'s title
    /// when a `_category.md` gives one, and links to `locale`'s category page.
    pub fn category_summaries_or(&self, locale: &str, fallback: &str, top: usize) -> Vec<CategorySummary> {
        let mut own = self.category_summaries(locale, top);
        if locale == fallback {
            return own;
        }
        for mut missing in self.category_summaries(fallback, top) {
            if own.iter().any(|o| o.category.slug == missing.category.slug) {
                continue;
            }
            missing.category = self.category_or(locale, fallback, &missing.category.slug).unwrap_or(missing.category);
            own.push(missing);
        }
        own.sort_by(|a, b| {
            a.category.order.cmp(&b.category.order).then_with(|| a.category.title.cmp(&b.category.title))
        });
        own
    }

    /// The category `slug` of `locale`, or, when `locale` has none with articles, the one of
    /// `fallback` presented under `locale` (its own title when a `_category.md` gives one).
    pub fn category_or(&self, locale: &str, fallback: &str, slug: &str) -> Option<Category> {
        let own = self.category(locale, slug);
        if own.is_some() && !self.articles_in(locale, slug).is_empty() {
            return own.cloned();
        }
        let base = self.category(fallback, slug).filter(|_| !self.articles_in(fallback, slug).is_empty())?;
        Some(own.cloned().unwrap_or_else(|| Category { locale: locale.to_owned(), ..base.clone() }))
    }

    /// The published articles of category `slug` in `locale`, or in `fallback` when
    /// `locale` has none.
    pub fn articles_in_or(&self, locale: &str, fallback: &str, slug: &str) -> Vec<Arc<Article>> {
        let own = self.articles_in(locale, slug);
        if own.is_empty() { self.articles_in(fallback, slug) } else { own }
    }

    /// Computes the listings (category pages, home page) once, after assembling.
    pub(crate) fn index_listings(&mut self) {
        let mut by_category: HashMap<(String, String), Vec<Arc<Article>>> = HashMap::new();
        for ((locale, _), article) in &self.articles {
            by_category.entry((locale.clone(), article.category.clone())).or_default().push(Arc::clone(article));
        }
        for list in by_category.values_mut() {
            list.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.title.cmp(&b.title)));
        }
        let mut category_order: HashMap<String, Vec<Category>> = HashMap::new();
        for ((locale, slug), category) in &self.categories {
            if by_category.contains_key(&(locale.clone(), slug.clone())) {
                category_order.entry(locale.clone()).or_default().push(category.clone());
            }
        }
        for list in category_order.values_mut() {
            list.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.title.cmp(&b.title)));
        }
        self.by_category = by_category;
        self.category_order = category_order;
    }

    /// The same article in the other locales.
    pub fn translations(&self, article: &Article) -> Vec<Translation> {
        self.by_translation_key
            .get(&article.translation_key)
            .map(|list| {
                list.iter()
                    .filter(|a| a.locale != article.locale)
                    .map(|a| Translation { locale: a.locale.clone(), title: a.title.clone(), url: a.url() })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Up to `n` related articles: shared tags count most, then the same category.
    pub fn related(&self, article: &Article, n: usize) -> Vec<Arc<Article>> {
        let mut scored: Vec<(usize, &Arc<Article>)> = self
            .articles
            .range((article.locale.clone(), String::new())..)
            .take_while(|((l, _), _)| *l == article.locale)
            .map(|(_, a)| a)
            .filter(|a| a.slug != article.slug)
            .map(|a| {
                let shared = a.tags.iter().filter(|t| article.tags.contains(t)).count();
                let same_category = usize::from(a.category == article.category);
                (shared * 2 + same_category, a)
            })
            .filter(|(score, _)| *score > 0)
            .collect();
        scored.sort_by(|(sa, a), (sb, b)| {
            sb.cmp(sa).then_with(|| a.order.cmp(&b.order)).then_with(|| a.slug.cmp(&b.slug))
        });
        scored.into_iter().take(n).map(|(_, a)| Arc::clone(a)).collect()
    }

    /// Articles to feature on a locale's home page: the given slugs that exist, else the first
    /// article of each category.
    pub fn popular(&self, locale: &str, pinned: &[String], n: usize) -> Vec<Arc<Article>> {
        let mut list: Vec<Arc<Article>> =
            pinned.iter().filter_map(|slug| self.article(locale, slug)).cloned().collect();
        if list.is_empty() {
            list = self.category_summaries(locale, 1).into_iter().flat_map(|s| s.top).collect();
        }
        list.truncate(n);
        list
    }

    /// Errors (not warnings) found while loading.
    pub fn errors(&self) -> impl Iterator<Item = &ArticleError> {
        self.problems.iter().filter(|p| p.severity == super::Severity::Error)
    }
}
