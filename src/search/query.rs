//! Builds tantivy queries from what a visitor typed, without ever parsing query syntax:
//! `"`, `:`, `(`, `AND`, `*` are just characters, so no input can make a query fail.
//!
//! The text is planned into units (a word, a CJK run, or a multi-word synonym match):
//! - each unit is a clause over title, keywords, headings and body with per-field weights;
//! - a CJK run becomes its bigrams as should-clauses with a minimum-should-match, plus a
//!   phrase clause, so a particle or a spacing variant does not sink the match;
//! - synonyms add alternatives to a unit (`money back` → `refund`), weighted a little lower;
//! - stop words (`how`, `do`, `i`) only add score, unless the query is nothing but stop
//!   words, so they never make a query unfindable;
//! - documents with every unit rank first, and words close together (a sloppy phrase)
//!   beat words far apart.

use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use super::any_of::AnyOf;
use super::schema::Fields;
use super::synonyms::Rule;
use super::term_stats::TermStats;
pub use crate::config::FieldWeights;
use crate::text::analyze::{RawToken, analyze};
use crate::text::stopwords::is_cjk_stop_word;
pub use crate::text::stopwords::is_stop_word;

/// Longest query text considered (characters); the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 256;
/// Most words (token groups) used from one query.
const MAX_GROUPS: usize = 16;
/// Most bigrams used from one CJK run.
const MAX_BIGRAMS: usize = 24;
/// Weight of a synonym alternative relative to the words typed.
const SYNONYM_WEIGHT: f32 = 0.8;
/// Weight of a form guessed from a word's ending relative to the words typed.
const GUESS_WEIGHT: f32 = 0.5;
/// Weight of a stop word's clause.
const STOP_WEIGHT: f32 = 0.2;
/// Words may be this many positions apart and still count as a phrase.
const PROXIMITY_SLOP: u32 = 3;

