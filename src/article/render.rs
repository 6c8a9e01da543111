//! Markdown → plain search text, a heading outline, sections with their short answers
//! ([`scan`], what loading and indexing need) and sanitized page HTML ([`to_html`], made
//! when an article is viewed; loading 10,000 articles never runs the HTML sanitizer).
//!
//! Relative links to other articles (`../billing/refunds.md#timing`) become portal URLs,
//! relative images are served from the articles directory under `/media/`, headings get
//! stable ids (also for CJK headings), raw HTML is sanitized, and template syntax found in
//! real documentation (`{{ … }}`, `{% … %}`, MDX `import` lines and `<Component>` tags)
//! is kept out of the search text and rendered as harmless text.

use std::collections::HashMap;
use std::sync::OnceLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::error::Problem;

/// A heading of the article, for the table of contents and the search index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1–6.
    pub level: u8,
    /// Plain text.
    pub text: String,
    /// Anchor id, unique within the article.
    pub id: String,
}

/// What loading needs from a body: its search text, outline, references and sections.
#[derive(Debug, Clone, Default)]
pub struct Scanned {
    /// Plain text for search (no template syntax).
    pub text: String,
    /// All headings in order.
    pub headings: Vec<Heading>,
    /// Internal links found (target relative to the locale folder), for `check`.
    pub links: Vec<Reference>,
    /// Relative images found (target relative to the articles root), for `check`.
    pub images: Vec<Reference>,
    /// The body cut at its `##` and `###` headings (the intro first), long parts split
    /// into passages: the units search ranks and links to.
    pub sections: Vec<Section>,
}

/// A part of an article under one heading (or its intro), the unit section search ranks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// The heading's anchor id; `None` for the intro before the first heading.
    pub anchor: Option<String>,
    /// The heading's text (empty for the intro).
    pub heading: String,
    /// The heading with its parent (`Billing › Refund timing`), for display.
    pub path: String,
    /// The plain text under the heading (one passage of it).
    pub text: String,
    /// The first paragraph or list of the section as safe, short HTML (no raw HTML,
    /// images or unsafe links; at most [`MAX_ANSWER_CHARS`] characters of text), for the
    /// quick answer. Empty for a passage after the first.
    pub answer: String,
}

/// Longest text of a quick answer.
pub const MAX_ANSWER_CHARS: usize = 600;
/// Sections longer than this are indexed as several passages (split at block ends), so a
/// snippet is cut from a bounded text and a long section's words count where they are.
pub const PASSAGE_CHARS: usize = 1500;

/// A link or image in the body, with where it is (line 1 = first body line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `billing/refunds.md` (links) or `en/billing/images/x.png` (images).
    pub target: String,
    /// `timing` in `…#timing`.
    pub anchor: Option<String>,
    /// 1-based line within the body.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Where the article sits, to resolve relative links and images.
#[derive(Debug, Clone, Copy)]
pub struct Location<'a> {
    /// Locale folder, e.g. `en`.
    pub locale: &'a str,
    /// Category folder, e.g. `billing`.
    pub category: &'a str,
}

/// Turns a heading's text into a stable anchor id: lowercase, letters and digits of any
/// script kept, spaces to `-`, other punctuation dropped (`Refund timing` → `refund-timing`,
/// `パスワードの再設定` → `パスワードの再設定`).
pub fn anchor_id(text: &str) -> String {
    let mut id = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            id.extend(c.to_lowercase());
        } else if (c.is_whitespace() || c == '-') && !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    while id.ends_with('-') {
        id.pop();
    }
    if id.is_empty() { "section".to_owned() } else { id }
}

