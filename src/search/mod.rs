//! Full-text search: the schema and analyzer ([`schema`], [`tokenize`]), the single writer
//! that keeps the index in step with the articles ([`indexer`]), and queries ([`searcher`]).

pub mod analyzer;
mod any_of;
pub mod completions;
mod docs;
pub mod explain;
pub mod indexer;
pub mod loanwords;
mod memo;
pub mod query;
pub mod relevance;
pub mod schema;
pub mod searcher;
pub mod snippet;
pub mod suggest;
pub mod synonyms;
mod term_stats;
pub mod vocabulary;

pub use indexer::{Indexer, SyncStats};
pub use schema::{SearchIndex, open_or_create};
pub use searcher::{
    Answer, CategoryCount, Hit, SearchRequest, SearchResults, Searcher, SectionLink, words_with_articles,
};

use std::sync::Arc;

/// A searcher over the index's latest commit, with everything it needs: the synonyms from
/// `_synonyms.toml` in `articles` (or, when the file is broken, `previous`, returned with
/// the problem so writers see it), the typo vocabulary from the index, and the catalog.
pub fn open_searcher(
    index: &SearchIndex,
    weights: query::FieldWeights,
    default_locale: &str,
    articles: &std::path::Path,
    library: &crate::article::Library,
    previous: Option<&Arc<synonyms::Synonyms>>,
) -> (Searcher, Option<crate::article::ArticleError>) {
    let (synonyms, problem) = match synonyms::Synonyms::load(articles) {
        Ok(s) => (Arc::new(s), None),
        Err(problem) => (previous.cloned().unwrap_or_default(), Some(problem)),
    };
    let base = Searcher::new(index.clone(), weights).with_default_locale(default_locale);
    let vocabulary = vocabulary::Vocabulary::from_index(base.index(), index.fields.words, synonyms.terms());
    let searcher = base.with_knowledge(synonyms, Arc::new(vocabulary)).with_library(library);
    (searcher, problem)
}

/// Appends `text` to `out` as HTML with the byte ranges `marks` (sorted; an overlapping
/// range is skipped) in `<mark>`, each piece passed through `escape`: how snippets and
/// suggestion highlights are written.
pub(crate) fn push_marked(out: &mut String, text: &str, marks: &[(usize, usize)], escape: impl Fn(&mut String, &str)) {
    let mut at = 0;
    for &(s, e) in marks {
        if s < at {
            continue;
        }
        escape(out, &text[at..s]);
        out.push_str("<mark>");
        escape(out, &text[s..e]);
        out.push_str("</mark>");
        at = e;
    }
    escape(out, &text[at..]);
}

/// Escapes text for HTML (snippets and suggestion highlights are built as HTML).
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped for HTML.
pub(crate) fn push_escaped(out: &mut String, text: &str) {
    let mut at = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[at..i]);
        out.push_str(entity);
        at = i + 1;
    }
    out.push_str(&text[at..]);
}

/// Errors from the search layer.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy failed (I/O, corrupt segment, lock held by another process, …).
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The index directory could not be prepared.
    #[error("index directory {path}: {source}")]
    Io {
        /// The directory.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Opening the index directory failed.
    #[error("opening index: {0}")]
    Open(#[from] tantivy::directory::error::OpenDirectoryError),
}
