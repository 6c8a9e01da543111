//! Typeahead: suggestions while the customer types, from an in-memory structure built with
//! each snapshot (a keystroke must cost microseconds, not a search).
//!
//! Per locale, every word the published articles contain (titles, keywords, headings and
//! body text, from the index's `words` field) is in an FST with the articles using it and
//! where (title, keyword, heading, body). What was typed is cut into terms: earlier words
//! must match whole, the last one is a prefix, and a word that matches nothing as typed
//! gets search's typo budget (from 5 letters); CJK terms are prefixes of CJK words
//! (katakana, kanji and Hangul words of the articles), and Hangul is compared letter by
//! letter (jamo), so a syllable still being composed (`워ㅋ`, `점ㅅ`, `버` for `번`)
//! matches the words it begins. A Hangul or katakana term nothing begins is tried as a
//! borrowed name against the Latin words it sounds like (`라이트하ㅇ` → `lighthouse`).
//!
//! Articles are ranked like search: most terms matched first (Meilisearch's rule), then
//! the sum over terms of field weight × rarity (idf), a typo or prefix match counting less.
//! Each article appears once, shown by its title or by the heading that matches more of
//! what was typed (linked to that section). When no article has every term, the best
//! partial matches come back: the list is never empty while any article shares a word.
//! Query completions (popular searches that found answers) are passed in: they change on
//! their own schedule, not with the articles.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;
use tantivy_fst::{IntoStreamer, Map, Streamer};

use super::escape_html;
use crate::article::Library;
use crate::text::analyze::{is_cjk, normalize_text, surface_words};
use crate::text::typo::{ONE_TYPO_FROM, TWO_TYPOS_FROM, Typos};

/// Most words one prefix may expand to (the most used of them).
const MAX_PREFIX_WORDS: usize = 48;
/// Most words looked at for one prefix.
const PREFIX_SCAN: usize = 4096;
/// Longest query considered (characters).
const MAX_QUERY_CHARS: usize = 100;
/// Most terms used from one query.
const MAX_TERMS: usize = 8;
/// Best-scoring articles whose shown line is then compared.
const RERANKED: usize = 64;

/// One suggestion, borrowing from the index it came from (and the completions list): a
/// keystroke's answer copies nothing but its highlighted line and an anchored URL.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Suggestion<'a> {
    /// An article that matches what was typed.
    Article {
        /// Article title.
        title: &'a str,
        /// Article slug (click events name it).
        slug: &'a str,
        /// Where to go (with `#anchor` when a heading matched best).
        url: Cow<'a, str>,
        /// Category folder.
        category: &'a str,
        /// The matching title or heading, HTML-escaped, matches in `<mark>`.
        highlight: String,
    },
    /// A popular search that found answers.
    Query {
        /// The query.
        text: &'a str,
    },
}

/// Where in an article a word occurs (bits).
const TITLE: u8 = 1;
const KEYWORD: u8 = 2;
const HEADING: u8 = 4;
const BODY: u8 = 8;

/// Weight of the best place a term matched (title > keyword > heading > body, as search).
fn place_weight(bits: u8) -> f32 {
    if bits & TITLE != 0 {
        4.0
    } else if bits & KEYWORD != 0 {
        3.0
    } else if bits & HEADING != 0 {
        2.0
    } else {
        1.0
    }
}

/// A title, keyword or heading: what a suggestion shows.
#[derive(Debug)]
struct Entry {
    place: u8,
    display: String,
    lower: String,
    anchor: Option<String>,
    /// Ids of its words.
    words: Vec<u32>,
    /// Its position in the locale's entries.
    index: u32,
}

#[derive(Debug)]
struct ArticleRef {
    title: String,
    slug: String,
    url: String,
    category: String,
    order: i64,
    /// This article's entries: `entries[first..first + count]`, the title first.
    first: u32,
    count: u32,
}

struct LocaleIndex {
    articles: Vec<ArticleRef>,
    entries: Vec<Entry>,
    /// Normalised word → id.
    words: Map<Vec<u8>>,
    /// Hangul words spelled in jamo → id (prefixes of a syllable being composed).
    jamo: Map<Vec<u8>>,
    /// The most used words beginning with each short key (1–2 characters of a word, 1–3
    /// jamo of a Hangul one): the prefixes every visitor types first, which would otherwise
    /// scan thousands of words per keystroke.
    short: HashMap<String, Vec<u64>>,
    /// Id → word (what a jamo match highlights).
    names: Vec<String>,
    /// Word id → (article, places), by article.
    postings: Vec<Vec<(u32, u8)>>,
    /// Latin words by sound key (sorted): a product name typed in Hangul or katakana
    /// (`라이트하ㅇ`) finds the Latin spelling the articles use.
    sounds: Vec<(String, u32)>,
    /// CJK unigrams and bigrams of titles, keywords and headings → entries: a CJK run
    /// typed is also found inside them (`パスワードを再` in `パスワードを再設定する`).
    grams: HashMap<String, Vec<u32>>,
    /// Recent typo-tolerant lookups ((prefix?, term) → word ids): a visitor's earlier words
    /// are looked up again on every keystroke after them, and a misspelled one costs a
    /// walk of the dictionary each time. Bounded (emptied when
    /// full); it lives as long as this snapshot of the articles.
    typos: super::memo::Memo<(bool, String), Vec<u64>>,
    /// Recent terms' matches ((prefix?, CJK?, term) → [`TermMatches`]), bounded by size.
    matched: super::memo::Memo<(bool, bool, String), Arc<TermMatches>>,
}

