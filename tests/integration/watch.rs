//! Live reload with a real file watcher on a temp copy of the articles: changes become
//! searchable and served, bursts are one batch, broken edits keep the last good version.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{StatusCode, header};
use helpcenter::watch;

use crate::support::Site;

/// Generous bound for CI; the real latency is measured by `cargo bench --bench reload`.
const LIMIT: Duration = Duration::from_secs(10);

fn article(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ntags: [test]\n---\n{body}\n")
}

fn watched() -> (Site, watch::Watcher) {
    let site = Site::fixtures();
    let watcher = watch::spawn(&site.articles(), Arc::clone(&site.reloader)).expect("watch");
    (site, watcher)
}

#[tokio::test]
async fn create_modify_rename_delete_are_served_without_restart() {
    let (site, _watcher) = watched();
    let file = site.articles().join("en/billing/gift-cards.md");

    std::fs::write(&file, article("Gift cards", "Redeem a kumquat voucher at checkout.")).expect("create");
    let found = site
        .wait_until(LIMIT, || async {
            site.search_slugs("kumquat", "en").await == ["gift-cards"]
                && site.get("/en/articles/gift-cards").await.0 == StatusCode::OK
        })
        .await;
    assert!(found.is_some(), "created article searchable");
    assert_eq!(site.get("/en/articles/gift-cards").await.0, StatusCode::OK);

    std::fs::write(&file, article("Gift cards", "Redeem a persimmon voucher at checkout.")).expect("modify");
    let found = site
        .wait_until(LIMIT, || async {
            site.search_slugs("persimmon", "en").await == ["gift-cards"]
                && site.search_slugs("kumquat", "en").await.is_empty()
        })
        .await;
    assert!(found.is_some(), "modified text searchable, old text gone");

    let renamed = site.articles().join("en/billing/vouchers.md");
    std::fs::rename(&file, &renamed).expect("rename");
    let found = site
        .wait_until(LIMIT, || async {
            site.search_slugs("persimmon", "en").await == ["vouchers"]
                && site.get("/en/articles/gift-cards").await.0 == StatusCode::MOVED_PERMANENTLY
        })
        .await;
    assert!(found.is_some(), "renamed article searchable under its new slug");
    let (status, headers, _) = site.get("/en/articles/gift-cards").await;
    assert_eq!(status, StatusCode::MOVED_PERMANENTLY, "old URL redirects after a rename");
    assert_eq!(headers[header::LOCATION], "/en/articles/vouchers");

    std::fs::remove_file(&renamed).expect("delete");
    // The index commit and the page catalog swap are a few microseconds apart: wait for both.
    let gone = site
        .wait_until(LIMIT, || async {
            site.search_slugs("persimmon", "en").await.is_empty()
                && site.get("/en/articles/vouchers").await.0 == StatusCode::NOT_FOUND
        })
        .await;
    assert!(gone.is_some(), "deleted article leaves search and pages");
}

#[tokio::test]
async fn a_burst_of_200_files_is_one_batch_and_one_commit() {
    let (site, _watcher) = watched();
    let before = site.counters();
    let dir = site.articles().join("en/bulk");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for i in 0..200 {
        std::fs::write(
            dir.join(format!("bulk-{i:03}.md")),
            article(&format!("Bulk {i}"), &format!("bulkword{i} text")),
        )
        .expect("write");
    }
    let found = site
        .wait_until(LIMIT, || async {
            site.search_slugs("bulkword199", "en").await == ["bulk-199"]
                && site.search_slugs("bulkword0", "en").await == ["bulk-000"]
        })
        .await;
    assert!(found.is_some(), "all 200 indexed");
    tokio::time::sleep(watch::DEBOUNCE + watch::SETTLE * 3).await;
    let after = site.counters();
    assert_eq!(after.batches - before.batches, 1, "one reload for the burst");
    assert_eq!(after.commits - before.commits, 1, "one index commit for the burst");
}

