//! Section-level search on a real index: results link to the section that answers, the
//! snippet comes from that section (cut at word boundaries, `…` where cut), Japanese marks
//! whole words, a clearly best section becomes a quick answer, and a word still being typed
//! matches the words it begins.

use std::path::Path;

use crate::support::{Site, copy_dir, encode, repo};

fn write(articles: &Path, rel: &str, text: &str) {
    let path = articles.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A long article whose third section is the only one about kumquat archives, and a
/// long article that mentions the same words once each, far apart.
fn site() -> Site {
    Site::with(|a| {
        copy_dir(&repo().join("tests/fixtures/articles"), a);
        let filler = "Workspaces keep projects, members and settings together for a team. ".repeat(12);
        write(
            a,
            "en/billing/workspace-settings.md",
            &format!(
                "---\ntitle: Workspace settings\n---\nAn overview of every workspace setting.\n\n## General\n\n{filler}\n\n## Members\n\n{filler}\n\n## Kumquat archives\n\nTo download a kumquat archive of the whole workspace, open Settings, choose Export and click Create kumquat archive. The archive arrives by e-mail within an hour and holds every project.\n\n{filler}\n\n{filler}\n"
            ),
        );
        let scattered = "Teams plan sprints and track progress in shared boards every week. ".repeat(10);
        write(
            a,
            "en/billing/workspace-history.md",
            &format!(
                "---\ntitle: Workspace history\n---\nThe kumquat story.\n\n## Early days\n\n{scattered}\n\n## Growth\n\n{scattered} Each download was counted.\n\n## Today\n\n{scattered} An archive of old posts exists.\n"
            ),
        );
        write(
            a,
            "ja/billing/error-reference.md",
            "---\ntitle: エラー一覧\n---\nエラーコードを確認してから、パスワードを再設定してください。ワークスペースの管理者に連絡することもできます。\n",
        );
    })
}

async fn search(site: &Site, q: &str, locale: &str) -> serde_json::Value {
    let (status, json) = site.json(&format!("/api/search?{}", encode(&[("q", q), ("locale", locale)]))).await;
    assert_eq!(status, axum::http::StatusCode::OK, "{json}");
    json
}

#[tokio::test]
async fn a_query_answered_by_the_third_section_links_to_it() {
    let site = site();
    let json = search(&site, "download kumquat archive", "en").await;
    let hit = &json["hits"][0];
    assert_eq!(hit["slug"], "workspace-settings", "one precise section beats words scattered over an article: {json}");
    assert_eq!(hit["section"]["url"], "/en/articles/workspace-settings#kumquat-archives", "{hit}");
    assert_eq!(hit["section"]["title"], "Kumquat archives");
    let snippet = hit["snippet"].as_str().expect("snippet");
    assert!(snippet.contains("<mark>kumquat</mark>"), "{snippet}");
    assert!(snippet.contains("<mark>archive</mark>"), "{snippet}");
    assert!(!snippet.contains("overview"), "the snippet comes from the section, not the intro: {snippet}");
    assert!(snippet.starts_with("To <mark>download</mark>"), "from the start of the passage: {snippet}");
    assert!(!snippet.contains('\n'), "one line: {snippet}");
    assert!(snippet.ends_with('…'), "cut with an ellipsis: {snippet}");
    let cut = snippet.trim_end_matches('…');
    assert!(cut.ends_with(|c: char| c.is_alphanumeric() || c == '.') && !cut.ends_with(' '), "{snippet}");
    // The anchor exists in the rendered page.
    let (_, _, page) = site.get("/en/articles/workspace-settings").await;
    assert!(page.contains(r#"<h2 id="kumquat-archives">"#), "the rendered page has the anchor");
    // The results page links there too.
    let (_, _, results) = site.get("/en/search?q=download+kumquat+archive").await;
    assert!(results.contains("/en/articles/workspace-settings#kumquat-archives"), "results link to the section");
    assert!(results.contains("Kumquat archives"), "and name it");
}

#[tokio::test]
async fn an_edited_section_is_what_the_next_search_quotes() {
    let site = site();
    let before = search(&site, "download kumquat archive", "en").await;
    assert!(before["hits"][0]["snippet"].as_str().expect("snippet").contains("arrives by e-mail"), "{before}");
    // Passages are remembered per index version: a reload must not quote the old text.
    let path = site.articles().join("en/billing/workspace-settings.md");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("arrives by e-mail within an hour", "appears under Downloads at once"))
        .expect("write");
    site.reload();
    let after = search(&site, "download kumquat archive", "en").await;
    let snippet = after["hits"][0]["snippet"].as_str().expect("snippet");
    assert!(snippet.contains("appears under") && !snippet.contains("e-mail"), "{snippet}");
    assert_eq!(after["hits"][0]["section"]["url"], "/en/articles/workspace-settings#kumquat-archives");
}

#[tokio::test]
async fn japanese_snippets_mark_whole_words_only() {
    let site = site();
    let json = search(&site, "パスワード", "ja").await;
    let hit = json["hits"].as_array().expect("hits").iter().find(|h| h["slug"] == "error-reference").expect("found");
    let snippet = hit["snippet"].as_str().expect("snippet");
    assert!(snippet.contains("<mark>パスワード</mark>"), "{snippet}");
    assert!(!snippet.contains("<mark>ード</mark>") && !snippet.contains("<mark>ワー</mark>"), "{snippet}");
    assert!(snippet.contains("エラーコード"), "{snippet}");
}

#[tokio::test]
async fn a_precise_question_gets_a_quick_answer_and_a_vague_one_does_not() {
    let site = site();
    let json = search(&site, "how to download a kumquat archive", "en").await;
    let answer = &json["answer"];
    assert_eq!(answer["url"], "/en/articles/workspace-settings#kumquat-archives", "{json}");
    let html = answer["html"].as_str().expect("html");
    assert!(html.contains("Create kumquat archive"), "{html}");
    assert!(html.chars().count() < 900, "short: {html}");
    assert!(search(&site, "workspace", "en").await["answer"].is_null(), "a vague query gets no answer");
    assert!(search(&site, "zzqxv nonexistent", "en").await["answer"].is_null(), "zero results, no answer");
    let (_, _, page) = site.get("/en/search?q=how+to+download+a+kumquat+archive").await;
    assert!(page.contains(r#"class="answer""#) && page.contains("Read the full article"), "the answer card");
}

#[tokio::test]
async fn a_word_still_being_typed_finds_its_article() {
    let site = site();
    let json = search(&site, "kumquat arch", "en").await;
    assert_eq!(json["hits"][0]["slug"], "workspace-settings", "{json}");
    assert!(json["corrected"].is_null(), "a prefix is not corrected as a typo: {json}");
    let json = search(&site, "workspace sett", "en").await;
    assert_eq!(json["hits"][0]["slug"], "workspace-settings", "{json}");
}

/// Twelve articles about panels, one about a frying pan: `pan` is a word of one article
/// and `panel` of twelve, so `side pan` is a word still being typed.
fn panel_site() -> Site {
    Site::with(|a| {
        copy_dir(&repo().join("tests/fixtures/articles"), a);
        write(
            a,
            "en/guides/side-panel.md",
            "---\ntitle: Using the side panel while reading\n---\nOpen it from the toolbar to keep notes beside the page.\n",
        );
        write(
            a,
            "en/guides/panel-colors.md",
            "---\ntitle: Side menus, their colors and every panel\n---\nEach panel has a colour. Menus sit at one side of the page or the other, or side by side.\n",
        );
        for n in 0..10 {
            write(
                a,
                &format!("en/guides/panel-{n}.md"),
                &format!("---\ntitle: Panel layout {n}\n---\nArrange the panel in layout {n}.\n"),
            );
        }
        write(
            a,
            "en/guides/frying-pan.md",
            "---\ntitle: Frying pan care\n---\nWash the pan by hand and dry it with a towel.\n",
        );
    })
}

#[tokio::test]
async fn a_rare_word_that_begins_a_common_one_is_still_being_typed_and_stands_next_to_the_word_before() {
    let site = panel_site();
    // `pan` is a word, but one of one article where `panel` is of twelve: it is being
    // typed, and `side panel` together in a title beats `side` and `panel` apart in a
    // shorter one, as it does when the word is typed whole.
    let json = search(&site, "side panel", "en").await;
    assert_eq!(json["hits"][0]["slug"], "side-panel", "{json}");
    let json = search(&site, "side pan", "en").await;
    let slugs: Vec<&str> = json["hits"].as_array().expect("hits").iter().filter_map(|h| h["slug"].as_str()).collect();
    assert_eq!(slugs.first(), Some(&"side-panel"), "{slugs:?}");
    assert!(slugs.contains(&"frying-pan"), "the word as typed still matches: {slugs:?}");
    // Followed by more words, it is a word again.
    let json = search(&site, "pan side towel", "en").await;
    assert_eq!(json["hits"][0]["slug"], "frying-pan", "{json}");
    // An unknown beginning: completions next to the word before, too.
    let json = search(&site, "side pane", "en").await;
    assert_eq!(json["hits"][0]["slug"], "side-panel", "{json}");
}
