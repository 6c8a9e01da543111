//! Runs searches: one searcher per request from the shared reader, top hits by BM25 with
//! highlighted snippets generated for the shown page only.

use tantivy::collector::{Count, TopDocs};
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{TantivyDocument, Term};

use super::SearchError;
use super::query::{self, FieldWeights};
use super::schema::SearchIndex;

/// Most results one request may ask for.
pub const MAX_LIMIT: usize = 50;
/// Deepest result a request may page to.
pub const MAX_OFFSET: usize = 1000;
/// Snippet length in characters.
const SNIPPET_CHARS: usize = 200;

/// What to search for.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    /// The text as typed.
    pub query: &'a str,
    /// Visitor's locale: only its articles are returned.
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
    /// True for a draft (only in previews).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
    /// Relevance score.
    #[serde(skip)]
    pub score: f32,
}

/// A page of results.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Number of matching articles.
    pub total: usize,
    /// The requested page.
    pub hits: Vec<Hit>,
}

/// Searches an open index.
#[derive(Clone)]
pub struct Searcher {
    index: SearchIndex,
    weights: FieldWeights,
}

impl Searcher {
    /// A searcher over `index` with the given field weights.
    pub fn new(index: SearchIndex, weights: FieldWeights) -> Self {
        Self { index, weights }
    }

    /// Number of documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.index.reader.searcher().num_docs()
    }

    /// Reloads the reader after a commit made elsewhere.
    pub fn reload(&self) -> Result<(), SearchError> {
        Ok(self.index.reader.reload()?)
    }

    /// Runs a search. Never fails on user input; errors are index failures only.
    pub fn search(&self, req: &SearchRequest<'_>) -> Result<SearchResults, SearchError> {
        let fields = self.index.fields;
        let Some(query) = query::build(&fields, &self.weights, req.query, req.locale, req.category, req.include_drafts)
        else {
            return Ok(SearchResults::default());
        };
        let searcher = self.index.reader.searcher();
        let limit = req.limit.clamp(1, MAX_LIMIT);
        let offset = req.offset.min(MAX_OFFSET);
        let collector = (TopDocs::with_limit(limit).and_offset(offset).order_by_score(), Count);
        let (top, total) = searcher.search(&*query, &collector)?;
        let mut hits = Vec::with_capacity(top.len());
        if top.is_empty() {
            return Ok(SearchResults { total, hits });
        }
        let mut snippets = SnippetGenerator::create(&searcher, &*query, fields.body)?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        let needles = snippet_needles(&*query, fields.body, req.query);
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
                draft: doc.get_first(fields.draft).and_then(|v| v.as_u64()) == Some(1),
                score,
            });
        }
        Ok(SearchResults { total, hits })
    }

    /// True when an article with this id is in the index (for tests and diagnostics).
    pub fn contains(&self, id: &str) -> Result<bool, SearchError> {
        let searcher = self.index.reader.searcher();
        let query = TermQuery::new(Term::from_field_text(self.index.fields.id, id), IndexRecordOption::Basic);
        Ok(searcher.search(&query, &Count)? > 0)
    }
}

/// Bytes of body text handed to the snippet generator: enough for a good fragment, bounded
/// so that long articles do not cost milliseconds to highlight.
const SNIPPET_WINDOW: usize = 4096;

/// Lowercase strings to look for in a body to find where its first match is: the query's
/// indexed body terms (stems, bigrams) and its raw words.
fn snippet_needles(query: &dyn tantivy::query::Query, body: tantivy::schema::Field, raw: &str) -> Vec<String> {
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

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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
