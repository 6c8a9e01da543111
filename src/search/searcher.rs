//! Runs searches: one searcher per request from the shared reader; typo correction against
//! the vocabulary, synonyms, category counts, a fallback to the default locale for articles
//! not translated yet, and highlighted snippets for the shown page only.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::query::{Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term};

use super::query::{self, FieldWeights, is_stop_word};
use super::schema::SearchIndex;
use super::synonyms::Synonyms;
use super::tokenize::{analyze, surface_word};
use super::vocabulary::Vocabulary;
use super::{SearchError, escape_html};

/// Most results one request may ask for.
pub const MAX_LIMIT: usize = 50;
/// Deepest result a request may page to.
pub const MAX_OFFSET: usize = 1000;
/// Snippet length in characters.
const SNIPPET_CHARS: usize = 200;
/// Bytes of body text handed to the snippet generator: enough for a good fragment, bounded
/// so that long articles do not cost milliseconds to highlight.
const SNIPPET_WINDOW: usize = 4096;

/// What to search for.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    /// The text as typed.
    pub query: &'a str,
    /// Visitor's locale: its articles first, then untranslated default-locale ones.
    pub locale: &'a str,
    /// Restrict to one category.
    pub category: Option<&'a str>,
    /// Page size (capped at [`MAX_LIMIT`]).
    pub limit: usize,
    /// Results to skip (capped at [`MAX_OFFSET`]).
    pub offset: usize,
    /// Also return drafts (previews).
    pub include_drafts: bool,
}

impl<'a> SearchRequest<'a> {
    /// First page of 10 for `query` in `locale`.
    pub fn new(query: &'a str, locale: &'a str) -> Self {
        Self { query, locale, category: None, limit: 10, offset: 0, include_drafts: false }
    }
}

/// One search result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    /// Article slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Portal URL.
    pub url: String,
    /// Category folder.
    pub category: String,
    /// HTML fragment of the body with matches in `<mark>`, escaped otherwise.
    pub snippet: String,
    /// Locale of the article (the default locale's for a fallback result).
    pub locale: String,
    /// True for a draft (only in previews).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
    /// Relevance score.
    #[serde(skip)]
    pub score: f32,
}

/// Matches per category.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CategoryCount {
    /// Category folder.
    pub category: String,
    /// Matching articles in it (before the category filter).
    pub count: usize,
}

/// A page of results.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Number of matching articles (with the category filter).
    pub total: usize,
    /// The requested page.
    pub hits: Vec<Hit>,
    /// Matches per category, most first (without the category filter).
    pub categories: Vec<CategoryCount>,
    /// The query actually searched when typos were corrected.
    pub corrected: Option<String>,
}

#[derive(Default)]
struct Knowledge {
    synonyms: Arc<Synonyms>,
    vocabulary: Arc<Vocabulary>,
}

/// Searches an open index.
#[derive(Clone)]
pub struct Searcher {
    index: SearchIndex,
    weights: FieldWeights,
    default_locale: String,
    knowledge: Arc<RwLock<Knowledge>>,
}

impl Searcher {
    /// A searcher over `index` with the given field weights (default locale `en`, no
    /// synonyms, no typo vocabulary until set).
    pub fn new(index: SearchIndex, weights: FieldWeights) -> Self {
        Self { index, weights, default_locale: "en".into(), knowledge: Arc::default() }
    }

    /// Sets the locale whose articles stand in for missing translations.
    pub fn with_default_locale(mut self, locale: &str) -> Self {
        self.default_locale = locale.to_owned();
        self
    }

    /// Replaces the synonyms (shared by every clone of this searcher).
    pub fn set_synonyms(&self, synonyms: Synonyms) {
        if let Ok(mut k) = self.knowledge.write() {
            k.synonyms = Arc::new(synonyms);
        }
    }

    /// Replaces the typo-correction vocabulary.
    pub fn set_vocabulary(&self, vocabulary: Vocabulary) {
        if let Ok(mut k) = self.knowledge.write() {
            k.vocabulary = Arc::new(vocabulary);
        }
    }

    /// Every word named in the synonyms (known words for typo correction).
    pub fn synonym_terms(&self) -> Vec<String> {
        self.knowledge().0.terms().collect()
    }

    fn knowledge(&self) -> (Arc<Synonyms>, Arc<Vocabulary>) {
        match self.knowledge.read() {
            Ok(k) => (Arc::clone(&k.synonyms), Arc::clone(&k.vocabulary)),
            Err(_) => (Arc::default(), Arc::default()),
        }
    }

