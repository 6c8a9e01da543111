//! CPU-heavy work off the async runtime: searches, snippets and report aggregation run on
//! tokio's blocking pool, at most one per core at a time (a semaphore), so a burst of
//! expensive queries queues behind the cores instead of occupying the async workers that
//! serve `/healthz`, pages and static files.

use std::sync::Arc;

use tokio::sync::Semaphore;

/// A bounded gate in front of `spawn_blocking`.
pub struct CpuPool {
    permits: Arc<Semaphore>,
}

impl CpuPool {
    /// One slot per available core.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self { permits: Arc::new(Semaphore::new(cores)) }
    }

    /// Runs `work` on the blocking pool once a slot is free; `None` if it panicked.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let permit = Arc::clone(&self.permits).acquire_owned().await.ok()?;
        let result = tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await;
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                tracing::error!(error = %e, "background work failed");
                None
            }
        }
    }
}
