//! Walks `articles/<locale>/<category>/<slug>.md`, parses every file and collects every
//! problem instead of stopping at the first (a broken file never hides the rest).

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{ArticleError, Problem};
use super::front_matter;
use super::library::{Article, Category, Library};
use super::render::{self, Location};

/// Limits and switches for loading.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Files larger than this are rejected (bytes).
    pub max_article_bytes: u64,
    /// Publish `draft: true` articles too.
    pub include_drafts: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self { max_article_bytes: 1024 * 1024, include_drafts: false }
    }
}

/// A locale folder name: `en`, `ja`, `pt-BR`, `zh-Hant`.
pub fn is_valid_locale(name: &str) -> bool {
    let mut parts = name.split('-');
    let lang = parts.next().unwrap_or("");
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn is_valid_slug(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['.', '_', '-'])
        && name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// Hidden files, editor backups and swap files are never articles.
fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<(String, PathBuf, fs::FileType)>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        entries.push((name, entry.path(), entry.file_type()?));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// Loads and renders every article under `root`.
///
/// Only an unreadable `root` is an `Err`; every problem with a single file is recorded in
/// [`Library::problems`] and the file is left out.
pub fn load_library(root: &Path, options: &LoadOptions) -> std::io::Result<Library> {
    let mut lib = Library::default();
    let mut articles: Vec<Article> = Vec::new();
    for (locale, locale_path, ty) in sorted_entries(root)? {
        if !ty.is_dir() || is_ignored(&locale) || locale.starts_with('_') {
            continue;
        }
        if !is_valid_locale(&locale) {
            lib.problems.push(ArticleError::warning(
                PathBuf::from(&locale),
                Problem::at(1, 1, format!("`{locale}` is not a locale folder name; its files are ignored"))
                    .hint("name locale folders like `en`, `ja`, `ko` or `pt-BR`"),
            ));
            continue;
        }
        lib.locales.push(locale.clone());
        let entries = match sorted_entries(&locale_path) {
            Ok(e) => e,
            Err(e) => {
                lib.problems.push(io_problem(PathBuf::from(&locale), &e));
                continue;
            }
        };
        for (category, cat_path, ty) in entries {
            let rel = PathBuf::from(&locale).join(&category);
            if is_ignored(&category) {
                continue;
            }
            if !ty.is_dir() {
                if category.ends_with(".md") {
                    lib.problems.push(ArticleError::error(
                        rel,
                        Problem::at(1, 1, "article is not inside a category folder")
                            .hint(format!("move it to `{locale}/<category>/{category}`")),
                    ));
                }
                continue;
            }
            load_category(&mut lib, &mut articles, root, &locale, &category, &cat_path, options);
        }
    }
    publish(&mut lib, articles);
    Ok(lib)
}

fn load_category(
    lib: &mut Library,
    articles: &mut Vec<Article>,
    root: &Path,
    locale: &str,
    category: &str,
    dir: &Path,
    options: &LoadOptions,
) {
    let mut cat = Category {
        locale: locale.to_owned(),
        slug: category.to_owned(),
        title: humanize(category),
        description: String::new(),
        order: i64::MAX,
    };
    let entries = match sorted_entries(dir) {
        Ok(e) => e,
        Err(e) => {
            lib.problems.push(io_problem(PathBuf::from(locale).join(category), &e));
            return;
        }
    };
    for (name, path, ty) in entries {
        if !ty.is_file() || is_ignored(&name) || !name.ends_with(".md") {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let bytes = match read_bounded(&path, options.max_article_bytes) {
            Ok(b) => b,
            Err(problem) => {
                lib.problems.push(ArticleError::error(rel, problem));
                continue;
            }
        };
        if name == "_category.md" {
            match category_front_matter(&bytes) {
                Ok(fm) => {
                    cat.title = fm.title;
                    cat.description = fm.description;
                    cat.order = fm.order;
                }
                Err(problem) => lib.problems.push(ArticleError::error(rel, problem)),
            }
            continue;
        }
        let slug = name.trim_end_matches(".md");
        if !is_valid_slug(slug) {
            lib.problems.push(ArticleError::error(
                rel,
                Problem::at(1, 1, format!("`{name}` is not a valid article file name"))
                    .hint("use letters, digits and hyphens, like `reset-password.md`"),
            ));
            continue;
        }
        match parse_article(&rel, locale, category, slug, &bytes) {
            Ok((article, warnings)) => {
                lib.problems.extend(warnings);
                if article.draft && !options.include_drafts {
                    lib.drafts += 1;
                } else {
                    articles.push(article);
                }
            }
            Err(e) => lib.problems.push(e),
        }
    }
    lib.categories.insert((locale.to_owned(), category.to_owned()), cat);
}

fn category_front_matter(bytes: &[u8]) -> Result<front_matter::FrontMatter, Problem> {
    let text = decode_utf8(bytes)?;
    front_matter::parse(&front_matter::split(text)?)
}

/// Reads a file, refusing anything over `max` bytes before reading it.
fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, Problem> {
    let meta = fs::metadata(path).map_err(|e| Problem::at(1, 1, format!("cannot read file: {e}")))?;
    if meta.len() > max {
        return Err(Problem::at(1, 1, format!("file is {} bytes, over the limit of {} bytes", meta.len(), max))
            .hint("split it into several articles, or raise `max_article_bytes` in helpcenter.toml"));
    }
    fs::read(path).map_err(|e| Problem::at(1, 1, format!("cannot read file: {e}")))
}

fn decode_utf8(bytes: &[u8]) -> Result<&str, Problem> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let col_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&valid[col_start..]).chars().count() + 1;
        Problem::at(line, column, format!("invalid UTF-8 (byte offset {})", e.valid_up_to()))
            .hint("save the file as UTF-8")
    })
}

