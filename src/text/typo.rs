//! Typo budgets and edit distance: optimal string alignment (a transposition counts as one
//! edit, as in Levenshtein automata with transpositions). A dictionary (FST) search for a
//! word's typos walks the dictionary with [`Typos`], keeping the five cells of the distance
//! table's row near its diagonal per character read, instead of building a Levenshtein DFA
//! first: building one for two typos cost about 2 ms a word, more than the whole search it
//! corrected; a walk costs a few steps per dictionary node still within the budget (and a
//! Latin word's walk skips the CJK part of the dictionary). Typo
//! correction, typeahead, loanword keys and the report's near-duplicate merging all use
//! these, so "a typo apart" means one thing.

use tantivy_fst::Automaton;

use super::analyze::is_cjk;

/// Shortest word that may have one typo.
pub const ONE_TYPO_FROM: usize = 5;
/// Shortest word that may have two typos.
pub const TWO_TYPOS_FROM: usize = 9;
/// The most typos ever allowed (the budget of the longest words).
pub const MAX_TYPOS: usize = 2;

/// The typo budget of a word of `len` characters (Meilisearch's rule).
pub fn budget(len: usize) -> usize {
    if len >= TWO_TYPOS_FROM {
        2
    } else if len >= ONE_TYPO_FROM {
        1
    } else {
        0
    }
}

/// No character: what came before the first.
const NONE: u32 = u32::MAX;
/// Cells of a row kept: those within [`MAX_TYPOS`] of the diagonal (any other is over the
/// budget, whatever follows), so a step costs five cells whatever the word's length.
const BAND: usize = 2 * MAX_TYPOS + 1;

/// The words within `budget` edits of a word (or, as a prefix, the words that begin with
/// something within `budget` edits of it), as an FST automaton.
pub struct Typos {
    word: Vec<char>,
    budget: u8,
    prefix: bool,
    /// A word with no Han, kana or Hangul never has a typo that is one: those keys are not
    /// walked (as a prefix, past a prefix that already matched, they still are) (a two-typo walk would otherwise visit every two-character CJK prefix of the
    /// dictionary, the bulk of its nodes, for no useful correction).
    latin: bool,
}

/// Where a walk is: after `read` characters of the key, the band of the last two rows of
/// the distance table (cell `b` of row `i` is column `i + b - MAX_TYPOS`), the last
/// character and the bytes of one still being read.
#[derive(Clone, Copy)]
pub struct Walk {
    read: u32,
    row: [u8; BAND],
    prev: [u8; BAND],
    last: u32,
    /// The bits of a character whose UTF-8 bytes are not all read, and how many are to come.
    partial: u32,
    pending: u8,
    /// As a prefix: the least distance of any prefix read so far.
    best: u8,
    /// A Latin word's walk read a CJK letter: no row from here on is within the budget (a
    /// prefix that matched before still counts).
    blocked: bool,
}

impl Typos {
    /// `word` with up to `budget` edits (at most [`MAX_TYPOS`]).
    pub fn new(word: &str, budget: usize) -> Self {
        Self::build(word, budget, false)
    }

    /// Words beginning with `word` with up to `budget` edits: the least distance of any of
    /// their prefixes.
    pub fn prefix(word: &str, budget: usize) -> Self {
        Self::build(word, budget, true)
    }

    fn build(word: &str, budget: usize, prefix: bool) -> Self {
        let word: Vec<char> = word.chars().collect();
        let latin = !word.iter().any(|&c| is_cjk(c));
        Self { word, budget: budget.min(MAX_TYPOS) as u8, prefix, latin }
    }

    fn cap(&self) -> u8 {
        self.budget + 1
    }

    /// The distance of `key` (within the budget), as the walk that reads it ends.
    pub fn distance(&self, key: &[u8]) -> Option<u8> {
        let mut walk = self.start();
        for &b in key {
            walk = self.accept(&walk, b);
        }
        (walk.pending == 0).then(|| self.measure(&walk)).filter(|&d| d <= self.budget)
    }

    /// Row `read`'s cell of column `j` (over the budget outside the band).
    fn cell(&self, row: &[u8; BAND], read: u32, j: usize) -> u8 {
        let b = j as i64 - i64::from(read) + MAX_TYPOS as i64;
        if (0..BAND as i64).contains(&b) { row[b as usize] } else { self.cap() }
    }

