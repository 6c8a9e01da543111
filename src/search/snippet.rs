//! Snippets cut from the section passage that matched, cheaply: find the first match with
//! a plain substring search, analyze only a window of about [`SNIPPET_CHARS`] around it,
//! and mark whole matched words. A CJK word is marked only where the whole query word
//! occurs (a Japanese bigram hit never marks half of an unrelated loanword, as in
//! `エラーコ[ード]`). Cuts fall on word boundaries (CJK: any character), with `…` where
//! text was cut.

use std::collections::HashSet;

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
    /// The first letters of each Latin needle that its words share (see [`mark_latin`]).
    prefixes: Vec<String>,
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
        // A stem's last letter may differ from its word's (`cri` for `cry`): never compare
        // it; a short stem may differ after its first (`die` for `dying`).
        const PREFIX: usize = 4;
        let prefix = |n: &str| n.floor_char_boundary(if n.len() <= 3 { 1 } else { (n.len() - 1).min(PREFIX) });
        needles.prefixes = needles.latin.iter().map(|n| n[..prefix(n)].to_owned()).collect();
        needles
    }

    /// True when there is nothing to mark.
    pub fn is_empty(&self) -> bool {
        self.latin.is_empty() && self.cjk.is_empty()
    }
}

/// Bytes of passage searched at a time for the first match: most passages have one in
/// their first kilobyte, and a long one is then neither copied nor scanned to its end.
const SCAN_CHUNK: usize = 1024;

/// Byte offset of the first likely match in `text` (0 when none is found): a CJK word
/// anywhere, a Latin stem where it starts a word (it is usually a prefix of its words:
/// `refund` in `Refunds`).
fn first_match(text: &str, needles: &Needles) -> usize {
    let longest = needles.latin.iter().chain(&needles.cjk).map(String::len).max().unwrap_or(0);
    if longest == 0 {
        return 0;
    }
    let mut lower = String::new();
    let mut from = 0;
    while from < text.len() {
        // Matches starting in [from, next) lie whole in [from, end).
        let next = text.ceil_char_boundary(from + SCAN_CHUNK);
        let end = text.ceil_char_boundary(next + longest);
        let chunk = &text[from..end];
        lower.clear();
        lower.push_str(chunk);
        lower.make_ascii_lowercase();
        let starts_word = |i: usize| !text[..from + i].chars().next_back().is_some_and(char::is_alphanumeric);
        let latin = needles.latin.iter().filter_map(|n| {
            lower.match_indices(n.as_str()).map(|(i, _)| i).take_while(|&i| from + i < next).find(|&i| starts_word(i))
        });
        let cjk = needles.cjk.iter().filter_map(|n| chunk.find(n.as_str()).filter(|&i| from + i < next));
        if let Some(i) = latin.chain(cjk).min() {
            return from + i;
        }
        from = next;
    }
    0
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

/// Marks the words of `part` whose analysed form is a Latin needle. A stem keeps the first
/// letters of its word (`refund` in `Refunds`), so only the space-separated pieces that
/// contain a needle's first letters are analysed (every piece with non-ASCII text, which
/// folding may change), not the whole window.
fn mark_latin(part: &str, needles: &Needles, marks: &mut Vec<(usize, usize)>) {
    let mut lower = String::new();
    let mut start = 0;
    for (i, c) in part.char_indices().chain(std::iter::once((part.len(), ' '))) {
        if !(c.is_whitespace() || is_cjk(c)) {
            continue;
        }
        let piece = &part[start..i];
        start = i + c.len_utf8();
        if piece.is_empty() {
            continue;
        }
        if piece.is_ascii() {
            // Apostrophes are dropped by analysis (`o'clock` is `oclock`).
            lower.clear();
            lower.extend(piece.chars().filter(|&c| c != '\'').map(|c| c.to_ascii_lowercase()));
            if !needles.prefixes.iter().any(|p| lower.contains(p.as_str())) {
                continue;
            }
        }
        let tokens = tokenize(piece);
        let offset = i - piece.len();
        for t in 0..tokens.len() {
            if let Some((term, from, to)) = tokens.get(t)
                && needles.latin.contains(term)
            {
                marks.push((offset + from, offset + to));
            }
        }
    }
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
    if !needles.latin.is_empty() {
        mark_latin(part, needles, &mut marks);
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
    let escape = |out: &mut String, t: &str| {
        for (i, line) in t.split('\n').enumerate() {
            if i > 0 {
                out.push(' ');
            }
            super::push_escaped(out, line);
        }
    };
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
    fn the_first_match_is_found_across_and_beyond_scan_chunks() {
        let n = needles("refund パスワード");
        // Every offset around the chunk edge: a needle straddling it is still found, and a
        // later one never wins over an earlier one.
        for pad in (SCAN_CHUNK - 12)..(SCAN_CHUNK + 4) {
            let text = format!("{}refunds later refund", "x".repeat(pad) + " ");
            assert_eq!(first_match(&text, &n), pad + 1, "pad {pad}");
        }
        let far = format!("{}ぱパスワード", "あ".repeat(3 * SCAN_CHUNK));
        assert_eq!(first_match(&far, &n), 3 * 3 * SCAN_CHUNK + "ぱ".len());
        let inside = format!("{} prerefund refund", "y ".repeat(SCAN_CHUNK));
        assert_eq!(first_match(&inside, &n), 2 * SCAN_CHUNK + " prerefund ".len(), "a word start only");
        assert_eq!(first_match("nothing here", &n), 0);
    }

    #[test]
    fn japanese_marks_only_the_whole_query_word() {
        let s = snippet("エラーコードを確認してから、パスワードを再設定します。", &needles("パスワード"));
        assert!(s.contains("<mark>パスワード</mark>"), "{s}");
        assert!(!s.contains("<mark>ード</mark>") && s.contains("エラーコード"), "no fragments: {s}");
    }

    #[test]
    fn marks_the_words_a_full_analysis_would() {
        let text = "Customer's refunds (v2.3) cry: tried trying ＲＥＦＵＮＤ, http2 e-mail RUNNING runs, \
                    naïve café appliances applied; o'clock dying パスワード refund";
        for q in
            ["refund", "customer v2.3", "cry try", "refund http2 email", "run", "naive cafe apply", "oclock die", "x"]
        {
            let n = needles(q);
            let mut fast = Vec::new();
            mark_latin(text, &n, &mut fast);
            let tokens = tokenize(text);
            let full: Vec<(usize, usize)> = (0..tokens.len())
                .filter_map(|i| tokens.get(i))
                .filter(|(term, _, _)| n.latin.contains(*term))
                .map(|(_, from, to)| (from, to))
                .collect();
            fast.sort_unstable();
            assert_eq!(fast, full, "{q}");
            assert!(!full.is_empty() || q == "x", "{q} marks something");
        }
    }

    #[test]
    fn short_text_is_whole_and_escaped() {
        assert_eq!(snippet("Use <b> & refunds", &needles("refund")), "Use &lt;b&gt; &amp; <mark>refunds</mark>");
    }
}
