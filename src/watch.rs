//! Live reload: a debounced file watcher on `articles/` and the [`Reloader`] it drives.
//!
//! The watcher is thin: it debounces raw events, asks the pure [`is_relevant`] whether any
//! matter, and calls [`Reloader::reload`] once per batch. The reloader re-parses only changed
//! files, keeps a broken file's last good version, writes the index in one commit, swaps the
//! served catalog and tells writers' open pages to reload. A failed reload is logged and the
//! previous catalog keeps serving.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tracing::{error, info, warn};

use crate::article::{Catalog, Loader, is_editor_temp};
use crate::http::AppState;
use crate::search::{Indexer, SearchError, SyncStats};

/// How long the watcher waits for a burst of saves to settle before reloading.
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// Why a reload failed (the previous version keeps serving).
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The articles folder could not be read.
    #[error("reading articles: {0}")]
    Io(#[from] std::io::Error),
    /// The index could not be written.
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// What one reload did.
#[derive(Debug, Clone, Default)]
pub struct ReloadReport {
    /// Files parsed (new or changed).
    pub parsed: usize,
    /// Index changes.
    pub sync: SyncStats,
    /// Portal URLs whose article changed (`*` when something else changed).
    pub changed: Vec<String>,
    /// Time taken.
    pub elapsed: Duration,
}

/// Counters over the reloader's life, for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReloadCounters {
    /// Reloads run.
    pub batches: u64,
    /// Index commits made.
    pub commits: u64,
}

/// Keeps the served catalog and the index in step with `articles/`.
pub struct Reloader {
    loader: Loader,
    indexer: Indexer,
    state: AppState,
    counters: ReloadCounters,
}

impl Reloader {
    /// A reloader over the loader and writer `serve` set up.
    pub fn new(loader: Loader, indexer: Indexer, state: AppState) -> Self {
        Self { loader, indexer, state, counters: ReloadCounters::default() }
    }

    /// Counters so far.
    pub fn counters(&self) -> ReloadCounters {
        self.counters
    }

    /// Loads what changed, updates the index (one commit), swaps the catalog.
    pub fn reload(&mut self) -> Result<ReloadReport, ReloadError> {
        let started = Instant::now();
        self.counters.batches += 1;
        let (catalog, stats) = self.loader.load_with_stats()?;
        let sync = self.indexer.sync(&catalog.preview)?;
        if sync.changed() {
            self.counters.commits += 1;
        }
        let mut catalog = catalog;
        if let Err(mut problem) =
            crate::search::refresh_knowledge(self.state.searcher(), self.loader.root(), &catalog.public)
        {
            warn!(error = %problem, "synonyms not reloaded; the previous ones stay in use");
            problem.problem.message.push_str(" (the previous synonyms stay in use)");
            std::sync::Arc::make_mut(&mut catalog.preview).problems.push(problem.clone());
            std::sync::Arc::make_mut(&mut catalog.public).problems.push(problem);
        }
        let changed = changed_urls(&self.state.catalog(), &catalog);
        for problem in catalog.preview.errors() {
            warn!("{problem}");
        }
        self.state.set_catalog(catalog, changed.clone());
        Ok(ReloadReport { parsed: stats.parsed, sync, changed, elapsed: started.elapsed() })
    }
}

/// URLs of articles added, changed or removed between two catalogs; `*` if none but
/// something else (a category, a problem list) changed.
fn changed_urls(old: &Catalog, new: &Catalog) -> Vec<String> {
    let before: HashMap<String, u64> = old.preview.articles().map(|a| (a.url(), a.hash)).collect();
    let after: HashMap<String, u64> = new.preview.articles().map(|a| (a.url(), a.hash)).collect();
    let mut urls: Vec<String> =
        after.iter().filter(|(u, h)| before.get(*u) != Some(h)).map(|(u, _)| u.clone()).collect();
    urls.extend(before.keys().filter(|u| !after.contains_key(*u)).cloned());
    urls.sort();
    if urls.is_empty() {
        urls.push("*".to_owned());
    }
    urls
}

/// True when a change to `path` can change what is served: Markdown and TOML files, and
/// folders (a renamed or deleted folder), but not editor temp or swap files.
pub fn is_relevant(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    if is_editor_temp(name) {
        return false;
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("md" | "toml") => true,
        Some(_) => false,
        None => !name.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// After a batch, wait this long for more before reloading: a `git pull` touching hundreds
/// of files arrives in several debounced batches and must become one reload, one commit.
pub const SETTLE: Duration = Duration::from_millis(100);

/// A running watcher; dropping it stops watching (and its reload thread).
pub struct Watcher {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
}

/// True when a debounced batch touches anything that matters.
fn batch_is_relevant(result: &DebounceEventResult) -> bool {
    match result {
        Ok(events) => events
            .iter()
            .filter(|e| !matches!(e.kind, EventKind::Access(_)))
            .flat_map(|e| e.paths.iter())
            .any(|p| is_relevant(p)),
        Err(errors) => {
            for e in errors {
                warn!(error = %e, "file watcher error");
            }
            false
        }
    }
}

fn run_reload(reloader: &Mutex<Reloader>) {
    let mut reloader = match reloader.lock() {
        Ok(r) => r,
        Err(poisoned) => poisoned.into_inner(),
    };
    match reloader.reload() {
        Ok(report) => info!(
            parsed = report.parsed,
            added = report.sync.added,
            updated = report.sync.updated,
            removed = report.sync.removed,
            ms = report.elapsed.as_millis() as u64,
            "reloaded articles"
        ),
        Err(e) => error!(error = %e, "reload failed; the previous version keeps serving"),
    }
}

/// Watches `root` recursively; each burst of relevant changes becomes one reload.
pub fn spawn(root: &Path, reloader: Arc<Mutex<Reloader>>) -> Result<Watcher, notify::Error> {
    let (tx, rx) = std::sync::mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, None, tx)?;
    debouncer.watch(root, RecursiveMode::Recursive)?;
    std::thread::Builder::new()
        .name("helpcenter-reload".into())
        .spawn(move || {
            // Ends when the debouncer (the sender) is dropped.
            while let Ok(first) = rx.recv() {
                let mut relevant = batch_is_relevant(&first);
                loop {
                    match rx.recv_timeout(SETTLE) {
                        Ok(more) => relevant |= batch_is_relevant(&more),
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
                if relevant {
                    run_reload(&reloader);
                }
            }
        })
        .map_err(|e| notify::Error::generic(&format!("cannot start the reload thread: {e}")))?;
    info!(dir = %root.display(), "watching for changes");
    Ok(Watcher { _debouncer: debouncer })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        assert!(is_relevant(Path::new("articles/en/billing/refunds.md")));
        assert!(is_relevant(Path::new("articles/_synonyms.toml")));
        assert!(is_relevant(Path::new("articles/en/billing")));
        assert!(!is_relevant(Path::new("articles/en/billing/.refunds.md.swp")));
        assert!(!is_relevant(Path::new("articles/en/billing/refunds.md~")));
        assert!(!is_relevant(Path::new("articles/en/billing/4913")));
        assert!(!is_relevant(Path::new("articles/en/billing/#refunds.md#")));
        assert!(!is_relevant(Path::new("articles/en/billing/.#refunds.md")));
        assert!(!is_relevant(Path::new("articles/en/billing/images/a.png")));
        assert!(!is_relevant(Path::new("articles/en/billing/refunds.md.tmp")));
    }
}
