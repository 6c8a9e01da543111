//! JSON endpoints: `/api/search` and `/healthz`.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::{AppState, Viewer, query_param};
use crate::search::searcher::{MAX_LIMIT, MAX_OFFSET};
use crate::search::{CategoryCount, Hit};
use crate::searchlog::Source;

#[derive(Serialize)]
struct SearchResponse<'a> {
    /// Id for click and feedback events about this search.
    search_id: Option<String>,
    query: &'a str,
    locale: &'a str,
    total: usize,
    hits: Vec<Hit>,
    categories: Vec<CategoryCount>,
    corrected: Option<String>,
    /// The quick answer, when one section clearly answers.
    answer: Option<crate::search::Answer>,
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

fn number(raw: Option<&str>, name: &str, default: usize, max: usize) -> Result<usize, String> {
    match query_param(raw, name) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n <= max => Ok(n),
            _ => Err(format!("`{name}` must be a whole number from 0 to {max}")),
        },
    }
}

/// `GET /api/search?q=&locale=&limit=&offset=`.
pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    extensions: axum::http::Extensions,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.as_deref();
    let snapshot = state.snapshot();
    let library = snapshot.library(viewer.drafts);
    let query = query_param(raw, "q").unwrap_or_default();
    let query = crate::search::query::clamp_query(query.trim()).to_owned();
    let locale = query_param(raw, "locale").unwrap_or_else(|| state.config().default_locale.clone());
    if !library.has_locale(&locale) {
        return bad_request(format!("unknown locale `{}`", locale.chars().take(20).collect::<String>()));
    }
    let (limit, offset) = match (number(raw, "limit", 10, MAX_LIMIT), number(raw, "offset", 0, MAX_OFFSET)) {
        (Ok(l), Ok(o)) => (l.max(1), o),
        (Err(message), _) | (_, Err(message)) => return bad_request(message),
    };
    let category = query_param(raw, "category").filter(|c| !c.is_empty());
    let exact = query_param(raw, "exact").is_some_and(|v| v == "1");
    let results =
        state.search(&snapshot, &query, &locale, category.as_deref(), (limit, offset), (exact, viewer.drafts)).await;
    match results {
        Ok(results) => Json(SearchResponse {
            search_id: (!query.is_empty() && offset == 0 && category.is_none())
                .then(|| {
                    let outcome = (results.total, results.corrected.is_some());
                    state.log_search(&query, &locale, outcome, Source::Api, &extensions)
                })
                .flatten(),
            query: &query,
            locale: &locale,
            total: results.total,
            hits: results.hits,
            categories: results.categories,
            corrected: results.corrected,
            answer: results.answer,
        })
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "search failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": "search is unavailable" }))).into_response()
        }
    }
}

/// `GET /healthz`: liveness plus what is being served.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let snapshot = state.snapshot();
    let library = &snapshot.catalog.public;
    Json(json!({
        "status": "ok",
        "articles": library.len(),
        "locales": library.locales(),
        "indexed": snapshot.searcher.num_public_docs(),
    }))
    .into_response()
}

/// `GET /metrics`: Prometheus text format (admin access: token or loopback).
pub async fn metrics(_: super::admin::Admin, State(state): State<AppState>) -> Response {
    use std::fmt::Write;
    use std::sync::atomic::Ordering::Relaxed;
    let mut metrics: Vec<(&str, &str, &str, u64)> = vec![
        ("helpcenter_articles", "gauge", "Published articles.", state.public_library().len() as u64),
        ("helpcenter_index_documents", "gauge", "Documents in the search index.", state.searcher().num_docs()),
    ];
    if let Some(log) = state.searchlog() {
        let c = log.counters();
        metrics.extend([
            (
                "helpcenter_searchlog_enqueued_total",
                "counter",
                "Events accepted into the queue.",
                c.enqueued.load(Relaxed),
            ),
            (
                "helpcenter_searchlog_written_total",
                "counter",
                "Events written to the database.",
                c.written.load(Relaxed),
            ),
            (
                "helpcenter_searchlog_dropped_total",
                "counter",
                "Events refused because the queue was full.",
                c.dropped.load(Relaxed),
            ),
            (
                "helpcenter_searchlog_lost_total",
                "counter",
                "Events lost while the database was down (buffer overflow or shutdown).",
                c.lost.load(Relaxed),
            ),
            (
                "helpcenter_searchlog_collapsed_total",
                "counter",
                "Typeahead prefixes merged into a final query.",
                c.collapsed.load(Relaxed),
            ),
            (
                "helpcenter_searchlog_write_errors_total",
                "counter",
                "Failed write attempts.",
                c.write_errors.load(Relaxed),
            ),
            ("helpcenter_searchlog_purged_total", "counter", "Rows removed by retention.", c.purged.load(Relaxed)),
            (
                "helpcenter_searchlog_journaled_total",
                "counter",
                "Events written to the outage journal while the database was unavailable.",
                c.journaled.load(Relaxed),
            ),
            (
                "helpcenter_searchlog_replayed_total",
                "counter",
                "Journaled events stored in the database since.",
                c.replayed.load(Relaxed),
            ),
            (
                "helpcenter_searchlog_journal_dropped_total",
                "counter",
                "Events dropped because the outage journal reached its disk quota.",
                c.journal_dropped.load(Relaxed),
            ),
            (
                "helpcenter_searchlog_journal_bytes",
                "gauge",
                "Bytes in the outage journal.",
                c.journal_bytes.load(Relaxed),
            ),
            ("helpcenter_searchlog_backlog", "gauge", "Events queued, not yet written.", log.backlog()),
        ]);
    }
    let mut out = String::new();
    for (name, kind, help, value) in metrics {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
    }
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

#[derive(Serialize)]
struct SuggestResponse<'a> {
    query: &'a str,
    /// Id of the typeahead search, for a `suggestion` click event.
    search_id: Option<String>,
    suggestions: Vec<crate::search::suggest::Suggestion<'a>>,
}

/// `GET /api/suggest?q=&locale=&limit=`: typeahead suggestions (articles, then popular
/// queries). Each request is logged as a typeahead search; a visit's keystrokes collapse
/// into its final query.
pub async fn suggest(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.as_deref();
    let query = query_param(raw, "q").unwrap_or_default();
    let query: String = query.chars().take(100).collect();
    let locale = query_param(raw, "locale").unwrap_or_else(|| state.config().default_locale.clone());
    let snapshot = state.snapshot();
    if !snapshot.catalog.public.has_locale(&locale) {
        return bad_request(format!("unknown locale `{}`", locale.chars().take(20).collect::<String>()));
    }
    let limit = match number(raw, "limit", 8, 20) {
        Ok(l) => l,
        Err(message) => return bad_request(message),
    };
    let popular = snapshot.completions.get(&locale).map_or(&[][..], Vec::as_slice);
    let suggestions = snapshot.suggest.suggest(&locale, &query, limit, popular);
    // A query ending in a bare Hangul letter is a syllable still being composed (from an
    // input method that reports no composition events): answered, never logged.
    let composing =
        query.trim_end().chars().last().is_some_and(|c| matches!(c as u32, 0x1100..=0x11FF | 0x3131..=0x318E));
    let search_id = (!query.trim().is_empty() && !composing)
        .then(|| {
            let articles =
                suggestions.iter().filter(|s| matches!(s, crate::search::suggest::Suggestion::Article { .. })).count();
            state.log_search(query.trim(), &locale, (articles, false), Source::Typeahead, &extensions)
        })
        .flatten();
    let mut response = Json(SuggestResponse { query: &query, search_id, suggestions }).into_response();
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    response
}
