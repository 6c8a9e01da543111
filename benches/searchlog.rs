//! Search-log benchmark. Prints numbers; asserts nothing.
//!
//! 1. Search throughput over loopback (`/api/search`, keep-alive, 8 connections) with the
//!    search log off and on (SQLite), and the ratio.
//! 2. Sustained event ingest: events per second the batching writer stores in SQLite (and in
//!    PostgreSQL when `HELPCENTER_TEST_POSTGRES_URL` is set).
//!
//! ```text
//! cargo bench --bench searchlog
//! ```

mod http_load;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use helpcenter::cmd::serve::prepare;
use helpcenter::config::Config;
use helpcenter::searchlog::event::{now, random_id};
use helpcenter::searchlog::{Event, SearchEvent, SearchLog, Source, Store};
use tokio::net::TcpListener;

const CONNECTIONS: usize = 8;
const DURATION: Duration = Duration::from_secs(4);
const QUERIES: &[&str] =
    &["reset password", "refund", "invoice pdf", "slack", "two factor", "export csv", "pasword", "billing"];

async fn throughput(articles: &Path, searchlog: &str) -> (f64, Option<SearchLog>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        articles: articles.to_path_buf(),
        index: dir.path().join("index"),
        searchlog: searchlog.to_owned(),
        watch: false,
        ..Config::default()
    };
    let prepared = prepare(config).expect("prepare");
    let log = prepared.state.searchlog().cloned();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(helpcenter::http::serve(listener, prepared.state, async {
        let _ = stopped.await;
    }));
    let paths: Vec<String> =
        QUERIES.iter().map(|q| format!("/api/search?q={}&locale=en", q.replace(' ', "+"))).collect();
    let rps = http_load::load(&addr, &paths, CONNECTIONS, DURATION).await;
    let _ = stop.send(());
    let _ = server.await;
    (rps, log)
}

async fn ingest(url: &str, name: &str) {
    let store = Store::connect_lazy(url).expect("store");
    if store.migrate().await.is_err() {
        println!("ingest {name}: database unavailable, skipped");
        return;
    }
    let log = SearchLog::start(store, 365);
    let n = 100_000;
    let started = Instant::now();
    for i in 0..n {
        log.record(Event::Search(SearchEvent {
            id: random_id(),
            at: now(),
            locale: "en".into(),
            query: format!("query number {}", i % 5000),
            typed: format!("query number {}", i % 5000),
            normalized: format!("number queri {}", i % 5000),
            results: (i % 7) as i64,
            corrected: false,
            source: Source::Page,
            visit: random_id(),
            suggestion_chosen: false,
        }));
        // Sustained, not burst: keep the backlog under the queue bound.
        while log.backlog() > 20_000 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    let queued = started.elapsed();
    log.flush(Duration::from_secs(120)).await;
    let total = started.elapsed();
    let written = log.counters().written.load(Ordering::Relaxed);
    println!(
        "ingest {name}: {written} of {n} events written in {:.2} s = {:.0} events/s (queueing took {:.0} ms, {} dropped, {} lost)",
        total.as_secs_f64(),
        written as f64 / total.as_secs_f64(),
        queued.as_secs_f64() * 1e3,
        log.counters().dropped.load(Ordering::Relaxed),
        log.counters().lost.load(Ordering::Relaxed)
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    runtime.block_on(async {
        let articles = repo.join("articles");
        let (off, _) = throughput(&articles, "off").await;
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("log.db").display());
        let (on, log) = throughput(&articles, &url).await;
        if let Some(log) = &log {
            log.flush(Duration::from_secs(30)).await;
        }
        let written = log.as_ref().map_or(0, |l| l.counters().written.load(Ordering::Relaxed));
        println!("search throughput over loopback, {CONNECTIONS} connections, {} s each:", DURATION.as_secs());
        println!("  logging off: {off:.0} req/s");
        println!("  logging on (SQLite): {on:.0} req/s, {written} searches logged");
        println!("  on/off ratio: {:.3}", on / off.max(1.0));
        let dir = tempfile::tempdir().expect("tempdir");
        ingest(&format!("sqlite://{}", dir.path().join("ingest.db").display()), "SQLite").await;
        if let Ok(pg) = std::env::var("HELPCENTER_TEST_POSTGRES_URL") {
            ingest(&pg, "PostgreSQL").await;
        } else {
            println!("ingest PostgreSQL: skipped (HELPCENTER_TEST_POSTGRES_URL is not set)");
        }
    });
}
