//! The one-way data flow of the README's module map, enforced: every `crate::` path in a
//! module's source must name a module that module may depend on. A forbidden import that
//! comes back (the parser reaching for the index, the search log searching, the watcher
//! touching the web state) fails this test with the file and line.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::repo;

/// Module → the modules of this crate it may use. `cmd` (the composition root), `cli`,
/// `main` and `lib` may use anything and are not listed.
fn allowed() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        ("text", &[][..]),
        ("config", &[][..]),
        ("article", &["text"][..]),
        ("search", &["text", "article", "config"][..]),
        ("watch", &["article"][..]),
        ("snapshot", &["text", "article", "search", "watch", "config"][..]),
        ("searchlog", &["text", "config"][..]),
        ("report", &["text", "searchlog"][..]),
        ("http", &["text", "article", "search", "snapshot", "searchlog", "report", "config"][..]),
    ])
}

/// The `crate::x` module names used on a line of code (comments skipped).
fn used_modules(line: &str) -> Vec<String> {
    let code = line.trim_start();
    if code.starts_with("//") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            out.extend(inner.split(',').filter_map(|p| p.trim().split("::").next()).map(str::to_owned));
        } else {
            out.push(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn modules_only_import_downstream() {
    let src = repo().join("src");
    let rules = allowed();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    let mut checked = 0;
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src");
        let module = rel.iter().next().and_then(|m| m.to_str()).map(|m| m.trim_end_matches(".rs")).unwrap_or("");
        let Some(allowed) = rules.get(module) else { continue };
        checked += 1;
        let text = std::fs::read_to_string(&file).expect("read");
        for (n, line) in text.lines().enumerate() {
            for used in used_modules(line) {
                if used != module && !allowed.contains(&used.as_str()) {
                    violations.push(format!(
                        "src/{}:{}: `{module}` must not use `crate::{used}`",
                        rel.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(checked >= 30, "the map covers the source tree ({checked} files)");
    assert!(violations.is_empty(), "imports against the data flow:\n{}", violations.join("\n"));
}

#[test]
fn the_checker_sees_every_import_form() {
    assert_eq!(used_modules("use crate::search::query::is_stop_word;"), ["search"]);
    assert_eq!(used_modules("    let x = crate::http::AppState::new();"), ["http"]);
    assert_eq!(used_modules("use crate::{article::Library, searchlog};"), ["article", "searchlog"]);
    assert!(used_modules("/// see [`crate::http`]").is_empty());
}
