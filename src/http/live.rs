//! Live reload for writers: a server-sent event stream that announces which pages changed
//! after a reload. Only for `serve --dev` or admin sessions.

use std::convert::Infallible;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, stream};
use tokio::sync::broadcast::error::RecvError;

use super::{AppState, Viewer};

/// `GET /_dev/events`: `event: reload` with a JSON list of changed URLs (`*` = everything).
pub async fn events(State(state): State<AppState>, viewer: Viewer) -> Response {
    if !viewer.live_reload {
        return StatusCode::NOT_FOUND.into_response();
    }
    let rx = state.subscribe_reloads();
    let events = stream::unfold(rx, |mut rx| async move {
        let data = match rx.recv().await {
            Ok(urls) => serde_json::to_string(&*urls).unwrap_or_else(|_| "[\"*\"]".into()),
            // Missed some notifications: reload whatever is open.
            Err(RecvError::Lagged(_)) => "[\"*\"]".to_owned(),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok::<_, Infallible>(Event::default().event("reload").data(data)), rx))
    });
    // The stream ends when the server shuts down, so it never holds a shutdown up.
    Sse::new(events.take_until(state.shutting_down())).keep_alive(KeepAlive::default()).into_response()
}
