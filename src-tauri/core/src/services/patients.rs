//! Patients at the front desk: register, edit, find as you type, blacklist and lift it, warn of likely duplicates,
//! and (administrators) merge a duplicate into the surviving record.

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::cache::Change;
use crate::clock::Clock;
use crate::context::Desk;
use crate::db::patients::{
    self, DuplicateCandidate, Patient, PatientHit, PatientInput, ReminderChannel,
};
use crate::error::{Error, Result};
use crate::schedule;

/// At most this many likely duplicates are listed.
const DUPLICATE_LIMIT: i64 = 10;

const SEARCH_LIMIT: i64 = 20;

/// Stores phones as `+` and digits so a prefix search matches however they were typed.
pub(crate) fn normalise_phone(field: &str, raw: &str) -> Result<Option<String>> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let plus = trimmed.starts_with('+');
    if trimmed
        .chars()
        .any(|c| !(c.is_ascii_digit() || " -().+/".contains(c)))
    {
        return Err(Error::validation(field, crate::msg!(phone_characters)));
    }
    let digits: String = trimmed.chars().filter(|c| c.is_ascii_digit()).collect();
    if !(7..=15).contains(&digits.len()) {
        return Err(Error::validation(field, crate::msg!(phone_digits)));
    }
    Ok(Some(if plus { format!("+{digits}") } else { digits }))
}

pub(crate) fn email(field: &str, raw: &str) -> Result<Option<String>> {
    let e = raw.trim();
    if e.is_empty() {
        return Ok(None);
    }
    let ok = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if ok {
        Ok(Some(e.to_string()))
    } else {
        Err(Error::validation(field, crate::msg!(email_invalid)))
    }
}

fn clean(input: &PatientInput) -> Result<PatientInput> {
    let full_name = super::required_text("full_name", "Full name", &input.full_name, 120)?;
    let today = Utc::now().date_naive();
    if input.date_of_birth > today {
        return Err(Error::validation(
            "date_of_birth",
            crate::msg!(birth_date_future),
        ));
    }
    if input.date_of_birth < NaiveDate::from_ymd_opt(1890, 1, 1).expect("date") {
        return Err(Error::validation(
            "date_of_birth",
            crate::msg!(birth_year_check),
        ));
    }
    let phone = normalise_phone("phone", input.phone.as_deref().unwrap_or(""))?;
    let email = email("email", input.email.as_deref().unwrap_or(""))?;
    let address = super::optional_text("address", "Address", &input.address, 500)?;
    let emergency_contact = super::optional_text(
        "emergency_contact",
        "Emergency contact",
        &input.emergency_contact,
        200,
    )?;
    let preferred_language = input.preferred_language.trim();
    if !crate::locale::LANGUAGES.contains(&preferred_language) {
        return Err(Error::constraint("patients_preferred_language_check"));
    }
    if input.opted_out && input.reminder_consent {
        return Err(Error::constraint("patients_opted_out_no_consent"));
    }
    if input.reminder_consent {
        match input.preferred_channel {
            ReminderChannel::Sms if phone.is_none() => {
                return Err(Error::validation("phone", crate::msg!(sms_needs_phone)))
            }
            ReminderChannel::Email if email.is_none() => {
                return Err(Error::validation("email", crate::msg!(email_needs_address)))
            }
            _ => {}
        }
    }
    Ok(PatientInput {
        full_name,
        phone,
        email,
        address,
        emergency_contact,
        preferred_language: preferred_language.to_string(),
        ..input.clone()
    })
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Patient> {
    patients::get(&mut *pool.acquire().await?, id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(waitlist_entries_patient_id_fkey)))
}

/// A change of consent must say how the patient told us (the database stamps when and who).
fn require_consent_method(input: &PatientInput, before: Option<&Patient>) -> Result<()> {
    let changed = match before {
        None => input.reminder_consent || input.opted_out,
        Some(p) => p.reminder_consent != input.reminder_consent || p.opted_out != input.opted_out,
    };
    if changed && input.consent_method.is_none() {
        return Err(Error::constraint("patients_consent_method"));
    }
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn register(desk: &Desk, input: &PatientInput) -> Result<Patient> {
    let input = clean(input)?;
    require_consent_method(&input, None)?;
    let mut tx = desk.begin().await?;
    let id = patients::insert(&mut tx, &input).await?;
    let p = patients::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("patient vanished"))?;
    tx.commit().await?;
    desk.caches().invalidate(Change::Patients).await;
    Ok(p)
}

