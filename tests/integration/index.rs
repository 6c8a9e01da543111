//! The index stays in step with `articles/` by content hash and can always be rebuilt.

use std::process::Command;

use helpcenter::article::{LoadOptions, load_library};
use helpcenter::search::{Indexer, SearchRequest, Searcher, SyncStats, open_or_create};

use crate::support::{copy_dir, repo};

fn library(articles: &std::path::Path) -> (helpcenter::article::Library, helpcenter::article::Bodies) {
    load_library(articles, &LoadOptions::default()).expect("load")
}

fn sync(indexer: &mut Indexer, articles: &std::path::Path) -> SyncStats {
    let (library, bodies) = library(articles);
    indexer.sync(&library, &bodies).expect("sync")
}

fn slugs(searcher: &Searcher, q: &str) -> Vec<String> {
    let req = SearchRequest { query: q, locale: "en", category: None, limit: 10, offset: 0, include_drafts: false };
    searcher.search(&req).expect("search").hits.into_iter().map(|h| h.slug).collect()
}

#[test]
fn sync_touches_only_what_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let articles = dir.path().join("articles");
    copy_dir(&repo().join("tests/fixtures/articles"), &articles);
    let index_dir = dir.path().join("index");

    let (index, fresh) = open_or_create(&index_dir).expect("open");
    assert!(fresh);
    let mut indexer = Indexer::new(index.clone()).expect("writer");
    let first = sync(&mut indexer, &articles);
    assert_eq!(first, SyncStats { added: 8, updated: 0, removed: 0, unchanged: 0 });
    let again = sync(&mut indexer, &articles);
    assert_eq!(again, SyncStats { added: 0, updated: 0, removed: 0, unchanged: 8 }, "nothing changed");

    let path = articles.join("en/billing/refunds.md");
    let text = std::fs::read_to_string(&path).expect("read").replace("Annual plans", "Annual plans and quasar");
    std::fs::write(&path, text).expect("write");
    std::fs::remove_file(articles.join("en/account/two-factor.md")).expect("rm");
    let changed = sync(&mut indexer, &articles);
    assert_eq!(changed, SyncStats { added: 0, updated: 1, removed: 1, unchanged: 6 });

    // A new translation is one new document; the original stays as it is (which articles are
    // translated comes from the catalog, not from the index).
    let ja = articles.join("ja/billing/invoices.md");
    std::fs::write(&ja, "---\ntitle: 請求書\n---\n請求書をダウンロードします。\n").expect("write translation");
    let translated = sync(&mut indexer, &articles);
    assert_eq!((translated.added, translated.updated), (1, 0));
    std::fs::remove_file(&ja).expect("rm translation");
    sync(&mut indexer, &articles);

    let (lib, _) = library(&articles);
    let searcher = Searcher::new(index, Default::default()).with_library(&lib);
    assert_eq!(slugs(&searcher, "quasar"), vec!["refunds"]);
    assert!(slugs(&searcher, "authenticator").is_empty(), "deleted article gone");
    assert_eq!(searcher.num_public_docs(), 7);
}

#[test]
fn reopening_keeps_the_index_and_a_deleted_index_is_rebuilt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let articles = dir.path().join("articles");
    copy_dir(&repo().join("tests/fixtures/articles"), &articles);
    let index_dir = dir.path().join("index");
    {
        let (index, _) = open_or_create(&index_dir).expect("open");
        sync(&mut Indexer::new(index).expect("writer"), &articles);
    }
    {
        let (index, fresh) = open_or_create(&index_dir).expect("reopen");
        assert!(!fresh, "existing index reused");
        let stats = sync(&mut Indexer::new(index.clone()).expect("writer"), &articles);
        assert_eq!(stats.unchanged, 8);
        // Tokenizers are registered on every open: CJK search works after a reopen.
        let searcher = Searcher::new(index, Default::default()).with_library(&library(&articles).0);
        let req = SearchRequest {
            query: "パスワード",
            locale: "ja",
            category: None,
            limit: 5,
            offset: 0,
            include_drafts: false,
        };
        assert_eq!(searcher.search(&req).expect("search").hits[0].slug, "reset-password");
    }
    std::fs::remove_dir_all(&index_dir).expect("delete index");
    let (index, fresh) = open_or_create(&index_dir).expect("recreate");
    assert!(fresh);
    let stats = sync(&mut Indexer::new(index).expect("writer"), &articles);
    assert_eq!(stats.added, 8);
}

#[test]
fn an_index_made_by_another_analyzer_is_rebuilt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let articles = dir.path().join("articles");
    copy_dir(&repo().join("tests/fixtures/articles"), &articles);
    let index_dir = dir.path().join("index");
    {
        let (index, _) = open_or_create(&index_dir).expect("open");
        sync(&mut Indexer::new(index).expect("writer"), &articles);
    }
    let version = std::fs::read_to_string(index_dir.join("HELPCENTER_SCHEMA")).expect("version file");
    assert_eq!(version, helpcenter::search::schema::schema_version());
    assert!(version.contains(&helpcenter::text::analyze::fingerprint()), "the analyzer is part of it: {version}");
    // As after a `cargo update` that changed the stemmer: same fields, other analysis.
    let (fields, _) = version.split_once("+analyzer-").expect("two parts");
    std::fs::write(index_dir.join("HELPCENTER_SCHEMA"), format!("{fields}+analyzer-0000000000000000")).expect("write");
    let (_, fresh) = open_or_create(&index_dir).expect("reopen");
    assert!(fresh, "rebuilt instead of mismatching queries against old stems");
}

#[test]
fn a_foreign_or_corrupt_index_is_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index_dir = dir.path().join("index");
    std::fs::create_dir_all(&index_dir).expect("mkdir");
    std::fs::write(index_dir.join("meta.json"), "{ not json").expect("write");
    std::fs::write(index_dir.join("HELPCENTER_SCHEMA"), "something-else").expect("write");
    std::fs::write(index_dir.join("keep.txt"), "not ours").expect("write");
    let (_, fresh) = open_or_create(&index_dir).expect("recreated");
    assert!(fresh);
    assert!(index_dir.join("keep.txt").exists(), "only index files are removed");
}

#[test]
fn index_command_rebuilds_and_prints_a_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join("tests/fixtures/articles"), &dir.path().join("articles"));
    let out = Command::new(env!("CARGO_BIN_EXE_helpcenter"))
        .args(["index"])
        .current_dir(dir.path())
        .env_remove("HELPCENTER_ARTICLES")
        .env_remove("HELPCENTER_INDEX")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("indexed 8 articles in 3 locales"), "{stdout}");
    assert!(dir.path().join("index/meta.json").exists());
}