/// Cuts `text` to [`MAX_QUERY_CHARS`] at a character boundary.
pub fn clamp_query(text: &str) -> &str {
    match text.char_indices().nth(MAX_QUERY_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// Groups analysed tokens into words: one Latin token, or all bigrams of one CJK run.
pub fn query_groups(text: &str) -> Vec<Vec<RawToken>> {
    let mut groups: Vec<Vec<RawToken>> = Vec::new();
    for token in analyze(clamp_query(text)) {
        match groups.last_mut() {
            Some(g) if g[0].group == token.group => {
                if g.len() < MAX_BIGRAMS {
                    g.push(token);
                }
            }
            _ => {
                if groups.len() == MAX_GROUPS {
                    break;
                }
                groups.push(vec![token]);
            }
        }
    }
    // The same word twice adds nothing but cost.
    groups.dedup_by(|a, b| a.iter().map(|t| &t.text).eq(b.iter().map(|t| &t.text)));
    groups
}

/// A planned piece of the query.
#[derive(Debug, Clone, Default)]
pub struct Unit {
    /// The groups typed (one word or CJK run; several for a multi-word synonym match).
    pub groups: Vec<Vec<RawToken>>,
    /// Synonym alternatives, each a sequence of groups.
    pub alternatives: Vec<Vec<Vec<RawToken>>>,
    /// A stop word: adds score but is never required.
    pub stop: bool,
    /// The word written apart (`탭대상` as `탭 대상`): its pieces count only next to each
    /// other, since lone syllables are common words (`안내` is not `안` … `내`).
    pub spaced: Option<Vec<Vec<RawToken>>>,
    /// A form guessed from the word's ending (`바꾸기` → `바꾸`): weaker than a synonym, since
    /// nouns may end the same way (`공유기` is no `공유`).
    pub guessed: Option<Vec<Vec<RawToken>>>,
    /// A whole CJK run kept beside its content words: only its exact phrase adds score (its
    /// bigrams are the content words' again, and as a bag they cost a clause per field and
    /// bigram for a bonus the phrase already gives).
    pub exact: bool,
    /// The word is still being typed: its alternatives are the known words it begins (the
    /// most used first), and one of them, not the typed letters, is what stands next to
    /// the words before it.
    pub open: bool,
}

impl Unit {
    /// Adds `groups` as an alternative unless they are the same terms as the typed form or
    /// an alternative already there (`extension`, `extensions` and `extensible` are one
    /// stem: three copies would cost three clauses and add score for the same match).
    pub fn add_alternative(&mut self, groups: Vec<Vec<RawToken>>) {
        if groups.is_empty()
            || same_terms(&self.groups, &groups)
            || self.alternatives.iter().any(|alt| same_terms(alt, &groups))
        {
            return;
        }
        self.alternatives.push(groups);
    }
}

/// True when two sequences of groups are the same terms in the same order.
fn same_terms(a: &[Vec<RawToken>], b: &[Vec<RawToken>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| texts(x).eq(texts(y)))
}

fn texts(group: &[RawToken]) -> impl Iterator<Item = &str> {
    group.iter().map(|t| t.text.as_str())
}

fn span_matches(pattern: &[Vec<String>], groups: &[Vec<RawToken>]) -> bool {
    pattern.len() <= groups.len() && pattern.iter().zip(groups).all(|(p, g)| texts(g).eq(p.iter().map(String::as_str)))
}

fn contains_run(pattern: &[String], group: &[RawToken]) -> bool {
    pattern.len() < group.len() && group.windows(pattern.len()).any(|w| texts(w).eq(pattern.iter().map(String::as_str)))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Kanji,
    Katakana,
    Hiragana,
    Hangul,
}

fn kind(c: char) -> Kind {
    match c as u32 {
        0x3040..=0x309F => Kind::Hiragana,
        0x30A0..=0x30FF | 0x31F0..=0x31FF => Kind::Katakana,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7FF => Kind::Hangul,
        _ => Kind::Kanji,
    }
}

/// The characters of a CJK group (its bigrams overlap by one character), with their kind
/// as typed (the analyzer folds hiragana into katakana; the token remembers which were).
fn run_chars(group: &[RawToken]) -> (Vec<char>, Vec<Kind>) {
    let typed = |c: char, hira: bool| if hira { Kind::Hiragana } else { kind(c) };
    let mut chars = Vec::with_capacity(group.len() + 1);
    let mut kinds = Vec::with_capacity(group.len() + 1);
    for t in group {
        if let Some(c) = t.text.chars().next() {
            chars.push(c);
            kinds.push(typed(c, t.hira & 1 != 0));
        }
    }
    if let Some(t) = group.last()
        && let Some(c) = t.text.chars().nth(1)
    {
        chars.push(c);
        kinds.push(typed(c, t.hira & 2 != 0));
    }
    (chars, kinds)
}

/// The word a CJK group spells (its bigrams joined back).
pub fn group_text(group: &[RawToken]) -> String {
    run_chars(group).0.into_iter().collect()
}

fn bigram_group(chars: &[char], group: usize) -> Vec<RawToken> {
    let token = |text: String| RawToken { text, from: 0, to: 0, cjk: true, group, hira: 0 };
    if chars.len() == 1 {
        return vec![token(chars[0].to_string())];
    }
    chars.windows(2).map(|w| token(w.iter().collect())).collect()
}

/// Korean endings and particles stripped from the end of a query word (longest first), so
/// `로그인할수없어요` searches for `로그인` and `결제됐어요` for `결제`.
const KOREAN_ENDINGS: &[&str] = &[
    "했습니다",
    "됐습니다",
    "없습니다",
    "하나요",
    "했어요",
    "됐어요",
    "없어요",
    "없나요",
    "안돼요",
    "습니다",
    "합니다",
    "입니다",
    "할수",
    "하는",
    "하기",
    "하고",
    "해서",
    "해요",
    "어요",
    "아요",
    "나요",
    "까요",
    "세요",
    "에서",
    "으로",
    "에게",
    "까지",
    "부터",
    "이요",
    "돼요",
    "되요",
    "이",
    "가",
    "은",
    "는",
    "을",
    "를",
    "의",
    "도",
    "로",
    "에",
    "와",
    "과",
    "요",
    "수",
    "할",
    "함",
];

/// The predicate a Korean word of three or more syllables names with a nominal ending, if it
/// ends in one: `-기` (`바꾸기` → `바꾸`, `줄이기` → `줄이`) or a final `ㅁ` (`느려짐` → `느려지`,
/// `깎임` is too short). Articles conjugate the predicate (`바꾸려면`, `느려집니다`), whose
/// bigrams the nominal form does not all share. An alternative, never a replacement: nouns
/// end the same way (`프로그램`).
fn predicate(stem: &[char]) -> Option<Vec<char>> {
    const FINAL_M: u32 = 16;
    let (&last, rest) = stem.split_last()?;
    if stem.len() < 3 {
        return None;
    }
    if last == '기' {
        return Some(rest.to_vec());
    }
    let s = (last as u32)
        .checked_sub(0xAC00)
        .filter(|s| crate::text::analyze::is_hangul_syllable(last) && s % 28 == FINAL_M)?;
    let open = char::from_u32(0xAC00 + s - FINAL_M)?;
    Some(rest.iter().copied().chain([open]).collect())
}

/// Splits a long CJK group into content units (required) and particles/endings (optional):
/// Japanese at changes between kanji, katakana and hiragana; Korean by stripping endings.
/// The whole run stays as an optional unit that rewards an exact match.
fn cjk_units(group: &[RawToken]) -> Option<Vec<Unit>> {
    let (chars, kinds) = run_chars(group);
    if chars.len() < 2 || (chars.len() == 2 && kinds.iter().any(|k| *k != Kind::Hangul)) {
        return None;
    }
    let id = group[0].group;
    let whole = Unit { groups: vec![group.to_vec()], stop: true, exact: true, ..Unit::default() };
    if kinds.iter().all(|k| *k == Kind::Hangul) {
        let mut word: String = chars.iter().collect();
        // A function word stays one whatever its stem (`없이` is no `없`).
        let function = is_cjk_stop_word(&word);
        if let Some(n) = crate::text::analyze::korean_one_syllable_stem(&chars) {
            // The index stacks this stem on the word (`창을` → `창`, `작거나` → `작`).
            let stem = chars[..n].to_vec();
            let stop = function || is_cjk_stop_word(&stem.iter().collect::<String>());
            let content = Unit { groups: vec![bigram_group(&stem, id)], stop, ..Unit::default() };
            return Some(vec![content, whole]);
        }
        for _ in 0..3 {
            let Some(ending) =
                KOREAN_ENDINGS.iter().find(|e| word.ends_with(*e) && word.chars().count() - e.chars().count() >= 2)
            else {
                break;
            };
            word.truncate(word.len() - ending.len());
        }
        let stem: Vec<char> = word.chars().collect();
        // `탭대상` may be written `탭 대상`, `웹앱` `웹 앱` (a lone syllable is indexed as
        // itself, and the bigrams of the joined word never contain it).
        let spaced = |stem: &[char]| {
            (2..=3).contains(&stem.len()).then(|| vec![bigram_group(&stem[..1], id), bigram_group(&stem[1..], id)])
        };
        let predicate = |stem: &[char]| predicate(stem).map(|p| vec![bigram_group(&p, id)]);
        if stem.len() == chars.len() {
            if function {
                return None;
            }
            let unit = Unit {
                groups: vec![group.to_vec()],
                spaced: spaced(&stem),
                guessed: predicate(&stem),
                ..Unit::default()
            };
            return (unit.spaced.is_some() || unit.guessed.is_some()).then(|| vec![unit]);
        }
        let stop = function || is_cjk_stop_word(&word);
        let mut content = Unit { groups: vec![bigram_group(&stem, id)], stop, ..Unit::default() };
        if !stop {
            content.guessed = predicate(&stem);
            content.spaced = spaced(&stem);
        }
        return Some(vec![content, whole]);
    }
    let has_hiragana = kinds.contains(&Kind::Hiragana);
    if !has_hiragana || kinds.iter().all(|k| *k == Kind::Hiragana) {
        return None;
    }
    let mut units = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let mut j = i + 1;
        while j < chars.len() && kinds[j] == kinds[i] {
            j += 1;
        }
        let content = kinds[i] != Kind::Hiragana;
        // A lone kanji carries its reading in the next character (`消え`).
        let end = if content && j - i == 1 && j < chars.len() { j + 1 } else { j };
        if content || end - i >= 2 {
            let word: String = chars[i..end].iter().collect();
            units.push(Unit {
                groups: vec![bigram_group(&chars[i..end], id)],
                stop: !content || is_cjk_stop_word(&word),
                ..Unit::default()
            });
        }
        i = j;
    }
    units.push(whole);
    Some(units)
}

/// Plans `text` into units, applying `rules` (the locale's synonyms).
pub fn plan(text: &str, rules: &[Rule]) -> Vec<Unit> {
    let groups = query_groups(text);
    let mut units = Vec::with_capacity(groups.len());
    let mut i = 0;
    while i < groups.len() {
        if let Some(rule) = rules.iter().find(|r| span_matches(&r.pattern, &groups[i..])) {
            let k = rule.pattern.len();
            units.push(Unit {
                groups: groups[i..i + k].to_vec(),
                alternatives: rule.alternatives().cloned().collect(),
                ..Unit::default()
            });
            i += k;
            continue;
        }
        let group = &groups[i];
        let cjk = group[0].cjk;
        let mut alternatives = Vec::new();
        if cjk {
            for rule in rules.iter().filter(|r| r.cjk && contains_run(&r.pattern[0], group)) {
                alternatives.extend(rule.alternatives().cloned());
            }
        }
        let stop =
            if cjk { is_cjk_stop_word(&group_text(group)) } else { group.len() == 1 && is_stop_word(&group[0].text) };
        match cjk.then(|| cjk_units(group)).flatten() {
            Some(mut parts) => {
                // Synonyms found inside the run stay with its first content unit.
                if let Some(first) = parts.iter_mut().find(|u| !u.stop) {
                    first.alternatives.extend(alternatives);
                }
                units.extend(parts);
            }
            None => units.push(Unit { groups: vec![group.clone()], alternatives, stop, ..Unit::default() }),
        }
        i += 1;
    }
    if units.iter().all(|u| u.stop) {
        for u in &mut units {
            u.stop = false;
        }
    }
    dedup_units(join_korean_syllables(units))
}

/// Drops a unit that repeats an earlier one (`プライバシーサンドボックスのデモ` typed twice in one
/// query, or a content word of two runs), keeping its alternatives: the same word twice adds
/// nothing but cost, as [`query_groups`] says of adjacent words.
fn dedup_units(units: Vec<Unit>) -> Vec<Unit> {
    let same = |a: &Unit, b: &Unit| a.stop == b.stop && a.exact == b.exact && same_terms(&a.groups, &b.groups);
    let mut kept: Vec<Unit> = Vec::with_capacity(units.len());
    for unit in units {
        match kept.iter_mut().find(|k| same(k, &unit)) {
            Some(earlier) => unit.alternatives.into_iter().for_each(|alt| earlier.add_alternative(alt)),
            None => kept.push(unit),
        }
    }
    kept
}

/// `웹 폰트` may be written `웹폰트`: a one-syllable Korean word and its neighbour each get
/// the two joined as an alternative, so the joined spelling counts as both words (bigrams of
/// the joined word never contain the lone syllable: neither spelling finds the other).
fn join_korean_syllables(mut units: Vec<Unit>) -> Vec<Unit> {
    let hangul = |u: &Unit| {
        (!u.stop && u.groups.len() == 1)
            .then(|| run_chars(&u.groups[0]))
            .filter(|(_, kinds)| kinds.iter().all(|k| *k == Kind::Hangul))
            .map(|(chars, _)| chars)
    };
    for i in 1..units.len() {
        if let (Some(a), Some(b)) = (hangul(&units[i - 1]), hangul(&units[i]))
            && (a.len() == 1 || b.len() == 1)
            && a.len() + b.len() <= 6
        {
            let word: Vec<char> = a.iter().chain(&b).copied().collect();
            let joined = vec![bigram_group(&word, units[i - 1].groups[0][0].group)];
            units[i - 1].alternatives.push(joined.clone());
            units[i].alternatives.push(joined);
        }
    }
    units
}

/// The fields a query runs over, with their weights, and the two fields (a short and a
/// long one) whose phrase matches add proximity score.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    fields: Vec<(Field, f32)>,
    /// Fields whose phrase matches add proximity score (none: no phrase clauses).
    phrases: Vec<(Field, f32)>,
    /// Documents with every unit are counted once more, by these fields (none: no bonus).
    all_fields: Vec<(Field, f32)>,
    /// Fields with positions, where a spaced form must be a phrase (none: anywhere).
    positioned: Vec<(Field, f32)>,
    /// The search's term statistics: no clause for a term in a field that never has it.
    stats: Option<&'a TermStats<'a>>,
}

