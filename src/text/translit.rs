//! Sound keys: how a word sounds, reduced to its consonants, so a loanword written in
//! Hangul or katakana meets its Latin original (`웹트랜스포트`, `ウェブトランスポート` and
//! `webtransport` all key to `PTRNSPT`).
//!
//! Each script is read the way loanwords are borrowed into Korean and Japanese: vowels are
//! dropped (they shift between languages and the epenthetic `으`/`ウ` has none in the
//! original), voicing is ignored (`b`/`p`, `d`/`t`), `l` and `r` are one sound, the
//! sibilants and affricates (`s z j ch sh`) are one, an `r` closing an English syllable is
//! silent (`port` → `포트`), `h` is left out (silent or part of a digraph in English,
//! `ㅎ`/`ハ` only sometimes), and repeated consonants count once. What is left is compared
//! with a small edit budget; see [`similar`].

/// Consonant classes of the key.
const P: u8 = b'P';
const T: u8 = b'T';
const K: u8 = b'K';
const S: u8 = b'S';
const N: u8 = b'N';
const M: u8 = b'M';
const R: u8 = b'R';
/// `h`: left out of keys.
const H: u8 = 0;

/// The sound key of one word in Latin letters, Hangul or katakana (as the analyzer
/// normalises them: lowercase, kana folded), or `None` for mixed or other scripts.
pub fn sound_key(word: &str) -> Option<String> {
    let key = if word.bytes().all(|b| b.is_ascii_alphabetic()) {
        latin(&word.to_ascii_lowercase())
    } else if word.chars().all(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)) {
        hangul(word)
    } else if word.chars().all(|c| ('\u{30A1}'..='\u{30FC}').contains(&c)) {
        kana(word)
    } else {
        return None;
    };
    let mut key = key;
    key.dedup();
    (!key.is_empty()).then(|| String::from_utf8(key).unwrap_or_default())
}

/// Keys this long or longer may differ by one edit; shorter ones must be equal.
const ONE_EDIT_FROM: usize = 4;
/// Shortest key compared at all: two consonants say too little.
pub const MIN_KEY: usize = 3;

/// True when two sound keys are close enough to be the same word: the same first sound,
/// equal when short, one edit apart from [`ONE_EDIT_FROM`] consonants on the shorter.
pub fn similar(a: &str, b: &str) -> bool {
    let shorter = a.len().min(b.len());
    if shorter < MIN_KEY || a.as_bytes()[0] != b.as_bytes()[0] {
        return false;
    }
    let budget = usize::from(shorter >= ONE_EDIT_FROM);
    super::typo::within_typos(a, b, budget)
}

/// True when a word looks borrowed: any katakana word, or a Hangul word of 3 or more
/// syllables with a bare `ㅡ` syllable after a stop or sibilant (`트`, `스`, `드`, `크`,
/// `프`: the vowel Korean adds to a foreign consonant cluster, rare in native words, where
/// `느`, `르`, `흐` are common).
pub fn loan_shaped(word: &str) -> bool {
    let hangul: Vec<u32> = word.chars().filter_map(|c| (c as u32).checked_sub(0xAC00).filter(|s| *s < 11172)).collect();
    if hangul.is_empty() {
        return word.chars().all(|c| ('\u{30A1}'..='\u{30FC}').contains(&c));
    }
    hangul.len() == word.chars().count()
        && hangul.len() >= 3
        && hangul
            .iter()
            .any(|s| matches!(s / 588, 0 | 3 | 7 | 9 | 12 | 14 | 15 | 16 | 17) && (s % 588) / 28 == 18 && s % 28 == 0)
}

/// True when a Latin word's length fits a borrowed form of `chars` characters (a Hangul
/// syllable or kana spells one to three Latin letters): `lets` is no `라이트하우스`.
pub fn lengths_fit(latin_letters: usize, chars: usize) -> bool {
    let (l, c) = (latin_letters as f32, chars as f32);
    l >= c && l <= 3.2 * c
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'w')
}

fn latin(w: &str) -> Vec<u8> {
    let b = w.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = at(i + 1);
        let prev = if i > 0 { b[i - 1] } else { 0 };
        // Digraphs and clusters first.
        let rest = &w[i..];
        if rest.starts_with("tion") || rest.starts_with("sion") {
            out.extend([S, N]);
            i += 4;
            continue;
        }
        match (c, next) {
            (b'p', b'h') => {
                out.push(P);
                i += 2;
                continue;
            }
            (b'g', b'h') => {
                // Silent after a vowel (`light`), hard at the start (`ghost`).
                if i == 0 {
                    out.push(K);
                }
                i += 2;
                continue;
            }
            (b's' | b'c', b'h') => {
                out.push(S);
                i += 2;
                continue;
            }
            (b't', b'h') => {
                out.push(T);
                i += 2;
                continue;
            }
            (b'c', b'k') => {
                out.push(K);
                i += 2;
                continue;
            }
            (b'n', b'g') if !is_vowel(at(i + 2)) => {
                out.push(N);
                i += 2;
                continue;
            }
            _ => {}
        }
        match c {
            c if is_vowel(c) => {}
            b'b' | b'p' | b'f' | b'v' => out.push(P),
            b't' | b'd' => out.push(T),
            b'k' | b'q' => out.push(K),
            b'c' => out.push(if matches!(next, b'e' | b'i' | b'y') { S } else { K }),
            b'g' => out.push(if matches!(next, b'i' | b'y') || (next == b'e' && i + 2 == b.len()) { S } else { K }),
            b'x' => out.extend([K, S]),
            b's' | b'z' | b'j' => out.push(S),
            b'n' => out.push(N),
            b'm' => out.push(M),
            b'l' => out.push(R),
            // An r closing a syllable is not pronounced in the borrowed form (`port` → 포트).
            b'r' if is_vowel(prev) && !is_vowel(next) => {}
            b'r' => out.push(R),
            _ => {}
        }
        i += 1;
    }
    out
}

