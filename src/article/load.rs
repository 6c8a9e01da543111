//! Walks `articles/<locale>/<category>/<slug>.md`, parses every file and collects every
//! problem instead of stopping at the first (a broken file never hides the rest).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{ArticleError, Problem};
use super::files;
use super::front_matter;
use super::library::{Article, Body, Category, Library};
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

/// Editor temp, backup and swap files (vim, emacs, JetBrains, VS Code, macOS) and hidden files.
pub fn is_editor_temp(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || [".swp", ".swo", ".swx", ".tmp", ".bak", ".orig", ".crdownload", "___jb_tmp___", "___jb_old___"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

fn is_ignored(name: &str) -> bool {
    is_editor_temp(name)
}

/// What a directory entry is, after following a symbolic link that stays inside the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    Other,
}

/// The entries of `root/rel`, sorted by name. A symbolic link is followed when it stays
/// under `root` ([`files::resolve_within`], the rule `/media` uses too); one that leaves it
/// is reported and skipped.
fn sorted_entries(root: &Path, rel: &Path, problems: &mut Vec<ArticleError>) -> std::io::Result<Vec<(String, Kind)>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(root.join(rel))? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        if is_ignored(&name) {
            continue;
        }
        let ty = entry.file_type()?;
        let kind = if ty.is_symlink() {
            match files::resolve_within(root, &rel.join(&name)) {
                Ok(real) => match fs::metadata(&real) {
                    Ok(m) if m.is_dir() => Kind::Dir,
                    Ok(m) if m.is_file() => Kind::File,
                    _ => Kind::Other,
                },
                Err(refusal @ files::Refusal::Escapes { .. }) => {
                    problems.push(ArticleError::error(
                        rel.join(&name),
                        Problem::at(1, 1, format!("`{name}` is ignored: {refusal}"))
                            .hint("copy the file into the articles folder instead of linking to it"),
                    ));
                    continue;
                }
                Err(_) => Kind::Other,
            }
        } else if ty.is_dir() {
            Kind::Dir
        } else if ty.is_file() {
            Kind::File
        } else {
            Kind::Other
        };
        entries.push((name, kind));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// Loads and renders every article under `root` (drafts only if `options.include_drafts`).
///
/// Only an unreadable `root` is an `Err`; every problem with a single file is recorded in
/// [`Library::problems`] and the file is left out.
pub fn load_library(root: &Path, options: &LoadOptions) -> std::io::Result<(Library, Bodies)> {
    let loaded = Loader::new(root, options.clone()).load_all()?;
    let library = if options.include_drafts { &loaded.catalog.preview } else { &loaded.catalog.public };
    Ok((library.as_ref().clone(), loaded.bodies))
}

/// Article bodies by path (relative to the articles folder), for the index writer.
pub type Bodies = HashMap<PathBuf, Body>;

/// What is served: the public library, and the preview that also has drafts.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    /// Published articles only.
    pub public: Arc<Library>,
    /// Published articles and drafts (for `serve --drafts` and admin sessions).
    pub preview: Arc<Library>,
}

/// Files parsed in parallel at a time (their bodies then go to the sink).
const PARSE_BATCH: usize = 256;

/// Size and modification time of a file when last read.
type Stamp = (u64, std::time::SystemTime);

/// A parsed file: the article, its body (until the sink has it) and its warnings.
type ParsedFile = (Arc<Article>, Option<Body>, Vec<ArticleError>);

/// What reading one file gave.
enum Outcome {
    /// It could not be read (or is too large).
    Unreadable(ArticleError),
    /// Its bytes are the ones already parsed.
    Same,
    /// New bytes (their hash) and what parsing them gave (the body until the sink has it).
    Parsed(u64, Result<ParsedFile, ArticleError>),
}

/// The result of one load: the catalog, and the bodies of the files parsed this time.
#[derive(Debug)]
pub struct Loaded {
    /// Published articles and drafts.
    pub catalog: Catalog,
    /// Path (relative to the articles folder) → body, for every file parsed this time.
    pub bodies: Bodies,
    /// What was read and parsed.
    pub stats: LoadStats,
}

