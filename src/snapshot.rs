//! One immutable snapshot of everything a request reads: the article catalog (published and
//! preview), a searcher pinned to one index commit with its synonyms and typo vocabulary,
//! the typeahead index and query completions, redirects and listings. A reload builds the
//! next snapshot completely, then swaps it in atomically ([`arc_swap`]); a request takes
//! the current one once and sees one consistent version from start to end, so a search
//! never returns a hit whose page is gone or a suggestion for a deleted article.
//!
//! [`Reloader`] owns the loader and the single index writer and builds snapshots; the
//! watcher drives it through [`crate::watch::Reload`]; the web layer only reads.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use tokio::sync::broadcast;
use tracing::{info, warn};

use crate::article::{ArticleError, Catalog, Library, Loader};
use crate::search::completions::Completions;
use crate::search::query::FieldWeights;
use crate::search::suggest::SuggestIndex;
use crate::search::synonyms::Synonyms;
use crate::search::{Indexer, SearchError, SearchIndex, Searcher, SyncStats};

/// Everything a request reads, as of one reload.
#[derive(Clone)]
pub struct Snapshot {
    /// Published articles and the preview with drafts.
    pub catalog: Catalog,
    /// The search engine over the index commit made for this catalog.
    pub searcher: Searcher,
    /// Typeahead over the published articles.
    pub suggest: Arc<SuggestIndex>,
    /// Popular-query completions (refreshed from the search log on their own schedule).
    pub completions: Arc<Completions>,
    /// Counts up with every reload.
    pub generation: u64,
}

impl Snapshot {
    /// A snapshot of `catalog` searched by `searcher` (the typeahead index is built here).
    pub fn new(catalog: Catalog, searcher: Searcher) -> Self {
        let suggest = typeahead(&catalog, &searcher.words_with_articles());
        Self { catalog, searcher, suggest, completions: Arc::default(), generation: 0 }
    }

    /// The library a viewer sees: with drafts for previews, published articles otherwise.
    pub fn library(&self, drafts: bool) -> &Arc<Library> {
        if drafts { &self.catalog.preview } else { &self.catalog.public }
    }
}

/// The current snapshot, shared by the one writer (the reloader) and every reader.
#[derive(Clone)]
pub struct Published {
    current: Arc<ArcSwap<Snapshot>>,
    changes: broadcast::Sender<Arc<Vec<String>>>,
}

impl Published {
    /// Starts publishing `first`.
    pub fn new(first: Snapshot) -> Self {
        let (changes, _) = broadcast::channel(64);
        Self { current: Arc::new(ArcSwap::from_pointee(first)), changes }
    }

    /// The snapshot to use for one request.
    pub fn load(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Swaps in `next` (keeping the newest completions) and tells live-reload listeners
    /// which pages changed.
    fn publish(&self, next: Snapshot, changed: Vec<String>) {
        self.current.rcu(|current| Snapshot { completions: Arc::clone(&current.completions), ..next.clone() });
        // No listener is not an error.
        let _ = self.changes.send(Arc::new(changed));
    }

    /// Swaps in `next` without telling live-reload listeners (nothing they show changed).
    fn republish(&self, next: Snapshot) {
        self.current.rcu(|current| Snapshot { completions: Arc::clone(&current.completions), ..next.clone() });
    }

    /// Replaces the query completions, everything else unchanged.
    pub fn set_completions(&self, completions: Completions) {
        let completions = Arc::new(completions);
        self.current.rcu(|current| Snapshot { completions: Arc::clone(&completions), ..Snapshot::clone(current) });
    }

    /// Subscribes to "these pages changed" notices (`*` for all), for live reload.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Vec<String>>> {
        self.changes.subscribe()
    }
}

/// Indexes up to this many documents (articles and passages) are merged into one segment
/// after every reload (a second or less); larger ones only after start.
const COMPACT_UP_TO_DOCS: u64 = 50_000;

/// What the snapshots are built from (a part of the configuration).
#[derive(Debug, Clone)]
pub struct SiteOptions {
    /// The articles folder (`_synonyms.toml` lives there too).
    pub articles: PathBuf,
    /// Search ranking weights.
    pub weights: FieldWeights,
    /// The locale standing in for missing translations.
    pub default_locale: String,
}

/// Why a reload failed (the previous snapshot keeps serving).
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

/// Builds snapshots: owns the loader and the single index writer.
pub struct Reloader {
    loader: Loader,
    indexer: Indexer,
    index: SearchIndex,
    options: SiteOptions,
    published: Published,
    counters: ReloadCounters,
}

impl Reloader {
    /// Loads every article, brings the index up to date (rebuilding it when `fresh`) and
    /// publishes the first snapshot.
    pub fn start(
        mut loader: Loader,
        index: SearchIndex,
        fresh: bool,
        options: SiteOptions,
    ) -> Result<(Self, Published), ReloadError> {
        let started = Instant::now();
        let mut indexer = Indexer::new(index.clone())?;
        let (catalog, stats, sync) = load_and_index(&mut loader, &mut indexer, fresh)?;
        info!(
            files = stats.files,
            added = sync.added,
            unchanged = sync.unchanged,
            ms = started.elapsed().as_millis() as u64,
            "articles loaded and indexed"
        );
        let first = build(&index, &options, catalog, None, 0);
        info!(ms = started.elapsed().as_millis() as u64, "first snapshot ready");
        let published = Published::new(first);
        Ok((
            Self { loader, indexer, index, options, published: published.clone(), counters: ReloadCounters::default() },
            published,
        ))
    }