/// Typo lookups remembered per locale.
const TYPO_CACHE: usize = 4096;
/// Terms' matches remembered per locale, and the (article, word) entries they may hold in
/// all (12–16 bytes each, a one-word ranking counted as 2 × [`RERANKED`] of them: 6–8 MB
/// per locale).
const MATCH_CACHE: usize = 8192;
const MATCH_BUDGET: usize = 1 << 19;

/// One term's matches: word ids with their quality, and each article's best weight with
/// the places (bits) its matched words have there.
struct TermMatches {
    words: Vec<(u64, f32)>,
    articles: Vec<(u32, f32, u8)>,
    /// The best articles (ranked, with their places) when this term is the whole query,
    /// as [`rank`] would order them: the first word typed is most keystrokes' only term,
    /// and ranking thousands of articles for each of them would repeat the same work.
    alone: std::sync::OnceLock<Vec<(Scored, u8)>>,
}

impl TermMatches {
    /// [`TermMatches::alone`], ranked on first use.
    fn alone(&self, articles_in_locale: usize) -> &[(Scored, u8)] {
        self.alone.get_or_init(|| {
            let idf = idf(articles_in_locale, self.articles.len());
            let mut ranked: Vec<(Scored, u8)> = self
                .articles
                .iter()
                .map(|&(article, w, places)| (Scored { article, matched: 1, score: w * idf }, places))
                .collect();
            keep_best(&mut ranked, |(s, _)| s);
            ranked
        })
    }
}

/// A term's weight: rarer terms count more (`found_in` articles of `articles`).
fn idf(articles: usize, found_in: usize) -> f32 {
    (1.0 + articles as f32 / (found_in.max(1) as f32)).ln()
}

/// Most terms matched first, then the score.
fn by_match(a: &Scored, b: &Scored) -> std::cmp::Ordering {
    b.matched.cmp(&a.matched).then(b.score.total_cmp(&a.score))
}

/// Keeps the [`RERANKED`] best of `ranked` (scored by `scored`), in order.
fn keep_best<T>(ranked: &mut Vec<T>, scored: impl Fn(&T) -> &Scored) {
    let order = |a: &T, b: &T| by_match(scored(a), scored(b));
    if ranked.len() > RERANKED {
        ranked.select_nth_unstable_by(RERANKED - 1, order);
        ranked.truncate(RERANKED);
    }
    ranked.sort_by(order);
}

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

/// Hangul spelled as the letters typed, in order: syllables decomposed, compound vowels and
/// final consonants split (`워` → `ㅇㅜㅓ`, `닭` → `ㄷㅏㄹㄱ`), compatibility jamo kept. A
/// prefix of the keystrokes is then a prefix of this spelling.
pub fn jamo(text: &str) -> String {
    const INITIAL: [char; 19] = [
        'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ',
        'ㅎ',
    ];
    const MEDIAL: [&str; 21] = [
        "ㅏ", "ㅐ", "ㅑ", "ㅒ", "ㅓ", "ㅔ", "ㅕ", "ㅖ", "ㅗ", "ㅗㅏ", "ㅗㅐ", "ㅗㅣ", "ㅛ", "ㅜ", "ㅜㅓ", "ㅜㅔ",
        "ㅜㅣ", "ㅠ", "ㅡ", "ㅡㅣ", "ㅣ",
    ];
    const FINAL: [&str; 28] = [
        "", "ㄱ", "ㄲ", "ㄱㅅ", "ㄴ", "ㄴㅈ", "ㄴㅎ", "ㄷ", "ㄹ", "ㄹㄱ", "ㄹㅁ", "ㄹㅂ", "ㄹㅅ", "ㄹㅌ", "ㄹㅍ",
        "ㄹㅎ", "ㅁ", "ㅂ", "ㅂㅅ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ",
    ];
    const COMPOUND_JAMO: [(char, &str); 11] = [
        ('ㄳ', "ㄱㅅ"),
        ('ㄵ', "ㄴㅈ"),
        ('ㄶ', "ㄴㅎ"),
        ('ㄺ', "ㄹㄱ"),
        ('ㄻ', "ㄹㅁ"),
        ('ㄼ', "ㄹㅂ"),
        ('ㄽ', "ㄹㅅ"),
        ('ㄾ', "ㄹㅌ"),
        ('ㄿ', "ㄹㅍ"),
        ('ㅀ', "ㄹㅎ"),
        ('ㅄ', "ㅂㅅ"),
    ];
    let mut out = String::with_capacity(text.len() * 3);
    for c in text.chars() {
        match c as u32 {
            0xAC00..=0xD7A3 => {
                let s = c as u32 - 0xAC00;
                out.push(INITIAL[(s / 588) as usize]);
                out.push_str(MEDIAL[((s % 588) / 28) as usize]);
                out.push_str(FINAL[(s % 28) as usize]);
            }
            // Normalisation (NFKC) turns a bare letter typed into its conjoining form.
            code @ 0x1100..=0x1112 => out.push(INITIAL[(code - 0x1100) as usize]),
            code @ 0x1161..=0x1175 => out.push_str(MEDIAL[(code - 0x1161) as usize]),
            code @ 0x11A8..=0x11C2 => out.push_str(FINAL[(code - 0x11A8 + 1) as usize]),
            _ => match COMPOUND_JAMO.iter().find(|(j, _)| *j == c) {
                Some((_, split)) => out.push_str(split),
                None => out.push(c),
            },
        }
    }
    out
}

fn is_hangul(c: char) -> bool {
    matches!(c as u32, 0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3131..=0x318E)
}