/// One article file as last seen: its bytes' hash, what parsing gave, and the last version
/// that parsed (served while the file is broken).
#[derive(Debug)]
struct CachedFile {
    /// Size and modification time when last read.
    stamp: Stamp,
    hash: u64,
    parsed: Result<(Arc<Article>, Vec<ArticleError>), ArticleError>,
    last_good: Option<Arc<Article>>,
}

impl CachedFile {
    /// Adds what this file contributes: its article and warnings, or its error and (while
    /// broken) its last good version.
    fn apply(&self, articles: &mut Vec<Arc<Article>>, problems: &mut Vec<ArticleError>) {
        match &self.parsed {
            Ok((article, warnings)) => {
                problems.extend(warnings.iter().cloned());
                articles.push(Arc::clone(article));
            }
            Err(e) => {
                let mut e = e.clone();
                if let Some(last) = &self.last_good {
                    e.problem.message.push_str(" (the last good version stays online)");
                    articles.push(Arc::clone(last));
                }
                problems.push(e);
            }
        }
    }
}

/// Loads the articles tree again and again, re-parsing only files whose bytes changed.
///
/// A file that breaks keeps its last good version online (its error is still reported); a
/// file renamed (same body, new slug) leaves a redirect from its old slug.
#[derive(Debug)]
pub struct Loader {
    root: PathBuf,
    options: LoadOptions,
    cache: HashMap<PathBuf, CachedFile>,
    moved: HashMap<(String, String), String>,
    /// (locale, slug) → (body hash, draft) of the last load.
    previous: HashMap<(String, String), (u64, bool)>,
}

/// A file unchanged in size and mtime is trusted only once its mtime is this old.
const STAMP_SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

/// Counts from one load, for logs and benchmarks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LoadStats {
    /// Article files seen.
    pub files: usize,
    /// Files read from disk (the others were unchanged in size and mtime).
    pub read: usize,
    /// Files parsed this time (new or changed).
    pub parsed: usize,
}

impl Loader {
    /// A loader for `root`.
    pub fn new(root: &Path, options: LoadOptions) -> Self {
        Self {
            root: root.to_path_buf(),
            options,
            cache: HashMap::new(),
            moved: HashMap::new(),
            previous: HashMap::new(),
        }
    }

    /// The articles folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Scans the tree and builds a fresh catalog.
    pub fn load(&mut self) -> std::io::Result<Catalog> {
        self.load_with_stats().map(|(c, _)| c)
    }

    /// [`Loader::load`], also returning what was parsed.
    pub fn load_with_stats(&mut self) -> std::io::Result<(Catalog, LoadStats)> {
        self.load_all().map(|loaded| (loaded.catalog, loaded.stats))
    }

    /// Scans the tree and builds a fresh catalog, with the bodies of the files parsed this
    /// time (for the index writer; unchanged files are already indexed).
    pub fn load_all(&mut self) -> std::io::Result<Loaded> {
        let mut bodies = Bodies::new();
        let (catalog, stats) = self.load_into(&mut |article, body| {
            bodies.insert(article.path.clone(), body);
        })?;
        Ok(Loaded { catalog, bodies, stats })
    }

