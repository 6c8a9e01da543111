//! Indexing and search benchmark. Prints numbers; asserts nothing.
//!
//! ```text
//! cargo bench --bench search                          # the sample help center
//! cargo bench --bench search -- ../shared/corpus      # plus every corpus set under a path
//! ```
//!
//! For each data set: load (parse + render) time, full index time, index size, and in-process
//! search latency p50/p99 over queries made from article titles (all, and 3-word queries).
//! With `HELPCENTER_BENCH_QUERIES=FILE` (lines `locale<TAB>query`, e.g. the mix `benches/load.sh`
//! sends) it also times those, so in-process and HTTP figures compare on the same inputs: once
//! as the other sets (warm: each query repeated) and once `first run` (each query timed the
//! first time it is searched, as a unique query meets the server: per-snapshot memos such as
//! typo corrections and tantivy's document-store cache do not help it). `first run` is the
//! figure to quote for the issue's targets.

mod corpus;

/// The allocator `serve` runs with (see `src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use helpcenter::article::{Bodies, Library, LoadOptions, load_library};
use helpcenter::search::{Indexer, SearchRequest, Searcher, open_or_create};

const RUNS_PER_QUERY: usize = 5;
const MAX_QUERIES: usize = 600;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Queries a visitor might type, made from titles: up to three words, or a CJK title's
/// first characters.
fn queries(library: &Library) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, a) in library.articles().enumerate() {
        if out.len() >= MAX_QUERIES {
            break;
        }
        let words: Vec<&str> = a.title.split_whitespace().collect();
        let cjk =
            a.title.chars().any(|c| ('\u{3040}'..='\u{9fff}').contains(&c) || ('\u{ac00}'..='\u{d7af}').contains(&c));
        let q = if cjk && words.len() < 3 {
            a.title.chars().take(6).collect()
        } else {
            let n = 1 + i % 3;
            words.iter().take(n).copied().collect::<Vec<_>>().join(" ")
        };
        if !q.trim().is_empty() {
            out.push((a.locale.clone(), q.to_lowercase()));
        }
    }
    out
}

fn report_latency(label: &str, searcher: &Searcher, queries: &[(String, String)], first_run: bool) {
    if queries.is_empty() {
        return;
    }
    let run = |(locale, q): &(String, String)| {
        let req = SearchRequest { query: q, locale, category: None, limit: 10, offset: 0, include_drafts: false };
        let started = Instant::now();
        let results = searcher.search(&req).map(|r| r.hits.len()).unwrap_or(0);
        (started.elapsed(), results)
    };
    let runs = if first_run { 1 } else { RUNS_PER_QUERY };
    if !first_run {
        for q in queries {
            run(q); // warm-up
        }
    }
    // Each time with its query: the percentiles read the times, the slowest list the queries.
    let mut timed: Vec<(Duration, &(String, String))> = Vec::with_capacity(queries.len() * runs);
    let mut with_hits = 0;
    for q in queries {
        for _ in 0..runs {
            let (t, n) = run(q);
            timed.push((t, q));
            with_hits += usize::from(n > 0);
        }
    }
    timed.sort_by_key(|&(t, _)| t);
    let times: Vec<Duration> = timed.iter().map(|&(t, _)| t).collect();
    let total: Duration = times.iter().sum();
    println!(
        "  search {label:<14} {:>4} queries  p50 {:>8.3} ms  p99 {:>8.3} ms  mean {:>7.3} ms  ({:.0}% with hits)",
        queries.len(),
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / times.len() as f64,
        100.0 * with_hits as f64 / times.len() as f64,
    );
    // `HELPCENTER_BENCH_SLOWEST=N`: the N slowest searches of the set, to see what the tail is.
    let show: usize = std::env::var("HELPCENTER_BENCH_SLOWEST").ok().and_then(|n| n.parse().ok()).unwrap_or(0);
    for &(t, (locale, q)) in timed.iter().rev().take(show) {
        println!("    {:>8.3} ms  {locale}  {q}", t.as_secs_f64() * 1e3);
    }
}

