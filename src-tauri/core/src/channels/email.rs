//! Email through the clinic's SMTP server with lettre: STARTTLS, implicit TLS, or plain for a local relay.

use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Envelope, SendError};
use crate::db::channel_settings::{ChannelConfig, SmtpSecurity};

pub struct EmailChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl EmailChannel {
    /// The transport for the settings, or a sentence saying what is missing.
    pub fn new(c: &ChannelConfig) -> Result<EmailChannel, String> {
        if c.smtp_host.is_empty() {
            return Err("Email is not set up: add the SMTP server in Settings.".into());
        }
        let from: Mailbox = c.smtp_from.parse().map_err(|_| {
            "The sender address in the email settings is not a valid address.".to_string()
        })?;
        let builder = match c.smtp_security {
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.smtp_host)
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.smtp_host),
            SmtpSecurity::Plain => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                c.smtp_host.as_str(),
            )),
        }
        .map_err(|_| "The SMTP server name is not valid.".to_string())?;
        let mut builder = builder
            .port(u16::try_from(c.smtp_port).unwrap_or(587))
            .timeout(Some(Duration::from_secs(15)));
        if !c.smtp_username.is_empty() {
            builder = builder.credentials(Credentials::new(
                c.smtp_username.clone(),
                c.smtp_password.clone(),
            ));
        }
        Ok(EmailChannel {
            transport: builder.build(),
            from,
        })
    }

    pub async fn send(&self, m: &Envelope<'_>) -> Result<(), SendError> {
        let to: Mailbox = m.recipient.parse().map_err(|_| {
            SendError::Permanent(format!("“{}” is not a valid email address.", m.recipient))
        })?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject);
        let message = match m.body_html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                m.body.to_string(),
                html.to_string(),
            )),
            None => builder.singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(m.body.to_string()),
            ),
        }
        .map_err(|e| {
            tracing::warn!(error = %e, "email could not be built");
            SendError::Permanent("The email could not be built from this sender and subject; the details are in the log.".into())
        })?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(classify)
    }
}

/// SMTP failures in the words an administrator acts on.
fn classify(e: lettre::transport::smtp::Error) -> SendError {
    if let Some(code) = e.status() {
        let code = code.to_string();
        let words = e
            .to_string()
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect::<String>();
        if code.starts_with("53") {
            return SendError::Permanent(format!(
                "The SMTP server refused the username or password (authentication failed, {code})."
            ));
        }
        return if e.is_permanent() {
            SendError::Permanent(format!("The SMTP server rejected the message ({words})."))
        } else {
            SendError::Transient(format!(
                "The SMTP server deferred the message ({words}); will retry."
            ))
        };
    }
    // rustls reports a failed handshake (e.g. TLS spoken to a plain port) as InvalidData, nested in connection errors
    let io_kinds: Vec<std::io::ErrorKind> =
        std::iter::successors(std::error::Error::source(&e), |s| s.source())
            .filter_map(|s| s.downcast_ref::<std::io::Error>().map(|io| io.kind()))
            .collect();
    if e.is_tls() || io_kinds.contains(&std::io::ErrorKind::InvalidData) {
        return SendError::Transient(
            "The TLS handshake with the SMTP server failed (check the security setting and the port).".into(),
        );
    }
    let text = e.to_string();
    if text.contains("STARTTLS") {
        return SendError::Permanent(
            "The SMTP server does not offer STARTTLS: choose TLS (usually port 465) or, for a relay on this network, no encryption.".into(),
        );
    }
    if text.contains("lookup address") {
        return SendError::Transient(
            "The SMTP server is unreachable: its name could not be resolved (DNS).".into(),
        );
    }
    if e.is_timeout() {
        return SendError::Transient("The SMTP server did not answer in time.".into());
    }
    if e.is_client() {
        tracing::warn!(error = %e, "SMTP client error");
        return SendError::Permanent(
            "The SMTP server does not support what the settings ask for (login method or encryption); the details are in the log.".into(),
        );
    }
    SendError::Transient("The SMTP server is unreachable (could not resolve or connect).".into())
}
