//! Redaction of personal data from everything the log stores or prints: e-mail addresses,
//! phone numbers and long digit runs become placeholders, control characters go.

use std::sync::OnceLock;

use regex::Regex;

fn patterns() -> &'static [(Regex, &'static str); 3] {
    static P: OnceLock<[(Regex, &'static str); 3]> = OnceLock::new();
    P.get_or_init(|| {
        let re = |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("built-in pattern {p}: {e}"));
        [
            (re(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"), "[email]"),
            // Phone numbers: 7+ digits with spaces, dots, dashes or brackets between, optional +.
            (re(r"\+?\(?\d(?:[\s.\-()]*\d){6,}"), "[phone]"),
            (re(r"\d{6,}"), "[number]"),
        ]
    })
}

/// Replaces e-mail addresses, phone numbers and digit runs of 6+ with placeholders, and
/// bounds the length.
pub fn redact(text: &str, max_chars: usize) -> String {
    // Control characters (NUL included) carry nothing a report needs.
    let mut out: String = text.trim().chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    for (re, placeholder) in patterns() {
        if re.is_match(&out) {
            out = re.replace_all(&out, *placeholder).into_owned();
        }
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
        assert_eq!(redact("order 12345678 missing", 256), "order [phone] missing");
        assert_eq!(redact("card 4111", 256), "card 4111", "short numbers stay");
        assert_eq!(redact("error TL-1003", 256), "error TL-1003");
        assert_eq!(redact("v2.3 upgrade", 256), "v2.3 upgrade");
        assert_eq!(redact(&"a".repeat(500), 256).len(), 256);
    }
}
