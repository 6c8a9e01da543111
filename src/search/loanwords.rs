//! Loanwords across scripts: a query word in Hangul or katakana also finds its Latin
//! original, and the reverse (`웹트랜스포트` → `WebTransport`, `lighthouse` → `라이트하우스`).
//!
//! Pairs come from three places, strongest first:
//! 1. writers' synonyms (`equivalent` in `_synonyms.toml`), applied as synonyms are;
//! 2. pairs mined from the articles: glosses (`총 차단 시간(TBT)`) and the titles and
//!    headings of translations, where a Hangul or katakana word and a Latin word in the
//!    aligned heading sound alike ([`crate::text::translit`]);
//! 3. a guess by sound against the vocabulary, for a word the articles never use in the
//!    script it was typed in (a Latin word whose sound key matches, within a small budget).
//!
//! `helpcenter check --explain-synonyms` lists the mined pairs; `not_equivalent` in
//! `_synonyms.toml` drops a wrong one (and the same guess).

use std::collections::{BTreeMap, HashMap, HashSet};

use tantivy_fst::{IntoStreamer, Map, Streamer};

use super::synonyms::Synonyms;
use super::vocabulary::Vocabulary;
use crate::article::Library;
use crate::text::analyze::{cjk_words, is_cjk, is_hangul_syllable, normalize_text};
use crate::text::translit::{MIN_KEY, lengths_fit, loan_shaped, similar, sound_key};
use crate::text::typo::Typos;

/// Where a mined pair was found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `term(Latin)` or `Latin(term)` in an article.
    Gloss,
    /// The title or a heading of an article and of its translation.
    Aligned,
}

/// A mined pair.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pair {
    /// Locale of the article with the CJK side.
    pub locale: String,
    /// The Hangul, kana or kanji term (normalised).
    pub cjk: String,
    /// The Latin term (lowercase).
    pub latin: String,
    /// How it was found.
    pub source: Source,
    /// The first article it was found in (`locale/slug`).
    pub article: String,
    /// Articles it was found in.
    pub seen: usize,
}

/// Most alternatives a guess adds to one word.
const MAX_GUESSES: usize = 2;
/// Shortest sound key a Latin word needs to be guessed in Hangul or katakana.
const REVERSE_MIN_KEY: usize = 5;
/// Longest Latin span (words) aligned with one CJK word.
const MAX_SPAN: usize = 3;
/// Most other spellings of one word found through its Latin original.
const MAX_SPELLINGS: usize = 3;
/// Shortest sound key a CJK word needs to pair with another derived form (two edits): a
/// native word may share four sounds with a heading's English, rarely six.
const DERIVED_MIN_KEY: usize = 6;

/// Words grouped by sound key, searchable within an edit budget.
#[derive(Default)]
struct KeyIndex {
    keys: Option<Map<Vec<u8>>>,
    words: Vec<Vec<(String, u64)>>,
}

impl KeyIndex {
    fn build(words: impl Iterator<Item = (String, u64)>) -> Self {
        let mut by_key: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
        for (word, freq) in words {
            if let Some(key) = sound_key(&word).filter(|k| k.len() >= MIN_KEY) {
                by_key.entry(key).or_default().push((word, freq));
            }
        }
        let mut lists = Vec::with_capacity(by_key.len());
        let mut entries = Vec::with_capacity(by_key.len());
        for (key, mut list) in by_key {
            list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            entries.push((key, lists.len() as u64));
            lists.push(list);
        }
        Self { keys: Map::from_iter(entries).ok(), words: lists }
    }

