//! Reminder rules (`reminder_rules`), the clinic's SMS quiet hours (`settings`) and the database's planner
//! (`clinicdesk_plan_reminders`): when patients are reminded, by which channel.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;

/// A lead time before the appointment, or a local time the evening before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ReminderRuleKind {
    Lead,
    EveningBefore,
}

/// Which channels a rule's reminders go by (a patient lacking that contact gets none by this rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ReminderRuleChannel {
    Email,
    Sms,
    Both,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ReminderRule {
    pub id: i64,
    pub kind: ReminderRuleKind,
    /// For `lead`: minutes before the start (1 to 20160, i.e. 14 days).
    pub lead_minutes: Option<i32>,
    /// For `evening_before`: the clinic-local time on the day before.
    pub local_time: Option<NaiveTime>,
    pub channel: ReminderRuleChannel,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct ReminderRuleInput {
    pub kind: ReminderRuleKind,
    pub lead_minutes: Option<i32>,
    pub local_time: Option<NaiveTime>,
    pub channel: ReminderRuleChannel,
}

/// No SMS between `start` and `end` (clinic-local; crossing midnight when start > end). Both or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct QuietHours {
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
}

/// What one planning pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanCounts {
    pub planned: i64,
    pub already_planned: i64,
    pub too_late: i64,
    pub no_contact: i64,
}

pub async fn list(db: &mut PgConnection) -> Result<Vec<ReminderRule>> {
    Ok(sqlx::query_as!(
        ReminderRule,
        r#"SELECT id, kind AS "kind: ReminderRuleKind", lead_minutes, local_time,
                  channel AS "channel: ReminderRuleChannel"
             FROM reminder_rules
            ORDER BY CASE WHEN kind = 'lead' THEN lead_minutes ELSE 0 END DESC, local_time, id"#
    )
    .fetch_all(db)
    .await?)
}

/// Adds a rule; the database plans its reminders for the appointments already booked, in the same statement.
pub async fn insert(db: &mut PgConnection, r: &ReminderRuleInput) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO reminder_rules (kind, lead_minutes, local_time, channel) VALUES ($1, $2, $3, $4) RETURNING id",
        r.kind as ReminderRuleKind,
        r.lead_minutes,
        r.local_time,
        r.channel as ReminderRuleChannel
    )
    .fetch_one(db)
    .await?)
}

/// Removes a rule; its pending reminders are withdrawn by the database. False when there was none.
pub async fn delete(db: &mut PgConnection, id: i64) -> Result<bool> {
    let n = sqlx::query!("DELETE FROM reminder_rules WHERE id = $1", id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(n > 0)
}

pub async fn quiet_hours(db: &mut PgConnection) -> Result<QuietHours> {
    let row = sqlx::query!("SELECT sms_quiet_start, sms_quiet_end FROM settings")
        .fetch_optional(db)
        .await?;
    Ok(row
        .map(|r| QuietHours {
            start: r.sms_quiet_start,
            end: r.sms_quiet_end,
        })
        .unwrap_or(QuietHours {
            start: None,
            end: None,
        }))
}

/// Sets the quiet hours; the database moves the SMS reminders already planned accordingly.
pub async fn set_quiet_hours(db: &mut PgConnection, q: &QuietHours) -> Result<()> {
    sqlx::query!(
        "UPDATE settings SET sms_quiet_start = $1, sms_quiet_end = $2",
        q.start,
        q.end
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The planning pass (catch-up): plans every rule's reminders for appointments starting within 15 days.
pub async fn plan(db: &mut PgConnection) -> Result<PlanCounts> {
    let r = sqlx::query!(
        r#"SELECT planned AS "planned!", already_planned AS "already_planned!", too_late AS "too_late!",
                  no_contact AS "no_contact!"
             FROM clinicdesk_plan_reminders()"#
    )
    .fetch_one(db)
    .await?;
    Ok(PlanCounts {
        planned: r.planned,
        already_planned: r.already_planned,
        too_late: r.too_late,
        no_contact: r.no_contact,
    })
}
