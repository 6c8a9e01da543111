//! The search log and its reports, against every backend (SQLite always; PostgreSQL when
//! `HELPCENTER_TEST_POSTGRES_URL` is set, as in CI).

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use helpcenter::report::{self, Period};
use helpcenter::searchlog::event::{now, random_id};
use helpcenter::searchlog::{ClickEvent, ContactEvent, Event, FeedbackEvent, SearchEvent, SearchLog, Source, Store};

use crate::support::{Site, backends, encode, flush, logged_site, search_event, store};

fn post_event(json: &str, cookie: Option<&str>) -> Request<Body> {
    let mut r = Request::post("/api/events").header(header::CONTENT_TYPE, "application/json");
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::from(json.to_owned())).expect("req")
}

fn visit_cookie(headers: &axum::http::HeaderMap) -> String {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("hc_visit="))
        .and_then(|c| c.split(';').next())
        .expect("visit cookie")
        .to_owned()
}

#[tokio::test]
async fn every_event_kind_is_stored() {
    for backend in backends().await {
        let site = logged_site(&backend.url);
        let (_, headers, page) = site.get("/en/search?q=refund").await;
        let cookie = visit_cookie(&headers);
        let sid = page.split("data-sid=\"").nth(1).map(|s| s[..32].to_owned()).expect("the page names its search");
        // The result's click (the page's script sends it) and the view it leads to.
        let click = format!(r#"{{"type":"click","search_id":"{sid}","slug":"refunds","position":1}}"#);
        assert_eq!(site.send(post_event(&click, Some(&cookie))).await.0, StatusCode::ACCEPTED);
        let view = Request::get("/en/articles/refunds")
            .header(header::COOKIE, format!("{cookie}; hc_search={sid}"))
            .body(Body::empty())
            .expect("req");
        site.send(view).await;
        let (_, api) = site.json("/api/search?q=invoices&locale=en").await;
        assert!(api["search_id"].as_str().is_some_and(|s| s.len() == 32), "{api}");
        let feedback = format!(
            r#"{{"type":"feedback","locale":"en","slug":"refunds","helpful":false,"reason":"outdated","comment":"needs more","score":3,"search_id":"{sid}"}}"#
        );
        assert_eq!(site.send(post_event(&feedback, Some(&cookie))).await.0, StatusCode::ACCEPTED);
        let click = format!(r#"{{"type":"click","search_id":"{sid}","slug":"refunds","position":1}}"#);
        assert_eq!(site.send(post_event(&click, Some(&cookie))).await.0, StatusCode::ACCEPTED);
        let (status, headers, _) = site.get(&format!("/en/contact?sid={sid}&q=refund+late")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            headers[header::LOCATION],
            "https://support.example/contact?q=refund%20late",
            "query carried to support"
        );
        let form = Request::post("/en/articles/refunds/feedback")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("helpful=yes&sid={sid}&score=9")))
            .expect("req");
        site.send(form).await;
        flush(&site).await;
        let s = store(&site);
        assert_eq!(s.count("searches").await.expect("count"), 2, "{}: page + api searches", backend.name);
        assert_eq!(s.count("clicks").await.expect("count"), 2, "{}", backend.name);
        assert_eq!(s.count("views").await.expect("count"), 1, "{}", backend.name);
        assert_eq!(s.count("feedback").await.expect("count"), 2, "{}", backend.name);
        assert_eq!(s.count("contacts").await.expect("count"), 1, "{}", backend.name);
        let data = s.load(0, now() + 10, None).await.expect("load");
        let search = data.searches.iter().find(|r| r.id == sid).expect("page search stored");
        assert_eq!(
            (search.query.as_str(), search.normalized.as_str(), search.source.as_str()),
            ("refund", "refund", "page")
        );
        assert!(search.results >= 1, "result count stored");
        assert_eq!(search.visit, cookie.trim_start_matches("hc_visit="), "anonymous visit id from the cookie");
        let fb = data.feedback.iter().find(|f| !f.helpful).expect("not helpful vote");
        assert_eq!(
            (fb.reason.as_deref(), fb.comment.as_deref(), fb.score, fb.search_id.as_deref()),
            (Some("outdated"), Some("needs more"), Some(3), Some(sid.as_str()))
        );
    }
}