/// Parses and renders one article file; returns it with its warnings.
pub fn parse_article(
    rel: &Path,
    locale: &str,
    category: &str,
    slug: &str,
    bytes: &[u8],
) -> Result<(Article, Vec<ArticleError>), ArticleError> {
    let text = decode_utf8(bytes).map_err(|p| ArticleError::error(rel, p))?;
    let split = front_matter::split(text).map_err(|p| ArticleError::error(rel, p))?;
    let fm = front_matter::parse(&split).map_err(|p| ArticleError::error(rel, p))?;
    let mut warnings = Vec::new();
    for key in &fm.unknown_keys {
        warnings.push(ArticleError::warning(
            rel,
            Problem::at(split.front_line, 1, format!("unknown front matter key `{key}` is ignored"))
                .hint("known keys: title, description, tags, keywords, order, draft, updated, aliases"),
        ));
    }
    let rendered = render::render(split.body, Location { locale, category });
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(rel.to_string_lossy().as_bytes());
    hasher.update(&[0]);
    hasher.update(bytes);
    let article = Article {
        locale: locale.to_owned(),
        category: category.to_owned(),
        slug: slug.to_owned(),
        path: rel.to_path_buf(),
        translation_key: format!("{category}/{slug}"),
        title: fm.title,
        description: fm.description,
        tags: fm.tags,
        keywords: fm.keywords,
        order: fm.order,
        draft: fm.draft,
        updated: fm.updated,
        aliases: fm.aliases,
        html: rendered.html,
        text: rendered.text,
        headings: rendered.headings,
        links: rendered.links,
        images: rendered.images,
        hash: hasher.digest(),
    };
    Ok((article, warnings))
}

/// Builds a library from already parsed articles (imports and benchmarks); categories get
/// titles from their folder names.
pub fn library_from_articles(articles: Vec<Article>) -> Library {
    let mut lib = Library::default();
    for a in &articles {
        if !lib.locales.contains(&a.locale) {
            lib.locales.push(a.locale.clone());
        }
        lib.categories.entry((a.locale.clone(), a.category.clone())).or_insert_with(|| Category {
            locale: a.locale.clone(),
            slug: a.category.clone(),
            title: humanize(&a.category),
            description: String::new(),
            order: i64::MAX,
        });
    }
    lib.locales.sort();
    publish(&mut lib, articles);
    lib
}

/// Puts articles into the library, rejecting duplicate slugs and conflicting aliases.
fn publish(lib: &mut Library, articles: Vec<Article>) {
    let mut by_key: HashMap<String, Vec<Arc<Article>>> = HashMap::new();
    let mut taken: BTreeMap<(String, String), PathBuf> = BTreeMap::new();
    for article in articles {
        let key = (article.locale.clone(), article.slug.clone());
        if let Some(first) = taken.get(&key) {
            lib.problems.push(ArticleError::error(
                &article.path,
                Problem::at(1, 1, format!("slug `{}` is already used by {}", article.slug, first.display()))
                    .hint("slugs (file names) must be unique within a locale; rename one of the files"),
            ));
            continue;
        }
        taken.insert(key.clone(), article.path.clone());
        let article = Arc::new(article);
        by_key.entry(article.translation_key.clone()).or_default().push(Arc::clone(&article));
        lib.articles.insert(key, article);
    }
    for article in lib.articles.values() {
        for alias in &article.aliases {
            let key = (article.locale.clone(), alias.clone());
            if lib.articles.contains_key(&key) {
                lib.problems.push(ArticleError::error(
                    &article.path,
                    Problem::at(1, 1, format!("alias `{alias}` is the slug of a published article"))
                        .hint("remove the alias; an alias cannot shadow a live article"),
                ));
            } else if let Some(other) = lib.aliases.get(&key) {
                lib.problems.push(ArticleError::error(
                    &article.path,
                    Problem::at(1, 1, format!("alias `{alias}` is already an alias of `{other}`"))
                        .hint("each old slug can redirect to one article only"),
                ));
            } else {
                lib.aliases.insert(key, article.slug.clone());
            }
        }
    }
    lib.by_translation_key = by_key;
}

fn io_problem(path: PathBuf, e: &std::io::Error) -> ArticleError {
    ArticleError::error(path, Problem::at(1, 1, format!("cannot read: {e}")))
}

/// `getting-started` → `Getting started`.
fn humanize(folder: &str) -> String {
    let spaced = folder.replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_names() {
        assert!(is_valid_locale("en"));
        assert!(is_valid_locale("pt-BR"));
        assert!(is_valid_locale("zh-Hant"));
        assert!(!is_valid_locale("images"));
        assert!(!is_valid_locale("EN"));
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        let p = decode_utf8(b"---\ntitle: x\n---\nab\xffc").expect_err("invalid");
        assert_eq!((p.line, p.column), (4, 3));
    }

    #[test]
    fn humanize_folder() {
        assert_eq!(humanize("getting-started"), "Getting started");
    }
}
