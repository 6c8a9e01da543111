//! The one text analyzer used at index time and at query time (the search index wraps it
//! in a tantivy tokenizer; the search log and reports use it for grouping keys).
//!
//! Search quality for Japanese, Chinese and Korean depends on both sides cutting text the
//! same way, so this module is the only place that decides what a token is:
//!
//! 1. NFKC width normalisation (`ＡＢＣ` → `abc`, `ｶﾀｶﾅ` → `カタカナ`) and lowercasing,
//!    keeping byte offsets into the *original* text so snippets highlight the right spans;
//! 2. Latin/other alphabetic words (with version strings such as `v2.3` kept whole and
//!    possessive `'s` dropped), stemmed with the English Snowball stemmer;
//! 3. kana folded so the ways people type a word meet: hiragana as katakana (`ぱすわーど`
//!    matches `パスワード`), small vowels as full ones (`ウィンドウ` = `ウインドウ`), and the
//!    long-vowel mark dropped at the end of a kana word of 4 or more (`サーバー` = `サーバ`,
//!    the JIS variants);
//! 4. CJK runs (Han + Kana, or Hangul) cut into overlapping bigrams, Lucene CJKAnalyzer
//!    style; a run of one character becomes a unigram.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{canonical_combining_class, compose};

/// The crates that decide what this analyzer emits, pinned exactly in `Cargo.toml`: a
/// different stemmer or normalizer would cut queries differently from the index on disk.
pub const PINNED: &[(&str, &str)] = &[("frostem", "1.20260821.8"), ("unicode-normalization", "0.1.26")];

/// Bump when this module's own rules change what it emits.
const RULES_VERSION: u32 = 3;

/// A text that exercises every rule: stemming, possessives, versions, width folding,
/// half-width kana, Han/Kana and Hangul bigrams.
const SAMPLE: &str = "Resetting the customer's Passwords v2.3 ＲＥＦＵＮＤ ｶﾞｲﾄﾞ パスワードの再設定 ぱすわーど ウィンドウ サーバー 비밀번호재설정 running nationalization";

/// What the analyzer emits, as a short fingerprint: the rules version, the pinned crates
/// and the tokens of [`SAMPLE`]. It is part of the index's schema version, so an upgrade
/// that changes analysis rebuilds the index instead of silently mismatching it.
pub fn fingerprint() -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&RULES_VERSION.to_le_bytes());
    for (name, version) in PINNED {
        hasher.update(name.as_bytes());
        hasher.update(version.as_bytes());
    }
    for token in analyze(SAMPLE) {
        hasher.update(token.text.as_bytes());
        hasher.update(&[0]);
    }
    format!("{:016x}", hasher.digest())
}

/// Words longer than this are not indexed (base64 blobs, hashes, minified code).
const MAX_WORD_CHARS: usize = 40;

/// The script class of a normalised character, which decides how runs are cut.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Script {
    /// Letters and digits of alphabetic scripts (Latin, Cyrillic, Greek, …).
    Word,
    /// Han ideographs, Hiragana and Katakana, bigrammed together.
    HanKana,
    /// Hangul syllables and jamo.
    Hangul,
    /// Everything else: spaces, punctuation, symbols, emoji.
    Other,
}

fn script_of(c: char) -> Script {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() { Script::Word } else { Script::Other };
    }
    match c as u32 {
        0x3040..=0x309F // Hiragana
        | 0x30A0..=0x30FF // Katakana (incl. ー)
        | 0x31F0..=0x31FF // Katakana phonetic extensions
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0x20000..=0x3134F // CJK extensions B–G
        | 0x3005 | 0x3006 // 々 〆
        => Script::HanKana,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7AF | 0xD7B0..=0xD7FF => {
            Script::Hangul
        }
        _ if c.is_alphanumeric() => Script::Word,
        _ => Script::Other,
    }
}

/// One normalised character with the byte span it came from in the original text.
#[derive(Clone, Copy, Debug)]
struct NormChar {
    c: char,
    script: Script,
    /// Typed as hiragana (now folded to katakana): the query planner reads particles from it.
    hira: bool,
    from: usize,
    to: usize,
}

