//! Analytics over the rollups, against every backend: the rollups agree with a full scan
//! of the same events, grouping is honest, today is in the trends, keywords gather many
//! phrasings, import/export keep good lines and name bad ones, and no personal data
//! reaches any table.

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use helpcenter::report;
use helpcenter::searchlog::event::{now, random_id};
use helpcenter::searchlog::{ClickEvent, ContactEvent, Event, FeedbackEvent, SearchEvent, Source, Store};

use crate::searchlog::last_30_days;
use crate::support::{backends, encode, flush, logged_site, search_event, store};

/// A small deterministic generator (xorshift), so the events are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn event_search(q: &str, results: i64, visit: &str, seconds_ago: i64, source: Source) -> SearchEvent {
    search_event(q, results, visit, source, seconds_ago)
}

#[tokio::test]
async fn rollups_match_a_full_scan_of_the_same_events() {
    const WORDS: [&str; 8] = ["refund", "invoice", "password", "export", "webhook", "calendar", "billing", "xylophone"];
    for backend in backends().await {
        let store = Store::connect_lazy(&backend.url).expect("store");
        store.migrate().await.expect("migrate");
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut events = Vec::new();
        let visits: Vec<String> = (0..40).map(|_| random_id()).collect();
        for _ in 0..600 {
            let q = WORDS[rng.below(WORDS.len() as u64) as usize];
            let results = if rng.below(5) == 0 { 0 } else { 1 + rng.below(9) as i64 };
            let visit = &visits[rng.below(visits.len() as u64) as usize];
            let source = [Source::Page, Source::Api, Source::Typeahead][rng.below(3) as usize];
            let s = event_search(q, results, visit, 60 + rng.below(6 * 86_400) as i64, source);
            let at = s.at;
            let id = s.id.clone();
            events.push(Event::Search(s));
            if results > 0 && rng.below(3) == 0 {
                for _ in 0..1 + rng.below(2) {
                    events.push(Event::Click(ClickEvent {
                        at: at + 5,
                        search_id: id.clone(),
                        slug: "refunds".into(),
                        position: 1 + rng.below(5) as i64,
                        kind: "result".into(),
                        visit: visit.clone(),
                    }));
                }
            }
            if rng.below(10) == 0 {
                events.push(Event::Contact(ContactEvent {
                    at: at + 30,
                    locale: "en".into(),
                    search_id: Some(id.clone()),
                    slug: None,
                    query: Some(q.into()),
                    visit: visit.clone(),
                }));
            }
            if rng.below(8) == 0 {
                events.push(Event::Feedback(FeedbackEvent {
                    at: at + 60,
                    locale: "en".into(),
                    slug: "refunds".into(),
                    helpful: rng.below(2) == 0,
                    reason: None,
                    comment: None,
                    score: None,
                    search_id: Some(id.clone()),
                    visit: visit.clone(),
                }));
            }
        }
        // Written in several batches, as the writer would.
        for chunk in events.chunks(97) {
            store.insert(chunk).await.expect("insert");
        }
        // The full scan, computed here from the raw rows.
        let data = store.load(0, now() + 10, None).await.expect("load");
        let clicked: HashSet<&str> = data.clicks.iter().map(|c| c.search_id.as_str()).collect();
        let contacted: HashSet<&str> = data.contacts.iter().filter_map(|c| c.search_id.as_deref()).collect();
        let mut per_key: HashMap<&str, (i64, i64, i64, i64)> = HashMap::new();
        for s in &data.searches {
            let e = per_key.entry(s.normalized.as_str()).or_default();
            e.0 += 1;
            e.1 += i64::from(s.results == 0);
            e.2 += i64::from(clicked.contains(s.id.as_str()));
            e.3 += i64::from(contacted.contains(s.id.as_str()));
        }
        let by_id: HashMap<&str, &str> = data.searches.iter().map(|s| (s.id.as_str(), s.normalized.as_str())).collect();
        let mut votes: (i64, i64) = (0, 0);
        for f in &data.feedback {
            if f.search_id.as_deref().is_some_and(|id| by_id.contains_key(id)) {
                if f.helpful {
                    votes.0 += 1;
                } else {
                    votes.1 += 1;
                }
            }
        }
        let filter = last_30_days();
        let metrics = report::funnel(&store, &filter).await.expect("funnel").current;
        let total = |i: fn(&(i64, i64, i64, i64)) -> i64| per_key.values().map(i).sum::<i64>();
        assert_eq!(metrics.searches, 600, "{}", backend.name);
        assert_eq!(metrics.no_results, total(|e| e.1), "{}", backend.name);
        assert_eq!(
            metrics.searches_with_click,
            total(|e| e.2),
            "{}: a search counts once however many clicks",
            backend.name
        );
        assert_eq!(metrics.contacts_after_search, total(|e| e.3), "{}", backend.name);
        assert_eq!((metrics.helpful, metrics.not_helpful), votes, "{}", backend.name);
        assert!(metrics.click_through_rate <= 1.0);
        let visits_seen: HashSet<&str> = data.searches.iter().map(|s| s.visit.as_str()).collect();
        assert!(metrics.visits >= visits_seen.len() as i64, "visits counted once a day");
        let top = report::top_queries(&store, &filter, 20).await.expect("queries");
        assert_eq!(top.len(), WORDS.len(), "{}", backend.name);
        for row in &top {
            let (searches, zero, clicks, _) = per_key[row.key.as_str()];
            assert_eq!(row.searches, searches, "{}: {}", backend.name, row.key);
            assert!((row.zero_result_share - zero as f64 / searches as f64).abs() < 1e-9, "{}", row.key);
            assert!((row.click_through - clicks as f64 / searches as f64).abs() < 1e-9, "{}", row.key);
        }
        let trends = report::trends(&store, &filter).await.expect("trends");
        assert_eq!(trends.iter().map(|d| d.searches).sum::<i64>(), 600, "{}: every search on its day", backend.name);
        assert_eq!(trends.iter().map(|d| d.contacts).sum::<i64>(), data.contacts.len() as i64);
        // Searches sent again (a client's retry) with their clicks and contacts, cut into
        // other batches: no search, first click or contact counts twice.
        for chunk in events.chunks(250).filter(|c| c.iter().any(|e| matches!(e, Event::Search(_)))) {
            let searches_and_credits: Vec<Event> =
                chunk.iter().filter(|e| !matches!(e, Event::Feedback(_))).cloned().collect();
            store.insert(&searches_and_credits).await.expect("insert again");
        }
        let again = report::funnel(&store, &filter).await.expect("funnel").current;
        assert_eq!(
            (again.searches, again.searches_with_click, again.contacts_after_search),
            (metrics.searches, metrics.searches_with_click, metrics.contacts_after_search),
            "{}",
            backend.name
        );
    }
}