    /// Number of documents in the index (drafts included).
    pub fn num_docs(&self) -> u64 {
        self.index.reader.searcher().num_docs()
    }

    /// Number of published documents (what `/healthz` may tell anybody).
    pub fn num_public_docs(&self) -> u64 {
        let query = TermQuery::new(Term::from_field_u64(self.index.fields.draft, 0), IndexRecordOption::Basic);
        self.index.reader.searcher().search(&query, &Count).map_or(0, |n| n as u64)
    }

    /// Corrects unknown words of `text` to known ones; `None` when nothing changed.
    pub fn correct(&self, text: &str) -> Option<String> {
        let (_, vocabulary) = self.knowledge();
        if vocabulary.is_empty() {
            return None;
        }
        let searcher = self.index.reader.searcher();
        let fields = self.index.fields;
        // A word whose stem is indexed is an inflection (`logging` → `log`), not a typo.
        let indexed = |stem: &str| {
            [fields.title, fields.keywords, fields.headings, fields.body]
                .into_iter()
                .any(|f| searcher.doc_freq(&Term::from_field_text(f, stem)).is_ok_and(|n| n > 0))
        };
        let mut fixes: Vec<(usize, usize, String)> = Vec::new();
        for token in analyze(text).into_iter().filter(|t| !t.cjk && !is_stop_word(&t.text) && !indexed(&t.text)) {
            let Some(word) = text.get(token.from..token.to).and_then(surface_word) else { continue };
            if word.bytes().any(|b| b.is_ascii_digit()) {
                continue;
            }
            if let Some(fix) = vocabulary.correct(&word) {
                fixes.push((token.from, token.to, fix));
            }
        }
        if fixes.is_empty() {
            return None;
        }
        let mut out = text.to_owned();
        for (from, to, fix) in fixes.into_iter().rev() {
            out.replace_range(from..to, &fix);
        }
        Some(out)
    }

    /// Runs a search, correcting typos. Never fails on user input.
    pub fn search(&self, req: &SearchRequest<'_>) -> Result<SearchResults, SearchError> {
        let text = query::clamp_query(req.query);
        let corrected = self.correct(text);
        let mut results =
            self.search_exact(&SearchRequest { query: corrected.as_deref().unwrap_or(text), ..req.clone() })?;
        results.corrected = corrected;
        Ok(results)
    }

    /// Runs a search for exactly the words given (no typo correction).
    pub fn search_exact(&self, req: &SearchRequest<'_>) -> Result<SearchResults, SearchError> {
        let fields = self.index.fields;
        let (synonyms, _) = self.knowledge();
        let units = query::plan(req.query, synonyms.rules(req.locale));
        let Some(text_query) = query::text_query(&fields, &self.weights, &units) else {
            return Ok(SearchResults::default());
        };
        let searcher = self.index.reader.searcher();
        let limit = req.limit.clamp(1, MAX_LIMIT);
        let offset = req.offset.min(MAX_OFFSET);

        let own = query::filtered(&fields, text_query.box_clone(), req.locale, req.category, req.include_drafts);
        let top_docs = TopDocs::with_limit(limit).and_offset(offset).order_by_score();
        let (top, mut total, mut counts) = if req.category.is_none() {
            searcher.search(&*own, &(top_docs, Count, CategoryCounts))?
        } else {
            let (top, total) = searcher.search(&*own, &(top_docs, Count))?;
            let unfiltered = query::filtered(&fields, text_query.box_clone(), req.locale, None, req.include_drafts);
            (top, total, searcher.search(&*unfiltered, &CategoryCounts)?)
        };
        let mut hits = self.hits(&searcher, &*own, req.query, top)?;

        // Articles not translated into this locale, from the default locale, after its own.
        if req.locale != self.default_locale {
            let fallback_units = query::plan(req.query, synonyms.rules(&self.default_locale));
            if let Some(fallback_text) = query::text_query(&fields, &self.weights, &fallback_units) {
                let untranslated = query::untranslated(&fields, fallback_text, req.locale);
                let fallback =
                    query::filtered(&fields, untranslated, &self.default_locale, req.category, req.include_drafts);
                let skip = offset.saturating_sub(total);
                let room = limit - hits.len();
                let page = TopDocs::with_limit(room.max(1)).and_offset(skip).order_by_score();
                let (top, fallback_total, fallback_counts) =
                    searcher.search(&*fallback, &(page, Count, CategoryCounts))?;
                for (category, n) in fallback_counts {
                    *counts.entry(category).or_default() += n;
                }
                total += fallback_total;
                if room > 0 {
                    hits.extend(self.hits(&searcher, &*fallback, req.query, top)?);
                }
            }
        }
        let mut categories: Vec<CategoryCount> =
            counts.into_iter().map(|(category, count)| CategoryCount { category, count }).collect();
        categories.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.category.cmp(&b.category)));
        Ok(SearchResults { total, hits, categories, corrected: None })
    }

    fn hits(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        raw_query: &str,
        top: Vec<(Score, DocAddress)>,
    ) -> Result<Vec<Hit>, SearchError> {
        let fields = self.index.fields;
        if top.is_empty() {
            return Ok(Vec::new());
        }
        let mut snippets = SnippetGenerator::create(searcher, query, fields.body)?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        let needles = snippet_needles(query, fields.body, raw_query);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let body = doc.get_first(fields.body).and_then(|v| v.as_str()).unwrap_or_default();
            let mut snippet = snippets.snippet(snippet_window(body, &needles));
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            let snippet_html =
                if snippet.is_empty() { escape_html(&text(fields.description)) } else { snippet.to_html() };
            let slug = text(fields.slug);
            let locale = text(fields.locale);
            hits.push(Hit {
                url: format!("/{locale}/articles/{slug}"),
                slug,
                title: text(fields.title),
                category: text(fields.category),
                snippet: snippet_html,
                locale,
                draft: doc.get_first(fields.draft).and_then(|v| v.as_u64()) == Some(1),
                score,
            });
        }
        Ok(hits)
    }
}

