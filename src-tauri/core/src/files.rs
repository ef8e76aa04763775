//! Private files: everything ClinicDesk writes that holds clinical data or secrets (exports, reports, their temp
//! files) is created owner-only (0600, folders 0700) whatever the process umask — also when running as root —
//! and complete files appear under their name only by an atomic rename.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Creates `dir` (and any missing parents) owner-only; an existing `dir` is made owner-only too.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    std::fs::set_permissions(dir, Permissions::from_mode(0o700))
}

/// Creates (or truncates) `path` for writing, readable and writable by its owner only.
pub fn create_private(path: &Path) -> io::Result<File> {
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // an existing file keeps its old mode through open(): tighten it
    f.set_permissions(Permissions::from_mode(0o600))?;
    Ok(f)
}

/// A file that appears under its name only when complete: written to a private temp file beside it
/// (`.<name>.partial-<pid>-<tag>`, which the weekly cleanup removes if a crash leaves one), then fsynced,
/// renamed into place and the folder fsynced. Dropped without `commit`, it removes its temp file: a failed or
/// cancelled write leaves nothing under either name. The one way ClinicDesk writes exports, backups, reports,
/// audit exports and its config.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

impl AtomicFile {
    /// Starts writing `path`; `tag` keeps two writers of one name in one process apart. The returned file is
    /// the temp file, owner-only; a writer of its own (pg_dump) may fill `tmp()` instead.
    pub fn create(path: &Path, tag: &str) -> io::Result<(AtomicFile, File)> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        let tmp = dir.join(format!(".{name}.partial-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let file = create_private(&tmp)?;
        Ok((
            AtomicFile {
                path: path.to_path_buf(),
                tmp,
                committed: false,
            },
            file,
        ))
    }

    /// Where the content is being written until `commit`.
    pub fn tmp(&self) -> &Path {
        &self.tmp
    }

    /// Makes the content durable and puts it under its name.
    pub fn commit(mut self) -> io::Result<()> {
        let f = File::open(&self.tmp)?;
        f.set_permissions(Permissions::from_mode(0o600))?;
        f.sync_all()?;
        std::fs::rename(&self.tmp, &self.path)?;
        self.committed = true;
        if let Some(dir) = self.path.parent() {
            if let Ok(d) = File::open(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            }) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` through an `AtomicFile`: readers see the old file or the new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (atomic, mut f) = AtomicFile::create(path, "w")?;
    f.write_all(bytes)?;
    drop(f);
    atomic.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn files_and_folders_are_owner_only_whatever_the_umask() {
        let root = tempfile::tempdir().expect("tempdir");
        // the loosest umask a process can have
        let old = nix::sys::stat::umask(nix::sys::stat::Mode::empty());
        let dir = root.path().join("reports/2026-11");
        private_dir(&dir).expect("dir");
        let file = dir.join("summary.html");
        write_atomic(&file, b"<p>hello</p>").expect("write");
        let loose = root.path().join("loose.csv");
        std::fs::write(&loose, "x").expect("loose");
        std::fs::set_permissions(&loose, Permissions::from_mode(0o666)).expect("chmod");
        create_private(&loose).expect("reopen");
        nix::sys::stat::umask(old);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&loose), 0o600);
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            "<p>hello</p>"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&dir).expect("ls").flatten().collect();
        assert_eq!(leftovers.len(), 1, "a temp file was left behind");
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing_and_a_committed_one_replaces_the_old() {
        let root = tempfile::tempdir().expect("tempdir");
        let target = root.path().join("visits.csv");
        std::fs::write(&target, "old").expect("old");
        {
            let (atomic, mut f) = AtomicFile::create(&target, "1").expect("create");
            f.write_all(b"half").expect("write");
            assert!(atomic.tmp().exists());
        } // dropped: a failed export
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "old");
        let (atomic, mut f) = AtomicFile::create(&target, "2").expect("create");
        f.write_all(b"new").expect("write");
        drop(f);
        atomic.commit().expect("commit");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "new");
        assert_eq!(mode(&target), 0o600);
        assert_eq!(
            std::fs::read_dir(root.path()).expect("ls").count(),
            1,
            "temp files left"
        );
    }
}