#[tokio::test]
async fn personal_data_is_redacted_before_storage() {
    for backend in backends().await {
        let site = logged_site(&backend.url);
        let q = "locked out jane.doe@example.com call +1 555 123 4567 order 123456789";
        site.get(&format!("/en/search?{}", encode(&[("q", q)]))).await;
        let comment = r#"{"type":"feedback","locale":"en","slug":"refunds","helpful":false,"comment":"mail me at bob@example.org"}"#;
        site.send(post_event(comment, None)).await;
        flush(&site).await;
        let data = store(&site).load(0, now() + 10, None).await.expect("load");
        let stored = &data.searches[0].query;
        assert_eq!(stored, "locked out [email] call [phone] order [number]", "{}", backend.name);
        assert!(!data.searches[0].normalized.contains("example"), "normalized key redacted too");
        assert_eq!(data.feedback[0].comment.as_deref(), Some("mail me at [email]"));
    }
}

#[tokio::test]
async fn typeahead_prefixes_collapse_into_one_search() {
    for backend in backends().await {
        let store = Store::connect_lazy(&backend.url).expect("store");
        let log = SearchLog::start(store.clone(), 365);
        let typed = "reset password";
        for end in 1..=typed.len() {
            log.record(typeahead("visit-a", &typed[..end]));
        }
        log.record(typeahead("visit-b", "refund"));
        assert!(log.flush(Duration::from_secs(20)).await);
        let data = store.load(0, now() + 10, None).await.expect("load");
        let mut queries: Vec<&str> = data.searches.iter().map(|s| s.query.as_str()).collect();
        queries.sort();
        assert_eq!(queries, vec!["refund", "reset password"], "{}: 15 keystrokes, 2 searches", backend.name);
    }
}

fn typeahead(visit: &str, q: &str) -> Event {
    Event::Search(search_event(q, 1, visit, Source::Typeahead, 0))
}

fn search(q: &str, results: i64, days_ago: i64) -> SearchEvent {
    search_event(q, results, &random_id(), Source::Page, days_ago * 86_400 + 60)
}

/// The last 30 days, every locale and source.
pub fn last_30_days() -> report::Filter {
    report::Filter::new(Period::ending(now(), 30 * 86_400), None, None).expect("filter")
}

/// Stores events directly.
async fn seed(store: &Store, events: Vec<Event>) {
    store.migrate().await.expect("migrate");
    store.insert(&events).await.expect("insert");
}

fn click(s: &SearchEvent) -> Event {
    Event::Click(ClickEvent {
        at: s.at + 5,
        search_id: s.id.clone(),
        slug: "refunds".into(),
        position: 1,
        kind: "result".into(),
        visit: s.visit.clone(),
    })
}

#[tokio::test]
async fn a_planted_zero_result_query_ranks_first_in_gaps() {
    for backend in backends().await {
        let store = Store::connect_lazy(&backend.url).expect("store");
        let mut events = Vec::new();
        for i in 0..20 {
            let s = search(if i % 2 == 0 { "refund" } else { "Refunds" }, 4, 1);
            events.push(click(&s));
            events.push(Event::Search(s));
        }
        for q in [
            "xylophone warranty",
            "xylophone  warranty",
            "Xylophone warranty",
            "xylophone  warrant",
            "warranty for xylophone",
            "xylophon warranty",
        ] {
            events.push(Event::Search(search(q, 0, 2)));
        }
        events.push(Event::Search(search("invoice pdf", 3, 1)));
        events.sort_by_key(|e| matches!(e, Event::Click(_)));
        seed(&store, events).await;
        let filter = last_30_days();
        let gaps = report::gaps(&store, &filter, 10).await.expect("gaps");
        assert_eq!(gaps[0].key, "warranti xylophon", "{}: {gaps:?}", backend.name);
        assert_eq!(gaps[0].query, "xylophone warranty", "shown as most often typed");
        assert_eq!(gaps[0].searches, 6, "near-duplicates (a typo) grouped");
        assert_eq!(gaps[0].zero_result_share, 1.0);
        assert!(gaps[0].examples.contains(&"xylophone warranty".to_owned()));
        assert!(gaps.iter().all(|g| g.key != "refund"), "answered queries are not gaps");
        let top = report::top_queries(&store, &filter, 10).await.expect("queries");
        assert_eq!((top[0].key.as_str(), top[0].searches), ("refund", 20), "Refunds and refund grouped");
    }
}

