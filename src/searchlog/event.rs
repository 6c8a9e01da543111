//! What the search log records, and the privacy rules applied before anything is stored:
//! e-mail addresses, phone numbers and long digit runs are redacted from queries and
//! comments, and no IP address or user agent is ever part of an event.

use serde::Serialize;

use crate::text::analyze::analyze;
pub use crate::text::redact::redact;
use crate::text::stopwords::is_stop_word;

/// Where a search came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The results page.
    Page,
    /// `/api/search`.
    Api,
    /// The search box's suggestions.
    Typeahead,
}

impl Source {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Page => "page",
            Source::Api => "api",
            Source::Typeahead => "typeahead",
        }
    }

    /// The source named `name` ([`Self::as_str`]), if it is one: for stored rows, import
    /// lines and report filters alike.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "page" => Some(Source::Page),
            "api" => Some(Source::Api),
            "typeahead" => Some(Source::Typeahead),
            _ => None,
        }
    }
}

/// A search as typed (redacted) and what it found.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchEvent {
    /// Random id; clicks and feedback refer to it.
    pub id: String,
    /// Unix seconds.
    pub at: i64,
    /// Locale searched.
    pub locale: String,
    /// The query, redacted.
    pub query: String,
    /// The query as typed, before redaction: kept in memory only, so that collapsing
    /// keystrokes compares what was typed (a prefix such as `jane.doe@example.` is not yet
    /// an address, the final query is). Never written anywhere.
    pub typed: String,
    /// Grouping key ([`normalize`]).
    pub normalized: String,
    /// Number of results.
    pub results: i64,
    /// The results came from a typo-corrected query.
    pub corrected: bool,
    /// Page, API or typeahead.
    pub source: Source,
    /// Anonymous visit id.
    pub visit: String,
    /// A typeahead suggestion was chosen.
    pub suggestion_chosen: bool,
}

impl SearchEvent {
    /// A search as it happens now: the query redacted, its grouping key computed.
    pub fn new(query: &str, locale: &str, results: usize, corrected: bool, source: Source, visit: String) -> Self {
        let redacted = redact(query, MAX_QUERY_CHARS);
        Self {
            id: search_id(now_millis()),
            at: now(),
            locale: locale.to_owned(),
            normalized: normalize(&redacted),
            query: redacted,
            typed: query.trim().to_owned(),
            results: results as i64,
            corrected,
            source,
            visit,
            suggestion_chosen: false,
        }
    }
}

/// A click on a result (or a chosen suggestion).
#[derive(Debug, Clone, PartialEq)]
pub struct ClickEvent {
    /// Unix seconds.
    pub at: i64,
    /// The search it belongs to.
    pub search_id: String,
    /// Article clicked.
    pub slug: String,
    /// 1-based position in the results.
    pub position: i64,
    /// `result` or `suggestion`.
    pub kind: String,
    /// Anonymous visit id.
    pub visit: String,
}

/// "Was this helpful?"
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackEvent {
    /// Unix seconds.
    pub at: i64,
    /// Article locale.
    pub locale: String,
    /// Article slug.
    pub slug: String,
    /// Yes or no.
    pub helpful: bool,
    /// Short reason (redacted, bounded).
    pub reason: Option<String>,
    /// Comment (redacted, bounded).
    pub comment: Option<String>,
    /// Satisfaction 1–10.
    pub score: Option<i64>,
    /// The search that led to the article.
    pub search_id: Option<String>,
    /// Anonymous visit id.
    pub visit: String,
}

/// The visitor chose "contact support".
#[derive(Debug, Clone, PartialEq)]
pub struct ContactEvent {
    /// Unix seconds.
    pub at: i64,
    /// Page locale.
    pub locale: String,
    /// The search before it.
    pub search_id: Option<String>,
    /// The article before it.
    pub slug: Option<String>,
    /// The last query (redacted).
    pub query: Option<String>,
    /// Anonymous visit id.
    pub visit: String,
}

/// An article was read.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewEvent {
    /// Unix seconds.
    pub at: i64,
    /// Article locale.
    pub locale: String,
    /// Article slug.
    pub slug: String,
    /// The search that led there.
    pub search_id: Option<String>,
    /// Anonymous visit id.
    pub visit: String,
}

