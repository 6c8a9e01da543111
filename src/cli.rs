//! Command-line interface: global flags plus one variant per subcommand.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

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

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the help portal (brings the index up to date first).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free port).
        #[arg(long, env = "HELPCENTER_ADDR")]
        addr: Option<String>,
    },
    /// Rebuild the search index from scratch.
    Index,
    /// Parse every article and report every problem (exit 1 if any error).
    Check,
}
