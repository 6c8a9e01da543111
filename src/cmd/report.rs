//! `helpcenter report gaps|keywords|queries|articles|funnel|trends`: the analyst's reports
//! on the command line, as a table, CSV or JSON, read from the search log's rollups.

use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::cli::{ReportFormat, ReportKind};
use crate::config::Config;
use crate::report::{self, Filter, Keys, Period, Table};
use crate::searchlog::{Store, event::now};

/// What to report on: the period, locale and source.
pub struct Selection<'a> {
    /// `--since`.
    pub since: &'a str,
    /// `--until`.
    pub until: Option<&'a str>,
    /// `--locale`.
    pub locale: Option<&'a str>,
    /// `--source`.
    pub source: Option<&'a str>,
}

/// Prints one report.
pub fn run(
    config: &Config,
    kind: ReportKind,
    selection: &Selection<'_>,
    format: ReportFormat,
    limit: usize,
) -> anyhow::Result<ExitCode> {
    if config.searchlog.trim().eq_ignore_ascii_case("off") {
        bail!("the search log is off; pass --searchlog sqlite://… or postgres://…");
    }
    let period = Period::parse(selection.since, selection.until, now())?;
    let filter = Filter::new(period, selection.locale, selection.source)?;
    // The keyword report says which articles use each word: it needs the index.
    let snapshot = if kind == ReportKind::Keywords {
        match super::start_reloader(config) {
            Ok((reloader, published)) => Some((reloader, published.load())),
            Err(e) => {
                tracing::warn!(error = %e, "index unavailable: keywords listed without their articles");
                None
            }
        }
    } else {
        None
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the runtime")?;
    let (table, json) = runtime.block_on(async {
        let store = Store::connect_lazy(&config.searchlog)?;
        store.migrate().await?;
        let result = report_of(&store, kind, &filter, limit, snapshot.as_ref().map(|(_, s)| &s.searcher)).await;
        store.close().await;
        result
    })?;
    match format {
        ReportFormat::Table => print!("{}", table.to_text()),
        ReportFormat::Csv => print!("{}", table.to_csv()),
        ReportFormat::Json => {
            let doc = serde_json::json!({
                "period": filter.period, "locale": filter.locale, "source": filter.source, "rows": json
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn report_of(
    store: &Store,
    kind: ReportKind,
    filter: &Filter,
    limit: usize,
    searcher: Option<&crate::search::Searcher>,
) -> anyhow::Result<(Table, serde_json::Value)> {
    Ok(match kind {
        ReportKind::Gaps => {
            let rows = report::gaps(store, filter, limit).await?;
            (Table::gaps(&rows, Keys::Exported), serde_json::to_value(&rows)?)
        }
        ReportKind::Keywords => {
            let mentions =
                |locale: &str, word: &str| searcher.map(|s| s.mentioning(locale, word, 3)).unwrap_or_default();
            let rows = report::keywords_with(store, filter, limit, &mentions).await?;
            (Table::keywords(&rows), serde_json::to_value(&rows)?)
        }
        ReportKind::Queries => {
            let rows = report::top_queries(store, filter, limit).await?;
            (Table::queries(&rows, Keys::Exported), serde_json::to_value(&rows)?)
        }
        ReportKind::Articles => {
            let rows = report::articles(store, filter, limit).await?;
            (Table::articles(&rows), serde_json::to_value(&rows)?)
        }
        ReportKind::Funnel => {
            let metrics = report::funnel(store, filter).await?;
            (Table::funnel(&metrics), serde_json::to_value(&metrics)?)
        }
        ReportKind::Trends => {
            let rows = report::trends(store, filter).await?;
            (Table::trends(&rows), serde_json::to_value(&rows)?)
        }
    })
}
