//! Typeahead benchmark. Prints numbers; asserts nothing.
//!
//! In-process suggest latency (p50/p99) over every prefix a visitor types of article titles,
//! and `/api/suggest` throughput over loopback (keep-alive, 8 connections, logging on into
//! SQLite), for the sample and for a corpus given by path (a 2,000-article one by default
//! when `../shared/corpus/developer-chrome` exists).
//!
//! ```text
//! cargo bench --bench suggest [-- CORPUS_PATH]
//! ```
//!
//! With `HELPCENTER_BENCH_KEYSTROKES=FILE` (lines `locale<TAB>what was typed`, in typing
//! order, e.g. the keystrokes `benches/load.sh` sends) it also times those once each, in
//! file order, against the corpus: the in-process figure on the HTTP benchmark's inputs.

mod corpus;

/// The allocator `serve` runs with (see `src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
mod http_load;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use helpcenter::article::{Catalog, Library, LoadOptions, load_library};
use helpcenter::config::Config;
use helpcenter::http::AppState;
use helpcenter::search::suggest::SuggestIndex;
use helpcenter::search::{Indexer, Searcher, open_or_create};

/// What a visitor types, keystroke by keystroke, for a sample of titles.
fn typed_prefixes(library: &Library, max_titles: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for a in library.articles().take(max_titles) {
        let words: String = a.title.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
        let chars: Vec<char> = words.chars().collect();
        for end in 1..=chars.len() {
            out.push((a.locale.clone(), chars[..end].iter().collect::<String>().to_lowercase()));
        }
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted.get(((sorted.len().saturating_sub(1)) as f64 * p).round() as usize).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

async fn bench(name: &str, library: Library, bodies: helpcenter::article::Bodies) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (search_index, _) = open_or_create(&dir.path().join("index")).expect("index");
    Indexer::new(search_index.clone()).expect("writer").rebuild(&library, &bodies, |_| {}).expect("index");
    let words = Searcher::new(search_index.clone(), Default::default()).words_with_articles();
    let started = Instant::now();
    let index = SuggestIndex::build(&library, &words);
    let build = started.elapsed();
    let prefixes = typed_prefixes(&library, 400);
    for (locale, q) in &prefixes {
        index.suggest(locale, q, 8, &[]);
    }
    let mut times = Vec::with_capacity(prefixes.len() * 3);
    // By length typed: the first keystrokes (1–2 characters) are what every visitor sends.
    let mut by_length: [Vec<Duration>; 3] = Default::default();
    for _ in 0..3 {
        for (locale, q) in &prefixes {
            let t = Instant::now();
            std::hint::black_box(index.suggest(locale, q, 8, &[]));
            let took = t.elapsed();
            times.push(took);
            let bucket = match q.chars().count() {
                0..=2 => 0,
                3..=6 => 1,
                _ => 2,
            };
            by_length[bucket].push(took);
        }
    }
    times.sort();
    for list in &mut by_length {
        list.sort();
    }
    // First run: titles not typed above, each prefix timed once, in typing order (as a
    // visitor's keystrokes meet the server: the memo holds only what earlier keystrokes and
    // visitors looked up).
    let fresh: Vec<(String, String)> = typed_prefixes(&library, 800).into_iter().skip(prefixes.len()).collect();
    let mut first: Vec<Duration> = fresh
        .iter()
        .map(|(locale, q)| {
            let t = Instant::now();
            std::hint::black_box(index.suggest(locale, q, 8, &[]));
            t.elapsed()
        })
        .collect();
    first.sort();
    println!("{name}: {} articles, index built in {:.1} ms", library.len(), build.as_secs_f64() * 1e3);
    println!(
        "  in-process suggest over {} keystroke prefixes: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        prefixes.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );
    for (label, list) in ["1-2 characters", "3-6 characters", "7+ characters"].iter().zip(&by_length) {
        println!("    {label}: p50 {:.3} ms, p99 {:.3} ms", percentile(list, 0.5), percentile(list, 0.99));
    }
    if !first.is_empty() {
        println!(
            "  first run over {} new keystroke prefixes: p50 {:.3} ms, p99 {:.3} ms, mean {:.3} ms",
            first.len(),
            percentile(&first, 0.5),
            percentile(&first, 0.99),
            first.iter().sum::<Duration>().as_secs_f64() * 1e3 / first.len() as f64
        );
    }

    if let Some(file) = std::env::var_os("HELPCENTER_BENCH_KEYSTROKES").filter(|_| name != "sample (articles/)") {
        keystrokes(&index, Path::new(&file));
    }

    // Loopback: the real router and server, search log on.
    let store =
        helpcenter::searchlog::Store::connect_lazy(&format!("sqlite://{}", dir.path().join("log.db").display()))
            .expect("store");
    let log = helpcenter::searchlog::SearchLog::start(store, 365);
    let library = Arc::new(library);
    let catalog = Catalog { public: Arc::clone(&library), preview: library };
    let searcher = Searcher::new(search_index, Default::default()).with_library(&catalog.preview);
    let snapshot = helpcenter::snapshot::Snapshot::new(catalog, searcher);
    let published = helpcenter::snapshot::Published::new(snapshot);
    let state = AppState::new(Config::default(), published, Some(log));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let server = tokio::spawn(helpcenter::http::serve(listener, state, std::future::pending()));
    let paths: Vec<String> = prefixes
        .iter()
        .take(2000)
        .map(|(l, q)| {
            let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
            format!("/api/suggest?locale={l}&q={q}")
        })
        .collect();
    let rps = http_load::load(&addr, &paths, 8, Duration::from_secs(4)).await;
    println!("  /api/suggest over loopback (8 keep-alive connections, logging on): {rps:.0} req/s");
    server.abort();
}

/// Times each keystroke of `file` once, in order, overall and per locale.
fn keystrokes(index: &SuggestIndex, file: &Path) {
    let text = std::fs::read_to_string(file).expect("keystrokes file");
    let mut by_locale: std::collections::BTreeMap<&str, Vec<Duration>> = Default::default();
    let mut all = Vec::new();
    for (locale, q) in text.lines().filter_map(|l| l.split_once('\t')) {
        let t = Instant::now();
        std::hint::black_box(index.suggest(locale, q, 8, &[]));
        let took = t.elapsed();
        all.push(took);
        by_locale.entry(locale).or_default().push(took);
    }
    let line = |label: &str, list: &mut Vec<Duration>| {
        list.sort();
        let mean = list.iter().sum::<Duration>().as_secs_f64() * 1e3 / list.len().max(1) as f64;
        println!(
            "  {label}: {} keystrokes, p50 {:.3} ms, p99 {:.3} ms, mean {mean:.3} ms",
            list.len(),
            percentile(list, 0.5),
            percentile(list, 0.99)
        );
    };
    line(&format!("keystrokes of {}", file.display()), &mut all);
    for (locale, list) in &mut by_locale {
        line(&format!("  {locale}"), list);
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus_path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .or_else(|| Some(repo.join("../shared/corpus/developer-chrome")).filter(|p| p.is_dir()));
    runtime.block_on(async {
        let (sample, bodies) = load_library(&repo.join("articles"), &LoadOptions::default()).expect("sample");
        bench("sample (articles/)", sample, bodies).await;
        if let Some(path) = corpus_path {
            let (library, bodies, _, _) = corpus::load_corpus(Path::new(&path));
            bench(&path.display().to_string(), library, bodies).await;
        }
    });
}
