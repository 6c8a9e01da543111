//! `helpcenter check`: parse every article and print every problem, compiler style.

use std::process::ExitCode;

use crate::article::Severity;
use crate::config::Config;

/// Prints all problems; exit 1 when any is an error.
pub fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let library = super::load(config)?;
    let mut errors = 0;
    let mut warnings = 0;
    for problem in &library.problems {
        match problem.severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
        }
        println!("{problem}");
    }
    println!(
        "checked {} articles in {} locales: {errors} error(s), {warnings} warning(s)",
        library.len() + library.drafts,
        library.locales().len()
    );
    Ok(if errors > 0 { ExitCode::from(super::EXIT_PROBLEMS) } else { super::ok() })
}
