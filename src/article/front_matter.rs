//! Splits an article into front matter and body, and parses YAML (`---`) or TOML (`+++`)
//! front matter into [`FrontMatter`], with errors that name the line and say how to fix it.

use serde::Deserialize;

use super::error::Problem;

/// The front matter keys an article may use.
pub const KNOWN_KEYS: &str = "title, description, tags, keywords, order, draft, updated, aliases, plans, roles, faq";

/// The metadata a writer puts at the top of an article.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    /// Page title (required).
    pub title: String,
    /// One-sentence summary shown in listings and search results.
    pub description: String,
    /// Topic tags, used for related articles.
    pub tags: Vec<String>,
    /// Extra search terms writers add (synonyms, error messages, misspellings).
    pub keywords: Vec<String>,
    /// Position within the category (lower first).
    pub order: i64,
    /// Hidden from the public portal when true.
    pub draft: bool,
    /// Last meaningful update, `YYYY-MM-DD`.
    pub updated: Option<time::Date>,
    /// Old slugs that redirect here.
    pub aliases: Vec<String>,
    /// Plans the feature is available on ("who can use this").
    pub plans: Vec<String>,
    /// Roles that can use it.
    pub roles: Vec<String>,
    /// The body is questions (`##` headings) and their answers (FAQ structured data).
    pub faq: bool,
    /// Keys the schema does not know, reported as warnings by `check`.
    pub unknown_keys: Vec<String>,
}

/// Which syntax the front matter used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `---` fenced YAML.
    Yaml,
    /// `+++` fenced TOML.
    Toml,
}

/// The result of splitting a file: the raw front matter, where the body starts.
#[derive(Debug)]
pub struct Split<'a> {
    /// Front matter syntax.
    pub syntax: Syntax,
    /// Front matter text between the fences.
    pub front: &'a str,
    /// The Markdown body after the closing fence.
    pub body: &'a str,
    /// 1-based line number of the first front matter line.
    pub front_line: usize,
    /// 1-based line number of the first body line.
    pub body_line: usize,
}

/// Splits `source` at its front matter fences.
pub fn split(source: &str) -> Result<Split<'_>, Problem> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let first_line = source.lines().next().unwrap_or("");
    let (syntax, fence) = match first_line.trim_end() {
        "---" => (Syntax::Yaml, "---"),
        "+++" => (Syntax::Toml, "+++"),
        _ => {
            return Err(Problem::at(1, 1, "the article has no front matter")
                .hint("start the file with a line `---`, then `title: Your title`, then a closing `---`"));
        }
    };
    let front_start = first_line.len() + newline_len(&source[first_line.len()..]);
    let mut offset = front_start;
    for (line_no, line) in (2..).zip(source[front_start..].split_inclusive('\n')) {
        if line.trim_end() == fence {
            let body_start = offset + line.len();
            return Ok(Split {
                syntax,
                front: &source[front_start..offset],
                body: &source[body_start..],
                front_line: 2,
                body_line: line_no + 1,
            });
        }
        offset += line.len();
    }
    Err(Problem::at(1, 1, format!("no closing `{fence}` after the front matter"))
        .hint(format!("add a line `{fence}` after the last front matter key")))
}

fn newline_len(rest: &str) -> usize {
    if rest.starts_with("\r\n") {
        2
    } else if rest.starts_with('\n') {
        1
    } else {
        0
    }
}

/// A list field that also accepts a single string (`tags: billing` or `tags: "a, b"`).
#[derive(Deserialize, Debug, Default)]
#[serde(untagged)]
enum StringList {
    #[default]
    Empty,
    One(String),
    Many(Vec<String>),
}

impl StringList {
    fn into_vec(self) -> Vec<String> {
        let items = match self {
            StringList::Empty => Vec::new(),
            StringList::One(s) => s.split(',').map(str::to_owned).collect(),
            StringList::Many(v) => v,
        };
        items.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
    }
}

/// The raw shape on disk; converted and validated into [`FrontMatter`].
#[derive(Deserialize, Debug, Default)]
struct RawFrontMatter {
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tags: StringList,
    #[serde(default)]
    keywords: StringList,
    #[serde(default)]
    order: Option<i64>,
    #[serde(default)]
    draft: Option<bool>,
    #[serde(default)]
    updated: Option<String>,
    #[serde(default)]
    aliases: StringList,
    #[serde(default)]
    plans: StringList,
    #[serde(default)]
    roles: StringList,
    #[serde(default)]
    faq: Option<bool>,
    #[serde(flatten)]
    other: std::collections::BTreeMap<String, serde::de::IgnoredAny>,
}

/// Parses the front matter of a split article.
pub fn parse(split: &Split<'_>) -> Result<FrontMatter, Problem> {
    let raw: RawFrontMatter = match split.syntax {
        Syntax::Yaml => {
            if split.front.trim().is_empty() {
                RawFrontMatter::default()
            } else {
                serde_saphyr::from_str(split.front).map_err(|e| yaml_problem(&e, split.front_line))?
            }
        }
        Syntax::Toml => parse_toml(split.front, split.front_line)?,
    };
    let title = raw.title.map(|t| t.trim().to_owned()).unwrap_or_default();
    if title.is_empty() {
        return Err(Problem::at(split.front_line, 1, "missing `title` in the front matter")
            .hint("add a line like `title: How to reset your password`"));
    }
    let updated = match raw.updated.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(parse_date(text).ok_or_else(|| {
            Problem::at(
                find_key_line(split.front, "updated", split.front_line),
                1,
                format!("`updated` must be a date like 2026-03-14, found `{text}`"),
            )
            .hint("write the date as YYYY-MM-DD")
        })?),
    };
    Ok(FrontMatter {
        title,
        description: raw.description.map(|d| d.trim().to_owned()).unwrap_or_default(),
        tags: raw.tags.into_vec(),
        keywords: raw.keywords.into_vec(),
        order: raw.order.unwrap_or(0),
        draft: raw.draft.unwrap_or(false),
        updated,
        aliases: raw.aliases.into_vec(),
        plans: raw.plans.into_vec(),
        roles: raw.roles.into_vec(),
        faq: raw.faq.unwrap_or(false),
        unknown_keys: raw.other.into_keys().collect(),
    })
}

