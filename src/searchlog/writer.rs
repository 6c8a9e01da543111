//! The search log's front door: handlers `record` events into a bounded queue (never
//! blocking, never failing a request); one task writes them in batches. When the database
//! is down, events wait in memory up to the bound and writes are retried with backoff;
//! what had to be dropped is counted. `flush` (on shutdown) writes everything queued.
//!
//! Typeahead searches are collapsed per visit: typing `reset password` letter by letter
//! stores one search (the final query), not fourteen.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};
use tracing::{info, warn};

use super::event::{Event, SearchEvent, Source, now};
use super::store::Store;
use super::tally::Tally;

/// Events held in memory at most (queue + unwritten batch).
pub const QUEUE_BOUND: usize = 50_000;
/// Largest batch written in one transaction.
const BATCH: usize = 500;
/// Longest time an event waits before its batch is written.
const BATCH_WAIT: Duration = Duration::from_millis(200);
/// A typeahead search is final after this long without a follow-up from the same visit.
pub const TYPEAHEAD_IDLE: Duration = Duration::from_secs(2);
/// Retry backoff bounds while the database is down.
const RETRY_MIN: Duration = Duration::from_millis(500);
const RETRY_MAX: Duration = Duration::from_secs(30);
/// Retention purge interval.
const PURGE_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Counters, exported on `/metrics`.
#[derive(Debug, Default)]
pub struct Counters {
    /// Events accepted into the queue.
    pub enqueued: AtomicU64,
    /// Events written to the database.
    pub written: AtomicU64,
    /// Events refused because the queue was full.
    pub dropped: AtomicU64,
    /// Events accepted, then lost: the writer's buffer overflowed while the database was
    /// down, or the database was still down at shutdown.
    pub lost: AtomicU64,
    /// Typeahead searches merged into a later one.
    pub collapsed: AtomicU64,
    /// Failed write attempts.
    pub write_errors: AtomicU64,
    /// Rows removed by retention.
    pub purged: AtomicU64,
}

enum Message {
    Event(Event),
    Flush(oneshot::Sender<()>),
}

/// A handle to the log; cheap to clone.
#[derive(Clone)]
pub struct SearchLog {
    tx: mpsc::Sender<Message>,
    counters: Arc<Counters>,
    store: Store,
}

impl std::fmt::Debug for SearchLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchLog").field("backend", &self.store.backend()).finish()
    }
}

impl SearchLog {
    /// Starts the writer task on the current runtime.
    pub fn start(store: Store, retention_days: u32) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_BOUND);
        let counters = Arc::new(Counters::default());
        let writer = Writer {
            store: store.clone(),
            counters: Arc::clone(&counters),
            pending: VecDeque::new(),
            typeahead: HashMap::new(),
            retention_days,
            migrated: false,
            next_attempt: Instant::now(),
            backoff: RETRY_MIN,
            last_purge: None,
            tally: Tally::default(),
        };
        tokio::spawn(writer.run(rx));
        Self { tx, counters, store }
    }

    /// Queues an event; drops (and counts) it if the queue is full. Never blocks.
    pub fn record(&self, event: Event) {
        match self.tx.try_send(Message::Event(event)) {
            Ok(()) => {
                self.counters.enqueued.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                let dropped = self.counters.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if dropped.is_power_of_two() {
                    warn!(dropped, "search log queue full; events dropped");
                }
            }
        }
    }

    /// Writes everything queued so far (pending typeahead searches included); returns when
    /// done or after `timeout`.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Message::Flush(done)).await.is_err() {
            return false;
        }
        tokio::time::timeout(timeout, wait).await.is_ok_and(|r| r.is_ok())
    }

    /// The counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Events accepted but not yet written or dropped.
    pub fn backlog(&self) -> u64 {
        let c = &self.counters;
        c.enqueued.load(Ordering::Relaxed).saturating_sub(
            c.written.load(Ordering::Relaxed) + c.collapsed.load(Ordering::Relaxed) + c.lost.load(Ordering::Relaxed),
        )
    }

    /// The store, for reports.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

struct Writer {
    store: Store,
    counters: Arc<Counters>,
    pending: VecDeque<Event>,
    /// Per visit: the latest typeahead search and when it arrived.
    typeahead: HashMap<String, (SearchEvent, Instant)>,
    retention_days: u32,
    migrated: bool,
    next_attempt: Instant,
    backoff: Duration,
    last_purge: Option<Instant>,
    /// Distinct-visit memory for the rollups.
    tally: Tally,
}

