//! CSV export of medical data to the user's disk, the one people can trust: rows stream from PostgreSQL
//! (constant memory), go to a temporary file beside the target that is renamed into place only when complete
//! (a crash, a cancel or a full disk never leaves a partial file under the chosen name), every cell that a
//! spreadsheet would run as a formula is neutralised, and each export is recorded and audited.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::NaiveDate;
use chrono_tz::Tz;
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::PgPool;

use crate::clock::Clock;
use crate::db::{self, exports::ExportRow, patients};
use crate::error::{Error, Result};
use crate::schedule;
use crate::services::clinical;
use crate::services::scheduling::no_shows;

pub const COLUMNS: [&str; 13] = [
    "Patient ID",
    "MRN",
    "Patient name",
    "Doctor",
    "Department",
    "Appointment date",
    "Visit type",
    "Symptoms",
    "Diagnosis",
    "Treatment",
    "Prescription",
    "Notes",
    "Next visit suggested",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportScope {
    /// One patient's history (doctors and administrators).
    PatientHistory { patient_id: i64 },
    /// All visits in a date range, inclusive (administrators).
    Visits { from: NaiveDate, to: NaiveDate },
    /// The no-show (DNA) report of a date range, inclusive: one doctor or all (reception and administrators;
    /// a doctor their own). No clinical data: names, MRNs, phones, counts and dates.
    NoShows {
        from: NaiveDate,
        to: NaiveDate,
        doctor_id: Option<i64>,
    },
}

/// The columns of a no-show report export.
pub const NO_SHOW_COLUMNS: [&str; 7] = [
    "Doctor",
    "Patient ID",
    "MRN",
    "Patient name",
    "Phone",
    "No-shows",
    "Last no-show",
];

#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub scope: ExportScope,
    pub path: PathBuf,
    /// Start the file with a UTF-8 byte-order mark so Excel reads it as UTF-8.
    pub bom: bool,
}

impl ExportRequest {
    /// One patient's history.
    pub fn patient_history(patient_id: i64, path: impl Into<PathBuf>, bom: bool) -> Self {
        ExportRequest {
            scope: ExportScope::PatientHistory { patient_id },
            path: path.into(),
            bom,
        }
    }

    /// The no-show report from `from` to `to` (inclusive), one doctor or all.
    pub fn no_shows(
        from: NaiveDate,
        to: NaiveDate,
        doctor_id: Option<i64>,
        path: impl Into<PathBuf>,
        bom: bool,
    ) -> Self {
        ExportRequest {
            scope: ExportScope::NoShows {
                from,
                to,
                doctor_id,
            },
            path: path.into(),
            bom,
        }
    }

    /// Every visit from `from` to `to` (inclusive).
    pub fn visits(from: NaiveDate, to: NaiveDate, path: impl Into<PathBuf>, bom: bool) -> Self {
        ExportRequest {
            scope: ExportScope::Visits { from, to },
            path: path.into(),
            bom,
        }
    }
}

/// How a running export reports progress and is stopped.
#[derive(Clone, Default)]
pub struct ExportControl {
    pub cancel: Arc<AtomicBool>,
    pub progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
    /// Fault injection for tests: fail with an I/O error after this many rows.
    pub fail_after_rows: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExportStatus {
    Done,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ExportOutcome {
    pub export_id: i64,
    pub status: ExportStatus,
    pub rows: i64,
    pub bytes: i64,
    pub path: String,
    /// A sentence for the person who asked (English); `code` and `params` are its catalog code and values, for the
    /// UI's translation (`messages::code_of`).
    pub message: String,
    #[specta(optional)]
    pub code: Option<String>,
    #[specta(optional)]
    pub params: std::collections::BTreeMap<String, String>,
}

/// A started export: its record exists and its target was checked; `run` writes it.
#[derive(Debug, Clone)]
pub struct StartedExport {
    pub export_id: i64,
    pub request: ExportRequest,
}

/// Neutralises a cell a spreadsheet would treat as a formula (`=`, `+`, `-`, `@`, tab, CR) by prefixing `'`.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The suggested file name: `history-<MRN>-<date>.csv`.
pub fn default_file_name(mrn: &str, today: NaiveDate) -> String {
    format!("history-{mrn}-{today}.csv")
}

/// A save path without a dialog, when `CLINICDESK_EXPORT_DIR` is configured (unattended desks and tests).
pub async fn default_path(pool: &PgPool, patient_id: i64) -> Result<Option<String>> {
    let Some(dir) = std::env::var_os("CLINICDESK_EXPORT_DIR").filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let patient = crate::services::patients::get(pool, patient_id).await?;
    let today = chrono::Local::now().date_naive();
    Ok(Some(
        PathBuf::from(dir)
            .join(default_file_name(&patient.mrn, today))
            .display()
            .to_string(),
    ))
}

pub(crate) fn check_target(path: &Path) -> Result<PathBuf> {
    let shown = path.display().to_string();
    if path.as_os_str().is_empty() {
        return Err(Error::validation("path", crate::msg!(export_path_required)));
    }
    if path.is_dir() {
        return Err(Error::validation(
            "path",
            crate::msg!(export_path_is_folder, path = shown),
        ));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::validation(
            "path",
            crate::msg!(folder_missing, folder = dir.display()),
        ));
    }
    let probe = dir.join(format!(".clinicdesk-write-test-{}", std::process::id()));
    match File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
        }
        Err(e) => return Err(io_sentence(&e, &dir)),
    }
    Ok(dir)
}

