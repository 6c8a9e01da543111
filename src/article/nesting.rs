//! Bounds on how deeply an article may nest, checked before the expensive passes.
//!
//! Markdown parsing and HTML sanitizing both cost time proportional to the depth of the
//! open elements for every element they open, so a file of 40 KB of `>` or `<div>` takes
//! seconds and 1 MiB would take hours. Real articles nest a few levels; anything deeper
//! than [`MAX_NESTING`] is refused with the line where it happens, in time linear in the
//! file's size.

use pulldown_cmark::{Event, Tag};

use super::error::Problem;

/// Deepest nesting of block containers, inline elements and raw HTML elements accepted.
pub const MAX_NESTING: usize = 100;

fn too_deep(line: usize, column: usize) -> Problem {
    Problem::at(line, column, format!("nesting is deeper than {MAX_NESTING} levels"))
        .hint("flatten the quotes, lists or HTML elements here; real articles need only a few levels")
}

/// Counts the container markers (`>`, `-`, `*`, `+`, `1.`, `1)`) opening one line.
fn markers_at_line_start(line: &str) -> (usize, usize) {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut markers = 0;
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        let Some(&b) = bytes.get(i) else { break };
        let spaced = |j: usize| bytes.get(j).is_none_or(|c| matches!(c, b' ' | b'\t'));
        if b == b'>' || (matches!(b, b'-' | b'*' | b'+') && spaced(i + 1)) {
            i += 1;
        } else if b.is_ascii_digit() {
            let digits = bytes[i..].iter().take(10).take_while(|c| c.is_ascii_digit()).count();
            let after = i + digits;
            if digits <= 9 && matches!(bytes.get(after), Some(b'.' | b')')) && spaced(after + 1) {
                i = after + 1;
            } else {
                break;
            }
        } else {
            break;
        }
        markers += 1;
    }
    (markers, i)
}

/// Refuses Markdown whose lines open more than [`MAX_NESTING`] containers: the cheap check
/// that runs before the parser sees the text.
pub fn check_source(body: &str) -> Result<(), Problem> {
    for (n, line) in body.lines().enumerate() {
        let (markers, column) = markers_at_line_start(line);
        if markers > MAX_NESTING {
            return Err(too_deep(n + 1, column.min(line.len()) + 1));
        }
    }
    Ok(())
}

/// HTML elements that never have content (they open nothing).
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Follows the open elements of raw HTML text, updating `depth`; returns the deepest depth.
fn follow_html(html: &str, depth: &mut usize) -> usize {
    let bytes = html.as_bytes();
    let mut deepest = *depth;
    let mut i = 0;
    while let Some(at) = bytes[i..].iter().position(|b| *b == b'<') {
        i += at + 1;
        match bytes.get(i) {
            Some(b'!') => {
                // A comment or declaration: skip to its end.
                let end = if html[i..].starts_with("!--") { html[i..].find("-->") } else { html[i..].find('>') };
                match end {
                    Some(e) => i += e + 1,
                    None => break,
                }
            }
            Some(b'/') => *depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() => {
                let name_len = bytes[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'-').count();
                let name = html[i..i + name_len].to_ascii_lowercase();
                let close = html[i..].find('>').map(|e| i + e);
                let self_closing = close.is_some_and(|e| e > i && bytes[e - 1] == b'/');
                if !is_void(&name) && !self_closing {
                    *depth += 1;
                    deepest = deepest.max(*depth);
                }
                i += name_len;
            }
            _ => {}
        }
    }
    deepest
}

/// Refuses parsed Markdown (with its raw HTML) nesting deeper than [`MAX_NESTING`];
/// `position` maps an event index to its line and column.
pub fn check_events(events: &[Event<'_>], position: impl Fn(usize) -> (usize, usize)) -> Result<(), Problem> {
    let mut markdown = 0usize;
    let mut html = 0usize;
    for (i, event) in events.iter().enumerate() {
        let deepest = match event {
            Event::Start(tag) => {
                markdown += 1;
                if let Tag::HtmlBlock = tag {
                    markdown -= 1;
                }
                markdown + html
            }
            Event::End(pulldown_cmark::TagEnd::HtmlBlock) => markdown + html,
            Event::End(_) => {
                markdown = markdown.saturating_sub(1);
                markdown + html
            }
            Event::Html(text) | Event::InlineHtml(text) => markdown + follow_html(text, &mut html),
            _ => continue,
        };
        if deepest > MAX_NESTING {
            let (line, column) = position(i);
            return Err(too_deep(line, column));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_container_markers() {
        assert_eq!(markers_at_line_start("> > - 1. text").0, 4);
        assert_eq!(markers_at_line_start("-not a list").0, 0);
        assert_eq!(markers_at_line_start("2026. a year").0, 1);
        assert_eq!(markers_at_line_start("1234567890. too long").0, 0);
        assert!(check_source(&">".repeat(MAX_NESTING)).is_ok());
        let err = check_source(&format!("intro\n\n{}", ">".repeat(MAX_NESTING + 1))).expect_err("too deep");
        assert_eq!(err.line, 3);
    }

    #[test]
    fn follows_raw_html_depth() {
        let mut depth = 0;
        assert_eq!(follow_html("<div><p>a<br>b<img src=x/></p><!-- <div> --></div>", &mut depth), 2);
        assert_eq!(depth, 0);
        let mut depth = 0;
        assert_eq!(follow_html(&"<div>".repeat(500), &mut depth), 500);
    }
}