#[tokio::test]
async fn error_codes_stay_apart_while_case_width_and_spacing_merge() {
    for backend in backends().await {
        let store = Store::connect_lazy(&backend.url).expect("store");
        let mut events = Vec::new();
        for q in ["error TL-1001", "error TL-1001", "Error TL-1001", "error TL-1007", "error TL-1007"] {
            events.push(Event::Search(SearchEvent::new(q, "en", 0, false, Source::Page, random_id())));
        }
        for q in ["Cancel plan", "cancel  plan", "ｃａｎｃｅｌ plan", "cancel plan"] {
            events.push(Event::Search(SearchEvent::new(q, "en", 0, false, Source::Page, random_id())));
        }
        store.migrate().await.expect("migrate");
        store.insert(&events).await.expect("insert");
        let gaps = report::gaps(&store, &last_30_days(), 10).await.expect("gaps");
        let shown: Vec<(&str, i64)> = gaps.iter().map(|g| (g.query.as_str(), g.searches)).collect();
        assert!(shown.contains(&("error TL-1001", 3)), "{}: {shown:?}", backend.name);
        assert!(shown.contains(&("error TL-1007", 2)), "{}: two error codes, two gaps: {shown:?}", backend.name);
        assert!(shown.contains(&("cancel plan", 4)), "{}: case, width and spacing merge: {shown:?}", backend.name);
        assert_eq!(gaps.len(), 3, "{}", backend.name);
        let table = report::Table::gaps(&gaps, report::Keys::Hidden);
        assert!(!table.headers.contains(&"group"), "the grouping key is not shown");
        assert!(table.rows.iter().all(|r| !r.contains(&"1001 error tl".to_owned())));
        let export = report::Table::gaps(&gaps, report::Keys::Exported).to_csv();
        assert!(export.contains("1001 error tl"), "exports keep the key: {export}");
    }
}

