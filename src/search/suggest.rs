//! Typeahead: suggestions while the customer types, from a structure built for it (not a
//! query over article bodies), rebuilt whenever the articles change.
//!
//! Per locale: the titles, keywords and headings of published articles ("entries"), an FST
//! of their words with postings (exact words, the last word as a prefix, typo tolerance from
//! 5 letters with a Levenshtein prefix automaton), and CJK unigram/bigram postings so
//! `パスワ` finds `パスワードを再設定する`. Query completions (popular searches that
//! found answers) are passed in: they change on their own schedule, not with the articles.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use tantivy_fst::{IntoStreamer, Map, Streamer};

use super::escape_html;
use crate::article::Library;
use crate::text::analyze::{is_cjk, normalize_text, surface_words};
use crate::text::typo::{Dfa, ONE_TYPO_FROM, TWO_TYPOS_FROM, builders};

/// Most words a prefix may expand to.
const MAX_PREFIX_WORDS: usize = 256;
/// Longest query considered (characters).
const MAX_QUERY_CHARS: usize = 100;

/// One suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Suggestion {
    /// An article whose title, keywords or a heading match what was typed.
    Article {
        /// Article title.
        title: String,
        /// Where to go (with `#anchor` for a heading match).
        url: String,
        /// Category folder.
        category: String,
        /// The matching text, HTML-escaped, matches in `<mark>`.
        highlight: String,
    },
    /// A popular search that found answers.
    Query {
        /// The query.
        text: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Heading,
    Keyword,
    Title,
}

#[derive(Debug)]
struct Entry {
    article: usize,
    kind: Kind,
    display: String,
    lower: String,
    anchor: Option<String>,
}

#[derive(Debug)]
struct ArticleRef {
    title: String,
    url: String,
    category: String,
    order: i64,
}

struct LocaleIndex {
    articles: Vec<ArticleRef>,
    entries: Vec<Entry>,
    words: Map<Vec<u8>>,
    postings: Vec<Vec<u32>>,
    cjk: HashMap<String, Vec<u32>>,
}

/// How good an entry's match is, best greatest: matched without typos, kind of text,
/// starts with what was typed, shorter.
type Rank = (bool, Kind, bool, std::cmp::Reverse<usize>);

/// Suggestions for every locale.
#[derive(Default)]
pub struct SuggestIndex {
    locales: HashMap<String, LocaleIndex>,
}

impl std::fmt::Debug for SuggestIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuggestIndex").field("locales", &self.locales.len()).finish()
    }
}

/// CJK unigrams and bigrams of a normalised text.
fn cjk_grams(lower: &str) -> Vec<String> {
    let mut grams = Vec::new();
    let chars: Vec<char> = lower.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_cjk(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_cjk(chars[i]) {
            i += 1;
        }
        let run = &chars[start..i];
        grams.extend(run.iter().map(|c| c.to_string()));
        grams.extend(run.windows(2).map(|w| w.iter().collect::<String>()));
    }
    grams
}

