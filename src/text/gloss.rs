//! Glosses: a term followed by its equivalent in another script in parentheses, as
//! Korean and Japanese technical writing does (`총 차단 시간(TBT)`, `폴리필(polyfill)`,
//! `サービスワーカー（Service Worker）`, `Web Authentication(웹 인증)`). Each is a pair the
//! writer stated; search uses them as loanword pairs.

use super::analyze::{KOREAN_PARTICLES, is_cjk, is_hangul_syllable, normalize_text};

/// A CJK term and the Latin term it was glossed with (both normalised, lowercase).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gloss {
    /// The Hangul, kana or kanji side.
    pub cjk: String,
    /// The Latin side.
    pub latin: String,
}

/// Longest text inside the parentheses considered (characters).
const MAX_INNER: usize = 40;
/// Most words on either side.
const MAX_WORDS: usize = 4;
/// Most glosses taken from one text.
const MAX_GLOSSES: usize = 64;

/// The glosses of `text`.
pub fn glosses(text: &str) -> Vec<Gloss> {
    let mut out: Vec<Gloss> = Vec::new();
    let opens = text.match_indices(['(', '（']).map(|(i, m)| (i, m.len()));
    for (open, len) in opens {
        if out.len() >= MAX_GLOSSES {
            break;
        }
        let after = &text[open + len..];
        let Some(close) = after.char_indices().take(MAX_INNER + 1).find(|(_, c)| matches!(c, ')' | '）')) else {
            continue;
        };
        let inner = after[..close.0].trim();
        let spaced = text[..open].ends_with(char::is_whitespace);
        let before = text[..open].trim_end();
        // `… 확인하세요 (see below)`: with a space, only a one-word term counts as a gloss.
        let gloss = if is_latin_term(inner) && !(spaced && inner.contains(' ')) {
            let acronym = is_acronym(inner);
            let n = if acronym { inner.len() } else { inner.split_whitespace().count() };
            // An acronym glosses a phrase: one Korean word before `(DSP)` is rarely all of it.
            let enough = |cjk: &String| !acronym || cjk.contains(' ') || !cjk.chars().any(is_hangul_syllable);
            cjk_tail(before, n).filter(enough).map(|cjk| Gloss { cjk, latin: inner.to_ascii_lowercase() })
        } else if inner.chars().any(is_cjk)
            && inner.chars().all(|c| is_cjk(c) || c == ' ')
            && inner.split_whitespace().count() <= MAX_WORDS
            && !sentence_like(inner)
        {
            // Many words or a sentence in the parentheses are an aside (`（現時点では草案です）`),
            // not a term.
            let n = inner.split_whitespace().count();
            latin_tail(before, n).map(|latin| Gloss { cjk: normalize_text(inner), latin })
        } else {
            None
        };
        if let Some(g) = gloss.filter(|g| g.cjk.chars().count() >= 2 && !out.contains(g)) {
            out.push(g);
        }
    }
    out
}

fn is_latin_term(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-' | b'.'))
        && s.split_whitespace().count() <= MAX_WORDS
}

fn is_hiragana(c: char) -> bool {
    ('\u{3040}'..='\u{309F}').contains(&c)
}

/// True for Japanese that reads as a sentence: three hiragana in a row or a copula
/// (`では`, `です`, `ます`). A term's okurigana are shorter (`払い戻し`, `問い合わせ`).
fn sentence_like(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if is_hiragana(c) { run + 1 } else { 0 };
        if run >= 3 {
            return true;
        }
    }
    ["では", "です", "ます"].iter().any(|w| text.contains(w))
}

fn is_acronym(s: &str) -> bool {
    (2..=6).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// The CJK term just before a Latin gloss: up to `n` Korean words (never across a word
/// that ends in a particle, which belongs to the sentence, not the term), or the run of
/// kanji and katakana before it in Japanese (hiragana ends it).
fn cjk_tail(before: &str, n: usize) -> Option<String> {
    let last = before.chars().next_back()?;
    if !is_cjk(last) {
        return None;
    }
    if is_hangul_syllable(last) {
        let mut words: Vec<&str> = Vec::new();
        for word in before.rsplit(' ') {
            if words.len() >= n.clamp(1, MAX_WORDS) || word.is_empty() || !word.chars().all(is_hangul_syllable) {
                break;
            }
            if !words.is_empty() && KOREAN_PARTICLES.iter().any(|p| word.ends_with(p)) {
                break;
            }
            // A sentence ending (`…합니다`, `…하세요`, `…함`) is no term.
            if words.is_empty() && word.ends_with(['다', '요', '함', '됨', '음']) {
                return None;
            }
            words.push(word);
        }
        words.reverse();
        return (!words.is_empty()).then(|| normalize_text(&words.join(" ")));
    }
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_cjk(*c) && !('\u{3040}'..='\u{309F}').contains(c))
        .last()
        .map(|(i, _)| i)?;
    Some(normalize_text(&before[start..]))
}

/// The Latin term just before a CJK gloss: up to `n` words, stopping at punctuation.
fn latin_tail(before: &str, n: usize) -> Option<String> {
    let mut words: Vec<&str> = Vec::new();
    for word in before.rsplit(' ') {
        if words.len() >= n.clamp(1, MAX_WORDS) || !is_latin_term(word) || word.contains('.') {
            break;
        }
        words.push(word);
    }
    words.reverse();
    (!words.is_empty()).then(|| words.join(" ").to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        glosses(text).into_iter().map(|g| (g.cjk, g.latin)).collect()
    }

    #[test]
    fn korean_and_japanese_glosses() {
        let p = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(pairs("이 값은 총 차단 시간(TBT)으로 측정합니다."), vec![p("총 차단 시간", "tbt")]);
        assert_eq!(pairs("브라우저의 폴리필(polyfill)을 씁니다"), vec![p("폴리필", "polyfill")]);
        assert_eq!(pairs("検索エンジン最適化（SEO）について"), vec![p("検索エンジン最適化", "seo")]);
        assert_eq!(pairs("Web Authentication(웹 인증)을 켭니다"), vec![p("웹 인증", "web authentication")]);
        // The word with a particle before the term is the sentence's, not the term's.
        assert_eq!(pairs("개발자는 사용자 에이전트(UA) 문자열을"), vec![p("사용자 에이전트", "ua")]);
    }

    #[test]
    fn ordinary_parentheses_are_not_glosses() {
        assert!(pairs("설정(필수)을 확인하세요 (see below) f(x)").is_empty());
        assert!(
            pairs("수요측 플랫폼(DSP)").len() == 1 && pairs("플랫폼(DSP)").is_empty(),
            "an acronym glosses a phrase"
        );
        assert!(pairs("로그인이라고도 함(ID)").is_empty());
        // A sentence in the parentheses after a Latin word is an aside, not its translation.
        assert!(
            pairs("API（現時点では草案です）").is_empty()
                && pairs("id(사용자가 타사 서비스를 통해 웹사이트에 로그인할 수 있는 경우)").is_empty()
        );
        assert_eq!(pairs("Cookie（クッキー）"), vec![("クッキー".to_owned(), "cookie".to_owned())]);
        assert_eq!(
            pairs("Refund（払い戻し）"),
            vec![("払イ戻シ".to_owned(), "refund".to_owned())],
            "okurigana (folded as search folds it)"
        );
        assert!(pairs("unclosed (TBT and more text that goes on and on and on and on").is_empty());
    }
}
