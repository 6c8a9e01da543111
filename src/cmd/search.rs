//! `helpcenter search`: run a search from the command line, as the portal would, and with
//! `--explain` show why each result ranks where it does (the query plan, then the terms
//! and fields that scored in the article and in its best section).

use std::process::ExitCode;

use crate::config::Config;
use crate::search::SearchRequest;

/// Brings the index up to date, searches and prints the first page.
pub fn run(
    config: &Config,
    query: &str,
    locale: Option<&str>,
    limit: usize,
    explain: bool,
) -> anyhow::Result<ExitCode> {
    let (_reloader, published) = super::start_reloader(config)?;
    let snapshot = published.load();
    let locale = locale.unwrap_or(&config.default_locale);
    let request = SearchRequest { limit, ..SearchRequest::new(query, locale) };
    let explained = snapshot.searcher.explain(&request)?;
    let results = &explained.results;
    if let Some(corrected) = &results.corrected {
        println!("showing results for: {corrected}");
    }
    if explain {
        println!("plan: {}", explained.plan);
    }
    if let Some(answer) = &results.answer {
        println!("answer: {} ({})", answer.title, answer.url);
    }
    println!("{} matching articles", results.total);
    for (i, hit) in results.hits.iter().enumerate() {
        let section = hit.section.as_ref().map(|s| format!(" › {}", s.title)).unwrap_or_default();
        println!("{:>2}. {:>7.3}  {}/{}  {}{section}", i + 1, hit.score, hit.locale, hit.slug, hit.title);
        if explain && let Some((article, passage)) = explained.reasons.get(i) {
            let line = |c: &[crate::search::explain::Contribution]| {
                c.iter()
                    .take(8)
                    .map(|c| format!("{}:{}={:.2}", c.field, c.term, c.score))
                    .collect::<Vec<_>>()
                    .join("  ")
            };
            println!("      article  {}", line(article));
            println!("      section  {}", line(passage));
        }
    }
    Ok(ExitCode::SUCCESS)
}