    /// Scans the tree and builds a fresh catalog; each file parsed this time is handed to
    /// `sink` with its body as soon as its batch is parsed, so bodies never pile up in
    /// memory (the index writer takes them one by one while the next batch is parsed).
    pub fn load_into(&mut self, sink: &mut dyn FnMut(&Arc<Article>, Body)) -> std::io::Result<(Catalog, LoadStats)> {
        let mut scan = Scan::default();
        scan_tree(&self.root, &mut scan)?;
        let mut stats = LoadStats { files: scan.articles.len(), read: 0, parsed: 0 };
        let mut articles: Vec<Arc<Article>> = Vec::new();
        let mut problems = std::mem::take(&mut scan.problems);
        let seen: HashSet<PathBuf> = scan.articles.iter().map(|f| f.rel.clone()).collect();
        // Which files to read: new, changed in size or mtime, or modified just now (a
        // same-size save within one timestamp tick must not be missed).
        let stamps: Vec<Option<Stamp>> = scan
            .articles
            .iter()
            .map(|file| fs::metadata(self.root.join(&file.rel)).ok().and_then(|m| Some((m.len(), m.modified().ok()?))))
            .collect();
        let to_read: Vec<usize> = (0..scan.articles.len())
            .filter(|&i| {
                let settled = stamps[i].is_some_and(|(_, m)| m.elapsed().is_ok_and(|age| age >= STAMP_SETTLED));
                !(settled && self.cache.get(&scan.articles[i].rel).is_some_and(|c| Some(c.stamp) == stamps[i]))
            })
            .collect();
        // Read and parse in parallel batches: every file on its own, so one slow file never
        // holds up the others beyond its own time.
        let known: HashMap<PathBuf, u64> = self.cache.iter().map(|(p, c)| (p.clone(), c.hash)).collect();
        let max = self.options.max_article_bytes;
        let root = self.root.clone();
        let mut outcomes: HashMap<usize, Outcome> = HashMap::with_capacity(to_read.len());
        for batch in to_read.chunks(PARSE_BATCH) {
            use rayon::prelude::*;
            let parsed: Vec<(usize, Outcome)> = batch
                .par_iter()
                .map(|&i| {
                    let file = &scan.articles[i];
                    let outcome = match read_bounded(&root.join(&file.rel), max) {
                        Err(problem) => Outcome::Unreadable(ArticleError::error(&file.rel, problem)),
                        Ok(bytes) => {
                            let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
                            if known.get(&file.rel) == Some(&hash) {
                                Outcome::Same
                            } else {
                                let parsed = parse_article(&file.rel, &file.locale, &file.category, &file.slug, &bytes);
                                Outcome::Parsed(hash, parsed.map(|(a, b, w)| (Arc::new(a), Some(b), w)))
                            }
                        }
                    };
                    (i, outcome)
                })
                .collect();
            for (i, mut outcome) in parsed {
                if let Outcome::Parsed(_, Ok((article, body, _))) = &mut outcome
                    && let Some(body) = body.take()
                {
                    sink(article, body);
                }
                outcomes.insert(i, outcome);
            }
        }
        stats.read = to_read.len();
        for (i, file) in scan.articles.iter().enumerate() {
            let stamp = stamps[i].unwrap_or((0, std::time::UNIX_EPOCH));
            match outcomes.remove(&i) {
                None => {}
                Some(Outcome::Unreadable(problem)) => {
                    problems.push(problem);
                    if let Some(last) = self.cache.get(&file.rel).and_then(|c| c.last_good.clone()) {
                        articles.push(last);
                    }
                    continue;
                }
                Some(Outcome::Same) => {
                    if let Some(cached) = self.cache.get_mut(&file.rel) {
                        cached.stamp = stamp;
                    }
                }
                Some(Outcome::Parsed(hash, parsed)) => {
                    stats.parsed += 1;
                    let parsed = parsed.map(|(article, _, warnings)| (article, warnings));
                    let last_good = match &parsed {
                        Ok((a, _)) => Some(Arc::clone(a)),
                        Err(_) => self.cache.get(&file.rel).and_then(|c| c.last_good.clone()),
                    };
                    self.cache.insert(file.rel.clone(), CachedFile { stamp, hash, parsed, last_good });
                }
            }
            if let Some(cached) = self.cache.get(&file.rel) {
                cached.apply(&mut articles, &mut problems);
            }
        }
        self.cache.retain(|path, _| seen.contains(path));
        self.track_moves(&articles);

        let mut categories = Vec::new();
        for (locale, category, rel) in &scan.categories {
            let fm = match rel {
                None => None,
                Some(rel) => match read_bounded(&self.root.join(rel), self.options.max_article_bytes)
                    .and_then(|b| category_front_matter(&b))
                {
                    Ok(fm) => Some(fm),
                    Err(problem) => {
                        problems.push(ArticleError::error(rel, problem));
                        None
                    }
                },
            };
            categories.push(Category {
                locale: locale.clone(),
                slug: category.clone(),
                title: fm.as_ref().map_or_else(|| humanize(category), |f| f.title.clone()),
                description: fm.as_ref().map(|f| f.description.clone()).unwrap_or_default(),
                order: fm.as_ref().map_or(i64::MAX, |f| f.order),
            });
        }
        let drafts = articles.iter().filter(|a| a.draft).count();
        let public: Vec<Arc<Article>> = articles.iter().filter(|a| !a.draft).cloned().collect();
        let mut public_lib = assemble(&scan.locales, &categories, public, &self.moved);
        let mut preview_lib = assemble(&scan.locales, &categories, articles, &self.moved);
        // Problems found while assembling (duplicate slugs, alias clashes) come from the preview,
        // which sees every article.
        problems.append(&mut preview_lib.problems);
        let problems = super::error::cap_per_file(problems);
        public_lib.problems = problems.clone();
        public_lib.drafts = drafts;
        preview_lib.problems = problems;
        preview_lib.drafts = drafts;
        if self.options.include_drafts {
            public_lib = preview_lib.clone();
        }
        let catalog = Catalog { public: Arc::new(public_lib), preview: Arc::new(preview_lib) };
        Ok((catalog, stats))
    }

