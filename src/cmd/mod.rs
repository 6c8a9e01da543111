//! The subcommands. Each `run` returns the process exit code; errors go to `main`.

pub mod check;
pub mod index;
pub mod memory;
pub mod new;
pub mod report;
pub mod search;
pub mod searchlog;
pub mod serve;

use anyhow::Context;

use crate::article::{Catalog, LoadOptions, Loader};
use crate::config::Config;
use crate::search::open_or_create;
use crate::snapshot::{Published, Reloader, SiteOptions};

/// Exit code for "problems found" (`check`).
pub const EXIT_PROBLEMS: u8 = 1;

/// A loader for the articles folder named in `config`.
pub fn loader(config: &Config) -> Loader {
    let options = LoadOptions { max_article_bytes: config.max_article_bytes, include_drafts: config.drafts };
    Loader::new(&config.articles, options)
}

/// Opens the index, loads every article into it and publishes the first snapshot.
pub fn start_reloader(config: &Config) -> anyhow::Result<(Reloader, Published)> {
    let (index, fresh) = open_or_create(&config.index)
        .with_context(|| format!("cannot open the index in {}", config.index.display()))?;
    let options = SiteOptions {
        articles: config.articles.clone(),
        weights: config.weights,
        default_locale: config.default_locale.clone(),
    };
    Reloader::start(loader(config), index, fresh, options).with_context(|| {
        format!(
            "cannot load {} into the index {} (is another `helpcenter` using it?)",
            config.articles.display(),
            config.index.display()
        )
    })
}

/// Loads the catalog (public articles and drafts), with context on failure.
pub fn load_catalog(config: &Config) -> anyhow::Result<(Loader, Catalog)> {
    let mut loader = loader(config);
    let catalog =
        loader.load().with_context(|| format!("cannot read the articles folder {}", config.articles.display()))?;
    Ok((loader, catalog))
}