pub(crate) fn io_sentence(e: &std::io::Error, dir: &Path) -> Error {
    match (e.kind(), e.raw_os_error()) {
        (std::io::ErrorKind::PermissionDenied, _) | (_, Some(30)) => Error::validation(
            "path",
            crate::msg!(export_folder_not_writable, folder = dir.display()),
        ),
        (_, Some(28)) => Error::Unavailable(crate::msg!(export_disk_full)),
        (std::io::ErrorKind::NotFound, _) => {
            Error::validation("path", crate::msg!(folder_missing, folder = dir.display()))
        }
        _ => {
            tracing::error!(error = %e, "export i/o error");
            Error::Unavailable(crate::msg!(export_write_failed, detail = e))
        }
    }
}

/// Checks the request (who may export what, and where) and records the export as running.
#[tracing::instrument(skip(pool))]
pub async fn start(pool: &PgPool, mut request: ExportRequest) -> Result<StartedExport> {
    let mut conn = pool.acquire().await?;
    let (kind, patient_id) = match request.scope {
        ExportScope::PatientHistory { patient_id } => {
            if !clinical::reads_clinical(&mut conn).await? {
                // Reception cannot read clinical columns, so it cannot export them either.
                return Err(Error::PermissionDenied(crate::msg!(
                    export_history_clinical_only
                )));
            }
            patients::get(&mut conn, patient_id).await?.ok_or_else(|| {
                Error::validation("patient_id", crate::msg!(waitlist_entries_patient_id_fkey))
            })?;
            ("patient_history", Some(patient_id))
        }
        ExportScope::Visits { from, to } => {
            if !db::staff::session_is_member_of(&mut *conn, "clinicdesk_admin").await? {
                return Err(Error::PermissionDenied(crate::msg!(
                    export_visits_admin_only
                )));
            }
            if to < from {
                return Err(Error::validation("to", crate::msg!(export_dates_reversed)));
            }
            ("visits", None)
        }
        ExportScope::NoShows {
            from,
            to,
            doctor_id,
        } => {
            no_shows::check_period(from, to)?;
            // a doctor's export is of their own no-shows, whatever the client asked
            let doctor_id = no_shows::scope(&mut conn, doctor_id).await?;
            request.scope = ExportScope::NoShows {
                from,
                to,
                doctor_id,
            };
            ("no_shows", None)
        }
    };
    check_target(&request.path)?;
    let export_id = db::exports::insert(
        &mut conn,
        kind,
        patient_id,
        &request.path.display().to_string(),
    )
    .await?;
    Ok(StartedExport { export_id, request })
}

