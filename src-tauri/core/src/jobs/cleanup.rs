//! The weekly cleanup (export temp files left by a crash, older than a day; waitlist entries whose window ended
//! marked expired; sent messages pruned after N days) and the daily no-shows: booked appointments past the grace
//! period marked as no-shows (a setting: on or off).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{Counts, JobContext};
use crate::db::{appointments, exports, job_settings, notifications};
use crate::error::Result;

/// Export temp files younger than this may belong to an export still running.
const TEMP_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

pub async fn run(ctx: &JobContext) -> Result<Counts> {
    let mut conn = ctx.pool.acquire().await?;
    let settings = job_settings::get(&mut conn).await?;
    let mut counts = Counts::new();

    let mut dirs: Vec<PathBuf> = exports::recent_paths(&mut conn, 60)
        .await?
        .iter()
        .filter_map(|p| Path::new(p).parent().map(Path::to_path_buf))
        .collect();
    dirs.push(ctx.reports_dir.clone());
    dirs.sort();
    dirs.dedup();
    let removed = dirs
        .iter()
        .map(|d| remove_stale_temp_files(d))
        .sum::<usize>();
    counts.insert("temp_files_removed".into(), removed as i64);

    let expired = crate::services::waitlist::expire(&mut conn).await?;
    counts.insert("waitlist_expired".into(), expired as i64);

    let pruned = notifications::prune_sent(&mut conn, settings.prune_sent_after_days).await?;
    counts.insert("sent_messages_pruned".into(), pruned as i64);
    Ok(counts)
}

/// Marks booked appointments that started more than the grace period ago as no-shows (when the setting is on).
pub async fn no_shows(ctx: &JobContext) -> Result<Counts> {
    let mut conn = ctx.pool.acquire().await?;
    let settings = job_settings::get(&mut conn).await?;
    let marked = if settings.auto_no_show {
        appointments::mark_overdue_no_shows(&mut conn, settings.no_show_grace_hours).await?
    } else {
        0
    };
    Ok(Counts::from([(
        "marked_no_show".to_string(),
        marked as i64,
    )]))
}

/// Deletes `.<name>.partial-*` temp files (`files::AtomicFile`: exports, reports; `*.html.tmp` from older
/// versions) older than a day directly in `dir`.
pub fn remove_stale_temp_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_temp = (name.starts_with('.') && name.contains(".partial-"))
                || name.ends_with(".html.tmp");
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .map(|t| now.duration_since(t).unwrap_or_default() > TEMP_MAX_AGE)
                .unwrap_or(false);
            is_temp && old && e.file_type().map(|t| t.is_file()).unwrap_or(false)
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}
