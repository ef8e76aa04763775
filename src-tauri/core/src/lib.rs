//! ClinicDesk's core: every rule and use case of the product, shared by the desktop app, `clinicctl` and the
//! scheduler. It knows nothing of windows, IPC or Vue.

pub mod backup;
pub mod cache;
pub mod channels;
pub mod clock;
pub mod config;
pub mod context;
pub mod crash;
pub mod db;
pub mod demo;
pub mod diagnostics;
pub mod embedded;
pub mod error;
pub mod export;
pub mod files;
pub mod instance;
pub mod jobs;
pub mod locale;
pub mod messages;
pub mod paths;
pub mod schedule;
pub mod security;
pub mod services;
pub mod target;

#[cfg(feature = "test-support")]
pub mod testing;

pub use error::{Error, ErrorKind, Result};

/// What Debug output shows instead of a password, token or other secret.
pub const REDACTED: &str = "<redacted>";

#[cfg(test)]
mod redaction_tests {
    use crate::db::channel_settings::{ChannelSettingsInput, SmsProvider, SmtpSecurity};
    use crate::db::staff::StaffRole;
    use crate::demo::DemoLogin;
    use crate::services::{setup::SetupInput, staff::NewStaff};

    const SECRET: &str = "Plum-Orbit-7-secret";

    fn assert_redacted(debug: String) {
        assert!(
            !debug.contains(SECRET),
            "a secret leaked into Debug: {debug}"
        );
        assert!(debug.contains(super::REDACTED), "{debug}");
    }

    #[test]
    fn debug_output_never_shows_passwords_or_tokens() {
        let staff = NewStaff {
            username: "anna".into(),
            full_name: "Anna Lee".into(),
            role: StaffRole::Reception,
            password: SECRET.into(),
        };
        assert_redacted(format!("{staff:?}"));
        assert!(
            format!("{staff:#?}").contains("anna"),
            "the rest still shows"
        );
        assert_redacted(format!(
            "{:?}",
            SetupInput {
                clinic_name: "Riverside".into(),
                time_zone: "Europe/London".into(),
                admin_username: "ada".into(),
                admin_full_name: "Ada Admin".into(),
                admin_password: SECRET.into(),
                load_demo: false,
                locale: None,
            }
        ));
        assert_redacted(format!(
            "{:?}",
            DemoLogin {
                username: "demo".into(),
                password: SECRET.into(),
                role: StaffRole::Doctor,
                full_name: "Demo Doctor".into(),
            }
        ));
        let channels = ChannelSettingsInput {
            smtp_host: "smtp.clinic.lan".into(),
            smtp_port: 587,
            smtp_security: SmtpSecurity::Starttls,
            smtp_username: "clinic".into(),
            smtp_password: Some(SECRET.into()),
            smtp_from: "desk@clinic.lan".into(),
            sms_provider: SmsProvider::Twilio,
            sms_url: "https://sms.example".into(),
            sms_account_sid: "AC1".into(),
            sms_token: Some(format!("{SECRET}-token")),
            sms_from: "+4400".into(),
            sms_json_template: String::new(),
            chat_webhook_url: Some(format!("https://chat.example/hook?key={SECRET}")),
        };
        assert_redacted(format!("{channels:?}"));
    }
}