/// Writes a started export. Whatever happens, the export's record ends as done, failed or cancelled, and no
/// partial file is left under the chosen name.
#[tracing::instrument(skip(pool, control), fields(export_id = started.export_id))]
pub async fn run(
    pool: &PgPool,
    started: &StartedExport,
    control: &ExportControl,
) -> Result<ExportOutcome> {
    let path = started.request.path.clone();
    let dir = check_target(&path)?;
    let (atomic, file) = crate::files::AtomicFile::create(&path, &started.export_id.to_string())
        .map_err(|e| io_sentence(&e, &dir))?;
    let result = write(pool, started, control, file, &dir).await;
    // committed, the file appears whole under its name; dropped, its temp file goes (nothing partial is left)
    let (status, rows, bytes, error) = match &result {
        Ok((rows, bytes)) => match atomic.commit() {
            Ok(()) => (ExportStatus::Done, *rows, *bytes, None),
            Err(e) => (ExportStatus::Failed, 0, 0, Some(io_sentence(&e, &dir))),
        },
        Err(Error::Conflict(m)) if m == CANCELLED => (ExportStatus::Cancelled, 0, 0, None),
        Err(e) => (ExportStatus::Failed, 0, 0, Some(clone_error(e))),
    };
    let status_text = match status {
        ExportStatus::Done => "done",
        ExportStatus::Failed => "failed",
        ExportStatus::Cancelled => "cancelled",
    };
    let mut conn = pool.acquire().await?;
    db::exports::finish(
        &mut conn,
        started.export_id,
        status_text,
        rows,
        bytes,
        error.as_ref().map(|e| e.to_string()).as_deref(),
    )
    .await?;
    let subject = match started.request.scope {
        ExportScope::PatientHistory { patient_id } => patient_id.to_string(),
        ExportScope::Visits { .. } => "all".to_string(),
        ExportScope::NoShows { doctor_id, .. } => {
            doctor_id.map_or_else(|| "no_shows".to_string(), |d| format!("no_shows:{d}"))
        }
    };
    let no_shows = matches!(started.request.scope, ExportScope::NoShows { .. });
    sqlx::query!(
        "SELECT audit_event('export_' || $1, 'patients', $2, jsonb_build_object('export_id', $3::bigint, 'rows', $4::bigint))",
        status_text,
        subject,
        started.export_id,
        rows
    )
    .execute(&mut *conn)
    .await?;
    let shown = path.display().to_string();
    let message = match (&status, &error) {
        (ExportStatus::Done, _) if no_shows => {
            crate::msg!(export_saved_no_shows, rows = rows, path = shown)
        }
        (ExportStatus::Done, _) => crate::msg!(export_saved_visits, rows = rows, path = shown),
        (ExportStatus::Cancelled, _) => crate::msg!(export_cancelled),
        (_, Some(e)) => crate::msg!(export_failed_because, reason = e),
        _ => crate::msg!(export_failed),
    };
    Ok(ExportOutcome::new(
        started.export_id,
        status,
        rows,
        bytes,
        shown,
        message,
    ))
}

impl ExportOutcome {
    fn new(
        export_id: i64,
        status: ExportStatus,
        rows: i64,
        bytes: i64,
        path: String,
        message: String,
    ) -> Self {
        let (code, params) = crate::messages::code_of(&message);
        ExportOutcome {
            export_id,
            status,
            rows,
            bytes,
            path,
            message,
            code,
            params,
        }
    }

    /// What the person is told when `run` itself returned an error (nothing was saved).
    pub fn failed(started: &StartedExport, e: &Error) -> Self {
        let path = started.request.path.display().to_string();
        Self::new(
            started.export_id,
            ExportStatus::Failed,
            0,
            0,
            path,
            e.to_string(),
        )
    }
}

const CANCELLED: &str = "export cancelled";

fn clone_error(e: &Error) -> Error {
    match e {
        Error::Validation { field, message } => Error::Validation {
            field: field.clone(),
            message: message.clone(),
        },
        Error::Unavailable(m) => Error::Unavailable(m.clone()),
        Error::PermissionDenied(m) => Error::PermissionDenied(m.clone()),
        other => Error::Unavailable(other.to_string()),
    }
}

