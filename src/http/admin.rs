//! The admin area: sign-in, a dashboard and the content problems page (issues with article
//! files that `check` would report, live from the running server).

use askama::Template;
use axum::extract::{Form, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::AppState;
use super::auth::{self, AdminAccess, SESSION_COOKIE, SESSION_TTL};
use crate::article::{ArticleError, Severity};
use crate::report::{self, Keys, Table};

/// Proof that the request may use `/admin`; rejects with 401 (login page) or 403.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match auth::admin_access(state, parts) {
            AdminAccess::Granted => Ok(Admin),
            AdminAccess::Throttled(wait) => Err(too_many_attempts(wait)),
            AdminAccess::NeedLogin => {
                let mut response = login_page(state, StatusCode::UNAUTHORIZED, None);
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                Err(response)
            }
            AdminAccess::Forbidden => Err((
                StatusCode::FORBIDDEN,
                Html(render_or_text(&Message {
                    site_name: state.config().site_name.clone(),
                    title: "Admin is not available from here",
                    text: "No admin token is configured, so the admin area answers only requests made directly on this machine: from a loopback address, to localhost, and not through a proxy. Set HELPCENTER_ADMIN_TOKEN (24 characters or more) to sign in from elsewhere.",
                })),
            )
                .into_response()),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    site_name: String,
    error: Option<&'static str>,
    token_configured: bool,
}

#[derive(Template)]
#[template(path = "admin/message.html")]
struct Message {
    site_name: String,
    title: &'static str,
    text: &'static str,
}

/// Locale row on the dashboard.
struct LocaleRow {
    locale: String,
    articles: usize,
    categories: usize,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct Dashboard {
    site_name: String,
    locales: Vec<LocaleRow>,
    drafts: usize,
    errors: usize,
    warnings: usize,
    indexed: u64,
    signed_in: bool,
    reports: Reports,
}

#[derive(Template)]
#[template(path = "admin/problems.html")]
struct Problems {
    site_name: String,
    problems: Vec<ArticleError>,
    signed_in: bool,
}

impl Problems {
    fn level(&self, p: &ArticleError) -> &'static str {
        match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

fn render_or_text(page: &impl Template) -> String {
    page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "admin template failed");
        "internal error".to_owned()
    })
}

fn login_page(state: &AppState, status: StatusCode, error: Option<&'static str>) -> Response {
    let page = LoginPage {
        site_name: state.config().site_name.clone(),
        error,
        token_configured: !state.config().admin_token.0.is_empty(),
    };
    (status, Html(render_or_text(&page))).into_response()
}

fn signed_in(headers: &HeaderMap) -> bool {
    auth::session_cookie(headers).is_some()
}

/// `GET /admin` → `/admin/`.
pub async fn redirect_to_dashboard() -> Redirect {
    Redirect::permanent("/admin/")
}

/// `GET /admin/`.
pub async fn dashboard(
    _: Admin,
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Html<String> {
    let reports = reports(&state, raw.as_deref()).await;
    let catalog_snapshot = state.snapshot();
    let library = &catalog_snapshot.catalog.preview;
    let locales = library
        .locales()
        .iter()
        .map(|l| LocaleRow {
            locale: l.clone(),
            articles: library.articles().filter(|a| &a.locale == l && !a.draft).count(),
            categories: library.category_summaries(l, 0).len(),
        })
        .collect();
    let errors = library.problems.iter().filter(|p| p.severity == Severity::Error).count();
    Html(render_or_text(&Dashboard {
        site_name: state.config().site_name.clone(),
        locales,
        drafts: library.drafts,
        errors,
        warnings: library.problems.len() - errors,
        indexed: catalog_snapshot.searcher.num_docs(),
        signed_in: signed_in(&headers),
        reports,
    }))
}

/// `GET /admin/problems`: every content problem, errors first.
pub async fn problems(_: Admin, State(state): State<AppState>, headers: HeaderMap) -> Html<String> {
    let mut problems = state.catalog().preview.problems.clone();
    problems.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.path.cmp(&b.path)));
    Html(render_or_text(&Problems {
        site_name: state.config().site_name.clone(),
        problems,
        signed_in: signed_in(&headers),
    }))
}

/// `GET /admin/login`.
pub async fn login_form(State(state): State<AppState>) -> Response {
    login_page(&state, StatusCode::OK, None)
}

/// The login form.
#[derive(serde::Deserialize)]
pub struct LoginForm {
    token: String,
}

