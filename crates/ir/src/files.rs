//! How files of a run folder are written: whole or not at all.
//!
//! Contract: `write_atomic` writes to a temporary name in the same folder, syncs, renames
//! over the target and syncs the folder, so a reader (a resumed run, `nas report`) sees the
//! old file or the new one, never a partial one. The interpreter writes every run-folder file
//! this way and the report writes `report.md` and its plots the same way.

use std::fs;
use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` through a synced temporary file and a rename. On failure the
/// temporary file is removed and `path` is left as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let written = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    if let Ok(d) = fs::File::open(dir) {
        // best effort: not every file system can sync a directory
        let _ = d.sync_all();
    }
    Ok(())
}
