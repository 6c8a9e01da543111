//! Hostile-input benchmark: how long parsing and rendering one article file takes, per MB,
//! for the shapes that used to be quadratic (deep quotes, lists, raw HTML) and for other
//! worst cases (brackets, emphasis runs, backticks, tables, headings, links), at growing
//! sizes up to the 1 MiB file limit; plus the synonyms file at and over its limits. A
//! linear parser shows a flat ms/MB column. Prints numbers; asserts nothing.
//!
//! ```text
//! cargo bench --bench pathological
//! ```

use std::path::Path;
use std::time::Instant;

use helpcenter::article::parse_article;
use helpcenter::search::synonyms::Synonyms;

/// Makes a body of about `n` bytes.
type Generator = fn(usize) -> String;

/// Body generators by name.
fn shapes() -> Vec<(&'static str, Generator)> {
    vec![
        ("plain paragraphs", |n| "Refunds arrive within ten days of the request. ".repeat(n / 48)),
        ("nested quotes (refused)", |n| ">".repeat(n)),
        ("nested lists (refused)", |n| "- ".repeat(n / 2)),
        ("nested divs (refused)", |n| "<div>".repeat(n / 5)),
        ("quotes at the limit", |n| format!("{}x\n\n", "> ".repeat(100)).repeat(n / 203)),
        ("unclosed brackets", |n| "[".repeat(n)),
        ("link-like brackets", |n| "[a](".repeat(n / 4)),
        ("emphasis runs", |n| "*a **b ***c ".repeat(n / 12)),
        ("backticks", |n| "`a ``b ".repeat(n / 7)),
        ("html tags flat", |n| "<span>x</span> ".repeat(n / 15)),
        ("table 200 columns", |n| {
            let row = format!("|{}\n", " c |".repeat(200));
            let head = format!("{row}|{}\n", "---|".repeat(200));
            format!("{head}{}", row.repeat(n / row.len()))
        }),
        ("many headings", |n| (0..n / 20).map(|i| format!("## Heading {i}\n\n")).collect()),
        ("many links", |n| "[refunds](../billing/refunds.md#timing) ".repeat(n / 40)),
        ("footnotes", |n| (0..n / 30).map(|i| format!("text[^{i}]\n\n[^{i}]: note {i}\n\n")).collect()),
    ]
}

fn main() {
    println!("{:<26} {:>9} {:>10} {:>9} {:>9}", "shape", "bytes", "result", "ms", "ms/MB");
    for (name, make) in shapes() {
        for size in [128 * 1024, 512 * 1024, 1000 * 1024] {
            let file = format!("---\ntitle: Bench\n---\n{}", make(size));
            let started = Instant::now();
            let parsed = parse_article(Path::new("en/x/bench.md"), "en", "x", "bench", file.as_bytes());
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            let result = match parsed {
                Ok(_) => "ok".to_owned(),
                Err(e) => format!("refused@{}", e.problem.line),
            };
            let per_mb = ms / (file.len() as f64 / (1024.0 * 1024.0));
            println!("{name:<26} {:>9} {result:>10} {ms:>9.2} {per_mb:>9.1}", file.len());
        }
    }
    println!();
    for (name, text) in [
        ("synonyms: one 10k-term group", group_file(1, 10_000)),
        ("synonyms: 200 groups of 50", group_file(200, 50)),
        ("synonyms: 2,000 groups of 5", group_file(2000, 5)),
    ] {
        let started = Instant::now();
        let result = Synonyms::parse(&text).map(|s| format!("{} rules", s.len())).unwrap_or_else(|e| e.message);
        println!("{name:<30} {:>8} bytes {:>8.2} ms  {result}", text.len(), started.elapsed().as_secs_f64() * 1000.0);
    }
}

fn group_file(groups: usize, terms: usize) -> String {
    let mut text = String::from("[en]\nequivalent = [\n");
    for g in 0..groups {
        let list: Vec<String> = (0..terms).map(|t| format!("\"w{g}x{t}\"")).collect();
        text.push_str(&format!("  [{}],\n", list.join(", ")));
    }
    text.push_str("]\n");
    text
}
