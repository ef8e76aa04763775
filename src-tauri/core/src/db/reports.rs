//! Monthly reports (`reports`): one HTML document per doctor and one for the clinic, per month. Kept in the
//! database so every PC can show and print them, whichever PC generated them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ReportSummary {
    pub id: i64,
    pub month: NaiveDate,
    /// `None` for the clinic-wide summary.
    pub doctor_id: Option<i64>,
    pub title: String,
    pub generated_at: DateTime<Utc>,
    pub host: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ReportDocument {
    pub id: i64,
    pub title: String,
    pub html: String,
}

pub struct NewReport {
    pub doctor_id: Option<i64>,
    pub title: String,
    pub html: String,
    pub summary: serde_json::Value,
}

/// Stores (or replaces) a month's reports in one statement.
pub async fn upsert_many(
    db: &mut PgConnection,
    month: NaiveDate,
    host: &str,
    reports: &[NewReport],
) -> Result<u64> {
    let doctors: Vec<Option<i64>> = reports.iter().map(|r| r.doctor_id).collect();
    let titles: Vec<String> = reports.iter().map(|r| r.title.clone()).collect();
    let htmls: Vec<String> = reports.iter().map(|r| r.html.clone()).collect();
    let summaries: Vec<serde_json::Value> = reports.iter().map(|r| r.summary.clone()).collect();
    Ok(sqlx::query!(
        "INSERT INTO reports (month, doctor_id, title, html, summary, host)
         SELECT $1, d, t, h, s, $2 FROM UNNEST($3::bigint[], $4::text[], $5::text[], $6::jsonb[]) AS u(d, t, h, s)
         ON CONFLICT (month, doctor_id) DO UPDATE
            SET title = EXCLUDED.title, html = EXCLUDED.html, summary = EXCLUDED.summary, host = EXCLUDED.host,
                generated_at = now()",
        month,
        host,
        &doctors as &[Option<i64>],
        &titles,
        &htmls,
        &summaries
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// A month's reports visible to the caller (administrators: all; doctors: their own), clinic summary first.
pub async fn list(db: &mut PgConnection, month: NaiveDate) -> Result<Vec<ReportSummary>> {
    Ok(sqlx::query_as!(
        ReportSummary,
        "SELECT id, month, doctor_id, title, generated_at, host FROM reports WHERE month = $1
          ORDER BY doctor_id NULLS FIRST, title",
        month
    )
    .fetch_all(db)
    .await?)
}

pub async fn get(db: &mut PgConnection, id: i64) -> Result<Option<ReportDocument>> {
    Ok(sqlx::query_as!(
        ReportDocument,
        "SELECT id, title, html FROM reports WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?)
}
