//! Stop words: words that carry no topic (`how do i`), in analysed form. Search lets them
//! add score but never requires them; grouping keys and keyword reports leave them out.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::analyze::analyze;

/// English stop words (Lucene's list plus question words), in analysed (stemmed) form.
fn stop_words() -> &'static HashSet<String> {
    static STOP: OnceLock<HashSet<String>> = OnceLock::new();
    STOP.get_or_init(|| {
        let words = "a an and are as at be but by for if in into is it no not of on or such that the their then \
                     there these they this to was will with i me my we our you your do does did how what when where \
                     why which who can could should would about from has have had get";
        words.split_whitespace().flat_map(analyze).map(|t| t.text).collect()
    })
}

/// Korean and Japanese words that ask rather than say what about (`방법` "how to", `너무`
/// "too", `理由` "why"), in the analyzer's folded form (kana as katakana). A query word is
/// compared whole, after its particles and endings are stripped.
fn cjk_stop_words() -> &'static HashSet<String> {
    static STOP: OnceLock<HashSet<String>> = OnceLock::new();
    STOP.get_or_init(|| {
        let words = "방법 이유 어떻게 왜 뭐 무엇 너무 때문 안 못 좀 잘 더 또 그냥 계속 자꾸 매번 항상 정말 진짜                      가장 제일 아주 매우 다시 이제 지금 어디 언제 하는 하나요 되나요 있나요 되 있 없 하 같 없이 위해 위한 통해 대해 대한 관련 경우 나옴 나와요                      方法 やり方 仕方 理由 なぜ どう どうやって 何 とは について ため 場合";
        words.split_whitespace().map(super::analyze::normalize_text).collect()
    })
}

/// True when a CJK query word (its characters, folded) only asks how, why or how much.
pub fn is_cjk_stop_word(word: &str) -> bool {
    cjk_stop_words().contains(word)
}

/// True when the analysed Latin token is a stop word.
pub fn is_stop_word(token: &str) -> bool {
    stop_words().contains(token)
}