/// NFKC-normalises and lowercases `text` character by character, keeping original offsets.
///
/// Per-character NFKC differs from whole-string NFKC only for combining sequences; the one
/// that matters here (half-width katakana + voiced mark, `ｶﾞ`) is recomposed explicitly.
fn normalize(text: &str, out: &mut Vec<NormChar>) {
    out.clear();
    out.reserve(text.len());
    for (from, original) in text.char_indices() {
        let to = from + original.len_utf8();
        if original.is_ascii() || is_nfkc_stable_cjk(original) {
            let (c, hira) = fold_kana(original.to_ascii_lowercase());
            out.push(NormChar { c, script: script_of(c), hira, from, to });
            continue;
        }
        for nfkc in std::iter::once(original).nfkc() {
            if canonical_combining_class(nfkc) != 0 || matches!(nfkc, '\u{3099}' | '\u{309A}') {
                if let Some(prev) = out.last_mut()
                    && let Some(composed) = compose(unfold(prev), nfkc)
                {
                    let (composed, _) = fold_kana(composed);
                    prev.c = composed;
                    prev.script = script_of(composed);
                    prev.to = to;
                    continue;
                }
                // A stray combining mark carries no searchable meaning on its own.
                continue;
            }
            for lower in nfkc.to_lowercase() {
                let (c, hira) = fold_kana(lower);
                out.push(NormChar { c, script: script_of(c), hira, from, to });
            }
        }
    }
}

/// Hiragana as katakana, small vowels (and ヮヵヶ) as full ones; true when it was hiragana.
fn fold_kana(c: char) -> (char, bool) {
    let code = c as u32;
    let (code, hira) = match code {
        0x3041..=0x3096 => (code + 0x60, true),
        _ => (code, false),
    };
    let code = match code {
        0x30A1 | 0x30A3 | 0x30A5 | 0x30A7 | 0x30A9 | 0x30EE => code + 1,
        0x30F5 => 0x30AB,
        0x30F6 => 0x30B1,
        _ => code,
    };
    (char::from_u32(code).unwrap_or(c), hira)
}

/// The character before [`fold_kana`], so a following voiced mark composes as typed.
fn unfold(prev: &NormChar) -> char {
    if prev.hira { char::from_u32(prev.c as u32 - 0x60).unwrap_or(prev.c) } else { prev.c }
}

/// True for katakana letters and the long-vowel mark (after folding, kana are katakana).
fn is_kana(c: char) -> bool {
    matches!(c as u32, 0x30A1..=0x30FA | 0x30FC)
}

/// Drops the long-vowel mark that ends a kana word of 4 or more characters (`サーバー` →
/// `サーバ`), as Lucene's Japanese katakana stemmer does: both spellings are common.
fn drop_final_long_vowels(run: &[NormChar]) -> std::borrow::Cow<'_, [NormChar]> {
    let ends_word = |k: usize| run[k].c == 'ー' && run.get(k + 1).is_none_or(|n| !is_kana(n.c));
    if !(0..run.len()).any(ends_word) {
        return std::borrow::Cow::Borrowed(run);
    }
    let mut kept: Vec<NormChar> = Vec::with_capacity(run.len());
    let mut word = 0;
    for (k, c) in run.iter().enumerate() {
        word = if is_kana(c.c) { word + 1 } else { 0 };
        if ends_word(k) && word >= 4 {
            if let Some(prev) = kept.last_mut() {
                prev.to = c.to;
            }
            continue;
        }
        kept.push(*c);
    }
    std::borrow::Cow::Owned(kept)
}

/// Common CJK characters that NFKC leaves unchanged and that have no case: skipping the
/// normaliser for them makes Japanese and Korean text several times faster to analyse.
fn is_nfkc_stable_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3041..=0x3096 // Hiragana (not the compatibility marks ゛゜ゟ)
        | 0x30A1..=0x30FA | 0x30FC // Katakana and ー (not ヿ)
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xAC00..=0xD7A3 // Hangul syllables
    )
}

/// Words stemmed so far on this thread; bounded, cleared when full.
const STEM_CACHE_LIMIT: usize = 50_000;

