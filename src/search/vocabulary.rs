//! The vocabulary of the published articles (surface words with how many articles use
//! them) in an FST, for typo correction: a word the index does not know is corrected to the
//! closest known word, Meilisearch style (1 typo from 5 characters, 2 from 9, a transposition
//! counts as one), by a walk of the FST that keeps the edit distance a row per character
//! ([`Typos`]), so a correction costs microseconds and a correctly spelled query one lookup.

use std::collections::BTreeMap;

use tantivy_fst::{IntoStreamer, Map, Streamer};

use super::memo::Memo;
pub use crate::text::typo::ONE_TYPO_FROM;
use crate::text::typo::{TWO_TYPOS_FROM, Typos};

/// Most corrections remembered (the memory is cleared when full).
const CORRECTIONS: usize = 4096;

/// Known words and their document frequency.
pub struct Vocabulary {
    map: Map<Vec<u8>>,
    /// Corrections already worked out: the words of queries repeat far more than the
    /// queries do, and each miss walks the FST.
    corrections: Memo<String, Option<String>>,
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocabulary").field("words", &self.map.len()).finish()
    }
}

impl Default for Vocabulary {
    fn default() -> Self {
        Self::from_counts(BTreeMap::new())
    }
}

impl Vocabulary {
    /// Builds from word → document frequency.
    pub fn from_counts(counts: BTreeMap<String, u64>) -> Self {
        // Keys are sorted and unique (BTreeMap), which is all the builder needs.
        let map =
            Map::from_iter(counts).unwrap_or_else(|_| Map::from_iter(Vec::<(String, u64)>::new()).expect("empty map"));
        Self { map, corrections: Memo::new(CORRECTIONS) }
    }