impl<'a> Target<'a> {
    /// Article documents: title > keywords > headings > body.
    pub fn articles(fields: &Fields, weights: &FieldWeights) -> Self {
        Self {
            fields: [
                (fields.title, weights.title),
                (fields.keywords, weights.keywords),
                (fields.headings, weights.headings),
                (fields.body, weights.body),
            ]
            .into_iter()
            .filter(|(_, w)| *w > 0.0)
            .collect(),
            phrases: vec![(fields.title, weights.title), (fields.body, weights.body)],
            // The bonus for having every unit looks at the title and body only: as good, and
            // half the clauses of all four fields.
            all_fields: vec![(fields.title, weights.title), (fields.body, weights.body)],
            positioned: vec![(fields.title, weights.title), (fields.body, weights.body)],
            stats: None,
        }
    }

    /// Leaves out the clauses of terms absent from a field, as `stats` tells.
    pub fn with_stats<'b>(self, stats: &'b TermStats<'b>) -> Target<'b> {
        Target {
            fields: self.fields,
            phrases: self.phrases,
            all_fields: self.all_fields,
            positioned: self.positioned,
            stats: Some(stats),
        }
    }

    /// True unless the statistics say no document has `text` in `field`.
    fn has(&self, field: Field, text: &str) -> bool {
        self.stats.is_none_or(|s| s.has(field, text))
    }

