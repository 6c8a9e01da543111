//! Redaction of personal data from everything the log stores or prints: e-mail addresses,
//! card numbers, phone numbers and long digit runs become placeholders, control characters
//! go. The text is NFKC-folded first, so what a Japanese IME types by default (`＠`, `－`,
//! full-width digits) is caught like ASCII, and any dash-like character (en/em dash, minus,
//! katakana `ー`), slash, underscore, dot, space or bracket counts as a separator between
//! digits.

use std::sync::OnceLock;

use regex::{Captures, Regex};
use unicode_normalization::UnicodeNormalization;

/// Characters that may separate the digit groups of a phone or card number.
const SEPARATORS: &str = r"[\s.\-‐‑‒–—―−ー_/()]";

struct Patterns {
    email: Regex,
    card: Regex,
    phone: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("built-in pattern {p}: {e}"));
        Patterns {
            // Unicode letters on both sides (IDN addresses), `@` typed as `%40` too.
            email: re(r"(?i)[\p{L}\p{N}._%+\-]+(?:@|%40)[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+"),
            card: re(&format!(r"\d(?:{SEPARATORS}{{0,3}}\d){{12,18}}")),
            // 6+ digits, separators between, an optional leading +: a phone number, or
            // a fragment of one as typed (`010-123`).
            phone: re(&format!(r"\+?\(?\d(?:{SEPARATORS}*\d){{5,}}")),
        }
    })
}

/// True for a digit string passing the Luhn check (card numbers do).
fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d })
        .sum();
    digits.len() >= 13 && sum.is_multiple_of(10)
}

/// An ISO date (`2026-11-30`) is not a phone number.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Replaces e-mail addresses, card numbers, phone numbers and any 6+ digits in a row (with
/// or without separators) with
/// placeholders after NFKC folding, and bounds the length.
pub fn redact(text: &str, max_chars: usize) -> String {
    let folded: String = text.nfkc().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let mut out = folded.trim().to_owned();
    let p = patterns();
    if p.email.is_match(&out) {
        out = p.email.replace_all(&out, "[email]").into_owned();
    }
    if p.card.is_match(&out) {
        out = p
            .card
            .replace_all(&out, |c: &Captures| {
                let digits: Vec<u32> = c[0].chars().filter_map(|ch| ch.to_digit(10)).collect();
                if luhn(&digits) { "[card]".to_owned() } else { c[0].to_owned() }
            })
            .into_owned();
    }
    if p.phone.is_match(&out) {
        out = p
            .phone
            .replace_all(&out, |c: &Captures| {
                let m = &c[0];
                if is_date(m) {
                    m.to_owned()
                } else if m.chars().all(|ch| ch.is_ascii_digit()) {
                    "[number]".to_owned()
                } else {
                    "[phone]".to_owned()
                }
            })
            .into_owned();
    }
    match out.char_indices().nth(max_chars) {
        Some((i, _)) => out[..i].to_owned(),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_emails_phones_and_digit_runs() {
        assert_eq!(redact("reset for jane.doe+x@example.co.jp please", 256), "reset for [email] please");
        assert_eq!(redact("call me +1 (555) 123-4567", 256), "call me [phone]");
        assert_eq!(redact("order 12345678 missing", 256), "order [number] missing");
        assert_eq!(redact("call me 010-123", 256), "call me [phone]", "a phone number half typed");
        assert_eq!(redact("card 4111", 256), "card 4111", "short numbers stay");
        assert_eq!(redact("error TL-1003", 256), "error TL-1003");
        assert_eq!(redact("v2.3 upgrade", 256), "v2.3 upgrade");
        assert_eq!(redact("broken since 2026-11-30", 256), "broken since 2026-11-30");
        assert_eq!(redact(&"a".repeat(500), 256).len(), 256);
    }

    #[test]
    fn full_width_idn_and_encoded_addresses() {
        assert_eq!(redact("ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", 256), "[email]");
        assert_eq!(redact("連絡 山田@例え.日本 まで", 256), "連絡 [email] まで");
        assert_eq!(redact("jane.doe%40example.com", 256), "[email]");
        assert_eq!(redact("JANE%40EXAMPLE.COM", 256), "[email]");
    }

    #[test]
    fn phones_with_any_separator() {
        for phone in [
            "090-1234-5678",
            "０９０－１２３４－５６７８",
            "090ー1234ー5678",
            "010–1234–5678",
            "010 1234 5678",
            "02/123/4567",
            "03_1234_5678",
            "+81 90 1234 5678",
            "+82-10-1234-5678",
            "(03) 1234−5678",
        ] {
            assert_eq!(redact(&format!("call {phone} now"), 256), "call [phone] now", "{phone}");
        }
    }

    #[test]
    fn card_numbers_luhn_checked_with_any_separator() {
        for card in
            ["4111 1111 1111 1111", "4111-1111-1111-1111", "４１１１１１１１１１１１１１１１", "5500 0000 0000 0004"]
        {
            assert_eq!(redact(&format!("charged {card} twice"), 256), "charged [card] twice", "{card}");
        }
        // Not a card (Luhn fails) but still a long digit run: never stored.
        assert_eq!(redact("ref 4111 1111 1111 1112", 256), "ref [phone]");
        assert_eq!(redact("ref 4111111111111112", 256), "ref [number]");
    }
}
