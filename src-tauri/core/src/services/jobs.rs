//! The administrator's side of jobs and messages: job times and channel settings (validated, secrets kept
//! out of the UI), "Send test", the jobs overview and "Run now", the outbox (filter, retry, cancel) and the
//! monthly reports. The database refuses all of it to anyone but administrators.

use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::channels::SendError;
use crate::db::channel_settings::{self, ChannelSettings, ChannelSettingsInput, SmsProvider};
use crate::db::job_runs::{self, JobRun, RunTrigger};
use crate::db::job_settings::{self, JobSettings};
use crate::db::notifications::{self, MessageChannel, OutboxCounts, OutboxFilter, OutboxItem};
use crate::db::reports::{self, ReportDocument, ReportSummary};
use crate::error::{Error, Result};
use crate::jobs::{self, dispatcher, Due, JobContext, JobKind, Scope};

pub async fn get_job_settings(pool: &PgPool) -> Result<JobSettings> {
    job_settings::get(&mut *pool.acquire().await?).await
}

/// One required email address, by the same rule as patients' addresses; the sentence names the bad one.
fn email_address(field: &str, value: &str) -> Result<String> {
    match super::patients::email(field, value) {
        Ok(Some(e)) => Ok(e),
        _ => Err(Error::validation(
            field,
            crate::msg!(email_address_invalid, value = value.trim()),
        )),
    }
}

#[tracing::instrument(skip(pool))]
pub async fn update_job_settings(pool: &PgPool, input: &JobSettings) -> Result<JobSettings> {
    let mut s = input.clone();
    let recipients: Vec<&str> = s
        .report_recipients
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect();
    for r in &recipients {
        email_address("report_recipients", r)?;
    }
    s.report_recipients = recipients.join(", ");
    if s.report_recipients.len() > 1000 {
        return Err(Error::validation(
            "report_recipients",
            crate::msg!(report_recipients_length),
        ));
    }
    if !(1..=720).contains(&s.no_show_grace_hours) {
        return Err(Error::validation(
            "no_show_grace_hours",
            crate::msg!(job_settings_no_show_grace_hours_check),
        ));
    }
    if !(1..=3650).contains(&s.prune_sent_after_days) {
        return Err(Error::validation(
            "prune_sent_after_days",
            crate::msg!(job_settings_prune_sent_after_days_check),
        ));
    }
    job_settings::update(&mut *pool.acquire().await?, &s).await
}

pub async fn get_channel_settings(pool: &PgPool) -> Result<ChannelSettings> {
    Ok(channel_settings::get(&mut *pool.acquire().await?)
        .await?
        .public())
}

/// `webhook` picks the sentence: the chat webhook's URL, else the SMS gateway's.
fn http_url(field: &str, webhook: bool, value: &str) -> Result<()> {
    let v = value.trim();
    let ok = reqwest::Url::parse(v)
        .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            if webhook {
                crate::msg!(webhook_url_invalid)
            } else {
                crate::msg!(gateway_url_invalid)
            },
        ))
    }
}

/// Checks the settings as the form sent them, laid over the stored ones.
fn validated(
    stored: &channel_settings::ChannelConfig,
    i: &ChannelSettingsInput,
) -> Result<channel_settings::ChannelConfig> {
    let c = stored.merged(i);
    if !c.smtp_host.is_empty() {
        if c.smtp_host.len() > 253
            || c.smtp_host.contains(char::is_whitespace)
            || c.smtp_host.contains('/')
        {
            return Err(Error::validation(
                "smtp_host",
                crate::msg!(smtp_host_required),
            ));
        }
        if !(1..=65535).contains(&c.smtp_port) {
            return Err(Error::validation(
                "smtp_port",
                crate::msg!(channel_settings_smtp_port_check),
            ));
        }
        lettre::message::Mailbox::from_str(&c.smtp_from)
            .map_err(|_| Error::validation("smtp_from", crate::msg!(smtp_from_invalid)))?;
    }
    match c.sms_provider {
        SmsProvider::None => {}
        SmsProvider::Twilio => {
            if c.sms_account_sid.is_empty() {
                return Err(Error::validation(
                    "sms_account_sid",
                    crate::msg!(sms_account_sid_required),
                ));
            }
            if c.sms_from.is_empty() {
                return Err(Error::validation(
                    "sms_from",
                    crate::msg!(sms_from_required),
                ));
            }
            if !c.sms_url.is_empty() {
                http_url("sms_url", false, &c.sms_url)?;
            }
        }
        SmsProvider::Json => {
            http_url("sms_url", false, &c.sms_url)?;
            crate::channels::check_sms_template(&c.sms_json_template)
                .map_err(|m| Error::validation("sms_json_template", m))?;
        }
    }
    if !c.chat_webhook_url.is_empty() {
        http_url("chat_webhook_url", true, &c.chat_webhook_url)?;
    }
    for (field, v, max) in [
        ("smtp_username", &c.smtp_username, 254),
        ("smtp_password", &c.smtp_password, 1000),
        ("sms_token", &c.sms_token, 1000),
        ("sms_from", &c.sms_from, 32),
        ("sms_json_template", &c.sms_json_template, 4000),
    ] {
        if v.chars().count() > max {
            return Err(Error::validation(
                field,
                crate::msg!(at_most_characters, max = max),
            ));
        }
    }
    Ok(c)
}

