//! One ClinicDesk window per data dir: an exclusive lock file beside the built-in cluster. The desktop shell's
//! single-instance plugin hands a second launch to the running window over D-Bus; this lock is the backstop when
//! there is no session bus (or another user session shares the data dir), so two apps never drive one cluster.

use std::fs::File;
use std::path::Path;

use nix::fcntl::{Flock, FlockArg};

use crate::error::{Error, Result};

/// Held for the life of the app; released by the OS when the process ends, even on kill -9.
#[derive(Debug)]
pub struct InstanceLock {
    _lock: Flock<File>,
}

impl InstanceLock {
    pub fn acquire(data_dir: &Path) -> Result<InstanceLock> {
        std::fs::create_dir_all(data_dir)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(data_dir.join("app.lock"))?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => Ok(InstanceLock { _lock: lock }),
            Err((_, errno)) => {
                tracing::warn!(%errno, "instance lock held by another process");
                Err(Error::Unavailable(crate::msg!(already_open)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = InstanceLock::acquire(dir.path()).unwrap();
        let second = InstanceLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(second, Error::Unavailable(m) if m.contains("already open")));
        drop(first);
        InstanceLock::acquire(dir.path()).unwrap();
    }
}