    /// Remembers slugs that disappeared while an article with the same body appeared under
    /// another slug in the same locale: the old URL keeps working as a redirect.
    fn track_moves(&mut self, articles: &[Arc<Article>]) {
        type Seen = HashMap<(String, String), (u64, bool)>;
        let current: Seen =
            articles.iter().map(|a| ((a.locale.clone(), a.slug.clone()), (a.body_hash, a.draft))).collect();
        let appeared: Seen =
            current.iter().filter(|(k, _)| !self.previous.contains_key(*k)).map(|(k, v)| (k.clone(), *v)).collect();
        for (old, (body_hash, was_draft)) in &self.previous {
            // A draft's old slug was never public: redirecting it would reveal the new one.
            if current.contains_key(old) || *was_draft {
                continue;
            }
            if let Some(((_, new_slug), _)) =
                appeared.iter().find(|((l, _), (h, draft))| l == &old.0 && h == body_hash && !draft)
            {
                self.moved.insert(old.clone(), new_slug.clone());
            }
        }
        // A slug that is live again is no longer a redirect; redirects follow later moves.
        self.moved.retain(|k, _| !current.contains_key(k));
        let snapshot = self.moved.clone();
        for ((locale, _), target) in self.moved.iter_mut() {
            for _ in 0..8 {
                match snapshot.get(&(locale.clone(), target.clone())) {
                    Some(next) => *target = next.clone(),
                    None => break,
                }
            }
        }
        self.previous = current;
    }
}

/// What one walk of the tree found.
#[derive(Debug, Default)]
struct Scan {
    locales: Vec<String>,
    /// (locale, category, path of `_category.md` if any).
    categories: Vec<(String, String, Option<PathBuf>)>,
    articles: Vec<ArticleFile>,
    problems: Vec<ArticleError>,
}

#[derive(Debug)]
struct ArticleFile {
    rel: PathBuf,
    locale: String,
    category: String,
    slug: String,
}

fn scan_tree(root: &Path, scan: &mut Scan) -> std::io::Result<()> {
    let mut problems = Vec::new();
    for (locale, kind) in sorted_entries(root, Path::new(""), &mut problems)? {
        if kind != Kind::Dir || locale.starts_with('_') {
            continue;
        }
        if !is_valid_locale(&locale) {
            scan.problems.push(ArticleError::warning(
                PathBuf::from(&locale),
                Problem::at(1, 1, format!("`{locale}` is not a locale folder name; its files are ignored"))
                    .hint("name locale folders like `en`, `ja`, `ko` or `pt-BR`"),
            ));
            continue;
        }
        scan.locales.push(locale.clone());
        let entries = match sorted_entries(root, Path::new(&locale), &mut problems) {
            Ok(e) => e,
            Err(e) => {
                scan.problems.push(io_problem(PathBuf::from(&locale), &e));
                continue;
            }
        };
        for (category, kind) in entries {
            let rel = PathBuf::from(&locale).join(&category);
            if kind != Kind::Dir {
                if category.ends_with(".md") {
                    scan.problems.push(ArticleError::error(
                        rel,
                        Problem::at(1, 1, "article is not inside a category folder")
                            .hint(format!("move it to `{locale}/<category>/{category}`")),
                    ));
                }
                continue;
            }
            if !is_valid_slug(&category) {
                scan.problems.push(ArticleError::error(
                    rel,
                    Problem::at(
                        1,
                        1,
                        format!("`{category}` is not a valid category folder name; its articles are ignored"),
                    )
                    .hint("use letters, digits and hyphens, like `getting-started` (it becomes part of URLs)"),
                ));
                continue;
            }
            scan_category(scan, root, &locale, &category, &mut problems);
        }
    }
    scan.problems.append(&mut problems);
    Ok(())
}