fn parse_date(text: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    // Accept a full timestamp too, keeping its date part.
    let date_part = text.get(..10).unwrap_or(text);
    time::Date::parse(date_part, format).ok()
}

/// 1-based line of `key:` / `key =` within the front matter, or the first line.
fn find_key_line(front: &str, key: &str, first_line: usize) -> usize {
    front
        .lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with([':', '=']))
        })
        .map_or(first_line, |i| first_line + i)
}

fn yaml_problem(error: &serde_saphyr::Error, first_line: usize) -> Problem {
    let (line, column) = error
        .location()
        .map(|l| (first_line + (l.line() as usize).saturating_sub(1), l.column().max(1) as usize))
        .unwrap_or((first_line, 1));
    let rendered = error.to_string();
    let message = rendered.lines().next().unwrap_or("invalid YAML").trim().to_owned();
    Problem::at(line, column, format!("invalid YAML front matter: {message}"))
        .hint("check indentation and quote values that contain `:` or start with `[`, `{`, `*` or `&`")
}

fn parse_toml(front: &str, first_line: usize) -> Result<RawFrontMatter, Problem> {
    let mut table: toml::Table = toml::from_str(front).map_err(|e| {
        let (line, column) = e.span().map(|span| line_col(front, span.start)).unwrap_or((1, 1));
        Problem::at(first_line + line - 1, column, format!("invalid TOML front matter: {}", e.message()))
            .hint("TOML needs `key = value` with strings in quotes")
    })?;
    // TOML has a native date type; the schema wants a string.
    if let Some(toml::Value::Datetime(dt)) = table.get("updated") {
        let as_string = dt.to_string();
        table.insert("updated".into(), toml::Value::String(as_string));
    }
    toml::Value::Table(table).try_into().map_err(|e: toml::de::Error| {
        Problem::at(first_line, 1, format!("invalid front matter: {}", e.message()))
            .hint("check the value types: title is text, tags a list, order a number, draft true/false")
    })
}

/// Line starts of a text, for many (line, column) lookups in one text: each costs a binary
/// search and the length of its own line, not a scan from the start.
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// The last answer (line start, offset, column): lookups in increasing order on one
    /// long line count only the characters in between.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> Lines<'a> {
    /// Indexes `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, starts, last: std::cell::Cell::new((0, 0, 1)) }
    }

    /// 1-based (line, column) of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let (last_start, last_offset, last_column) = self.last.get();
        let (from, base) =
            if last_start == start && last_offset <= offset { (last_offset, last_column) } else { (start, 1) };
        let column = self.text.get(from..offset).map_or(base, |t| base + t.chars().count());
        self.last.set((start, offset, column));
        (line, column)
    }
}

/// 1-based (line, column) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |nl| before[nl + 1..].chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<FrontMatter, Problem> {
        parse(&split(s)?)
    }

    #[test]
    fn yaml_front_matter_parses_all_keys() {
        let fm = parse_str(
            "---\ntitle: Reset your password\ndescription: How.\ntags: [a, b]\nkeywords: forgot, locked out\norder: 2\ndraft: false\nupdated: 2026-09-14\naliases: [old]\nlayout: x\n---\nBody",
        )
        .expect("valid");
        assert_eq!(fm.title, "Reset your password");
        assert_eq!(fm.tags, vec!["a", "b"]);
        assert_eq!(fm.keywords, vec!["forgot", "locked out"]);
        assert_eq!(fm.order, 2);
        assert_eq!(fm.updated.map(|d| d.to_string()), Some("2026-09-14".into()));
        assert_eq!(fm.aliases, vec!["old"]);
        assert_eq!(fm.unknown_keys, vec!["layout"]);
    }

    #[test]
    fn toml_front_matter_with_native_date() {
        let fm = parse_str("+++\ntitle = \"T\"\nupdated = 2026-01-02\ntags = [\"x\"]\n+++\nbody").expect("valid");
        assert_eq!(fm.title, "T");
        assert_eq!(fm.updated.map(|d| d.to_string()), Some("2026-01-02".into()));
    }

    #[test]
    fn missing_closing_fence_is_reported() {
        let err = parse_str("---\ntitle: x\nbody").expect_err("unclosed");
        assert!(err.message.contains("no closing `---`"), "{}", err.message);
    }

    #[test]
    fn yaml_error_points_at_the_line() {
        let err = parse_str("---\ntitle: ok\ntags: [a, b\norder: 1\n---\n").expect_err("bad yaml");
        assert!(err.line >= 3, "line {}", err.line);
        assert!(err.message.starts_with("invalid YAML"), "{}", err.message);
    }

    #[test]
    fn wrong_type_and_missing_title() {
        assert!(parse_str("---\ndescription: x\n---\n").expect_err("no title").message.contains("title"));
        let err = parse_str("---\ntitle: x\norder: first\n---\n").expect_err("order not a number");
        assert!(err.message.contains("YAML"), "{}", err.message);
        let err = parse_str("---\ntitle: x\nupdated: last week\n---\n").expect_err("bad date");
        assert_eq!(err.line, 3);
    }
}
