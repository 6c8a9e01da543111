//! The portal in a real headless browser (Debian's `chromium` driven through
//! `chromedriver`): typing into the search box shows suggestions, the keyboard picks one,
//! and the visitor lands on the article; input-method composition (driven through the
//! DevTools protocol, as a Japanese or Korean IME drives it) sends nothing until it ends. Needs `HELPCENTER_TEST_CHROMIUM` and
//! `HELPCENTER_TEST_CHROMEDRIVER` (set by `.ci/run`); otherwise each test says it skipped.

use std::net::TcpListener as StdListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::actions::InputSource;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::support::{Site, flush, logged_site, store};

struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    _turn: tokio::sync::SemaphorePermit<'static>,
}

/// Browsers open at once: each Chromium takes several inotify instances (128 per user by
/// default, shared with the watcher tests) and most of a core.
static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

impl Drop for Browser {
    /// Ends chromedriver and the Chromium it started: the driver runs in its own process
    /// group, and the whole group goes (killing the driver alone would leave the browser
    /// and its helpers running).
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.driver.id()) {
            // SAFETY: kill(2) on our own child's process group; no memory is involved.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// Starts chromedriver and a headless Chromium session, or `None` (with a message) when the
/// environment does not name them.
async fn browser() -> Option<Browser> {
    let (Ok(chromium), Ok(driver_path)) =
        (std::env::var("HELPCENTER_TEST_CHROMIUM"), std::env::var("HELPCENTER_TEST_CHROMEDRIVER"))
    else {
        crate::support::skip(
            "browser test (HELPCENTER_TEST_CHROMIUM / HELPCENTER_TEST_CHROMEDRIVER are not set; .ci/run sets them)",
        );
        return None;
    };
    let turn = TURNS.acquire().await.expect("browser turns");
    let port = free_port();
    let driver = Command::new(driver_path)
        .process_group(0)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = tempfile::tempdir().expect("profile dir");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--window-size=1200,900",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session");
    Some(Browser { client, driver, _profile: profile, _turn: turn })
}

/// Serves `site` on a real loopback port; returns the base URL.
async fn serve(site: &Site) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = site.state.clone();
    tokio::spawn(helpcenter::http::serve(listener, state, std::future::pending()));
    format!("http://{addr}")
}

/// A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp(&'static str, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(serde_json::json!({ "cmd": self.0, "params": self.1 }).to_string()))
    }
}

async fn cdp(client: &Client, cmd: &'static str, params: serde_json::Value) {
    client.issue_cmd(Cdp(cmd, params)).await.unwrap_or_else(|e| panic!("{cmd}: {e}"));
}

/// An IME's composition step: the box shows `text`, still composing.
async fn compose(client: &Client, text: &str) {
    let end = text.encode_utf16().count();
    cdp(
        client,
        "Input.imeSetComposition",
        serde_json::json!({ "text": text, "selectionStart": end, "selectionEnd": end }),
    )
    .await;
}

/// Counts the page's requests to `/api/suggest` (wraps `fetch`).
async fn count_suggest_requests(client: &Client) {
    client
        .execute(
            "window.__suggests = []; const f = window.fetch; \
             window.fetch = function (u) { if (String(u).indexOf('/api/suggest') >= 0) window.__suggests.push(String(u)); return f.apply(this, arguments); };",
            vec![],
        )
        .await
        .expect("wrap fetch");
}

async fn suggest_requests(client: &Client) -> Vec<String> {
    let list = client.execute("return window.__suggests;", vec![]).await.expect("requests");
    list.as_array().into_iter().flatten().filter_map(|v| v.as_str()).map(|u| u.to_owned()).collect()
}

/// The `q` of a suggest request URL.
fn q_of(request: &str) -> String {
    url::Url::parse(&format!("http://x{request}"))
        .ok()
        .and_then(|u| u.query_pairs().find(|(k, _)| k == "q").map(|(_, v)| v.into_owned()))
        .unwrap_or_default()
}

async fn attr(client: &Client, css: &str, name: &str) -> Option<String> {
    client.find(Locator::Css(css)).await.ok()?.attr(name).await.ok().flatten()
}

