//! How messages leave the clinic (`channel_settings`, one row): SMTP, the SMS gateway and the staff chat webhook.
//! The row holds secrets, so only administrators and the owner's job runner can read it, and the UI only ever
//! learns whether a secret is set.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on this machine or the clinic's LAN.
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum SmsProvider {
    None,
    /// A Twilio-compatible form POST with basic auth (account SID : token).
    Twilio,
    /// A JSON POST built from a template with `{{to}}`, `{{body}}` and `{{from}}`.
    Json,
}

/// Everything, secrets included: for the dispatcher, never for the UI.
#[derive(Clone, PartialEq, Eq)]
pub struct ChannelConfig {
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: String,
    pub smtp_password: String,
    pub smtp_from: String,
    pub sms_provider: SmsProvider,
    pub sms_url: String,
    pub sms_account_sid: String,
    pub sms_token: String,
    pub sms_from: String,
    pub sms_json_template: String,
    pub chat_webhook_url: String,
}

impl std::fmt::Debug for ChannelConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelConfig")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("sms_provider", &self.sms_provider)
            .finish_non_exhaustive()
    }
}

/// What the settings screen shows: secrets only as "set or not".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ChannelSettings {
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: String,
    pub smtp_from: String,
    pub has_smtp_password: bool,
    pub sms_provider: SmsProvider,
    pub sms_url: String,
    pub sms_account_sid: String,
    pub sms_from: String,
    pub sms_json_template: String,
    pub has_sms_token: bool,
    pub has_chat_webhook: bool,
}

/// What the settings screen sends: a `None` secret keeps the stored one, `Some("")` clears it.
#[derive(Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct ChannelSettingsInput {
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: String,
    pub smtp_password: Option<String>,
    pub smtp_from: String,
    pub sms_provider: SmsProvider,
    pub sms_url: String,
    pub sms_account_sid: String,
    pub sms_token: Option<String>,
    pub sms_from: String,
    pub sms_json_template: String,
    pub chat_webhook_url: Option<String>,
}

/// Debug output never shows the secrets (the webhook URL carries its key): only whether each is set.
impl std::fmt::Debug for ChannelSettingsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |v: &Option<String>| match v {
            None => "<unchanged>",
            Some(s) if s.is_empty() => "<cleared>",
            Some(_) => crate::REDACTED,
        };
        f.debug_struct("ChannelSettingsInput")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_security", &self.smtp_security)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &secret(&self.smtp_password))
            .field("smtp_from", &self.smtp_from)
            .field("sms_provider", &self.sms_provider)
            .field("sms_url", &self.sms_url)
            .field("sms_account_sid", &self.sms_account_sid)
            .field("sms_token", &secret(&self.sms_token))
            .field("sms_from", &self.sms_from)
            .field("chat_webhook_url", &secret(&self.chat_webhook_url))
            .finish_non_exhaustive()
    }
}

impl ChannelConfig {
    pub fn public(&self) -> ChannelSettings {
        ChannelSettings {
            smtp_host: self.smtp_host.clone(),
            smtp_port: self.smtp_port,
            smtp_security: self.smtp_security,
            smtp_username: self.smtp_username.clone(),
            smtp_from: self.smtp_from.clone(),
            has_smtp_password: !self.smtp_password.is_empty(),
            sms_provider: self.sms_provider,
            sms_url: self.sms_url.clone(),
            sms_account_sid: self.sms_account_sid.clone(),
            sms_from: self.sms_from.clone(),
            sms_json_template: self.sms_json_template.clone(),
            has_sms_token: !self.sms_token.is_empty(),
            has_chat_webhook: !self.chat_webhook_url.is_empty(),
        }
    }

    /// The stored configuration with the form's values laid over it (secrets kept where the form sent none).
    pub fn merged(&self, i: &ChannelSettingsInput) -> ChannelConfig {
        let keep = |new: &Option<String>, old: &str| new.clone().unwrap_or_else(|| old.to_string());
        ChannelConfig {
            smtp_host: i.smtp_host.trim().to_string(),
            smtp_port: i.smtp_port,
            smtp_security: i.smtp_security,
            smtp_username: i.smtp_username.trim().to_string(),
            smtp_password: keep(&i.smtp_password, &self.smtp_password),
            smtp_from: i.smtp_from.trim().to_string(),
            sms_provider: i.sms_provider,
            sms_url: i.sms_url.trim().to_string(),
            sms_account_sid: i.sms_account_sid.trim().to_string(),
            sms_token: keep(&i.sms_token, &self.sms_token),
            sms_from: i.sms_from.trim().to_string(),
            sms_json_template: i.sms_json_template.clone(),
            chat_webhook_url: keep(&i.chat_webhook_url, &self.chat_webhook_url)
                .trim()
                .to_string(),
        }
    }
}

pub async fn get(db: &mut PgConnection) -> Result<ChannelConfig> {
    Ok(sqlx::query_as!(
        ChannelConfig,
        r#"SELECT smtp_host, smtp_port, smtp_security AS "smtp_security: SmtpSecurity", smtp_username, smtp_password,
                  smtp_from, sms_provider AS "sms_provider: SmsProvider", sms_url, sms_account_sid, sms_token, sms_from,
                  sms_json_template, chat_webhook_url
             FROM channel_settings"#
    )
    .fetch_one(db)
    .await?)
}

pub async fn update(db: &mut PgConnection, c: &ChannelConfig) -> Result<()> {
    sqlx::query!(
        "UPDATE channel_settings SET smtp_host = $1, smtp_port = $2, smtp_security = $3, smtp_username = $4,
                smtp_password = $5, smtp_from = $6, sms_provider = $7, sms_url = $8, sms_account_sid = $9,
                sms_token = $10, sms_from = $11, sms_json_template = $12, chat_webhook_url = $13",
        c.smtp_host,
        c.smtp_port,
        c.smtp_security as SmtpSecurity,
        c.smtp_username,
        c.smtp_password,
        c.smtp_from,
        c.sms_provider as SmsProvider,
        c.sms_url,
        c.sms_account_sid,
        c.sms_token,
        c.sms_from,
        c.sms_json_template,
        c.chat_webhook_url
    )
    .execute(db)
    .await?;
    Ok(())
}
