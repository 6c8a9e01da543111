//! `helpcenter check`: every problem in one run, compiler style or JSON.

use std::process::ExitCode;

use serde_json::json;

use crate::article::{ArticleError, Severity, lint};
use crate::cli::Format;
use crate::config::Config;

/// Prints all problems; exit 1 when any is an error (or a warning, with `strict`).
pub fn run(config: &Config, format: Format, strict: bool) -> anyhow::Result<ExitCode> {
    let (_, catalog) = super::load_catalog(config)?;
    let library = &catalog.preview;
    let mut problems: Vec<ArticleError> = library.problems.clone();
    problems.extend(lint::lint(library, &config.articles, &config.default_locale));
    if let Err(e) = crate::search::synonyms::Synonyms::load(&config.articles) {
        problems.push(e);
    }
    let mut problems = crate::article::cap_per_file(problems);
    problems.sort_by(|a, b| {
        a.path.cmp(&b.path).then(a.problem.line.cmp(&b.problem.line)).then(a.problem.column.cmp(&b.problem.column))
    });
    let errors = problems.iter().filter(|p| p.severity == Severity::Error).count();
    let warnings = problems.len() - errors;
    let articles = library.len();
    match format {
        Format::Text => {
            for problem in &problems {
                println!("{problem}");
            }
            println!(
                "checked {articles} articles in {} locales: {errors} error(s), {warnings} warning(s)",
                library.locales().len()
            );
        }
        Format::Json => {
            let list: Vec<_> = problems
                .iter()
                .map(|p| {
                    json!({
                        "path": p.path.to_string_lossy(),
                        "line": p.problem.line,
                        "column": p.problem.column,
                        "severity": if p.severity == Severity::Error { "error" } else { "warning" },
                        "message": p.problem.message,
                        "hint": p.problem.hint,
                    })
                })
                .collect();
            let doc = json!({ "articles": articles, "errors": errors, "warnings": warnings, "problems": list });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
    }
    let failed = errors > 0 || (strict && warnings > 0);
    Ok(if failed { ExitCode::from(super::EXIT_PROBLEMS) } else { ExitCode::SUCCESS })
}

/// Lists the loanword pairs mined from the articles (glosses and aligned headings of
/// translations), with where each was found, so writers can drop a wrong one with
/// `not_equivalent` in `_synonyms.toml`.
pub fn explain_synonyms(config: &Config, format: Format) -> anyhow::Result<ExitCode> {
    use crate::search::loanwords::Loanwords;
    use crate::search::synonyms::Synonyms;
    use crate::search::vocabulary::Vocabulary;
    let (_, catalog) = super::load_catalog(config)?;
    let synonyms = match Synonyms::load(&config.articles) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            Synonyms::default()
        }
    };
    let loanwords = Loanwords::build(&Vocabulary::default(), &catalog.preview, &synonyms);
    let pairs = loanwords.pairs();
    match format {
        Format::Text => {
            for p in pairs {
                let source = match p.source {
                    crate::search::loanwords::Source::Gloss => "gloss",
                    crate::search::loanwords::Source::Aligned => "aligned heading",
                };
                println!("{}\t{} = {}\t{source} in {} ({} article(s))", p.locale, p.cjk, p.latin, p.article, p.seen);
            }
            println!(
                "{} loanword pairs from {} articles; writers' synonyms: {} rules",
                pairs.len(),
                catalog.preview.len(),
                synonyms.len()
            );
            println!(
                "a wrong pair is dropped with `not_equivalent = [[\"<term>\", \"<latin>\"]]` under its locale in {}",
                crate::search::synonyms::FILE_NAME
            );
        }
        Format::Json => println!("{}", serde_json::to_string_pretty(&json!({ "loanwords": pairs }))?),
    }
    Ok(ExitCode::SUCCESS)
}