#[tokio::test]
async fn a_broken_edit_keeps_the_last_good_version_online() {
    let (site, _watcher) = watched();
    let file = site.articles().join("en/billing/refunds.md");
    let good = std::fs::read_to_string(&file).expect("read");
    let before = site.counters().batches;
    std::fs::write(&file, "---\ntitle: Broken\ntags: [unclosed\n---\nbroken tangerine text\n").expect("break");
    let reloaded = site.wait_until(LIMIT, || async { site.counters().batches > before }).await;
    assert!(reloaded.is_some(), "the broken save was processed");
    let (status, _, page) = site.get("/en/articles/refunds").await;
    assert_eq!(status, StatusCode::OK, "still served");
    assert!(page.contains("Request a refund"), "previous version served");
    assert_eq!(site.search_slugs("refund", "en").await.first().map(String::as_str), Some("refunds"));
    assert!(site.search_slugs("tangerine", "en").await.is_empty(), "broken text not indexed");
    let problems = &site.state.catalog().preview.problems;
    assert!(
        problems.iter().any(|p| p.path.ends_with("refunds.md") && p.problem.message.contains("last good version")),
        "{problems:?}"
    );
    // A broken file that never had a good version stays out.
    std::fs::write(site.articles().join("en/billing/never-good.md"), "---\ntitle: [\n---\nquince\n").expect("write");
    std::fs::write(&file, good).expect("fix");
    let fixed = site
        .wait_until(LIMIT, || async {
            !site.state.catalog().preview.problems.iter().any(|p| p.path.ends_with("refunds.md"))
        })
        .await;
    assert!(fixed.is_some(), "fixing the file clears its problem");
    assert!(site.search_slugs("quince", "en").await.is_empty());
    assert_eq!(site.get("/en/articles/never-good").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn editor_temp_and_swap_files_are_ignored() {
    let (site, _watcher) = watched();
    let dir = site.articles().join("en/billing");
    let before = site.counters().batches;
    for name in [".refunds.md.swp", "refunds.md~", "4913", "#refunds.md#", ".#refunds.md", "refunds.md.tmp"] {
        std::fs::write(dir.join(name), "---\ntitle: temp\n---\nmango\n").expect("write temp");
    }
    tokio::time::sleep(watch::DEBOUNCE + watch::SETTLE * 4).await;
    assert_eq!(site.counters().batches, before, "no reload for temp files");
    assert!(site.search_slugs("mango", "en").await.is_empty());
}

#[tokio::test]
async fn category_files_reload_too() {
    let (site, _watcher) = watched();
    std::fs::write(site.articles().join("en/billing/_category.md"), "---\ntitle: Payments and invoices\n---\n")
        .expect("write");
    let renamed = site
        .wait_until(LIMIT, || async {
            site.get("/en/categories/billing").await.2.contains("<h1>Payments and invoices</h1>")
        })
        .await;
    assert!(renamed.is_some(), "category title updated without a restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_search_hit_ever_points_at_a_missing_page_during_a_burst_of_renames() {
    let site = Site::fixtures();
    let articles = site.articles();
    std::fs::write(articles.join("en/billing/gift-cards-0.md"), article("Gift cards", "Redeem a kumquat voucher."))
        .expect("create");
    site.reload();
    let reloader = Arc::clone(&site.reloader);
    let renamer = std::thread::spawn(move || {
        for i in 0..40 {
            let from = articles.join(format!("en/billing/gift-cards-{i}.md"));
            let to = articles.join(format!("en/billing/gift-cards-{}.md", i + 1));
            std::fs::rename(&from, &to).expect("rename");
            reloader.lock().expect("reloader").reload_now().expect("reload");
        }
    });
    let mut checked = 0;
    while !renamer.is_finished() {
        // In one snapshot, every hit is an article of that snapshot's catalog.
        let snapshot = site.state.snapshot();
        let results =
            snapshot.searcher.search(&helpcenter::search::SearchRequest::new("kumquat", "en")).expect("search");
        for hit in &results.hits {
            assert!(
                snapshot.catalog.public.article(&hit.locale, &hit.slug).is_some(),
                "{} missing from its snapshot",
                hit.url
            );
        }
        // Over HTTP, a hit's page is there (or moved, never gone) when fetched right after.
        let (_, json) = site.json("/api/search?q=kumquat&locale=en").await;
        for hit in json["hits"].as_array().expect("hits") {
            let url = hit["url"].as_str().expect("url");
            let (status, _, _) = site.get(url).await;
            assert!(status == StatusCode::OK || status == StatusCode::MOVED_PERMANENTLY, "{url}: {status}");
            checked += 1;
        }
    }
    renamer.join().expect("renames");
    assert!(checked > 10, "enough hits were checked during the burst ({checked})");
    assert_eq!(site.search_slugs("kumquat", "en").await, ["gift-cards-40"]);
}