thread_local! {
    static STEMS: std::cell::RefCell<rustc_hash::FxHashMap<Box<str>, Box<str>>> = Default::default();
    static STEMMER: frostem::Stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
    static SCRATCH: std::cell::RefCell<Vec<NormChar>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A token before positions are assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawToken {
    /// The normalised (and for words, stemmed) term.
    pub text: String,
    /// Byte offset of the first original byte.
    pub from: usize,
    /// Byte offset after the last original byte.
    pub to: usize,
    /// True for CJK bigrams/unigrams, false for alphabetic words.
    pub cjk: bool,
    /// Index of the whitespace/punctuation-separated run this token came from; bigrams of one
    /// CJK run share a group, which the query builder uses to keep them together.
    pub group: usize,
    /// Which of the token's (up to two) characters were typed as hiragana: bit 0, bit 1.
    pub hira: u8,
}

/// A token whose text lives in [`Tokens::buf`].
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    from: usize,
    to: usize,
    cjk: bool,
    group: usize,
    hira: u8,
    /// At the same position as the token before (an alternative form of it).
    stacked: bool,
}

/// All tokens of a text, their texts packed in one buffer (one allocation, not one per token).
#[derive(Debug, Default)]
pub struct Tokens {
    buf: String,
    spans: Vec<Span>,
}

