//! Reminder rules and SMS quiet hours (Settings): everyone reads them, administrators change them (the database
//! refuses anyone else). Adding a rule plans its reminders, removing one withdraws them (database code).

use chrono::{NaiveTime, Timelike};
use sqlx::PgPool;

use crate::db::reminder_rules::{
    self, PlanCounts, QuietHours, ReminderRule, ReminderRuleInput, ReminderRuleKind,
};
use crate::error::{Error, Result};

/// The longest lead time: 14 days, in minutes.
pub const MAX_LEAD_MINUTES: i32 = 14 * 24 * 60;

fn minute(t: NaiveTime) -> NaiveTime {
    t.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

fn clean(input: &ReminderRuleInput) -> Result<ReminderRuleInput> {
    match input.kind {
        ReminderRuleKind::Lead => {
            let lead = input.lead_minutes.ok_or_else(|| {
                Error::validation("lead_minutes", crate::msg!(reminder_lead_required))
            })?;
            if lead < 1 {
                return Err(Error::validation(
                    "lead_minutes",
                    crate::msg!(reminder_lead_min),
                ));
            }
            if lead > MAX_LEAD_MINUTES {
                return Err(Error::validation(
                    "lead_minutes",
                    crate::msg!(reminder_lead_max),
                ));
            }
            Ok(ReminderRuleInput {
                lead_minutes: Some(lead),
                local_time: None,
                ..input.clone()
            })
        }
        ReminderRuleKind::EveningBefore => {
            let t = input.local_time.ok_or_else(|| {
                Error::validation("local_time", crate::msg!(reminder_time_required))
            })?;
            Ok(ReminderRuleInput {
                lead_minutes: None,
                local_time: Some(minute(t)),
                ..input.clone()
            })
        }
    }
}

pub async fn list(pool: &PgPool) -> Result<Vec<ReminderRule>> {
    reminder_rules::list(&mut *pool.acquire().await?).await
}

#[tracing::instrument(skip(pool))]
pub async fn add(pool: &PgPool, input: &ReminderRuleInput) -> Result<ReminderRule> {
    let clean = clean(input)?;
    let mut tx = pool.begin().await?;
    let id = reminder_rules::insert(&mut tx, &clean).await?;
    let rule = reminder_rules::list(&mut tx)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Error::internal("reminder rule vanished"))?;
    tx.commit().await?;
    Ok(rule)
}

#[tracing::instrument(skip(pool))]
pub async fn remove(pool: &PgPool, id: i64) -> Result<()> {
    if !reminder_rules::delete(&mut *pool.acquire().await?, id).await? {
        return Err(Error::NotFound(crate::msg!(reminder_rule_gone)));
    }
    Ok(())
}

pub async fn quiet_hours(pool: &PgPool) -> Result<QuietHours> {
    reminder_rules::quiet_hours(&mut *pool.acquire().await?).await
}

/// Sets (both times) or clears (neither) the SMS quiet hours. Start = end would leave no minute for an SMS.
#[tracing::instrument(skip(pool))]
pub async fn set_quiet_hours(pool: &PgPool, input: &QuietHours) -> Result<QuietHours> {
    let q = QuietHours {
        start: input.start.map(minute),
        end: input.end.map(minute),
    };
    match (q.start, q.end) {
        (Some(_), None) => {
            return Err(Error::validation(
                "quiet_end",
                crate::msg!(quiet_end_required),
            ))
        }
        (None, Some(_)) => {
            return Err(Error::validation(
                "quiet_start",
                crate::msg!(quiet_start_required),
            ))
        }
        (Some(s), Some(e)) if s == e => {
            return Err(Error::validation("quiet_end", crate::msg!(quiet_whole_day)))
        }
        _ => {}
    }
    reminder_rules::set_quiet_hours(&mut *pool.acquire().await?, &q).await?;
    Ok(q)
}

/// The planning pass the daily reminders job runs (and the benchmark times).
pub async fn plan(pool: &PgPool) -> Result<PlanCounts> {
    reminder_rules::plan(&mut *pool.acquire().await?).await
}
