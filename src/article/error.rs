//! Errors about one article file: where (file, line, column), what, and how to fix it.

use std::fmt;
use std::path::PathBuf;

/// A problem at a position in a file, with an optional hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Problem {
    /// A problem at `line`:`column`.
    pub fn at(line: usize, column: usize, message: impl Into<String>) -> Self {
        Self { line, column, message: message.into(), hint: None }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// How serious a problem is: errors keep the article out (or on its last good version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth fixing; the article is still published.
    Warning,
    /// The article could not be loaded.
    Error,
}

/// A problem in a specific file under the articles directory.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub struct ArticleError {
    /// Path relative to the articles directory, e.g. `en/billing/refunds.md`.
    pub path: PathBuf,
    /// Error or warning.
    pub severity: Severity,
    /// Where and what.
    pub problem: Problem,
}

impl ArticleError {
    /// An error in `path`.
    pub fn error(path: impl Into<PathBuf>, problem: Problem) -> Self {
        Self { path: path.into(), severity: Severity::Error, problem }
    }

    /// A warning in `path`.
    pub fn warning(path: impl Into<PathBuf>, problem: Problem) -> Self {
        Self { path: path.into(), severity: Severity::Warning, problem }
    }
}

impl fmt::Display for ArticleError {
    /// `path:line:column: error: message` (compiler style, so editors can jump to it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {level}: {}",
            self.path.display(),
            self.problem.line,
            self.problem.column,
            self.problem.message
        )?;
        if let Some(hint) = &self.problem.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Most problems listed for one file; the rest become one summary line, so a file with
/// thousands of broken links cannot make `check` or the problems page huge.
pub const MAX_PROBLEMS_PER_FILE: usize = 20;

/// Keeps the first [`MAX_PROBLEMS_PER_FILE`] problems of each file (in order) and adds one
/// line saying how many more there are.
pub fn cap_per_file(problems: Vec<ArticleError>) -> Vec<ArticleError> {
    let mut counts: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    let mut kept = Vec::with_capacity(problems.len().min(10_000));
    for p in problems {
        let n = counts.entry(p.path.clone()).or_insert(0);
        *n += 1;
        if *n <= MAX_PROBLEMS_PER_FILE {
            kept.push(p);
        }
    }
    let mut over: Vec<(PathBuf, usize)> = counts.into_iter().filter(|(_, n)| *n > MAX_PROBLEMS_PER_FILE).collect();
    over.sort();
    for (path, n) in over {
        kept.push(ArticleError::warning(
            path,
            Problem::at(1, 1, format!("… and {} more problems in this file", n - MAX_PROBLEMS_PER_FILE))
                .hint("fix the ones above first; the rest are often the same mistake"),
        ));
    }
    kept
}