impl Tokens {
    fn text(&self, span: &Span) -> &str {
        &self.buf[span.start..span.end]
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Token `i`: its term and the byte range it came from in the original text.
    pub fn get(&self, i: usize) -> Option<(&str, usize, usize)> {
        self.spans.get(i).map(|s| (self.text(s), s.from, s.to))
    }

    /// True when token `i` shares the position of the token before it.
    pub fn stacked(&self, i: usize) -> bool {
        self.spans.get(i).is_some_and(|s| s.stacked)
    }
}

/// Cuts `text` into tokens as a query is cut (the index adds [`tokenize_for_index`]'s
/// stacked forms, which the query planner derives itself).
pub fn analyze(text: &str) -> Vec<RawToken> {
    let tokens = cut_text(text, false);
    tokens
        .spans
        .iter()
        .map(|s| RawToken {
            text: tokens.text(s).to_owned(),
            from: s.from,
            to: s.to,
            cjk: s.cjk,
            group: s.group,
            hira: s.hira,
        })
        .collect()
}

/// Cuts `text` into tokens without a per-token allocation.
pub fn tokenize(text: &str) -> Tokens {
    cut_text(text, false)
}

/// [`tokenize`] plus what only the index holds: the one-syllable Korean stem of a word with
/// a particle or a predicate ending (`창을` also indexes `창`, `작거나` `작`), stacked on the
/// word's position, so the query `창` finds it (bigrams alone never could).
pub fn tokenize_for_index(text: &str) -> Tokens {
    cut_text(text, true)
}

fn cut_text(text: &str, stems: bool) -> Tokens {
    SCRATCH.with(|scratch| {
        let mut chars = scratch.borrow_mut();
        normalize(text, &mut chars);
        let mut tokens = Tokens { buf: String::with_capacity(text.len() + text.len() / 2), spans: Vec::new() };
        cut(&chars, &mut tokens, stems);
        tokens
    })
}

/// Korean particles that follow a noun (the index stacks the noun of `창을` on it; the query
/// planner strips them from query words the same way).
pub const KOREAN_PARTICLES: &[&str] = &[
    "에서", "으로", "에게", "까지", "부터", "처럼", "보다", "이나", "이란", "에는", "에도", "이", "가", "을", "를",
    "은", "는", "의", "에", "도", "로", "와", "과", "만",
];

/// Endings of a one-syllable predicate stem (`작다고`, `작으면`, `크거나`, `길어요`): with
/// them the stem alone is stacked and searched, so `작다고` finds `작은` and `작거나`.
/// Only two-syllable endings, after exactly one syllable: a one-syllable ending (`다`, `고`)
/// also ends nouns (`바다`, `사고`).
const KOREAN_PREDICATE_ENDINGS: &[&str] =
    &["다고", "다는", "다면", "아요", "어요", "아서", "어서", "으면", "거나", "은데", "는데", "지만"];

/// The stem of a Hangul word that is one syllable plus a particle (`창을` → 1) or plus a
/// predicate ending (`작다고` → 1), if it is.
pub fn korean_one_syllable_stem(word: &[char]) -> Option<usize> {
    if !(2..=3).contains(&word.len()) {
        return None;
    }
    let tail: String = word[1..].iter().collect();
    (KOREAN_PARTICLES.contains(&tail.as_str()) || KOREAN_PREDICATE_ENDINGS.contains(&tail.as_str())).then_some(1)
}

fn word(run: &[NormChar]) -> Vec<char> {
    run.iter().map(|c| c.c).collect()
}

fn cut(chars: &[NormChar], tokens: &mut Tokens, stems: bool) {
    let mut i = 0;
    let mut group = 0;
    while i < chars.len() {
        match chars[i].script {
            Script::Other => i += 1,
            Script::Word => {
                let start = tokens.buf.len();
                let end = read_word(chars, i, &mut tokens.buf);
                let n = tokens.buf[start..].chars().count();
                if n > 0 && n <= MAX_WORD_CHARS {
                    stem_in_place(&mut tokens.buf, start);
                    tokens.spans.push(Span {
                        start,
                        end: tokens.buf.len(),
                        from: chars[i].from,
                        to: chars[end - 1].to,
                        cjk: false,
                        group,
                        hira: 0,
                        stacked: false,
                    });
                    group += 1;
                } else {
                    tokens.buf.truncate(start);
                }
                i = end;
            }
            script @ (Script::HanKana | Script::Hangul) => {
                let mut end = i;
                while end < chars.len() && chars[end].script == script {
                    end += 1;
                }
                let run = if script == Script::HanKana {
                    drop_final_long_vowels(&chars[i..end])
                } else {
                    std::borrow::Cow::Borrowed(&chars[i..end])
                };
                if run.len() == 1 {
                    let start = tokens.buf.len();
                    tokens.buf.push(run[0].c);
                    let end = tokens.buf.len();
                    let hira = u8::from(run[0].hira);
                    let (from, to) = (run[0].from, run[0].to);
                    tokens.spans.push(Span { start, end, from, to, cjk: true, group, hira, stacked: false });
                } else {
                    for (k, pair) in run.windows(2).enumerate() {
                        let start = tokens.buf.len();
                        tokens.buf.push(pair[0].c);
                        tokens.buf.push(pair[1].c);
                        let end = tokens.buf.len();
                        let hira = u8::from(pair[0].hira) | (u8::from(pair[1].hira) << 1);
                        let (from, to) = (pair[0].from, pair[1].to);
                        tokens.spans.push(Span { start, end, from, to, cjk: true, group, hira, stacked: false });
                        if k == 0
                            && stems
                            && script == Script::Hangul
                            && korean_one_syllable_stem(&word(&run)).is_some()
                        {
                            // The stem alone: `창` finds `창을`, `작` finds `작거나`.
                            let start = tokens.buf.len();
                            tokens.buf.push(pair[0].c);
                            let end = tokens.buf.len();
                            let to = pair[0].to;
                            tokens.spans.push(Span { start, end, from, to, cjk: true, group, hira: 0, stacked: true });
                        }
                    }
                }
                group += 1;
                i = end;
            }
        }
    }
}

/// The distinct unstemmed, lowercased alphabetic words of `text` (2–30 characters), for the
/// typo-correction vocabulary. CJK text has no words here: its bigrams need no correction.
pub fn surface_words<S: std::hash::BuildHasher>(text: &str, out: &mut std::collections::HashSet<String, S>) {
    // Words never span ASCII whitespace: ASCII chunks take a byte-level fast path (the same
    // rules as `read_word`), the rest goes through full normalization.
    let mut buf = String::new();
    for chunk in text.split_ascii_whitespace() {
        if chunk.is_ascii() {
            ascii_surface_words(chunk.as_bytes(), &mut buf, out);
        } else {
            general_surface_words(chunk, out);
        }
    }
}

/// [`read_word`]'s rules on ASCII bytes: letters and digits (lowercased), `.` between
/// digits kept, an apostrophe inside a word dropped, a trailing possessive `'s` removed.
fn ascii_surface_words<S: std::hash::BuildHasher>(
    bytes: &[u8],
    buf: &mut String,
    out: &mut std::collections::HashSet<String, S>,
) {
    let word = |b: u8| b.is_ascii_alphanumeric();
    let mut i = 0;
    while i < bytes.len() {
        if !word(bytes[i]) {
            i += 1;
            continue;
        }
        buf.clear();
        let mut j = i;
        let mut last: Option<u8> = None;
        while j < bytes.len() {
            let b = bytes[j];
            if word(b) {
                buf.push(b.to_ascii_lowercase() as char);
                last = Some(b);
                j += 1;
                continue;
            }
            let next = bytes.get(j + 1).copied();
            let next_is_word = next.is_some_and(word);
            if b == b'.' && last.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.is_ascii_digit()) {
                buf.push('.');
                last = Some(b'.');
                j += 1;
            } else if b == b'\'' && last.is_some() && next_is_word {
                let after_is_word = bytes.get(j + 2).copied().is_some_and(word);
                if next.is_some_and(|n| n.eq_ignore_ascii_case(&b's')) && !after_is_word {
                    j += 2;
                    break;
                }
                j += 1;
            } else {
                break;
            }
        }
        if (2..=30).contains(&buf.len())
            && !buf.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && !out.contains(buf.as_str())
        {
            out.insert(buf.clone());
        }
        i = j.max(i + 1);
    }
}

