//! One process per run directory. `ansatz run`, a second `batch --local` and a SLURM array
//! task could otherwise train into the same directory at once and overwrite each other's
//! checkpoints.

use super::error::{out_err, RunError};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

/// The exit status of `ansatz run` when another process holds the run directory
/// (sysexits' EX_TEMPFAIL): `batch` then leaves the run to that process.
pub const BUSY_EXIT: u8 = 75;

/// An exclusive lock on `DIR/.lock`, held while the value lives. The lock is the operating
/// system's, so a killed process releases it; the file keeps the holder's process id.
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Locks `out` (created if need be), or says which process holds it. Where the file
    /// system has no locks, warns and returns the unlocked file.
    pub fn acquire(out: &Path) -> Result<RunLock, RunError> {
        std::fs::create_dir_all(out).map_err(|e| out_err(out, e))?;
        let path = out.join(".lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| out_err(&path, e))?;
        match file.try_lock() {
            Ok(()) => {
                let pid = std::process::id().to_string();
                (|| {
                    file.set_len(0)?;
                    file.rewind()?;
                    file.write_all(pid.as_bytes())
                })()
                .map_err(|e| out_err(&path, e))?;
                Ok(RunLock { _file: file })
            }
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                Err(RunError::Busy(format!(
                    "{}: another ansatz process (pid {}) is training in this directory; wait for it, or choose another --out",
                    out.display(),
                    holder.trim()
                )))
            }
            // A file system without locks (an NFS mount without a lock manager, say) should
            // not stop the run: it goes on without the guard, and says so.
            Err(TryLockError::Error(e)) => {
                eprintln!(
                    "warning: cannot lock {} ({e}); nothing stops a second process from training into this directory",
                    path.display()
                );
                Ok(RunLock { _file: file })
            }
        }
    }
}
