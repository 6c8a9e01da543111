//! helpcenter: a self-hosted, self-service help center.
//!
//! Data flows one way:
//!
//! ```text
//! articles/*.md ─▶ article (front matter, Markdown) ─▶ search (schema, analyzer, indexer, searcher)
//!                                                                   │
//!                                                                   ▼
//!                                                    http (pages, api, assets, errors)
//! ```

pub mod article;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod http;
pub mod report;
pub mod search;
pub mod searchlog;
pub mod snapshot;
pub mod text;
pub mod watch;