/// Waits until `check` holds (the page reacts asynchronously).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}

#[tokio::test]
async fn typing_shows_suggestions_and_the_keyboard_picks_one() {
    let Some(browser) = browser().await else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let site = logged_site(&format!("sqlite://{}", dir.path().join("log.db").display()));
    let base = serve(&site).await;
    let c = &browser.client;
    c.goto(&format!("{base}/en/")).await.expect("home");
    let input = c.find(Locator::Css("#hc-q")).await.expect("search box");
    assert_eq!(input.attr("role").await.expect("attr").as_deref(), Some("combobox"));
    assert_eq!(input.attr("aria-expanded").await.expect("attr").as_deref(), Some("false"));
    for key in ["r", "e", "s", "e", "t", " ", "p", "a"] {
        input.send_keys(key).await.expect("type");
    }
    eventually("suggestions open", || async { attr(c, "#hc-q", "aria-expanded").await.as_deref() == Some("true") })
        .await;
    // Earlier keystrokes may have answered first: wait for the list of the final text.
    eventually("the list for the final text", || async {
        c.execute(
            "const o = document.querySelectorAll('#hc-suggest-0 [role=option]'); return o.length > 0 && o[o.length - 1].textContent.includes('reset pa');",
            vec![],
        )
        .await
        .is_ok_and(|v| v == true)
    })
    .await;
    let options = c.find_all(Locator::Css("#hc-suggest-0 [role=option]")).await.expect("options");
    assert!(options.len() >= 2, "article suggestions plus 'Search for'");
    let first = options[0].text().await.expect("text");
    assert!(first.contains("Reset your password"), "{first}");
    let highlighted = options[0].find(Locator::Css("mark")).await.expect("highlight").text().await.expect("text");
    assert!(highlighted.eq_ignore_ascii_case("reset") || highlighted.eq_ignore_ascii_case("pa"), "{highlighted}");
    let last = options.last().expect("last").text().await.expect("text");
    assert!(last.contains("Search for") && last.contains("reset pa"), "{last}");

    input.send_keys(&Key::Down.to_string()).await.expect("down");
    let active = attr(c, "#hc-q", "aria-activedescendant").await.expect("active descendant");
    assert_eq!(active, "hc-suggest-0-0");
    assert_eq!(attr(c, "#hc-suggest-0-0", "aria-selected").await.as_deref(), Some("true"));
    input.send_keys(&Key::Enter.to_string()).await.expect("enter");
    eventually("on the article", || async {
        c.current_url().await.is_ok_and(|u| u.path() == "/en/articles/reset-password")
    })
    .await;
    let heading = c.find(Locator::Css("h1")).await.expect("h1").text().await.expect("text");
    assert_eq!(heading, "Reset your password");

    // Eight keystrokes, one logged search, with the chosen suggestion.
    flush(&site).await;
    let data = store(&site).load(0, helpcenter::searchlog::event::now() + 10, None).await.expect("load");
    let typeahead: Vec<_> = data.searches.iter().filter(|s| s.source.as_str() == "typeahead").collect();
    assert_eq!(typeahead.len(), 1, "{:?}", data.searches);
    assert_eq!(
        (typeahead[0].query.as_str(), typeahead[0].suggestion_chosen),
        ("reset pa", true),
        "final query, suggestion chosen"
    );
    assert!(data.clicks.iter().any(|c| c.kind == "suggestion" && c.slug == "reset-password"));
}

