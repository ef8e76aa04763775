//! Patients (`patients`): demographics, reminder preferences, blacklist, and the front desk's search.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ReminderChannel {
    Sms,
    Email,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Patient {
    pub id: i64,
    pub mrn: String,
    pub full_name: String,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: String,
    pub emergency_contact: String,
    pub preferred_channel: ReminderChannel,
    pub reminder_consent: bool,
    pub blacklisted: bool,
    pub blacklist_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct PatientInput {
    pub full_name: String,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: String,
    pub emergency_contact: String,
    pub preferred_channel: ReminderChannel,
    pub reminder_consent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PatientHit {
    pub id: i64,
    pub mrn: String,
    pub full_name: String,
    pub date_of_birth: NaiveDate,
    pub phone: Option<String>,
    pub blacklisted: bool,
}

pub async fn get(db: &mut PgConnection, id: i64) -> Result<Option<Patient>> {
    Ok(sqlx::query_as!(
        Patient,
        r#"SELECT id, mrn, full_name, date_of_birth, sex AS "sex: Sex", phone, email, address, emergency_contact,
                  preferred_channel AS "preferred_channel: ReminderChannel", reminder_consent,
                  blacklisted_at IS NOT NULL AS "blacklisted!", blacklist_reason
             FROM patients WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

pub async fn insert(db: &mut PgConnection, p: &PatientInput) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO patients (full_name, date_of_birth, sex, phone, email, address, emergency_contact,
                               preferred_channel, reminder_consent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        p.full_name,
        p.date_of_birth,
        p.sex as Sex,
        p.phone,
        p.email,
        p.address,
        p.emergency_contact,
        p.preferred_channel as ReminderChannel,
        p.reminder_consent
    )
    .fetch_one(db)
    .await?)
}

pub async fn update(db: &mut PgConnection, id: i64, p: &PatientInput) -> Result<bool> {
    let r = sqlx::query!(
        "UPDATE patients SET full_name = $2, date_of_birth = $3, sex = $4, phone = $5, email = $6, address = $7,
                emergency_contact = $8, preferred_channel = $9, reminder_consent = $10
          WHERE id = $1",
        id,
        p.full_name,
        p.date_of_birth,
        p.sex as Sex,
        p.phone,
        p.email,
        p.address,
        p.emergency_contact,
        p.preferred_channel as ReminderChannel,
        p.reminder_consent
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_blacklist(db: &mut PgConnection, id: i64, reason: Option<&str>) -> Result<bool> {
    let r = sqlx::query!(
        "UPDATE patients SET blacklisted_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, blacklist_reason = $2
          WHERE id = $1",
        id,
        reason
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Names starting with `prefix_pattern` (lower case, LIKE-escaped, ending in `%`), or whose surname (last word)
/// does: read in index order, so it costs the same however many names match.
pub async fn search_prefix(
    db: &mut PgConnection,
    prefix_pattern: &str,
    limit: i64,
) -> Result<Vec<PatientHit>> {
    Ok(sqlx::query_as!(
        PatientHit,
        r#"SELECT id AS "id!", mrn AS "mrn!", full_name AS "full_name!", date_of_birth AS "date_of_birth!", phone,
                  blacklisted AS "blacklisted!"
             FROM ((SELECT id, mrn, full_name, date_of_birth, phone, blacklisted_at IS NOT NULL AS blacklisted
                      FROM patients WHERE lower(full_name) LIKE $1
                     ORDER BY lower(full_name) USING ~<~ LIMIT $2)
                   UNION
                   (SELECT id, mrn, full_name, date_of_birth, phone, blacklisted_at IS NOT NULL
                      FROM patients WHERE lower(regexp_replace(full_name, '^.*\s', '')) LIKE $1
                     ORDER BY lower(regexp_replace(full_name, '^.*\s', '')) USING ~<~ LIMIT $2)) hits
            ORDER BY full_name, id
            LIMIT $2"#,
        prefix_pattern,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// Typo-tolerant name search, closest first: names similar to the whole query (a misspelt full name) or with a
/// part similar to it (a misspelt word), from bounded candidate sets of a GIN trigram index
/// (`clinicdesk_patients_like_name`).
pub async fn search_name(
    db: &mut PgConnection,
    fragment: &str,
    limit: i64,
) -> Result<Vec<PatientHit>> {
    Ok(sqlx::query_as!(
        PatientHit,
        r#"SELECT id AS "id!", mrn AS "mrn!", full_name AS "full_name!", date_of_birth AS "date_of_birth!", phone,
                  blacklisted AS "blacklisted!"
             FROM clinicdesk_patients_like_name($1, $2)"#,
        fragment,
        limit as i32
    )
    .fetch_all(db)
    .await?)
}

/// Names containing `piece` anywhere (letters and digits as typed; spaces and punctuation match any run of them),
/// at most `limit`, leaving out `skip`: a bounded candidate set from the name-key trigram index, pieces that start
/// a word first (`clinicdesk_patients_with_name_piece`). `piece` needs three characters for a trigram.
pub async fn search_name_piece(
    db: &mut PgConnection,
    piece: &str,
    skip: &[i64],
    limit: i64,
) -> Result<Vec<PatientHit>> {
    Ok(sqlx::query_as!(
        PatientHit,
        r#"SELECT id AS "id!", mrn AS "mrn!", full_name AS "full_name!", date_of_birth AS "date_of_birth!", phone,
                  blacklisted AS "blacklisted!"
             FROM clinicdesk_patients_with_name_piece($1, $2, $3)"#,
        piece,
        skip,
        limit as i32
    )
    .fetch_all(db)
    .await?)
}

/// Phone-number prefix (stored normalised), MRN prefix or exact id.
pub async fn search_key(
    db: &mut PgConnection,
    phone_prefix: Option<&str>,
    mrn_prefix: Option<&str>,
    id: Option<i64>,
    limit: i64,
) -> Result<Vec<PatientHit>> {
    Ok(sqlx::query_as!(
        PatientHit,
        r#"SELECT id, mrn, full_name, date_of_birth, phone, blacklisted_at IS NOT NULL AS "blacklisted!"
             FROM patients
            WHERE ($1::text IS NOT NULL AND phone LIKE $1 || '%')
               OR ($2::text IS NOT NULL AND mrn LIKE $2 || '%')
               OR id = $3
            ORDER BY (id = $3) DESC NULLS LAST, full_name
            LIMIT $4"#,
        phone_prefix,
        mrn_prefix,
        id,
        limit
    )
    .fetch_all(db)
    .await?)
}
