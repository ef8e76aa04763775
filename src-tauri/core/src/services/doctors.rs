//! Doctors (admin): create, edit, deactivate (listing what must be rebooked — nothing is cancelled silently)
//! and reactivate.

use chrono::Utc;
use serde::Serialize;
use sqlx::PgPool;

use crate::cache::Change;
use crate::context::Desk;

use crate::clock::Clock;
use crate::db::{
    appointments,
    doctors::{self, Doctor, DoctorInput},
};
use crate::error::{Error, Result};
use crate::services::scheduling::Appointment;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DoctorActivation {
    pub doctor: Doctor,
    /// Booked appointments from now on: after a deactivation, these need rebooking with another doctor.
    pub future_appointments: Vec<Appointment>,
}

fn clean(input: &DoctorInput) -> Result<DoctorInput> {
    let full_name = super::required_text("full_name", "Name", &input.full_name, 120)?;
    let qualification =
        super::optional_text("qualification", "Qualification", &input.qualification, 200)?;
    if !(0..=80).contains(&input.experience_years) {
        return Err(Error::validation(
            "experience_years",
            crate::msg!(doctor_experience_range),
        ));
    }
    if !(0..=10_000_000).contains(&input.consultation_fee_cents) {
        return Err(Error::validation(
            "consultation_fee_cents",
            crate::msg!(doctors_consultation_fee_cents_check),
        ));
    }
    if !(5..=240).contains(&input.slot_minutes) {
        return Err(Error::validation(
            "slot_minutes",
            crate::msg!(slot_length_range),
        ));
    }
    let phone = super::patients::normalise_phone("phone", input.phone.as_deref().unwrap_or(""))?;
    let email = super::patients::email("email", input.email.as_deref().unwrap_or(""))?;
    let staff_username = input
        .staff_username
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    Ok(DoctorInput {
        full_name,
        qualification,
        phone,
        email,
        staff_username,
        ..input.clone()
    })
}

/// The doctors (active only, or all), from the session's cache when it has them.
pub async fn list(desk: &Desk, include_inactive: bool) -> Result<Vec<Doctor>> {
    let list = desk
        .caches()
        .doctors(include_inactive, || async {
            doctors::list(&mut *desk.acquire().await?, include_inactive).await
        })
        .await?;
    Ok(list.as_ref().clone())
}

/// The signed-in doctor's own row, if the signed-in person is a doctor.
pub async fn mine(pool: &PgPool) -> Result<Option<Doctor>> {
    let mut conn = pool.acquire().await?;
    match doctors::current_id(&mut conn).await? {
        Some(id) => doctors::get(&mut conn, id).await,
        None => Ok(None),
    }
}

async fn check_staff_link(conn: &mut sqlx::PgConnection, username: &Option<String>) -> Result<()> {
    if let Some(u) = username {
        match crate::db::staff::by_username(conn, u).await? {
            Some(s) if s.role == crate::db::staff::StaffRole::Doctor => {}
            Some(_) => {
                return Err(Error::validation(
                    "staff_username",
                    crate::msg!(doctor_staff_role),
                ))
            }
            None => {
                return Err(Error::validation(
                    "staff_username",
                    crate::msg!(staff_account_unknown, username = u),
                ))
            }
        }
    }
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn create(desk: &Desk, input: &DoctorInput) -> Result<Doctor> {
    let input = clean(input)?;
    let mut tx = desk.begin().await?;
    check_staff_link(&mut tx, &input.staff_username).await?;
    let id = doctors::insert(&mut tx, &input).await?;
    let d = doctors::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("doctor vanished"))?;
    tx.commit().await?;
    desk.caches().invalidate(Change::Doctor(Some(d.id))).await;
    Ok(d)
}

#[tracing::instrument(skip(desk, input))]
pub async fn update(desk: &Desk, id: i64, input: &DoctorInput) -> Result<Doctor> {
    let input = clean(input)?;
    let mut tx = desk.begin().await?;
    check_staff_link(&mut tx, &input.staff_username).await?;
    if !doctors::update(&mut tx, id, &input).await? {
        return Err(Error::NotFound(crate::msg!(
            waitlist_entries_doctor_id_fkey
        )));
    }
    let d = doctors::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("doctor vanished"))?;
    tx.commit().await?;
    desk.caches().invalidate(Change::Doctor(Some(d.id))).await;
    Ok(d)
}

#[tracing::instrument(skip(desk))]
pub async fn set_active(desk: &Desk, id: i64, active: bool) -> Result<DoctorActivation> {
    let mut tx = desk.begin().await?;
    if !doctors::set_active(&mut tx, id, active).await? {
        return Err(Error::NotFound(crate::msg!(
            waitlist_entries_doctor_id_fkey
        )));
    }
    let doctor = doctors::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("doctor vanished"))?;
    let clock = Clock::load(&mut tx).await?;
    let rows = appointments::upcoming_for_doctor(&mut tx, id, Utc::now()).await?;
    tx.commit().await?;
    desk.caches().invalidate(Change::Doctor(Some(id))).await;
    Ok(DoctorActivation {
        doctor,
        future_appointments: rows
            .into_iter()
            .map(|r| Appointment::new(&clock, r))
            .collect(),
    })
}