    /// True unless a phrase of `tokens` in `field` cannot match (a term is absent).
    fn has_all(&self, field: Field, tokens: &[&RawToken]) -> bool {
        tokens.iter().all(|t| self.has(field, &t.text))
    }

    /// The same fields without phrase or completeness clauses (does a unit match at all?).
    pub fn lean(&self) -> Self {
        Self {
            fields: self.fields.clone(),
            phrases: Vec::new(),
            all_fields: Vec::new(),
            positioned: self.positioned.clone(),
            stats: self.stats,
        }
    }

    /// Section passages: their heading, then their text.
    pub fn sections(fields: &Fields, weights: &FieldWeights) -> Self {
        Self {
            fields: vec![(fields.section_heading, weights.headings), (fields.section_text, weights.body)],
            phrases: Vec::new(),
            all_fields: Vec::new(),
            positioned: Vec::new(),
            stats: None,
        }
    }
}

fn term_clause(target: &Target, text: &str) -> Box<dyn Query> {
    let disjuncts: Vec<Box<dyn Query>> = target
        .fields
        .iter()
        .filter(|&&(field, _)| target.has(field, text))
        .map(|&(field, weight)| {
            let tq = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs);
            Box::new(BoostQuery::new(Box::new(tq), weight)) as Box<dyn Query>
        })
        .collect();
    Box::new(AnyOf::new(disjuncts, 0.3))
}