    fn measure(&self, walk: &Walk) -> u8 {
        if self.prefix { walk.best } else { self.cell(&walk.row, walk.read, self.word.len()) }
    }

    /// The band of the next row for character `c`.
    fn step(&self, walk: &Walk, c: char) -> [u8; BAND] {
        let cap = self.cap();
        let (i, n) = (i64::from(walk.read) + 1, self.word.len() as i64);
        let mut next = [cap; BAND];
        for b in 0..BAND {
            let j = i + b as i64 - MAX_TYPOS as i64;
            if j < 0 || j > n {
                continue;
            }
            if j == 0 {
                next[b] = (i as u64).min(u64::from(cap)) as u8;
                continue;
            }
            let w = self.word[j as usize - 1];
            // Diagonal, above (same column, last row: one band cell to the right), left.
            let mut d = walk.row[b] + u8::from(w != c);
            if b + 1 < BAND {
                d = d.min(walk.row[b + 1] + 1);
            }
            if b > 0 {
                d = d.min(next[b - 1] + 1);
            }
            // Two letters swapped: from two rows and two columns back (the same band cell).
            if j > 1 && c == self.word[j as usize - 2] && walk.last == w as u32 {
                d = d.min(walk.prev[b] + 1);
            }
            next[b] = d.min(cap);
        }
        next
    }
}

impl Automaton for Typos {
    type State = Walk;

    fn start(&self) -> Walk {
        let cap = self.cap();
        let mut row = [cap; BAND];
        for (b, cell) in row.iter_mut().enumerate().skip(MAX_TYPOS) {
            let j = b - MAX_TYPOS;
            if j <= self.word.len() {
                *cell = (j as u8).min(cap);
            }
        }
        let mut walk =
            Walk { read: 0, row, prev: [cap; BAND], last: NONE, partial: 0, pending: 0, best: cap, blocked: false };
        walk.best = self.cell(&row, 0, self.word.len());
        walk
    }

    fn is_match(&self, walk: &Walk) -> bool {
        walk.pending == 0 && self.measure(walk) <= self.budget
    }

    fn can_match(&self, walk: &Walk) -> bool {
        (self.prefix && walk.best <= self.budget) || walk.row.iter().any(|&d| d <= self.budget)
    }

    fn will_always_match(&self, walk: &Walk) -> bool {
        self.prefix && walk.pending == 0 && walk.best <= self.budget
    }

    fn accept(&self, walk: &Walk, byte: u8) -> Walk {
        let mut next = *walk;
        let c = if walk.pending > 0 {
            next.partial = (walk.partial << 6) | u32::from(byte & 0x3F);
            next.pending -= 1;
            if next.pending > 0 {
                return next;
            }
            next.partial
        } else if byte < 0x80 {
            u32::from(byte)
        } else {
            let (bits, more) = match byte {
                0xF0.. => (byte & 0x07, 3),
                0xE0.. => (byte & 0x0F, 2),
                _ => (byte & 0x1F, 1),
            };
            next.partial = u32::from(bits);
            next.pending = more;
            return next;
        };
        let c = char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
        next.blocked = walk.blocked || (self.latin && is_cjk(c));
        next.row = if next.blocked { [self.cap(); BAND] } else { self.step(walk, c) };
        next.prev = walk.row;
        next.read = walk.read + 1;
        next.last = c as u32;
        next.partial = 0;
        next.best = walk.best.min(self.cell(&next.row, next.read, self.word.len()));
        next
    }
}

