//! Writer-workflow benchmark: how long from saving a file until search finds it, through the
//! real watcher, loader, index writer and searcher. Prints numbers; asserts nothing.
//!
//! ```text
//! cargo bench --bench reload
//! ```

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use helpcenter::cmd::serve::prepare;
use helpcenter::config::Config;
use helpcenter::search::SearchRequest;
use helpcenter::watch;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn found(state: &helpcenter::http::AppState, word: &str, slug: &str) -> bool {
    let req = SearchRequest { query: word, locale: "en", category: None, limit: 5, offset: 0, include_drafts: false };
    state.searcher().search(&req).map(|r| r.hits.iter().any(|h| h.slug == slug)).unwrap_or(false)
}

fn wait_for(state: &helpcenter::http::AppState, word: &str, slug: &str) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if found(state, word, slug) {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    None
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    let articles = dir.path().join("articles");
    copy_dir(&repo.join("articles"), &articles);
    let config = Config { articles: articles.clone(), index: dir.path().join("index"), ..Config::default() };
    let prepared = prepare(config).expect("prepare");
    let _watcher = watch::spawn(&articles, Arc::clone(&prepared.reloader)).expect("watch");
    let state = prepared.state;

    // 50 edits of one article, each with a new word.
    let file = articles.join("en/billing/refunds.md");
    let original = std::fs::read_to_string(&file).expect("read");
    let mut times = Vec::new();
    for i in 0..50 {
        let word = format!("editword{i}x");
        std::fs::write(&file, format!("{original}\n{word}\n")).expect("write");
        match wait_for(&state, &word, "refunds") {
            Some(t) => times.push(t),
            None => println!("edit {i}: not visible after 20 s"),
        }
    }
    times.sort();
    let pick =
        |p: f64| times.get(((times.len().saturating_sub(1)) as f64 * p).round() as usize).copied().unwrap_or_default();
    println!(
        "save → searchable, {} edits: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (debounce {} ms + settle {} ms included)",
        times.len(),
        ms(pick(0.5)),
        ms(pick(0.99)),
        ms(times.last().copied().unwrap_or_default()),
        watch::DEBOUNCE.as_millis(),
        watch::SETTLE.as_millis()
    );

    for n in [200, 500] {
        let before = prepared.reloader.lock().map(|r| r.counters()).unwrap_or_default();
        let burst = articles.join(format!("en/burst-{n}"));
        std::fs::create_dir_all(&burst).expect("mkdir");
        let started = Instant::now();
        for i in 0..n {
            let text = format!("---\ntitle: Burst {i}\n---\nburstword{n}n{i} appears in this article about bursts.\n");
            std::fs::write(burst.join(format!("b{i}.md")), text).expect("write");
        }
        let written = started.elapsed();
        let last = format!("burstword{n}n{}", n - 1);
        let visible = wait_for(&state, &last, &format!("b{}", n - 1)).map(|_| started.elapsed());
        std::thread::sleep(watch::DEBOUNCE + watch::SETTLE * 3);
        let after = prepared.reloader.lock().map(|r| r.counters()).unwrap_or_default();
        println!(
            "burst of {n} new files: written in {:.0} ms, all searchable after {:.0} ms, {} reload(s), {} commit(s)",
            ms(written),
            visible.map_or(f64::NAN, ms),
            after.batches - before.batches,
            after.commits - before.commits
        );
    }
}
