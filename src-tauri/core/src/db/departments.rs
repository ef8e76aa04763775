//! Clinic departments (`departments`), with how many doctors each has.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub doctor_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct DepartmentInput {
    pub name: String,
    pub description: String,
}

pub async fn list(db: &mut PgConnection) -> Result<Vec<Department>> {
    Ok(sqlx::query_as!(
        Department,
        r#"SELECT d.id, d.name, d.description,
                  (SELECT count(*) FROM doctors doc WHERE doc.department_id = d.id) AS "doctor_count!"
             FROM departments d ORDER BY lower(d.name)"#
    )
    .fetch_all(db)
    .await?)
}

pub async fn get(db: &mut PgConnection, id: i64) -> Result<Option<Department>> {
    Ok(sqlx::query_as!(
        Department,
        r#"SELECT d.id, d.name, d.description,
                  (SELECT count(*) FROM doctors doc WHERE doc.department_id = d.id) AS "doctor_count!"
             FROM departments d WHERE d.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

pub async fn insert(db: &mut PgConnection, input: &DepartmentInput) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO departments (name, description) VALUES ($1, $2) RETURNING id",
        input.name,
        input.description
    )
    .fetch_one(db)
    .await?)
}

pub async fn update(db: &mut PgConnection, id: i64, input: &DepartmentInput) -> Result<bool> {
    let r = sqlx::query!(
        "UPDATE departments SET name = $2, description = $3 WHERE id = $1",
        id,
        input.name,
        input.description
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Locks the department row and counts its doctors, so a delete cannot race a doctor being added.
pub async fn lock_and_count_doctors(
    db: &mut PgConnection,
    id: i64,
) -> Result<Option<(String, i64)>> {
    let row = sqlx::query!("SELECT name FROM departments WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *db)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM doctors WHERE department_id = $1"#,
        id
    )
    .fetch_one(&mut *db)
    .await?;
    Ok(Some((row.name, n)))
}

pub async fn delete(db: &mut PgConnection, id: i64) -> Result<()> {
    sqlx::query!("DELETE FROM departments WHERE id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}