/// True when `a` and `b` are at most `budget` typos apart (at most [`MAX_TYPOS`]), a
/// transposition counting as one.
pub fn within_typos(a: &str, b: &str, budget: usize) -> bool {
    if budget == 0 {
        return a == b;
    }
    // Either way round: a Latin word is never a typo of a CJK one.
    if a.chars().any(is_cjk) != b.chars().any(is_cjk) {
        return false;
    }
    Typos::new(a, budget).distance(b.as_bytes()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distance a Levenshtein automaton (with transpositions) measures, as reference
    /// (a word without CJK letters is never a typo of one with them);
    /// as a prefix, the least distance of any prefix of `b` (the prefix automaton of
    /// `levenshtein_automata` is not that: once its query was reached by deleting its first
    /// letters it stops matching as the key goes on, so `éba` finds `a` but not `acé`).
    fn reference(dfa: &levenshtein_automata::DFA, a: &str, b: &str, prefix: bool) -> Option<u8> {
        use levenshtein_automata::Distance;
        let latin = !a.chars().any(is_cjk);
        let exact = |b: &str| match dfa.eval(b) {
            Distance::Exact(_) if latin && b.chars().any(is_cjk) => None,
            Distance::Exact(d) => Some(d),
            Distance::AtLeast(_) => None,
        };
        if !prefix {
            return exact(b);
        }
        let ends = b.char_indices().map(|(i, _)| i).chain(std::iter::once(b.len()));
        ends.filter_map(|i| exact(&b[..i])).min()
    }

    /// Pseudo-random words from a small alphabet (so that near misses are common), with
    /// non-ASCII letters of 2, 3 and 4 UTF-8 bytes.
    fn words(n: usize) -> Vec<String> {
        let alphabet: Vec<char> = "abcdeé語𝒳".chars().collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        (0..n)
            .map(|_| {
                let len = 1 + (next() % 9) as usize;
                (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect()
            })
            .collect()
    }

    #[test]
    fn walks_measure_what_levenshtein_automata_measure() {
        let words = words(160);
        for a in &words {
            for budget in 1..=2u8 {
                let dfa = levenshtein_automata::LevenshteinAutomatonBuilder::new(budget, true).build_dfa(a);
                let exact = Typos::new(a, budget.into());
                let prefix = Typos::prefix(a, budget.into());
                for b in &words {
                    let expected = reference(&dfa, a, b, false);
                    assert_eq!(exact.distance(b.as_bytes()), expected, "{a} / {b} ({budget})");
                    assert_eq!(prefix.distance(b.as_bytes()), reference(&dfa, a, b, true), "{a} / {b}… ({budget})");
                    let same_script = a.chars().any(is_cjk) == b.chars().any(is_cjk);
                    assert_eq!(within_typos(a, b, budget.into()), expected.is_some() && same_script, "{a} / {b}");
                    assert_eq!(within_typos(a, b, budget.into()), within_typos(b, a, budget.into()), "{a} / {b}");
                }
            }
        }
    }

    #[test]
    fn a_dictionary_walk_finds_exactly_the_words_within_the_budget() {
        use tantivy_fst::{IntoStreamer, Map, Streamer};
        let mut words = words(400);
        words.sort();
        words.dedup();
        let set = Map::from_iter(words.iter().map(|w| (w.as_str(), 0u64))).unwrap();
        for a in words.iter().step_by(7) {
            for (budget, prefix) in [(1, false), (2, false), (1, true), (2, true)] {
                let typos = if prefix { Typos::prefix(a, budget) } else { Typos::new(a, budget) };
                let mut found = Vec::new();
                let mut stream = set.search(&typos).into_stream();
                while let Some((key, _)) = stream.next() {
                    found.push(String::from_utf8(key.to_vec()).unwrap());
                }
                let dfa = levenshtein_automata::LevenshteinAutomatonBuilder::new(budget as u8, true).build_dfa(a);
                let expected: Vec<String> =
                    words.iter().filter(|b| reference(&dfa, a, b, prefix).is_some()).cloned().collect();
                assert_eq!(found, expected, "{a} ({budget}, prefix {prefix})");
            }
        }
    }

    #[test]
    fn long_words_are_measured_in_their_band() {
        let long = "a".repeat(100);
        assert!(within_typos(&long, &format!("{}b", "a".repeat(99)), 1));
        assert!(within_typos(&long, &format!("{}ba", "a".repeat(98)), 1), "transposition at the end");
        assert!(!within_typos(&long, &format!("b{}b", "a".repeat(98)), 1));
        assert!(within_typos(&long, &format!("b{}b", "a".repeat(98)), 2));
    }

    #[test]
    fn typo_distance() {
        assert!(within_typos("refund", "refnud", 1), "transposition");
        assert!(!within_typos("refund", "rfnud", 1));
        assert!(within_typos("refund", "rfnud", 2));
        assert!(!within_typos("refund", "invoice", 2));
    }
}
