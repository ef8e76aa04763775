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
            return Err(crate::msg!(email_not_set_up));
        }
        let from: Mailbox = c
            .smtp_from
            .parse()
            .map_err(|_| crate::msg!(email_sender_invalid))?;
        let builder = match c.smtp_security {
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.smtp_host)
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.smtp_host),
            SmtpSecurity::Plain => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                c.smtp_host.as_str(),
            )),
        }
        .map_err(|_| crate::msg!(smtp_host_invalid))?;
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
            SendError::Permanent(crate::msg!(
                email_recipient_invalid,
                recipient = m.recipient
            ))
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
            SendError::Permanent(crate::msg!(email_not_built))
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
            return SendError::Permanent(crate::msg!(smtp_auth_failed, code = code));
        }
        return if e.is_permanent() {
            SendError::Permanent(crate::msg!(smtp_rejected, reply = words))
        } else {
            SendError::Transient(crate::msg!(smtp_deferred, reply = words))
        };
    }
    // rustls reports a failed handshake (e.g. TLS spoken to a plain port) as InvalidData, nested in connection errors
    let io_kinds: Vec<std::io::ErrorKind> =
        std::iter::successors(std::error::Error::source(&e), |s| s.source())
            .filter_map(|s| s.downcast_ref::<std::io::Error>().map(|io| io.kind()))
            .collect();
    if e.is_tls() || io_kinds.contains(&std::io::ErrorKind::InvalidData) {
        return SendError::Transient(crate::msg!(smtp_tls_failed));
    }
    let text = e.to_string();
    if text.contains("STARTTLS") {
        return SendError::Permanent(crate::msg!(smtp_no_starttls));
    }
    if text.contains("lookup address") {
        return SendError::Transient(crate::msg!(smtp_dns_failed));
    }
    if e.is_timeout() {
        return SendError::Transient(crate::msg!(smtp_timeout));
    }
    if e.is_client() {
        tracing::warn!(error = %e, "SMTP client error");
        return SendError::Permanent(crate::msg!(smtp_unsupported));
    }
    SendError::Transient(crate::msg!(smtp_unreachable))
}
