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