/// Anything the log stores.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A search.
    Search(SearchEvent),
    /// A result click.
    Click(ClickEvent),
    /// A helpfulness vote.
    Feedback(FeedbackEvent),
    /// A contact request.
    Contact(ContactEvent),
    /// An article view.
    View(ViewEvent),
}

/// Longest stored query, reason and comment (characters).
pub const MAX_QUERY_CHARS: usize = 256;
/// Longest stored reason.
pub const MAX_REASON_CHARS: usize = 100;
/// Longest stored comment.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// The grouping key of a query: analysed like search (NFKC, case folding, stemming, CJK
/// bigrams), stop words dropped unless nothing else is left, terms sorted and deduplicated.
/// `Refunds`, `refund ` and `ｒｅｆｕｎｄ` share a key; so do `refund status` and `status refund`.
pub fn normalize(query: &str) -> String {
    let tokens: Vec<String> = analyze(query).into_iter().map(|t| t.text).collect();
    let content: Vec<&String> = tokens.iter().filter(|t| !is_stop_word(t)).collect();
    let mut terms: Vec<&str> = if content.is_empty() {
        tokens.iter().map(String::as_str).collect()
    } else {
        content.into_iter().map(String::as_str).collect()
    };
    terms.sort_unstable();
    terms.dedup();
    terms.join(" ")
}

/// True for the 32-hex-digit ids [`random_id`] makes (searches, visits).
pub fn is_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// True for an article slug (what a click, vote or view may name).
pub fn valid_slug(slug: &str) -> bool {
    !slug.is_empty() && slug.len() <= 200 && slug.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A random id (16 bytes, hex) for visits and journals.
pub fn random_id() -> String {
    random_hex::<16>()
}

/// `N` random bytes in hex.
fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    if getrandom::fill(&mut bytes).is_err() {
        // Extremely unlikely; fall back to time + counter, still unique per process.
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let unique = format!("{n:016x}{:016x}", now());
        return unique[..2 * N].to_owned();
    }
    hex(&bytes)
}

/// `bytes` in lowercase hex, in one allocation.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * bytes.len());
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// A search id that begins with its time (12 hex digits of Unix milliseconds, then 80
/// random bits; 32 hex digits like [`random_id`]): new searches land at the end of the
/// `searches` primary-key index instead of on a random page of it, so a 10-million-row
/// log keeps its writes (and the clicks that update recent searches) in a few hot pages.
/// The time it shows is stored beside it anyway.
pub fn search_id(at_millis: i64) -> String {
    let mut id = format!("{:012x}", at_millis.clamp(0, 0xFFFF_FFFF_FFFF));
    id.push_str(&random_hex::<10>());
    id
}

/// Unix milliseconds now.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_ids_sort_by_time_and_stay_unique() {
        let earlier = search_id(1_764_000_000_000);
        let later = search_id(1_764_000_000_001);
        assert!(is_id(&earlier) && is_id(&later), "{earlier} {later}");
        assert!(earlier < later, "ids sort by time: {earlier} {later}");
        assert!(earlier.starts_with("019ab"), "{earlier}");
        assert_ne!(search_id(5), search_id(5), "the same millisecond still gives distinct ids");
        let before = now_millis();
        let id = SearchEvent::new("q", "en", 1, false, Source::Page, random_id()).id;
        let stamped = i64::from_str_radix(&id[..12], 16).expect("hex");
        assert!((before..=now_millis()).contains(&stamped), "{id} carries the time it was made");
    }

    #[test]
    fn normalization_groups_variants() {
        assert_eq!(normalize("Refunds"), "refund");
        assert_eq!(normalize("refund "), "refund");
        assert_eq!(normalize("ｒｅｆｕｎｄ"), "refund");
        assert_eq!(normalize("how do I get a refund"), "refund");
        assert_eq!(normalize("refund status"), normalize("status refund"));
        assert_eq!(normalize("パスワード"), "スワ パス ワー ード");
        assert_eq!(normalize("what is it"), "is it what");
    }
}