/// Removes `{{ … }}` and `{% … %}` template expressions from text.
pub fn strip_template_syntax(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("{{") && !text.contains("{%") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = [rest.find("{{").map(|i| (i, "}}")), rest.find("{%").map(|i| (i, "%}"))]
            .into_iter()
            .flatten()
            .min_by_key(|(i, _)| *i);
        let Some((start, close)) = next else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..start]);
        match rest[start + 2..].find(close) {
            Some(end) => rest = &rest[start + 2 + end + 2..],
            None => break, // unclosed: drop the tail, it is template noise
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Drops MDX `import …`/`export …` lines outside code fences, so they neither render nor
/// reach the search text.
fn strip_mdx_statements(body: &str) -> std::borrow::Cow<'_, str> {
    if !body.contains("import ") && !body.contains("export ") {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len());
    let mut fence: Option<&str> = None;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
        } else if trimmed.starts_with("```") {
            fence = Some("```");
        } else if trimmed.starts_with("~~~") {
            fence = Some("~~~");
        } else if is_mdx_statement(trimmed) {
            out.push('\n'); // keep line numbers stable
            continue;
        }
        out.push_str(line);
    }
    std::borrow::Cow::Owned(out)
}

fn is_mdx_statement(line: &str) -> bool {
    let line = line.trim_end();
    (line.starts_with("import ") && (line.contains(" from ") || line.ends_with(['\'', '"', ';'])))
        || line.starts_with("export const ")
        || line.starts_with("export default ")
}

fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// Events of a checked body, with heading ids assigned and links and images rewritten.
struct Prepared<'a> {
    events: Vec<Event<'a>>,
    headings: Vec<Heading>,
    links: Vec<Reference>,
    images: Vec<Reference>,
}

/// Parses `body` (MDX statements already removed), refusing nesting deeper than
/// [`super::nesting::MAX_NESTING`]; lines in the problem count from the body's first line.
fn prepare<'a>(body: &'a str, at: Location<'_>) -> Result<Prepared<'a>, Problem> {
    super::nesting::check_source(body)?;
    let (mut events, offsets): (Vec<Event<'_>>, Vec<usize>) =
        Parser::new_ext(body, markdown_options()).into_offset_iter().map(|(e, r)| (e, r.start)).unzip();
    let lines = super::front_matter::Lines::new(body);
    let position = |i: usize| lines.position(offsets.get(i).copied().unwrap_or(0));
    super::nesting::check_events(&events, position)?;
    let mut headings = Vec::new();
    assign_heading_ids(&mut events, &mut headings);
    let (mut links, mut images) = (Vec::new(), Vec::new());
    for (i, event) in events.iter_mut().enumerate() {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) => {
                if let Some((url, (target, anchor))) = rewrite_link(dest_url, at) {
                    let (line, column) = position(i);
                    links.push(Reference { target, anchor, line, column });
                    *dest_url = CowStr::from(url);
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                if let Some((url, target)) = rewrite_image(dest_url, at) {
                    let (line, column) = position(i);
                    images.push(Reference { target, anchor: None, line, column });
                    *dest_url = CowStr::from(url);
                }
            }
            _ => {}
        }
    }
    Ok(Prepared { events, headings, links, images })
}

/// Scans an article body: search text, outline, references and sections.
pub fn scan(body: &str, at: Location<'_>) -> Result<Scanned, Problem> {
    let body = strip_mdx_statements(body);
    let prepared = prepare(&body, at)?;
    let events = &prepared.events;
    let mut text = String::with_capacity(body.len());
    let mut sections = Sections::default();
    let mut headings = prepared.headings.iter();
    let mut in_code_block = false;
    let mut in_heading = false;
    let mut depth = 0usize;
    for (i, event) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                in_heading = true;
                if let Some(h) = headings.next()
                    && matches!(level, HeadingLevel::H2 | HeadingLevel::H3)
                {
                    sections.open(h);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                in_heading = false;
                text.push('\n');
            }
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                text.push('\n');
                sections.push_text("\n");
            }
            Event::Text(t) => {
                let t = if in_code_block { std::borrow::Cow::Borrowed(&**t) } else { strip_template_syntax(t) };
                text.push_str(&t);
                if !in_heading {
                    sections.push_text(&t);
                }
            }
            Event::Code(t) => {
                let t = strip_template_syntax(t);
                text.push_str(&t);
                if !in_heading {
                    sections.push_text(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                text.push(' ');
                sections.push_text(" ");
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell | TagEnd::BlockQuote(_)) => {
                text.push('\n');
                sections.push_text("\n");
            }
            _ => {}
        }
        // The first paragraph or list directly in the section is its quick answer.
        match event {
            Event::Start(tag) => {
                if depth == 0 && matches!(tag, Tag::Paragraph | Tag::List(_)) {
                    sections.answer_starts(i);
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    sections.block_ends(i, events);
                }
            }
            _ => {}
        }
    }
    Ok(Scanned {
        text: collapse_blank_lines(&text),
        headings: prepared.headings,
        links: prepared.links,
        images: prepared.images,
        sections: sections.finish(),
    })
}

