//! Database access: connecting, schema migrations and their gating, and one repository module per table.

pub mod appointment_types;
pub mod appointments;
pub mod audit_log;
pub mod availability;
pub mod backups;
pub mod channel_settings;
pub mod dashboard;
pub mod departments;
pub mod doctors;
pub mod exports;
pub mod job_runs;
pub mod job_settings;
pub mod notifications;
pub mod patients;
pub mod reminder_rules;
pub mod report_data;
pub mod reports;
pub mod request_keys;
pub mod settings;
pub mod staff;
pub mod treatments;
pub mod waitlist;

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection};

use crate::error::{Error, Result};

/// The schema, embedded in the binary. Migrations are forward-only.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// Opens a small pool for one signed-in person (or a job).
pub async fn connect_pool(options: PgConnectOptions, max_connections: u32) -> Result<PgPool> {
    let verified = verifies(&options);
    PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(crate::diagnostics::with_slow_log(options))
        .await
        .map_err(|e| ca_file_error(e, verified).unwrap_or_else(connect_error))
}

pub async fn connect_one(options: &PgConnectOptions) -> Result<PgConnection> {
    PgConnection::connect_with(options)
        .await
        .map_err(|e| ca_file_error(e, verifies(options)).unwrap_or_else(connect_error))
}

fn verifies(options: &PgConnectOptions) -> bool {
    matches!(
        options.get_ssl_mode(),
        sqlx::postgres::PgSslMode::VerifyFull | sqlx::postgres::PgSslMode::VerifyCa
    )
}

/// A verified connection whose CA file vanished or was damaged since it was chosen: say so, not "unreachable".
fn ca_file_error(e: sqlx::Error, verified: bool) -> std::result::Result<Error, sqlx::Error> {
    let missing = matches!(&e, sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound);
    let damaged =
        matches!(&e, sqlx::Error::Tls(t) if t.to_string().starts_with("Invalid certificate"));
    if verified && (missing || damaged) {
        tracing::warn!(error = %e, "clinic CA file unusable");
        Ok(Error::Unavailable(crate::msg!(ca_file_gone)))
    } else {
        Err(e)
    }
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
            Error::Unauthenticated(crate::msg!(credentials_incorrect))
        }
        sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000") => {
            Error::Unavailable(crate::msg!(database_missing_on_server))
        }
        sqlx::Error::Tls(inner) if inner.to_string().contains("does not support TLS") => {
            tracing::warn!(error = %e, "server refused TLS");
            Error::Unavailable(crate::msg!(server_no_tls))
        }
        sqlx::Error::Tls(_) => {
            tracing::warn!(error = %e, "TLS failure");
            Error::Unavailable(crate::msg!(tls_failed))
        }
        sqlx::Error::Io(io) if tls_failure(io).is_some() => {
            tracing::warn!(error = %e, "TLS handshake refused");
            Error::Unavailable(
                crate::messages::text(tls_failure(io).unwrap_or("tls_failed")).into(),
            )
        }
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => {
            tracing::warn!(error = %e, "database unreachable");
            Error::Unavailable(crate::msg!(server_unreachable))
        }
        _ => e.into(),
    }
}

/// A TLS handshake failure (rustls reports it inside an I/O error) as a sentence; None for other I/O errors.
/// Each of these stops the connection before the startup message: no user name or password was sent.
/// The catalog code of the sentence for a refused TLS handshake, if `io` is one.
fn tls_failure(io: &std::io::Error) -> Option<&'static str> {
    use rustls::{CertificateError, Error as TlsError};
    let tls = io.get_ref()?.downcast_ref::<TlsError>()?;
    Some(match tls {
        TlsError::InvalidCertificate(CertificateError::UnknownIssuer)
        | TlsError::InvalidCertificate(CertificateError::BadSignature) => "tls_unknown_issuer",
        TlsError::InvalidCertificate(CertificateError::NotValidForName)
        | TlsError::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => {
            "tls_wrong_name"
        }
        TlsError::InvalidCertificate(CertificateError::Expired)
        | TlsError::InvalidCertificate(CertificateError::ExpiredContext { .. }) => "tls_expired",
        TlsError::InvalidCertificate(_) => "tls_refused",
        _ => "tls_failed",
    })
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

/// Applies pending migrations on a privileged connection, then the database-level grants.
#[tracing::instrument(skip_all)]
pub async fn migrate(conn: &mut PgConnection, migrator: &Migrator) -> Result<()> {
    migrator.run_direct(conn).await?;
    secure_database(conn).await?;
    tracing::info!("schema migrated");
    Ok(())
}

/// The database's own grants: staff may connect, nothing else (no TEMPORARY: a temp table could shadow a real
/// one); PUBLIC nothing. Grants on a database are not copied by `CREATE DATABASE … TEMPLATE` nor restored by
/// pg_restore, so they are (re)applied on every migrate, not only by the migration that introduced them.
pub async fn secure_database(conn: &mut PgConnection) -> Result<()> {
    sqlx::query(
        "DO $$ BEGIN
           EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
           EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM clinicdesk_staff', current_database());
           EXECUTE format('GRANT CONNECT ON DATABASE %I TO clinicdesk_staff', current_database());
         END $$",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
