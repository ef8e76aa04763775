//! The staff chat: a Google Chat incoming webhook (`{"text": …}`). The URL is a secret (it is the credential).

use super::{http_outcome, SendError};
use crate::db::channel_settings::ChannelConfig;

pub struct ChatChannel {
    url: String,
    http: reqwest::Client,
}

impl ChatChannel {
    pub fn new(c: &ChannelConfig, http: reqwest::Client) -> ChatChannel {
        ChatChannel {
            url: c.chat_webhook_url.clone(),
            http,
        }
    }

    pub async fn send(&self, text: &str) -> Result<(), SendError> {
        if self.url.is_empty() {
            return Err(SendError::Permanent(crate::msg!(chat_not_set_up)));
        }
        let req = self
            .http
            .post(&self.url)
            .json(&serde_json::json!({ "text": text }));
        http_outcome("chat_webhook", req.send().await).await
    }
}