/// `lower` with each single space between two Hangul syllables removed: Korean compounds
/// are written with and without spaces (`웹 폰트`, `웹폰트`), so a run typed together
/// must also be found in text that spaces it. `None` when there is no such space.
fn joined_hangul(lower: &str) -> Option<String> {
    let chars: Vec<char> = lower.chars().collect();
    let syllable = |c: char| ('\u{AC00}'..='\u{D7A3}').contains(&c);
    let gap =
        |i: usize| chars[i] == ' ' && i > 0 && i + 1 < chars.len() && syllable(chars[i - 1]) && syllable(chars[i + 1]);
    if !(0..chars.len()).any(gap) {
        return None;
    }
    Some((0..chars.len()).filter(|&i| !gap(i)).map(|i| chars[i]).collect())
}

/// CJK unigrams and bigrams of a normalised text (and of its Hangul written without spaces).
fn cjk_grams(lower: &str) -> Vec<String> {
    let mut grams = run_grams(lower);
    if let Some(joined) = joined_hangul(lower) {
        grams.extend(run_grams(&joined));
    }
    grams
}

fn run_grams(lower: &str) -> Vec<String> {
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

/// The CJK words of a text as the vocabulary has them, for titles and headings (the body's
/// come from the index).
fn entry_words(text: &str, out: &mut std::collections::HashSet<String>) {
    surface_words(text, out);
    crate::text::analyze::cjk_words(text, out);
}

/// The places of every word: those of titles, keywords, headings and names (`places`,
/// sorted by word) merged with the index's words of this locale's articles (`body`,
/// sorted by word; `local` maps an article key to its id here). Both inputs are in byte
/// order, so this is one merge pass; each word's list stays in article order.
fn with_body(
    places: BTreeMap<String, Vec<(u32, u8)>>,
    body: &[(String, Vec<u64>)],
    local: &rustc_hash::FxHashMap<u64, u32>,
) -> Vec<(String, Vec<(u32, u8)>)> {
    let mut out = Vec::with_capacity(places.len() + body.len() / 2);
    let mut places = places.into_iter().peekable();
    let mut ids: Vec<u32> = Vec::new();
    for (word, keys) in body {
        while places.peek().is_some_and(|(w, _)| w < word) {
            out.extend(places.next());
        }
        ids.clear();
        ids.extend(keys.iter().filter_map(|k| local.get(k).copied()));
        let named = places.next_if(|(w, _)| w == word).map(|(_, list)| list);
        if ids.is_empty() {
            out.extend(named.map(|list| (word.clone(), list)));
            continue;
        }
        ids.sort_unstable();
        let named = named.unwrap_or_default();
        let mut list = Vec::with_capacity(ids.len() + named.len());
        let (mut i, mut j) = (0, 0);
        while i < ids.len() || j < named.len() {
            match (ids.get(i), named.get(j)) {
                (Some(&id), Some(&(nid, bits))) if id == nid => {
                    list.push((id, bits | BODY));
                    i += 1;
                    j += 1;
                }
                (Some(&id), Some(&(nid, _))) if id < nid => {
                    list.push((id, BODY));
                    i += 1;
                }
                (Some(&id), None) => {
                    list.push((id, BODY));
                    i += 1;
                }
                (_, Some(&entry)) => {
                    list.push(entry);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        out.push((word.clone(), list));
    }
    out.extend(places);
    out
}

impl LocaleIndex {
    fn build(library: &Library, locale: &str, body: &[(String, Vec<u64>)]) -> Self {
        let mut articles = Vec::new();
        let mut entries: Vec<Entry> = Vec::new();
        let mut entry_word_lists: Vec<Vec<String>> = Vec::new();
        let mut places: BTreeMap<String, Vec<(u32, u8)>> = BTreeMap::new();
        let mut local: rustc_hash::FxHashMap<u64, u32> = rustc_hash::FxHashMap::default();
        for a in library.articles().filter(|a| a.locale == locale) {
            let id = articles.len() as u32;
            let first = entries.len() as u32;
            let mut add = |place: u8, text: &str, anchor: Option<String>| {
                if !text.trim().is_empty() {
                    let index = entries.len() as u32;
                    entries.push(Entry {
                        index,
                        place,
                        display: text.to_owned(),
                        lower: normalize_text(text),
                        anchor,
                        words: Vec::new(),
                    });
                }
            };
            add(TITLE, &a.title, None);
            for k in a.keywords.iter().chain(&a.tags) {
                add(KEYWORD, k, None);
            }
            for h in a.headings.iter().filter(|h| (2..=3).contains(&h.level)) {
                add(HEADING, &h.text, Some(h.id.clone()));
            }
            let mut bits: HashMap<String, u8> = HashMap::new();
            for e in &entries[first as usize..] {
                let mut words = std::collections::HashSet::new();
                entry_words(&e.display, &mut words);
                for w in &words {
                    *bits.entry(w.clone()).or_default() |= e.place;
                }
                entry_word_lists.push(words.into_iter().collect::<Vec<_>>());
            }
            local.insert(super::schema::article_key(&a.id()), id);
            // The file name and folder say what an article is about, as its keywords do.
            let mut named = std::collections::HashSet::new();
            surface_words(
                &format!("{} {}", a.slug.replace(['-', '_'], " "), a.category.replace(['-', '_'], " ")),
                &mut named,
            );
            for w in named {
                *bits.entry(w).or_default() |= KEYWORD;
            }
            for (w, b) in bits {
                places.entry(w).or_default().push((id, b));
            }
            articles.push(ArticleRef {
                title: a.title.clone(),
                slug: a.slug.clone(),
                url: a.url(),
                category: a.category.clone(),
                order: a.order,
                first,
                count: entries.len() as u32 - first,
            });
        }
        let places = with_body(places, body, &local);
        let mut postings = Vec::with_capacity(places.len());
        let mut word_ids = Vec::with_capacity(places.len());
        let mut jamo_ids: Vec<(String, u64)> = Vec::new();
        let mut names = Vec::with_capacity(places.len());
        for (word, list) in places {
            let id = postings.len() as u64;
            if word.chars().all(is_hangul) {
                jamo_ids.push((jamo(&word), id));
            }
            names.push(word.clone());
            word_ids.push((word, id));
            postings.push(list);
        }
        jamo_ids.sort();
        jamo_ids.dedup_by(|a, b| a.0 == b.0);
        let mut short: HashMap<String, Vec<(usize, u64)>> = HashMap::new();
        let mut add_short = |key: &str, id: u64, most: usize| {
            for (end, c) in key.char_indices().take(most) {
                short.entry(key[..end + c.len_utf8()].to_owned()).or_default().push((postings[id as usize].len(), id));
            }
        };
        for (word, id) in &word_ids {
            add_short(word, *id, 2);
        }
        for (key, id) in &jamo_ids {
            add_short(&format!("\u{1}{key}"), *id, 4);
        }
        let short: HashMap<String, Vec<u64>> = short
            .into_iter()
            .map(|(key, mut list)| {
                list.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                (key, list.into_iter().take(MAX_PREFIX_WORDS).map(|(_, id)| id).collect())
            })
            .collect();
        let mut sounds: Vec<(String, u32)> = word_ids
            .iter()
            .filter(|(w, _)| w.len() >= 3 && w.bytes().all(|b| b.is_ascii_lowercase()))
            .filter_map(|(w, id)| Some((crate::text::translit::sound_key(w)?, *id as u32)))
            .collect();
        sounds.sort_unstable();
        let id_of: HashMap<&str, u32> = word_ids.iter().map(|(w, id)| (w.as_str(), *id as u32)).collect();
        for (e, words) in entries.iter_mut().zip(&entry_word_lists) {
            e.words = words.iter().filter_map(|w| id_of.get(w.as_str()).copied()).collect();
        }
        drop(id_of);
        let mut grams: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let mut seen = std::collections::HashSet::new();
            for g in cjk_grams(&e.lower) {
                if seen.insert(g.clone()) {
                    grams.entry(g).or_default().push(i as u32);
                }
            }
        }
        let empty = || Map::from_iter(Vec::<(String, u64)>::new()).expect("empty map");
        Self {
            articles,
            entries,
            words: Map::from_iter(word_ids).unwrap_or_else(|_| empty()),
            jamo: Map::from_iter(jamo_ids).unwrap_or_else(|_| empty()),
            names,
            postings,
            short,
            sounds,
            grams,
            typos: super::memo::Memo::new(TYPO_CACHE),
            matched: super::memo::Memo::sized(MATCH_CACHE, MATCH_BUDGET, |m| {
                m.words.len() + m.articles.len() + 2 * RERANKED
            }),
        }
    }

    /// The text of word `id`.
    fn word(&self, id: u64) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }

    /// Entries whose text contains a CJK run (its grams narrow, `contains` decides).
    fn containing(&self, run: &str) -> Vec<u32> {
        let chars: Vec<char> = run.chars().collect();
        let grams: Vec<String> = if chars.len() == 1 {
            vec![run.to_owned()]
        } else {
            chars.windows(2).map(|w| w.iter().collect()).collect()
        };
        let mut result: Option<Vec<u32>> = None;
        for g in &grams {
            let list = self.grams.get(g).map_or(&[][..], Vec::as_slice);
            result = Some(match result {
                None => list.to_vec(),
                Some(prev) => prev.into_iter().filter(|id| list.binary_search(id).is_ok()).collect(),
            });
        }
        result
            .unwrap_or_default()
            .into_iter()
            .filter(|&id| {
                let lower = &self.entries[id as usize].lower;
                lower.contains(run) || joined_hangul(lower).is_some_and(|j| j.contains(run))
            })
            .collect()
    }

    /// Latin words that sound like a Hangul or katakana term no word here begins (a
    /// borrowed name typed in the visitor's script): the term's sound key, a syllable
    /// still being composed left off, must begin theirs (or equal it for a closed word),
    /// and their length must fit; the most used first.
    fn sounding_like(&self, term: &Term, out: &mut Vec<(u64, f32)>) {
        let typed = term.text.trim_end_matches(|c| matches!(c as u32, 0x1100..=0x11FF | 0x3131..=0x318E | 0x30FC));
        let chars = typed.chars().count();
        let Some(key) = crate::text::translit::sound_key(typed).filter(|k| chars >= 3 && k.len() >= 2) else { return };
        let from = self.sounds.partition_point(|(k, _)| k.as_str() < key.as_str());
        let mut found: Vec<(usize, u32)> = self.sounds[from..]
            .iter()
            .take_while(|(k, _)| k.starts_with(&key))
            .take(PREFIX_SCAN)
            .filter(|(k, id)| {
                let letters = self.word(u64::from(*id)).len();
                if term.prefix {
                    letters >= chars
                } else {
                    *k == key && crate::text::translit::lengths_fit(letters, chars)
                }
            })
            .map(|&(_, id)| (self.postings[id as usize].len(), id))
            .collect();
        found.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, id) in found.iter().take(8) {
            out.push((u64::from(id), 0.5));
        }
    }

    /// What `term` matches, remembered: its words and each article's best weight for it.
    /// Visitors type the same words' first letters again and again, and a prefix's
    /// expansions (up to 48 words) reach thousands of postings. `best` and `touched` are
    /// scratch (all zero / empty before and after).
    fn term_matches(&self, term: &Term, scratch: &mut Scratch) -> Arc<TermMatches> {
        self.matched.get_or_compute(&(term.prefix, term.cjk, term.text.clone()), || {
            let words = self.matches(term);
            let Scratch { best, places, touched, .. } = scratch;
            touched.clear();
            for &(id, quality) in &words {
                for &(article, bits) in &self.postings[id as usize] {
                    note(best, touched, article, place_weight(bits) * quality);
                    places[article as usize] |= bits;
                }
            }
            let articles = touched
                .iter()
                .map(|&a| (a, std::mem::take(&mut best[a as usize]), std::mem::take(&mut places[a as usize])))
                .collect();
            touched.clear();
            Arc::new(TermMatches { words, articles, alone: std::sync::OnceLock::new() })
        })
    }

    /// The article each entry belongs to (entries are stored article by article).
    fn article_of(&self, entry: u32) -> u32 {
        self.articles.partition_point(|a| a.first + a.count <= entry) as u32
    }

    /// Word ids matching one term, each with how good the match is (1 exact, 0.8 prefix,
    /// 0.6 with a typo, 0.5 sounding alike).
    fn matches(&self, term: &Term) -> Vec<(u64, f32)> {
        fn push(out: &mut Vec<(u64, f32)>, id: u64, quality: f32) {
            if out.len() < MAX_PREFIX_WORDS && !out.iter().any(|(i, _)| *i == id) {
                out.push((id, quality));
            }
        }
        let mut out: Vec<(u64, f32)> = Vec::new();
        if let Some(id) = self.words.get(&term.text) {
            push(&mut out, id, 1.0);
        }
        if term.prefix || term.cjk {
            // The words it begins, the ones most articles use first (`se` → `settings`,
            // `search`, … rather than the first in the alphabet).
            let hangul = term.text.chars().all(is_hangul);
            let key = if hangul { jamo(&term.text) } else { term.text.clone() };
            let short = if hangul { format!("\u{1}{key}") } else { key.clone() };
            let limit = if hangul { 3 } else { 2 };
            if key.chars().count() <= limit {
                for &id in self.short.get(&short).into_iter().flatten() {
                    push(&mut out, id, 0.8);
                }
                return out;
            }
            let map = if hangul { &self.jamo } else { &self.words };
            let mut stream = map.range().ge(&key).into_stream();
            let mut begun: Vec<(usize, u64)> = Vec::new();
            while let Some((w, id)) = stream.next() {
                if !w.starts_with(key.as_bytes()) || begun.len() >= PREFIX_SCAN {
                    break;
                }
                begun.push((self.postings[id as usize].len(), id));
            }
            begun.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for &(_, id) in begun.iter().take(MAX_PREFIX_WORDS) {
                push(&mut out, id, 0.8);
            }
        }
        if out.is_empty() && term.cjk {
            self.sounding_like(term, &mut out);
        }
        // Typos only where the word as typed matches nothing (a walk of the dictionary costs
        // more than the rest of a keystroke).
        let len = term.text.chars().count();
        if term.cjk || len < ONE_TYPO_FROM || !out.is_empty() {
            return out;
        }
        let ids = self.typos.get_or_compute(&(term.prefix, term.text.clone()), || {
            let budget = if len >= TWO_TYPOS_FROM { 2 } else { 1 };
            let typos = if term.prefix { Typos::prefix(&term.text, budget) } else { Typos::new(&term.text, budget) };
            let mut stream = self.words.search(&typos).into_stream();
            let mut ids = Vec::new();
            while let Some((_, id)) = stream.next() {
                if ids.len() >= MAX_PREFIX_WORDS {
                    break;
                }
                ids.push(id);
            }
            ids
        });
        for id in ids {
            push(&mut out, id, 0.6);
        }
        out
    }
}

/// A piece of the typed text.
struct Term {
    text: String,
    cjk: bool,
    prefix: bool,
}

/// The script a typed character belongs to, for cutting terms: words of one script are one
/// term, and a Japanese run is cut where kanji, katakana and hiragana change (as typed,
/// before kana folding), its hiragana particles left out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Han,
    Katakana,
    Hiragana,
    Hangul,
}