#[tokio::test]
async fn today_is_in_the_trends_and_an_empty_log_reports_nothing() {
    for backend in backends().await {
        let store = Store::connect_lazy(&backend.url).expect("store");
        store.migrate().await.expect("migrate");
        let filter = last_30_days();
        assert!(report::gaps(&store, &filter, 10).await.expect("empty gaps").is_empty(), "{}", backend.name);
        let empty = report::trends(&store, &filter).await.expect("empty trends");
        assert!(empty.iter().all(|d| d.searches == 0) && empty.len() >= 30);
        store.insert(&[Event::Search(search_event("refund", 2, "v", Source::Page, 0))]).await.expect("insert");
        let trends = report::trends(&store, &filter).await.expect("trends");
        let today = time::OffsetDateTime::now_utc().date().to_string();
        let last = trends.last().expect("days");
        assert_eq!(
            (last.day.as_str(), last.searches),
            (today.as_str(), 1),
            "{}: today's search is charted",
            backend.name
        );
    }
}

#[tokio::test]
async fn a_word_shared_by_many_failed_phrasings_tops_the_keywords() {
    for backend in backends().await {
        let store = Store::connect_lazy(&backend.url).expect("store");
        let mut events = Vec::new();
        for q in [
            "invoice missing",
            "where is my invoice",
            "download invoices",
            "invoice pdf broken",
            "invoice address change",
            "invoice VAT number",
            "resend invoice",
            "Invoice history",
            "invoce copy",
            "invoice in japanese yen",
        ] {
            events.push(Event::Search(SearchEvent::new(q, "en", 0, false, Source::Page, random_id())));
        }
        for _ in 0..6 {
            events.push(Event::Search(SearchEvent::new("zebra crossing", "en", 0, false, Source::Page, random_id())));
        }
        store.migrate().await.expect("migrate");
        store.insert(&events).await.expect("insert");
        let filter = last_30_days();
        let gaps = report::gaps(&store, &filter, 5).await.expect("gaps");
        assert_eq!(gaps[0].query, "zebra crossing", "{}: the most frequent phrasing is the top gap", backend.name);
        let keywords = report::keywords(&store, &filter, 5).await.expect("keywords");
        assert_eq!(keywords[0].keyword, "invoice", "{}: {keywords:?}", backend.name);
        assert_eq!(keywords[0].queries, 10, "{}: ten phrasings, the typo folded in", backend.name);
        assert!(keywords[0].examples.len() == 3);
    }
}

fn helpcenter(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_helpcenter")).args(args).output().expect("run helpcenter")
}

