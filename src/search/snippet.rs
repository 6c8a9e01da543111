//! Snippets cut from the section passage that matched, cheaply: find the first match with
//! a plain substring search, analyze only a window of about [`SNIPPET_CHARS`] around it,
//! and mark whole matched words. A CJK word is marked only where the whole query word
//! occurs (a Japanese bigram hit never marks half of an unrelated loanword, as in
//! `エラーコ[ード]`). Cuts fall on word boundaries (CJK: any character), with `…` where
//! text was cut.

use std::collections::HashSet;

use super::escape_html;
use super::query::Unit;
use crate::text::analyze::{RawToken, is_cjk, normalize_text, tokenize};

/// Characters of text in a snippet.
pub const SNIPPET_CHARS: usize = 200;
/// Characters of context kept before the first match.
const LEAD_CHARS: usize = 50;

/// What to mark: analysed Latin terms and whole CJK words (normalized).
#[derive(Debug, Default, Clone)]
pub struct Needles {
    latin: HashSet<String>,
    cjk: Vec<String>,
}

impl Needles {
    /// The words of a planned query, its synonym alternatives included.
    pub fn from_units(units: &[Unit]) -> Self {
        let mut needles = Self::default();
        let mut add = |group: &[RawToken]| {
            if group.first().is_some_and(|t| t.cjk) {
                let word = super::query::group_text(group);
                if word.chars().count() >= 2 && !needles.cjk.contains(&word) {
                    needles.cjk.push(word);
                }
            } else if let Some(t) = group.first() {
                needles.latin.insert(t.text.clone());
            }
        };
        // Stop words are not marked; a CJK run's whole-run unit (planned as optional) is.
        let is_cjk_unit = |u: &Unit| u.groups.iter().all(|g| g.first().is_some_and(|t| t.cjk));
        for unit in units.iter().filter(|u| !u.stop || is_cjk_unit(u)) {
            for group in unit.groups.iter().chain(unit.alternatives.iter().flatten()) {
                add(group);
            }
        }
        // Longest first, so a longer word wins where two overlap.
        needles.cjk.sort_by_key(|w| std::cmp::Reverse(w.len()));
        needles
    }

    /// True when there is nothing to mark.
    pub fn is_empty(&self) -> bool {
        self.latin.is_empty() && self.cjk.is_empty()
    }
}

/// Byte offset of the first likely match in `text` (0 when none is found).
fn first_match(text: &str, needles: &Needles) -> usize {
    let lower = text.to_ascii_lowercase();
    let latin = needles.latin.iter().filter_map(|n| {
        // A stem is usually a prefix of its words (`refund` in `Refunds`); check it starts a word.
        lower.match_indices(n.as_str()).find(|(i, _)| !lower[..*i].chars().last().is_some_and(char::is_alphanumeric))
    });
    let cjk = needles.cjk.iter().filter_map(|n| text.find(n.as_str()).map(|i| (i, "")));
    latin.map(|(i, _)| i).chain(cjk.map(|(i, _)| i)).min().unwrap_or(0)
}

