//! The ways a message leaves the clinic — email (SMTP), SMS (HTTP gateway) and the staff chat webhook — behind
//! one `send`, with every failure sorted into "try again later" or "will never work" and said in a sentence.

mod chat;
mod email;
mod sms;

use std::time::Duration;

use crate::db::channel_settings::ChannelConfig;
use crate::db::notifications::MessageChannel;

pub use email::EmailChannel;

/// Checks an SMS JSON template fills in to valid JSON.
pub fn check_sms_template(template: &str) -> Result<(), String> {
    sms::render_template(template, "+15550100", "Test \"message\"", "+15550101").map(|_| ())
}

/// Why a message did not go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth retrying: the server is down, unreachable, busy, or answered 5xx / SMTP 4xx.
    Transient(String),
    /// Retrying cannot help: bad address, wrong credentials, the gateway refused the request (4xx), not set up.
    Permanent(String),
}

impl SendError {
    pub fn reason(&self) -> &str {
        match self {
            SendError::Transient(r) | SendError::Permanent(r) => r,
        }
    }
}

/// One message as a channel sends it.
pub struct Envelope<'a> {
    pub channel: MessageChannel,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub body_html: Option<&'a str>,
}

/// Every channel, built once per dispatcher pass from the settings row (so SMTP connections are pooled).
pub struct Channels {
    email: Option<EmailChannel>,
    email_problem: String,
    sms: sms::SmsChannel,
    chat: chat::ChatChannel,
}

const HTTP_TIMEOUT: Duration = Duration::from_secs(15);

impl Channels {
    pub fn new(config: &ChannelConfig) -> Channels {
        let http = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .pool_max_idle_per_host(32)
            .build()
            .unwrap_or_default();
        let (email, email_problem) = match EmailChannel::new(config) {
            Ok(e) => (Some(e), String::new()),
            Err(problem) => (None, problem),
        };
        Channels {
            email,
            email_problem,
            sms: sms::SmsChannel::new(config, http.clone()),
            chat: chat::ChatChannel::new(config, http),
        }
    }

    pub async fn send(&self, m: &Envelope<'_>) -> Result<(), SendError> {
        match m.channel {
            MessageChannel::Email => match &self.email {
                Some(e) => e.send(m).await,
                None => Err(SendError::Permanent(self.email_problem.clone())),
            },
            MessageChannel::Sms => self.sms.send(m.recipient, m.body).await,
            MessageChannel::Chat => self.chat.send(m.body).await,
        }
    }
}

/// Sorts an HTTP gateway's answer or failure. `what` is the service's prefix of the catalog codes of the sentences
/// (`sms_gateway`, `chat_webhook`: `<what>_timeout`, `<what>_unreachable`, …).
pub(crate) async fn http_outcome(
    what: &str,
    result: reqwest::Result<reqwest::Response>,
) -> Result<(), SendError> {
    let resp = match result {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return Err(SendError::Transient(say(what, "timeout", &[]))),
        Err(e) if e.is_connect() => {
            return Err(SendError::Transient(say(what, "unreachable", &[])))
        }
        Err(e) if e.is_builder() => return Err(SendError::Permanent(say(what, "bad_url", &[]))),
        Err(_) => return Err(SendError::Transient(say(what, "connection_failed", &[]))),
    };
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let code = status.as_u16();
    // The gateway's own words help the administrator; keep them short and on one line.
    let detail: String = resp
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(160)
        .collect();
    let detail = if detail.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", detail.trim())
    };
    let status = ("status", code.to_string());
    let detail = ("detail", detail);
    match code {
        401 | 403 => Err(SendError::Permanent(say(
            what,
            "auth_failed",
            &[status, detail],
        ))),
        408 | 425 | 429 => Err(SendError::Transient(say(what, "busy", &[status]))),
        400..=499 => Err(SendError::Permanent(say(
            what,
            "rejected",
            &[status, detail],
        ))),
        _ => Err(SendError::Transient(say(what, "failed", &[status]))),
    }
}

/// The sentence `<service>_<outcome>` of the catalog.
fn say(service: &str, outcome: &str, params: &[(&str, String)]) -> String {
    crate::messages::render(&format!("{service}_{outcome}"), params)
}
