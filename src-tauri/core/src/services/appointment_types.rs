//! Appointment types (administrators): a name, a length, an optional buffer after it and a colour; which doctors
//! offer each, and each doctor's default. A type's length and buffer apply to bookings made after a change;
//! existing appointments keep their times.

use crate::cache::Change;
use crate::context::Desk;
use crate::db::appointment_types::{self, AppointmentType, AppointmentTypeInput, TypeOffer};
use crate::db::doctors;
use crate::error::{Error, Result};

fn clean(input: &AppointmentTypeInput) -> Result<AppointmentTypeInput> {
    let name = super::required_text("name", "The type's name", &input.name, 60)?;
    if !(5..=240).contains(&input.minutes) || input.minutes % 5 != 0 {
        return Err(Error::constraint("appointment_types_minutes_check"));
    }
    if !(0..=60).contains(&input.buffer_minutes) || input.buffer_minutes % 5 != 0 {
        return Err(Error::constraint("appointment_types_buffer_minutes_check"));
    }
    let colour = input.colour.trim().to_lowercase();
    let hex = colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !hex {
        return Err(Error::constraint("appointment_types_colour_check"));
    }
    Ok(AppointmentTypeInput {
        name,
        minutes: input.minutes,
        colour,
        active: input.active,
        buffer_minutes: input.buffer_minutes,
    })
}

/// Every type, in use or not (staff read them to book; administrators edit them).
pub async fn list(desk: &Desk) -> Result<Vec<AppointmentType>> {
    appointment_types::list(&mut *desk.acquire().await?).await
}

#[tracing::instrument(skip(desk, input))]
pub async fn create(desk: &Desk, input: &AppointmentTypeInput) -> Result<AppointmentType> {
    let input = clean(input)?;
    let t = appointment_types::insert(&mut *desk.acquire().await?, &input).await?;
    desk.caches().invalidate(Change::All).await;
    Ok(t)
}

/// Changes a type; appointments already booked keep their length.
#[tracing::instrument(skip(desk, input))]
pub async fn update(desk: &Desk, id: i64, input: &AppointmentTypeInput) -> Result<AppointmentType> {
    let input = clean(input)?;
    let t = appointment_types::update(&mut *desk.acquire().await?, id, &input)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(appointments_type_id_fkey)))?;
    desk.caches().invalidate(Change::All).await;
    Ok(t)
}

/// A type a doctor offers, and whether it is the doctor's default.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct OfferedType {
    pub appointment_type: AppointmentType,
    pub is_default: bool,
}

/// The types a doctor offers (the default first), with the default marked.
pub async fn offered_by(desk: &Desk, doctor_id: i64) -> Result<Vec<OfferedType>> {
    Ok(
        appointment_types::offered_by(&mut *desk.acquire().await?, doctor_id)
            .await?
            .into_iter()
            .map(|(appointment_type, is_default)| OfferedType {
                appointment_type,
                is_default,
            })
            .collect(),
    )
}

/// Replaces the types a doctor offers. Refused: two defaults; a default not offered; a type longer than every
/// one of the doctor's weekly sessions (it could never be booked).
#[tracing::instrument(skip(desk, offers))]
pub async fn set_offers(desk: &Desk, doctor_id: i64, offers: &[TypeOffer]) -> Result<()> {
    if offers.iter().filter(|o| o.is_default).count() > 1 {
        return Err(Error::constraint("doctor_appointment_types_one_default"));
    }
    let mut tx = desk.begin().await?;
    let doctor = doctors::get(&mut tx, doctor_id).await?.ok_or_else(|| {
        Error::validation("doctor_id", crate::msg!(waitlist_entries_doctor_id_fkey))
    })?;
    let types = appointment_types::list(&mut tx).await?;
    let longest = appointment_types::longest_session_minutes(&mut tx, doctor_id).await?;
    for o in offers {
        let t = types
            .iter()
            .find(|t| t.id == o.type_id)
            .ok_or_else(|| Error::validation("offers", crate::msg!(appointments_type_id_fkey)))?;
        // the visit and its buffer lie inside one session
        let takes = t.minutes + t.buffer_minutes;
        if takes > longest {
            return Err(Error::validation(
                "offers",
                crate::msg!(
                    appointment_type_longer_than_sessions,
                    name = t.name,
                    minutes = takes,
                    doctor = doctor.full_name,
                    longest = longest
                ),
            ));
        }
    }
    appointment_types::set_offers(&mut tx, doctor_id, offers).await?;
    tx.commit().await?;
    desk.caches()
        .invalidate(Change::Doctor(Some(doctor_id)))
        .await;
    Ok(())
}
