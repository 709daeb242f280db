//! The run folder's lock: one `nas run` at a time in a folder.
//!
//! Contract: [`RunLock::acquire`] takes an exclusive advisory lock on `<out>/.nas-lock`
//! (`flock`, through std's `File::try_lock`) and writes the holder's pid into the file; the
//! lock is held until the `RunLock` is dropped. The operating system releases it when the
//! process dies, so a killed run leaves no stale lock behind: the file stays, unlocked. A
//! second run into the folder fails at once with `nas::run::locked`, naming the holder's pid,
//! and touches nothing.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::Path;

use crate::error::RuntimeError;

/// The lock file's name inside the run folder.
pub const LOCK_FILE: &str = ".nas-lock";

/// Held for the whole run; dropping it releases the folder.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Lock `out` (created if missing) or fail with `RuntimeError::Locked`.
    pub fn acquire(out: &Path) -> Result<RunLock, RuntimeError> {
        let path = out.join(LOCK_FILE);
        let io = |source| RuntimeError::Io {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(out).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(RuntimeError::Locked {
                    path: out.to_path_buf(),
                    holder: holder(&path),
                })
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        file.sync_data().map_err(io)?;
        Ok(RunLock { _file: file })
    }
}

/// The pid the holder wrote, as text for the message ("another process" until it has
/// written it).
fn holder(path: &Path) -> String {
    fs::read_to_string(path)
        .ok()
        .and_then(|t| t.trim().parse::<u32>().ok())
        .map_or_else(
            || "another process".to_string(),
            |pid| format!("process {pid}"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_folder_is_refused_until_the_first_is_dropped() {
        let dir = std::env::temp_dir().join(format!("nas_lock_{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let first = RunLock::acquire(&dir).expect("first");
        let err = RunLock::acquire(&dir).expect_err("second");
        let me = format!("process {}", std::process::id());
        assert!(
            matches!(&err, RuntimeError::Locked { holder, .. } if *holder == me),
            "{err:?}"
        );
        drop(first);
        RunLock::acquire(&dir).expect("free again after the first is dropped");
        fs::remove_dir_all(&dir).unwrap();
    }
}
