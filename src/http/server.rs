//! The connection loop: HTTP/1.1 over hyper with a header timeout, a no-progress timeout,
//! a cap on open connections, and a shutdown that ends within a bounded grace period.
//!
//! `axum::serve` arms no timer at all, so one client that trickles a header byte every few
//! seconds keeps its connection (and a shutdown) waiting forever. Here:
//! - the request head must arrive within `header_timeout_secs` of the connection opening or
//!   of the previous response (hyper's header timer; it also ends idle keep-alive);
//! - bodies must arrive within `body_timeout_secs`, handlers finish within
//!   `request_timeout_secs` (router layers);
//! - a connection that makes no progress reading or writing for `idle_timeout_secs` is
//!   closed, so a client that stops reading its response cannot hold it;
//! - at most `max_connections` are served at once; further ones wait in the accept queue;
//! - on shutdown, listening stops, live streams end, open connections get
//!   `shutdown_grace_secs` to finish and are then closed.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use super::AppState;

/// Serves the app on `listener` until `shutdown` completes, then drains connections
/// within the configured grace period. Client addresses reach handlers as `ConnectInfo`.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = state.config().server.clone();
    let app = super::router(state.clone());
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let header_timeout = Duration::from_secs(limits.header_timeout_secs);
    let idle_timeout = Duration::from_secs(limits.idle_timeout_secs.max(1));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let progress = Arc::new(Progress::new());
        let io = TokioIo::new(Watched { inner: stream, progress: Arc::clone(&progress) });
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let mut app = app.clone();
            async move { tower_service::Service::call(&mut app, request).await }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .keep_alive(true)
            .serve_connection(io, service);
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            tokio::select! {
                result = connection => if let Err(e) = result {
                    debug!(error = %e, "connection ended with an error");
                },
                () = progress.stalled(idle_timeout) => debug!("connection made no progress; closed"),
            }
            drop(permit);
        });
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    state.begin_shutdown();
    let grace = Duration::from_secs(limits.shutdown_grace_secs);
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        warn!(open = connections.len(), "connections still open after the grace period; closing them");
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    info!("connections closed");
    Ok(())
}

/// When a connection last moved bytes, in milliseconds since it opened.
struct Progress {
    opened: Instant,
    last: AtomicU64,
}

impl Progress {
    fn new() -> Self {
        Self { opened: Instant::now(), last: AtomicU64::new(0) }
    }

    fn touch(&self) {
        self.last.store(self.opened.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Completes once no bytes moved for `limit`.
    async fn stalled(&self, limit: Duration) {
        loop {
            let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
            let quiet = self.opened.elapsed().saturating_sub(last);
            if quiet >= limit {
                return;
            }
            tokio::time::sleep(limit - quiet).await;
        }
    }
}

/// A TCP stream that records progress on every read and write.
struct Watched {
    inner: TcpStream,
    progress: Arc<Progress>,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.progress.touch();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.progress.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.progress.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