/// Cuts the body into sections while [`scan`] walks it.
#[derive(Default)]
struct Sections {
    done: Vec<Section>,
    current: Section,
    /// The `##` heading above the current `###`, for the path.
    parent: Option<String>,
    answer_start: Option<usize>,
    answer_taken: bool,
}

impl Sections {
    fn open(&mut self, heading: &Heading) {
        self.close();
        let path = match (&self.parent, heading.level) {
            (Some(parent), 3) => format!("{parent} › {}", heading.text),
            _ => heading.text.clone(),
        };
        if heading.level == 2 {
            self.parent = Some(heading.text.clone());
        }
        self.current =
            Section { anchor: Some(heading.id.clone()), heading: heading.text.clone(), path, ..Section::default() };
        self.answer_start = None;
        self.answer_taken = false;
    }

    fn push_text(&mut self, text: &str) {
        self.current.text.push_str(text);
    }

    fn answer_starts(&mut self, i: usize) {
        if !self.answer_taken && self.answer_start.is_none() {
            self.answer_start = Some(i);
        }
    }

    /// A top-level block ended: the answer is complete, and a long section becomes a
    /// passage here.
    fn block_ends(&mut self, i: usize, events: &[Event<'_>]) {
        if let Some(start) = self.answer_start.take() {
            self.current.answer = answer_html(&events[start..=i]);
            self.answer_taken = true;
        }
        if self.current.text.chars().count() >= PASSAGE_CHARS {
            let next = Section {
                anchor: self.current.anchor.clone(),
                heading: self.current.heading.clone(),
                path: self.current.path.clone(),
                ..Section::default()
            };
            let full = std::mem::replace(&mut self.current, next);
            self.push_done(full);
        }
    }

    fn push_done(&mut self, mut section: Section) {
        section.text = collapse_blank_lines(&section.text);
        if !section.text.is_empty() || section.anchor.is_some() {
            self.done.push(section);
        }
    }

    fn close(&mut self) {
        let current = std::mem::take(&mut self.current);
        self.push_done(current);
    }

    fn finish(mut self) -> Vec<Section> {
        self.close();
        self.done
    }
}

/// Safe HTML for a quick answer from one paragraph or list: text, emphasis, code and
/// links only (raw HTML and images dropped, links limited to this site, http(s) and
/// mail), cut after [`MAX_ANSWER_CHARS`] characters of text.
fn answer_html(block: &[Event<'_>]) -> String {
    let mut kept = Vec::with_capacity(block.len());
    let mut chars = 0;
    let mut skip_image = 0usize;
    let mut open: Vec<TagEnd> = Vec::new();
    for event in block {
        match event {
            Event::Start(Tag::Image { .. }) => skip_image += 1,
            Event::End(TagEnd::Image) => skip_image = skip_image.saturating_sub(1),
            _ if skip_image > 0 => {}
            Event::Html(_) | Event::InlineHtml(_) | Event::FootnoteReference(_) => {}
            Event::Start(Tag::Link { dest_url, .. }) if !is_safe_answer_link(dest_url) => {}
            Event::End(TagEnd::Link) if !open.contains(&TagEnd::Link) => {}
            Event::Start(tag) => {
                if chars >= MAX_ANSWER_CHARS && matches!(tag, Tag::Item) {
                    break;
                }
                open.push(tag.to_end());
                kept.push(event.clone());
            }
            Event::End(end) => {
                if let Some(at) = open.iter().rposition(|e| e == end) {
                    open.remove(at);
                }
                kept.push(event.clone());
            }
            Event::Text(t) | Event::Code(t) => {
                let room = MAX_ANSWER_CHARS.saturating_sub(chars);
                let n = t.chars().count();
                if n <= room {
                    chars += n;
                    kept.push(event.clone());
                } else {
                    let cut: String = t.chars().take(room).collect();
                    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head).to_owned();
                    kept.push(Event::Text(CowStr::from(format!("{cut}…"))));
                    break;
                }
            }
            other => kept.push(other.clone()),
        }
    }
    // Close what a cut left open.
    for end in open.into_iter().rev() {
        kept.push(Event::End(end));
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, kept.into_iter());
    html
}

/// Links an answer may keep: this site (`/…`, but not `//host`), http(s) and mail.
fn is_safe_answer_link(url: &str) -> bool {
    (url.starts_with('/') && !url.starts_with("//"))
        || url.starts_with("https://")
        || url.starts_with("http://")
        || url.starts_with("mailto:")
        || url.starts_with('#')
}

/// The sanitized page HTML of a body (made when the article is viewed).
pub fn to_html(body: &str, at: Location<'_>) -> Result<String, Problem> {
    let body = strip_mdx_statements(body);
    let prepared = prepare(&body, at)?;
    let mut html = String::with_capacity(body.len() * 2);
    pulldown_cmark::html::push_html(&mut html, prepared.events.into_iter());
    // Table alignment as classes: the sanitizer drops every `style` attribute.
    let html = html
        .replace(r#" style="text-align: left">"#, r#" class="align-left">"#)
        .replace(r#" style="text-align: center">"#, r#" class="align-center">"#)
        .replace(r#" style="text-align: right">"#, r#" class="align-right">"#);
    Ok(sanitizer().clean(&html).to_string())
}

/// Scans and renders (tests and tools that want both at once).
pub fn render(body: &str, at: Location<'_>) -> Result<(Scanned, String), Problem> {
    Ok((scan(body, at)?, to_html(body, at)?))
}

fn collapse_blank_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Gives every heading an id (its `{#custom}` id or [`anchor_id`] of its text), unique
/// within the article, and collects the outline.
fn assign_heading_ids(events: &mut [Event<'_>], headings: &mut Vec<Heading>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i] {
            let level = heading_level(*level);
            let custom = id.as_ref().map(|s| s.to_string());
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(&strip_template_syntax(t));
                }
                j += 1;
            }
            let text = text.trim().to_owned();
            let mut base = custom.unwrap_or_else(|| anchor_id(&text));
            if base.starts_with(CHROME_ID_PREFIX) {
                // The portal's own ids live there; keep the anchor out of their way.
                base.insert_str(0, "section-");
            }
            let count = seen.entry(base.clone()).or_insert(0);
            let unique = if *count == 0 { base.clone() } else { format!("{base}-{count}") };
            *count += 1;
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                *id = Some(CowStr::from(unique.clone()));
            }
            headings.push(Heading { level, text, id: unique });
            i = j;
        }
        i += 1;
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn is_external(url: &str) -> bool {
    url.starts_with('/')
        || url.starts_with('#')
        || url.contains("://")
        || url.starts_with("mailto:")
        || url.starts_with("tel:")
        || url.starts_with("data:")
}

/// Resolves `rel` against `base` components, refusing to climb above the root.
fn resolve(base: &[&str], rel: &str) -> Option<Vec<String>> {
    let mut parts: Vec<String> = base.iter().map(|s| (*s).to_owned()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p.to_owned()),
        }
    }
    Some(parts)
}