#[tokio::test]
async fn import_keeps_good_lines_names_bad_ones_and_export_gives_them_back() {
    for backend in backends().await {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("events.jsonl");
        let sid = random_id();
        let lines = [
            format!(r#"{{"type":"search","at":"2026-11-01T10:00:00Z","locale":"en","query":"refund late","results":0,"visit":"crm-42","id":"{sid}"}}"#),
            r#"{"type":"search","at":"2026-11-01T10:00:00Z","locale":"en","query":"oops""#.to_owned(),
            format!(r#"{{"type":"click","at":1793527205,"search_id":"{sid}","slug":"refunds","position":2}}"#),
            r#"{"type":"search","at":"2026-11-01T10:00:00Z","locale":"en","query":"x","results":1,"ip":"10.0.0.1"}"#.to_owned(),
            String::new(),
            r#"{"type":"feedback","at":1793527300,"locale":"en","slug":"refunds","helpful":false,"comment":"call 090-1234-5678"}"#.to_owned(),
        ];
        std::fs::write(&file, lines.join("\n")).expect("write");
        let out = helpcenter(&["--searchlog", &backend.url, "searchlog", "import", file.to_str().expect("path")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: refused lines make exit 1: {stderr}", backend.name);
        assert!(stderr.contains("events.jsonl:2:") && stderr.contains("events.jsonl:4:"), "{stderr}");
        assert!(stderr.contains("unknown field"), "{stderr}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("imported 3 events, refused 2 lines"));
        let store = Store::connect_lazy(&backend.url).expect("store");
        assert_eq!(store.count("searches").await.expect("count"), 1);
        assert_eq!(store.count("clicks").await.expect("count"), 1);
        let data = store.load(0, now() + 10, None).await.expect("load");
        assert_eq!(data.feedback[0].comment.as_deref(), Some("call [phone]"), "imported text is redacted");
        assert!(!data.searches[0].visit.contains("crm"), "a foreign visit id is pseudonymized");
        let from = time::Date::from_calendar_date(2026, time::Month::November, 1).expect("date");
        let period = report::Period { from: from.midnight().assume_utc().unix_timestamp(), to: now() + 1 };
        let filter = report::Filter::new(period, None, None).expect("filter");
        let metrics = report::funnel(&store, &filter).await.expect("funnel").current;
        assert_eq!((metrics.searches, metrics.searches_with_click), (1, 1), "imports build the rollups");
        let exported = dir.path().join("out.jsonl");
        let out = helpcenter(&[
            "--searchlog",
            &backend.url,
            "searchlog",
            "export",
            "--output",
            exported.to_str().expect("p"),
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = std::fs::read_to_string(&exported).expect("export");
        let kinds: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).expect("json")["type"].as_str().unwrap_or("").to_owned()
            })
            .collect();
        assert_eq!(kinds, ["search", "click", "feedback"], "{}: in time order", backend.name);
        // Importing the export again adds nothing twice (ids are kept; searches dedupe).
        let again = helpcenter(&["--searchlog", &backend.url, "searchlog", "import", exported.to_str().expect("p")]);
        assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
        assert_eq!(store.count("searches").await.expect("count"), 1);
    }
}

#[tokio::test]
async fn an_import_in_several_transactions_credits_clicks_across_them() {
    for backend in backends().await {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("events.jsonl");
        let start = 1_793_527_200; // 2026-11-01
        let mut lines = Vec::new();
        for i in 0..1_200 {
            let sid = random_id();
            let at = start + i;
            lines.push(format!(r#"{{"type":"search","at":{at},"locale":"en","query":"refund {i}","results":3,"visit":"v{i}","id":"{sid}"}}"#));
            lines.push(format!(r#"{{"type":"click","at":{at},"search_id":"{sid}","slug":"refunds","position":1}}"#));
        }
        std::fs::write(&file, lines.join("\n")).expect("write");
        let tiny = helpcenter(&["--searchlog", &backend.url, "searchlog", "import", "--batch", "10", "x"]);
        assert!(
            String::from_utf8_lossy(&tiny.stderr).contains("1000"),
            "a batch below 1,000 is refused with the range"
        );
        let out = helpcenter(&[
            "--searchlog",
            &backend.url,
            "searchlog",
            "import",
            "--batch",
            "1000",
            file.to_str().expect("p"),
        ]);
        assert!(out.status.success(), "{}: {}", backend.name, String::from_utf8_lossy(&out.stderr));
        let store = Store::connect_lazy(&backend.url).expect("store");
        assert_eq!(store.count("searches").await.expect("count"), 1_200, "{}", backend.name);
        let from = time::Date::from_calendar_date(2026, time::Month::November, 1).expect("date");
        let period = report::Period { from: from.midnight().assume_utc().unix_timestamp(), to: now() + 1 };
        let filter = report::Filter::new(period, None, None).expect("filter");
        let metrics = report::funnel(&store, &filter).await.expect("funnel").current;
        // Three transactions: the click that follows search 500 lands in the next one and is
        // still credited to it (found in the table, not only in its own batch).
        assert_eq!((metrics.searches, metrics.searches_with_click), (1_200, 1_200), "{}", backend.name);
    }
}

/// Personal data typed the way people type it (full-width from a Japanese IME, mixed
/// separators, an address typed letter by letter into the search box) leaves no trace in
/// any table or rollup.
#[tokio::test]
async fn no_personal_data_reaches_any_table() {
    const FRAGMENTS: [&str; 8] = ["jane", "example", "5678", "4111", "1234", "yamada", "%40", "@"];
    for backend in backends().await {
        let site = logged_site(&backend.url);
        let visit = "hc_visit=0123456789abcdef0123456789abcdef";
        let get = |uri: String| Request::get(uri).header(header::COOKIE, visit).body(Body::empty()).expect("req");
        let typed = "reset for jane.doe@example.com";
        for end in 1..=typed.len() {
            site.send(get(format!("/api/suggest?{}", encode(&[("q", &typed[..end]), ("locale", "en")])))).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        for q in [
            "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ password",
            "call ０９０－１２３４－５６７８",
            "call 010–1234–5678 or 02/123/4567",
            "card 4111 1111 1111 1111",
            "yamada%40example.jp refund",
        ] {
            site.send(get(format!("/en/search?{}", encode(&[("q", q)])))).await;
        }
        site.send(get(format!("/en/contact?{}", encode(&[("q", "mail jane@example.com 090ー1234ー5678")])))).await;
        let form = Request::post("/en/articles/refunds/feedback")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, visit)
            .body(Body::from(format!(
                "helpful=no&{}",
                encode(&[("comment", "card 4111-1111-1111-1111, jane@example.com")])
            )))
            .expect("req");
        site.send(form).await;
        flush(&site).await;
        let store = store(&site);
        let data = store.load(0, now() + 10, None).await.expect("load");
        let typeahead: Vec<&str> =
            data.searches.iter().filter(|s| s.source.as_str() == "typeahead").map(|s| s.query.as_str()).collect();
        assert_eq!(typeahead, ["reset for [email]"], "{}: one search, the final query, redacted", backend.name);
        let mut stored: Vec<String> = Vec::new();
        for s in &data.searches {
            stored.extend([s.query.clone(), s.normalized.clone()]);
        }
        stored.extend(data.contacts.iter().filter_map(|c| c.query.clone()));
        stored.extend(data.feedback.iter().filter_map(|f| f.comment.clone()));
        let filter = last_30_days();
        for g in report::top_queries(&store, &filter, 100).await.expect("queries") {
            stored.extend([g.query, g.key]);
        }
        for k in report::keywords(&store, &filter, 100).await.expect("keywords") {
            stored.push(k.keyword);
            stored.extend(k.examples);
        }
        for text in &stored {
            for fragment in FRAGMENTS {
                assert!(!text.to_lowercase().contains(fragment), "{}: `{fragment}` stored in `{text}`", backend.name);
            }
        }
        if backend.name == "sqlite" {
            // The file itself, write-ahead log included.
            let path = backend.url.trim_start_matches("sqlite://");
            let mut bytes = std::fs::read(path).expect("db file");
            bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
            let text = String::from_utf8_lossy(&bytes).to_lowercase();
            // (Digits alone would match random hex ids: look for them with their separators.)
            for fragment in
                ["jane", "example.com", "1234-5678", "1234–5678", "4111 1111", "4111-1111", "yamada", "０９０"]
            {
                assert!(!text.contains(fragment), "`{fragment}` in the SQLite file");
            }
        }
    }
}

#[tokio::test]
async fn a_vote_is_not_a_second_view() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = logged_site(&format!("sqlite://{}", dir.path().join("log.db").display()));
    assert_eq!(site.get("/en/articles/refunds").await.0, StatusCode::OK);
    let form = Request::post("/en/articles/refunds/feedback")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("helpful=yes"))
        .expect("req");
    let (status, headers, _) = site.send(form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let back = headers[header::LOCATION].to_str().expect("location").to_owned();
    assert_eq!(site.get(&back).await.0, StatusCode::OK, "the redirect shows the article");
    flush(&site).await;
    let store = store(&site);
    assert_eq!(store.count("views").await.expect("views"), 1);
    assert_eq!(store.count("feedback").await.expect("votes"), 1);
    let articles = report::articles(&store, &last_30_days(), 5).await.expect("articles");
    assert_eq!((articles[0].views, articles[0].votes), (1, 1));
}

/// Result URLs stay clean: the page's script reports the click, a short-lived cookie ties
/// the one article view that follows to the search.
#[tokio::test]
async fn views_and_clicks_are_tallied_from_the_portal() {
    for backend in backends().await {
        let site = logged_site(&backend.url);
        let (_, headers, page) = site.get("/en/search?q=refund").await;
        assert!(page.contains("href=\"/en/articles/refunds") && !page.contains("?sid="), "result URLs are clean");
        let sid = page.split("data-sid=\"").nth(1).map(|s| s[..32].to_owned()).expect("the page names its search");
        let search_cookie = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("hc_search="))
            .expect("a short-lived search cookie")
            .to_owned();
        assert!(search_cookie.contains("Max-Age=600") && search_cookie.contains("HttpOnly"), "{search_cookie}");
        // What the page's script sends when a result is followed.
        let click = Request::post("/api/events")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(format!(r#"{{"type":"click","search_id":"{sid}","slug":"refunds","position":2}}"#)))
            .expect("req");
        assert_eq!(site.send(click).await.0, StatusCode::ACCEPTED);
        let view = |cookie: Option<String>| {
            let mut r = Request::get("/en/articles/refunds");
            if let Some(c) = cookie {
                r = r.header(header::COOKIE, c);
            }
            r.body(Body::empty()).expect("req")
        };
        let (_, headers, _) = site.send(view(Some(format!("hc_search={sid}")))).await;
        let cleared = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|c| c.starts_with("hc_search=;") && c.contains("Max-Age=0"));
        assert!(cleared, "the view uses the cookie up");
        site.send(view(None)).await;
        flush(&site).await;
        let store = store(&site);
        let metrics = report::funnel(&store, &last_30_days()).await.expect("funnel").current;
        assert_eq!((metrics.searches, metrics.searches_with_click), (1, 1), "{}", backend.name);
        assert_eq!(metrics.average_click_position, 2.0, "{}", backend.name);
        let data = store.load(0, now() + 10, None).await.expect("load");
        let attributed: Vec<Option<&str>> = data.views.iter().map(|v| v.search_id.as_deref()).collect();
        assert_eq!(attributed, [Some(sid.as_str()), None], "{}: only the first view is the search's", backend.name);
    }
}

/// The fixture site logging into SQLite in `dir`, with event limits that hardly refill:
/// `[visit, cookie-less, address, global]` events each.
fn limited_site(dir: &tempfile::TempDir, [visit, cookieless, address, global]: [f64; 4]) -> crate::support::Site {
    use helpcenter::config::{Bucket, EventLimits};
    let url = format!("sqlite://{}", dir.path().join("log.db").display());
    let slow = |burst: f64| Bucket { burst, per_second: 0.0001 };
    crate::support::Site::with_config(
        |a| crate::support::copy_dir(&crate::support::repo().join("tests/fixtures/articles"), a),
        move |c| {
            c.searchlog = url;
            c.events = EventLimits {
                visit: slow(visit),
                cookieless: slow(cookieless),
                address: slow(address),
                global: slow(global),
            };
        },
    )
}

/// Each rate-limit rule, with small limits: per visit; cookie-less clients as one group
/// (dropping the cookie is no way around the limit); per client address; and a global
/// limit that a client already over its own limit cannot drain for everyone else.
#[tokio::test]
async fn event_limits_per_visit_cookieless_group_address_and_global() {
    use std::net::SocketAddr;
    let dir = tempfile::tempdir().expect("tempdir");
    let site = limited_site(&dir, [3.0, 5.0, 8.0, 20.0]);
    let vote = r#"{"type":"feedback","locale":"en","slug":"refunds","helpful":false}"#;
    let send = |address: u8, visit: Option<String>| {
        let mut r = Request::post("/api/events").header(header::CONTENT_TYPE, "application/json");
        if let Some(v) = visit {
            r = r.header(header::COOKIE, format!("hc_visit={v}"));
        }
        let mut request = r.body(Body::from(vote)).expect("req");
        let peer: SocketAddr = format!("198.51.100.{address}:4000").parse().expect("addr");
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        let site = &site;
        async move { site.send(request).await.0 }
    };
    // Cookie-less, each from a new address: one shared bucket of 5.
    for i in 0..5 {
        assert_eq!(send(10 + i, None).await, StatusCode::ACCEPTED, "cookie-less {i}");
    }
    assert_eq!(send(20, None).await, StatusCode::TOO_MANY_REQUESTS, "dropping the cookie does not bypass the limit");
    // One visit: 3.
    let visit = random_id();
    for _ in 0..3 {
        assert_eq!(send(30, Some(visit.clone())).await, StatusCode::ACCEPTED);
    }
    assert_eq!(send(30, Some(visit)).await, StatusCode::TOO_MANY_REQUESTS, "per visit");
    // One address with a new cookie every time: 8 (3 already taken above by address 30).
    for _ in 0..8 {
        assert_eq!(send(40, Some(random_id())).await, StatusCode::ACCEPTED);
    }
    for _ in 0..50 {
        assert_eq!(send(40, Some(random_id())).await, StatusCode::TOO_MANY_REQUESTS, "per address");
    }
    // 5 + 3 + 8 = 16 of the global 20 taken; the flood above took none of the rest.
    for i in 0..4 {
        assert_eq!(send(50 + i, Some(random_id())).await, StatusCode::ACCEPTED, "others still get through");
    }
    assert_eq!(send(60, Some(random_id())).await, StatusCode::TOO_MANY_REQUESTS, "the global limit");
    flush(&site).await;
    assert_eq!(store(&site).count("feedback").await.expect("count"), 20, "only accepted events stored");
}

/// Votes and contacts name real articles, and a contact link followed from another site
/// still reaches support but is not counted.
#[tokio::test]
async fn forged_events_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = logged_site(&format!("sqlite://{}", dir.path().join("log.db").display()));
    let post = |json: &str| {
        Request::post("/api/events")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_owned()))
            .expect("req")
    };
    for json in [
        r#"{"type":"feedback","locale":"en","slug":"no-such-article","helpful":false}"#,
        r#"{"type":"contact","locale":"en","slug":"no-such-article"}"#,
        r#"{"type":"click","search_id":"0123456789abcdef0123456789abcdef","slug":"no-such-article","position":1}"#,
    ] {
        let (status, _, body) = site.send(post(json)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}: {body}");
        assert!(body.contains("unknown"), "{body}");
    }
    let cross_site =
        Request::get("/en/contact?q=refund").header("sec-fetch-site", "cross-site").body(Body::empty()).expect("req");
    assert_eq!(site.send(cross_site).await.0, StatusCode::SEE_OTHER, "the visitor still reaches support");
    let cross_post = Request::post("/en/articles/refunds/feedback")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from("helpful=no"))
        .expect("req");
    assert_eq!(site.send(cross_post).await.0, StatusCode::FORBIDDEN, "cross-site votes refused");
    let own =
        Request::get("/en/contact?q=refund").header("sec-fetch-site", "same-origin").body(Body::empty()).expect("req");
    site.send(own).await;
    flush(&site).await;
    let store = store(&site);
    assert_eq!(store.count("contacts").await.expect("count"), 1, "only the same-site contact is counted");
    assert_eq!(store.count("feedback").await.expect("count"), 0);
}

/// The database goes away: batches go to the journal on disk, nothing is lost; a restart
/// finds the journal and replays it in order before anything newer, resuming after a
/// replay that was cut short, and a second restart stores nothing twice.
#[tokio::test]
async fn the_journal_survives_an_outage_and_a_restart_with_nothing_lost_or_duplicated() {
    use helpcenter::searchlog::SearchLog;
    use helpcenter::searchlog::journal::Journal;
    use helpcenter::searchlog::tally::Tally;
    use std::sync::atomic::Ordering::Relaxed;
    for backend in backends().await {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = dir.path().join("searchlog.journal");
        let down_url = if backend.name == "sqlite" {
            // A folder where the database file should be: every connection fails.
            let folder = dir.path().join("down.db");
            std::fs::create_dir_all(&folder).expect("folder");
            format!("sqlite://{}", folder.display())
        } else {
            "postgres://helpcenter@127.0.0.1:9/none".to_owned()
        };
        let mut events = Vec::new();
        for i in 0..30 {
            let s = search_event(&format!("outage query {i}"), i % 3, &random_id(), Source::Page, 120);
            if i % 3 == 1 {
                events.push(Event::Click(ClickEvent {
                    at: s.at + 1,
                    search_id: s.id.clone(),
                    slug: "refunds".into(),
                    position: 1,
                    kind: "result".into(),
                    visit: s.visit.clone(),
                }));
            }
            events.insert(events.len().saturating_sub(usize::from(i % 3 == 1)), Event::Search(s));
        }
        let outage = SearchLog::start_journaled(
            Store::connect_lazy(&down_url).expect("store"),
            365,
            Some(Journal::open(&journal, 1 << 20).expect("journal")),
        );
        for e in &events {
            outage.record(e.clone());
        }
        assert!(outage.flush(Duration::from_secs(30)).await, "{}", backend.name);
        let c = outage.counters();
        assert_eq!(c.journaled.load(Relaxed), events.len() as u64, "{}: every event journaled", backend.name);
        assert_eq!((c.lost.load(Relaxed), c.written.load(Relaxed)), (0, 0));
        drop(outage);
        assert!(journal.exists());
        // A replay that stored its first batch, then stopped (the process died).
        let store = Store::connect_lazy(&backend.url).expect("store");
        store.migrate().await.expect("migrate");
        let partial = Journal::open(&journal, 1 << 20).expect("reopen");
        let first = partial.read(0, 7).expect("read");
        let id = partial.id().expect("id").to_owned();
        store.insert_marked(&first.events, &mut Tally::default(), Some((&id, first.end))).await.expect("first batch");
        // Restart with the database back.
        let back =
            SearchLog::start_journaled(store.clone(), 365, Some(Journal::open(&journal, 1 << 20).expect("journal")));
        back.record(Event::Search(search_event("after the outage", 1, &random_id(), Source::Page, 0)));
        assert!(back.flush(Duration::from_secs(30)).await);
        assert_eq!(store.count("searches").await.expect("count"), 31, "{}: nothing lost, nothing twice", backend.name);
        assert_eq!(store.count("clicks").await.expect("count"), 10, "{}", backend.name);
        assert!(!journal.exists(), "{}: a replayed journal is removed", backend.name);
        let data = store.load(0, now() + 10, None).await.expect("load");
        let newest = data.searches.iter().max_by_key(|s| s.at).expect("rows");
        assert_eq!(newest.query, "after the outage");
        let metrics = report::funnel(&store, &last_30_days()).await.expect("funnel").current;
        assert_eq!((metrics.searches, metrics.searches_with_click), (31, 10), "{}: rollups too", backend.name);
        drop(back);
        let again = SearchLog::start_journaled(store.clone(), 365, Some(Journal::open(&journal, 1 << 20).expect("j")));
        assert!(again.flush(Duration::from_secs(10)).await);
        assert_eq!(store.count("searches").await.expect("count"), 31);
    }
}

/// The candidate ranking proves its answer or says it cannot: with tiny candidate lists
/// it either returns exactly the full scan's top groups or `None`, never a wrong list.
#[tokio::test]
async fn ranking_from_candidates_equals_the_full_scan() {
    use helpcenter::searchlog::aggregate::Order;
    for backend in backends().await {
        let store = Store::connect_lazy(&backend.url).expect("store");
        store.migrate().await.expect("migrate");
        let mut rng = Rng(42);
        let mut events = Vec::new();
        for i in 0..60 {
            // Zipf-like: key i is searched about 60 / (i + 1) times, over several days.
            for _ in 0..(60 / (i + 1)).max(1) {
                let results = i64::from(rng.below(3) != 0);
                let locale = if i % 4 == 0 { "ja" } else { "en" };
                let mut s = event_search(
                    &format!("topic{i} help"),
                    results,
                    &random_id(),
                    60 + rng.below(40 * 86_400) as i64,
                    Source::Page,
                );
                s.locale = locale.into();
                events.push(Event::Search(s));
            }
        }
        store.insert(&events).await.expect("insert");
        let scope = last_30_days().scope();
        for order in [Order::Searches, Order::Failure] {
            let exact = store.groups(&scope, order, 5).await.expect("groups");
            assert_eq!(exact.len(), 5);
            for per_list in [1, 2, 3, 5, 8, 20] {
                if let Some(rows) = store.groups_ranked(&scope, order, 5, per_list, true).await.expect("ranked") {
                    let names = |r: &[helpcenter::searchlog::aggregate::GroupTotals]| {
                        r.iter().map(|g| (g.normalized.clone(), g.counts)).collect::<Vec<_>>()
                    };
                    assert_eq!(names(&rows), names(&exact), "{}: {order:?} with lists of {per_list}", backend.name);
                }
            }
            assert!(
                store.groups_ranked(&scope, order, 5, 20, true).await.expect("ranked").is_some(),
                "long lists prove it"
            );
        }
    }
}

/// The "Was this helpful?" form and the contact link take their tokens like the events API:
/// past the limit a vote is refused with 429, and a contact link still reaches support but
/// is not counted.
#[tokio::test]
async fn votes_and_contact_links_are_rate_limited_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = limited_site(&dir, [2.0, 50.0, 50.0, 50.0]);
    let cookie = "hc_visit=0123456789abcdef0123456789abcdef";
    let vote = || {
        Request::post("/en/articles/refunds/feedback")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie)
            .body(Body::from("helpful=no"))
            .expect("req")
    };
    assert_eq!(site.send(vote()).await.0, StatusCode::SEE_OTHER);
    assert_eq!(site.send(vote()).await.0, StatusCode::SEE_OTHER);
    let (status, headers, _) = site.send(vote()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the third vote of the visit");
    assert!(headers.contains_key(header::RETRY_AFTER));
    let contact = Request::get("/en/contact?q=refund").header(header::COOKIE, cookie).body(Body::empty()).expect("req");
    assert_eq!(site.send(contact).await.0, StatusCode::SEE_OTHER, "support is still reached");
    flush(&site).await;
    let store = store(&site);
    assert_eq!(store.count("feedback").await.expect("count"), 2);
    assert_eq!(store.count("contacts").await.expect("count"), 0, "over the limit: not counted");
}
