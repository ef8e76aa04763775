//! Where ClinicDesk keeps its files on this computer: data (embedded cluster), config and logs.

use std::path::PathBuf;

const APP_DIR: &str = "clinicdesk";

/// The data dir: `CLINICDESK_DATA_DIR`, else the platform's data dir. As root the per-user data dir sits under
/// `/root`, which the `postgres` account (that must run the server) cannot enter, so root uses `/var/lib/clinicdesk`.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CLINICDESK_DATA_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    if nix::unistd::Uid::effective().is_root() {
        return PathBuf::from("/var/lib").join(APP_DIR);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_DIR)
}

/// Local configuration (which database to use). Lives in the data dir so one override moves everything.
pub fn config_file() -> PathBuf {
    data_dir().join("config.json")
}

/// Makes `dir` (and missing parents) and makes it private to this OS account (0700), whatever the umask.
pub fn ensure_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Makes the files directly in `dir` whose names start with `prefix` private (0600): logs written by an older
/// version, or under a looser umask.
pub fn make_files_private(dir: &std::path::Path, prefix: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(dir)?.flatten() {
        let private = entry.file_name().to_string_lossy().starts_with(prefix)
            && entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if private {
            std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

/// The app's log folder (rotated daily by the shell/CLI).
pub fn log_dir() -> PathBuf {
    data_dir().join("logs")
}

/// Where the monthly reports are saved as HTML files (one folder per month). `CLINICDESK_REPORTS_DIR` overrides.
pub fn reports_dir() -> PathBuf {
    match std::env::var_os("CLINICDESK_REPORTS_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => data_dir().join("reports"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_private_dir_and_its_log_files_are_closed_to_others_whatever_they_were() {
        let tmp = tempfile::tempdir().unwrap();
        let logs = tmp.path().join("data/logs");
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o775)).unwrap();
        let old_log = logs.join("clinicdesk.2026-11-27.log");
        let other = logs.join("notes.txt");
        for f in [&old_log, &other] {
            std::fs::write(f, "x").unwrap();
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        ensure_private_dir(&logs).unwrap();
        make_files_private(&logs, "clinicdesk").unwrap();
        assert_eq!(mode(&logs), 0o700);
        assert_eq!(mode(&old_log), 0o600);
        assert_eq!(mode(&other), 0o644, "only our own files are touched");
    }
}
