//! Private files: everything ClinicDesk writes that holds clinical data or secrets (exports, reports, their temp
//! files) is created owner-only (0600, folders 0700) whatever the process umask — also when running as root —
//! and complete files appear under their name only by an atomic rename.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

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

/// Writes `bytes` to `path` atomically: a private temp file beside it, fsync, rename, fsync the folder. Readers
/// see the old file or the new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let written = create_private(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let renamed = written.and_then(|_| std::fs::rename(&tmp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
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
}