fn general_surface_words<S: std::hash::BuildHasher>(text: &str, out: &mut std::collections::HashSet<String, S>) {
    SCRATCH.with(|scratch| {
        let mut chars = scratch.borrow_mut();
        normalize(text, &mut chars);
        let mut buf = String::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].script != Script::Word {
                i += 1;
                continue;
            }
            buf.clear();
            let end = read_word(&chars, i, &mut buf);
            let n = buf.chars().count();
            if (2..=30).contains(&n) && !buf.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !out.contains(&buf) {
                out.insert(buf.clone());
            }
            i = end.max(i + 1);
        }
    });
}

/// A test on one normalised character (which run a CJK word is).
type CharTest<'a> = &'a dyn Fn(&NormChar) -> bool;

/// The CJK words of `text`, folded as the analyzer folds them: runs typed in katakana (2 or
/// more characters, a final long vowel dropped as in the index) or in kanji (2 to 8), and
/// Hangul words of 2 or more syllables without a trailing particle. They join the
/// vocabulary, so typeahead completes CJK words and a Latin query word can find its Hangul
/// or katakana form by sound.
pub fn cjk_words<S: std::hash::BuildHasher>(text: &str, out: &mut std::collections::HashSet<String, S>) {
    const MAX_CHARS: usize = 20;
    let mut word = String::new();
    for chunk in text.split_whitespace().filter(|c| !c.is_ascii()) {
        SCRATCH.with(|scratch| {
            let mut chars = scratch.borrow_mut();
            normalize(chunk, &mut chars);
            let mut i = 0;
            while i < chars.len() {
                let katakana = |c: &NormChar| is_kana(c.c) && !c.hira;
                let hangul = |c: &NormChar| ('\u{AC00}'..='\u{D7A3}').contains(&c.c);
                let kanji = |c: &NormChar| c.script == Script::HanKana && !is_kana(c.c) && !c.hira;
                let (is, min, max): (CharTest, usize, usize) = if katakana(&chars[i]) {
                    (&katakana, 2, MAX_CHARS)
                } else if hangul(&chars[i]) {
                    (&hangul, 2, MAX_CHARS)
                } else if kanji(&chars[i]) {
                    (&kanji, 2, 8)
                } else {
                    i += 1;
                    continue;
                };
                let end = (i..chars.len()).find(|&j| !is(&chars[j])).unwrap_or(chars.len());
                word.clear();
                word.extend(chars[i..end].iter().map(|c| c.c));
                if hangul(&chars[i]) {
                    if let Some(p) = KOREAN_PARTICLES.iter().find(|p| word.ends_with(*p) && word.len() - p.len() >= 6) {
                        word.truncate(word.len() - p.len());
                    }
                } else if word.ends_with('ー') && word.chars().count() >= 4 {
                    word.pop();
                }
                let n = word.chars().count();
                if (min..=max).contains(&n) && !out.contains(&word) {
                    out.insert(word.clone());
                }
                i = end;
            }
        });
    }
}