#[tracing::instrument(skip(desk, input))]
pub async fn update(desk: &Desk, id: i64, input: &PatientInput) -> Result<Patient> {
    let input = clean(input)?;
    let mut tx = desk.begin().await?;
    let before = patients::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::msg!(waitlist_entries_patient_id_fkey)))?;
    if before.merged_into_id.is_some() {
        return Err(Error::constraint("patients_merged_read_only"));
    }
    require_consent_method(&input, Some(&before))?;
    if !patients::update(&mut tx, id, &input).await? {
        return Err(Error::NotFound(crate::msg!(
            waitlist_entries_patient_id_fkey
        )));
    }
    let p = patients::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("patient vanished"))?;
    tx.commit().await?;
    desk.caches().invalidate(Change::Patients).await;
    Ok(p)
}

/// Search as you type: MRN ("MRN0000123"), phone prefix or id (digits), otherwise the start of a first name or
/// surname, falling back to a typo-tolerant similarity search when no name starts that way.
#[tracing::instrument(skip(pool))]
pub async fn search(pool: &PgPool, query: &str) -> Result<Vec<PatientHit>> {
    let q = query.trim();
    let all_digits = !q.is_empty() && q.chars().all(|c| c.is_ascii_digit());
    if q.chars().count() > 120 {
        return Err(Error::validation("query", crate::msg!(search_too_long)));
    }
    if q.chars().count() < 2 && !all_digits {
        return Ok(vec![]);
    }
    let mut conn = pool.acquire().await?;
    let upper = q.to_uppercase();
    if upper.starts_with("MRN") {
        return patients::search_key(&mut conn, None, Some(&upper), None, SEARCH_LIMIT).await;
    }
    if q.chars().all(|c| c.is_ascii_digit() || " -()+".contains(c)) {
        let digits: String = q.chars().filter(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            // only "+", "-", "(", ")" or spaces: not the start of any number
            return Ok(vec![]);
        }
        let phone = if q.starts_with('+') {
            format!("+{digits}")
        } else {
            digits.clone()
        };
        let id = if digits.len() <= 12 {
            digits.parse::<i64>().ok()
        } else {
            None
        };
        return patients::search_key(&mut conn, Some(&phone), None, id, SEARCH_LIMIT).await;
    }
    // the start of a first name or surname (fast, index order), then a piece from inside a name; only when nothing
    // contains it, the typo-tolerant similarity search
    let prefix = format!(
        "{}%",
        q.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut hits = patients::search_prefix(&mut conn, &prefix, SEARCH_LIMIT).await?;
    // then, after them, names with the piece anywhere inside (a trigram needs three characters; two are only
    // looked for at the start of a name, and are too short to be a typo of anything)
    if name_key_chars(q) < 3 {
        return Ok(hits);
    }
    if hits.len() < SEARCH_LIMIT as usize {
        let skip: Vec<i64> = hits.iter().map(|h| h.id).collect();
        let more = SEARCH_LIMIT - hits.len() as i64;
        hits.extend(patients::search_name_piece(&mut conn, q, &skip, more).await?);
    }
    if !hits.is_empty() {
        return Ok(hits);
    }
    patients::search_name(&mut conn, q, SEARCH_LIMIT).await
}

/// The length of a query's name key (`clinicdesk_name_key`: each run of non-alphanumerics counts as one).
fn name_key_chars(q: &str) -> usize {
    let mut n = 0;
    let mut in_gap = false;
    for c in q.chars() {
        if c.is_alphanumeric() {
            n += 1;
            in_gap = false;
        } else if !in_gap {
            n += 1;
            in_gap = true;
        }
    }
    n
}

#[tracing::instrument(skip(desk, reason))]
pub async fn blacklist(desk: &Desk, id: i64, reason: &str) -> Result<Patient> {
    let reason = super::required_text("reason", "A reason", reason, 500)?;
    set_blacklist(desk, id, Some(&reason)).await
}

#[tracing::instrument(skip(desk))]
pub async fn lift_blacklist(desk: &Desk, id: i64) -> Result<Patient> {
    set_blacklist(desk, id, None).await
}

async fn set_blacklist(desk: &Desk, id: i64, reason: Option<&str>) -> Result<Patient> {
    let mut tx = desk.begin().await?;
    if !patients::set_blacklist(&mut tx, id, reason).await? {
        return Err(Error::NotFound(crate::msg!(
            waitlist_entries_patient_id_fkey
        )));
    }
    let p = patients::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("patient vanished"))?;
    tx.commit().await?;
    desk.caches().invalidate(Change::Patients).await;
    Ok(p)
}

/// What the duplicate check looks at: the form as typed (before it is saved).
#[derive(Debug, Clone, serde::Deserialize, specta::Type)]
pub struct DuplicateQuery {
    pub full_name: String,
    pub date_of_birth: NaiveDate,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The record being edited (never its own duplicate).
    pub exclude_id: Option<i64>,
}

