//! One rule for every file taken from a content root (`articles/`, the theme's `static/`):
//! the path is resolved with every symbolic link followed and must still lie under the
//! root's own resolved path. The loader, `check` and `/media` all go through
//! [`resolve_within`], so a link that leaves the root is refused everywhere alike, and one
//! that stays inside works everywhere alike.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Why a path under a root cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Nothing there (or not readable).
    #[error("not found")]
    NotFound,
    /// The path names `..`, an absolute path or a hidden entry.
    #[error("the path is not a plain relative path")]
    NotPlain,
    /// Following symbolic links leads outside the root.
    #[error("it is a symbolic link that leads outside {root} (to {target})")]
    Escapes {
        /// The root, as given.
        root: String,
        /// Where the link leads.
        target: String,
    },
}

/// True when `rel` is a plain relative path: no `..`, no root, no hidden components.
fn is_plain(rel: &Path) -> bool {
    rel.components().all(|c| match c {
        Component::Normal(part) => part.to_str().is_some_and(|p| !p.starts_with('.') && !p.contains(['\\', '\0'])),
        _ => false,
    }) && rel.components().next().is_some()
}

/// Resolves `root/rel` with symlinks followed; the result must stay under `root` (itself
/// resolved). Returns the resolved path.
pub fn resolve_within(root: &Path, rel: &Path) -> Result<PathBuf, Refusal> {
    if !is_plain(rel) {
        return Err(Refusal::NotPlain);
    }
    let root_real = std::fs::canonicalize(root).map_err(|_| Refusal::NotFound)?;
    let real = std::fs::canonicalize(root.join(rel)).map_err(|_| Refusal::NotFound)?;
    if real.starts_with(&root_real) {
        Ok(real)
    } else {
        Err(Refusal::Escapes { root: root.display().to_string(), target: real.display().to_string() })
    }
}

/// Reads at most `max` bytes of a regular file that [`resolve_within`] accepted. The final
/// component is opened without following a link (a link swapped in after the check is
/// refused), and the size is bounded while reading (files under `/proc` report 0 bytes).
pub fn read_resolved(real: &Path, max: u64) -> Option<Vec<u8>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(real).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > max {
        return None;
    }
    let mut body = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1).read_to_end(&mut body).ok()?;
    (body.len() as u64 <= max).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_only() {
        assert!(is_plain(Path::new("en/a/x.png")));
        assert!(!is_plain(Path::new("../x")));
        assert!(!is_plain(Path::new("/etc/passwd")));
        assert!(!is_plain(Path::new("en/.git/config")));
        assert!(!is_plain(Path::new("")));
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_are_followed_and_links_outside_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("en")).expect("dirs");
        std::fs::write(root.join("en/real.png"), b"png").expect("file");
        std::fs::write(dir.path().join("secret.txt"), b"secret").expect("file");
        std::os::unix::fs::symlink(root.join("en/real.png"), root.join("en/inside.png")).expect("link");
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("en/outside.png")).expect("link");
        std::os::unix::fs::symlink(dir.path(), root.join("en/up")).expect("link");
        let inside = resolve_within(&root, Path::new("en/inside.png")).expect("inside");
        assert_eq!(read_resolved(&inside, 100).as_deref(), Some(&b"png"[..]));
        assert!(matches!(resolve_within(&root, Path::new("en/outside.png")), Err(Refusal::Escapes { .. })));
        assert!(matches!(resolve_within(&root, Path::new("en/up/secret.txt")), Err(Refusal::Escapes { .. })));
        assert_eq!(resolve_within(&root, Path::new("en/missing.png")), Err(Refusal::NotFound));
        assert_eq!(read_resolved(&inside, 2), None, "over the size limit");
    }
}
