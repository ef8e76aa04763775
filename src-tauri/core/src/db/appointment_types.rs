//! Appointment types (`appointment_types`) and which doctors offer them (`doctor_appointment_types`).

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct AppointmentType {
    pub id: i64,
    pub name: String,
    /// The visit's length (5–240, in 5-minute steps).
    pub minutes: i32,
    /// "#rrggbb" on the grid and the board.
    pub colour: String,
    pub active: bool,
    /// Minutes the doctor keeps free after the visit (0–60, in 5-minute steps; 0 = none).
    pub buffer_minutes: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct AppointmentTypeInput {
    pub name: String,
    pub minutes: i32,
    pub colour: String,
    pub active: bool,
    #[serde(default)]
    pub buffer_minutes: i32,
}

/// A type a doctor offers, and whether it is the doctor's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TypeOffer {
    pub type_id: i64,
    pub is_default: bool,
}

pub async fn list(db: &mut PgConnection) -> Result<Vec<AppointmentType>> {
    Ok(sqlx::query_as!(
        AppointmentType,
        "SELECT id, name, minutes, colour, active, buffer_minutes FROM appointment_types ORDER BY name, id"
    )
    .fetch_all(db)
    .await?)
}

pub async fn insert(db: &mut PgConnection, t: &AppointmentTypeInput) -> Result<AppointmentType> {
    Ok(sqlx::query_as!(
        AppointmentType,
        "INSERT INTO appointment_types (name, minutes, colour, active, buffer_minutes) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, name, minutes, colour, active, buffer_minutes",
        t.name,
        t.minutes,
        t.colour,
        t.active,
        t.buffer_minutes
    )
    .fetch_one(db)
    .await?)
}

pub async fn update(
    db: &mut PgConnection,
    id: i64,
    t: &AppointmentTypeInput,
) -> Result<Option<AppointmentType>> {
    Ok(sqlx::query_as!(
        AppointmentType,
        "UPDATE appointment_types SET name = $2, minutes = $3, colour = $4, active = $5, buffer_minutes = $6
          WHERE id = $1
         RETURNING id, name, minutes, colour, active, buffer_minutes",
        id,
        t.name,
        t.minutes,
        t.colour,
        t.active,
        t.buffer_minutes
    )
    .fetch_optional(db)
    .await?)
}

/// The types a doctor offers, with the default first.
pub async fn offered_by(
    db: &mut PgConnection,
    doctor_id: i64,
) -> Result<Vec<(AppointmentType, bool)>> {
    Ok(sqlx::query!(
        "SELECT t.id, t.name, t.minutes, t.colour, t.active, t.buffer_minutes, x.is_default
           FROM doctor_appointment_types x JOIN appointment_types t ON t.id = x.type_id
          WHERE x.doctor_id = $1 ORDER BY x.is_default DESC, t.name, t.id",
        doctor_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        (
            AppointmentType {
                id: r.id,
                name: r.name,
                minutes: r.minutes,
                colour: r.colour,
                active: r.active,
                buffer_minutes: r.buffer_minutes,
            },
            r.is_default,
        )
    })
    .collect())
}

/// Replaces the types a doctor offers.
pub async fn set_offers(db: &mut PgConnection, doctor_id: i64, offers: &[TypeOffer]) -> Result<()> {
    let ids: Vec<i64> = offers.iter().map(|o| o.type_id).collect();
    let defaults: Vec<bool> = offers.iter().map(|o| o.is_default).collect();
    sqlx::query!(
        "DELETE FROM doctor_appointment_types WHERE doctor_id = $1 AND NOT (type_id = ANY($2))",
        doctor_id,
        &ids
    )
    .execute(&mut *db)
    .await?;
    // defaults cleared first, so moving the default from one type to another never holds two at once
    sqlx::query!(
        "UPDATE doctor_appointment_types SET is_default = false WHERE doctor_id = $1 AND is_default",
        doctor_id
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!(
        "INSERT INTO doctor_appointment_types (doctor_id, type_id, is_default)
         SELECT $1, u.type_id, u.is_default FROM unnest($2::bigint[], $3::boolean[]) AS u(type_id, is_default)
         ON CONFLICT (doctor_id, type_id) DO UPDATE SET is_default = EXCLUDED.is_default",
        doctor_id,
        &ids,
        &defaults
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The longest weekly session of a doctor, in minutes (0 when they have none).
pub async fn longest_session_minutes(db: &mut PgConnection, doctor_id: i64) -> Result<i32> {
    Ok(sqlx::query_scalar!(
        r#"SELECT coalesce(max(extract(epoch FROM ends_at - starts_at) / 60), 0)::integer AS "m!"
             FROM doctor_availability WHERE doctor_id = $1"#,
        doctor_id
    )
    .fetch_one(db)
    .await?)
}

/// The doctors offering a type (active types only).
pub async fn doctors_offering(db: &mut PgConnection, type_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar!(
        "SELECT x.doctor_id FROM doctor_appointment_types x JOIN appointment_types t ON t.id = x.type_id
          WHERE x.type_id = $1 AND t.active",
        type_id
    )
    .fetch_all(db)
    .await?)
}

/// A type's length and buffer after it, in minutes.
pub async fn minutes_of(db: &mut PgConnection, type_id: i64) -> Result<Option<(i32, i32)>> {
    Ok(sqlx::query!(
        "SELECT minutes, buffer_minutes FROM appointment_types WHERE id = $1",
        type_id
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.minutes, r.buffer_minutes)))
}

/// A doctor's default type, if they have one.
pub async fn default_of(db: &mut PgConnection, doctor_id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar!(
        "SELECT type_id FROM doctor_appointment_types WHERE doctor_id = $1 AND is_default",
        doctor_id
    )
    .fetch_optional(db)
    .await?)
}
