//! Full-text search: the schema and analyzer ([`schema`], [`tokenize`]), the single writer
//! that keeps the index in step with the articles ([`indexer`]), and queries ([`searcher`]).

pub mod indexer;
pub mod query;
pub mod schema;
pub mod searcher;
pub mod tokenize;

pub use indexer::{Indexer, SyncStats};
pub use schema::{SearchIndex, open_or_create};
pub use searcher::{Hit, SearchRequest, SearchResults, Searcher};

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
