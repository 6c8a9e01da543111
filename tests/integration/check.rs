//! `helpcenter check` on broken articles, and the site serving the rest.

use std::process::Command;

use axum::http::StatusCode;

use crate::support::{Site, copy_dir, repo};

fn helpcenter(args: &[&str], cwd: &std::path::Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_helpcenter"))
        .args(args)
        .current_dir(cwd)
        .env_remove("HELPCENTER_ARTICLES")
        .env_remove("HELPCENTER_INDEX")
        .env_remove("HELPCENTER_CONFIG")
        .output()
        .expect("run helpcenter");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

fn break_articles(articles: &std::path::Path) {
    copy_dir(&repo().join("tests/fixtures/articles"), articles);
    std::fs::write(
        articles.join("en/account/bad-front-matter.md"),
        "---\ntitle: Broken\ntags: [a, b\norder: 1\n---\nBody text zebrafish.\n",
    )
    .expect("write");
    let mut invalid = b"---\ntitle: Latin-1\n---\nCaf".to_vec();
    invalid.extend_from_slice(&[0xE9, b' ', b'z', b'e', b'b', b'r', b'a', b'f', b'i', b's', b'h', b'\n']);
    std::fs::write(articles.join("en/account/invalid-utf8.md"), invalid).expect("write");
    let mut huge = b"---\ntitle: Huge zebrafish\n---\n".to_vec();
    huge.resize(5 * 1024 * 1024, b'a');
    std::fs::write(articles.join("en/billing/huge.md"), huge).expect("write");
    std::fs::write(articles.join("en/billing/no-title.md"), "---\ndescription: x\n---\nzebrafish\n").expect("write");
    std::fs::write(articles.join("en/billing/unclosed.md"), "---\ntitle: Unclosed\nzebrafish\n").expect("write");
}

#[test]
fn check_reports_every_broken_file_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    break_articles(&dir.path().join("articles"));
    let (code, out) = helpcenter(&["check"], dir.path());
    assert_eq!(code, 1, "{out}");
    for expected in [
        "en/account/bad-front-matter.md:4:",
        "error: invalid YAML front matter",
        "en/account/invalid-utf8.md:4:4: error: invalid UTF-8",
        "en/billing/huge.md:1:1: error: file is 5242880 bytes, over the limit",
        "en/billing/no-title.md:2:1: error: missing `title`",
        "en/billing/unclosed.md:1:1: error: no closing `---`",
        "hint:",
        "5 error(s)",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
}

#[test]
fn check_passes_on_clean_articles() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join("tests/fixtures/articles"), &dir.path().join("articles"));
    let (code, out) = helpcenter(&["check"], dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 error(s)"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out) = helpcenter(&["check", "--articles", "does-not-exist"], dir.path());
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot read the articles folder"), "{out}");
    let (code, _) = helpcenter(&["no-such-command"], dir.path());
    assert_eq!(code, 2);
}

#[tokio::test]
async fn broken_articles_never_take_the_site_down() {
    let site = Site::with(break_articles);
    let (status, _, _) = site.get("/en/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(site.get("/en/articles/reset-password").await.0, StatusCode::OK);
    assert_eq!(site.get("/en/articles/bad-front-matter").await.0, StatusCode::NOT_FOUND);
    assert!(site.search_slugs("zebrafish", "en").await.is_empty(), "broken files are not indexed");
    assert_eq!(site.search_slugs("refund", "en").await.first().map(String::as_str), Some("refunds"));
}

#[test]
fn config_file_environment_and_flags_are_layered() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join("tests/fixtures/articles"), &dir.path().join("docs"));
    std::fs::create_dir_all(dir.path().join("empty")).expect("mkdir");
    std::fs::write(dir.path().join("site.toml"), "articles = \"docs\"\n").expect("write");
    let run = |args: &[&str], env: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_helpcenter"));
        cmd.args(args).current_dir(dir.path()).env_remove("HELPCENTER_ARTICLES").env_remove("HELPCENTER_CONFIG");
        if let Some(articles) = env {
            cmd.env("HELPCENTER_ARTICLES", articles);
        }
        let out = cmd.output().expect("run");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    assert!(
        run(&["check", "--config", "site.toml"], None).1.contains("checked 8 articles"),
        "the file sets the folder"
    );
    assert!(
        run(&["check", "--config", "site.toml"], Some("empty")).1.contains("checked 0 articles"),
        "environment beats the file"
    );
    assert!(
        run(&["check", "--config", "site.toml", "--articles", "docs"], Some("empty")).1.contains("checked 8 articles"),
        "flags beat both"
    );
    std::fs::write(dir.path().join("bad.toml"), "articles = \"docs\"\nartcles = \"x\"\n").expect("write");
    let (code, out) = run(&["check", "--config", "bad.toml"], None);
    assert_eq!(code, 2);
    assert!(out.contains("invalid config file") && out.contains("line 2"), "{out}");
}