/// `../billing/refunds.md#timing` → (`/en/articles/refunds#timing`, (`billing/refunds.md`, `timing`)).
fn rewrite_link(dest: &str, at: Location<'_>) -> Option<(String, (String, Option<String>))> {
    if is_external(dest) {
        return None;
    }
    let (path, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, Some(a.to_owned())),
        None => (dest, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    if !path.ends_with(".md") {
        return None;
    }
    let parts = resolve(&[at.category], path)?;
    let file = parts.last()?;
    let slug = file.strip_suffix(".md")?;
    let mut url = super::library::article_url(at.locale, slug);
    if let Some(a) = &anchor {
        url.push('#');
        url.push_str(a);
    }
    Some((url, (parts.join("/"), anchor)))
}

/// `images/x.png` in `en/getting-started/` → (`/media/en/getting-started/images/x.png`, that path).
fn rewrite_image(dest: &str, at: Location<'_>) -> Option<(String, String)> {
    if is_external(dest) {
        return None;
    }
    let path = dest.split(['?', '#']).next().unwrap_or(dest);
    let parts = resolve(&[at.locale, at.category], path)?;
    if parts.is_empty() {
        return None;
    }
    let joined = parts.join("/");
    Some((format!("/media/{joined}"), joined))
}

/// Classes article HTML may carry: code languages, footnotes, table alignment, task lists
/// and callouts. Anything else could borrow the portal's own styling.
fn allowed_class(class: &str) -> bool {
    class.strip_prefix("language-").is_some_and(|l| {
        !l.is_empty() && l.len() <= 30 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b"+#-_.".contains(&b))
    }) || matches!(
        class,
        "footnote-definition"
            | "footnote-reference"
            | "footnote-definition-label"
            | "align-left"
            | "align-center"
            | "align-right"
            | "markdown-alert-note"
            | "markdown-alert-tip"
            | "markdown-alert-important"
            | "markdown-alert-warning"
            | "markdown-alert-caution"
    )
}

