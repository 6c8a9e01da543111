//! Articles: parse front matter, render Markdown, load the whole `articles/` tree into a
//! [`Library`] that pages are served from.

mod error;
pub mod front_matter;
mod library;
pub mod lint;
mod load;
pub mod render;

pub use error::{ArticleError, Problem, Severity};
pub use front_matter::FrontMatter;
pub use library::{Article, Category, CategorySummary, Library, Translation};
pub use load::{
    Catalog, LoadOptions, LoadStats, Loader, humanize, is_editor_temp, is_valid_locale, library_from_articles,
    load_library, parse_article,
};
pub use render::{Heading, Reference};