    /// Counters so far.
    pub fn counters(&self) -> ReloadCounters {
        self.counters
    }

    /// Loads what changed, updates the index (one commit), publishes the next snapshot.
    pub fn reload_now(&mut self) -> Result<ReloadReport, ReloadError> {
        let started = Instant::now();
        self.counters.batches += 1;
        let (catalog, stats, sync) = load_and_index(&mut self.loader, &mut self.indexer, false)?;
        if sync.changed() {
            self.counters.commits += 1;
        }
        let current = self.published.load();
        let next =
            build(&self.index, &self.options, catalog, Some(current.searcher.synonyms()), current.generation + 1);
        let changed = changed_urls(&current.catalog, &next.catalog);
        log_problems(next.catalog.preview.errors());
        self.published.publish(next, changed.clone());
        let report = ReloadReport { parsed: stats.parsed, sync, changed, elapsed: started.elapsed() };
        if self.published.load().searcher.num_docs() <= COMPACT_UP_TO_DOCS {
            self.compact_now()?;
        }
        Ok(report)
    }

    /// Merges the index into one segment and publishes the same snapshot over it: queries
    /// then walk one set of postings. `serve` calls it once after start (in the
    /// background); small sites also after every reload.
    pub fn compact_now(&mut self) -> Result<bool, ReloadError> {
        let started = Instant::now();
        if !self.indexer.compact()? {
            return Ok(false);
        }
        let current = self.published.load();
        let next = Snapshot { searcher: current.searcher.reopened(&self.index), ..Snapshot::clone(&current) };
        self.published.republish(next);
        info!(ms = started.elapsed().as_millis() as u64, "index merged into one segment");
        Ok(true)
    }
}

impl crate::watch::Reload for Reloader {
    fn reload(&mut self) -> Result<String, String> {
        match self.reload_now() {
            Ok(r) => Ok(format!(
                "parsed={} added={} updated={} removed={} ms={}",
                r.parsed,
                r.sync.added,
                r.sync.updated,
                r.sync.removed,
                r.elapsed.as_millis()
            )),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Loads what changed and writes it to the index as it is parsed (no body waits for the
/// whole load), then commits once.
fn load_and_index(
    loader: &mut Loader,
    indexer: &mut Indexer,
    fresh: bool,
) -> Result<(Catalog, crate::article::LoadStats, SyncStats), ReloadError> {
    indexer.begin(fresh)?;
    let mut failed: Option<SearchError> = None;
    let (catalog, stats) = loader.load_into(&mut |article, body| {
        if failed.is_none()
            && let Err(e) = indexer.stage(article, &body)
        {
            failed = Some(e);
        }
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    let sync = indexer.finish(&catalog.preview)?;
    Ok((catalog, stats, sync))
}

/// Problems logged one by one; the rest are counted (all are on the content
/// problems page and in `helpcenter check`).
const PROBLEMS_LOGGED: usize = 20;

/// Logs the first problems and counts the rest.
pub fn log_problems<'a>(problems: impl Iterator<Item = &'a ArticleError>) {
    let problems: Vec<&ArticleError> = problems.collect();
    for problem in problems.iter().take(PROBLEMS_LOGGED) {
        warn!("{problem}");
    }
    if problems.len() > PROBLEMS_LOGGED {
        let errors = problems.iter().filter(|p| p.severity == crate::article::Severity::Error).count();
        warn!(
            more = problems.len() - PROBLEMS_LOGGED,
            errors,
            warnings = problems.len() - errors,
            "more content problems: see /admin/problems or run `helpcenter check`"
        );
    }
}

/// The snapshot for `catalog` over the index's latest commit. A broken synonyms file keeps
/// `previous` synonyms and is listed with the catalog's problems.
fn build(
    index: &SearchIndex,
    options: &SiteOptions,
    mut catalog: Catalog,
    previous: Option<&Arc<Synonyms>>,
    generation: u64,
) -> Snapshot {
    // The searcher and the typeahead index read the same commit (only this reloader
    // reloads the reader) and nothing of each other: built side by side.
    let commit = index.reader.searcher();
    let ((searcher, problem), suggest) = rayon::join(
        || {
            let started = Instant::now();
            let opened = crate::search::open_searcher(
                index,
                options.weights,
                &options.default_locale,
                &options.articles,
                &catalog.preview,
                previous,
            );
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "searcher opened");
            opened
        },
        || typeahead(&catalog, &crate::search::words_with_articles(&commit, &index.fields)),
    );
    debug_assert_eq!(commit.generation().generation_id(), searcher.index().generation().generation_id());
    if let Some(problem) = problem {
        note_synonyms_problem(&mut catalog, problem, previous.is_some());
    }
    Snapshot { catalog, searcher, suggest, completions: Arc::default(), generation }
}

/// The typeahead index of the published articles, from the index's words.
fn typeahead(catalog: &Catalog, words: &[(String, Vec<u64>)]) -> Arc<SuggestIndex> {
    let started = Instant::now();
    let suggest = Arc::new(SuggestIndex::build(&catalog.public, words));
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "typeahead index built");
    suggest
}

fn note_synonyms_problem(catalog: &mut Catalog, mut problem: ArticleError, kept_previous: bool) {
    warn!(error = %problem, "synonyms not loaded");
    if kept_previous {
        problem.problem.message.push_str(" (the previous synonyms stay in use)");
    }
    Arc::make_mut(&mut catalog.preview).problems.push(problem.clone());
    Arc::make_mut(&mut catalog.public).problems.push(problem);
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
