//! Backups as use cases: the daily backup the scheduler runs (`run_scheduled`), "Back up now", `clinicctl
//! backup create`, the settings behind them and the "last backup" everyone is warned about when it gets old.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::backup::{self, Source};
use crate::db::{
    self,
    backups::{BackupRecord, BackupSettings},
};
use crate::error::{Error, Result};
use crate::target::DbTarget;

/// A backup older than this is shown as a warning.
pub const STALE_AFTER_HOURS: i64 = 48;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Scheduled,
    Manual,
    Cli,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::Scheduled => "scheduled",
            Trigger::Manual => "manual",
            Trigger::Cli => "cli",
        }
    }
}

/// What one backup run did (the scheduler's `backup` job reports these counts).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BackupRun {
    pub path: String,
    pub bytes: i64,
    /// Backups left in the folder after pruning.
    pub kept: i32,
    pub pruned: i32,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BackupStatus {
    pub settings: BackupSettings,
    /// The folder backups go to on this computer (the setting, or the default).
    pub folder: String,
    pub last: Option<BackupRecord>,
    /// No successful backup, or the last one is older than two days.
    pub stale: bool,
    pub recent: Vec<BackupRecord>,
}

/// True when there is no successful backup or the last one finished more than two days before `now`.
pub fn is_stale(last: Option<&BackupRecord>, now: DateTime<Utc>) -> bool {
    match last.and_then(|b| b.finished_at) {
        Some(t) => now - t > Duration::hours(STALE_AFTER_HOURS),
        None => true,
    }
}

pub fn default_folder() -> PathBuf {
    crate::paths::data_dir().join("backups")
}

fn folder_of(s: &BackupSettings) -> PathBuf {
    s.folder
        .as_deref()
        .map(PathBuf::from)
        .unwrap_or_else(default_folder)
}

/// The schedule (on/off, time of day in the clinic's zone, folder, count): what the scheduler's `backup` job
/// reads to know whether and when to call `run_scheduled`.
pub async fn settings(pool: &PgPool) -> Result<BackupSettings> {
    db::backups::settings(&mut *pool.acquire().await?).await
}

/// The latest successful backup.
pub async fn last_backup(pool: &PgPool) -> Result<Option<BackupRecord>> {
    db::backups::last_ok(&mut *pool.acquire().await?).await
}

pub async fn status(pool: &PgPool) -> Result<BackupStatus> {
    let mut conn = pool.acquire().await?;
    let settings = db::backups::settings(&mut conn).await?;
    let last = db::backups::last_ok(&mut conn).await?;
    let recent = db::backups::recent(&mut conn, 10).await?;
    Ok(BackupStatus {
        folder: folder_of(&settings).display().to_string(),
        stale: is_stale(last.as_ref(), Utc::now()),
        settings,
        last,
        recent,
    })
}

pub fn validate_settings(input: &BackupSettings) -> Result<BackupSettings> {
    if !(1..=365).contains(&input.keep) {
        return Err(Error::validation("keep", crate::msg!(backups_keep_range)));
    }
    let folder = match input.folder.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(f) => {
            if f.chars().count() > 1024 || f.chars().any(char::is_control) {
                return Err(Error::validation(
                    "folder",
                    crate::msg!(backup_folder_length),
                ));
            }
            if !PathBuf::from(f).is_absolute() {
                return Err(Error::validation(
                    "folder",
                    crate::msg!(backup_folder_absolute),
                ));
            }
            Some(f.to_string())
        }
    };
    Ok(BackupSettings {
        folder,
        ..input.clone()
    })
}

/// Administrators change the schedule (the database refuses anyone else).
pub async fn update_settings(pool: &PgPool, input: &BackupSettings) -> Result<BackupSettings> {
    let clean = validate_settings(input)?;
    db::backups::update_settings(&mut *pool.acquire().await?, &clean).await
}

/// The daily backup, as the scheduler's `backup` job runs it: into the configured folder, then pruned to the
/// configured count. `url` is needed only for a URL target (see `Source::from_target`).
#[tracing::instrument(skip_all)]
pub async fn run_scheduled(target: &DbTarget, url: Option<&str>) -> Result<BackupRun> {
    run(target, url, Trigger::Scheduled, None).await
}

/// Takes a backup and records it in `backups`. With `out`, into exactly that file (no pruning); otherwise into
/// the configured folder, pruned to the configured count.
#[tracing::instrument(skip(target, url))]
pub async fn run(
    target: &DbTarget,
    url: Option<&str>,
    trigger: Trigger,
    out: Option<PathBuf>,
) -> Result<BackupRun> {
    let source = Source::from_target(target, url)?;
    let mut conn = db::connect_one(&source.options).await?;
    let settings = db::backups::settings(&mut conn).await?;
    let (path, prune_to) = match out {
        Some(p) => (p, None),
        None => {
            let dir = folder_of(&settings);
            (
                dir.join(backup::file_name_for(Utc::now())),
                Some(settings.keep.max(1) as usize),
            )
        }
    };
    let id = db::backups::start(
        &mut conn,
        &path.display().to_string(),
        &backup::host_name(),
        trigger.as_str(),
    )
    .await?;
    let made = async {
        if let (Some(_), Some(dir)) = (prune_to, path.parent()) {
            // the folder backups go to: private (0700), created when it is the default one
            backup::private_folder(dir, settings.folder.is_none())?;
        }
        backup::create(&source, &path).await
    }
    .await;
    match made {
        Ok(file) => {
            let (kept, pruned) = match (prune_to, path.parent()) {
                (Some(keep), Some(dir)) => backup::prune(dir, keep)?,
                _ => (1, 0),
            };
            db::backups::finish(&mut conn, id, file.bytes as i64, None).await?;
            tracing::info!(bytes = file.bytes, kept, pruned, "backup done");
            Ok(BackupRun {
                path: path.display().to_string(),
                bytes: file.bytes as i64,
                kept: kept as i32,
                pruned: pruned as i32,
            })
        }
        Err(e) => {
            let sentence = e.to_string();
            if let Err(rec) = db::backups::finish(&mut conn, id, 0, Some(&sentence)).await {
                tracing::warn!(error = %rec, "could not record the failed backup");
            }
            Err(e)
        }
    }
}