fn phrase(field: Field, tokens: &[&RawToken], slop: u32) -> PhraseQuery {
    phrase_at(field, tokens.iter().copied().enumerate(), slop)
}

/// A phrase of tokens at the given positions (gaps allowed).
fn phrase_at<'t>(field: Field, tokens: impl Iterator<Item = (usize, &'t RawToken)>, slop: u32) -> PhraseQuery {
    let terms = tokens.map(|(i, t)| (i, Term::from_field_text(field, &t.text))).collect();
    PhraseQuery::new_with_offset_and_slop(terms, slop)
}

/// Runs of at least this many bigrams are searched by a sample of them.
const SAMPLED_FROM: usize = 5;

/// The bigrams of a CJK run a query uses, with their positions in the run, and the weight
/// each carries. A long run's bigrams overlap: every other one (and the last) still covers
/// every character, in half the clauses, and a phrase of them at their positions matches
/// exactly where the whole run does. The weight keeps the run's total what `n` bigrams at
/// `1/√n` gave: without a share, one long word (`자바스크립트`, 5 bigrams) outweighs three
/// short ones, and the square root keeps some of the specificity a long word does carry.
fn run_bigrams(group: &[RawToken]) -> (Vec<(usize, &RawToken)>, f32) {
    let n = group.len();
    let picked: Vec<(usize, &RawToken)> = if n < SAMPLED_FROM {
        group.iter().enumerate().collect()
    } else {
        group.iter().enumerate().filter(|&(i, _)| i % 2 == 0 || i + 1 == n).collect()
    };
    let share = (n as f32).sqrt() / picked.len() as f32;
    (picked, share)
}

/// A CJK run as an exact phrase of its [`run_bigrams`] (`picked`, each weighted `share`) in
/// each of the target's phrase fields it can be in.
fn run_phrases(target: &Target, picked: &[(usize, &RawToken)], share: f32) -> Vec<Box<dyn Query>> {
    let tokens: Vec<&RawToken> = picked.iter().map(|&(_, t)| t).collect();
    target
        .phrases
        .iter()
        .filter(|&&(field, _)| target.has_all(field, &tokens))
        .map(|&(field, w)| {
            let phrase = phrase_at(field, picked.iter().copied(), 0);
            Box::new(BoostQuery::new(Box::new(phrase), w * share)) as Box<dyn Query>
        })
        .collect()
}

/// The clause for one group: a term, or a CJK run's bigrams with minimum-should-match.
fn group_clause(target: &Target, group: &[RawToken]) -> Box<dyn Query> {
    if group.len() == 1 {
        return term_clause(target, &group[0].text);
    }
    let (picked, share) = run_bigrams(group);
    let clauses: Vec<(Occur, Box<dyn Query>)> = picked
        .iter()
        .map(|(_, t)| (Occur::Should, Box::new(BoostQuery::new(term_clause(target, &t.text), share)) as Box<dyn Query>))
        .collect();
    // Enough bigrams to mean the same word, few enough that a particle or a spacing variant
    // (`パスワードの再設定方法`, `환경변수`) still matches: all of 2, n-1 of 3–4, half of the
    // sample of longer runs.
    let n = clauses.len();
    let required = match group.len() {
        0..=2 => n,
        3..=4 => n - 1,
        _ => n.div_ceil(2),
    };
    let bigrams = BooleanQuery::with_minimum_required_clauses(clauses, required);
    let phrases = run_phrases(target, &picked, share);
    if phrases.is_empty() {
        return Box::new(bigrams);
    }
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, Box::new(bigrams) as Box<dyn Query>),
        (Occur::Should, Box::new(AnyOf::new(phrases, 1.0))),
    ]))
}

/// Groups of one token each, next to each other in order: a phrase in each positioned field
/// (the best field counts); without positioned fields (section passages, already within
/// the candidates), all of them anywhere.
fn adjacent(target: &Target, groups: &[Vec<RawToken>]) -> Box<dyn Query> {
    let tokens: Vec<&RawToken> = groups.iter().filter_map(|g| g.first()).collect();
    if target.positioned.is_empty() || tokens.len() < 2 || groups.iter().any(|g| g.len() != 1) {
        return all_of(target, groups);
    }
    let phrases: Vec<Box<dyn Query>> = target
        .positioned
        .iter()
        .filter(|&&(field, _)| target.has_all(field, &tokens))
        .map(|&(field, w)| Box::new(BoostQuery::new(Box::new(phrase(field, &tokens, 0)), w)) as Box<dyn Query>)
        .collect();
    Box::new(AnyOf::new(phrases, 0.3))
}

fn all_of(target: &Target, groups: &[Vec<RawToken>]) -> Box<dyn Query> {
    if groups.len() == 1 {
        return group_clause(target, &groups[0]);
    }
    Box::new(BooleanQuery::new(groups.iter().map(|g| (Occur::Must, group_clause(target, g))).collect()))
}