fn script(c: char) -> Option<Script> {
    Some(match c as u32 {
        0x3041..=0x309F => Script::Hiragana,
        0x30A1..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Katakana,
        0x1100..=0x11FF | 0x3131..=0x318E | 0xAC00..=0xD7A3 => Script::Hangul,
        _ if is_cjk(c) => Script::Han,
        _ if c.is_alphanumeric() => Script::Latin,
        _ => return None,
    })
}

/// The terms of a query: earlier ones whole, the last a prefix unless a space or
/// punctuation closed it.
fn terms(query: &str) -> Vec<Term> {
    let mut pieces: Vec<(Script, String)> = Vec::new();
    let mut last_end = None;
    for c in query.chars() {
        // An apostrophe inside a word is dropped, as the analyzer drops it (`can't` → `cant`).
        if matches!(c, '\'' | '\u{2019}') && matches!(pieces.last(), Some((Script::Latin, t)) if !t.is_empty()) {
            continue;
        }
        let s = script(c);
        last_end = s;
        match (s, pieces.last_mut()) {
            (Some(s), Some((current, text))) if *current == s && !text.is_empty() => text.push(c),
            (Some(s), _) => pieces.push((s, c.to_string())),
            (None, _) => pieces.push((Script::Latin, String::new())),
        }
    }
    let ends_open = last_end.is_some();
    let all_hiragana = pieces.iter().all(|(s, t)| *s == Script::Hiragana || t.is_empty());
    let count = pieces.len();
    let mut out: Vec<Term> = Vec::new();
    for (i, (s, text)) in pieces.into_iter().enumerate() {
        // Particles between Japanese words say nothing about the topic.
        if text.is_empty() || (s == Script::Hiragana && !all_hiragana) {
            continue;
        }
        let text = normalize_text(&text);
        if text.is_empty() {
            continue;
        }
        out.push(Term { text, cjk: s != Script::Latin, prefix: i + 1 == count && ends_open });
    }
    out.truncate(MAX_TERMS);
    out
}

