//! Typo budgets and edit distance: Levenshtein automata (a transposition counts as one
//! edit), built once, and their adapter to FST searches. Typo correction, typeahead and
//! the report's near-duplicate merging all use these, so "a typo apart" means one thing.

use std::sync::OnceLock;

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};
use tantivy_fst::Automaton;

/// Shortest word that may have one typo.
pub const ONE_TYPO_FROM: usize = 5;
/// Shortest word that may have two typos.
pub const TWO_TYPOS_FROM: usize = 9;

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

/// Levenshtein automaton builders for 1 and 2 edits (transposition counts as one), built once.
pub fn builders() -> &'static [LevenshteinAutomatonBuilder; 2] {
    static BUILDERS: OnceLock<[LevenshteinAutomatonBuilder; 2]> = OnceLock::new();
    BUILDERS.get_or_init(|| [LevenshteinAutomatonBuilder::new(1, true), LevenshteinAutomatonBuilder::new(2, true)])
}

/// Adapts a Levenshtein DFA to the FST's automaton interface.
pub struct Dfa<'a>(pub &'a DFA);

impl Automaton for Dfa<'_> {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// The distance a DFA measures to `word`, if within its budget.
pub fn distance(dfa: &DFA, word: &[u8]) -> Option<u8> {
    let mut state = dfa.initial_state();
    for &b in word {
        state = dfa.transition(state, b);
    }
    match dfa.distance(state) {
        Distance::Exact(d) => Some(d),
        Distance::AtLeast(_) => None,
    }
}

/// True when `a` and `b` are at most `budget` (1 or 2) typos apart, a transposition
/// counting as one.
pub fn within_typos(a: &str, b: &str, budget: usize) -> bool {
    match budget {
        0 => a == b,
        1 | 2 => distance(&builders()[budget - 1].build_dfa(a), b.as_bytes()).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_distance() {
        assert!(within_typos("refund", "refnud", 1), "transposition");
        assert!(!within_typos("refund", "rfnud", 1));
        assert!(within_typos("refund", "rfnud", 2));
        assert!(!within_typos("refund", "invoice", 2));
    }
}
