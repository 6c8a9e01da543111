//! `helpcenter new <locale>/<category>/<slug>`: scaffold an article (as a draft) with its
//! front matter, creating the category if needed.

use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::article::{humanize, is_valid_locale};
use crate::config::Config;

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['.', '_', '-'])
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Creates the article; refuses to overwrite.
pub fn run(config: &Config, path: &str, title: Option<&str>) -> anyhow::Result<ExitCode> {
    let trimmed = path.trim_matches('/').trim_end_matches(".md");
    let parts: Vec<&str> = trimmed.split('/').collect();
    let [locale, category, slug] = parts[..] else {
        bail!("expected <locale>/<category>/<slug>, like en/billing/refund-timing (got `{path}`)");
    };
    if !is_valid_locale(locale) {
        bail!("`{locale}` is not a locale folder name (like en, ja, pt-BR)");
    }
    for (what, name) in [("category", category), ("slug", slug)] {
        if !valid_name(name) {
            bail!("the {what} `{name}` must use lowercase letters, digits and hyphens");
        }
    }
    let dir = config.articles.join(locale).join(category);
    let file = dir.join(format!("{slug}.md"));
    if file.exists() {
        bail!("{} already exists", file.display());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let category_file = dir.join("_category.md");
    if !category_file.exists() {
        let text = format!("---\ntitle: {}\ndescription: \"\"\norder: 100\n---\n", humanize(category));
        std::fs::write(&category_file, text).with_context(|| format!("cannot write {}", category_file.display()))?;
        println!("created {}", category_file.display());
    }
    let title = title.map_or_else(|| humanize(slug), str::to_owned).replace('"', "'");
    let today = time::OffsetDateTime::now_utc().date();
    let text = format!(
        "---\ntitle: \"{title}\"\ndescription: \"\"\ntags: []\nkeywords: []\norder: 100\nupdated: {today}\ndraft: true\n---\nOne or two sentences that say what this article helps with.\n\n## Steps\n\n1. First step.\n2. Second step.\n"
    );
    std::fs::write(&file, text).with_context(|| format!("cannot write {}", file.display()))?;
    println!("created {} (a draft: remove `draft: true` to publish)", file.display());
    Ok(ExitCode::SUCCESS)
}
