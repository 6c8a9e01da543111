//! Full-text search: the schema and analyzer ([`schema`], [`tokenize`]), the single writer
//! that keeps the index in step with the articles ([`indexer`]), and queries ([`searcher`]).

pub mod completions;
pub mod indexer;
pub mod query;
pub mod relevance;
pub mod schema;
pub mod searcher;
pub mod suggest;
pub mod synonyms;
pub mod tokenize;
pub mod vocabulary;

pub use indexer::{Indexer, SyncStats};
pub use schema::{SearchIndex, open_or_create};
pub use searcher::{CategoryCount, Hit, SearchRequest, SearchResults, Searcher};

/// Loads `_synonyms.toml` and rebuilds the typo vocabulary from `library` into `searcher`.
/// A broken synonyms file keeps the previous synonyms and is returned as an error.
pub fn refresh_knowledge(
    searcher: &Searcher,
    articles: &std::path::Path,
    library: &crate::article::Library,
) -> Result<(), crate::article::ArticleError> {
    let loaded = synonyms::Synonyms::load(articles);
    let result = match loaded {
        Ok(s) => {
            searcher.set_synonyms(s);
            Ok(())
        }
        Err(e) => Err(e),
    };
    let terms: Vec<String> = searcher.synonym_terms();
    searcher.set_vocabulary(vocabulary::Vocabulary::from_library(library, terms));
    result
}

/// Escapes text for HTML (snippets and suggestion highlights are built as HTML).
pub(crate) fn escape_html(text: &str) -> String {
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
