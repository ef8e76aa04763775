//! Doctors (`doctors`): profile, department, fee, slot length, linked staff account, active flag.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Doctor {
    pub id: i64,
    pub staff_username: Option<String>,
    pub department_id: i64,
    pub department_name: String,
    pub full_name: String,
    pub qualification: String,
    pub experience_years: i32,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub consultation_fee_cents: i32,
    pub slot_minutes: i32,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct DoctorInput {
    pub full_name: String,
    pub department_id: i64,
    pub qualification: String,
    pub experience_years: i32,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub consultation_fee_cents: i32,
    pub slot_minutes: i32,
    pub staff_username: Option<String>,
}

/// The doctor columns with department and linked username; `$where` completes the statement.
macro_rules! select_doctors {
    ($where:literal, $($arg:expr),*) => {
        sqlx::query_as!(
            Doctor,
            r#"SELECT d.id, s.username AS "staff_username?", d.department_id, dep.name AS department_name, d.full_name,
                      d.qualification, d.experience_years, d.phone, d.email, d.consultation_fee_cents, d.slot_minutes, d.active
                 FROM doctors d JOIN departments dep ON dep.id = d.department_id LEFT JOIN staff s ON s.id = d.staff_id
                WHERE "# + $where,
            $($arg),*
        )
    };
}

pub async fn list(db: &mut PgConnection, include_inactive: bool) -> Result<Vec<Doctor>> {
    Ok(select_doctors!(
        "d.active OR $1 ORDER BY d.active DESC, d.full_name",
        include_inactive
    )
    .fetch_all(db)
    .await?)
}

pub async fn get(db: &mut PgConnection, id: i64) -> Result<Option<Doctor>> {
    Ok(select_doctors!("d.id = $1", id).fetch_optional(db).await?)
}

/// The doctor row of the signed-in staff member.
pub async fn current_id(db: &mut PgConnection) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar!("SELECT clinicdesk_current_doctor_id()")
        .fetch_one(db)
        .await?)
}

/// A transaction-scoped lock on one doctor's schedule: bookings take it shared, availability changes exclusive,
/// so a booking's "inside working hours" check cannot race a withdrawal of those hours.
pub async fn lock_schedule(db: &mut PgConnection, id: i64, exclusive: bool) -> Result<()> {
    if exclusive {
        sqlx::query!(
            "SELECT pg_advisory_xact_lock(7001, ($1::bigint % 2147483647)::int)",
            id
        )
        .execute(db)
        .await?;
    } else {
        sqlx::query!(
            "SELECT pg_advisory_xact_lock_shared(7001, ($1::bigint % 2147483647)::int)",
            id
        )
        .execute(db)
        .await?;
    }
    Ok(())
}

pub async fn insert(db: &mut PgConnection, d: &DoctorInput) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO doctors (staff_id, department_id, full_name, qualification, experience_years, phone, email,
                              consultation_fee_cents, slot_minutes)
         VALUES ((SELECT id FROM staff WHERE username = $1), $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        d.staff_username,
        d.department_id,
        d.full_name,
        d.qualification,
        d.experience_years,
        d.phone,
        d.email,
        d.consultation_fee_cents,
        d.slot_minutes
    )
    .fetch_one(db)
    .await?)
}

pub async fn update(db: &mut PgConnection, id: i64, d: &DoctorInput) -> Result<bool> {
    let r = sqlx::query!(
        "UPDATE doctors SET staff_id = (SELECT id FROM staff WHERE username = $2), department_id = $3, full_name = $4,
                qualification = $5, experience_years = $6, phone = $7, email = $8, consultation_fee_cents = $9,
                slot_minutes = $10
          WHERE id = $1",
        id,
        d.staff_username,
        d.department_id,
        d.full_name,
        d.qualification,
        d.experience_years,
        d.phone,
        d.email,
        d.consultation_fee_cents,
        d.slot_minutes
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_active(db: &mut PgConnection, id: i64, active: bool) -> Result<bool> {
    let r = sqlx::query!("UPDATE doctors SET active = $2 WHERE id = $1", id, active)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The active doctors of a department.
pub async fn active_in_department(db: &mut PgConnection, department_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM doctors WHERE department_id = $1 AND active ORDER BY id",
        department_id
    )
    .fetch_all(db)
    .await?)
}
