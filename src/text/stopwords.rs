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

/// True when the analysed Latin token is a stop word.
pub fn is_stop_word(token: &str) -> bool {
    stop_words().contains(token)
}