fn scan_category(scan: &mut Scan, root: &Path, locale: &str, category: &str, problems: &mut Vec<ArticleError>) {
    let dir = PathBuf::from(locale).join(category);
    let entries = match sorted_entries(root, &dir, problems) {
        Ok(e) => e,
        Err(e) => {
            scan.problems.push(io_problem(dir, &e));
            return;
        }
    };
    let mut category_file = None;
    for (name, kind) in entries {
        if kind != Kind::File || !name.ends_with(".md") {
            continue;
        }
        let rel = dir.join(&name);
        if name == "_category.md" {
            category_file = Some(rel);
            continue;
        }
        let slug = name.trim_end_matches(".md");
        if !is_valid_slug(slug) {
            scan.problems.push(ArticleError::error(
                rel,
                Problem::at(1, 1, format!("`{name}` is not a valid article file name"))
                    .hint("use letters, digits and hyphens, like `reset-password.md`"),
            ));
            continue;
        }
        scan.articles.push(ArticleFile {
            rel,
            locale: locale.to_owned(),
            category: category.to_owned(),
            slug: slug.to_owned(),
        });
    }
    scan.categories.push((locale.to_owned(), category.to_owned(), category_file));
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

/// Longest an article may take to render; past it the file is refused like a broken one.
pub const MAX_RENDER_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// Unknown keys named at most individually in one warning (a file with thousands of them
/// gets one line, not thousands).
const UNKNOWN_KEYS_SHOWN: usize = 5;

/// One warning for all unknown front matter keys of a file.
fn unknown_keys_problem(keys: &[String], line: usize) -> Option<Problem> {
    let shown: Vec<String> =
        keys.iter().take(UNKNOWN_KEYS_SHOWN).map(|k| format!("`{}`", k.chars().take(40).collect::<String>())).collect();
    let message = match keys.len() {
        0 => return None,
        1 => format!("unknown front matter key {} is ignored", shown[0]),
        n if n <= UNKNOWN_KEYS_SHOWN => format!("unknown front matter keys {} are ignored", shown.join(", ")),
        n => format!("unknown front matter keys {} and {} more are ignored", shown.join(", "), n - shown.len()),
    };
    Some(Problem::at(line, 1, message).hint(format!("known keys: {}", front_matter::KNOWN_KEYS)))
}

/// Parses one article file; returns it, its body (for the index) and its warnings.
pub fn parse_article(
    rel: &Path,
    locale: &str,
    category: &str,
    slug: &str,
    bytes: &[u8],
) -> Result<(Article, Body, Vec<ArticleError>), ArticleError> {
    let text = decode_utf8(bytes).map_err(|p| ArticleError::error(rel, p))?;
    let split = front_matter::split(text).map_err(|p| ArticleError::error(rel, p))?;
    let fm = front_matter::parse(&split).map_err(|p| ArticleError::error(rel, p))?;
    let mut warnings = Vec::new();
    if let Some(problem) = unknown_keys_problem(&fm.unknown_keys, split.front_line) {
        warnings.push(ArticleError::warning(rel, problem));
    }
    let started = std::time::Instant::now();
    let scanned = render::scan(split.body, Location { locale, category }).map_err(|mut p| {
        p.line += split.body_line - 1;
        ArticleError::error(rel, p)
    })?;
    if started.elapsed() > MAX_RENDER_TIME {
        return Err(ArticleError::error(
            rel,
            Problem::at(
                split.body_line,
                1,
                format!("reading the article took {:.1?}, over the limit of {MAX_RENDER_TIME:?}", started.elapsed()),
            )
            .hint("split the article or simplify its structure (deep nesting, huge tables)"),
        ));
    }
    let body_hash = xxhash_rust::xxh3::xxh3_64(split.body.as_bytes());
    let mut words = rustc_hash::FxHashSet::default();
    for text in std::iter::once(&fm.title).chain(&fm.keywords).chain(&fm.tags).chain(std::iter::once(&scanned.text)) {
        crate::text::analyze::surface_words(text, &mut words);
        crate::text::analyze::cjk_words(text, &mut words);
    }
    let mut words: Vec<String> = words.into_iter().collect();
    words.sort_unstable();
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
        plans: fm.plans,
        roles: fm.roles,
        faq: fm.faq,
        text_chars: scanned.text.chars().count(),
        glosses: if scanned.text.is_ascii() { Vec::new() } else { crate::text::gloss::glosses(&scanned.text) },
        headings: scanned.headings,
        links: scanned.links,
        images: scanned.images,
        body_line: split.body_line,
        body_hash,
        hash: hasher.digest(),
    };
    let body = Body { source: split.body.to_owned(), text: scanned.text, sections: scanned.sections, words };
    Ok((article, body, warnings))
}