#[tracing::instrument(skip_all)]
pub async fn update_channel_settings(
    pool: &PgPool,
    input: &ChannelSettingsInput,
) -> Result<ChannelSettings> {
    let mut tx = pool.begin().await?;
    let stored = channel_settings::get(&mut tx).await?;
    let c = validated(&stored, input)?;
    channel_settings::update(&mut tx, &c).await?;
    tx.commit().await?;
    Ok(c.public())
}

/// Sends one test message with the form's settings; `Ok` is a sentence for the screen.
pub async fn send_test(
    pool: &PgPool,
    channel: MessageChannel,
    input: &ChannelSettingsInput,
    recipient: &str,
) -> Result<String> {
    let mut conn = pool.acquire().await?;
    let stored = channel_settings::get(&mut conn).await?;
    let clinic = crate::db::settings::get(&mut conn)
        .await?
        .map(|s| s.clinic_name)
        .unwrap_or_else(|| "your clinic".into());
    drop(conn);
    let c = validated(&stored, input)?;
    // the address or number as it will be used (phones normalised like patients' phones)
    let recipient = match channel {
        MessageChannel::Email if c.smtp_host.is_empty() => {
            return Err(Error::validation(
                "smtp_host",
                crate::msg!(smtp_server_first),
            ))
        }
        MessageChannel::Email => email_address("test_recipient", recipient)?,
        MessageChannel::Sms => super::patients::normalise_phone("test_recipient", recipient)?
            .ok_or_else(|| Error::validation("test_recipient", crate::msg!(test_phone_required)))?,
        MessageChannel::Chat if c.chat_webhook_url.is_empty() => {
            return Err(Error::validation(
                "chat_webhook_url",
                crate::msg!(webhook_url_first),
            ))
        }
        MessageChannel::Chat => String::new(),
    };
    let recipient = recipient.as_str();
    match dispatcher::send_test(&c, channel, recipient, &clinic).await {
        Ok(()) => Ok(match channel {
            MessageChannel::Email => crate::msg!(test_email_sent, recipient = recipient),
            MessageChannel::Sms => crate::msg!(test_sms_sent, recipient = recipient),
            MessageChannel::Chat => crate::msg!(test_chat_posted),
        }),
        Err(SendError::Transient(r) | SendError::Permanent(r)) => Err(Error::Unavailable(r)),
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct JobStatus {
    pub job: JobKind,
    pub label: String,
    pub schedule: String,
    pub next_run_at: Option<chrono::DateTime<Utc>>,
    pub next_run_local: Option<String>,
    pub last_run: Option<JobRun>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct JobsOverview {
    /// Who runs the jobs, from this computer's point of view (English); `runner_code` and `runner_params` are its
    /// catalog code and values, for the UI's translation.
    pub runner: Option<String>,
    #[specta(optional)]
    pub runner_code: Option<String>,
    #[specta(optional)]
    pub runner_params: std::collections::BTreeMap<String, String>,
    pub runner_active: bool,
    pub jobs: Vec<JobStatus>,
}

pub async fn overview(
    pool: &PgPool,
    runner: Option<String>,
    runner_active: bool,
) -> Result<JobsOverview> {
    let (tz, settings) = jobs::load_schedule(pool).await?;
    let latest = job_runs::latest_per_job(&mut *pool.acquire().await?).await?;
    let now = Utc::now();
    let jobs = JobKind::ALL
        .into_iter()
        .map(|j| {
            let next = jobs::next_run(j, &settings, tz, now);
            JobStatus {
                job: j,
                label: j.label().into(),
                schedule: j.schedule(&settings),
                next_run_at: next,
                next_run_local: next
                    .map(|t| t.with_timezone(&tz).format("%a %-d %b %H:%M").to_string()),
                last_run: latest.iter().find(|r| r.job == j.name()).cloned(),
            }
        })
        .collect();
    let (runner_code, runner_params) = runner
        .as_deref()
        .map(crate::messages::code_of)
        .unwrap_or_default();
    Ok(JobsOverview {
        runner,
        runner_code,
        runner_params,
        runner_active,
        jobs,
    })
}

pub async fn runs(pool: &PgPool, job: Option<JobKind>, limit: i64) -> Result<Vec<JobRun>> {
    job_runs::recent(
        &mut *pool.acquire().await?,
        job.map(JobKind::name),
        limit.clamp(1, 500),
    )
    .await
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RunNowResult {
    pub ran: bool,
    /// The English sentence; `code` and `params` are its catalog code and values, for the UI's translation.
    pub message: String,
    #[specta(optional)]
    pub code: Option<String>,
    #[specta(optional)]
    pub params: std::collections::BTreeMap<String, String>,
    pub run: Option<JobRun>,
}

impl RunNowResult {
    fn new(ran: bool, message: String, run: Option<JobRun>) -> Self {
        let (code, params) = crate::messages::code_of(&message);
        RunNowResult {
            ran,
            message,
            code,
            params,
            run,
        }
    }
}

fn run_result(job_label: &str, run: Option<JobRun>) -> RunNowResult {
    match run {
        None => RunNowResult::new(false, crate::msg!(job_already_ran, job = job_label), None),
        Some(r) if r.outcome.as_deref() == Some("ok") => {
            let counts = r
                .counts
                .iter()
                .map(|(k, v)| format!("{} {v}", k.replace('_', " ")))
                .collect::<Vec<_>>()
                .join(", ");
            RunNowResult::new(
                true,
                crate::msg!(job_finished, job = job_label, counts = counts),
                Some(r),
            )
        }
        Some(r) => RunNowResult::new(
            true,
            crate::msg!(
                job_failed,
                job = job_label,
                error = r.error.clone().unwrap_or_default()
            ),
            Some(r),
        ),
    }
}

/// "Run now": once per minute across PCs, run as the signed-in administrator. `owner` is this computer's owner
/// connection to the database (and its URL, for a URL target), when it has one: the backup job needs it.
pub async fn run_now(
    pool: &PgPool,
    job: JobKind,
    owner: Option<(crate::target::DbTarget, Option<String>)>,
) -> Result<RunNowResult> {
    let (tz, _) = jobs::load_schedule(pool).await?;
    let mut ctx = JobContext::new(pool.clone());
    ctx.owner = owner;
    let due = jobs::manual(job, tz, Utc::now());
    let run = jobs::run_once(&ctx, &due, RunTrigger::Manual).await?;
    if run.is_some() {
        dispatcher::dispatch(pool, &ctx.host, 50).await?;
    }
    Ok(run_result(job.label(), run))
}

pub async fn list_outbox(pool: &PgPool, filter: &OutboxFilter) -> Result<Vec<OutboxItem>> {
    notifications::list(&mut *pool.acquire().await?, filter).await
}

pub async fn outbox_counts(pool: &PgPool) -> Result<OutboxCounts> {
    notifications::counts(&mut *pool.acquire().await?).await
}

/// `retrying` picks the refusal's sentence: a retry's, else a cancel's.
async fn after_change(pool: &PgPool, id: i64, changed: bool, retrying: bool) -> Result<OutboxItem> {
    let mut conn = pool.acquire().await?;
    let item = notifications::get(&mut conn, id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(message_missing)))?;
    if changed {
        Ok(item)
    } else {
        let now = serde_json::to_value(item.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        Err(Error::Conflict(if retrying {
            crate::msg!(outbox_retry_refused, status = now)
        } else {
            crate::msg!(outbox_cancel_refused, status = now)
        }))
    }
}

pub async fn retry(pool: &PgPool, id: i64) -> Result<OutboxItem> {
    let changed = notifications::retry(&mut *pool.acquire().await?, id).await?;
    after_change(pool, id, changed, true).await
}

pub async fn cancel(pool: &PgPool, id: i64) -> Result<OutboxItem> {
    let changed = notifications::cancel(&mut *pool.acquire().await?, id).await?;
    after_change(pool, id, changed, false).await
}

/// "Send now": messages waiting out a backoff after a failure become due at once (the administrator has just fixed
/// what failed), then what is due is sent, as this administrator. Returns how many were sent.
pub async fn dispatch_now(pool: &PgPool) -> Result<i64> {
    notifications::retry_waiting_now(&mut *pool.acquire().await?).await?;
    let counts = dispatcher::dispatch(pool, &jobs::host_name(), 50).await?;
    Ok(counts.get("sent").copied().unwrap_or(0))
}

fn month_start(field: &str, month: NaiveDate) -> Result<NaiveDate> {
    use chrono::Datelike;
    if month.day() != 1 {
        return Err(Error::validation(field, crate::msg!(month_required)));
    }
    Ok(month)
}

pub async fn list_reports(pool: &PgPool, month: NaiveDate) -> Result<Vec<ReportSummary>> {
    reports::list(&mut *pool.acquire().await?, month_start("month", month)?).await
}

pub async fn get_report(pool: &PgPool, id: i64) -> Result<ReportDocument> {
    reports::get(&mut *pool.acquire().await?, id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(report_missing)))
}

/// Rebuilds a month's reports without emailing them again.
pub async fn regenerate_reports(pool: &PgPool, month: NaiveDate) -> Result<RunNowResult> {
    let month = month_start("month", month)?;
    let (tz, _) = jobs::load_schedule(pool).await?;
    let mut ctx = JobContext::new(pool.clone());
    ctx.email_reports = false;
    let minute = Utc::now().with_timezone(&tz).format("%Y-%m-%dT%H:%M");
    let due = Due {
        job: JobKind::MonthlyReport,
        period: format!("regenerate {} {minute}", month.format("%Y-%m")),
        due_at: Utc::now(),
        scope: Scope::Month(month),
    };
    let run = jobs::run_once(&ctx, &due, RunTrigger::Manual).await?;
    Ok(run_result("The reports", run))
}
