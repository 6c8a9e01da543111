//! The `helpcenter` binary: parse the command line, set up logging, run a command, print
//! the error chain and exit with its code (0 ok, 1 problems found, 2 usage or internal error).

use std::process::ExitCode;

use clap::Parser;
use helpcenter::cli::{Cli, Command};
use helpcenter::cmd;
use helpcenter::config::Config;

/// mimalloc instead of glibc's malloc: a search builds and drops many short-lived scorer
/// buffers on several blocking-pool threads, where glibc's per-arena locks and
/// consolidation took a quarter of the CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cmd::memory::loading();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HELPCENTER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tantivy=warn,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref(), |k| std::env::var(k).ok())?;
    if let Some(articles) = cli.articles {
        config.articles = articles;
    }
    if let Some(index) = cli.index {
        config.index = index;
    }
    if let Some(searchlog) = cli.searchlog {
        config.searchlog = searchlog;
    }
    match cli.command {
        Command::Serve { addr, dev, drafts, no_watch } => {
            if let Some(addr) = addr {
                config.addr = addr;
            }
            config.dev |= dev;
            config.drafts |= drafts;
            config.watch &= !no_watch;
            cmd::serve::run(config)
        }
        Command::Index => cmd::index::run(&config),
        Command::Check { format, strict, explain_synonyms } => {
            if explain_synonyms {
                cmd::check::explain_synonyms(&config, format)
            } else {
                cmd::check::run(&config, format, strict)
            }
        }
        Command::Search { query, locale, limit, explain } => {
            cmd::search::run(&config, &query, locale.as_deref(), limit, explain)
        }
        Command::New { path, title } => cmd::new::run(&config, &path, title.as_deref()),
        Command::Searchlog { action } => match action {
            helpcenter::cli::SearchlogAction::Import { file, batch } => {
                cmd::searchlog::import(&config, &file, batch as usize)
            }
            helpcenter::cli::SearchlogAction::Export { since, output } => {
                cmd::searchlog::export(&config, since.as_deref(), output.as_deref())
            }
        },
        Command::Report { kind, since, until, locale, source, format, limit } => {
            let selection = cmd::report::Selection {
                since: &since,
                until: until.as_deref(),
                locale: locale.as_deref(),
                source: source.as_deref(),
            };
            cmd::report::run(&config, kind, &selection, format, limit)
        }
    }
}
