//! `helpcenter index`: rebuild the search index from scratch, with a progress bar on a
//! terminal and a summary line.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;
use crate::search::{Indexer, open_or_create};

/// Rebuilds the index (drafts included, flagged so public searches skip them).
pub fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let loaded = super::loader(config)
        .load_all()
        .with_context(|| format!("cannot read the articles folder {}", config.articles.display()))?;
    let library = &loaded.catalog.preview;
    for problem in library.errors() {
        eprintln!("{problem}");
    }
    let (index, _) = open_or_create(&config.index)
        .with_context(|| format!("cannot open the index in {}", config.index.display()))?;
    let mut indexer = Indexer::new(index).context("cannot lock the index for writing (is `serve` running?)")?;
    let bar = ProgressBar::new(library.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let n = indexer.rebuild(library, &loaded.bodies, |a| {
        bar.set_message(a.path.display().to_string());
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    let errors = library.errors().count();
    println!(
        "indexed {n} articles in {} locales ({} drafts, {errors} files with errors) in {:.2?}",
        library.locales().len(),
        library.drafts,
        started.elapsed()
    );
    Ok(ExitCode::SUCCESS)
}