    /// Words whose key is [`similar`] to `key` and that `fits`, most used first (an exact
    /// key counts as four times the articles); a word under a quarter of the best is left
    /// out.
    fn near(&self, key: &str, fits: impl Fn(&str) -> bool, limit: usize) -> Vec<String> {
        let Some(keys) = &self.keys else { return Vec::new() };
        let typos = Typos::new(key, 1);
        let mut stream = keys.search(&typos).into_stream();
        let mut found: Vec<(u64, &str)> = Vec::new();
        while let Some((candidate, list)) = stream.next() {
            let Ok(candidate) = std::str::from_utf8(candidate) else { continue };
            if !similar(key, candidate) {
                continue;
            }
            let weight = if candidate == key { 4 } else { 1 };
            found.extend(
                self.words[list as usize].iter().filter(|(w, _)| fits(w)).map(|(w, f)| (*f * weight, w.as_str())),
            );
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        let best = found.first().map_or(0, |f| f.0);
        found.into_iter().take_while(|f| f.0 * 4 >= best).take(limit).map(|(_, w)| w.to_owned()).collect()
    }
}

/// Loanword pairs and guesses for one snapshot.
#[derive(Default)]
pub struct Loanwords {
    latin: KeyIndex,
    cjk: KeyIndex,
    pairs: Vec<Pair>,
    /// (locale, cjk) → pairs, (locale, latin) → pairs, (locale, stemmed latin) → pairs.
    by_cjk: HashMap<(String, String), Vec<usize>>,
    by_latin: HashMap<(String, String), Vec<usize>>,
    by_stems: HashMap<(String, String), Vec<usize>>,
    /// Pairs writers said are wrong: (locale, cjk, latin).
    rejected: HashSet<(String, String, String)>,
}

impl std::fmt::Debug for Loanwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loanwords").field("pairs", &self.pairs.len()).finish()
    }
}

impl Loanwords {
    /// Mines `library` and indexes `vocabulary` by sound.
    pub fn build(vocabulary: &Vocabulary, library: &Library, synonyms: &Synonyms) -> Self {
        let (latin, cjk): (Vec<_>, Vec<_>) = vocabulary.words().partition(|(w, _)| w.is_ascii());
        let mut this = Self {
            latin: KeyIndex::build(latin.into_iter().filter(|(w, _)| w.bytes().all(|b| b.is_ascii_alphabetic()))),
            cjk: KeyIndex::build(cjk.into_iter().filter(|(w, _)| loan_shaped(w))),
            rejected: synonyms.rejected().cloned().collect(),
            ..Self::default()
        };
        let mut found: BTreeMap<(String, String, String), (Source, String, usize)> = BTreeMap::new();
        let mut add = |locale: &str, cjk: String, latin: String, source: Source, article: String| {
            let slot = found.entry((locale.to_owned(), cjk, latin)).or_insert((source, article, 0));
            slot.2 += 1;
        };
        for article in library.articles() {
            for g in &article.glosses {
                add(&article.locale, g.cjk.clone(), g.latin.clone(), Source::Gloss, article.id());
            }
            if !article.title.chars().any(is_cjk) {
                continue;
            }
            for other in library.translations(article) {
                let Some(original) = library.by_translation_key(&other.locale, &article.translation_key) else {
                    continue;
                };
                let mut lines = vec![(article.title.as_str(), original.title.as_str())];
                if article.headings.len() == original.headings.len() {
                    lines.extend(article.headings.iter().zip(&original.headings).map(|(a, b)| (&*a.text, &*b.text)));
                }
                for (cjk_line, latin_line) in lines {
                    for (cjk, latin) in aligned(cjk_line, latin_line) {
                        add(&article.locale, cjk, latin, Source::Aligned, article.id());
                    }
                }
            }
        }
        for ((locale, cjk, latin), (source, article, seen)) in found {
            if this.rejected.contains(&(locale.clone(), cjk.clone(), latin.clone())) {
                continue;
            }
            let i = this.pairs.len();
            this.by_cjk.entry((locale.clone(), cjk.clone())).or_default().push(i);
            this.by_latin.entry((locale.clone(), latin.clone())).or_default().push(i);
            let stemmed = stems(&latin);
            if !stemmed.is_empty() {
                this.by_stems.entry((locale.clone(), stemmed)).or_default().push(i);
            }
            this.pairs.push(Pair { locale, cjk, latin, source, article, seen });
        }
        this
    }

