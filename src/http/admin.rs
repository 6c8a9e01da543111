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

/// Proof that the request may use `/admin`; rejects with 401 (login page) or 403.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match auth::admin_access(state, parts) {
            AdminAccess::Granted => Ok(Admin),
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
                    text: "No admin token is configured, so the admin area only answers on this machine (loopback). Set HELPCENTER_ADMIN_TOKEN to sign in from elsewhere.",
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
pub async fn dashboard(_: Admin, State(state): State<AppState>, headers: HeaderMap) -> Html<String> {
    let catalog = state.catalog();
    let library = &catalog.preview;
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
        indexed: state.searcher().num_docs(),
        signed_in: signed_in(&headers),
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

/// `POST /admin/login`: a correct token starts a session (HttpOnly, SameSite=Strict cookie).
pub async fn login(
    State(state): State<AppState>,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let expected = &state.config().admin_token.0;
    let given = form.map(|Form(f)| f.token).unwrap_or_default();
    if expected.is_empty() || !auth::constant_time_eq(given.trim().as_bytes(), expected.as_bytes()) {
        tracing::warn!("admin sign-in failed");
        return login_page(&state, StatusCode::UNAUTHORIZED, Some("That token is not right."));
    }
    let Some(id) = auth::start_session(&state) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "cannot start a session").into_response();
    };
    let cookie = format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", SESSION_TTL.as_secs());
    let mut response = Redirect::to("/admin/").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `POST /admin/logout`.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = auth::session_cookie(&headers) {
        auth::end_session(&state, &id);
    }
    let mut response = Redirect::to("/admin/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("hc_admin=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}
