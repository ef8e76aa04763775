//! Database access: connecting, schema migrations and their gating, and one repository module per table.

pub mod appointments;
pub mod audit_log;
pub mod availability;
pub mod channel_settings;
pub mod backups;
pub mod dashboard;
pub mod departments;
pub mod doctors;
pub mod exports;
pub mod job_runs;
pub mod job_settings;
pub mod notifications;
pub mod patients;
pub mod report_data;
pub mod reports;
pub mod request_keys;
pub mod settings;
pub mod staff;
pub mod treatments;

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection};

use crate::error::{Error, Result};

/// The schema, embedded in the binary. Migrations are forward-only.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// Opens a small pool for one signed-in person (or a job).
pub async fn connect_pool(options: PgConnectOptions, max_connections: u32) -> Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(crate::diagnostics::with_slow_log(options))
        .await
        .map_err(connect_error)
}

pub async fn connect_one(options: &PgConnectOptions) -> Result<PgConnection> {
    PgConnection::connect_with(options)
        .await
        .map_err(connect_error)
}

/// Turns a connection failure into a sentence: wrong credentials, unreachable server, TLS.
pub fn connect_error(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("28P01" | "28000")) => {
            // the server's message names the user tried, which may be a password typed into the username box
            tracing::info!(
                code = db.code().as_deref().unwrap_or(""),
                "sign-in refused by the database"
            );
            Error::Unauthenticated("Username or password is incorrect.".into())
        }
        sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000") => {
            Error::Unavailable("The ClinicDesk database does not exist on that server.".into())
        }
        sqlx::Error::Tls(_) => {
            tracing::warn!(error = %e, "TLS failure");
            Error::Unavailable(
                "A secure (TLS) connection to the database server could not be made.".into(),
            )
        }
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => {
            tracing::warn!(error = %e, "database unreachable");
            Error::Unavailable(
                "The database server cannot be reached. Check the address and the network.".into(),
            )
        }
        _ => e.into(),
    }
}

/// How the schema in a database compares with this build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// No ClinicDesk schema at all (a fresh database).
    Empty,
    /// Migrations this build has and the database lacks.
    Behind {
        pending: usize,
    },
    Current,
    /// The database was migrated by a newer ClinicDesk.
    Ahead,
}

pub async fn schema_state(conn: &mut PgConnection, migrator: &Migrator) -> Result<SchemaState> {
    let has_table =
        sqlx::query_scalar!(r#"SELECT to_regclass('public._sqlx_migrations') IS NOT NULL AS "e!""#)
            .fetch_one(&mut *conn)
            .await?;
    if !has_table {
        return Ok(SchemaState::Empty);
    }
    let applied: Vec<i64> =
        sqlx::query_scalar!("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&mut *conn)
            .await?;
    let known: Vec<i64> = migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .collect();
    if applied.iter().any(|v| !known.contains(v)) {
        return Ok(SchemaState::Ahead);
    }
    let pending = known.iter().filter(|v| !applied.contains(v)).count();
    Ok(match (applied.is_empty(), pending) {
        (true, _) => SchemaState::Empty,
        (false, 0) => SchemaState::Current,
        (false, n) => SchemaState::Behind { pending: n },
    })
}

/// Applies pending migrations on a privileged connection.
#[tracing::instrument(skip_all)]
pub async fn migrate(conn: &mut PgConnection, migrator: &Migrator) -> Result<()> {
    migrator.run_direct(conn).await?;
    tracing::info!("schema migrated");
    Ok(())
}
