//! Which database this process talks to, and how to reach it as the schema owner or as a signed-in staff member.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

use crate::config::DatabaseConfig;
use crate::embedded::EmbeddedCluster;
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub enum DbTarget {
    /// The built-in cluster; the owner connects by peer authentication.
    Embedded {
        cluster: EmbeddedCluster,
        database: String,
    },
    /// A clinic server from the settings: staff connect as themselves; there is no owner connection here.
    Server(DatabaseConfig),
    /// An explicit URL (`CLINICDESK_DATABASE_URL` / `--database-url`): its credentials are the owner's.
    Url(PgConnectOptions),
}

impl DbTarget {
    pub fn from_url(url: &str) -> Result<Self> {
        PgConnectOptions::from_str(url)
            .map(|o| DbTarget::Url(o.application_name("clinicdesk")))
            .map_err(|_| Error::validation("database_url", crate::msg!(database_url_invalid)))
    }

    /// Options for a staff member signing in with their own credentials.
    pub fn staff_options(&self, username: &str, password: &str) -> PgConnectOptions {
        let base = match self {
            DbTarget::Embedded { cluster, database } => cluster.connect_options(database, username),
            DbTarget::Server(cfg) => cfg.server_options(username).expect("server config"),
            DbTarget::Url(o) => o.clone(),
        };
        base.username(username).password(password)
    }

    /// The privileged connection used for first-run setup and migrations, when this computer has one.
    pub fn owner_options(&self) -> Option<PgConnectOptions> {
        match self {
            DbTarget::Embedded { cluster, database } => Some(cluster.owner_options(database)),
            DbTarget::Server(_) => None,
            DbTarget::Url(o) => Some(o.clone()),
        }
    }

    pub fn cluster(&self) -> Option<&EmbeddedCluster> {
        match self {
            DbTarget::Embedded { cluster, .. } => Some(cluster),
            _ => None,
        }
    }

    pub fn label(&self) -> String {
        match self {
            DbTarget::Embedded { .. } => DatabaseConfig::Embedded.label(),
            DbTarget::Server(cfg) => cfg.label(),
            DbTarget::Url(o) => format!(
                "{}:{}/{}",
                o.get_host(),
                o.get_port(),
                o.get_database().unwrap_or("")
            ),
        }
    }
}