#[tokio::test]
async fn click_through_contact_and_not_helpful_are_attributed() {
    for backend in backends().await {
        let store = Store::connect_lazy(&backend.url).expect("store");
        let clicked = search("refund", 2, 1);
        let unclicked = search("chargeback dispute", 2, 1);
        let events = vec![
            Event::Search(clicked.clone()),
            Event::Search(unclicked.clone()),
            click(&clicked),
            Event::Contact(ContactEvent {
                at: unclicked.at + 30,
                locale: "en".into(),
                search_id: Some(unclicked.id.clone()),
                slug: None,
                query: Some("chargeback dispute".into()),
                visit: unclicked.visit.clone(),
            }),
            Event::Feedback(FeedbackEvent {
                at: clicked.at + 60,
                locale: "en".into(),
                slug: "refunds".into(),
                helpful: false,
                reason: None,
                comment: Some("no answer".into()),
                score: Some(2),
                search_id: Some(clicked.id.clone()),
                visit: clicked.visit.clone(),
            }),
        ];
        seed(&store, events).await;
        let filter = last_30_days();
        let funnel = report::funnel(&store, &filter).await.expect("funnel").current;
        assert_eq!((funnel.searches, funnel.searches_with_click), (2, 1), "{}", backend.name);
        assert_eq!(funnel.click_through_rate, 0.5, "searches with a click ÷ searches");
        assert_eq!((funnel.contacts_after_search, funnel.not_helpful), (1, 1));
        let gaps = report::gaps(&store, &filter, 10).await.expect("gaps");
        let dispute = gaps.iter().find(|g| g.key == "chargeback disput").expect("unclicked + contact is a gap");
        assert_eq!((dispute.contacts, dispute.click_through), (1, 0.0));
        let refund = gaps.iter().find(|g| g.key == "refund").expect("not helpful makes a gap");
        assert_eq!(refund.not_helpful, 1);
        let articles = report::articles(&store, &filter, 10).await.expect("articles");
        assert_eq!(
            (articles[0].slug.as_str(), articles[0].votes, articles[0].average_score),
            ("refunds", 1, Some(2.0))
        );
        assert_eq!(articles[0].comments, vec!["no answer".to_owned()]);
    }
}

#[tokio::test]
async fn retention_purges_old_events() {
    for backend in backends().await {
        let store = Store::connect_lazy(&backend.url).expect("store");
        seed(&store, vec![Event::Search(search("old", 1, 400)), Event::Search(search("new", 1, 1))]).await;
        let purged = store.purge(now() - 365 * 86_400).await.expect("purge");
        assert_eq!(purged, 1, "{}", backend.name);
        let data = store.load(0, now() + 10, None).await.expect("load");
        assert_eq!(data.searches.iter().map(|s| s.query.as_str()).collect::<Vec<_>>(), vec!["new"]);
        // The rollups forget the purged days too.
        let two_years = report::Filter::new(Period::ending(now(), 730 * 86_400), None, None).expect("filter");
        assert_eq!(report::funnel(&store, &two_years).await.expect("funnel").current.searches, 1, "{}", backend.name);
        let top = report::top_queries(&store, &two_years, 10).await.expect("queries");
        assert_eq!(top.iter().map(|q| q.key.as_str()).collect::<Vec<_>>(), ["new"], "{}", backend.name);
    }
}

