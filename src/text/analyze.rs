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
//! 3. CJK runs (Han + Kana, or Hangul) cut into overlapping bigrams, Lucene CJKAnalyzer
//!    style; a run of one character becomes a unigram.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{canonical_combining_class, compose};

/// The crates that decide what this analyzer emits, pinned exactly in `Cargo.toml`: a
/// different stemmer or normalizer would cut queries differently from the index on disk.
pub const PINNED: &[(&str, &str)] = &[("frostem", "1.20260821.8"), ("unicode-normalization", "0.1.26")];

/// Bump when this module's own rules change what it emits.
const RULES_VERSION: u32 = 1;

/// A text that exercises every rule: stemming, possessives, versions, width folding,
/// half-width kana, Han/Kana and Hangul bigrams.
const SAMPLE: &str = "Resetting the customer's Passwords v2.3 ＲＥＦＵＮＤ ｶﾞｲﾄﾞ パスワードの再設定 비밀번호재설정 running nationalization";

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
            let c = original.to_ascii_lowercase();
            out.push(NormChar { c, script: script_of(c), from, to });
            continue;
        }
        for nfkc in std::iter::once(original).nfkc() {
            if canonical_combining_class(nfkc) != 0 || matches!(nfkc, '\u{3099}' | '\u{309A}') {
                if let Some(prev) = out.last_mut()
                    && let Some(composed) = compose(prev.c, nfkc)
                {
                    prev.c = composed;
                    prev.script = script_of(composed);
                    prev.to = to;
                    continue;
                }
                // A stray combining mark carries no searchable meaning on its own.
                continue;
            }
            for lower in nfkc.to_lowercase() {
                out.push(NormChar { c: lower, script: script_of(lower), from, to });
            }
        }
    }
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
}

/// Cuts `text` into tokens exactly as the index does.
pub fn analyze(text: &str) -> Vec<RawToken> {
    let tokens = tokenize(text);
    tokens
        .spans
        .iter()
        .map(|s| RawToken { text: tokens.text(s).to_owned(), from: s.from, to: s.to, cjk: s.cjk, group: s.group })
        .collect()
}

/// Cuts `text` into tokens without a per-token allocation (what the index adapter uses).
pub fn tokenize(text: &str) -> Tokens {
    SCRATCH.with(|scratch| {
        let mut chars = scratch.borrow_mut();
        normalize(text, &mut chars);
        let mut tokens = Tokens { buf: String::with_capacity(text.len() + text.len() / 2), spans: Vec::new() };
        cut(&chars, &mut tokens);
        tokens
    })
}

fn cut(chars: &[NormChar], tokens: &mut Tokens) {
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
                let run = &chars[i..end];
                if run.len() == 1 {
                    let start = tokens.buf.len();
                    tokens.buf.push(run[0].c);
                    let end = tokens.buf.len();
                    tokens.spans.push(Span { start, end, from: run[0].from, to: run[0].to, cjk: true, group });
                } else {
                    for pair in run.windows(2) {
                        let start = tokens.buf.len();
                        tokens.buf.push(pair[0].c);
                        tokens.buf.push(pair[1].c);
                        let end = tokens.buf.len();
                        tokens.spans.push(Span { start, end, from: pair[0].from, to: pair[1].to, cjk: true, group });
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
        assert_eq!(terms("iPhone15で使う"), vec!["iphone15", "で使", "使う"]);
    }

    #[test]
    fn width_variants_normalise() {
        assert_eq!(terms("ＡＢＣ ｶﾀｶﾅ ｶﾞ"), vec!["abc", "カタ", "タカ", "カナ", "ガ"]);
        let t = analyze("ｶﾞｲﾄﾞ");
        assert_eq!(t[0].text, "ガイ");
        assert_eq!(t.last().map(|t| t.to), Some("ｶﾞｲﾄﾞ".len()));
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