/// Builds a library from already parsed articles (imports and benchmarks); categories get
/// titles from their folder names.
pub fn library_from_articles(articles: Vec<Article>) -> Library {
    let mut locales: Vec<String> = Vec::new();
    let mut categories: Vec<Category> = Vec::new();
    for a in &articles {
        if !locales.contains(&a.locale) {
            locales.push(a.locale.clone());
        }
        if !categories.iter().any(|c| c.locale == a.locale && c.slug == a.category) {
            categories.push(Category {
                locale: a.locale.clone(),
                slug: a.category.clone(),
                title: humanize(&a.category),
                description: String::new(),
                order: i64::MAX,
            });
        }
    }
    locales.sort();
    assemble(&locales, &categories, articles.into_iter().map(Arc::new).collect(), &HashMap::new())
}

/// Puts articles into a library, rejecting duplicate slugs and conflicting aliases.
fn assemble(
    locales: &[String],
    categories: &[Category],
    articles: Vec<Arc<Article>>,
    moved: &HashMap<(String, String), String>,
) -> Library {
    let mut lib = Library { locales: locales.to_vec(), ..Library::default() };
    for c in categories {
        lib.categories.insert((c.locale.clone(), c.slug.clone()), c.clone());
    }
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
    for ((locale, old), new) in moved {
        let key = (locale.clone(), old.clone());
        // Only to an article this library serves (a draft's new slug stays private).
        let target_served = lib.articles.contains_key(&(locale.clone(), new.clone()));
        if target_served && !lib.articles.contains_key(&key) && !lib.aliases.contains_key(&key) {
            lib.moved.insert(key, new.clone());
        }
    }
    lib.by_translation_key = by_key;
    lib.index_listings();
    lib
}

fn io_problem(path: PathBuf, e: &std::io::Error) -> ArticleError {
    ArticleError::error(path, Problem::at(1, 1, format!("cannot read: {e}")))
}

/// `getting-started` → `Getting started`.
pub fn humanize(folder: &str) -> String {
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
    fn unchanged_files_are_not_read_again_and_same_size_edits_are_seen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("en/billing/a.md");
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(&file, "---\ntitle: Alpha\n---\nbody\n").expect("write");
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options().write(true).open(&file).and_then(|f| f.set_modified(old)).expect("mtime");
        let mut loader = Loader::new(dir.path(), LoadOptions::default());
        let (_, first) = loader.load_with_stats().expect("load");
        assert_eq!((first.read, first.parsed), (1, 1));
        let (_, again) = loader.load_with_stats().expect("load");
        assert_eq!((again.read, again.parsed), (0, 0), "settled and unchanged: not read");
        // A save of the same size right now is read (its mtime is too fresh to trust).
        std::fs::write(&file, "---\ntitle: Gamma\n---\nbody\n").expect("write");
        let (catalog, edited) = loader.load_with_stats().expect("load");
        assert_eq!((edited.read, edited.parsed), (1, 1));
        assert_eq!(catalog.public.article("en", "a").map(|a| a.title.as_str()), Some("Gamma"));
    }

    #[test]
    fn humanize_folder() {
        assert_eq!(humanize("getting-started"), "Getting started");
    }
}
