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
    let (mut child, addr) = spawn_serve(dir.path(), "off");
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

fn spawn_serve(dir: &std::path::Path, searchlog: &str) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_helpcenter"))
        .args(["serve", "--addr", "127.0.0.1:0", "--searchlog", searchlog, "--no-watch"])
        .current_dir(dir)
        .env_remove("HELPCENTER_ARTICLES")
        .env_remove("HELPCENTER_INDEX")
        .env_remove("HELPCENTER_ADDR")
        .env_remove("HELPCENTER_SEARCHLOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read line");
    let addr =
        line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("unexpected: {line}")).to_owned();
    (child, addr)
}

#[tokio::test]
async fn sigterm_writes_every_queued_event_before_exit() {
    for backend in crate::support::backends().await {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&repo().join("tests/fixtures/articles"), &dir.path().join("articles"));
        let (mut child, addr) = spawn_serve(dir.path(), &backend.url);
        let n = 40;
        for i in 0..n {
            let response = http_get(&addr, &format!("/en/search?q=refund+{i}"));
            assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        }
        // Terminate at once: the events are still queued (batches wait up to 200 ms).
        let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
        assert!(status.success());
        assert!(child.wait().expect("wait").success(), "clean exit");
        let store = helpcenter::searchlog::Store::connect_lazy(&backend.url).expect("store");
        assert_eq!(store.count("searches").await.expect("count"), n, "{}: no search lost", backend.name);
    }
}

#[tokio::test]
async fn report_command_prints_gaps_as_table_csv_and_json() {
    use helpcenter::searchlog::event::random_id;
    use helpcenter::searchlog::{Event, Source, Store};
    for backend in crate::support::backends().await {
        let store = Store::connect_lazy(&backend.url).expect("store");
        store.migrate().await.expect("migrate");
        let events: Vec<Event> = ["kumquat export", "Kumquat export", "refund"]
            .iter()
            .map(|q| {
                let mut s = crate::support::search_event(q, 0, &random_id(), Source::Page, 3600);
                s.locale = "ja".into();
                Event::Search(s)
            })
            .collect();
        store.insert(&events).await.expect("seed");
        let run = |format: &str, locale: &str| {
            let out = Command::new(env!("CARGO_BIN_EXE_helpcenter"))
                .args([
                    "report",
                    "gaps",
                    "--since",
                    "7d",
                    "--locale",
                    locale,
                    "--format",
                    format,
                    "--searchlog",
                    &backend.url,
                ])
                .output()
                .expect("run report");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let json: serde_json::Value = serde_json::from_str(&run("json", "ja")).expect("json");
        assert_eq!(json["rows"][0]["key"], "export kumquat", "{}: {json}", backend.name);
        assert!(
            json["rows"][0]["query"].as_str().is_some_and(|q| q.eq_ignore_ascii_case("kumquat export")),
            "as typed"
        );
        assert_eq!(json["rows"][0]["searches"], 2);
        assert!(run("csv", "ja").starts_with("query,searches,visits,zero-result"));
        let table = run("table", "ja");
        assert!(
            table.starts_with("query") && table.to_lowercase().contains("kumquat export"),
            "wording first: {table}"
        );
        assert!(table.contains("export kumquat"), "grouping key last");
        assert!(run("json", "en").contains("\"rows\": []"), "locale filter");
        let out = Command::new(env!("CARGO_BIN_EXE_helpcenter"))
            .args([
                "report",
                "gaps",
                "--since",
                "2020-01-01",
                "--until",
                "2020-01-31",
                "--format",
                "json",
                "--searchlog",
                &backend.url,
            ])
            .output()
            .expect("run report");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("\"rows\": []"),
            "a past date range has none of today's searches"
        );
    }
}
