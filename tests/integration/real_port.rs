//! The real binary on a real port: `serve --addr 127.0.0.1:0` prints its address, answers
//! HTTP, and shuts down cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{copy_dir, repo};

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Language: ko\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[test]
fn serve_listens_on_a_real_port_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join("tests/fixtures/articles"), &dir.path().join("articles"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_helpcenter"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("HELPCENTER_ARTICLES")
        .env_remove("HELPCENTER_INDEX")
        .env_remove("HELPCENTER_ADDR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read line");
    let addr =
        line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("unexpected: {line}")).to_owned();
    assert!(!addr.ends_with(":0"), "real port printed: {addr}");

    let health = http_get(&addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains("\"articles\":8"), "{health}");
    let root = http_get(&addr, "/");
    assert!(root.contains("location: /ko/"), "{root}");
    let search = http_get(&addr, "/api/search?q=%ED%99%98%EB%B6%88&locale=ko");
    assert!(search.contains("\"slug\":\"refunds\""), "{search}");

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
}