    /// Every mined pair, by locale and term.
    pub fn pairs(&self) -> &[Pair] {
        &self.pairs
    }

    /// The Latin terms for a CJK query word in `locale`: mined pairs, or when the articles
    /// never use the word as typed (`known` is false) and it looks borrowed, guesses by
    /// sound.
    pub fn latin_for(&self, locale: &str, word: &str, known: bool) -> Vec<String> {
        let key = (locale.to_owned(), word.to_owned());
        if let Some(pairs) = self.by_cjk.get(&key) {
            return pairs.iter().map(|&i| self.pairs[i].latin.clone()).collect();
        }
        if known || !loan_shaped(word) {
            return Vec::new();
        }
        let Some(sound) = sound_key(word) else { return Vec::new() };
        let chars = word.chars().count();
        self.latin
            .near(&sound, |latin| lengths_fit(latin.len(), chars), MAX_GUESSES)
            .into_iter()
            .filter(|latin| !self.rejected.contains(&(locale.to_owned(), word.to_owned(), latin.clone())))
            .collect()
    }

    /// The CJK terms for a Latin query word in `locale`: mined pairs, then borrowed-looking
    /// words of the articles in the locale's script that sound exactly like it. Only long
    /// keys: a Latin word has many short namesakes in katakana (`chips` and `サービス` both
    /// key to `SPS`).
    pub fn cjk_for(&self, locale: &str, word: &str) -> Vec<String> {
        let key = (locale.to_owned(), word.to_owned());
        if let Some(pairs) = self.by_latin.get(&key) {
            return pairs.iter().map(|&i| self.pairs[i].cjk.clone()).collect();
        }
        let Some(sound) = sound_key(word).filter(|k| k.len() >= REVERSE_MIN_KEY) else { return Vec::new() };
        let script = |cjk: &str| match locale.split(['-', '_']).next() {
            Some("ko") => cjk.starts_with(is_hangul_syllable),
            Some("ja") => !cjk.starts_with(is_hangul_syllable),
            _ => true,
        };
        let exact = |cjk: &str| sound_key(cjk).as_deref() == Some(sound.as_str());
        self.cjk
            .near(&sound, |cjk| script(cjk) && exact(cjk) && lengths_fit(word.len(), cjk.chars().count()), MAX_GUESSES)
            .into_iter()
            .filter(|cjk| !self.rejected.contains(&(locale.to_owned(), cjk.clone(), word.to_owned())))
            .collect()
    }

    /// Other spellings of the CJK word `word` in `locale`: the CJK sides of mined pairs whose
    /// Latin side has the same stems as one of `latin` (its Latin originals), kept when they
    /// are in the same script and begin with the same sounds. Borrowed words are spelled
    /// many ways and borrowed in different forms (`리다이렉트`, `리디렉션` for `redirect`,
    /// `redirection`), so two spellings meet through the original they share. A spelling
    /// inside the word or around it adds nothing the word's bigrams do not already match.
    pub fn spellings(&self, locale: &str, word: &str, latin: &[String]) -> Vec<String> {
        let Some(key) = sound_key(word) else { return Vec::new() };
        let fits = |cjk: &str| {
            cjk.starts_with(is_hangul_syllable) == word.starts_with(is_hangul_syllable)
                && !cjk.contains(word)
                && !word.contains(cjk)
                && sound_key(cjk).is_some_and(|k| same_onset(&k, &key))
        };
        let mut out: Vec<String> = Vec::new();
        for l in latin {
            let stemmed = stems(l);
            if stemmed.is_empty() {
                continue;
            }
            let Some(pairs) = self.by_stems.get(&(locale.to_owned(), stemmed)) else { continue };
            for &i in pairs {
                let cjk = &self.pairs[i].cjk;
                if out.len() < MAX_SPELLINGS && !out.contains(cjk) && fits(cjk) {
                    out.push(cjk.clone());
                }
            }
        }
        out
    }
}

