//! Security hardening, hole by hole, through the real router and real ports: symlinks out
//! of the articles folder, admin exposure without a token (Host, proxy headers), files
//! that would exhaust memory or CPU, slow clients, shutdown with open streams, login
//! throttling, caching and cookie flags, cross-site posts, the sanitizer's CSP, and logs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use helpcenter::config::Secret;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::{Site, TOKEN, copy_dir, repo};

fn fixtures(a: &Path) {
    copy_dir(&repo().join("tests/fixtures/articles"), a);
}

async fn send_from(site: &Site, peer: &str, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let addr: SocketAddr = peer.parse().expect("addr");
    let response = site.app().layer(MockConnectInfo(addr)).oneshot(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get_with(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::get(uri);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.body(Body::empty()).expect("request")
}

#[cfg(unix)]
#[tokio::test]
async fn symlinks_leaving_the_articles_folder_are_refused_and_reported() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret.png"), "SECRET-OUTSIDE").expect("secret");
    std::fs::write(outside.path().join("outside.md"), "---\ntitle: Outside kumquat\n---\nLeaked kumquat text.\n")
        .expect("outside article");
    let site = Site::with(|a| {
        fixtures(a);
        let images = a.join("en/billing/images");
        std::fs::create_dir_all(&images).expect("images");
        std::fs::write(images.join("real.png"), "PNG-INSIDE").expect("image");
        symlink(outside.path().join("secret.png"), images.join("leak.png")).expect("file link out");
        symlink(outside.path(), images.join("updir")).expect("folder link out");
        symlink(images.join("real.png"), images.join("alias.png")).expect("file link in");
        symlink("/proc/self/environ", images.join("env.png")).expect("proc link");
        symlink(outside.path().join("outside.md"), a.join("en/billing/outside.md")).expect("article link out");
        symlink(a.join("en/billing/refunds.md"), a.join("en/billing/refunds-copy.md")).expect("article link in");
        std::fs::write(
            a.join("en/billing/uses-images.md"),
            "---\ntitle: Images\n---\n![a](images/leak.png) ![b](images/alias.png)\n",
        )
        .expect("article");
    });
    for path in ["leak.png", "updir/secret.png", "env.png"] {
        let (status, _, body) = site.get(&format!("/media/en/billing/images/{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("SECRET") && !body.contains("HELPCENTER"), "{path}: {body}");
    }
    let (status, _, body) = site.get("/media/en/billing/images/alias.png").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "PNG-INSIDE"), "a link that stays inside works");

    assert_eq!(site.get("/en/articles/outside").await.0, StatusCode::NOT_FOUND);
    assert!(site.search_slugs("kumquat", "en").await.is_empty(), "outside text is not indexed");
    assert_eq!(site.get("/en/articles/refunds-copy").await.0, StatusCode::OK, "an inside link is an article");

    let problems = &site.state.catalog().preview.problems;
    let outside_problem = problems.iter().find(|p| p.path.ends_with("outside.md")).expect("reported");
    assert!(outside_problem.problem.message.contains("symbolic link that leads outside"), "{outside_problem}");
    let lint = helpcenter::article::lint::lint(&site.state.catalog().preview, &site.articles(), "en");
    assert!(
        lint.iter().any(|p| p.problem.message.contains("images/leak.png") && p.problem.message.contains("outside")),
        "check reports the image link: {lint:?}"
    );
    assert!(!lint.iter().any(|p| p.problem.message.contains("alias.png")), "an inside link is fine");
}

#[tokio::test]
async fn without_a_token_admin_needs_a_local_host_and_no_proxy() {
    let site = Site::fixtures();
    let local = [("host", "127.0.0.1:8080")];
    assert_eq!(send_from(&site, "127.0.0.1:1", get_with("/admin/", &local)).await.0, StatusCode::OK);
    assert_eq!(send_from(&site, "[::1]:1", get_with("/metrics", &[("host", "localhost")])).await.0, StatusCode::OK);
    assert_eq!(
        send_from(&site, "[::ffff:127.0.0.1]:1", get_with("/admin/", &local)).await.0,
        StatusCode::OK,
        "an IPv4 client of a dual-stack listener"
    );
    // DNS rebinding: a page on evil.example resolves its own name to 127.0.0.1.
    for uri in ["/admin/", "/metrics", "/admin/problems"] {
        let rebound = get_with(uri, &[("host", "evil.example")]);
        assert_eq!(send_from(&site, "127.0.0.1:1", rebound).await.0, StatusCode::FORBIDDEN, "{uri}");
    }
    // A proxy on the same machine: whatever header it adds, admin stays closed.
    for proxy_header in
        ["x-real-ip", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded", "via", "true-client-ip"]
    {
        let proxied = get_with("/admin/", &[("host", "127.0.0.1"), (proxy_header, "203.0.113.9")]);
        assert_eq!(send_from(&site, "127.0.0.1:1", proxied).await.0, StatusCode::FORBIDDEN, "{proxy_header}");
    }
    assert_eq!(send_from(&site, "203.0.113.9:1", get_with("/admin/", &local)).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn short_admin_tokens_are_refused_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixtures(&dir.path().join("articles"));
    let mut config = Site::config(dir.path());
    config.admin_token = Secret("short-token".into());
    let err = helpcenter::cmd::serve::prepare(config).err().expect("refused");
    assert!(format!("{err:#}").contains("at least 24"), "{err:#}");
}

fn wrong_login() -> Request<Body> {
    Request::post("/admin/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("token=guess"))
        .expect("request")
}

#[tokio::test]
async fn token_guessing_is_throttled_per_client_and_logged_without_the_secret() {
    let site = Site::with_config(fixtures, |c| c.admin_token = Secret(TOKEN.into()));
    let attacker = "198.51.100.7:4000";
    let budget = helpcenter::http::ATTEMPTS_PER_CLIENT.burst;
    for _ in 0..budget {
        assert_eq!(send_from(&site, attacker, wrong_login()).await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, headers, _) = send_from(&site, attacker, wrong_login()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = headers[header::RETRY_AFTER].to_str().expect("ascii").parse().expect("seconds");
    assert!(retry >= 1);
    // Once throttled, even the right token is not looked at.
    let bearer = |t: &str| get_with("/admin/", &[("authorization", &format!("Bearer {t}"))]);
    assert_eq!(send_from(&site, attacker, bearer(TOKEN)).await.0, StatusCode::TOO_MANY_REQUESTS);
    // Another client is unaffected, by form or by bearer.
    let other = "203.0.113.20:4000";
    assert_eq!(send_from(&site, other, bearer("wrong")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(send_from(&site, other, bearer(TOKEN)).await.0, StatusCode::OK);
    // Bearer guesses count too.
    let bearer_guesser = "192.0.2.50:1";
    let mut last = StatusCode::OK;
    for _ in 0..=budget {
        last = send_from(&site, bearer_guesser, bearer("guess")).await.0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn admin_responses_are_never_cached_and_cookies_are_secure_over_https() {
    let site = Site::with_config(fixtures, |c| {
        c.admin_token = Secret(TOKEN.into());
        c.trusted_proxies = vec!["127.0.0.1".into()];
    });
    let bearer = [("authorization", format!("Bearer {TOKEN}"))];
    let bearer: Vec<(&str, &str)> = bearer.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for uri in ["/admin/", "/admin/problems", "/admin/reports/gaps.csv", "/metrics", "/admin/login"] {
        let (_, headers, _) = send_from(&site, "127.0.0.1:1", get_with(uri, &bearer)).await;
        assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{uri}");
    }
    let (_, headers, _) = send_from(&site, "127.0.0.1:1", get_with("/en/articles/refunds", &bearer)).await;
    assert_eq!(headers[header::CACHE_CONTROL], "no-store", "a page answered to an admin may show drafts");

    let login = |proto: Option<&str>| {
        let mut r = Request::post("/admin/login").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(p) = proto {
            r = r.header("x-forwarded-proto", p);
        }
        r.body(Body::from(format!("token={TOKEN}"))).expect("request")
    };
    let (status, headers, _) = send_from(&site, "127.0.0.1:1", login(Some("https"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = headers[header::SET_COOKIE].to_str().expect("cookie");
    assert!(
        cookie.contains("; Secure") && cookie.contains("SameSite=Strict") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let (_, headers, _) = send_from(&site, "127.0.0.1:1", login(None)).await;
    assert!(!headers[header::SET_COOKIE].to_str().expect("cookie").contains("Secure"), "plain http: no Secure");
    let (_, headers, _) = send_from(&site, "198.51.100.1:1", login(Some("https"))).await;
    assert!(
        !headers[header::SET_COOKIE].to_str().expect("cookie").contains("Secure"),
        "an untrusted peer's X-Forwarded-Proto is not believed"
    );

    let https_site = Site::with_config(fixtures, |c| {
        c.admin_token = Secret(TOKEN.into());
        c.public_url = "https://help.example.com".into();
    });
    let (_, headers, _) = send_from(&https_site, "198.51.100.1:1", login(None)).await;
    assert!(headers[header::SET_COOKIE].to_str().expect("cookie").contains("; Secure"), "public_url is https");
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let site = Site::with_config(fixtures, |c| c.admin_token = Secret(TOKEN.into()));
    let post = |uri: &str, origin: Option<&str>, fetch_site: Option<&str>| {
        let mut r = Request::post(uri)
            .header(header::HOST, "help.example")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            r = r.header(header::ORIGIN, o);
        }
        if let Some(s) = fetch_site {
            r = r.header("sec-fetch-site", s);
        }
        r.body(Body::from("helpful=no")).expect("request")
    };
    for uri in ["/admin/logout", "/admin/login", "/en/articles/refunds/feedback"] {
        assert_eq!(site.send(post(uri, Some("https://evil.example"), None)).await.0, StatusCode::FORBIDDEN, "{uri}");
        assert_eq!(site.send(post(uri, None, Some("cross-site"))).await.0, StatusCode::FORBIDDEN, "{uri}");
        assert_eq!(site.send(post(uri, Some("null"), None)).await.0, StatusCode::FORBIDDEN, "{uri}");
    }
    let (status, _, _) = site.send(post("/en/articles/refunds/feedback", Some("https://help.example"), None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the site's own form");
    let (status, _, _) = site.send(post("/en/articles/refunds/feedback", None, None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "a non-browser client (no Origin, no Sec-Fetch-Site)");
}

#[tokio::test]
async fn images_from_other_hosts_need_the_allowlist() {
    let site = Site::fixtures();
    let (_, headers, _) = site.get("/en/").await;
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().expect("csp");
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
    assert!(!csp.contains("https:"), "no third-party tracking pixels: {csp}");
    let site = Site::with_config(fixtures, |c| c.image_hosts = vec!["https://cdn.example.com".into()]);
    let (_, headers, _) = site.get("/en/").await;
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp")
            .contains("img-src 'self' data: https://cdn.example.com;")
    );
}

#[tokio::test]
async fn odd_folder_names_drafts_and_noisy_files_leak_nothing() {
    let site = Site::with(|a| {
        fixtures(a);
        let odd = a.join("en/q?x#y");
        std::fs::create_dir_all(&odd).expect("odd folder");
        std::fs::write(odd.join("a.md"), "---\ntitle: Odd\n---\nodd\n").expect("article");
        let keys: String = (0..50_000).map(|i| format!("k{i}: 1\n")).collect();
        std::fs::write(a.join("en/billing/noisy.md"), format!("---\ntitle: Noisy\n{keys}---\nBody text here.\n"))
            .expect("noisy");
        std::fs::write(a.join("en/billing/secret-draft.md"), "---\ntitle: Secret plan\ndraft: true\n---\nPlan x.\n")
            .expect("draft");
        std::fs::write(a.join("en/billing/paiement-échoué.md"), "---\ntitle: Paiement échoué\n---\nRéessayez.\n")
            .expect("unicode slug");
    });
    // Slugs in any script: URLs and Location headers are percent-encoded, never a panic.
    let encoded = "/en/articles/paiement-%C3%A9chou%C3%A9";
    assert_eq!(site.get(encoded).await.0, StatusCode::OK);
    let (status, headers, _) = site.get("/ja/articles/paiement-%C3%A9chou%C3%A9").await;
    assert_eq!((status, headers[header::LOCATION].to_str().ok()), (StatusCode::SEE_OTHER, Some(encoded)));
    let vote = Request::post(format!("{encoded}/feedback"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("helpful=yes"))
        .expect("request");
    let (status, headers, _) = site.send(vote).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(headers[header::LOCATION].to_str().expect("ascii").starts_with(encoded));
    let problems = &site.state.catalog().preview.problems;
    assert!(
        problems.iter().any(|p| p.path.ends_with("q?x#y") && p.problem.message.contains("not a valid category")),
        "{problems:?}"
    );
    let noisy: Vec<_> = problems.iter().filter(|p| p.path.ends_with("noisy.md")).collect();
    assert_eq!(noisy.len(), 1, "50k unknown keys are one warning");
    assert!(noisy[0].problem.message.contains("49995 more"), "{}", noisy[0].problem.message);

    std::fs::rename(
        site.articles().join("en/billing/secret-draft.md"),
        site.articles().join("en/billing/project-phoenix-acquisition.md"),
    )
    .expect("rename");
    site.reload();
    let (status, headers, _) = site.get("/en/articles/secret-draft").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a renamed draft leaves no public redirect");
    assert!(!headers.contains_key(header::LOCATION));
    let (_, health) = site.json("/healthz").await;
    assert_eq!(health["indexed"], health["articles"], "the draft count does not leak: {health}");
}

#[tokio::test]
async fn pathological_files_are_reported_fast_and_the_site_keeps_reloading() {
    let site = Site::with(|a| {
        fixtures(a);
        std::fs::write(a.join("_synonyms.toml"), "[en]\nequivalent = [[\"refund\", \"kumquat\"]]\n").expect("synonyms");
    });
    assert_eq!(
        site.search_slugs("kumquat", "en").await.first().map(String::as_str),
        Some("refunds"),
        "the good synonyms work"
    );
    let terms: Vec<String> = (0..10_000).map(|i| format!("\"syn{i:05}word\"")).collect();
    std::fs::write(
        site.articles().join("_synonyms.toml"),
        format!("[en]\nequivalent = [\n[{}],\n]\n", terms.join(", ")),
    )
    .expect("huge group");
    std::fs::write(
        site.articles().join("en/billing/quotes.md"),
        format!("---\ntitle: Quotes\n---\n{}", ">".repeat((1 << 20) - 100)),
    )
    .expect("nested quotes");
    std::fs::write(site.articles().join("en/billing/persimmon.md"), "---\ntitle: Persimmon plan\n---\nPersimmon.\n")
        .expect("a normal save");
    let started = Instant::now();
    site.reload();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "reload with both files took {took:?}");
    let problems = &site.state.catalog().preview.problems;
    let synonyms = problems.iter().find(|p| p.path.ends_with("_synonyms.toml")).expect("synonyms reported");
    assert_eq!(synonyms.problem.line, 3, "{synonyms}");
    assert!(synonyms.problem.message.contains("limit of 50"), "{synonyms}");
    let quotes = problems.iter().find(|p| p.path.ends_with("quotes.md")).expect("quotes reported");
    assert_eq!(quotes.problem.line, 4, "{quotes}");
    assert!(quotes.problem.message.contains("deeper than 100"), "{quotes}");
    assert_eq!(site.search_slugs("persimmon", "en").await, ["persimmon"], "the other save is live");
    assert_eq!(
        site.search_slugs("kumquat", "en").await.first().map(String::as_str),
        Some("refunds"),
        "the last good synonyms stay"
    );
    let (_, _, page) = send_from(&site, "127.0.0.1:1", get_with("/admin/problems", &[("host", "127.0.0.1")])).await;
    assert!(page.contains("quotes.md:4") && page.contains("_synonyms.toml:3"), "shown to writers");
}

/// A site served on a real port with the given limits; returns its address.
async fn serve_with(configure: impl FnOnce(&mut helpcenter::config::Config)) -> (Site, SocketAddr) {
    let site = Site::with_config(fixtures, configure);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = site.state.clone();
    tokio::spawn(async move { helpcenter::http::serve(listener, state, std::future::pending()).await });
    (site, addr)
}

/// Reads until the server closes the connection (or `limit` passes); returns how long.
fn wait_for_close(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    stream.set_read_timeout(Some(Duration::from_millis(100))).expect("timeout");
    let mut buf = [0u8; 4096];
    while started.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return Some(started.elapsed()),
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_are_closed_within_the_timeouts() {
    let (_site, addr) = serve_with(|c| {
        c.server.header_timeout_secs = 1;
        c.server.body_timeout_secs = 1;
    })
    .await;
    let result = tokio::task::spawn_blocking(move || {
        // Trickling headers: a byte now and then never completes the head.
        let mut trickle = TcpStream::connect(addr).expect("connect");
        trickle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").expect("send");
        let writer = trickle.try_clone().expect("clone");
        std::thread::spawn(move || {
            let mut writer = writer;
            for _ in 0..30 {
                std::thread::sleep(Duration::from_millis(200));
                if writer.write_all(b"X-A: b\r\n").is_err() {
                    break;
                }
            }
        });
        let trickled = wait_for_close(&mut trickle, Duration::from_secs(8));
        // Saying nothing at all.
        let mut silent = TcpStream::connect(addr).expect("connect");
        let silence = wait_for_close(&mut silent, Duration::from_secs(8));
        // A body that never finishes.
        let mut body = TcpStream::connect(addr).expect("connect");
        body.write_all(
            b"POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"type\":",
        )
        .expect("send");
        let partial_body = wait_for_close(&mut body, Duration::from_secs(8));
        // Idle keep-alive after a complete exchange.
        let mut idle = TcpStream::connect(addr).expect("connect");
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
        let idled = wait_for_close(&mut idle, Duration::from_secs(8));
        (trickled, silence, partial_body, idled)
    })
    .await
    .expect("probe");
    let (trickled, silence, partial_body, idled) = result;
    for (what, closed) in [
        ("trickled headers", trickled),
        ("silence", silence),
        ("partial body", partial_body),
        ("idle keep-alive", idled),
    ] {
        let took = closed.unwrap_or_else(|| panic!("{what}: still open after 8 s"));
        assert!(took < Duration::from_secs(4), "{what} closed after {took:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let (_site, addr) = serve_with(|c| {
        c.server.header_timeout_secs = 2;
        c.server.max_connections = 2;
    })
    .await;
    let waited = tokio::task::spawn_blocking(move || {
        let _a = TcpStream::connect(addr).expect("connect");
        let _b = TcpStream::connect(addr).expect("connect");
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        let mut c = TcpStream::connect(addr).expect("connect");
        c.set_read_timeout(Some(Duration::from_secs(8))).expect("timeout");
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("send");
        let mut response = String::new();
        let _ = c.read_to_string(&mut response);
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        started.elapsed()
    })
    .await
    .expect("probe");
    assert!(waited >= Duration::from_millis(1200), "the third connection was served before a slot freed: {waited:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_with_open_streams_exits_in_time_logs_every_search_and_redacts_debug_logs() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixtures(&dir.path().join("articles"));
    let log_db = dir.path().join("log.db");
    let stderr_file = std::fs::File::create(dir.path().join("stderr.log")).expect("stderr file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_helpcenter"))
        .args(["serve", "--dev", "--addr", "127.0.0.1:0", "--no-watch"])
        .args(["--searchlog", &format!("sqlite://{}", log_db.display())])
        .current_dir(dir.path())
        .env("HELPCENTER_LOG", "debug")
        .env_remove("HELPCENTER_ARTICLES")
        .env_remove("HELPCENTER_INDEX")
        .env_remove("HELPCENTER_ADDR")
        .env_remove("HELPCENTER_SEARCHLOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr_file))
        .spawn()
        .expect("spawn serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read line");
    let addr = line.trim().strip_prefix("listening on http://").expect("address").to_owned();

    let mut sse = TcpStream::connect(&addr).expect("connect");
    write!(sse, "GET /_dev/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("send");
    sse.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let mut head = [0u8; 256];
    let n = sse.read(&mut head).expect("stream head");
    assert!(String::from_utf8_lossy(&head[..n]).contains("text/event-stream"));
    let mut half = TcpStream::connect(&addr).expect("connect");
    write!(half, "GET /en/search?q=refund HTTP/1.1\r\nHost: {addr}\r\n").expect("half a request");

    let searches = 25;
    for i in 0..searches {
        let query = if i == 0 { "jane.doe@example.com refund".to_owned() } else { format!("refund {i}") };
        let mut s = TcpStream::connect(&addr).expect("connect");
        let q: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
        write!(s, "GET /api/search?q={q} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
        let mut response = String::new();
        s.read_to_string(&mut response).expect("read");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }
    let started = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill").success());
    let exited = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still running 10 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exited.success(), "{exited:?}");
    drop((sse, half));
    let store = helpcenter::searchlog::Store::connect_lazy(&format!("sqlite://{}", log_db.display())).expect("store");
    assert_eq!(store.count("searches").await.expect("count"), searches, "every answered search logged");
    let logs = std::fs::read_to_string(dir.path().join("stderr.log")).expect("logs");
    assert!(logs.contains("/api/search"), "debug request logs are written");
    assert!(!logs.contains("jane.doe") && !logs.contains("jane.doe%40"), "raw query in the log");
    assert!(logs.contains("[email]"), "the redacted form is logged instead");
}