/// True when `next` continues `prev` (typing on, or backspacing), compared as typed, before
/// redaction.
fn continues(prev: &str, next: &str) -> bool {
    let (p, n) = (prev.trim().to_lowercase(), next.trim().to_lowercase());
    n.starts_with(&p) || p.starts_with(&n)
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Message>) {
        let mut tick = tokio::time::interval(BATCH_WAIT);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                message = rx.recv() => match message {
                    Some(Message::Event(event)) => {
                        self.accept(event);
                        if self.pending.len() >= BATCH {
                            self.write(false).await;
                        }
                    }
                    Some(Message::Flush(done)) => {
                        while let Ok(Message::Event(event)) = rx.try_recv() {
                            self.accept(event);
                        }
                        self.release_typeahead(true);
                        self.write(true).await;
                        let _ = done.send(());
                    }
                    None => {
                        self.release_typeahead(true);
                        self.write(true).await;
                        break;
                    }
                },
                _ = tick.tick() => {
                    self.release_typeahead(false);
                    self.write(false).await;
                    self.purge_if_due().await;
                }
            }
        }
    }

    fn accept(&mut self, event: Event) {
        match event {
            Event::Search(search) if search.source == Source::Typeahead => {
                let visit = search.visit.clone();
                match self.typeahead.remove(&visit) {
                    Some((prev, _)) if continues(&prev.typed, &search.typed) => {
                        self.counters.collapsed.fetch_add(1, Ordering::Relaxed);
                        let chosen = prev.suggestion_chosen || search.suggestion_chosen;
                        self.typeahead
                            .insert(visit, (SearchEvent { suggestion_chosen: chosen, ..search }, Instant::now()));
                    }
                    Some((prev, _)) => {
                        self.push(Event::Search(prev));
                        self.typeahead.insert(visit, (search, Instant::now()));
                    }
                    None => {
                        self.typeahead.insert(visit, (search, Instant::now()));
                    }
                }
            }
            Event::Click(click) if click.kind == "suggestion" => {
                // The click may refer to an earlier prefix of the pending search.
                if let Some((pending, _)) = self.typeahead.get_mut(&click.visit) {
                    pending.suggestion_chosen = true;
                    let click = super::event::ClickEvent { search_id: pending.id.clone(), ..click };
                    self.push(Event::Click(click));
                } else {
                    self.push(Event::Click(click));
                }
            }
            Event::Search(search) => {
                // Typing then pressing Enter is one search: the submitted one.
                if let Some((pending, _)) = self.typeahead.get(&search.visit)
                    && continues(&pending.typed, &search.typed)
                {
                    self.typeahead.remove(&search.visit);
                    self.counters.collapsed.fetch_add(1, Ordering::Relaxed);
                }
                self.push(Event::Search(search));
            }
            other => self.push(other),
        }
    }

    fn push(&mut self, event: Event) {
        if self.pending.len() >= QUEUE_BOUND {
            self.pending.pop_front();
            self.counters.lost.fetch_add(1, Ordering::Relaxed);
        }
        self.pending.push_back(event);
    }

    fn release_typeahead(&mut self, all: bool) {
        let idle: Vec<String> = self
            .typeahead
            .iter()
            .filter(|(_, (_, at))| all || at.elapsed() >= TYPEAHEAD_IDLE)
            .map(|(visit, _)| visit.clone())
            .collect();
        // Searches must be stored before clicks that refer to them: put them first.
        for visit in idle {
            if let Some((search, _)) = self.typeahead.remove(&visit) {
                self.pending.push_front(Event::Search(search));
            }
        }
    }

    /// Migrates once, then stores the next batch; returns how many events it stored.
    async fn attempt(&mut self) -> Result<usize, super::store::StoreError> {
        if !self.migrated {
            self.store.migrate().await?;
            self.migrated = true;
        }
        let n = self.pending.len().min(BATCH);
        let batch: Vec<Event> = self.pending.iter().take(n).cloned().collect();
        self.store.insert_tallied(&batch, &mut self.tally).await?;
        Ok(n)
    }

    /// Writes pending events in batches; `drain` keeps trying (bounded) until all are written.
    async fn write(&mut self, drain: bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.pending.is_empty() {
            if !drain && Instant::now() < self.next_attempt {
                return;
            }
            match self.attempt().await {
                Ok(n) => {
                    self.pending.drain(..n);
                    self.counters.written.fetch_add(n as u64, Ordering::Relaxed);
                    self.backoff = RETRY_MIN;
                    self.next_attempt = Instant::now();
                }
                Err(e) => {
                    self.failed(&e.to_string());
                    if drain && Instant::now() < deadline {
                        tokio::time::sleep(RETRY_MIN).await;
                        continue;
                    }
                    break;
                }
            }
        }
        if drain && !self.pending.is_empty() {
            let lost = self.pending.len() as u64;
            self.counters.lost.fetch_add(lost, Ordering::Relaxed);
            warn!(lost, "search log database unavailable at shutdown; events lost");
            self.pending.clear();
        }
    }

    fn failed(&mut self, error: &str) {
        self.counters.write_errors.fetch_add(1, Ordering::Relaxed);
        warn!(
            error,
            queued = self.pending.len(),
            retry_in_ms = self.backoff.as_millis() as u64,
            "search log write failed; will retry"
        );
        self.next_attempt = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(RETRY_MAX);
    }

    async fn purge_if_due(&mut self) {
        if !self.migrated || self.last_purge.is_some_and(|t| t.elapsed() < PURGE_EVERY) {
            return;
        }
        self.last_purge = Some(Instant::now());
        let before = now() - i64::from(self.retention_days) * 86_400;
        match self.store.purge(before).await {
            Ok(n) => {
                self.counters.purged.fetch_add(n, Ordering::Relaxed);
                if n > 0 {
                    info!(rows = n, days = self.retention_days, "search log retention purge");
                }
            }
            Err(e) => warn!(error = %e, "search log retention purge failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_on_or_backspacing_continues_a_query() {
        assert!(continues("res", "reset pa"));
        assert!(continues("reset password", "reset pass"));
        assert!(!continues("refund", "invoice"));
    }
}