#[tokio::test]
async fn escape_closes_the_mouse_picks_and_search_for_submits() {
    let Some(browser) = browser().await else { return };
    let site = Site::fixtures();
    let base = serve(&site).await;
    let c = &browser.client;
    c.goto(&format!("{base}/en/")).await.expect("home");
    let input = c.find(Locator::Css("#hc-q")).await.expect("search box");
    input.send_keys("refu").await.expect("type");
    eventually("open", || async { attr(c, "#hc-q", "aria-expanded").await.as_deref() == Some("true") }).await;
    input.send_keys(&Key::Escape.to_string()).await.expect("escape");
    eventually("closed", || async { attr(c, "#hc-q", "aria-expanded").await.as_deref() == Some("false") }).await;
    assert_eq!(input.prop("value").await.expect("value").as_deref(), Some("refu"), "text kept");

    // Up from the top wraps to "Search for …", which submits the plain search.
    input.send_keys(&Key::Down.to_string()).await.expect("down");
    eventually("open again", || async { attr(c, "#hc-q", "aria-expanded").await.as_deref() == Some("true") }).await;
    input.send_keys(&Key::Up.to_string()).await.expect("up");
    input.send_keys(&Key::Enter.to_string()).await.expect("enter");
    eventually("on the results page", || async { c.current_url().await.is_ok_and(|u| u.path() == "/en/search") }).await;

    // The mouse: click a suggestion.
    let input = c.find(Locator::Css("#hc-header-q")).await.expect("header search box");
    input.clear().await.expect("clear");
    input.send_keys("invoices").await.expect("type");
    eventually("header suggestions", || async {
        attr(c, "#hc-header-q", "aria-expanded").await.as_deref() == Some("true")
    })
    .await;
    c.find(Locator::Css("#hc-suggest-0-0")).await.expect("option").click().await.expect("click");
    eventually("on the invoices article", || async {
        c.current_url().await.is_ok_and(|u| u.path() == "/en/articles/invoices")
    })
    .await;
}

#[tokio::test]
async fn japanese_prefixes_suggest_articles() {
    let Some(browser) = browser().await else { return };
    let site = Site::fixtures();
    let base = serve(&site).await;
    let c = &browser.client;
    c.goto(&format!("{base}/ja/")).await.expect("home");
    let input = c.find(Locator::Css("#hc-q")).await.expect("search box");
    input.send_keys("パスワ").await.expect("type");
    eventually("suggestions", || async { attr(c, "#hc-q", "aria-expanded").await.as_deref() == Some("true") }).await;
    let first = c.find(Locator::Css("#hc-suggest-0-0")).await.expect("option").text().await.expect("text");
    assert!(first.contains("パスワードを再設定する"), "{first}");
    let last = c.find_all(Locator::Css("#hc-suggest-0 [role=option]")).await.expect("options");
    assert!(
        last.last().expect("last").text().await.expect("text").contains("「パスワ」を検索"),
        "localized 'Search for'"
    );
}