impl LocaleIndex {
    fn build(library: &Library, locale: &str) -> Self {
        let mut articles = Vec::new();
        let mut entries = Vec::new();
        for a in library.articles().filter(|a| a.locale == locale) {
            let id = articles.len();
            articles.push(ArticleRef {
                title: a.title.clone(),
                url: a.url(),
                category: a.category.clone(),
                order: a.order,
            });
            let mut add = |kind, text: &str, anchor: Option<String>| {
                if !text.trim().is_empty() {
                    entries.push(Entry {
                        article: id,
                        kind,
                        display: text.to_owned(),
                        lower: normalize_text(text),
                        anchor,
                    });
                }
            };
            add(Kind::Title, &a.title, None);
            for k in &a.keywords {
                add(Kind::Keyword, k, None);
            }
            for h in a.headings.iter().filter(|h| (2..=3).contains(&h.level)) {
                add(Kind::Heading, &h.text, Some(h.id.clone()));
            }
        }
        let mut word_postings: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut cjk: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let mut words = HashSet::new();
            surface_words(&e.display, &mut words);
            for w in words {
                word_postings.entry(w).or_default().push(i as u32);
            }
            let mut seen = HashSet::new();
            for g in cjk_grams(&e.lower) {
                if seen.insert(g.clone()) {
                    cjk.entry(g).or_default().push(i as u32);
                }
            }
        }
        let mut postings = Vec::with_capacity(word_postings.len());
        let pairs: Vec<(String, u64)> = word_postings
            .into_iter()
            .map(|(w, list)| {
                postings.push(list);
                (w, (postings.len() - 1) as u64)
            })
            .collect();
        let words =
            Map::from_iter(pairs).unwrap_or_else(|_| Map::from_iter(Vec::<(String, u64)>::new()).expect("empty"));
        Self { articles, entries, words, postings, cjk }
    }

    fn postings_of(&self, word_ids: impl Iterator<Item = u64>) -> Vec<u32> {
        let mut all: Vec<u32> = word_ids.filter_map(|i| self.postings.get(i as usize)).flatten().copied().collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Entries matching one Latin word (exact, or as a prefix), with typo tolerance.
    fn latin(&self, word: &str, prefix: bool) -> (Vec<u32>, Vec<u32>, Vec<String>) {
        let mut exact_ids = Vec::new();
        let mut matched_words = Vec::new();
        if prefix {
            let mut stream = self.words.range().ge(word).into_stream();
            while let Some((w, id)) = stream.next() {
                if !w.starts_with(word.as_bytes()) {
                    break;
                }
                exact_ids.push(id);
                if matched_words.len() < MAX_PREFIX_WORDS {
                    matched_words.push(String::from_utf8_lossy(w).into_owned());
                } else {
                    break;
                }
            }
        } else if let Some(id) = self.words.get(word) {
            exact_ids.push(id);
            matched_words.push(word.to_owned());
        }
        let exact = self.postings_of(exact_ids.into_iter());
        let len = word.chars().count();
        if len < ONE_TYPO_FROM || (!exact.is_empty() && !prefix) {
            return (exact.clone(), exact, matched_words);
        }
        let budget = if len >= TWO_TYPOS_FROM { 2 } else { 1 };
        let builder = &builders()[budget - 1];
        let dfa = if prefix { builder.build_prefix_dfa(word) } else { builder.build_dfa(word) };
        let mut fuzzy_ids = Vec::new();
        let mut stream = self.words.search(Dfa(&dfa)).into_stream();
        while let Some((w, id)) = stream.next() {
            fuzzy_ids.push(id);
            if matched_words.len() < MAX_PREFIX_WORDS {
                matched_words.push(String::from_utf8_lossy(w).into_owned());
            } else {
                break;
            }
        }
        let all = self.postings_of(fuzzy_ids.into_iter());
        let mut union = exact.clone();
        union.extend(all);
        union.sort_unstable();
        union.dedup();
        (union, exact, matched_words)
    }

    /// Entries containing a CJK run.
    fn cjk_run(&self, run: &str) -> Vec<u32> {
        let chars: Vec<char> = run.chars().collect();
        let grams: Vec<String> = if chars.len() == 1 {
            vec![run.to_owned()]
        } else {
            chars.windows(2).map(|w| w.iter().collect()).collect()
        };
        let mut result: Option<Vec<u32>> = None;
        for g in &grams {
            let list = self.cjk.get(g).cloned().unwrap_or_default();
            result = Some(match result {
                None => list,
                Some(prev) => prev.into_iter().filter(|id| list.binary_search(id).is_ok()).collect(),
            });
        }
        result.unwrap_or_default().into_iter().filter(|&id| self.entries[id as usize].lower.contains(run)).collect()
    }
}

/// A piece of the typed text.
struct Term {
    text: String,
    cjk: bool,
    prefix: bool,
}

fn terms(query: &str) -> Vec<Term> {
    let lower = normalize_text(query);
    let mut out: Vec<Term> = Vec::new();
    let mut current = String::new();
    let mut current_cjk = false;
    for c in lower.chars() {
        let cjk = is_cjk(c);
        let word = c.is_alphanumeric();
        if word && !current.is_empty() && cjk == current_cjk {
            current.push(c);
        } else {
            if !current.is_empty() {
                out.push(Term { text: std::mem::take(&mut current), cjk: current_cjk, prefix: false });
            }
            if word {
                current.push(c);
                current_cjk = cjk;
            }
        }
    }
    let ends_open = lower.chars().last().is_some_and(char::is_alphanumeric);
    if !current.is_empty() {
        out.push(Term { text: current, cjk: current_cjk, prefix: ends_open });
    }
    out
}

/// `display` with the byte ranges of `lower` (same length as `display`) in `<mark>`.
fn highlight(display: &str, lower: &str, needles: &[String]) -> String {
    if display.len() != lower.len() {
        return escape_html(display);
    }
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for n in needles.iter().filter(|n| !n.is_empty()) {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(n.as_str()) {
            let start = from + pos;
            let at_word_start = lower[..start].chars().last().is_none_or(|c| !c.is_alphanumeric() || is_cjk(c))
                || n.chars().next().is_some_and(is_cjk);
            if at_word_start && display.is_char_boundary(start) && display.is_char_boundary(start + n.len()) {
                marks.push((start, start + n.len()));
            }
            from = start + n.len();
        }
    }
    marks.sort_unstable();
    let mut out = String::new();
    let mut at = 0;
    for (s, e) in marks {
        if s < at {
            continue;
        }
        out.push_str(&escape_html(&display[at..s]));
        out.push_str("<mark>");
        out.push_str(&escape_html(&display[s..e]));
        out.push_str("</mark>");
        at = e;
    }
    out.push_str(&escape_html(&display[at..]));
    out
}

