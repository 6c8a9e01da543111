//! The search log's front door: handlers `record` events into a bounded queue (never
//! blocking, never failing a request); one task writes them in batches. When the database
//! is down or failing, batches go to the outage journal on local disk
//! ([`super::journal`]) and are replayed in order, before anything newer, once it answers
//! again (after a restart too); without a journal they wait in memory up to the bound.
//! What had to be dropped is counted. `flush` (on shutdown) writes or journals everything.
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
use super::journal::Journal;
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
    /// Events written to the outage journal.
    pub journaled: AtomicU64,
    /// Journaled events stored in the database since.
    pub replayed: AtomicU64,
    /// Events dropped because the journal reached its disk quota.
    pub journal_dropped: AtomicU64,
    /// Bytes in the journal now.
    pub journal_bytes: AtomicU64,
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
    /// Starts the writer task on the current runtime, without an outage journal.
    pub fn start(store: Store, retention_days: u32) -> Self {
        Self::start_journaled(store, retention_days, None)
    }

    /// Starts the writer task with an outage journal (one found there from before a
    /// restart is replayed first).
    pub fn start_journaled(store: Store, retention_days: u32, journal: Option<Journal>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_BOUND);
        let counters = Arc::new(Counters::default());
        if let Some(j) = &journal {
            counters.journal_bytes.store(j.size(), Ordering::Relaxed);
        }
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
            journal,
            replayed_to: None,
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
            c.written.load(Ordering::Relaxed)
                + c.collapsed.load(Ordering::Relaxed)
                + c.lost.load(Ordering::Relaxed)
                + c.journaled.load(Ordering::Relaxed),
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
    /// Where batches go while the database is down.
    journal: Option<Journal>,
    /// How far the journal was replayed (read from the database when a replay starts).
    replayed_to: Option<u64>,
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
        self.store.insert_owned(batch, &mut self.tally, None).await?;
        Ok(n)
    }

    /// Writes pending events in batches; `drain` keeps trying (bounded) until all are
    /// written or journaled. While a journal waits, it is replayed first and new events
    /// join it, so the database receives everything in order.
    async fn write(&mut self, drain: bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if !drain && Instant::now() < self.next_attempt {
                break;
            }
            if self.journal.as_ref().is_some_and(Journal::has_backlog) {
                if let Err(e) = self.replay().await {
                    self.failed(&e);
                }
                if self.journal.as_ref().is_some_and(Journal::has_backlog) {
                    break;
                }
            }
            if self.pending.is_empty() {
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
                    if self.journal.is_some() {
                        break;
                    }
                    if drain && Instant::now() < deadline {
                        tokio::time::sleep(RETRY_MIN).await;
                        continue;
                    }
                    break;
                }
            }
        }
        if self.pending.is_empty() {
            return;
        }
        if self.journal.is_some() {
            self.spill();
        } else if drain {
            let lost = self.pending.len() as u64;
            self.counters.lost.fetch_add(lost, Ordering::Relaxed);
            warn!(lost, "search log database unavailable at shutdown; events lost");
            self.pending.clear();
        }
    }

    /// Moves every pending event to the journal (durably), dropping only past its quota.
    fn spill(&mut self) {
        let Some(journal) = self.journal.as_mut() else { return };
        let events: Vec<Event> = self.pending.drain(..).collect();
        match journal.append(&events) {
            Ok(dropped) => {
                let kept = (events.len() - dropped) as u64;
                self.counters.journaled.fetch_add(kept, Ordering::Relaxed);
                self.counters.journal_bytes.store(journal.size(), Ordering::Relaxed);
                if dropped > 0 {
                    self.counters.journal_dropped.fetch_add(dropped as u64, Ordering::Relaxed);
                    self.counters.journaled.fetch_add(dropped as u64, Ordering::Relaxed);
                    warn!(dropped, "search log journal full; events dropped");
                }
            }
            Err(e) => {
                // The disk failed too: keep them in memory (bounded) for the next attempt.
                warn!(error = %e, "search log journal unavailable");
                self.pending.extend(events);
                while self.pending.len() > QUEUE_BOUND {
                    self.pending.pop_front();
                    self.counters.lost.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Replays the journal into the database, a batch at a time, each with its mark.
    async fn replay(&mut self) -> Result<(), String> {
        if !self.migrated {
            self.store.migrate().await.map_err(|e| e.to_string())?;
            self.migrated = true;
        }
        let Some(journal) = self.journal.as_mut() else { return Ok(()) };
        let Some(id) = journal.id().map(str::to_owned) else { return Ok(()) };
        let mut offset = match self.replayed_to {
            Some(o) => o,
            None => self.store.journal_mark(&id).await.map_err(|e| e.to_string())?.unwrap_or(0),
        };
        loop {
            let chunk = journal.read(offset, BATCH).map_err(|e| e.to_string())?;
            if chunk.end == offset && chunk.events.is_empty() {
                break;
            }
            let n = chunk.events.len() as u64;
            self.store
                .insert_owned(chunk.events, &mut self.tally, Some((&id, chunk.end)))
                .await
                .map_err(|e| e.to_string())?;
            self.counters.replayed.fetch_add(n, Ordering::Relaxed);
            offset = chunk.end;
            self.replayed_to = Some(offset);
        }
        let replayed = self.counters.replayed.load(Ordering::Relaxed);
        journal.finish().map_err(|e| e.to_string())?;
        self.replayed_to = None;
        self.counters.journal_bytes.store(0, Ordering::Relaxed);
        self.backoff = RETRY_MIN;
        info!(replayed, "search log journal replayed");
        Ok(())
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
