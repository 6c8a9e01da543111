//! The event log as JSON Lines, for `helpcenter searchlog import|export`: one event per
//! line in the shape of `POST /api/events` plus `at`, `visit` and searches and views:
//!
//! ```text
//! {"type":"search","at":"2026-11-01T10:00:00Z","locale":"en","query":"refund","results":0,"visit":"…"}
//! {"type":"click","at":"2026-11-01T10:00:09Z","search_id":"…","slug":"refunds","position":1}
//! ```
//!
//! Import applies the rules of live events: fields checked and bounded, text redacted after
//! NFKC folding, the grouping key computed here (never taken from the file), a visit id
//! that is not one of ours pseudonymized.

use std::hash::{DefaultHasher, Hash, Hasher};

use serde::Deserialize;
use serde_json::{Value, json};

use super::event::{
    ClickEvent, ContactEvent, Event, FeedbackEvent, MAX_COMMENT_CHARS, MAX_QUERY_CHARS, MAX_REASON_CHARS, SearchEvent,
    Source, ViewEvent, is_id, normalize, random_id, redact, search_id, valid_slug,
};

/// Why a line was refused.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    /// Not JSON, an unknown type or field, or a field of the wrong type.
    #[error("{0}")]
    Json(String),
    /// A field out of range.
    #[error("{0}")]
    Invalid(&'static str),
}