/// Likely duplicates of the record being registered or edited: the same date of birth with a similar name, the
/// same phone, or the same email. Input that is not valid yet (a half-typed phone) is simply not compared.
#[tracing::instrument(skip_all)]
pub async fn find_duplicates(desk: &Desk, q: &DuplicateQuery) -> Result<Vec<DuplicateCandidate>> {
    let name = super::optional_text("full_name", "Full name", &q.full_name, 120)?;
    let name = name.as_str();
    let phone = normalise_phone("phone", q.phone.as_deref().unwrap_or("")).unwrap_or(None);
    let email = email("email", q.email.as_deref().unwrap_or("")).unwrap_or(None);
    if name.is_empty() && phone.is_none() && email.is_none() {
        return Ok(vec![]);
    }
    patients::find_duplicates(
        &mut *desk.acquire().await?,
        name,
        q.date_of_birth,
        phone.as_deref(),
        email.as_deref(),
        q.exclude_id,
        DUPLICATE_LIMIT,
    )
    .await
}

/// What a merge moved to the surviving record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, serde::Deserialize)]
pub struct MergeOutcome {
    pub merged: i64,
    pub survivor: i64,
    pub appointments: i64,
    pub treatments: i64,
    pub amendments: i64,
    pub messages: i64,
    pub exports: i64,
    /// Waitlist entries (open or closed) moved to the survivor.
    pub waitlist: i64,
    pub tombstones: i64,
    pub opt_out_carried: bool,
    pub blacklist_carried: bool,
}

/// Merges the record `merged` into `survivor` (administrators; the database function enforces it and does the
/// work in this one transaction). Refused with a sentence when the two have appointments at the same time.
#[tracing::instrument(skip(desk))]
pub async fn merge(desk: &Desk, merged: i64, survivor: i64) -> Result<MergeOutcome> {
    if merged == survivor {
        return Err(Error::constraint("patients_merge_self"));
    }
    let mut tx = desk.begin().await?;
    let overlaps = patients::overlapping_appointments(&mut tx, merged, survivor).await?;
    if !overlaps.is_empty() {
        let clock = Clock::load(&mut tx).await?;
        let at = |t| {
            format!(
                "{} at {}",
                Clock::day_label(schedule::local_date(clock.tz, t)),
                clock.hm(t)
            )
        };
        let pairs: Vec<String> = overlaps
            .iter()
            .map(|o| {
                format!(
                    "{} with {} and {} with {}",
                    at(o.merged_starts_at),
                    o.merged_doctor,
                    at(o.survivor_starts_at),
                    o.survivor_doctor
                )
            })
            .collect();
        return Err(Error::Conflict(crate::msg!(
            merge_overlap_at,
            appointments = pairs.join("; ")
        )));
    }
    let counts = match patients::merge(&mut tx, merged, survivor).await {
        Err(Error::PermissionDenied(_)) => {
            return Err(Error::PermissionDenied(crate::msg!(merge_admin_only)))
        }
        other => other?,
    };
    let outcome: MergeOutcome = serde_json::from_value(counts).map_err(Error::internal)?;
    tx.commit().await?;
    // the survivor's slots, board rows and counts changed with the appointments that moved
    desk.caches().invalidate(Change::Patients).await;
    desk.caches().invalidate(Change::Appointment(None)).await;
    tracing::info!(
        merged,
        survivor,
        appointments = outcome.appointments,
        "patient records merged"
    );
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_key_counts_each_gap_once() {
        assert_eq!(name_key_chars("ann"), 3);
        assert_eq!(name_key_chars("n K"), 3);
        assert_eq!(name_key_chars("o' b"), 3);
        assert_eq!(name_key_chars("Zoë"), 3);
        assert_eq!(name_key_chars("%_"), 1);
    }

    #[test]
    fn phones_are_normalised_and_checked() {
        assert_eq!(
            normalise_phone("phone", " +44 (20) 7946-0123 ")
                .unwrap()
                .as_deref(),
            Some("+442079460123")
        );
        assert_eq!(normalise_phone("phone", "").unwrap(), None);
        assert!(normalise_phone("phone", "12345").is_err());
        assert!(normalise_phone("phone", "call me").is_err());
    }

    #[test]
    fn emails_need_a_domain() {
        assert!(email("email", "pat@example.com").unwrap().is_some());
        for bad in [
            "pat",
            "pat@",
            "pat@example",
            "pa t@example.com",
            "@example.com",
            "a@b@c.com",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }
}
