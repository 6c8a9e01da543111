//! `helpcenter serve`: load the articles, bring the index up to date by content hash,
//! follow changes to `articles/`, and serve the portal until Ctrl-C or SIGTERM.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::config::Config;
use crate::http::{AppState, serve};
use crate::snapshot::Reloader;
use crate::watch;

/// Everything `serve` sets up before it listens; tests use it to run the real stack.
pub struct Prepared {
    /// The application state.
    pub state: AppState,
    /// Builds the next snapshot on a change (owns the single index writer).
    pub reloader: Arc<Mutex<Reloader>>,
}

/// Loads articles, syncs the index and publishes the first snapshot: the part of `serve`
/// that does not touch the network.
pub fn prepare(config: Config) -> anyhow::Result<Prepared> {
    config.validate()?;
    let (reloader, published) = super::start_reloader(&config)?;
    let snapshot = published.load();
    crate::snapshot::log_problems(snapshot.catalog.preview.problems.iter());
    let public = &snapshot.catalog.public;
    info!(articles = public.len(), drafts = public.drafts, locales = ?public.locales(), "articles loaded");
    let searchlog = start_searchlog(&config)?;
    super::memory::loaded();
    let state = AppState::new(config, published, searchlog);
    Ok(Prepared { state, reloader: Arc::new(Mutex::new(reloader)) })
}

/// Opens the search log named in the config (on the current runtime), or `None` when off.
/// The database is connected lazily: one that is down does not stop the portal.
fn start_searchlog(config: &Config) -> anyhow::Result<Option<crate::searchlog::SearchLog>> {
    if config.searchlog.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    if tokio::runtime::Handle::try_current().is_err() {
        warn!("no async runtime: the search log is off");
        return Ok(None);
    }
    let store = crate::searchlog::Store::connect_lazy(&config.searchlog)?;
    let journal = crate::searchlog::journal::Journal::open(
        &config.searchlog_journal,
        config.searchlog_journal_mb.saturating_mul(1024 * 1024),
    )?;
    if journal.has_backlog() {
        info!(bytes = journal.size(), path = %config.searchlog_journal.display(), "search log journal found; replaying it first");
    }
    info!(backend = store.backend(), "search log on");
    Ok(Some(crate::searchlog::SearchLog::start_journaled(store, config.retention_days, Some(journal))))
}

/// How often typeahead query completions are rebuilt from the search log.
const COMPLETIONS_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// How long a shutdown waits for queued search-log events to be written: with the
/// connection grace period (5 s by default) a SIGTERM ends well within 10 s.
const FLUSH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// How often idle rate-limit keys are forgotten.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs the server.
pub fn run(config: Config) -> anyhow::Result<ExitCode> {
    let addr = config.addr.clone();
    let watch_dir = config.watch.then(|| config.articles.clone());
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    let result = runtime.block_on(async move {
        let prepared = prepare(config)?;
        let _watcher = match watch_dir {
            Some(dir) => match watch::spawn(&dir, Arc::clone(&prepared.reloader)) {
                Ok(w) => Some(w),
                Err(e) => {
                    warn!(error = %e, "cannot watch the articles folder; changes need a restart");
                    None
                }
            },
            None => None,
        };
        // Merge the freshly written index into one segment, off the serving path.
        let compactor = Arc::clone(&prepared.reloader);
        std::thread::Builder::new()
            .name("helpcenter-compact".into())
            .spawn(move || {
                let mut reloader = match compactor.lock() {
                    Ok(r) => r,
                    Err(poisoned) => poisoned.into_inner(),
                };
                if let Err(e) = reloader.compact_now() {
                    warn!(error = %e, "merging the index failed; searches stay a little slower");
                }
                super::memory::loaded();
            })
            .context("cannot start the index merge thread")?;
        let listener = TcpListener::bind(&addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr().context("listener has no address")?;
        println!("listening on http://{local}");
        let searchlog = prepared.state.searchlog().cloned();
        if searchlog.is_some() {
            let state = prepared.state.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(COMPLETIONS_EVERY);
                loop {
                    every.tick().await;
                    let started = std::time::Instant::now();
                    match state.refresh_completions().await {
                        Ok(n) => info!(
                            completions = n,
                            ms = started.elapsed().as_millis() as u64,
                            "typeahead completions refreshed"
                        ),
                        Err(e) => warn!(error = %e, "typeahead completions not refreshed"),
                    }
                }
            });
        }
        let sweeper = prepared.state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SWEEP_EVERY);
            loop {
                every.tick().await;
                sweeper.sweep_limits();
            }
        });
        serve(listener, prepared.state, shutdown_signal()).await.context("server failed")?;
        if let Some(log) = searchlog {
            if log.flush(FLUSH_TIMEOUT).await {
                info!("search log flushed");
            } else {
                warn!("search log not fully flushed");
            }
        }
        info!("shut down cleanly");
        Ok::<_, anyhow::Error>(())
    });
    // Whatever still runs (a search on the blocking pool) must not hold the exit up.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    info!("shutdown requested");
}