/// Streams rows into `file` (the export's temp file in `dir`); returns (rows, bytes).
async fn write(
    pool: &PgPool,
    started: &StartedExport,
    control: &ExportControl,
    file: File,
    dir: &Path,
) -> Result<(i64, i64)> {
    let mut out = BufWriter::with_capacity(256 * 1024, file);
    if started.request.bom {
        out.write_all("\u{FEFF}".as_bytes())
            .map_err(|e| io_sentence(&e, dir))?;
    }
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let mut conn = pool.acquire().await?;
    let clock = Clock::load(&mut conn).await?;
    let tz: Tz = clock.tz;
    if let ExportScope::NoShows {
        from,
        to,
        doctor_id,
    } = started.request.scope
    {
        csv.write_record(NO_SHOW_COLUMNS)
            .map_err(|e| csv_error(e, dir))?;
        let lines = no_shows::rows(&mut conn, &clock, from, to, doctor_id).await?;
        let mut rows: u64 = 0;
        for r in lines {
            if control.cancel.load(Ordering::Relaxed) {
                return Err(Error::Conflict(CANCELLED.into()));
            }
            if control.fail_after_rows == Some(rows) {
                return Err(io_sentence(&std::io::Error::from_raw_os_error(28), dir));
            }
            let cells = [
                r.doctor_name,
                r.patient_id.to_string(),
                r.patient_mrn,
                r.patient_name,
                r.phone.unwrap_or_default(),
                r.no_shows.to_string(),
                schedule::local_date(tz, r.last_at).to_string(),
            ];
            csv.write_record(cells.iter().map(|c| neutralise(c).into_owned()))
                .map_err(|e| csv_error(e, dir))?;
            rows += 1;
        }
        return finish_file(csv, control, rows, dir);
    }
    csv.write_record(COLUMNS).map_err(|e| csv_error(e, dir))?;
    let (patient_id, from, to) = match started.request.scope {
        ExportScope::NoShows { .. } => unreachable!("written above"),
        ExportScope::PatientHistory { patient_id } => (Some(patient_id), None, None),
        ExportScope::Visits { from, to } => {
            let (start, _) = schedule::utc_range(tz, from, 1);
            let (_, end) = schedule::utc_range(tz, to, 1);
            (None, Some(start), Some(end))
        }
    };
    let mut rows: u64 = 0;
    {
        let mut stream = db::exports::stream(&mut conn, patient_id, from, to);
        while let Some(row) = stream.try_next().await? {
            if control.cancel.load(Ordering::Relaxed) {
                return Err(Error::Conflict(CANCELLED.into()));
            }
            if control.fail_after_rows == Some(rows) {
                return Err(io_sentence(&std::io::Error::from_raw_os_error(28), dir));
            }
            csv.write_record(cells(&row, tz).iter().map(|c| neutralise(c).into_owned()))
                .map_err(|e| csv_error(e, dir))?;
            rows += 1;
            if rows % 500 == 0 {
                if let Some(p) = &control.progress {
                    p(rows);
                }
            }
        }
    }
    finish_file(csv, control, rows, dir)
}

/// Flushes and syncs a written export's temp file; returns (rows, bytes).
fn finish_file(
    csv: csv::Writer<BufWriter<File>>,
    control: &ExportControl,
    rows: u64,
    dir: &Path,
) -> Result<(i64, i64)> {
    crate::crash::point("export_write");
    let out = csv.into_inner().map_err(|e| io_sentence(e.error(), dir))?;
    let file = out.into_inner().map_err(|e| io_sentence(e.error(), dir))?;
    file.sync_all().map_err(|e| io_sentence(&e, dir))?;
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    if let Some(p) = &control.progress {
        p(rows);
    }
    Ok((rows as i64, bytes as i64))
}

fn csv_error(e: csv::Error, dir: &Path) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io_sentence(&io, dir),
        other => Error::internal(format!("{other:?}")),
    }
}

/// The 13 cells of a visit, in the column order above.
fn cells(r: &ExportRow, tz: Tz) -> [String; 13] {
    let when = r
        .starts_at
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let diagnosis = match &r.icd10_code {
        Some(code) if !r.diagnosis.is_empty() => format!("{} ({code})", r.diagnosis),
        Some(code) => code.clone(),
        None => r.diagnosis.clone(),
    };
    let prescription = r
        .prescription
        .0
        .iter()
        .map(|l| l.describe())
        .collect::<Vec<_>>()
        .join("; ");
    [
        r.patient_id.to_string(),
        r.mrn.clone(),
        r.patient_name.clone(),
        r.doctor_name.clone(),
        r.department.clone(),
        when,
        r.visit_type.label().to_string(),
        r.symptoms.clone(),
        diagnosis,
        r.treatment_given.clone(),
        prescription,
        r.notes.clone(),
        r.next_visit_on.map(|d| d.to_string()).unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_text_is_kept() {
        assert_eq!(neutralise("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(neutralise("+44 7700"), "'+44 7700");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@cmd"), "'@cmd");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("\rx"), "'\rx");
        assert_eq!(neutralise("Zoë — ok"), "Zoë — ok");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn default_name_has_mrn_and_date() {
        assert_eq!(
            default_file_name("MRN0000042", NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()),
            "history-MRN0000042-2026-12-03.csv"
        );
    }
}
