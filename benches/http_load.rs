//! A minimal keep-alive HTTP/1.1 load generator for loopback benchmarks (no extra crates).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Reads one HTTP/1.1 response with a Content-Length body; returns the status code.
async fn read_response(reader: &mut BufReader<TcpStream>) -> Option<u16> {
    let mut line = String::new();
    reader.read_line(&mut line).await.ok()?;
    let status = line.split_whitespace().nth(1)?.parse().ok()?;
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line).await.ok()?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(status)
}

/// GETs `paths` round-robin over `connections` keep-alive connections for `duration`;
/// returns successful requests per second.
pub async fn load(addr: &str, paths: &[String], connections: usize, duration: Duration) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let paths = Arc::new(paths.to_vec());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (addr, done, paths) = (addr.to_owned(), Arc::clone(&done), Arc::clone(&paths));
        tasks.push(tokio::spawn(async move {
            let Ok(stream) = TcpStream::connect(&addr).await else { return };
            let mut reader = BufReader::new(stream);
            let mut i = c;
            while started.elapsed() < duration {
                let path = &paths[i % paths.len()];
                i += 1;
                let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: hc_visit={c:032x}\r\n\r\n");
                if reader.get_mut().write_all(request.as_bytes()).await.is_err() {
                    return;
                }
                match read_response(&mut reader).await {
                    Some(200) => {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => return,
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}