fn bench_set(name: &str, source: PathBuf, load: impl FnOnce() -> (Library, Bodies, usize, usize)) {
    let started = Instant::now();
    let (library, bodies, files, skipped) = load();
    let load_time = started.elapsed();
    println!(
        "{name}: {} articles ({files} files, {skipped} skipped) in {} locales",
        library.len(),
        library.locales().len()
    );
    println!("  load (parse)  {:>9.1} ms", load_time.as_secs_f64() * 1e3);

    let dir = tempfile::tempdir().expect("tempdir");
    let (index, _) = open_or_create(&dir.path().join("index")).expect("index");
    let mut indexer = Indexer::new(index.clone()).expect("writer");
    let started = Instant::now();
    let n = indexer.rebuild(&library, &bodies, |_| {}).expect("rebuild");
    let index_time = started.elapsed();
    println!(
        "  full index    {:>9.1} ms  ({n} docs, {:.0} docs/s, {:.1} MiB on disk)",
        index_time.as_secs_f64() * 1e3,
        n as f64 / index_time.as_secs_f64(),
        dir_size(&dir.path().join("index")) as f64 / 1_048_576.0
    );
    let started = Instant::now();
    let stats = indexer.sync(&library, &Bodies::new()).expect("sync");
    let started_merge = Instant::now();
    let merged = indexer.compact().expect("compact");
    println!("  compact       {:>9.1} ms  (merged: {merged})", started_merge.elapsed().as_secs_f64() * 1e3);
    println!("  no-op sync    {:>9.1} ms  ({} unchanged)", started.elapsed().as_secs_f64() * 1e3, stats.unchanged);

    drop(bodies);
    // As `serve` runs it: synonyms (none for a corpus), the typo vocabulary, the catalog.
    let (searcher, _) = helpcenter::search::open_searcher(&index, Default::default(), "en", &source, &library, None);
    let all = queries(&library);
    let three: Vec<_> = all.iter().filter(|(_, q)| q.split_whitespace().count() == 3).cloned().collect();
    report_latency("all", &searcher, &all, false);
    report_latency("3-word", &searcher, &three, false);
    if let Some(file) = std::env::var_os("HELPCENTER_BENCH_QUERIES") {
        let text = std::fs::read_to_string(&file).expect("read HELPCENTER_BENCH_QUERIES");
        let given: Vec<(String, String)> =
            text.lines().filter_map(|l| l.split_once('\t')).map(|(l, q)| (l.to_string(), q.to_string())).collect();
        // The first run comes from the file's end, so nothing of it was searched before.
        let (repeated, fresh) = given.split_at(given.len().saturating_sub(MAX_QUERIES * 4));
        report_latency("given", &searcher, &repeated[..repeated.len().min(MAX_QUERIES * 4)], false);
        report_latency("first run", &searcher, fresh, true);
    }
    println!("  peak RSS so far {:.0} MiB", peak_rss_mib());
}

/// Corpus sets under `path`: the path itself if it has locale folders, else its children.
fn corpus_sets(path: &Path) -> Vec<PathBuf> {
    let has_locales = |p: &Path| {
        std::fs::read_dir(p).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.path().is_dir() && helpcenter::article::is_valid_locale(&e.file_name().to_string_lossy()))
        })
    };
    if has_locales(path) {
        return vec![path.to_path_buf()];
    }
    let mut sets: Vec<PathBuf> = std::fs::read_dir(path)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.is_dir() && has_locales(p)).collect())
        .unwrap_or_default();
    sets.sort();
    sets
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    bench_set("sample (articles/)", repo.join("articles"), || {
        let (lib, bodies) = load_library(&repo.join("articles"), &LoadOptions::default()).expect("load sample");
        let n = lib.len();
        (lib, bodies, n, 0)
    });
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let paths: Vec<PathBuf> = if args.is_empty() {
        std::env::var_os("HELPCENTER_BENCH_CORPUS").map(PathBuf::from).into_iter().collect()
    } else {
        args.into_iter().map(PathBuf::from).collect()
    };
    for path in paths {
        for set in corpus_sets(&path) {
            let name = set.display().to_string();
            bench_set(&name, set.clone(), || corpus::load_corpus(&set));
        }
    }
}