/// A timestamp: RFC 3339 or unix seconds.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum At {
    Seconds(i64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum Line {
    Search {
        at: At,
        locale: String,
        query: String,
        results: i64,
        #[serde(default)]
        visit: Option<String>,
        #[serde(default)]
        id: Option<String>,
        #[serde(default)]
        source: Option<String>,
        #[serde(default)]
        corrected: bool,
        #[serde(default)]
        suggestion_chosen: bool,
    },
    Click {
        at: At,
        search_id: String,
        slug: String,
        position: i64,
        #[serde(default)]
        kind: Option<String>,
        #[serde(default)]
        visit: Option<String>,
    },
    Feedback {
        at: At,
        locale: String,
        slug: String,
        helpful: bool,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        comment: Option<String>,
        #[serde(default)]
        score: Option<i64>,
        #[serde(default)]
        search_id: Option<String>,
        #[serde(default)]
        visit: Option<String>,
    },
    Contact {
        at: At,
        locale: String,
        #[serde(default)]
        search_id: Option<String>,
        #[serde(default)]
        slug: Option<String>,
        #[serde(default)]
        query: Option<String>,
        #[serde(default)]
        visit: Option<String>,
    },
    View {
        at: At,
        locale: String,
        slug: String,
        #[serde(default)]
        search_id: Option<String>,
        #[serde(default)]
        visit: Option<String>,
    },
}

fn valid_locale(locale: &str) -> bool {
    let mut parts = locale.split('-');
    parts.next().is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn at(at: At, now: i64) -> Result<i64, LineError> {
    let seconds = match at {
        At::Seconds(s) => s,
        At::Text(t) => time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
            .map_err(|_| LineError::Invalid("at must be RFC 3339 (2026-11-01T10:00:00Z) or unix seconds"))?
            .unix_timestamp(),
    };
    // 2000-01-01 to a day ahead of now.
    if !(946_684_800..=now + 86_400).contains(&seconds) {
        return Err(LineError::Invalid("at is before 2000 or in the future"));
    }
    Ok(seconds)
}

/// Our own visit ids stay; anything else (another tool's ids may be personal) becomes a
/// stable pseudonym, so a visit's events still belong together.
fn visit(v: Option<String>) -> String {
    match v.filter(|v| !v.is_empty()) {
        Some(v) if is_id(&v) => v.to_ascii_lowercase(),
        Some(v) => {
            let half = |salt: u8| {
                let mut h = DefaultHasher::new();
                (salt, "helpcenter-visit", &v).hash(&mut h);
                h.finish()
            };
            format!("{:016x}{:016x}", half(1), half(2))
        }
        None => random_id(),
    }
}

fn given_search_id(id: Option<String>) -> Result<Option<String>, LineError> {
    match id.filter(|i| !i.is_empty()) {
        Some(i) if is_id(&i) => Ok(Some(i.to_ascii_lowercase())),
        Some(_) => Err(LineError::Invalid("search_id must be a 32-character hex id")),
        None => Ok(None),
    }
}

fn text(t: Option<String>, max: usize) -> Option<String> {
    t.map(|t| redact(&t, max)).filter(|t| !t.is_empty())
}

/// Parses, checks and redacts one line (`now` bounds timestamps).
pub fn parse(line: &str, now: i64) -> Result<Event, LineError> {
    let parsed: Line = serde_json::from_str(line).map_err(|e| LineError::Json(e.to_string()))?;
    Ok(match parsed {
        Line::Search { at: t, locale, query, results, visit: v, id, source, corrected, suggestion_chosen } => {
            if !valid_locale(&locale) {
                return Err(LineError::Invalid("locale must be a language tag such as en or pt-BR"));
            }
            if results < 0 {
                return Err(LineError::Invalid("results must be 0 or more"));
            }
            let source = match source.as_deref() {
                None => Source::Page,
                Some(name) => Source::parse(name).ok_or(LineError::Invalid("source must be page, api or typeahead"))?,
            };
            let redacted = redact(&query, MAX_QUERY_CHARS);
            if redacted.is_empty() {
                return Err(LineError::Invalid("query is empty"));
            }
            let when = at(t, now)?;
            Event::Search(SearchEvent {
                // A line without an id gets one that begins with its time, as live searches do.
                id: given_search_id(id)?.unwrap_or_else(|| search_id(when.saturating_mul(1000))),
                at: when,
                locale,
                normalized: normalize(&redacted),
                typed: redacted.clone(),
                query: redacted,
                results,
                corrected,
                source,
                visit: visit(v),
                suggestion_chosen,
            })
        }
        Line::Click { at: t, search_id: id, slug, position, kind, visit: v } => {
            if !valid_slug(&slug) || !(0..=1000).contains(&position) {
                return Err(LineError::Invalid("slug must be an article slug and position 0 to 1000"));
            }
            let kind = kind.unwrap_or_else(|| "result".to_owned());
            if kind != "result" && kind != "suggestion" {
                return Err(LineError::Invalid("kind must be result or suggestion"));
            }
            let search_id = given_search_id(Some(id))?.ok_or(LineError::Invalid("search_id is required"))?;
            Event::Click(ClickEvent { at: at(t, now)?, search_id, slug, position, kind, visit: visit(v) })
        }
        Line::Feedback { at: t, locale, slug, helpful, reason, comment, score, search_id: id, visit: v } => {
            if !valid_locale(&locale) || !valid_slug(&slug) {
                return Err(LineError::Invalid("locale must be a language tag and slug an article slug"));
            }
            if score.is_some_and(|s| !(1..=10).contains(&s)) {
                return Err(LineError::Invalid("score must be 1 to 10"));
            }
            Event::Feedback(FeedbackEvent {
                at: at(t, now)?,
                locale,
                slug,
                helpful,
                reason: text(reason, MAX_REASON_CHARS),
                comment: text(comment, MAX_COMMENT_CHARS),
                score,
                search_id: given_search_id(id)?,
                visit: visit(v),
            })
        }
        Line::Contact { at: t, locale, search_id: id, slug, query, visit: v } => {
            if !valid_locale(&locale) || slug.as_deref().is_some_and(|s| !valid_slug(s)) {
                return Err(LineError::Invalid("locale must be a language tag and slug an article slug"));
            }
            Event::Contact(ContactEvent {
                at: at(t, now)?,
                locale,
                search_id: given_search_id(id)?,
                slug,
                query: text(query, MAX_QUERY_CHARS),
                visit: visit(v),
            })
        }
        Line::View { at: t, locale, slug, search_id: id, visit: v } => {
            if !valid_locale(&locale) || !valid_slug(&slug) {
                return Err(LineError::Invalid("locale must be a language tag and slug an article slug"));
            }
            Event::View(ViewEvent { at: at(t, now)?, locale, slug, search_id: given_search_id(id)?, visit: visit(v) })
        }
    })
}

fn rfc3339(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| at.to_string())
}

/// One event as a line (without the newline).
pub fn line(event: &Event) -> String {
    let value: Value = match event {
        Event::Search(s) => json!({
            "type": "search", "at": rfc3339(s.at), "locale": s.locale, "query": s.query, "results": s.results,
            "visit": s.visit, "id": s.id, "source": s.source.as_str(), "corrected": s.corrected,
            "suggestion_chosen": s.suggestion_chosen,
        }),
        Event::Click(c) => json!({
            "type": "click", "at": rfc3339(c.at), "search_id": c.search_id, "slug": c.slug, "position": c.position,
            "kind": c.kind, "visit": c.visit,
        }),
        Event::Feedback(f) => json!({
            "type": "feedback", "at": rfc3339(f.at), "locale": f.locale, "slug": f.slug, "helpful": f.helpful,
            "reason": f.reason, "comment": f.comment, "score": f.score, "search_id": f.search_id, "visit": f.visit,
        }),
        Event::Contact(c) => json!({
            "type": "contact", "at": rfc3339(c.at), "locale": c.locale, "search_id": c.search_id, "slug": c.slug,
            "query": c.query, "visit": c.visit,
        }),
        Event::View(v) => json!({
            "type": "view", "at": rfc3339(v.at), "locale": v.locale, "slug": v.slug, "search_id": v.search_id,
            "visit": v.visit,
        }),
    };
    value.to_string()
}

/// When an event happened.
pub fn at_of(event: &Event) -> i64 {
    match event {
        Event::Search(s) => s.at,
        Event::Click(c) => c.at,
        Event::Feedback(f) => f.at,
        Event::Contact(c) => c.at,
        Event::View(v) => v.at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000;

    #[test]
    fn a_line_round_trips_and_is_redacted() {
        let input = r#"{"type":"search","at":"2026-05-01T10:00:00Z","locale":"en","query":"reset for ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ","results":0,"visit":"crm-user-4412"}"#;
        let Ok(Event::Search(s)) = parse(input, NOW) else { panic!("search parsed") };
        assert_eq!(s.query, "reset for [email]");
        assert!(is_id(&s.visit) && !s.visit.contains("4412"), "foreign visit ids pseudonymized");
        let again = parse(&line(&Event::Search(s.clone())), NOW).expect("own output parses");
        assert_eq!(again, Event::Search(s.clone()));
        // No id given: one that begins with the line's time, as a live search's does.
        assert_eq!(i64::from_str_radix(&s.id[..12], 16), Ok(s.at * 1000), "{}", s.id);
    }

    #[test]
    fn bad_lines_say_why() {
        for (line, why) in [
            ("{", "EOF"),
            (r#"{"type":"teleport","at":0}"#, "unknown variant"),
            (r#"{"type":"search","at":"yesterday","locale":"en","query":"x","results":1}"#, "RFC 3339"),
            (r#"{"type":"search","at":1700000000,"locale":"English","query":"x","results":1}"#, "language tag"),
            (r#"{"type":"click","at":1700000000,"search_id":"nope","slug":"a","position":1}"#, "32-character"),
            (
                r#"{"type":"search","at":1700000000,"locale":"en","query":"x","results":1,"source":"bot"}"#,
                "page, api or typeahead",
            ),
            (
                r#"{"type":"search","at":1700000000,"locale":"en","query":"x","results":1,"ip":"1.2.3.4"}"#,
                "unknown field",
            ),
        ] {
            let error = parse(line, NOW).expect_err(line).to_string();
            assert!(error.contains(why), "{line}: {error}");
        }
    }
}
