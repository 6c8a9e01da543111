//! The file watcher on `articles/`: debounce raw events, ask the pure [`is_relevant`]
//! whether any matter, and call [`Reload::reload`] once per burst. It knows nothing of
//! what a reload does (the snapshot builder does that) or of the web state; a failed
//! reload is logged and whatever served before keeps serving.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tracing::{error, info, warn};

use crate::article::is_editor_temp;

/// How long the watcher waits for a burst of saves to settle before reloading.
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// What the watcher drives: one reload per burst of relevant changes.
pub trait Reload: Send {
    /// Brings what is served up to date with the folder; returns a line for the log.
    fn reload(&mut self) -> Result<String, String>;
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

fn run_reload<R: Reload + ?Sized>(reloader: &Mutex<R>) {
    let mut reloader = match reloader.lock() {
        Ok(r) => r,
        Err(poisoned) => poisoned.into_inner(),
    };
    match reloader.reload() {
        Ok(summary) => info!(%summary, "reloaded articles"),
        Err(e) => error!(error = %e, "reload failed; the previous version keeps serving"),
    }
}

/// Watches `root` recursively; each burst of relevant changes becomes one reload.
pub fn spawn<R: Reload + 'static>(root: &Path, reloader: Arc<Mutex<R>>) -> Result<Watcher, notify::Error> {
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
