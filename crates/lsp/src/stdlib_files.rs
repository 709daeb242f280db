//! Read-only copies of the embedded standard library on disk, so that go to definition and
//! related information can point into `std/spaces/darts.nas` with a plain `file://` location
//! that every editor opens.
//!
//! Why files and not virtual documents: a custom URI scheme needs a matching content
//! provider in every editor's client (VS Code's `workspace.registerTextDocumentContentProvider`,
//! a plugin elsewhere); a file needs nothing, and a user can read it outside the editor.
//!
//! Contract: the copies live in `$XDG_CACHE_HOME/nas/stdlib/<version>-<hash>/std/...`
//! (`~/.cache` when `XDG_CACHE_HOME` is unset, the temporary folder when there is no
//! home), where `<hash>` is the FNV-1a hash of every embedded module, so a binary never
//! points into the copy of a different standard library. A file is written (atomically) only
//! when it is missing or differs, and is made read-only: it is a copy, editing it changes
//! nothing. When no folder can be written, there are no locations in the standard library
//! (hover still works: it reads the embedded text).

use std::path::{Path, PathBuf};

use nas_check::resolve::stdlib::{display_name, STDLIB};

/// The folder holding `std/...` for this binary's standard library, written on first use.
#[derive(Debug)]
pub struct StdlibFiles {
    /// Where the copies may go, first choice first.
    bases: Vec<PathBuf>,
    root: Option<Option<PathBuf>>,
}

impl Default for StdlibFiles {
    fn default() -> Self {
        Self::new()
    }
}

impl StdlibFiles {
    /// Copies in the user's cache folder (see the module's contract).
    pub fn new() -> Self {
        let mut bases = Vec::new();
        if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
            bases.push(PathBuf::from(x));
        }
        if let Some(h) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            bases.push(PathBuf::from(h).join(".cache"));
        }
        bases.push(std::env::temp_dir());
        StdlibFiles { bases, root: None }
    }

    /// Copies under `base` only (`base/nas/stdlib/...`).
    pub fn in_folder(base: &Path) -> Self {
        StdlibFiles {
            bases: vec![base.to_path_buf()],
            root: None,
        }
    }

    /// The copy of the standard source named `name` in diagnostics (`std/spaces/darts.nas`),
    /// written if needed; `None` when `name` is not a standard module or nothing could be
    /// written.
    pub fn path_of(&mut self, name: &str) -> Option<PathBuf> {
        STDLIB.iter().find(|(p, _)| display_name(p) == name)?;
        let bases = &self.bases;
        let root = self.root.get_or_insert_with(|| write_all(bases)).as_ref()?;
        Some(root.join(name))
    }
}

/// The folders the copies may go to, first choice first.
fn roots(bases: &[PathBuf]) -> Vec<PathBuf> {
    let mut hash = nas_ir::fnv::Fnv64::new();
    for (path, text) in STDLIB {
        hash.write(path.as_bytes());
        hash.write(text.as_bytes());
    }
    let leaf = format!("{}-{}", env!("CARGO_PKG_VERSION"), hash.hex());
    bases
        .iter()
        .filter(|b| b.is_absolute())
        .map(|b| b.join("nas").join("stdlib").join(&leaf))
        .collect()
}

/// Write every module under the first folder that takes them.
fn write_all(bases: &[PathBuf]) -> Option<PathBuf> {
    roots(bases)
        .into_iter()
        .find(|root| STDLIB.iter().all(|(p, text)| write_one(root, p, text)))
}

fn write_one(root: &Path, module: &str, text: &str) -> bool {
    let path = root.join(display_name(module));
    if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
        return true;
    }
    let Some(dir) = path.parent() else {
        return false;
    };
    if std::fs::create_dir_all(dir).is_err() {
        return false;
    }
    if nas_ir::files::write_atomic(&path, text.as_bytes()).is_err() {
        return false;
    }
    if let Ok(meta) = std::fs::metadata(&path) {
        let mut perm = meta.permissions();
        perm.set_readonly(true);
        let _ = std::fs::set_permissions(&path, perm);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_is_copied_read_only_with_its_text() {
        let base = std::env::temp_dir().join(format!("nas-lsp-std-{}", std::process::id()));
        let mut files = StdlibFiles::in_folder(&base);
        let path = files.path_of("std/spaces/darts.nas").expect("a copy");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(
            text,
            nas_check::resolve::stdlib::lookup("spaces.darts").expect("embedded")
        );
        assert!(std::fs::metadata(&path)
            .expect("meta")
            .permissions()
            .readonly());
        for (p, _) in STDLIB {
            assert!(files.path_of(&display_name(p)).is_some_and(|f| f.is_file()));
        }
        assert!(files.path_of("std/nothing.nas").is_none());
        assert!(files.path_of("/tmp/x.nas").is_none());
        assert!(path.starts_with(base.join("nas/stdlib")));
        make_writable(&base);
        std::fs::remove_dir_all(&base).expect("clean up");
    }

    /// Read-only files in a folder of the test's: allow their removal on every platform.
    fn make_writable(dir: &Path) {
        for e in std::fs::read_dir(dir).expect("list").flatten() {
            let p = e.path();
            if p.is_dir() {
                make_writable(&p);
            } else if let Ok(meta) = std::fs::metadata(&p) {
                let mut perm = meta.permissions();
                #[allow(clippy::permissions_set_readonly_false)]
                perm.set_readonly(false);
                let _ = std::fs::set_permissions(&p, perm);
            }
        }
    }
}
