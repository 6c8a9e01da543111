//! Command-line interface: global flags plus one variant per subcommand.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// A self-hosted, self-service help center.
#[derive(Debug, Parser)]
#[command(name = "helpcenter", version, about)]
pub struct Cli {
    /// Articles folder (`<locale>/<category>/<slug>.md`).
    #[arg(long, global = true, env = "HELPCENTER_ARTICLES")]
    pub articles: Option<PathBuf>,
    /// Search index folder (generated; safe to delete).
    #[arg(long, global = true, env = "HELPCENTER_INDEX")]
    pub index: Option<PathBuf>,
    /// Config file (default: `helpcenter.toml` if present).
    #[arg(long, global = true, env = "HELPCENTER_CONFIG")]
    pub config: Option<PathBuf>,
    /// Search log: sqlite://path.db, postgres://user@host/db, or off.
    #[arg(long, global = true, env = "HELPCENTER_SEARCHLOG")]
    pub searchlog: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `path:line:column: level: message` lines.
    Text,
    /// One JSON document, for CI.
    Json,
}

/// Output format of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned columns.
    Table,
    /// CSV.
    Csv,
    /// JSON.
    Json,
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKind {
    /// Queries that did not lead to an answer, by impact.
    Gaps,
    /// The words of failed searches, by how many distinct failed queries use them.
    Keywords,
    /// Most searched query groups.
    Queries,
    /// Article helpfulness.
    Articles,
    /// Searches → clicks → helpful/contact.
    Funnel,
    /// Activity per day.
    Trends,
}

/// `searchlog` actions.
#[derive(Debug, Subcommand)]
pub enum SearchlogAction {
    /// Read events (one JSON object per line; `-` for standard input), checked and redacted
    /// like live ones; refused lines are listed with their numbers (exit 1), the rest kept.
    Import {
        /// The JSON Lines file.
        file: PathBuf,
        /// Events written per transaction. Larger batches import large logs faster (each
        /// commit rewrites the pages it touched) and hold more memory (two batches at a
        /// time): 300,000 take about 600 MB.
        #[arg(long, default_value_t = 300_000, value_parser = clap::value_parser!(u32).range(1_000..=5_000_000))]
        batch: u32,
    },
    /// Write every event as JSON Lines, in time order.
    Export {
        /// Only events of this period (30d, 2w, or a start date).
        #[arg(long)]
        since: Option<String>,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the help portal (brings the index up to date first, then follows changes).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free port).
        #[arg(long, env = "HELPCENTER_ADDR")]
        addr: Option<String>,
        /// Writer mode: open pages reload themselves when their article changes.
        #[arg(long)]
        dev: bool,
        /// Show draft articles to every visitor (a preview server).
        #[arg(long)]
        drafts: bool,
        /// Do not watch `articles/` for changes.
        #[arg(long)]
        no_watch: bool,
    },
    /// Rebuild the search index from scratch.
    Index,
    /// Check every article and report every problem (exit 1 if any error).
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also exit 1 on warnings.
        #[arg(long)]
        strict: bool,
        /// List the loanword pairs mined from the articles (to correct wrong ones).
        #[arg(long)]
        explain_synonyms: bool,
    },
    /// Report on the search log: what customers searched for and did not find.
    Report {
        /// Which report.
        #[arg(value_enum)]
        kind: ReportKind,
        /// Period: 30d, 2w, or a start date (2026-01-31); reports count whole UTC days.
        #[arg(long, default_value = "30d")]
        since: String,
        /// End of the period: a date (inclusive); default now.
        #[arg(long)]
        until: Option<String>,
        /// Only this locale.
        #[arg(long)]
        locale: Option<String>,
        /// Only searches from `page`, `api` or `typeahead`.
        #[arg(long)]
        source: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Most rows shown.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Import or export the search log as JSON Lines.
    Searchlog {
        /// What to do.
        #[command(subcommand)]
        action: SearchlogAction,
    },
    /// Search as the portal does; `--explain` shows why each result ranks where it does.
    Search {
        /// The query.
        query: String,
        /// Locale searched (default: the default locale).
        #[arg(long)]
        locale: Option<String>,
        /// Results shown.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print the query plan and each hit's scoring terms.
        #[arg(long)]
        explain: bool,
    },
    /// Create a new article from a template: `helpcenter new en/billing/refund-timing`.
    New {
        /// `<locale>/<category>/<slug>`.
        path: String,
        /// Title (default: from the slug).
        #[arg(long)]
        title: Option<String>,
    },
}