impl SuggestIndex {
    /// Builds the index for every locale of `library` (published articles only).
    pub fn build(library: &Library) -> Self {
        let locales = library.locales().iter().map(|l| (l.clone(), LocaleIndex::build(library, l))).collect();
        Self { locales }
    }

    /// Up to `limit` suggestions: articles first, then up to 3 of `completions` (the
    /// locale's popular queries, most searched first) that extend what was typed.
    pub fn suggest(&self, locale: &str, query: &str, limit: usize, completions: &[(String, u64)]) -> Vec<Suggestion> {
        let Some(index) = self.locales.get(locale) else { return Vec::new() };
        let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
        let terms = terms(&query);
        if terms.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut candidates: Option<Vec<u32>> = None;
        let mut exact_everywhere: Option<HashSet<u32>> = None;
        let mut needles: Vec<String> = Vec::new();
        for term in &terms {
            let (ids, exact) = if term.cjk {
                let ids = index.cjk_run(&term.text);
                needles.push(term.text.clone());
                (ids.clone(), ids)
            } else {
                let (ids, exact, words) = index.latin(&term.text, term.prefix);
                if term.prefix {
                    needles.push(term.text.clone());
                }
                needles.extend(words.into_iter().filter(|w| !w.starts_with(&term.text)));
                if !term.prefix {
                    needles.push(term.text.clone());
                }
                (ids, exact)
            };
            let exact: HashSet<u32> = exact.into_iter().collect();
            exact_everywhere = Some(match exact_everywhere {
                None => exact,
                Some(prev) => prev.intersection(&exact).copied().collect(),
            });
            candidates = Some(match candidates {
                None => ids,
                Some(prev) => prev.into_iter().filter(|id| ids.binary_search(id).is_ok()).collect(),
            });
        }
        let candidates = candidates.unwrap_or_default();
        let exact = exact_everywhere.unwrap_or_default();
        let first = &terms[0].text;
        // Best entry per article: exact before fuzzy, title > keyword > heading, starts with
        // what was typed, shorter text.
        let mut best: HashMap<usize, (u32, Rank)> = HashMap::new();
        for id in candidates {
            let e = &index.entries[id as usize];
            let key =
                (exact.contains(&id), e.kind, e.lower.starts_with(first.as_str()), std::cmp::Reverse(e.lower.len()));
            let slot = best.entry(e.article).or_insert((id, key));
            if key > slot.1 {
                *slot = (id, key);
            }
        }
        let mut ranked: Vec<(u32, Rank)> = best.into_values().collect();
        ranked.sort_by(|a, b| {
            b.1.cmp(&a.1).then_with(|| {
                let (x, y) = (
                    &index.articles[index.entries[a.0 as usize].article],
                    &index.articles[index.entries[b.0 as usize].article],
                );
                x.order.cmp(&y.order).then_with(|| x.title.cmp(&y.title))
            })
        });
        let mut out: Vec<Suggestion> = ranked
            .into_iter()
            .take(limit)
            .map(|(id, _)| {
                let e = &index.entries[id as usize];
                let a = &index.articles[e.article];
                let url = match &e.anchor {
                    Some(anchor) => format!("{}#{anchor}", a.url),
                    None => a.url.clone(),
                };
                Suggestion::Article {
                    title: a.title.clone(),
                    url,
                    category: a.category.clone(),
                    highlight: highlight(&e.display, &e.lower, &needles),
                }
            })
            .collect();
        let typed = normalize_text(query.trim());
        let room = limit.saturating_sub(out.len()).min(3);
        out.extend(
            completions
                .iter()
                .filter(|(text, _)| text.starts_with(&typed) && *text != typed)
                .take(room)
                .map(|(text, _)| Suggestion::Query { text: text.clone() }),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_mark_the_open_last_word() {
        let t = terms("Reset pass");
        assert_eq!(
            t.iter().map(|t| (t.text.as_str(), t.prefix)).collect::<Vec<_>>(),
            vec![("reset", false), ("pass", true)]
        );
        let t = terms("reset ");
        assert!(!t[0].prefix, "a trailing space closes the word");
        let t = terms("iPhoneで");
        assert_eq!(t.len(), 2);
        assert!(t[1].cjk && t[1].prefix);
    }

    #[test]
    fn highlight_escapes_and_marks() {
        assert_eq!(
            highlight("Reset <your> password", "reset <your> password", &["pass".into()]),
            "Reset &lt;your&gt; <mark>pass</mark>word"
        );
        assert_eq!(
            highlight("パスワードを再設定", "パスワードを再設定", &["パスワ".into()]),
            "<mark>パスワ</mark>ードを再設定"
        );
    }
}