/// The clause one unit adds (its words, or any of its synonym alternatives).
pub fn unit_clause(target: &Target, unit: &Unit) -> Box<dyn Query> {
    let typed = all_of(target, &unit.groups);
    if unit.alternatives.is_empty() && unit.spaced.is_none() && unit.guessed.is_none() {
        return typed;
    }
    // The best of the forms counts (a little more when several match): a document using
    // both a word and its synonym has not matched two words.
    let mut options = vec![typed];
    for alt in &unit.alternatives {
        options.push(Box::new(BoostQuery::new(all_of(target, alt), SYNONYM_WEIGHT)));
    }
    if let Some(spaced) = &unit.spaced {
        options.push(Box::new(BoostQuery::new(adjacent(target, spaced), SYNONYM_WEIGHT)));
    }
    if let Some(guessed) = &unit.guessed {
        options.push(Box::new(BoostQuery::new(all_of(target, guessed), GUESS_WEIGHT)));
    }
    Box::new(AnyOf::new(options, 0.2))
}

/// An exact unit's phrase in the target's phrase fields (the best counts), weighted as
/// [`group_clause`] weights a run's phrase; `None` where no field can have it.
fn exact_clause(target: &Target, unit: &Unit) -> Option<Box<dyn Query>> {
    let [group] = unit.groups.as_slice() else { return Some(unit_clause(target, unit)) };
    if group.len() < 2 {
        return Some(unit_clause(target, unit));
    }
    let (picked, share) = run_bigrams(group);
    let phrases = run_phrases(target, &picked, share);
    (!phrases.is_empty()).then(|| Box::new(AnyOf::new(phrases, 1.0)) as Box<dyn Query>)
}

/// The scored text part of the query, or `None` when nothing is searchable.
pub fn text_query(target: &Target, units: &[Unit]) -> Option<Box<dyn Query>> {
    if units.is_empty() {
        return None;
    }
    let required: Vec<Box<dyn Query>> = units.iter().filter(|u| !u.stop).map(|u| unit_clause(target, u)).collect();
    // What adds score without being required: one disjunction (a sum), so the top level is
    // a required part and an optional one.
    let mut optional: Vec<Box<dyn Query>> = Vec::new();
    if !target.all_fields.is_empty() && required.len() > 1 {
        // Every unit present: counted once more, so complete matches rank first.
        let lean = Target {
            fields: target.all_fields.clone(),
            phrases: Vec::new(),
            all_fields: Vec::new(),
            positioned: target.all_fields.clone(),
            stats: target.stats,
        };
        let all = units.iter().filter(|u| !u.stop).map(|u| (Occur::Must, unit_clause(&lean, u))).collect();
        optional.push(Box::new(BooleanQuery::new(all)));
    }
    let any: Box<dyn Query> = Box::new(AnyOf::new(required, 1.0));
    for unit in units.iter().filter(|u| u.stop) {
        let clause = if unit.exact { exact_clause(target, unit) } else { Some(unit_clause(target, unit)) };
        if let Some(clause) = clause {
            optional.push(Box::new(BoostQuery::new(clause, STOP_WEIGHT)));
        }
    }
    // Proximity: typed Latin words close together, in order.
    let words: Vec<&RawToken> = units
        .iter()
        .filter(|u| !u.stop)
        .flat_map(|u| u.groups.iter())
        .filter(|g| g.len() == 1 && !g[0].cjk)
        .map(|g| &g[0])
        .collect();
    if words.len() >= 2 {
        for &(field, w) in target.phrases.iter().filter(|&&(field, _)| target.has_all(field, &words)) {
            optional.push(Box::new(BoostQuery::new(Box::new(phrase(field, &words, PROXIMITY_SLOP)), w)));
        }
    }
    if let Some(clause) = open_proximity(target, units, &words) {
        optional.push(clause);
    }
    if optional.is_empty() {
        return Some(any);
    }
    Some(Box::new(BooleanQuery::new(vec![(Occur::Must, any), (Occur::Should, Box::new(AnyOf::new(optional, 1.0)))])))
}

/// Completions of an open last word tried in the proximity phrase.
const OPEN_COMPLETIONS: usize = 4;