#[tokio::test]
async fn events_api_is_strict_bounded_and_rate_limited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = logged_site(&format!("sqlite://{}", dir.path().join("log.db").display()));
    let unknown = r#"{"type":"click","search_id":"0123456789abcdef0123456789abcdef","slug":"refunds","position":1,"ip":"1.2.3.4"}"#;
    let (status, _, body) = site.send(post_event(unknown, Some("hc_visit=00000000000000000000000000000001"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("unknown field"), "{body}");
    assert_eq!(site.send(post_event("{not json", None)).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(site.send(post_event(r#"{"type":"teleport"}"#, None)).await.0, StatusCode::BAD_REQUEST);
    let bad_score = r#"{"type":"feedback","locale":"en","slug":"refunds","helpful":true,"score":11}"#;
    assert_eq!(site.send(post_event(bad_score, None)).await.0, StatusCode::BAD_REQUEST);
    let long = format!(
        r#"{{"type":"feedback","locale":"en","slug":"refunds","helpful":true,"comment":"{}"}}"#,
        "x".repeat(1001)
    );
    assert_eq!(site.send(post_event(&long, None)).await.0, StatusCode::BAD_REQUEST, "comment over 1000 characters");
    let huge = format!(r#"{{"type":"contact","locale":"en","query":"{}"}}"#, "x".repeat(20_000));
    assert_eq!(site.send(post_event(&huge, None)).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    let ok = r#"{"type":"contact","locale":"en"}"#;
    let cookie = "hc_visit=0123456789abcdef0123456789abcdef";
    let mut limited = None;
    for _ in 0..40 {
        let (status, headers, _) = site.send(post_event(ok, Some(cookie))).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(headers);
            break;
        }
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let headers = limited.expect("rate limited within 40 events");
    assert!(headers[header::RETRY_AFTER].to_str().unwrap_or("").parse::<u64>().is_ok_and(|s| s >= 1));
    assert_eq!(
        site.send(post_event(ok, Some("hc_visit=fedcba9876543210fedcba9876543210"))).await.0,
        StatusCode::ACCEPTED,
        "other visits unaffected"
    );
}

#[tokio::test]
async fn a_database_that_is_down_never_stops_searches() {
    // Nothing listens on port 9: every connection attempt fails.
    let site = logged_site("postgres://helpcenter@127.0.0.1:9/none");
    for q in ["refund", "password", "invoices"] {
        let (status, _, body) = site.get(&format!("/en/search?q={q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert!(body.contains("/en/articles/"), "results served");
        assert_eq!(site.json(&format!("/api/search?q={q}&locale=en")).await.0, StatusCode::OK);
    }
    let log = site.state.searchlog().expect("on");
    let errors = site
        .wait_until(Duration::from_secs(10), || async {
            log.counters().write_errors.load(std::sync::atomic::Ordering::Relaxed) > 0
        })
        .await;
    assert!(errors.is_some(), "write failures are counted");
    let kept = || log.backlog() + log.counters().journaled.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        site.wait_until(Duration::from_secs(10), || async { kept() >= 6 }).await.is_some(),
        "events kept for a retry (in memory or in the outage journal): {}",
        kept()
    );
    let metrics = Request::get("/metrics").header(header::AUTHORIZATION, "Bearer x").body(Body::empty()).expect("req");
    let _ = site.send(metrics).await;
}

#[tokio::test]
async fn reports_and_metrics_are_not_public() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("log.db").display());
    let site = Site::with_config(
        |a| crate::support::copy_dir(&crate::support::repo().join("tests/fixtures/articles"), a),
        |c| {
            c.searchlog = url;
            c.admin_token = helpcenter::config::Secret(crate::support::TOKEN.into());
        },
    );
    for uri in ["/admin/", "/admin/reports/gaps.csv", "/metrics"] {
        assert_eq!(site.get(uri).await.0, StatusCode::UNAUTHORIZED, "{uri}");
    }
    site.get("/en/search?q=xylophone").await;
    flush(&site).await;
    let auth = |uri: &str| {
        Request::get(uri)
            .header(header::AUTHORIZATION, format!("Bearer {}", crate::support::TOKEN))
            .body(Body::empty())
            .expect("req")
    };
    let (status, _, dashboard) = site.send(auth("/admin/?since=7d")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(dashboard.contains("Content gaps") && dashboard.contains("xylophon"), "gap listed on the dashboard");
    assert!(dashboard.contains("<svg class=\"trend\""), "server-rendered chart");
    let (status, headers, csv) = site.send(auth("/admin/reports/gaps.csv?since=7d")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap_or("").starts_with("text/csv"));
    assert!(csv.starts_with("query,searches,visits") && csv.contains("xylophone"), "{csv}");
    let (_, _, metrics) = site.send(auth("/metrics")).await;
    assert!(metrics.contains("helpcenter_searchlog_written_total 1"), "{metrics}");
}

#[tokio::test]
async fn the_writer_purges_expired_events_on_its_own() {
    for backend in backends().await {
        let store = Store::connect_lazy(&backend.url).expect("store");
        seed(&store, vec![Event::Search(search("ancient", 1, 400)), Event::Search(search("recent", 1, 10))]).await;
        let log = SearchLog::start(store.clone(), 365);
        log.record(Event::Search(search("now", 1, 0)));
        assert!(log.flush(Duration::from_secs(20)).await);
        let purged = async {
            for _ in 0..100 {
                if log.counters().purged.load(std::sync::atomic::Ordering::Relaxed) >= 1 {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            false
        };
        assert!(purged.await, "{}: retention runs without being asked", backend.name);
        let data = store.load(0, now() + 10, None).await.expect("load");
        let mut left: Vec<&str> = data.searches.iter().map(|s| s.query.as_str()).collect();
        left.sort();
        assert_eq!(left, vec!["now", "recent"], "{}", backend.name);
    }
}

/// Replicas (and, in one process, the writer and the first report) start together: their
/// migrations run one at a time, none fails, and the data backfills run once.
#[tokio::test]
async fn concurrent_migrations_on_a_fresh_database_all_succeed() {
    for backend in backends().await {
        let stores: Vec<Store> = (0..4).map(|_| Store::connect_lazy(&backend.url).expect("store")).collect();
        let results = futures_util::future::join_all(stores.iter().map(|s| s.migrate())).await;
        for result in results {
            result.unwrap_or_else(|e| panic!("{}: {e}", backend.name));
        }
        let store = &stores[0];
        store.insert(&[Event::Search(search("refund", 2, 0))]).await.expect("insert");
        let funnel = report::funnel(store, &last_30_days()).await.expect("funnel").current;
        assert_eq!(funnel.searches, 1, "{}", backend.name);
    }
}