/// Counts matching documents per category (a fast-field facet).
struct CategoryCounts;

struct CategorySegment {
    column: Option<StrColumn>,
    counts: HashMap<u64, usize>,
}

impl Collector for CategoryCounts {
    type Fruit = HashMap<String, usize>;
    type Child = CategorySegment;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<CategorySegment> {
        Ok(CategorySegment { column: segment.fast_fields().str("category")?, counts: HashMap::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<String, usize>>) -> tantivy::Result<HashMap<String, usize>> {
        let mut all = HashMap::new();
        for fruit in fruits {
            for (k, v) in fruit {
                *all.entry(k).or_default() += v;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for CategorySegment {
    type Fruit = HashMap<String, usize>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(ord) = self.column.as_ref().and_then(|c| c.ords().first(doc)) {
            *self.counts.entry(ord).or_default() += 1;
        }
    }

    fn harvest(self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        if let Some(column) = &self.column {
            for (ord, n) in self.counts {
                let mut name = String::new();
                if column.ord_to_str(ord, &mut name).unwrap_or(false) {
                    out.insert(name, n);
                }
            }
        }
        out
    }
}

/// Lowercase strings to look for in a body to find where its first match is: the query's
/// indexed body terms (stems, bigrams) and its raw words.
fn snippet_needles(query: &dyn Query, body: tantivy::schema::Field, raw: &str) -> Vec<String> {
    let mut needles: Vec<String> = Vec::new();
    query.query_terms(&mut |term, _| {
        if term.field() == body
            && let Some(text) = term.value().as_str()
        {
            needles.push(text.to_owned());
        }
    });
    needles.extend(raw.split_whitespace().map(str::to_lowercase).filter(|w| w.chars().count() > 1));
    needles.sort();
    needles.dedup();
    needles
}

/// The part of `body` around the first needle found (ASCII case-insensitively), or its
/// start; always on character boundaries.
fn snippet_window<'a>(body: &'a str, needles: &[String]) -> &'a str {
    if body.len() <= SNIPPET_WINDOW {
        return body;
    }
    let lower = body.to_ascii_lowercase();
    let first = needles.iter().filter_map(|n| lower.find(n.as_str())).min().unwrap_or(0);
    let mut start = first.saturating_sub(SNIPPET_WINDOW / 8);
    while !body.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + SNIPPET_WINDOW).min(body.len());
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    &body[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_window_centres_on_the_first_match_and_respects_char_boundaries() {
        let body = format!("{}{}", "日本語の文章。".repeat(2000), "Refunds arrive within 10 days.");
        let window = snippet_window(&body, &["refund".to_owned()]);
        assert!(window.contains("Refunds arrive"), "window around the match");
        assert!(window.len() <= SNIPPET_WINDOW);
        let short = "short body";
        assert_eq!(snippet_window(short, &[]), short);
        let no_match = snippet_window(&body, &["zzz".to_owned()]);
        assert!(body.starts_with(no_match));
    }
}