/// Proximity for a query whose last word is still being typed (`chrome.stor`,
/// `lighthouse sc`): the typed letters are in no document, so the phrase of `words` never
/// matches; the words before it next to one of its most used completions do (the best
/// one counts).
fn open_proximity(target: &Target, units: &[Unit], words: &[&RawToken]) -> Option<Box<dyn Query>> {
    let last = units.iter().rfind(|u| !u.stop).filter(|u| u.open)?;
    let (_, before) = words.split_last().filter(|(typed, before)| {
        !before.is_empty() && last.groups.first().and_then(|g| g.first()).is_some_and(|t| t.text == typed.text)
    })?;
    let mut phrases: Vec<Box<dyn Query>> = Vec::new();
    for alt in last.alternatives.iter().take(OPEN_COMPLETIONS) {
        let [group] = alt.as_slice() else { continue };
        let [completion] = group.as_slice() else { continue };
        let tokens: Vec<&RawToken> = before.iter().copied().chain(std::iter::once(completion)).collect();
        for &(field, w) in target.phrases.iter().filter(|&&(field, _)| target.has_all(field, &tokens)) {
            phrases.push(Box::new(BoostQuery::new(Box::new(phrase(field, &tokens, PROXIMITY_SLOP)), w)));
        }
    }
    (!phrases.is_empty()).then(|| Box::new(AnyOf::new(phrases, 0.0)) as Box<dyn Query>)
}

/// A filter clause: matches `value` in `field` and adds no score.
fn term_filter(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(
        Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic)),
        0.0,
    ))
}

