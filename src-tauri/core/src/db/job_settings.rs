//! When the background jobs run and what they do (`job_settings`, one row): times are in the clinic's zone.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct JobSettings {
    /// Whether the daily job sends each of the day's appointments a reminder at `reminder_time` (the reminder
    /// rules come on top).
    pub same_day_enabled: bool,
    pub reminder_time: NaiveTime,
    pub day_before_enabled: bool,
    pub day_before_time: NaiveTime,
    /// On the 1st of each month, for the month before.
    pub report_time: NaiveTime,
    /// On Sundays.
    pub cleanup_time: NaiveTime,
    pub staff_digest_enabled: bool,
    /// Comma-separated addresses that receive the clinic-wide monthly summary.
    pub report_recipients: String,
    pub auto_no_show: bool,
    pub no_show_grace_hours: i32,
    pub prune_sent_after_days: i32,
}

impl Default for JobSettings {
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("valid time");
        JobSettings {
            same_day_enabled: true,
            reminder_time: t(8, 0),
            day_before_enabled: false,
            day_before_time: t(18, 0),
            report_time: t(0, 30),
            cleanup_time: t(3, 0),
            staff_digest_enabled: true,
            report_recipients: String::new(),
            auto_no_show: true,
            no_show_grace_hours: 24,
            prune_sent_after_days: 90,
        }
    }
}

pub async fn get(db: &mut PgConnection) -> Result<JobSettings> {
    Ok(sqlx::query_as!(
        JobSettings,
        "SELECT same_day_enabled, reminder_time, day_before_enabled, day_before_time, report_time, cleanup_time, staff_digest_enabled,
                report_recipients, auto_no_show, no_show_grace_hours, prune_sent_after_days
           FROM job_settings"
    )
    .fetch_optional(db)
    .await?
    .unwrap_or_default())
}

pub async fn update(db: &mut PgConnection, s: &JobSettings) -> Result<JobSettings> {
    Ok(sqlx::query_as!(
        JobSettings,
        "UPDATE job_settings SET reminder_time = $1, day_before_enabled = $2, day_before_time = $3, report_time = $4,
                cleanup_time = $5, staff_digest_enabled = $6, report_recipients = $7, auto_no_show = $8,
                no_show_grace_hours = $9, prune_sent_after_days = $10, same_day_enabled = $11
          RETURNING same_day_enabled, reminder_time, day_before_enabled, day_before_time, report_time, cleanup_time, staff_digest_enabled,
                    report_recipients, auto_no_show, no_show_grace_hours, prune_sent_after_days",
        s.reminder_time,
        s.day_before_enabled,
        s.day_before_time,
        s.report_time,
        s.cleanup_time,
        s.staff_digest_enabled,
        s.report_recipients,
        s.auto_no_show,
        s.no_show_grace_hours,
        s.prune_sent_after_days,
        s.same_day_enabled
    )
    .fetch_one(db)
    .await?)
}