/// A window of about [`SNIPPET_CHARS`] characters around byte `at`, cut at word boundaries;
/// returns the byte range and whether text was cut before and after it. Only the
/// characters near the cuts are looked at.
fn window(text: &str, at: usize) -> (usize, usize, bool, bool) {
    let at = (0..=at.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    // Start: LEAD_CHARS characters before the match.
    let mut start = text[..at].char_indices().rev().nth(LEAD_CHARS - 1).map_or(0, |(i, _)| i);
    // End: SNIPPET_CHARS characters after the start (or the end of the text).
    let mut end = text[start..].char_indices().nth(SNIPPET_CHARS).map_or(text.len(), |(i, _)| start + i);
    if end == text.len() && start > 0 {
        // Near the end: take the window back so it stays full.
        let room = text[start..].chars().count();
        if room < SNIPPET_CHARS {
            start = text[..start].char_indices().rev().nth(SNIPPET_CHARS - room - 1).map_or(0, |(i, _)| i);
        }
    }
    let inside_word = |i: usize| {
        let before = text[..i].chars().next_back();
        let after = text[i..].chars().next();
        matches!((before, after), (Some(a), Some(b)) if a.is_alphanumeric() && b.is_alphanumeric() && !is_cjk(a) && !is_cjk(b))
    };
    if start > 0 && inside_word(start) {
        // Forward to the end of this word (never past the match).
        let next = text[start..at].char_indices().find(|&(i, _)| !inside_word(start + i)).map(|(i, _)| start + i);
        start = next.unwrap_or(start);
        if inside_word(start) {
            start = text[start..at].find(|c: char| !c.is_alphanumeric()).map_or(at, |i| start + i);
        }
    }
    if end < text.len() && inside_word(end) {
        // Back to the start of this word, keeping at least the match.
        let back = text[at..end].char_indices().rev().find(|&(i, _)| !inside_word(at + i)).map(|(i, _)| at + i);
        if let Some(b) = back.filter(|&b| b > at) {
            end = b;
        }
    }
    let trimmed_start = start + (text[start..end].len() - text[start..end].trim_start().len());
    let trimmed_end = trimmed_start + text[trimmed_start..end].trim_end().len();
    (trimmed_start, trimmed_end, start > 0, end < text.len())
}

/// The snippet of `text` for `needles`, as HTML: escaped, matches in `<mark>`, `…` where cut.
pub fn snippet(text: &str, needles: &Needles) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let (from, to, cut_before, cut_after) = window(text, first_match(text, needles));
    let part = &text[from..to];
    let mut marks: Vec<(usize, usize)> = Vec::new();
    let tokens = tokenize(part);
    for i in 0..tokens.len() {
        if let Some((term, from, to)) = tokens.get(i)
            && needles.latin.contains(term)
        {
            marks.push((from, to));
        }
    }
    if !needles.cjk.is_empty() {
        // Compare on normalized text when it keeps byte lengths (width folding changes them).
        let normalized = normalize_text(part);
        let haystack = if normalized.len() == part.len() { normalized.as_str() } else { part };
        for word in &needles.cjk {
            for (i, m) in haystack.match_indices(word.as_str()) {
                if part.is_char_boundary(i) && part.is_char_boundary(i + m.len()) {
                    marks.push((i, i + m.len()));
                }
            }
        }
    }
    marks.sort_unstable();
    let mut html = String::with_capacity(part.len() + 32);
    // Line breaks between paragraphs read as spaces in one snippet line.
    let escape = |t: &str| escape_html(t).replace('\n', " ");
    if cut_before {
        html.push('…');
    }
    super::push_marked(&mut html, part, &marks, escape);
    if cut_after {
        html.push('…');
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::plan;

    fn needles(q: &str) -> Needles {
        Needles::from_units(&plan(q, &[]))
    }

    #[test]
    fn marks_whole_words_and_cuts_at_word_boundaries() {
        let text = format!(
            "{} Refunds arrive within ten business days after approval. {}",
            "word ".repeat(60),
            "tail ".repeat(60)
        );
        let s = snippet(&text, &needles("refund timing"));
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>Refunds</mark>"), "{s}");
        assert!(!s.contains("wor…") && !s.contains("…ord"), "never mid-word: {s}");
    }

    #[test]
    fn japanese_marks_only_the_whole_query_word() {
        let s = snippet("エラーコードを確認してから、パスワードを再設定します。", &needles("パスワード"));
        assert!(s.contains("<mark>パスワード</mark>"), "{s}");
        assert!(!s.contains("<mark>ード</mark>") && s.contains("エラーコード"), "no fragments: {s}");
    }

    #[test]
    fn short_text_is_whole_and_escaped() {
        assert_eq!(snippet("Use <b> & refunds", &needles("refund")), "Use &lt;b&gt; &amp; <mark>refunds</mark>");
    }
}