/// True when two sound keys begin alike: their first [`MIN_KEY`] consonants (all of the
/// shorter, if shorter) are the same.
fn same_onset(a: &str, b: &str) -> bool {
    let n = MIN_KEY.min(a.len()).min(b.len());
    n > 0 && a.as_bytes()[..n] == b.as_bytes()[..n]
}

/// A Latin term as its analysed stems (`redirects` and `redirect` meet).
fn stems(latin: &str) -> String {
    let mut out = String::with_capacity(latin.len());
    for token in crate::text::analyze::analyze(latin) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&token.text);
    }
    out
}

/// True when two sound keys are one word in different derived forms, as a translation
/// borrows one (`리디렉션` for `redirects`, `RTRKSN`/`RTRKTS`): both 5 or more consonants,
/// the same first 4, and at most 2 more after what they share.
fn derived(a: &str, b: &str) -> bool {
    const SHARED: usize = 4;
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    a.len().min(b.len()) > SHARED && common >= SHARED && a.len().max(b.len()) <= common + 2
}

/// Pairs from one aligned line: each loanword-shaped CJK word of `cjk_line` with the span of
/// 1–3 Latin words of `latin_line` that sounds most like it.
fn aligned(cjk_line: &str, latin_line: &str) -> Vec<(String, String)> {
    let latin_words: Vec<String> = latin_line
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_lowercase)
        .collect();
    let stop = |w: &String| {
        crate::text::analyze::analyze(w).first().is_some_and(|t| crate::text::stopwords::is_stop_word(&t.text))
    };
    if latin_words.is_empty() {
        return Vec::new();
    }
    let mut words = HashSet::new();
    cjk_words(cjk_line, &mut words);
    let mut out = Vec::new();
    for word in words {
        let Some(key) = sound_key(&word).filter(|k| k.len() >= MIN_KEY) else { continue };
        let mut best: Option<(usize, String)> = None;
        for start in 0..latin_words.len() {
            for len in 1..=MAX_SPAN.min(latin_words.len() - start) {
                let span = &latin_words[start..start + len];
                if stop(&span[0]) || stop(&span[len - 1]) {
                    continue;
                }
                let Some(span_key) = sound_key(&span.concat()) else { continue };
                // Native words only pair when they sound exactly alike (`패널` = panel); a
                // borrowed-looking one may be an edit off (`프로퍼티` = properties); a long
                // one may be another derived form of the original (`리디렉션` = redirects).
                let near = similar(&key, &span_key) && (span_key == key || loan_shaped(&word));
                if near || (key.len() >= DERIVED_MIN_KEY && derived(&key, &span_key)) {
                    let distance = if span_key == key {
                        0
                    } else if near {
                        1
                    } else {
                        2
                    };
                    if best.as_ref().is_none_or(|(d, _)| distance < *d) {
                        best = Some((distance, span.join(" ")));
                    }
                }
            }
        }
        if let Some((_, latin)) = best {
            out.push((normalize_text(&word), latin));
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_headings_pair_words_that_sound_alike() {
        let pairs = aligned("サービスワーカーの登録", "Registering a service worker");
        assert_eq!(pairs, vec![("サービスワーカ".to_owned(), "service worker".to_owned())]);
        let pairs = aligned("웹트랜스포트 사용하기", "Using WebTransport");
        assert_eq!(pairs, vec![("웹트랜스포트".to_owned(), "webtransport".to_owned())]);
        assert!(aligned("비밀번호 재설정", "Reset your password").is_empty(), "translation, not a loanword");
        assert!(aligned("표시될 때", "When it is visible").is_empty(), "a native word an edit away is no pair");
        assert_eq!(aligned("플래그 설정", "Set a flag"), vec![("플래그".to_owned(), "flag".to_owned())]);
        assert_eq!(
            aligned("여러 페이지 리디렉션 방지", "Avoid multiple page redirects"),
            vec![("리디렉션".to_owned(), "redirects".to_owned())],
            "another derived form of the original"
        );
        assert!(!derived("RTRKSN", "RTRPSN") && !derived("KSTM", "KSTMS") && derived("KSTMSN", "KSTMS"));
    }
}
