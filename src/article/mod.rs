//! Articles: parse front matter, render Markdown, load the whole `articles/` tree into a
//! [`Library`] that pages are served from.

mod error;
pub mod files;
pub mod front_matter;
mod library;
pub mod lint;
mod load;
pub mod nesting;
pub mod render;

pub use error::{ArticleError, MAX_PROBLEMS_PER_FILE, Problem, Severity, cap_per_file};
pub use front_matter::FrontMatter;
pub use library::{Article, Body, Category, CategorySummary, Library, Translation, article_url, encode_segment};
pub use load::{
    Bodies, Catalog, LoadOptions, LoadStats, Loaded, Loader, humanize, is_editor_temp, is_valid_locale,
    library_from_articles, load_library, parse_article,
};
pub use render::{Heading, Reference, Section};