/// True for a precomposed Hangul syllable (`가`–`힣`; not a bare jamo).
pub fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// `text` NFKC-normalised and lowercased, as one string (what search compares).
pub fn normalize_text(text: &str) -> String {
    let mut chars = Vec::new();
    normalize(text, &mut chars);
    chars.into_iter().map(|c| c.c).collect()
}

/// True for Han, Kana and Hangul characters (the scripts searched by bigrams).
pub fn is_cjk(c: char) -> bool {
    matches!(script_of(c), Script::HanKana | Script::Hangul)
}

/// The first alphabetic word of `text`, unstemmed and lowercased (`Passwords` → `passwords`).
pub fn surface_word(text: &str) -> Option<String> {
    let mut chars = Vec::new();
    normalize(text, &mut chars);
    let start = chars.iter().position(|c| c.script == Script::Word)?;
    let mut buf = String::new();
    read_word(&chars, start, &mut buf);
    (!buf.is_empty()).then_some(buf)
}

/// Reads one alphabetic word starting at `start` into `buf`; returns the end index.
///
/// `.` between digits stays inside (`v2.3`, `1.2.0`); an apostrophe inside a word is
/// dropped, and a trailing possessive `'s` is removed.
fn read_word(chars: &[NormChar], start: usize, buf: &mut String) -> usize {
    let mut i = start;
    let mut last: Option<char> = None;
    while i < chars.len() {
        let c = chars[i].c;
        if chars[i].script == Script::Word {
            buf.push(c);
            last = Some(c);
            i += 1;
            continue;
        }
        let next = chars.get(i + 1);
        let next_is_word = next.is_some_and(|n| n.script == Script::Word);
        let joins_version =
            c == '.' && last.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.c.is_ascii_digit());
        let apostrophe = matches!(c, '\'' | '\u{2019}') && last.is_some() && next_is_word;
        if joins_version {
            buf.push('.');
            last = Some('.');
            i += 1;
        } else if apostrophe {
            let after_is_word = chars.get(i + 2).is_some_and(|a| a.script == Script::Word);
            if next.is_some_and(|n| n.c == 's') && !after_is_word {
                // Possessive: "customer's" → "customer".
                return i + 2;
            }
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// Stems the word at `buf[start..]` if it is purely alphabetic ASCII (stemming `v2.3` or
/// `http2` would mangle them), through a per-thread cache: Snowball costs ~150 ns a word.
fn stem_in_place(buf: &mut String, start: usize) {
    {
        let word = &buf[start..];
        if word.len() < 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
            return;
        }
    }
    STEMS.with(|cache| {
        let cached = cache.borrow();
        if let Some(stem) = cached.get(&buf[start..]) {
            if **stem != buf[start..] {
                let stem: &str = stem;
                buf.truncate(start);
                buf.push_str(stem);
            }
            return;
        }
        drop(cached);
        let key: Box<str> = buf[start..].into();
        let stem: Box<str> = STEMMER.with(|s| s.stem(&key).into());
        buf.truncate(start);
        buf.push_str(&stem);
        let mut cache = cache.borrow_mut();
        if cache.len() >= STEM_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, stem);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        analyze(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn english_words_are_lowercased_and_stemmed() {
        assert_eq!(terms("Resetting Passwords"), vec!["reset", "password"]);
        // Twice: the second time comes from the stem cache, same-length stems included.
        for _ in 0..2 {
            assert_eq!(terms("happy policy"), vec!["happi", "polici"]);
        }
    }

    #[test]
    fn possessive_and_apostrophes() {
        assert_eq!(terms("the customer's data, don't"), vec!["the", "custom", "data", "dont"]);
    }

    #[test]
    fn version_strings_are_kept() {
        assert_eq!(terms("upgrade to v2.3 or http2."), vec!["upgrad", "to", "v2.3", "or", "http2"]);
    }

    #[test]
    fn japanese_is_bigrammed_and_offsets_point_into_the_original() {
        let text = "パスワード";
        let tokens = analyze(text);
        let got: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(got, vec!["パス", "スワ", "ワー", "ード"]);
        assert_eq!(&text[tokens[0].from..tokens[0].to], "パス");
        assert!(tokens.iter().all(|t| t.cjk && t.group == 0));
    }

    #[test]
    fn mixed_latin_and_cjk_split_cleanly() {
        assert_eq!(terms("iPhone15で使う"), vec!["iphone15", "デ使", "使ウ"]);
    }

    #[test]
    fn width_variants_normalise() {
        assert_eq!(terms("ＡＢＣ ｶﾀｶﾅ ｶﾞ"), vec!["abc", "カタ", "タカ", "カナ", "ガ"]);
        let t = analyze("ｶﾞｲﾄﾞ");
        assert_eq!(t[0].text, "ガイ");
        assert_eq!(t.last().map(|t| t.to), Some("ｶﾞｲﾄﾞ".len()));
    }

    #[test]
    fn kana_fold_so_typed_variants_meet() {
        // Hiragana typed for a katakana word, with or without the final long vowel.
        assert_eq!(terms("ぱすわーど"), terms("パスワード"));
        assert_eq!(terms("さーびすわーかー"), terms("サービスワーカー"));
        assert_eq!(terms("サーバー"), terms("サーバ"));
        assert_eq!(terms("ウィンドウ"), terms("ウインドウ"));
        // Short words keep their long vowel; a mid-word one stays.
        assert_eq!(terms("キー"), vec!["キー"]);
        assert_eq!(terms("サーバーは"), vec!["サー", "ーバ", "バー", "ーハ"]);
        // Offsets still point into the original text, and the planner learns what was hiragana.
        let t = analyze("パスワードの");
        assert_eq!(t.last().map(|t| (t.hira, &"パスワードの"[t.from..t.to])), Some((2, "ドの")));
    }

    #[test]
    fn one_syllable_korean_stems_are_stacked_in_the_index_only() {
        let index = tokenize_for_index("창을 닫기");
        let texts: Vec<&str> = (0..index.len()).filter_map(|i| index.get(i).map(|t| t.0)).collect();
        assert_eq!(texts, vec!["창을", "창", "닫기"]);
        assert!(index.stacked(1) && !index.stacked(2));
        assert_eq!(terms("창을 닫기"), vec!["창을", "닫기"], "queries plan their own stems");
        assert_eq!(korean_one_syllable_stem(&['아', '이', '콘']), None);
        assert_eq!(korean_one_syllable_stem(&['작', '다', '고']), Some(1), "a predicate stem");
        assert_eq!(korean_one_syllable_stem(&['바', '다']), None, "a noun ending like a predicate");
        let index = tokenize_for_index("너무 작거나");
        let texts: Vec<&str> = (0..index.len()).filter_map(|i| index.get(i).map(|t| t.0)).collect();
        assert_eq!(texts, vec!["너무", "작거", "작", "거나"]);
    }

    #[test]
    fn hangul_runs_are_bigrammed_per_word() {
        assert_eq!(terms("환경 변수"), vec!["환경", "변수"]);
        assert_eq!(terms("환경변수"), vec!["환경", "경변", "변수"]);
    }

    #[test]
    fn analysis_crates_are_pinned_exactly() {
        let manifest = include_str!("../../Cargo.toml");
        for (name, version) in PINNED {
            let pin = format!("{name} = \"={version}\"");
            assert!(manifest.contains(&pin), "Cargo.toml must pin `{pin}`");
        }
        assert_eq!(fingerprint(), fingerprint(), "stable");
    }

    #[test]
    fn surface_words_fast_path_matches_the_general_rules() {
        let text = "Customer's data, don't v2.3 1.2.0 http2 it's O'Brien's x 12345 ok.Then a's end's";
        let mut fast = std::collections::HashSet::new();
        surface_words(text, &mut fast);
        let mut general = std::collections::HashSet::new();
        general_surface_words(text, &mut general);
        assert_eq!(fast, general);
        assert!(fast.contains("customer") && fast.contains("dont") && fast.contains("v2.3") && fast.contains("obrien"));
    }

    #[test]
    fn junk_never_panics() {
        let junk: String = "\"(:*AND)😀\u{0}\u{3099}'s.".repeat(500);
        let _ = analyze(&junk);
        assert!(analyze("😀😀 ⚠️ ---").is_empty());
    }
}