/// Element ids the portal's own page uses start with this; article ids never do.
pub const CHROME_ID_PREFIX: &str = "hc-";

/// The HTML sanitizer: Markdown output plus the safe subset of raw HTML writers use. No
/// `style`, no event handlers, no forms (an `<input>` can only be a disabled checkbox, as
/// task lists render), ids only on headings and footnotes and never in the portal's
/// namespace, classes only from [`allowed_class`].
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.add_tags(["input", "kbd", "mark", "details", "summary", "figure", "figcaption", "section"])
            .add_generic_attributes(["id", "class", "title"])
            .add_tag_attributes("input", ["checked"])
            .set_tag_attribute_value("input", "type", "checkbox")
            .set_tag_attribute_value("input", "disabled", "")
            .add_tag_attributes("img", ["loading"])
            .add_tag_attributes("ol", ["start"])
            // Code blocks and tables scroll sideways inside the page: keyboard users must be
            // able to reach them to scroll (WCAG 2.1.1).
            .set_tag_attribute_value("pre", "tabindex", "0")
            .set_tag_attribute_value("table", "tabindex", "0")
            .attribute_filter(|element, attribute, value| match attribute {
                "id" => {
                    let on_anchor_target = matches!(element, "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "div" | "li");
                    (on_anchor_target && !value.starts_with(CHROME_ID_PREFIX) && value.len() <= 200)
                        .then(|| value.into())
                }
                "class" => {
                    let kept: Vec<&str> = value.split_ascii_whitespace().filter(|c| allowed_class(c)).collect();
                    (!kept.is_empty()).then(|| kept.join(" ").into())
                }
                _ => Some(value.into()),
            })
            .link_rel(Some("noopener noreferrer"));
        b
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: Location<'static> = Location { locale: "en", category: "billing" };

    /// Both outputs at once, as the tests read them.
    #[derive(Debug)]
    struct Both {
        html: String,
        text: String,
        headings: Vec<Heading>,
        links: Vec<Reference>,
        images: Vec<Reference>,
        sections: Vec<Section>,
    }

    fn render(body: &str, at: Location<'_>) -> Result<Both, Problem> {
        let (s, html) = super::render(body, at)?;
        Ok(Both { html, text: s.text, headings: s.headings, links: s.links, images: s.images, sections: s.sections })
    }

    #[test]
    fn anchors_are_stable_for_latin_and_cjk() {
        assert_eq!(anchor_id("Refund timing"), "refund-timing");
        assert_eq!(anchor_id("What's new in v2.3?"), "whats-new-in-v23");
        assert_eq!(anchor_id("パスワードの再設定"), "パスワードの再設定");
        assert_eq!(anchor_id("비밀번호 재설정"), "비밀번호-재설정");
        assert_eq!(anchor_id("!!!"), "section");
    }

    #[test]
    fn duplicate_headings_get_unique_ids() {
        let r = render("## Steps\n\n## Steps\n\n## Custom {#mine}\n", AT).expect("renders");
        let ids: Vec<_> = r.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, vec!["steps", "steps-1", "mine"]);
        assert!(r.html.contains(r#"<h2 id="steps-1">"#), "{}", r.html);
    }

    #[test]
    fn internal_links_and_images_are_rewritten() {
        let r = render("[a](../account/reset-password.md#step-2) ![x](images/a.png) [b](https://x.example)", AT)
            .expect("renders");
        assert!(r.html.contains(r#"href="/en/articles/reset-password#step-2""#), "{}", r.html);
        assert!(r.html.contains(r#"src="/media/en/billing/images/a.png""#), "{}", r.html);
        assert!(r.html.contains("https://x.example"));
        let link =
            Reference { target: "account/reset-password.md".into(), anchor: Some("step-2".into()), line: 1, column: 1 };
        assert_eq!(r.links, vec![link]);
        assert_eq!(r.images.iter().map(|i| i.target.as_str()).collect::<Vec<_>>(), vec!["en/billing/images/a.png"]);
        let r = render("intro\n\nsee [x](a.md) and ![i](i.png)\n", AT).expect("renders");
        assert_eq!((r.links[0].line, r.links[0].column), (3, 5));
        assert_eq!(super::super::front_matter::Lines::new("a\nbc\n").position(4), (2, 3));
        assert_eq!((r.images[0].line, r.images[0].column), (3, 19));
    }

    #[test]
    fn images_cannot_escape_the_articles_root() {
        let r = render("![x](../../../etc/passwd)", AT).expect("renders");
        assert!(!r.html.contains("/media/"), "{}", r.html);
    }

    #[test]
    fn raw_html_is_sanitized() {
        let r = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)> <a href=\"javascript:alert(1)\">x</a> <kbd>Ctrl</kbd>",
            AT,
        ).expect("renders");
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(!r.html.contains("onerror"), "{}", r.html);
        assert!(!r.html.contains("javascript:"), "{}", r.html);
        assert!(r.html.contains("<kbd>Ctrl</kbd>"));
    }

    #[test]
    fn sanitizer_drops_styles_forms_and_foreign_ids_and_classes() {
        let r = render(
            "| a | b |\n|:-:|--:|\n| 1 | 2 |\n\n<td style=\"position:fixed\">x</td> <div class=\"skip-link\" id=\"hc-q\">d</div> <input type=\"password\" name=\"p\"> <span onclick=\"x()\" class=\"language-rust align-left\">s</span>\n\n## Top {#hc-main}\n\n- [x] done\n",
            AT,
        )
        .expect("renders");
        assert!(!r.html.contains("style="), "{}", r.html);
        assert!(r.html.contains(r#"<th class="align-center">"#), "alignment kept as a class: {}", r.html);
        assert!(!r.html.contains("skip-link") && !r.html.contains(r#"id="hc-q""#), "{}", r.html);
        assert!(!r.html.contains("password") && !r.html.contains("name="), "{}", r.html);
        assert!(r.html.contains(r#"class="language-rust align-left""#), "{}", r.html);
        assert!(!r.html.contains("onclick"), "{}", r.html);
        assert!(r.html.contains(r#"id="section-hc-main""#), "{}", r.html);
        assert!(r.html.contains(r#"type="checkbox""#) && r.html.contains("disabled"), "task lists stay: {}", r.html);
    }

    #[test]
    fn sections_follow_the_headings_with_their_answers() {
        let body = "Intro text.\n\n## Refund timing\n\nRefunds take **10 days**. <b>raw</b> ![i](i.png) [x](javascript:alert(1))\n\nMore.\n\n### By card\n\n1. Open billing.\n2. Click refund.\n\n#### Deep\n\nStill in by card.\n";
        let r = render(body, AT).expect("renders");
        let anchors: Vec<_> = r.sections.iter().map(|s| s.anchor.as_deref()).collect();
        assert_eq!(anchors, vec![None, Some("refund-timing"), Some("by-card")]);
        assert_eq!(r.sections[2].path, "Refund timing › By card");
        assert!(r.sections[1].text.contains("Refunds take 10 days") && !r.sections[1].text.contains("Refund timing"));
        assert!(r.sections[2].text.contains("Still in by card"), "h4 stays in its h3 section");
        let answer = &r.sections[1].answer;
        assert!(answer.starts_with("<p>Refunds take <strong>10 days</strong>."), "{answer}");
        assert!(!answer.contains("<b>") && !answer.contains("img") && !answer.contains("javascript"), "{answer}");
        assert!(r.sections[2].answer.starts_with("<ol>") && r.sections[2].answer.contains("Click refund"));
        let long =
            format!("## Long\n\n{}", "A sentence of some length here. ".repeat(40).repeat(3).replace(". A", ".\n\nA"));
        let passages = render(&long, AT).expect("renders").sections;
        assert!(passages.len() > 2, "a long section is split into passages");
        assert!(passages.iter().all(|p| p.anchor.as_deref() == Some("long")));
        let capped = render(&format!("## Big\n\n{}", "word ".repeat(400)), AT).expect("renders").sections;
        assert!(capped[0].answer.contains('…') && capped[0].answer.len() < 700, "{}", capped[0].answer);
    }

    #[test]
    fn callouts_render_with_their_kind() {
        let r = render("> [!WARNING]\n> This cannot be undone.\n", AT).expect("renders");
        assert!(r.html.contains("markdown-alert-warning"), "{}", r.html);
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        let started = std::time::Instant::now();
        let quotes = format!("text\n\n{}", ">".repeat(1024 * 1024));
        let err = render(&quotes, AT).expect_err("too deep");
        assert_eq!(err.line, 3);
        let divs = format!("a\n\n{}\n", "<div>".repeat(200_000));
        assert!(render(&divs, AT).is_err(), "raw HTML nesting counts too");
        let lists = "- ".repeat(20_000);
        assert!(render(&lists, AT).is_err());
        let indented: String = (0..150).map(|i| format!("{}- item\n", "  ".repeat(i))).collect();
        assert!(render(&indented, AT).is_err(), "nesting by indentation");
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
        assert!(render(&"> ".repeat(10), AT).is_ok(), "a few levels are fine");
    }

    #[test]
    fn template_syntax_stays_out_of_search_text() {
        let body = "import Tabs from '@components/Tabs.astro';\n\nUse {{ site.name }} here {% include \"x\" %} ok.\n\n<Tabs client:load>inside</Tabs>\n\n```js\nimport x from 'y';\n```\n";
        let r = render(body, AT).expect("renders");
        assert!(!r.text.contains("site.name"), "{}", r.text);
        assert!(!r.text.contains("include"), "{}", r.text);
        assert!(!r.text.contains("@components"), "{}", r.text);
        assert!(r.text.contains("Use  here  ok.") || r.text.contains("Use here ok."), "{}", r.text);
        assert!(r.text.contains("import x from 'y';"), "code blocks keep their text: {}", r.text);
        assert!(!r.html.contains("<tabs"), "{}", r.html);
        assert!(r.html.contains("inside"));
    }

    #[test]
    fn gfm_extensions_render() {
        let r = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n~~old~~ text[^1]\n\n[^1]: note\n", AT)
            .expect("renders");
        assert!(r.html.contains(r#"<table tabindex="0">"#), "a table scrolls and can be focused to: {}", r.html);
        assert!(r.html.contains(r#"type="checkbox""#), "{}", r.html);
        assert!(r.html.contains("<del>old</del>"), "{}", r.html);
        assert!(r.html.contains("footnote"), "{}", r.html);
    }
}
