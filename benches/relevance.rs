//! Search quality on a judged query set: MRR@10 and success@1/@3/@10 per locale and per
//! query kind, plus the queries whose answer was not first.
//!
//! ```text
//! cargo bench --bench relevance                                   # tests/relevance/queries.toml on articles/
//! cargo bench --bench relevance -- --queries my.toml /path/corpus # any judged file, any corpus
//! ```
//! A corpus is either an articles folder (`<locale>/<category>/<slug>.md`) or any Markdown
//! tree `<locale>/<path>.md(x)`, whose slugs are the path with `/` turned into `-`.

mod corpus;

use std::path::PathBuf;

use helpcenter::article::{LoadOptions, load_library};
use helpcenter::search::relevance::{evaluate, load_queries};
use helpcenter::search::{Indexer, open_or_create, open_searcher};

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut queries = repo.join("tests/relevance/queries.toml");
    let mut corpus_path: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        if arg == "--queries" {
            queries = args.next().map(PathBuf::from).unwrap_or(queries);
        } else if !arg.starts_with("--") {
            corpus_path = Some(PathBuf::from(arg));
        }
    }
    let source = corpus_path.unwrap_or_else(|| repo.join("articles"));
    let strict = load_library(&source, &LoadOptions::default()).ok().filter(|(l, _)| !l.is_empty());
    let (library, bodies) = strict.unwrap_or_else(|| {
        let (l, b, _, _) = corpus::load_corpus(&source);
        (l, b)
    });
    let judged = match load_queries(&queries) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("cannot read queries: {e}");
            std::process::exit(2);
        }
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (index, _) = open_or_create(&dir.path().join("index")).expect("index");
    Indexer::new(index.clone()).expect("writer").rebuild(&library, &bodies, |_| {}).expect("rebuild");
    let (searcher, problem) = open_searcher(&index, Default::default(), "en", &source, &library, None);
    if let Some(e) = problem {
        eprintln!("synonyms: {e}");
    }
    let report = evaluate(&searcher, &judged).expect("evaluate");
    println!("{} judged queries on {} ({} articles)", judged.len(), source.display(), library.len());
    print!("{report}");
    for miss in &report.misses {
        println!(
            "  not first: [{}] {:?} rank {} (top: {})",
            miss.query.locale,
            miss.query.q,
            miss.rank.map_or("-".to_owned(), |r| r.to_string()),
            miss.top.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        );
    }
}