/// Initial consonants of Hangul syllables (ㄱ ㄲ ㄴ ㄷ ㄸ ㄹ ㅁ ㅂ ㅃ ㅅ ㅆ ㅇ ㅈ ㅉ ㅊ ㅋ ㅌ ㅍ ㅎ).
const INITIAL: [u8; 19] = [K, K, N, T, T, R, M, P, P, S, S, 0, S, S, S, K, T, P, H];
/// Final consonants (none, ㄱ ㄲ ㄳ ㄴ ㄵ ㄶ ㄷ ㄹ ㄺ ㄻ ㄼ ㄽ ㄾ ㄿ ㅀ ㅁ ㅂ ㅄ ㅅ ㅆ ㅇ ㅈ ㅊ ㅋ ㅌ ㅍ ㅎ);
/// a final ㅅ is the t of loanwords (`넷`), a final ㅇ the ng.
const FINAL: [&[u8]; 28] = [
    &[],
    &[K],
    &[K],
    &[K, S],
    &[N],
    &[N, S],
    &[N],
    &[T],
    &[R],
    &[R, K],
    &[R, M],
    &[R, P],
    &[R, S],
    &[R, T],
    &[R, P],
    &[R],
    &[M],
    &[P],
    &[P, S],
    &[T],
    &[T],
    &[N],
    &[S],
    &[S],
    &[K],
    &[T],
    &[P],
    &[],
];

fn hangul(w: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(w.len());
    for c in w.chars() {
        let s = c as u32 - 0xAC00;
        let initial = INITIAL[(s / 588) as usize];
        // 0: ㅇ (no sound) or ㅎ (left out).
        if initial != 0 {
            out.push(initial);
        }
        out.extend_from_slice(FINAL[(s % 28) as usize]);
    }
    out
}

fn kana(w: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(w.len());
    for c in w.chars() {
        let class = match c {
            'カ' | 'キ' | 'ク' | 'ケ' | 'コ' | 'ガ' | 'ギ' | 'グ' | 'ゲ' | 'ゴ' => K,
            'サ' | 'シ' | 'ス' | 'セ' | 'ソ' | 'ザ' | 'ジ' | 'ズ' | 'ゼ' | 'ゾ' | 'チ' | 'ヂ' | 'ヅ' => S,
            'タ' | 'テ' | 'ト' | 'ダ' | 'デ' | 'ド' | 'ツ' => T,
            'ナ' | 'ニ' | 'ヌ' | 'ネ' | 'ノ' | 'ン' => N,
            'ハ' | 'ヒ' | 'ヘ' | 'ホ' => H,
            'フ' | 'ヴ' | 'バ' | 'ビ' | 'ブ' | 'ベ' | 'ボ' | 'パ' | 'ピ' | 'プ' | 'ペ' | 'ポ' => P,
            'マ' | 'ミ' | 'ム' | 'メ' | 'モ' => M,
            'ラ' | 'リ' | 'ル' | 'レ' | 'ロ' => R,
            _ => 0,
        };
        if class != H {
            out.push(class);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(w: &str) -> String {
        sound_key(w).unwrap_or_default()
    }

    #[test]
    fn loanwords_key_like_their_originals() {
        for (latin, borrowed) in [
            ("webtransport", "웹트랜스포트"),
            ("webtransport", "ウエブトランスポート"),
            ("lighthouse", "라이트하우스"),
            ("lighthouse", "ライトハウス"),
            ("webassembly", "웹어셈블리"),
            ("slack", "슬랙"),
            ("serviceworker", "서비스워커"),
            ("serviceworker", "サービスワーカ"),
            ("internet", "인터넷"),
        ] {
            assert!(similar(&key(latin), &key(borrowed)), "{latin} {} ~ {borrowed} {}", key(latin), key(borrowed));
        }
        assert!(similar(&key("devtools"), &key("デブツール")), "one edit from four consonants");
        assert_eq!(key("google"), key("구글"));
        assert!(!similar(&key("google"), &key("구글")), "two consonants are too few to guess from");
    }

    #[test]
    fn borrowed_shapes() {
        assert!(loan_shaped("라이트하우스") && loan_shaped("웹트랜스포트") && loan_shaped("デブツール"));
        assert!(!loan_shaped("다름") && !loan_shaped("비밀번호") && !loan_shaped("설정하기") && !loan_shaped("느려짐"));
        assert!(lengths_fit("lighthouse".len(), 6) && !lengths_fit("lets".len(), 6));
    }

    #[test]
    fn unrelated_words_do_not_meet() {
        for (latin, word) in
            [("serious", "설정"), ("password", "비밀번호"), ("cookie", "쿠키"), ("settings", "セキュリティ")]
        {
            assert!(!similar(&key(latin), &key(word)), "{latin} {} vs {word} {}", key(latin), key(word));
        }
        assert_eq!(sound_key("v2"), None);
        assert_eq!(sound_key("漢字"), None);
    }
}
