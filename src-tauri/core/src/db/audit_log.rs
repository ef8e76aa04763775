//! The audit log (`audit_log`, filled by triggers and `audit_event`): filtered reads for the admin's viewer
//! and a stream for its CSV export. Only admins can read it (GRANT), nobody can change it (triggers).

use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use serde::Serialize;
use sqlx::PgConnection;

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub table_name: String,
    pub row_id: Option<String>,
    /// JSON text: for updates, the names of the changed columns (never their values).
    pub details: String,
}

/// Filters; `None` = any. `from`/`to` bound `at` as [from, to).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub table_name: Option<String>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

macro_rules! select_audit {
    ($q:expr, $limit:expr, $offset:expr) => {
        sqlx::query_as!(
            AuditEntry,
            r#"SELECT id, at, actor, action, table_name, row_id, details::text AS "details!"
                 FROM audit_log
                WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR table_name = $2)
                  AND ($3::text IS NULL OR action = $3)
                  AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5)
                ORDER BY at DESC, id DESC
                LIMIT $6 OFFSET $7"#,
            $q.actor,
            $q.table_name,
            $q.action,
            $q.from,
            $q.to,
            $limit,
            $offset
        )
    };
}

pub async fn page(
    db: &mut PgConnection,
    q: &AuditQuery,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditEntry>> {
    Ok(select_audit!(q, limit, offset).fetch_all(db).await?)
}

/// Every matching entry, newest first, streamed (constant memory) for the CSV export.
pub fn stream<'a>(
    db: &'a mut PgConnection,
    q: &'a AuditQuery,
) -> BoxStream<'a, Result<AuditEntry>> {
    use futures_util::StreamExt;
    select_audit!(q, i64::MAX, 0i64)
        .fetch(db)
        .map(|r| r.map_err(Error::from))
        .boxed()
}

/// The tables and actions that occur in the log (for the viewer's filter lists).
pub async fn kinds(db: &mut PgConnection) -> Result<(Vec<String>, Vec<String>)> {
    let tables =
        sqlx::query_scalar!(r#"SELECT DISTINCT table_name AS "t!" FROM audit_log ORDER BY 1"#)
            .fetch_all(&mut *db)
            .await?;
    let actions =
        sqlx::query_scalar!(r#"SELECT DISTINCT action AS "a!" FROM audit_log ORDER BY 1"#)
            .fetch_all(&mut *db)
            .await?;
    Ok((tables, actions))
}