/// 429 with `Retry-After` for too many token attempts.
fn too_many_attempts(wait: std::time::Duration) -> Response {
    let mut response = (StatusCode::TOO_MANY_REQUESTS, "Too many sign-in attempts; try again later.").into_response();
    if let Ok(v) = HeaderValue::from_str(&super::throttle::retry_after_secs(wait).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// The session cookie: HttpOnly, SameSite=Strict, and Secure when the request came over
/// HTTPS (`public_url`, or `X-Forwarded-Proto` from a trusted proxy).
fn session_cookie_header(
    state: &AppState,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
    value: &str,
    max_age: u64,
) -> Option<HeaderValue> {
    let secure = state.is_https(extensions, headers);
    super::set_cookie(SESSION_COOKIE, value, max_age, cookie::SameSite::Strict, secure)
}

/// `POST /admin/login`: a correct token starts a session. Attempts are rate limited per
/// client and overall (429 with `Retry-After`); failures are logged, never the token.
pub async fn login(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Err(wait) = auth::take_attempt(&state, &extensions, &headers) {
        tracing::warn!(kind = "form", "admin sign-in throttled");
        return too_many_attempts(wait);
    }
    let given = form.map(|Form(f)| f.token).unwrap_or_default();
    if !auth::token_matches(&state, given.trim()) {
        tracing::warn!(kind = "form", "admin sign-in failed");
        return login_page(&state, StatusCode::UNAUTHORIZED, Some("That token is not right."));
    }
    let Some(id) = auth::start_session(&state) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "cannot start a session").into_response();
    };
    let mut response = Redirect::to("/admin/").into_response();
    if let Some(value) = session_cookie_header(&state, &extensions, &headers, &id, SESSION_TTL.as_secs()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `POST /admin/logout`.
pub async fn logout(State(state): State<AppState>, extensions: axum::http::Extensions, headers: HeaderMap) -> Response {
    if let Some(id) = auth::session_cookie(&headers) {
        auth::end_session(&state, &id);
    }
    let mut response = Redirect::to("/admin/login").into_response();
    if let Some(value) = session_cookie_header(&state, &extensions, &headers, "", 0) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Report filters from the query string.
struct ReportFilter {
    since: String,
    until: Option<String>,
    locale: Option<String>,
    source: Option<String>,
}

impl ReportFilter {
    fn parse(raw: Option<&str>) -> Self {
        let get = |name: &str| super::query_param(raw, name);
        Self {
            since: get("since").filter(|s| !s.is_empty()).unwrap_or_else(|| "30d".to_owned()),
            until: get("until").filter(|u| !u.is_empty()),
            locale: get("locale").filter(|l| !l.is_empty()),
            source: get("source").filter(|l| !l.is_empty()),
        }
    }

    fn query_string(&self) -> String {
        let mut pairs = vec![("since", self.since.as_str())];
        if let Some(u) = &self.until {
            pairs.push(("until", u));
        }
        if let Some(l) = &self.locale {
            pairs.push(("locale", l));
        }
        if let Some(source) = &self.source {
            pairs.push(("source", source));
        }
        form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
    }
}

/// The store and report filter of a request. Migrations are applied first (idempotent),
/// so a database nothing was written to yet gives empty reports rather than an error.
async fn scope(
    state: &AppState,
    filter: &ReportFilter,
) -> Result<(crate::searchlog::Store, crate::report::Filter), String> {
    let log = state.searchlog().ok_or("the search log is off (searchlog = \"off\")")?;
    let now = crate::searchlog::event::now();
    let period =
        crate::report::Period::parse(&filter.since, filter.until.as_deref(), now).map_err(|e| e.to_string())?;
    let report_filter = crate::report::Filter::new(period, filter.locale.as_deref(), filter.source.as_deref())
        .map_err(|e| e.to_string())?;
    let store = log.store().clone();
    store.migrate().await.map_err(|e| format!("the search log database is unavailable: {e}"))?;
    Ok((store, report_filter))
}

/// The reports block of the dashboard.
pub struct Reports {
    since: String,
    until: String,
    locale: Option<String>,
    locales: Vec<String>,
    source: Option<String>,
    query_string: String,
    funnel: crate::report::Metrics,
    trend_svg: String,
    gaps: Table,
    keywords: Table,
    queries: Table,
    articles: Table,
    error: Option<String>,
}

impl Reports {
    fn pct(&self, x: &f64) -> String {
        format!("{:.0}%", x * 100.0)
    }

    fn num(&self, x: &f64) -> String {
        format!("{x:.2}")
    }
}

/// A bar chart of searches per day (zero-result searches darker), drawn on the server.
fn trend_svg(days: &[report::DayRow]) -> String {
    use std::fmt::Write;
    let (w, h, pad) = (720.0_f64, 160.0_f64, 20.0_f64);
    let max = days.iter().map(|d| d.searches).max().unwrap_or(0).max(1) as f64;
    let bar = if days.is_empty() { 0.0 } else { (w - 2.0 * pad) / days.len() as f64 };
    let mut svg = format!(
        r#"<svg class="trend" viewBox="0 0 {w} {h}" role="img" aria-label="Searches per day; darker: no results" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, d) in days.iter().enumerate() {
        let x = pad + i as f64 * bar;
        let total = (h - 2.0 * pad) * d.searches as f64 / max;
        let zero = (h - 2.0 * pad) * d.zero_results as f64 / max;
        let _ = write!(
            svg,
            r##"<g><title>{} — {} searches, {} without results</title><rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{total:.1}" fill="#9db4ff"/><rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{zero:.1}" fill="#2246bd"/></g>"##,
            d.day,
            d.searches,
            d.zero_results,
            h - pad - total,
            (bar - 1.0).max(1.0),
            h - pad - zero,
            (bar - 1.0).max(1.0),
        );
    }
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let _ = write!(
            svg,
            r##"<text x="{pad}" y="{:.0}" font-size="11" fill="#5b6475">{}</text><text x="{:.0}" y="{:.0}" font-size="11" fill="#5b6475" text-anchor="end">{}</text><text x="{pad}" y="12" font-size="11" fill="#5b6475">max {max:.0}/day</text>"##,
            h - 4.0,
            first.day,
            w - pad,
            h - 4.0,
            last.day
        );
    }
    svg.push_str("</svg>");
    svg
}

async fn reports(state: &AppState, raw: Option<&str>) -> Reports {
    let filter = ReportFilter::parse(raw);
    let locales = state.public_library().locales().to_vec();
    let mut reports = Reports {
        since: filter.since.clone(),
        until: filter.until.clone().unwrap_or_default(),
        locale: filter.locale.clone(),
        source: filter.source.clone(),
        locales,
        query_string: filter.query_string(),
        funnel: crate::report::Metrics::default(),
        trend_svg: String::new(),
        gaps: Table::gaps(&[], Keys::Hidden),
        keywords: Table::keywords(&[]),
        queries: Table::queries(&[], Keys::Hidden),
        articles: Table::articles(&[]),
        error: None,
    };
    let filled = async {
        let (store, f) = scope(state, &filter).await?;
        let failed = |e: crate::report::ReportError| format!("the search log database is unavailable: {e}");
        reports.funnel = report::funnel(&store, &f).await.map_err(failed)?;
        reports.trend_svg = trend_svg(&report::trends(&store, &f).await.map_err(failed)?);
        reports.gaps = Table::gaps(&report::gaps(&store, &f, 15).await.map_err(failed)?, Keys::Hidden);
        reports.keywords = Table::keywords(&report::keywords(&store, &f, 15).await.map_err(failed)?);
        reports.queries = Table::queries(&report::top_queries(&store, &f, 15).await.map_err(failed)?, Keys::Hidden);
        reports.articles = Table::articles(&report::articles(&store, &f, 15).await.map_err(failed)?);
        Ok::<(), String>(())
    };
    if let Err(e) = filled.await {
        reports.error = Some(e);
    }
    reports
}

/// `GET /admin/reports/{gaps|queries|articles|funnel|trends}.csv?since=&locale=`.
pub async fn report_csv(
    _: Admin,
    State(state): State<AppState>,
    axum::extract::Path(name): axum::extract::Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Response {
    let filter = ReportFilter::parse(raw.as_deref());
    let (store, f) = match scope(&state, &filter).await {
        Ok(d) => d,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e).into_response(),
    };
    let table = match name.trim_end_matches(".csv") {
        "gaps" => report::gaps(&store, &f, 1000).await.map(|r| Table::gaps(&r, Keys::Exported)),
        "keywords" => report::keywords(&store, &f, 1000).await.map(|r| Table::keywords(&r)),
        "queries" => report::top_queries(&store, &f, 1000).await.map(|r| Table::queries(&r, Keys::Exported)),
        "articles" => report::articles(&store, &f, 1000).await.map(|r| Table::articles(&r)),
        "funnel" => report::funnel(&store, &f).await.map(|r| Table::funnel(&r)),
        "trends" => report::trends(&store, &f).await.map(|r| Table::trends(&r)),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let table = match table {
        Ok(t) => t,
        Err(e) => {
            return (StatusCode::SERVICE_UNAVAILABLE, format!("the search log database is unavailable: {e}"))
                .into_response();
        }
    };
    let file = format!(
        "attachment; filename=\"{}-{}.csv\"",
        name.trim_end_matches(".csv"),
        filter.since.replace(['"', '/'], "")
    );
    let mut response = table.to_csv().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&file) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
