//! Choosing this computer's database: the built-in cluster or a clinic server, checked before it is saved.

use serde::Serialize;

use std::path::Path;

use crate::config::{DatabaseConfig, LocalConfig};
use crate::db::{self, staff::StaffRole};
use crate::error::{Error, Result};
use crate::services::auth::SignedIn;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DatabaseCheck {
    pub ok: bool,
    /// The English sentence; `code` and `params` are its catalog code and values, for the UI's translation.
    pub message: String,
    #[specta(optional)]
    pub code: Option<String>,
    #[specta(optional)]
    pub params: std::collections::BTreeMap<String, String>,
}

impl DatabaseCheck {
    fn new(ok: bool, message: String) -> Self {
        let (code, params) = crate::messages::code_of(&message);
        DatabaseCheck {
            ok,
            message,
            code,
            params,
        }
    }
}

/// Probes a clinic server without credentials: a PostgreSQL server answers an unknown role with an
/// authentication error, which proves it is reachable (and speaks TLS when required). The schema version is
/// checked when someone signs in.
#[tracing::instrument]
pub async fn check(config: &DatabaseConfig) -> Result<DatabaseCheck> {
    config.validate()?;
    let Some(options) = config.server_options("clinicdesk_probe") else {
        return Ok(DatabaseCheck::new(
            true,
            crate::msg!(database_builtin_chosen),
        ));
    };
    let probe = tokio::time::timeout(
        std::time::Duration::from_secs(8),
        db::connect_one(&options.password("-")),
    )
    .await;
    Ok(match probe {
        Err(_) => DatabaseCheck::new(false, crate::msg!(database_probe_timeout)),
        Ok(Ok(_)) | Ok(Err(Error::Unauthenticated(_))) => DatabaseCheck::new(
            true,
            crate::msg!(database_probe_answered, server = config.label()),
        ),
        Ok(Err(Error::Unavailable(m))) => DatabaseCheck::new(false, m),
        Ok(Err(e)) => DatabaseCheck::new(false, e.to_string()),
    })
}

/// Changes this computer's database (administrators only): the choice is checked first and saved in
/// `config_path` only when the server answered. Returns the check and whether the choice changed, in which case
/// the caller forgets its current connection.
pub async fn choose(
    signed: Option<&SignedIn>,
    config_path: &Path,
    config: DatabaseConfig,
) -> Result<(DatabaseCheck, bool)> {
    let signed = signed.ok_or_else(|| Error::Unauthenticated(crate::msg!(admin_sign_in_first)))?;
    if signed.session.role != StaffRole::Admin {
        return Err(Error::PermissionDenied(crate::msg!(
            database_change_admin_only
        )));
    }
    let check = check(&config).await?;
    let mut local = LocalConfig::load(config_path)?;
    let changed = check.ok && local.database != config;
    if changed {
        local.database = config;
        local.save(config_path)?;
    }
    Ok((check, changed))
}