    /// The vocabulary of the published articles in the index (the dictionary of its
    /// `words` field, with document frequencies), plus extra known words (synonym terms).
    pub fn from_index(
        searcher: &tantivy::Searcher,
        words: tantivy::schema::Field,
        extra: impl IntoIterator<Item = String>,
    ) -> Self {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for segment in searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(words) else { continue };
            let Ok(mut stream) = inverted.terms().stream() else { continue };
            while stream.advance() {
                if let Ok(word) = std::str::from_utf8(stream.key()) {
                    *counts.entry(word.to_owned()).or_insert(0) += u64::from(stream.value().doc_freq);
                }
            }
        }
        for word in extra {
            if word.chars().count() >= 2 && word.chars().all(char::is_alphanumeric) {
                counts.entry(word).or_insert(1);
            }
        }
        Self::from_counts(counts)
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.map.len() == 0
    }

    /// Every word with its document frequency, in byte order.
    pub fn words(&self) -> impl Iterator<Item = (String, u64)> + '_ {
        let mut stream = self.map.stream();
        std::iter::from_fn(move || stream.next().map(|(w, f)| (String::from_utf8_lossy(w).into_owned(), f)))
    }

    /// True when `word` (lowercase) is known.
    pub fn contains(&self, word: &str) -> bool {
        self.map.contains_key(word)
    }

    /// How many articles use `word` (lowercase); 0 for an unknown word.
    pub fn count(&self, word: &str) -> u64 {
        self.map.get(word).unwrap_or(0)
    }

    /// True when the articles (or synonyms) use every word of `text`: each Latin word as
    /// written, each CJK run as a known word, inside one (`パスワ`), or ending in particles
    /// after one (`비밀번호를`). What a popular query needs to become a completion.
    pub fn knows_all(&self, text: &str) -> bool {
        let mut words = std::collections::HashSet::new();
        crate::text::analyze::surface_words(text, &mut words);
        if !words.iter().all(|w| self.contains(w)) {
            return false;
        }
        let normalized = crate::text::analyze::normalize_text(text);
        let mut run = String::new();
        for c in normalized.chars().chain(std::iter::once(' ')) {
            if crate::text::analyze::is_cjk(c) {
                run.push(c);
                continue;
            }
            if !run.is_empty() {
                let begins_known = run
                    .char_indices()
                    .skip(2)
                    .map(|(i, _)| &run[..i])
                    .chain(std::iter::once(run.as_str()))
                    .any(|prefix| self.contains(prefix));
                if !begins_known && self.completions(&run, 1).is_empty() {
                    return false;
                }
                run.clear();
            }
        }
        true
    }

    /// Up to `limit` known words that start with `prefix` (and are longer), the ones more
    /// articles use first. Looks at no more than a few thousand candidates.
    pub fn completions(&self, prefix: &str, limit: usize) -> Vec<String> {
        self.counted_completions(prefix, limit).into_iter().map(|(w, _)| w).collect()
    }

    /// [`Self::completions`] with how many articles use each.
    pub fn counted_completions(&self, prefix: &str, limit: usize) -> Vec<(String, u64)> {
        const LOOKED_AT: usize = 4096;
        let mut found: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut stream = self.map.range().ge(prefix).into_stream();
        let mut seen = 0;
        while let Some((word, freq)) = stream.next() {
            if !word.starts_with(prefix.as_bytes()) || seen >= LOOKED_AT {
                break;
            }
            seen += 1;
            if word.len() > prefix.len() {
                found.push((freq, word.to_vec()));
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        found.into_iter().take(limit).filter_map(|(n, w)| Some((String::from_utf8(w).ok()?, n))).collect()
    }

    /// The closest known word to an unknown `word`, within the typo budget for its length;
    /// ties go to the word more articles use. `None` for known or short words.
    pub fn correct(&self, word: &str) -> Option<String> {
        let len = word.chars().count();
        if len < ONE_TYPO_FROM || self.contains(word) {
            return None;
        }
        self.corrections.get_or_compute(word, || self.closest(word, len))
    }

    fn closest(&self, word: &str, len: usize) -> Option<String> {
        let budget = if len >= TWO_TYPOS_FROM { 2 } else { 1 };
        let typos = Typos::new(word, budget);
        let mut stream = self.map.search(&typos).into_stream();
        let mut best: Option<(u8, u64, Vec<u8>)> = None;
        while let Some((key, freq)) = stream.next() {
            let Some(d) = typos.distance(key) else { continue };
            let better = match &best {
                None => true,
                Some((bd, bf, _)) => d < *bd || (d == *bd && freq > *bf),
            };
            if better {
                best = Some((d, freq, key.to_vec()));
            }
        }
        best.and_then(|(_, _, key)| String::from_utf8(key).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(words: &[(&str, u64)]) -> Vocabulary {
        Vocabulary::from_counts(words.iter().map(|(w, n)| ((*w).to_owned(), *n)).collect())
    }

    #[test]
    fn corrects_within_the_typo_budget() {
        let v = vocab(&[("password", 9), ("passport", 1), ("refund", 5), ("notifications", 4), ("receive", 3)]);
        assert_eq!(v.correct("pasword").as_deref(), Some("password"));
        assert_eq!(v.correct("refnd").as_deref(), Some("refund"));
        assert_eq!(v.correct("recieve").as_deref(), Some("receive"), "transposition is one typo");
        assert_eq!(v.correct("notifcatons").as_deref(), Some("notifications"), "two typos from 9 letters");
        assert_eq!(v.correct("rfnd"), None, "under 5 letters: no correction");
        assert_eq!(v.correct("pzzzword"), None, "two typos in an 8-letter word is too many");
        assert_eq!(v.correct("password"), None, "known words are not corrected");
    }

    #[test]
    fn corrections_are_remembered_and_the_memory_stays_bounded() {
        let v = vocab(&[("password", 9), ("refund", 5)]);
        assert_eq!(v.correct("pasword").as_deref(), Some("password"));
        assert_eq!(v.correct("zzzzzz"), None);
        let remembered = |w: &str| v.corrections.get(w);
        assert_eq!(remembered("pasword"), Some(Some("password".to_owned())));
        assert_eq!(remembered("zzzzzz"), Some(None), "a miss is remembered too");
        assert_eq!(v.correct("pasword").as_deref(), Some("password"), "the same answer from memory");
        for i in 0..CORRECTIONS + 10 {
            v.correct(&format!("unknown{i}"));
        }
        assert!(v.corrections.len() <= CORRECTIONS);
    }

    #[test]
    fn ties_prefer_the_more_common_word() {
        let v = vocab(&[("cards", 1), ("carts", 7)]);
        assert_eq!(v.correct("carys").as_deref(), Some("carts"));
    }
}
