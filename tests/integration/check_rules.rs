//! `helpcenter check`: one test per rule, each on a small clean tree plus exactly one mistake.

use std::path::Path;
use std::process::Command;

const BODY: &str = "Plenty of text so that this article is not reported as empty.\n\n## Section one\n\nMore words.\n";

fn base(root: &Path) {
    let files: &[(&str, String)] = &[
        ("en/account/_category.md", "---\ntitle: Account\n---\n".into()),
        ("en/account/base.md", format!("---\ntitle: Base\nupdated: 2026-05-01\n---\n{BODY}")),
        ("ja/account/base.md", format!("---\ntitle: ベース\nupdated: 2026-05-01\n---\n{BODY}")),
    ];
    for (path, text) in files {
        write(root, path, text.as_bytes());
    }
}

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
    std::fs::write(full, bytes).expect("write");
}

fn check(root: &Path, extra: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_helpcenter"))
        .arg("check")
        .args(extra)
        .arg("--articles")
        .arg(root)
        .env_remove("HELPCENTER_CONFIG")
        .current_dir(root)
        .output()
        .expect("run check");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Base tree + `mistake`; asserts exactly one problem: `expected` at `location`.
fn assert_rule(mistake: &[(&str, &[u8])], location: &str, expected: &str, exit: i32) {
    let dir = tempfile::tempdir().expect("tempdir");
    base(dir.path());
    for (path, bytes) in mistake {
        write(dir.path(), path, bytes);
    }
    let (code, out) = check(dir.path(), &[]);
    let problems: Vec<&str> = out.lines().filter(|l| l.contains(": error: ") || l.contains(": warning: ")).collect();
    assert_eq!(problems.len(), 1, "exactly one problem expected:\n{out}");
    assert!(problems[0].starts_with(location), "`{location}` expected in:\n{out}");
    assert!(problems[0].contains(expected), "`{expected}` expected in:\n{out}");
    assert!(out.contains("  hint: "), "every problem has a hint:\n{out}");
    assert_eq!(code, exit, "{out}");
}

#[test]
fn clean_tree_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    base(dir.path());
    let (code, out) = check(dir.path(), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 error(s), 0 warning(s)"), "{out}");
}

#[test]
fn yaml_syntax() {
    assert_rule(
        &[("en/account/r.md", b"---\ntitle: R\ntags: [a, b\n---\ntext\n")],
        "en/account/r.md:",
        "error: invalid YAML front matter",
        1,
    );
}

#[test]
fn toml_syntax() {
    assert_rule(
        &[("en/account/r.md", b"+++\ntitle = \n+++\ntext\n")],
        "en/account/r.md:2:",
        "error: invalid TOML front matter",
        1,
    );
}

#[test]
fn no_front_matter() {
    assert_rule(
        &[("en/account/r.md", b"# Just a heading\n")],
        "en/account/r.md:1:1:",
        "error: the article has no front matter",
        1,
    );
}

#[test]
fn unclosed_front_matter() {
    assert_rule(&[("en/account/r.md", b"---\ntitle: R\ntext\n")], "en/account/r.md:1:1:", "no closing `---`", 1);
}

#[test]
fn unknown_key_is_a_warning() {
    let file = format!("---\ntitle: R\nlayout: wide\n---\n{BODY}");
    assert_rule(
        &[("en/account/r.md", file.as_bytes())],
        "en/account/r.md:2:",
        "warning: unknown front matter key `layout`",
        0,
    );
}

#[test]
fn wrong_type_is_an_error() {
    let file = format!("---\ntitle: R\ndraft: maybe\n---\n{BODY}");
    assert_rule(&[("en/account/r.md", file.as_bytes())], "en/account/r.md:", "error: invalid YAML front matter", 1);
}

#[test]
fn missing_title() {
    let file = format!("---\ndescription: no title\n---\n{BODY}");
    assert_rule(&[("en/account/r.md", file.as_bytes())], "en/account/r.md:2:1:", "error: missing `title`", 1);
}

#[test]
fn duplicate_slug_within_a_locale() {
    let file = format!("---\ntitle: Other base\n---\n{BODY}");
    assert_rule(
        &[("en/billing/base.md", file.as_bytes())],
        "en/billing/base.md:1:1:",
        "slug `base` is already used",
        1,
    );
}

#[test]
fn duplicate_alias() {
    let a = format!("---\ntitle: A\naliases: [old]\n---\n{BODY}");
    let b = format!("---\ntitle: B\naliases: [old]\n---\n{BODY}");
    assert_rule(
        &[("en/account/a.md", a.as_bytes()), ("en/account/b.md", b.as_bytes())],
        "en/account/b.md:1:1:",
        "alias `old` is already an alias of `a`",
        1,
    );
}

#[test]
fn alias_colliding_with_a_live_slug() {
    let a = format!("---\ntitle: A\naliases: [base]\n---\n{BODY}");
    assert_rule(
        &[("en/account/a.md", a.as_bytes())],
        "en/account/a.md:1:1:",
        "alias `base` is the slug of a published article",
        1,
    );
}

#[test]
fn broken_link() {
    let a = format!("---\ntitle: A\n---\n{BODY}\nSee [the guide](../account/missing.md).\n");
    assert_rule(
        &[("en/account/a.md", a.as_bytes())],
        "en/account/a.md:10:5:",
        "broken link: no article `account/missing.md`",
        1,
    );
}

#[test]
fn broken_heading_anchor() {
    let a = format!("---\ntitle: A\n---\n{BODY}\n[ok](base.md#section-one) and [bad](base.md#nope)\n");
    assert_rule(
        &[("en/account/a.md", a.as_bytes())],
        "en/account/a.md:10:31:",
        "broken anchor: `account/base.md` has no heading `#nope`",
        1,
    );
}

#[test]
fn missing_image() {
    let a = format!("---\ntitle: A\n---\n{BODY}\n![chart](images/none.png)\n");
    assert_rule(
        &[("en/account/a.md", a.as_bytes())],
        "en/account/a.md:10:1:",
        "missing image `en/account/images/none.png`",
        1,
    );
}

#[test]
fn stale_translation_is_a_warning() {
    let en = format!("---\ntitle: Base\nupdated: 2026-06-01\n---\n{BODY}");
    assert_rule(&[("en/account/base.md", en.as_bytes())], "ja/account/base.md:1:1:", "warning: stale translation", 0);
}

#[test]
fn article_without_a_category() {
    let a = format!("---\ntitle: Loose\n---\n{BODY}");
    assert_rule(
        &[("en/loose.md", a.as_bytes())],
        "en/loose.md:1:1:",
        "error: article is not inside a category folder",
        1,
    );
}

#[test]
fn empty_article_is_a_warning() {
    assert_rule(
        &[("en/account/empty.md", b"---\ntitle: Empty\n---\n\n")],
        "en/account/empty.md:4:1:",
        "warning: the article has no text",
        0,
    );
}

#[test]
fn oversized_article() {
    let mut big = b"---\ntitle: Big\n---\n".to_vec();
    big.resize(2 * 1024 * 1024, b'x');
    assert_rule(&[("en/account/big.md", &big)], "en/account/big.md:1:1:", "over the limit", 1);
}

#[test]
fn invalid_utf8() {
    assert_rule(
        &[("en/account/l1.md", b"---\ntitle: L\n---\nna\xefve\n")],
        "en/account/l1.md:4:3:",
        "error: invalid UTF-8",
        1,
    );
}

#[test]
fn json_format_and_strict_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    base(dir.path());
    write(dir.path(), "en/account/empty.md", b"---\ntitle: Empty\n---\n");
    let (code, out) = check(dir.path(), &["--format", "json"]);
    assert_eq!(code, 0, "warnings alone pass: {out}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json output");
    assert_eq!(doc["warnings"], 1);
    assert_eq!(doc["errors"], 0);
    let p = &doc["problems"][0];
    assert_eq!(p["path"], "en/account/empty.md");
    assert_eq!(p["severity"], "warning");
    assert!(p["line"].is_u64() && p["column"].is_u64() && p["hint"].is_string(), "{p}");
    assert_eq!(check(dir.path(), &["--strict"]).0, 1, "--strict fails on warnings");
    assert_eq!(check(dir.path(), &["--format", "xml"]).0, 2, "usage error");
}

#[test]
fn new_scaffolds_a_draft_that_passes_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    base(dir.path());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_helpcenter"))
            .args(args)
            .arg("--articles")
            .arg(dir.path())
            .env_remove("HELPCENTER_CONFIG")
            .current_dir(dir.path())
            .output()
            .expect("run")
    };
    let out = run(&["new", "en/billing/refund-timing", "--title", "When refunds arrive"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(dir.path().join("en/billing/refund-timing.md")).expect("created");
    assert!(text.contains("title: \"When refunds arrive\"") && text.contains("draft: true"), "{text}");
    assert!(dir.path().join("en/billing/_category.md").exists(), "new category scaffolded");
    let (code, out) = check(dir.path(), &[]);
    assert_eq!(code, 0, "{out}");
    let again = run(&["new", "en/billing/refund-timing"]);
    assert_eq!(again.status.code(), Some(2), "refuses to overwrite");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(run(&["new", "english/Billing/x"]).status.code(), Some(2), "bad names refused");
}
