//! SMS through an HTTP gateway: a Twilio-compatible form POST, or a JSON POST built from a template.

use super::{http_outcome, SendError};
use crate::db::channel_settings::{ChannelConfig, SmsProvider};

pub struct SmsChannel {
    provider: SmsProvider,
    url: String,
    account_sid: String,
    token: String,
    from: String,
    template: String,
    http: reqwest::Client,
}

/// The prefix of the SMS gateway's sentences in the catalog (`channels::http_outcome`).
const WHAT: &str = "sms_gateway";

impl SmsChannel {
    pub fn new(c: &ChannelConfig, http: reqwest::Client) -> SmsChannel {
        let url = if c.sms_url.is_empty() && c.sms_provider == SmsProvider::Twilio {
            format!(
                "https://api.twilio.com/2010-04-01/Accounts/{}/Messages.json",
                c.sms_account_sid
            )
        } else {
            c.sms_url.clone()
        };
        SmsChannel {
            provider: c.sms_provider,
            url,
            account_sid: c.sms_account_sid.clone(),
            token: c.sms_token.clone(),
            from: c.sms_from.clone(),
            template: c.sms_json_template.clone(),
            http,
        }
    }

    pub async fn send(&self, to: &str, body: &str) -> Result<(), SendError> {
        match self.provider {
            SmsProvider::None => Err(SendError::Permanent(crate::msg!(sms_not_set_up))),
            SmsProvider::Twilio => {
                let form = [("To", to), ("From", self.from.as_str()), ("Body", body)];
                let req = self
                    .http
                    .post(&self.url)
                    .basic_auth(&self.account_sid, Some(&self.token))
                    .form(&form);
                http_outcome(WHAT, req.send().await).await
            }
            SmsProvider::Json => {
                let payload = render_template(&self.template, to, body, &self.from)
                    .map_err(SendError::Permanent)?;
                let mut req = self
                    .http
                    .post(&self.url)
                    .header("content-type", "application/json")
                    .body(payload);
                if !self.token.is_empty() {
                    req = req.bearer_auth(&self.token);
                }
                http_outcome(WHAT, req.send().await).await
            }
        }
    }
}

/// Fills `{{to}}`, `{{body}}` and `{{from}}` with JSON-escaped text and checks the result is JSON.
pub(crate) fn render_template(
    template: &str,
    to: &str,
    body: &str,
    from: &str,
) -> Result<String, String> {
    let esc = |s: &str| {
        let quoted = serde_json::to_string(s).unwrap_or_default();
        quoted[1..quoted.len() - 1].to_string()
    };
    let out = template
        .replace("{{to}}", &esc(to))
        .replace("{{body}}", &esc(body))
        .replace("{{from}}", &esc(from));
    serde_json::from_str::<serde_json::Value>(&out)
        .map(|_| out)
        .map_err(|_| crate::msg!(sms_template_invalid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_escapes_quotes_and_newlines() {
        let out = render_template(
            r#"{"to": "{{to}}", "text": "{{body}}"}"#,
            "+441234567",
            "Say \"hi\"\nbye",
            "",
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["text"], "Say \"hi\"\nbye");
        assert!(render_template("{{{body}}", "1", "x", "").is_err());
    }
}