#[tokio::test]
async fn a_section_result_lands_on_the_section_and_marks_it() {
    let Some(browser) = browser().await else { return };
    let site = Site::with(|a| {
        crate::support::copy_dir(&crate::support::repo().join("tests/fixtures/articles"), a);
        let filler = "Workspaces keep projects, members and settings together for a team.\n\n".repeat(30);
        std::fs::write(
            a.join("en/billing/workspace-settings.md"),
            format!("---\ntitle: Workspace settings\n---\nOverview.\n\n## General\n\n{filler}## Members\n\n{filler}## Kumquat archives\n\nTo download a kumquat archive, open Settings and click Create kumquat archive.\n\n{filler}"),
        )
        .expect("write");
    });
    let base = serve(&site).await;
    let c = &browser.client;
    c.goto(&format!("{base}/en/search?q=download+kumquat+archive")).await.expect("results");
    c.find(Locator::Css(".result .result-title")).await.expect("first result").click().await.expect("click");
    eventually("on the section", || async {
        c.current_url()
            .await
            .is_ok_and(|u| u.path() == "/en/articles/workspace-settings" && u.fragment() == Some("kumquat-archives"))
    })
    .await;
    let state = c
        .execute(
            "const h = document.getElementById('kumquat-archives'); const r = h.getBoundingClientRect(); \
             return [r.top >= 0 && r.top < window.innerHeight, window.scrollY > 0, document.querySelector(':target') === h, getComputedStyle(h).animationName];",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(state[0], true, "the section heading is in view: {state}");
    assert_eq!(state[1], true, "the page scrolled: {state}");
    assert_eq!(state[2], true, "it is the :target: {state}");
    assert_eq!(state[3], "hc-flash", "and marked: {state}");
}

/// Composes `steps` in the home page's box of `locale`, then commits `committed`: nothing is
/// requested while composing (nor does Enter submit), exactly one request follows the
/// commit, and the list shows `expected` first.
async fn ime_session(locale: &str, steps: &[&str], committed: &str, expected: &str) {
    let Some(browser) = browser().await else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let site = logged_site(&format!("sqlite://{}", dir.path().join("log.db").display()));
    let base = serve(&site).await;
    let c = &browser.client;
    c.goto(&format!("{base}/{locale}/")).await.expect("home");
    count_suggest_requests(c).await;
    c.find(Locator::Css("#hc-q")).await.expect("search box").click().await.expect("focus");
    for step in steps {
        compose(c, step).await;
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    // Enter while composing belongs to the input method: no submit, no option chosen.
    cdp(
        c,
        "Input.dispatchKeyEvent",
        serde_json::json!({ "type": "rawKeyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 229 }),
    )
    .await;
    cdp(
        c,
        "Input.dispatchKeyEvent",
        serde_json::json!({ "type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 229 }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(suggest_requests(c).await, Vec::<String>::new(), "no request while composing");
    assert_eq!(attr(c, "#hc-q", "aria-expanded").await.as_deref(), Some("false"), "no list flicker while composing");
    assert_eq!(
        c.current_url().await.expect("url").path(),
        format!("/{locale}/"),
        "Enter during composition did not submit"
    );

    cdp(c, "Input.insertText", serde_json::json!({ "text": committed })).await;
    eventually("suggestions after the composition", || async {
        attr(c, "#hc-q", "aria-expanded").await.as_deref() == Some("true")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let requests = suggest_requests(c).await;
    assert_eq!(
        requests.iter().map(|r| q_of(r)).collect::<Vec<_>>(),
        vec![committed.to_owned()],
        "one request, for the committed text"
    );
    let first = c.find(Locator::Css("#hc-suggest-0-0")).await.expect("an option").text().await.expect("text");
    assert!(first.contains(expected), "{first} should show {expected}");

    // Only the settled query reaches the log.
    flush(&site).await;
    let data = store(&site).load(0, helpcenter::searchlog::event::now() + 10, None).await.expect("load");
    let logged: Vec<&str> = data.searches.iter().map(|s| s.query.as_str()).collect();
    assert_eq!(logged, vec![committed], "composition fragments are never logged");
}

#[tokio::test]
async fn japanese_composition_sends_one_request_when_it_ends() {
    ime_session("ja", &["ぱ", "ぱす", "ぱすわ", "パスワ"], "パスワ", "パスワードを再設定する").await;
}

#[tokio::test]
async fn korean_composition_sends_one_request_when_it_ends() {
    ime_session(
        "ko",
        &["ㅂ", "비", "빔", "비미", "비밀", "비밀ㅂ", "비밀버", "비밀번", "비밀번ㅎ", "비밀번호"],
        "비밀번호",
        "비밀번호",
    )
    .await;
}

#[tokio::test]
async fn short_latin_input_waits_cjk_does_not() {
    let Some(browser) = browser().await else { return };
    let site = Site::fixtures();
    let base = serve(&site).await;
    let c = &browser.client;
    c.goto(&format!("{base}/en/")).await.expect("home");
    count_suggest_requests(c).await;
    let input = c.find(Locator::Css("#hc-q")).await.expect("search box");
    input.send_keys("r").await.expect("type");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(suggest_requests(c).await.is_empty(), "one Latin letter opens nothing");
    input.send_keys("e").await.expect("type");
    eventually("a request from two letters", || async { suggest_requests(c).await.len() == 1 }).await;

    c.goto(&format!("{base}/ja/")).await.expect("ja home");
    count_suggest_requests(c).await;
    c.find(Locator::Css("#hc-q")).await.expect("box").send_keys("返").await.expect("type");
    eventually("one CJK character is enough", || async {
        attr(c, "#hc-q", "aria-expanded").await.as_deref() == Some("true")
    })
    .await;
}

#[tokio::test]
async fn closing_forgets_the_highlight_and_hover_never_moves_the_selection() {
    let Some(browser) = browser().await else { return };
    let site = Site::with(|a| {
        crate::support::copy_dir(&crate::support::repo().join("tests/fixtures/articles"), a);
        std::fs::write(
            a.join("en/account/cant-sign-in.md"),
            "---\ntitle: Can't sign in?\n---\nTry resetting your password.\n",
        )
        .expect("write");
    });
    let base = serve(&site).await;
    let c = &browser.client;
    let open = || async { attr(c, "#hc-q", "aria-expanded").await.as_deref() == Some("true") };
    c.goto(&format!("{base}/en/")).await.expect("home");
    let input = c.find(Locator::Css("#hc-q")).await.expect("search box");
    input.send_keys("refu").await.expect("type");
    eventually("open", open).await;
    // The live region says how many suggestions there are ("Search for" is not one).
    let options = c.find_all(Locator::Css("#hc-suggest-0 [role=option]")).await.expect("options").len();
    let status = c.find(Locator::Css(".combo-status")).await.expect("status");
    assert_eq!(status.attr("aria-live").await.expect("attr").as_deref(), Some("polite"));
    let said = c.execute("return document.querySelector('.combo-status').textContent;", vec![]).await.expect("text");
    assert_eq!(said, format!("{} suggestions", options - 1));

    // Down highlights the first option; Escape closes; coming back shows none highlighted
    // and Enter runs the plain search the screen offers.
    input.send_keys(&Key::Down.to_string()).await.expect("down");
    assert_eq!(attr(c, "#hc-suggest-0-0", "aria-selected").await.as_deref(), Some("true"));
    input.send_keys(&Key::Escape.to_string()).await.expect("escape");
    c.find(Locator::Css("h1, main")).await.expect("page").click().await.expect("blur");
    tokio::time::sleep(Duration::from_millis(200)).await;
    input.click().await.expect("focus again");
    eventually("open again", open).await;
    let selected = c.find_all(Locator::Css("#hc-suggest-0 [aria-selected=true]")).await.expect("selected");
    assert!(selected.is_empty(), "no stale highlight");
    assert_eq!(attr(c, "#hc-q", "aria-activedescendant").await, None);

    // Hovering an option and leaving it does not change what Enter does.
    let option = c.find(Locator::Css("#hc-suggest-0-0")).await.expect("option");
    c.perform_actions(
        fantoccini::actions::MouseActions::new("mouse".into())
            .then(fantoccini::actions::PointerAction::MoveToElement { element: option, duration: None, x: 0.0, y: 0.0 })
            .then(fantoccini::actions::PointerAction::MoveTo { duration: None, x: 5.0, y: 5.0 }),
    )
    .await
    .expect("hover");
    assert!(c.find_all(Locator::Css("#hc-suggest-0 [aria-selected=true]")).await.expect("selected").is_empty());
    input.send_keys(&Key::Enter.to_string()).await.expect("enter");
    eventually("the plain search", || async { c.current_url().await.is_ok_and(|u| u.path() == "/en/search") }).await;

    // A title with an apostrophe is shown once; each article once.
    c.goto(&format!("{base}/en/")).await.expect("home");
    let input = c.find(Locator::Css("#hc-q")).await.expect("search box");
    input.send_keys("can't si").await.expect("type");
    eventually("open", open).await;
    let first = c.find(Locator::Css("#hc-suggest-0-0")).await.expect("option").text().await.expect("text");
    assert_eq!(first.trim(), "Can't sign in?");
    let urls = c
        .execute(
            "return Array.from(document.querySelectorAll('#hc-suggest-0 [role=option]')).map(li => li.textContent);",
            vec![],
        )
        .await
        .expect("texts");
    let texts: Vec<&str> = urls.as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
    let unique: std::collections::HashSet<&&str> = texts.iter().collect();
    assert_eq!(unique.len(), texts.len(), "{texts:?}");
}

/// The sample help center served over a real port, with a phone's screen.
async fn phone(browser: &Browser) {
    cdp(
        &browser.client,
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
    )
    .await;
}

#[tokio::test]
async fn every_sample_page_fits_a_phone_screen() {
    let Some(browser) = browser().await else { return };
    let site = Site::with(|a| crate::support::copy_dir(&crate::support::repo().join("articles"), a));
    let base = serve(&site).await;
    let c = &browser.client;
    phone(&browser).await;
    // Every page the sitemap lists: homes, categories, every article in every locale.
    let (_, _, sitemap) = site.get("/sitemap.xml").await;
    let paths: Vec<String> = sitemap
        .split("<loc>")
        .skip(1)
        .filter_map(|s| s.split("</loc>").next())
        .filter_map(|u| u.find("://").and_then(|i| u[i + 3..].find('/').map(|j| u[i + 3 + j..].to_owned())))
        .collect();
    let articles = paths.iter().filter(|p| p.contains("/articles/")).count();
    assert_eq!(articles, site.state.public_library().len(), "every sample article");
    let mut too_wide = Vec::new();
    for path in paths.iter().chain([&"/en/search?q=password".to_owned(), &"/ko/no-such-page".to_owned()]) {
        c.goto(&format!("{base}{path}")).await.expect("page");
        let width = c
            .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
            .await
            .expect("width");
        let (page, screen) = (width[0].as_i64().unwrap_or(0), width[1].as_i64().unwrap_or(0));
        // A page wider than the screen either scrolls sideways or (on a phone) makes the
        // browser zoom out to fit it, widening the layout viewport.
        if page > 390 || screen > 390 {
            too_wide.push(format!("{path}: {page}px"));
        }
    }
    assert!(too_wide.is_empty(), "wider than a 390 px screen: {too_wide:?}");
    // The contents sit at the top of a long article, folded, and the side column's copy is hidden.
    c.goto(&format!("{base}/en/articles/delete-account")).await.expect("article");
    let toc = c
        .execute(
            "const m = document.querySelector('.toc-mobile'); const s = document.querySelector('.article-aside .toc'); \
             return [m ? getComputedStyle(m).display : 'none', m ? m.open : null, s ? getComputedStyle(s).display : 'none'];",
            vec![],
        )
        .await
        .expect("toc");
    assert_eq!(toc[0], "block", "contents at the top on phones: {toc}");
    assert_eq!(toc[1], false, "folded: {toc}");
    assert_eq!(toc[2], "none", "one table of contents on phones: {toc}");
}

#[tokio::test]
async fn dark_theme_follows_the_system_and_the_visitors_choice_and_print_shows_the_article_only() {
    let Some(browser) = browser().await else { return };
    let site = Site::fixtures();
    let base = serve(&site).await;
    let c = &browser.client;
    let background = || async {
        c.execute("return getComputedStyle(document.body).backgroundColor;", vec![]).await.expect("bg").to_string()
    };
    c.goto(&format!("{base}/en/articles/reset-password")).await.expect("article");
    let light = background().await;
    cdp(
        c,
        "Emulation.setEmulatedMedia",
        serde_json::json!({ "features": [{ "name": "prefers-color-scheme", "value": "dark" }] }),
    )
    .await;
    c.goto(&format!("{base}/en/articles/reset-password")).await.expect("article, dark system");
    let dark = background().await;
    assert_ne!(light, dark, "the system's dark setting changes the page");
    // The visitor's choice wins and is remembered.
    let toggle = c.find(Locator::Css("[data-theme-toggle]")).await.expect("toggle");
    assert_eq!(toggle.attr("aria-pressed").await.expect("attr").as_deref(), Some("true"));
    toggle.click().await.expect("click");
    assert_eq!(background().await, light, "chosen light over a dark system");
    c.goto(&format!("{base}/en/")).await.expect("home");
    assert_eq!(background().await, light, "remembered on the next page");
    assert_eq!(attr(c, "[data-theme-toggle]", "aria-pressed").await.as_deref(), Some("false"));

    // Print: the article without the site's chrome.
    c.goto(&format!("{base}/en/articles/reset-password")).await.expect("article");
    cdp(c, "Emulation.setEmulatedMedia", serde_json::json!({ "media": "print" })).await;
    let shown = c
        .execute(
            "return ['.site-header', '.site-footer', '.feedback', '.contact-box', '.article-aside', '.prose', 'h1']\
             .map(s => { const e = document.querySelector(s); return e ? getComputedStyle(e).display : 'absent'; });",
            vec![],
        )
        .await
        .expect("display");
    let shown: Vec<&str> = shown.as_array().expect("list").iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(&shown[..5], &["none"; 5], "chrome hidden in print: {shown:?}");
    assert!(shown[5] != "none" && shown[6] != "none", "the article prints: {shown:?}");
}

/// axe-core's script (`HELPCENTER_TEST_AXE`, installed from npm by `.ci/run`).
fn axe_script() -> Option<String> {
    match std::env::var("HELPCENTER_TEST_AXE") {
        Ok(path) if !path.is_empty() => Some(std::fs::read_to_string(&path).expect("read HELPCENTER_TEST_AXE")),
        _ => {
            crate::support::skip("accessibility audit (HELPCENTER_TEST_AXE is not set; .ci/run installs axe-core)");
            None
        }
    }
}

#[tokio::test]
async fn every_page_type_passes_axe_without_serious_violations() {
    let Some(axe) = axe_script() else { return };
    let Some(browser) = browser().await else { return };
    let site = Site::with(|a| crate::support::copy_dir(&crate::support::repo().join("articles"), a));
    let base = serve(&site).await;
    let c = &browser.client;
    let mut found = Vec::new();
    for locale in ["en", "ja", "ko"] {
        let article =
            site.state.public_library().articles().find(|a| a.locale == locale).map(|a| a.url()).expect("an article");
        let category = article.clone();
        let category = site
            .state
            .public_library()
            .articles()
            .find(|a| a.url() == category)
            .map(|a| format!("/{locale}/categories/{}", a.category))
            .expect("its category");
        let pages = [
            format!("/{locale}/"),
            category,
            article,
            format!("/{locale}/search?q=password"),
            format!("/{locale}/search?q=zzqqxxvv"),
            format!("/{locale}/no-such-page"),
        ];
        for (dark, page) in [false, true].into_iter().flat_map(|d| pages.iter().map(move |p| (d, p))) {
            let scheme = if dark { "dark" } else { "light" };
            cdp(
                c,
                "Emulation.setEmulatedMedia",
                serde_json::json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
            )
            .await;
            c.goto(&format!("{base}{page}")).await.expect("page");
            c.execute(&axe, vec![]).await.expect("load axe");
            let result = c
                .execute_async(
                    "const done = arguments[arguments.length - 1]; \
                     axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations \
                       .filter(v => v.impact === 'serious' || v.impact === 'critical') \
                       .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))));",
                    vec![],
                )
                .await
                .expect("axe run");
            for v in result.as_array().into_iter().flatten() {
                found.push(format!("{page} [{scheme}] {}", v.as_str().unwrap_or("")));
            }
        }
    }
    assert!(found.is_empty(), "serious or critical violations:\n{}", found.join("\n"));
}

#[tokio::test]
async fn a_headings_link_copies_the_address_of_its_section() {
    let Some(browser) = browser().await else { return };
    let site = Site::fixtures();
    let base = serve(&site).await;
    let c = &browser.client;
    cdp(
        c,
        "Browser.grantPermissions",
        serde_json::json!({ "origin": base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"] }),
    )
    .await;
    c.goto(&format!("{base}/en/articles/two-factor")).await.expect("article");
    let link = c.find(Locator::Css("#recovery-codes .heading-link")).await.expect("a copy-link on the heading");
    assert_eq!(link.attr("href").await.expect("href").as_deref(), Some("#recovery-codes"));
    assert!(link.attr("aria-label").await.expect("label").is_some_and(|l| l.starts_with("Copy link to section")));
    link.click().await.expect("click");
    eventually("copied", || async { attr(c, "#recovery-codes .heading-link", "data-copied").await.is_some() }).await;
    let copied = c
        .execute_async("const done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, e => done('error: ' + e));", vec![])
        .await
        .expect("clipboard");
    assert_eq!(copied, format!("{base}/en/articles/two-factor#recovery-codes"));
    assert!(c.current_url().await.expect("url").as_str().ends_with("#recovery-codes"));
}

/// The analytics dashboard fits a desktop window and a phone screen, even with long,
/// unbroken queries in the gap table (wrapping cells on a desktop, one card per row on a
/// phone); the grouping key is not shown.
#[tokio::test]
async fn the_dashboard_fits_a_desktop_and_a_phone() {
    use helpcenter::searchlog::{Event, SearchEvent, Source};
    let Some(browser) = browser().await else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let site = crate::support::logged_site(&format!("sqlite://{}", dir.path().join("log.db").display()));
    let store = crate::support::store(&site);
    store.migrate().await.expect("migrate");
    let long = "Supercalifragilisticexpialidociousintegrationidentifier-that-never-breaks-anywhere";
    let mut events = Vec::new();
    for i in 0..12 {
        for q in [format!("{long} error {i}"), format!("{long}  Error {i}"), format!("why does {long} fail {i}")] {
            events.push(Event::Search(SearchEvent::new(
                &q,
                "en",
                0,
                false,
                Source::Page,
                helpcenter::searchlog::event::random_id(),
            )));
        }
    }
    store.insert(&events).await.expect("seed");
    let base = serve(&site).await;
    let c = &browser.client;
    let width = |c: &fantoccini::Client| {
        let c = c.clone();
        async move {
            let w = c
                .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
                .await
                .expect("width");
            (w[0].as_i64().unwrap_or(0), w[1].as_i64().unwrap_or(0))
        }
    };
    c.goto(&format!("{base}/admin/?since=30d")).await.expect("dashboard");
    let text = c.find(fantoccini::Locator::Css("main")).await.expect("main").text().await.expect("text");
    assert!(
        text.contains("Content gaps") && text.to_lowercase().contains("never-breaks-anywhere error 3"),
        "the gaps are listed: {text}"
    );
    assert!(!text.contains("3 error"), "no grouping keys (sorted stems) shown: {text}");
    let (page, screen) = width(c).await;
    assert!(page <= screen, "desktop: the page is {page}px in a {screen}px window");
    phone(&browser).await;
    c.goto(&format!("{base}/admin/?since=30d")).await.expect("dashboard");
    let (page, screen) = width(c).await;
    assert!(page <= 390 && screen <= 390, "phone: the page is {page}px on a 390px screen ({screen}px viewport)");
}

/// Following a result in a real browser: the article URL is clean, the page's script
/// reports the click with its position, and the view is tied to the search.
#[tokio::test]
async fn a_followed_result_is_reported_without_tracking_parameters() {
    let Some(browser) = browser().await else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let site = crate::support::logged_site(&format!("sqlite://{}", dir.path().join("log.db").display()));
    let base = serve(&site).await;
    let c = &browser.client;
    c.goto(&format!("{base}/en/search?q=refund")).await.expect("results");
    let links = c.find_all(Locator::Css(".result .result-title")).await.expect("results");
    assert!(links.len() >= 2, "at least two results");
    links[1].click().await.expect("click the second");
    eventually("on the article", || async { c.current_url().await.is_ok_and(|u| u.path().contains("/articles/")) })
        .await;
    let url = c.current_url().await.expect("url");
    assert_eq!(url.query(), None, "no tracking parameters: {url}");
    crate::support::flush(&site).await;
    let store = crate::support::store(&site);
    eventually("the click is stored", || async {
        crate::support::flush(&site).await;
        store.count("clicks").await.unwrap_or(0) == 1
    })
    .await;
    let data = store.load(0, helpcenter::searchlog::event::now() + 10, None).await.expect("load");
    let search = &data.searches[0].id;
    assert_eq!(
        (data.clicks[0].search_id.as_str(), data.clicks[0].position),
        (search.as_str(), 2),
        "the search and position 2"
    );
    assert_eq!(data.views[0].search_id.as_deref(), Some(search.as_str()), "the view belongs to the search");
}