/// `display` with the byte ranges of `lower` (same length as `display`) in `<mark>`.
fn highlight(display: &str, lower: &str, needles: &[&str]) -> String {
    if display.len() != lower.len() {
        return escape_html(display);
    }
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for n in needles.iter().filter(|n| !n.is_empty()) {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(*n) {
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
    let mut out = String::with_capacity(display.len() + 16);
    super::push_marked(&mut out, display, &marks, super::push_escaped);
    out
}

/// One article's match: terms matched and score.
#[derive(Clone, Copy)]
struct Scored {
    article: u32,
    matched: usize,
    score: f32,
}

impl SuggestIndex {
    /// Builds the index for every locale of `library` (published articles only), the
    /// locales in parallel; `body` is every word with the `article_key`s that use it
    /// ([`super::Searcher::words_with_articles`]).
    pub fn build(library: &Library, body: &[(String, Vec<u64>)]) -> Self {
        use rayon::prelude::*;
        let locales = library.locales().par_iter().map(|l| (l.clone(), LocaleIndex::build(library, l, body))).collect();
        Self { locales }
    }

    /// Up to `limit` suggestions: articles first, then up to 3 of `completions` (the
    /// locale's popular queries, most searched first) that extend what was typed.
    pub fn suggest<'a>(
        &'a self,
        locale: &str,
        query: &str,
        limit: usize,
        completions: &'a [(String, u64)],
    ) -> Vec<Suggestion<'a>> {
        let Some(index) = self.locales.get(locale) else { return Vec::new() };
        let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
        let terms = terms(&query);
        if terms.is_empty() || limit == 0 {
            return Vec::new();
        }
        SCRATCH.with_borrow_mut(|scratch| {
            scratch.fit(index.articles.len(), index.names.len());
            let out = rank(index, &terms, scratch, limit, completions, &query);
            scratch.reset();
            out
        })
    }
}

