//! Loads any Markdown documentation tree laid out as `<locale>/<any/path>.md(x)` (such as
//! the real-world corpora used for benchmarks) into a [`Library`]. Files without front
//! matter get a title from their first heading or file name; the category is the first
//! folder under the locale; the slug is the path with `/` turned into `-`.

use std::path::{Path, PathBuf};

use helpcenter::article::{Article, Bodies, Library, is_valid_locale, library_from_articles, parse_article};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            walk(&path, out);
        } else if matches!(path.extension().and_then(|x| x.to_str()), Some("md" | "mdx")) {
            out.push(path);
        }
    }
}

fn with_title(text: &str, stem: &str) -> String {
    let body = match text.strip_prefix("---\n").and_then(|rest| rest.split_once("\n---\n")) {
        Some((_, body)) => body,
        None => text,
    };
    let title = body
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(stem)
        .replace('"', "'");
    format!("---\ntitle: \"{title}\"\n---\n{body}")
}

/// Loads the tree; returns the library, the bodies, the number of files read and the
/// number skipped.
pub fn load_corpus(root: &Path) -> (Library, Bodies, usize, usize) {
    let mut articles: Vec<Article> = Vec::new();
    let mut bodies = Bodies::new();
    let mut files = 0;
    let mut skipped = 0;
    let Ok(locales) = std::fs::read_dir(root) else { return (Library::default(), Bodies::new(), 0, 0) };
    for locale in locales.flatten() {
        let name = locale.file_name().to_string_lossy().into_owned();
        if !locale.path().is_dir() || !is_valid_locale(&name) {
            continue;
        }
        let mut paths = Vec::new();
        walk(&locale.path(), &mut paths);
        for path in paths {
            files += 1;
            let rel = path.strip_prefix(locale.path()).unwrap_or(&path);
            let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            let category = if parts.len() > 1 { parts[0].clone() } else { "general".to_owned() };
            let slug = rel.with_extension("").to_string_lossy().replace(['/', '\\', '.'], "-");
            let Ok(bytes) = std::fs::read(&path) else {
                skipped += 1;
                continue;
            };
            let rel_path = Path::new(&name).join(rel);
            let parsed = parse_article(&rel_path, &name, &category, &slug, &bytes).or_else(|_| {
                let text = String::from_utf8_lossy(&bytes);
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                parse_article(&rel_path, &name, &category, &slug, with_title(&text, &stem).as_bytes())
            });
            match parsed {
                Ok((article, body, _)) => {
                    bodies.insert(article.path.clone(), body);
                    articles.push(article);
                }
                Err(_) => skipped += 1,
            }
        }
    }
    (library_from_articles(articles), bodies, files, skipped)
}
