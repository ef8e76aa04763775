//! The audit log viewer (admin): filter by staff member, table, action and clinic-local dates, and export the
//! filtered log to CSV with the clinical export's safety (formula cells neutralised, temp file renamed into
//! place, never a partial file).

use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::clock::Clock;
use crate::db::{self, audit_log::AuditEntry, audit_log::AuditQuery};
use crate::error::{Error, Result};
use crate::export::{check_target, io_sentence, neutralise};
use crate::schedule;

pub const PAGE_SIZE: i64 = 200;
pub const CSV_COLUMNS: [&str; 7] = ["ID", "When", "Staff", "Action", "Table", "Row", "Details"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, specta::Type)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub table_name: Option<String>,
    pub action: Option<String>,
    /// Clinic-local dates, both included.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// More entries match after this page.
    pub more: bool,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AuditKinds {
    pub staff: Vec<String>,
    pub tables: Vec<String>,
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AuditExport {
    pub rows: i64,
    pub path: String,
}

async fn require_admin(conn: &mut sqlx::PgConnection) -> Result<()> {
    if db::staff::session_is_member_of(&mut *conn, "clinicdesk_admin").await? {
        Ok(())
    } else {
        Err(Error::PermissionDenied(crate::msg!(audit_admin_only)))
    }
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn query(clock: &Clock, f: &AuditFilter) -> Result<AuditQuery> {
    if let (Some(a), Some(b)) = (f.from, f.to) {
        if b < a {
            return Err(Error::validation("to", crate::msg!(export_dates_reversed)));
        }
    }
    Ok(AuditQuery {
        actor: opt(&f.actor).map(|s| s.to_lowercase()),
        table_name: opt(&f.table_name),
        action: opt(&f.action),
        from: f.from.map(|d| schedule::utc_range(clock.tz, d, 1).0),
        to: f.to.map(|d| schedule::utc_range(clock.tz, d, 1).1),
    })
}

#[tracing::instrument(skip(pool))]
pub async fn list(pool: &PgPool, filter: &AuditFilter, page: i64) -> Result<AuditPage> {
    let mut conn = pool.acquire().await?;
    require_admin(&mut conn).await?;
    let clock = Clock::load(&mut conn).await?;
    let q = query(&clock, filter)?;
    let mut entries =
        db::audit_log::page(&mut conn, &q, PAGE_SIZE + 1, page.max(0) * PAGE_SIZE).await?;
    let more = entries.len() as i64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    Ok(AuditPage { entries, more })
}

pub async fn kinds(pool: &PgPool) -> Result<AuditKinds> {
    let mut conn = pool.acquire().await?;
    require_admin(&mut conn).await?;
    let (tables, actions) = db::audit_log::kinds(&mut conn).await?;
    let staff = db::staff::list(&mut conn)
        .await?
        .into_iter()
        .map(|s| s.username)
        .collect();
    Ok(AuditKinds {
        staff,
        tables,
        actions,
    })
}

/// Writes the filtered log to `path` (newest first). The export is itself audited.
#[tracing::instrument(skip(pool))]
pub async fn export_csv(pool: &PgPool, filter: &AuditFilter, path: &Path) -> Result<AuditExport> {
    let mut conn = pool.acquire().await?;
    require_admin(&mut conn).await?;
    let clock = Clock::load(&mut conn).await?;
    let q = query(&clock, filter)?;
    let dir = check_target(path)?;
    let (atomic, file) =
        crate::files::AtomicFile::create(path, "audit").map_err(|e| io_sentence(&e, &dir))?;
    let rows = write(&mut conn, &clock, &q, file, &dir).await?;
    atomic.commit().map_err(|e| io_sentence(&e, &dir))?;
    sqlx::query!(
        "SELECT audit_event('export_audit_log', 'audit_log', NULL, jsonb_build_object('rows', $1::bigint))",
        rows
    )
    .execute(&mut *conn)
    .await?;
    Ok(AuditExport {
        rows,
        path: path.display().to_string(),
    })
}

async fn write(
    conn: &mut sqlx::PgConnection,
    clock: &Clock,
    q: &AuditQuery,
    file: std::fs::File,
    dir: &Path,
) -> Result<i64> {
    let out = BufWriter::with_capacity(256 * 1024, file);
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let csv_err = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => io_sentence(&io, dir),
        other => Error::internal(format!("{other:?}")),
    };
    csv.write_record(CSV_COLUMNS).map_err(csv_err)?;
    let mut rows = 0i64;
    {
        let mut stream = db::audit_log::stream(conn, q);
        while let Some(e) = stream.try_next().await? {
            let cells = [
                e.id.to_string(),
                e.at.with_timezone(&clock.tz)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                e.actor,
                e.action,
                e.table_name,
                e.row_id.unwrap_or_default(),
                e.details,
            ];
            csv.write_record(cells.iter().map(|c| neutralise(c).into_owned()))
                .map_err(csv_err)?;
            rows += 1;
        }
    }
    let out = csv.into_inner().map_err(|e| io_sentence(e.error(), dir))?;
    let mut file = out.into_inner().map_err(|e| io_sentence(e.error(), dir))?;
    file.flush().map_err(|e| io_sentence(&e, dir))?;
    file.sync_all().map_err(|e| io_sentence(&e, dir))?;
    Ok(rows)
}