/// Per-thread buffers a suggestion reuses instead of allocating per keystroke: dense
/// accumulators per article (terms matched, score, a term's best weight) and per word id
/// (a bit for each term it matched), all zero between requests (reset through the lists of
/// what was set).
#[derive(Default)]
struct Scratch {
    matched: Vec<u8>,
    score: Vec<f32>,
    best: Vec<f32>,
    /// Per article: places (bits) while a term's matches are merged; then `headed`.
    places: Vec<u8>,
    /// Per article: a bit for each term some word of which is in one of its headings.
    headed: Vec<u8>,
    word_terms: Vec<u8>,
    marked: Vec<u64>,
    touched: Vec<u32>,
    candidates: Vec<u32>,
    ranked: Vec<Scored>,
}

impl Scratch {
    fn fit(&mut self, articles: usize, words: usize) {
        if self.matched.len() < articles {
            self.matched.resize(articles, 0);
            self.score.resize(articles, 0.0);
            self.best.resize(articles, 0.0);
            self.places.resize(articles, 0);
            self.headed.resize(articles, 0);
        }
        if self.word_terms.len() < words {
            self.word_terms.resize(words, 0);
        }
    }

    fn reset(&mut self) {
        for &a in &self.candidates {
            self.matched[a as usize] = 0;
            self.score[a as usize] = 0.0;
            self.headed[a as usize] = 0;
        }
        for &id in &self.marked {
            self.word_terms[id as usize] = 0;
        }
        self.candidates.clear();
        self.marked.clear();
        self.touched.clear();
        self.ranked.clear();
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// Keeps `w` as `article`'s best weight for the term at hand (`touched` lists the articles
/// with one; every weight is positive, so 0 means none yet).
fn note(best: &mut [f32], touched: &mut Vec<u32>, article: u32, w: f32) {
    let slot = &mut best[article as usize];
    if *slot == 0.0 {
        touched.push(article);
    }
    *slot = slot.max(w);
}

/// One word: its ranking, remembered with its matches, into `scratch.ranked` (the
/// articles' heading bits and the word ids marked as [`accumulated`] leaves them).
fn remembered(index: &LocaleIndex, term: &Term, scratch: &mut Scratch) -> Vec<Vec<u32>> {
    let found = index.term_matches(term, scratch);
    let Scratch { headed, word_terms, marked, candidates, ranked, .. } = scratch;
    for &(s, places) in found.alone(index.articles.len()) {
        if places & HEADING != 0 {
            headed[s.article as usize] |= 1;
        }
        candidates.push(s.article);
        ranked.push(s);
    }
    for (id, _) in &found.words {
        word_terms[*id as usize] |= 1;
        marked.push(*id);
    }
    vec![Vec::new()]
}

/// Every term's matches summed per article, the best [`RERANKED`] into `scratch.ranked`;
/// returns, per term, the entries a CJK run was found inside (sorted).
fn accumulated(index: &LocaleIndex, terms: &[Term], scratch: &mut Scratch) -> Vec<Vec<u32>> {
    let n = index.articles.len();
    let mut term_entries: Vec<Vec<u32>> = Vec::with_capacity(terms.len());
    for (t, term) in terms.iter().enumerate() {
        let found = index.term_matches(term, scratch);
        let Scratch { matched, score, best, headed, word_terms, marked, touched, candidates, .. } = &mut *scratch;
        touched.clear();
        for &(article, w, places) in &found.articles {
            note(best, touched, article, w);
            if places & HEADING != 0 {
                headed[article as usize] |= 1 << t;
            }
        }
        let mut inside = Vec::new();
        if term.cjk {
            for entry in index.containing(&term.text) {
                let place = index.entries[entry as usize].place;
                note(best, touched, index.article_of(entry), place_weight(place));
                inside.push(entry);
            }
        }
        inside.sort_unstable();
        for (id, _) in &found.words {
            word_terms[*id as usize] |= 1 << t;
            marked.push(*id);
        }
        term_entries.push(inside);
        let idf = idf(n, touched.len());
        for &article in touched.iter() {
            let a = article as usize;
            if matched[a] == 0 {
                candidates.push(article);
            }
            matched[a] += 1;
            score[a] += best[a] * idf;
            best[a] = 0.0;
        }
    }
    let Scratch { matched, score, candidates, ranked, .. } = scratch;
    ranked.extend(candidates.iter().map(|&article| Scored {
        article,
        matched: matched[article as usize] as usize,
        score: score[article as usize],
    }));
    keep_best(ranked, |s| s);
    term_entries
}

/// Scores, ranks and shows the articles matching `terms` (see [`SuggestIndex::suggest`]).
fn rank<'a>(
    index: &'a LocaleIndex,
    terms: &[Term],
    scratch: &mut Scratch,
    limit: usize,
    completions: &'a [(String, u64)],
    query: &str,
) -> Vec<Suggestion<'a>> {
    let term_entries = match terms {
        [term] if !term.cjk => remembered(index, term, scratch),
        _ => accumulated(index, terms, scratch),
    };
    let Scratch { headed, word_terms, ranked, .. } = scratch;
    // The line shown for each: the title, or the heading that shows more of what was
    // typed (the word being typed first: a line without it reads as no completion).
    let typed = normalize_text(query.trim());
    let any_inside = term_entries.iter().any(|e| !e.is_empty());
    let last = 1u8 << (terms.len() - 1);
    let bits_of = |e: &Entry| -> u8 {
        let mut bits = e.words.iter().fold(0u8, |acc, w| acc | word_terms[*w as usize]);
        if any_inside {
            for (t, inside) in term_entries.iter().enumerate() {
                if inside.binary_search(&e.index).is_ok() {
                    bits |= 1 << t;
                }
            }
        }
        bits
    };
    let coverage = |bits: u8| (bits & last != 0, bits.count_ones() as usize);
    let covers = |e: &Entry| coverage(bits_of(e));
    // No heading shows more than every word with the last one: the search stops there.
    let full = (true, terms.len());
    // Words matched is the first sort key and `ranked` is in that order: a candidate
    // matching fewer than the `limit`-th is never shown, so its line is never chosen.
    let shown_at_all = |s: &&Scored| index.articles[s.article as usize].count > 0;
    let floor = ranked.iter().filter(shown_at_all).nth(limit.saturating_sub(1)).map_or(0, |s| s.matched);
    let mut lines: Vec<(Scored, &Entry, (bool, usize), bool)> = ranked
        .iter()
        .take_while(|s| s.matched >= floor)
        .filter_map(|&s| {
            let a = &index.articles[s.article as usize];
            let entries = &index.entries[a.first as usize..(a.first + a.count) as usize];
            let title = entries.first()?;
            let title_bits = bits_of(title);
            let mut shown = (title, coverage(title_bits));
            // A heading covers only terms whose words are in a heading of the article: when
            // the title has them all, no heading shows more (CJK runs found inside a line
            // are not in the postings: those look at every heading).
            let more = headed[s.article as usize] & !title_bits != 0;
            for e in entries.iter().filter(|e| (more || any_inside) && e.place == HEADING) {
                if shown.1 == full {
                    break;
                }
                let c = covers(e);
                if c > shown.1 {
                    shown = (e, c);
                }
            }
            let starts = shown.0.lower.starts_with(&typed);
            Some((s, shown.0, shown.1, starts))
        })
        .collect();
    // Most words matched, then the line showing the most of them (the word being typed
    // first), a title before a heading (the article about it), a line starting with what
    // was typed, the score, a shorter line.
    lines.sort_by(|a, b| {
        b.0.matched
            .cmp(&a.0.matched)
            .then(b.2.cmp(&a.2))
            .then((b.1.place == TITLE).cmp(&(a.1.place == TITLE)))
            .then(b.3.cmp(&a.3))
            .then(b.0.score.total_cmp(&a.0.score))
            .then_with(|| a.1.lower.len().cmp(&b.1.lower.len()))
            .then_with(|| {
                let (x, y) = (&index.articles[a.0.article as usize], &index.articles[b.0.article as usize]);
                x.order.cmp(&y.order).then_with(|| x.title.cmp(&y.title))
            })
    });
    // What to mark in a line: what was typed, and the matched words the line has (a
    // typo's or a sound-alike's correction; not all 48 completions of a prefix).
    let mut needles: Vec<&str> = Vec::new();
    let mut out: Vec<Suggestion> = Vec::with_capacity(limit.min(lines.len()) + 3);
    for (s, shown, _, _) in lines.into_iter().take(limit) {
        let a = &index.articles[s.article as usize];
        let url = match &shown.anchor {
            Some(anchor) => Cow::Owned(format!("{}#{anchor}", a.url)),
            None => Cow::Borrowed(a.url.as_str()),
        };
        needles.clear();
        needles.extend(terms.iter().map(|t| t.text.as_str()));
        needles.extend(shown.words.iter().filter(|w| word_terms[**w as usize] != 0).map(|w| index.word(u64::from(*w))));
        out.push(Suggestion::Article {
            title: &a.title,
            slug: &a.slug,
            url,
            category: &a.category,
            highlight: highlight(&shown.display, &shown.lower, &needles),
        });
    }
    let room = limit.saturating_sub(out.len()).min(3);
    out.extend(
        completions
            .iter()
            .filter(|(text, _)| text.starts_with(&typed) && *text != typed)
            .take(room)
            .map(|(text, _)| Suggestion::Query { text }),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_words_merge_into_the_places_of_titles_and_headings() {
        // Article keys 10, 20, 30 are ids 0, 1, 2 here; key 99 is another locale's.
        let local: rustc_hash::FxHashMap<u64, u32> = [(10, 0), (20, 1), (30, 2)].into_iter().collect();
        let places: BTreeMap<String, Vec<(u32, u8)>> = [
            ("alpha".to_owned(), vec![(1, TITLE)]),
            ("cache".to_owned(), vec![(0, HEADING), (2, TITLE)]),
            ("zeta".to_owned(), vec![(2, KEYWORD)]),
        ]
        .into_iter()
        .collect();
        let body = vec![
            ("beta".to_owned(), vec![99]),
            ("cache".to_owned(), vec![10, 20, 99]),
            ("delta".to_owned(), vec![30, 10]),
        ];
        let merged = with_body(places, &body, &local);
        assert_eq!(
            merged,
            vec![
                ("alpha".to_owned(), vec![(1, TITLE)]),
                ("cache".to_owned(), vec![(0, HEADING | BODY), (1, BODY), (2, TITLE)]),
                ("delta".to_owned(), vec![(0, BODY), (2, BODY)]),
                ("zeta".to_owned(), vec![(2, KEYWORD)]),
            ],
            "sorted words, lists in article order, another locale's words left out"
        );
    }

    #[test]
    fn terms_mark_the_open_last_word() {
        let t = terms("Reset pass");
        assert_eq!(
            t.iter().map(|t| (t.text.as_str(), t.prefix)).collect::<Vec<_>>(),
            vec![("reset", false), ("pass", true)]
        );
        assert_eq!(terms("can't si")[0].text, "cant", "apostrophes inside words are dropped");
        let t = terms("reset ");
        assert!(!t[0].prefix, "a trailing space closes the word");
        let t = terms("iPhoneの設");
        assert_eq!(t.len(), 2, "the particle between words is dropped");
        assert!(!t[0].prefix && t[1].cjk && t[1].prefix);
        let t = terms("ぱすわ");
        assert!(t.len() == 1 && t[0].cjk && t[0].prefix, "all-hiragana input is kept");
    }

    #[test]
    fn hangul_is_spelled_as_typed() {
        assert_eq!(jamo("워"), "ㅇㅜㅓ");
        assert!(jamo("워커").starts_with(&jamo("워ㅋ")), "a bare consonant begins the next syllable");
        assert!(jamo("번호").starts_with(&jamo("버")), "a syllable still waiting for its final");
        assert!(jamo("점수").starts_with(&jamo("점ㅅ")));
        assert_eq!(jamo("닭"), "ㄷㅏㄹㄱ");
        assert_eq!(jamo(&normalize_text("워ㅋ")), jamo("워ㅋ"), "a bare letter after normalisation");
    }

    #[test]
    fn a_remembered_one_word_ranking_equals_the_accumulated_one() {
        let articles = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("articles");
        let (library, _) = crate::article::load_library(&articles, &Default::default()).expect("sample articles");
        let mut scratch = Scratch::default();
        let mut compared = 0;
        for locale in library.locales() {
            let index = LocaleIndex::build(&library, locale, &[]);
            scratch.fit(index.articles.len(), index.names.len());
            let words: std::collections::BTreeSet<&str> = index.names.iter().map(String::as_str).collect();
            for word in words {
                for end in (1..=word.len()).filter(|&e| word.is_char_boundary(e)) {
                    let terms = terms(&word[..end]);
                    let [term] = terms.as_slice() else { continue };
                    if term.cjk {
                        continue;
                    }
                    let seen = |scratch: &Scratch| -> Vec<(u32, usize, u32, u8)> {
                        scratch
                            .ranked
                            .iter()
                            .map(|s| (s.article, s.matched, s.score.to_bits(), scratch.headed[s.article as usize]))
                            .collect()
                    };
                    accumulated(&index, &terms, &mut scratch);
                    let (general, general_words) = (seen(&scratch), scratch.marked.clone());
                    scratch.reset();
                    // Twice: ranked on first use, then as remembered.
                    for _ in 0..2 {
                        remembered(&index, term, &mut scratch);
                        assert_eq!(seen(&scratch), general, "{locale} {:?}", &word[..end]);
                        assert_eq!(scratch.marked, general_words);
                        scratch.reset();
                    }
                    assert!(scratch.headed.iter().all(|&h| h == 0) && scratch.word_terms.iter().all(|&w| w == 0));
                    compared += usize::from(!general.is_empty());
                }
            }
        }
        assert!(compared > 100, "only {compared} rankings compared");
    }

    #[test]
    fn highlight_escapes_and_marks() {
        assert_eq!(
            highlight("Reset <your> password", "reset <your> password", &["pass"]),
            "Reset &lt;your&gt; <mark>pass</mark>word"
        );
        assert_eq!(
            highlight("パスワードを再設定", "パスワードを再設定", &["パスワ"]),
            "<mark>パスワ</mark>ードを再設定"
        );
    }
}
