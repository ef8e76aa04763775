//! Patients at the front desk: register, edit, find as you type, blacklist and lift it.

use chrono::{NaiveDate, Utc};
use sqlx::PgPool;

use crate::db::patients::{self, Patient, PatientHit, PatientInput, ReminderChannel};
use crate::error::{Error, Result};

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
        return Err(Error::validation(
            field,
            "A phone number may contain digits, spaces, '+', '-', '(' and ')'.",
        ));
    }
    let digits: String = trimmed.chars().filter(|c| c.is_ascii_digit()).collect();
    if !(7..=15).contains(&digits.len()) {
        return Err(Error::validation(
            field,
            "A phone number has 7 to 15 digits.",
        ));
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
        Err(Error::validation(
            field,
            "Enter an email address like name@example.com.",
        ))
    }
}

fn clean(input: &PatientInput) -> Result<PatientInput> {
    let full_name = super::required_text("full_name", "Full name", &input.full_name, 120)?;
    let today = Utc::now().date_naive();
    if input.date_of_birth > today {
        return Err(Error::validation(
            "date_of_birth",
            "The date of birth cannot be in the future.",
        ));
    }
    if input.date_of_birth < NaiveDate::from_ymd_opt(1890, 1, 1).expect("date") {
        return Err(Error::validation(
            "date_of_birth",
            "Check the year of birth.",
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
    if input.reminder_consent {
        match input.preferred_channel {
            ReminderChannel::Sms if phone.is_none() => {
                return Err(Error::validation(
                    "phone",
                    "Reminders by SMS need a phone number.",
                ))
            }
            ReminderChannel::Email if email.is_none() => {
                return Err(Error::validation(
                    "email",
                    "Reminders by email need an email address.",
                ))
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
        ..input.clone()
    })
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Patient> {
    patients::get(&mut *pool.acquire().await?, id)
        .await?
        .ok_or_else(|| Error::NotFound("That patient does not exist.".into()))
}

#[tracing::instrument(skip_all)]
pub async fn register(pool: &PgPool, input: &PatientInput) -> Result<Patient> {
    let input = clean(input)?;
    let mut tx = pool.begin().await?;
    let id = patients::insert(&mut tx, &input).await?;
    let p = patients::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("patient vanished"))?;
    tx.commit().await?;
    Ok(p)
}

#[tracing::instrument(skip(pool, input))]
pub async fn update(pool: &PgPool, id: i64, input: &PatientInput) -> Result<Patient> {
    let input = clean(input)?;
    let mut tx = pool.begin().await?;
    if !patients::update(&mut tx, id, &input).await? {
        return Err(Error::NotFound("That patient does not exist.".into()));
    }
    let p = patients::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("patient vanished"))?;
    tx.commit().await?;
    Ok(p)
}

/// Search as you type: MRN ("MRN0000123"), phone prefix or id (digits), otherwise the start of a first name or
/// surname, falling back to a typo-tolerant similarity search when no name starts that way.
#[tracing::instrument(skip(pool))]
pub async fn search(pool: &PgPool, query: &str) -> Result<Vec<PatientHit>> {
    let q = query.trim();
    let all_digits = !q.is_empty() && q.chars().all(|c| c.is_ascii_digit());
    if q.chars().count() > 120 {
        return Err(Error::validation(
            "query",
            "Search for at most 120 characters.",
        ));
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

#[tracing::instrument(skip(pool, reason))]
pub async fn blacklist(pool: &PgPool, id: i64, reason: &str) -> Result<Patient> {
    let reason = super::required_text("reason", "A reason", reason, 500)?;
    let mut tx = pool.begin().await?;
    if !patients::set_blacklist(&mut tx, id, Some(&reason)).await? {
        return Err(Error::NotFound("That patient does not exist.".into()));
    }
    let p = patients::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("patient vanished"))?;
    tx.commit().await?;
    Ok(p)
}

#[tracing::instrument(skip(pool))]
pub async fn lift_blacklist(pool: &PgPool, id: i64) -> Result<Patient> {
    let mut tx = pool.begin().await?;
    if !patients::set_blacklist(&mut tx, id, None).await? {
        return Err(Error::NotFound("That patient does not exist.".into()));
    }
    let p = patients::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("patient vanished"))?;
    tx.commit().await?;
    Ok(p)
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
