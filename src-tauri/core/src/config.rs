//! This computer's choice of database — the built-in cluster or a clinic server — kept in a small JSON file.
//! It never holds a password: staff type theirs at sign-in, and the embedded owner needs none (peer auth).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgSslMode};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    Disable,
    Prefer,
    Require,
}

/// Where this computer's ClinicDesk data lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DatabaseConfig {
    /// The private cluster in the app's data dir.
    Embedded,
    /// A clinic's PostgreSQL server shared by several PCs.
    Server {
        host: String,
        port: u16,
        database: String,
        tls_mode: TlsMode,
    },
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig::Embedded
    }
}

impl DatabaseConfig {
    pub fn label(&self) -> String {
        match self {
            DatabaseConfig::Embedded => "This computer (built in)".into(),
            DatabaseConfig::Server {
                host,
                port,
                database,
                ..
            } => format!("Clinic server {host}:{port}/{database}"),
        }
    }

    /// Checks the fields a person typed.
    pub fn validate(&self) -> Result<()> {
        if let DatabaseConfig::Server {
            host,
            port,
            database,
            ..
        } = self
        {
            let host_ok = !host.trim().is_empty()
                && host.len() <= 253
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._:[]".contains(c));
            if !host_ok {
                return Err(Error::validation(
                    "host",
                    "Enter the server's host name or IP address.",
                ));
            }
            if *port == 0 {
                return Err(Error::validation(
                    "port",
                    "Enter a port between 1 and 65535 (PostgreSQL uses 5432).",
                ));
            }
            if database.trim().is_empty() || database.len() > 63 {
                return Err(Error::validation(
                    "database",
                    "Enter the database name (1–63 characters).",
                ));
            }
        }
        Ok(())
    }

    /// Connection options for a staff member on a clinic server (the embedded case is built by the cluster).
    pub fn server_options(&self, user: &str) -> Option<PgConnectOptions> {
        match self {
            DatabaseConfig::Embedded => None,
            DatabaseConfig::Server {
                host,
                port,
                database,
                tls_mode,
            } => Some(
                PgConnectOptions::new()
                    .host(host)
                    .port(*port)
                    .database(database)
                    .username(user)
                    .application_name("clinicdesk")
                    .ssl_mode(match tls_mode {
                        TlsMode::Disable => PgSslMode::Disable,
                        TlsMode::Prefer => PgSslMode::Prefer,
                        TlsMode::Require => PgSslMode::Require,
                    }),
            ),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalConfig {
    #[serde(default)]
    pub database: DatabaseConfig,
}

impl LocalConfig {
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                tracing::error!(error = %e, path = %path.display(), "config unreadable");
                Error::Unavailable(format!(
                    "The settings file {} is damaged; fix or delete it.",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LocalConfig::default()),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes atomically (temp file + rename) so a crash never leaves half a config.
    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = path
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join(".config.json.tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(self).map_err(Error::internal)?,
        )?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}
