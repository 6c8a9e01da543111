//! `helpcenter report gaps|queries|articles|funnel|trends`: the analyst's reports on the
//! command line, as a table, CSV or JSON.

use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::cli::{ReportFormat, ReportKind};
use crate::config::Config;
use crate::report::{self, Period, Table};
use crate::searchlog::{Store, event::now};

/// Prints one report.
pub fn run(
    config: &Config,
    kind: ReportKind,
    (since, until): (&str, Option<&str>),
    locale: Option<&str>,
    format: ReportFormat,
    limit: usize,
) -> anyhow::Result<ExitCode> {
    if config.searchlog.trim().eq_ignore_ascii_case("off") {
        bail!("the search log is off; pass --searchlog sqlite://… or postgres://…");
    }
    let period = Period::parse(since, until, now())?;
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the runtime")?;
    let data = runtime.block_on(async {
        let store = Store::connect_lazy(&config.searchlog)?;
        store.migrate().await?;
        let data = store.load(period.previous().from, period.to, locale).await;
        store.close().await;
        data
    })?;
    let (table, json) = match kind {
        ReportKind::Gaps => {
            let rows = report::gaps(&data, &period, limit);
            (Table::gaps(&rows), serde_json::to_value(&rows)?)
        }
        ReportKind::Queries => {
            let rows = report::top_queries(&data, &period, limit);
            (Table::queries(&rows), serde_json::to_value(&rows)?)
        }
        ReportKind::Articles => {
            let rows = report::articles(&data, &period, limit);
            (Table::articles(&rows), serde_json::to_value(&rows)?)
        }
        ReportKind::Funnel => {
            let funnel = report::funnel(&data, &period);
            (Table::funnel(&funnel), serde_json::to_value(&funnel)?)
        }
        ReportKind::Trends => {
            let rows = report::trends(&data, &period);
            (Table::trends(&rows), serde_json::to_value(&rows)?)
        }
    };
    match format {
        ReportFormat::Table => print!("{}", table.to_text()),
        ReportFormat::Csv => print!("{}", table.to_csv()),
        ReportFormat::Json => {
            let doc = serde_json::json!({ "period": period, "locale": locale, "rows": json });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
