//! The subcommands. Each `run` returns the process exit code; errors go to `main`.

pub mod check;
pub mod index;
pub mod serve;

use std::process::ExitCode;

use anyhow::Context;

use crate::article::{Library, LoadOptions, load_library};
use crate::config::Config;

/// Exit code for "problems found" (`check`).
pub const EXIT_PROBLEMS: u8 = 1;

/// Loads the article tree named in `config`, with context on failure.
pub fn load(config: &Config) -> anyhow::Result<Library> {
    let options = LoadOptions { max_article_bytes: config.max_article_bytes, include_drafts: false };
    load_library(&config.articles, &options)
        .with_context(|| format!("cannot read the articles folder {}", config.articles.display()))
}

/// The success exit code.
pub fn ok() -> ExitCode {
    ExitCode::SUCCESS
}