/// Restricts a text query to a locale (and optionally a category), hiding drafts unless
/// asked, and leaving out the articles in `except` (default-locale articles that have a
/// translation, for the fallback). Filters do not change scores.
pub fn filtered(
    fields: &Fields,
    text: Box<dyn Query>,
    locale: &str,
    category: Option<&str>,
    include_drafts: bool,
    except: Option<&super::docs::DocFilter>,
) -> Box<dyn Query> {
    let mut clauses = vec![(Occur::Must, text), (Occur::Must, term_filter(fields.locale, locale))];
    if let Some(category) = category {
        clauses.push((Occur::Must, term_filter(fields.category, category)));
    }
    if !include_drafts {
        let draft = TermQuery::new(Term::from_field_u64(fields.draft, 1), IndexRecordOption::Basic);
        clauses.push((Occur::MustNot, Box::new(draft)));
    }
    if let Some(except) = except.filter(|e| !e.is_empty()) {
        clauses.push((Occur::MustNot, Box::new(except.clone())));
    }
    Box::new(BooleanQuery::new(clauses))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::synonyms::Synonyms;

    #[test]
    fn groups_keep_cjk_runs_together() {
        let groups = query_groups("reset パスワード");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].len(), 1);
        assert_eq!(groups[1].len(), 4);
    }

    #[test]
    fn hostile_text_is_bounded() {
        let junk = "a ".repeat(10_000);
        assert!(query_groups(&junk).len() <= MAX_GROUPS);
        assert!(query_groups("\"():*😀").is_empty());
        assert_eq!(clamp_query(&"é".repeat(1000)).chars().count(), MAX_QUERY_CHARS);
    }

    #[test]
    fn an_alternative_with_the_same_terms_is_added_once() {
        let mut unit = plan("extensi", &[]).remove(0);
        for word in ["extension", "extensions", "extensible", "extensi"] {
            unit.add_alternative(query_groups(word));
        }
        let texts: Vec<Vec<&str>> =
            unit.alternatives.iter().map(|alt| alt.iter().flat_map(|g| texts(g)).collect()).collect();
        assert_eq!(texts, vec![vec!["extens"]], "one stem, and never the typed form again");
        unit.add_alternative(Vec::new());
        assert_eq!(unit.alternatives.len(), 1, "nothing to add");
    }

    #[test]
    fn stop_words_are_optional_unless_alone() {
        let units = plan("how do i reset my password", &[]);
        let stops: Vec<bool> = units.iter().map(|u| u.stop).collect();
        assert_eq!(stops, vec![true, true, true, false, true, false]);
        assert!(plan("what is it", &[]).iter().all(|u| !u.stop), "a stop-word-only query keeps its words");
    }

    #[test]
    fn japanese_runs_split_into_content_words_and_particles() {
        let units = plan("解約したらデータは消えますか", &[]);
        let required: Vec<Vec<String>> =
            units.iter().filter(|u| !u.stop).map(|u| u.groups[0].iter().map(|t| t.text.clone()).collect()).collect();
        assert_eq!(required, vec![vec!["解約"], vec!["デー", "ータ"], vec!["消エ"]]);
        assert!(units.iter().any(|u| u.stop && u.groups[0].len() == 13), "whole run kept as a bonus");
    }

    #[test]
    fn a_whole_japanese_run_adds_only_its_phrase() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (index, _) = crate::search::open_or_create(dir.path()).expect("index");
        let f = index.fields;
        let units = plan("解約したらデータは消えますか", &[]);
        let mut terms: Vec<(Field, String)> = Vec::new();
        let query = text_query(&Target::articles(&f, &FieldWeights::default()), &units).expect("a query");
        query.query_terms(&mut |t, _| terms.push((t.field(), t.value().as_str().unwrap_or_default().to_owned())));
        // `ラデ` spans the particle したら and the content word データ: only the whole run has it.
        let fields_with =
            |bigram: &str| terms.iter().filter(|(_, t)| t == bigram).map(|(field, _)| *field).collect::<Vec<_>>();
        let spanning = fields_with("ラデ");
        assert!(spanning.contains(&f.title) && spanning.contains(&f.body), "the run's phrase, where positions are");
        assert!(!spanning.contains(&f.headings) && !spanning.contains(&f.keywords), "no bag of the run's bigrams");
        assert!(fields_with("解約").contains(&f.headings), "content words still match every field");
    }

    #[test]
    fn a_long_run_is_searched_by_every_other_bigram_and_the_last() {
        let run = |text: &str| {
            let units = plan(text, &[]);
            let group = units[0].groups[0].clone();
            let (picked, share) = run_bigrams(&group);
            let picked: Vec<(usize, String)> = picked.into_iter().map(|(i, t)| (i, t.text.clone())).collect();
            (group.len(), picked, share)
        };
        // Four bigrams: all of them, at 1/√4 each.
        let (n, picked, share) = run("ログイン");
        assert_eq!((n, picked.len()), (3, 3));
        assert!((share - 1.0 / 3f32.sqrt()).abs() < 1e-6);
        // Twelve: positions 0, 2, … 10 and the last, 11, which together cover every character.
        let (n, picked, share) = run("プライバシーサンドボックス");
        assert_eq!(n, 12);
        let positions: Vec<usize> = picked.iter().map(|(i, _)| *i).collect();
        assert_eq!(positions, [0, 2, 4, 6, 8, 10, 11]);
        assert_eq!(picked[0].1, "プラ");
        assert_eq!(picked[6].1, "クス");
        // The run's total weight stays that of twelve bigrams at 1/√12.
        assert!((share * 7.0 - 12f32.sqrt()).abs() < 1e-5);
    }

    #[test]
    fn a_word_typed_twice_is_one_unit() {
        let units = plan("プライバシーサンドボックスのデモ プライバシーサンドボックスの広告", &[]);
        let words: Vec<String> =
            units.iter().filter(|u| !u.stop && !u.exact).map(|u| group_text(&u.groups[0])).collect();
        assert_eq!(words.iter().filter(|w| *w == "プライバシーサンドボックス").count(), 1, "{words:?}");
        assert!(words.contains(&"デモ".to_owned()) && words.contains(&"広告".to_owned()), "{words:?}");
        let units = plan("reset password then reset", &[]);
        assert_eq!(units.iter().filter(|u| u.groups[0][0].text == "reset").count(), 1);
    }

    #[test]
    fn korean_endings_are_stripped() {
        let units = plan("로그인할수없어요", &[]);
        let required: Vec<String> =
            units.iter().filter(|u| !u.stop).flat_map(|u| u.groups[0].iter().map(|t| t.text.clone())).collect();
        assert_eq!(required, vec!["로그", "그인"]);
        let units = plan("결제됐어요", &[]);
        assert_eq!(units.iter().filter(|u| !u.stop).count(), 1);
        assert_eq!(plan("비밀번호", &[]).len(), 1, "no ending, no split");
        let units = plan("창을", &[]);
        assert_eq!(units[0].groups[0][0].text, "창", "a one-syllable noun loses its particle");
        let chars = |w: &str| w.chars().collect::<Vec<_>>();
        assert_eq!(predicate(&chars("바꾸기")), Some(chars("바꾸")));
        assert_eq!(predicate(&chars("느려짐")), Some(chars("느려지")));
        assert_eq!(predicate(&chars("요금")), None, "two syllables: too many nouns end so");
        assert_eq!(predicate(&chars("비밀번호")), None);
        let units = plan("느려짐", &[]);
        assert!(units[0].guessed.is_some() && units[0].alternatives.is_empty(), "a guess, weaker than a synonym");
    }

    #[test]
    fn asking_words_only_add_score() {
        let units = plan("페이지 용량 너무 큼", &[]);
        assert!(units.iter().any(|u| u.stop && u.groups[0][0].text == "너무"));
        let units = plan("プロキシ 設定 方法", &[]);
        assert!(units.iter().any(|u| u.stop && u.groups[0][0].text == "方法"));
        assert!(plan("방법", &[]).iter().all(|u| !u.stop), "alone, it is what was asked");
    }

    #[test]
    fn synonyms_match_spans_and_cjk_runs() {
        let s = Synonyms::parse(
            "[en]\nequivalent = [[\"refund\", \"money back\"]]\n[ja]\nequivalent = [[\"返金\", \"払い戻し\"]]\n",
        )
        .expect("valid");
        let units = plan("get my money back", s.rules("en"));
        let span = units.iter().find(|u| u.groups.len() == 2).expect("money back is one unit");
        assert_eq!(span.alternatives[0][0][0].text, "refund");
        let units = plan("払い戻しを受けたい", s.rules("ja"));
        let with_synonym = units.iter().find(|u| !u.alternatives.is_empty()).expect("synonym attached");
        assert_eq!(with_synonym.alternatives[0][0][0].text, "返金");
    }
}
