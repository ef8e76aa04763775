//! Patients (`patients`): demographics, message consent, blacklist, the front desk's search, the duplicate check
//! and the merge (a database function; see the migration `..._patient_duplicates_merge_and_opt_out`).

use chrono::{DateTime, NaiveDate, Utc};
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

/// How a patient gave or withdrew consent to messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ConsentMethod {
    /// At the desk, in person or on the phone.
    Desk,
    /// By a reply to one of our messages.
    Message,
    /// On a signed form.
    Paper,
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
    /// The language of the patient's messages: "en" or "es".
    pub preferred_language: String,
    pub reminder_consent: bool,
    /// No message of any kind (the database refuses to compose one).
    pub opted_out: bool,
    /// How the current consent (or opt-out) was recorded, when and by whom (stamped by the database).
    pub consent_method: Option<ConsentMethod>,
    pub consent_recorded_at: Option<DateTime<Utc>>,
    pub consent_recorded_by: Option<String>,
    pub blacklisted: bool,
    pub blacklist_reason: Option<String>,
    /// Set on a merged record (a tombstone): the surviving record to open instead.
    pub merged_into_id: Option<i64>,
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
    /// The language of the patient's messages: "en" or "es".
    pub preferred_language: String,
    pub reminder_consent: bool,
    pub opted_out: bool,
    /// Required whenever the consent or opt-out changes.
    pub consent_method: Option<ConsentMethod>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PatientHit {
    pub id: i64,
    pub mrn: String,
    pub full_name: String,
    pub date_of_birth: NaiveDate,
    pub phone: Option<String>,
    pub blacklisted: bool,
    /// A merged record: opening it opens this surviving record.
    pub merged_into_id: Option<i64>,
}

/// A likely duplicate of the record being registered or edited, and why.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct DuplicateCandidate {
    pub id: i64,
    pub mrn: String,
    pub full_name: String,
    pub date_of_birth: NaiveDate,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub same_birth_and_similar_name: bool,
    pub same_phone: bool,
    pub same_email: bool,
}

/// Two appointments, one of each record, at the same time (why a merge is refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlapRow {
    pub merged_starts_at: DateTime<Utc>,
    pub merged_doctor: String,
    pub survivor_starts_at: DateTime<Utc>,
    pub survivor_doctor: String,
}

pub async fn get(db: &mut PgConnection, id: i64) -> Result<Option<Patient>> {
    Ok(sqlx::query_as!(
        Patient,
        r#"SELECT id, mrn, full_name, date_of_birth, sex AS "sex: Sex", phone, email, address, emergency_contact,
                  preferred_channel AS "preferred_channel: ReminderChannel", preferred_language,
                  reminder_consent, opted_out, consent_method AS "consent_method: ConsentMethod", consent_recorded_at, consent_recorded_by,
                  blacklisted_at IS NOT NULL AS "blacklisted!", blacklist_reason, merged_into_id
             FROM patients WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

pub async fn insert(db: &mut PgConnection, p: &PatientInput) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO patients (full_name, date_of_birth, sex, phone, email, address, emergency_contact,
                               preferred_channel, reminder_consent, opted_out, consent_method, preferred_language)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        p.full_name,
        p.date_of_birth,
        p.sex as Sex,
        p.phone,
        p.email,
        p.address,
        p.emergency_contact,
        p.preferred_channel as ReminderChannel,
        p.reminder_consent,
        p.opted_out,
        p.consent_method as Option<ConsentMethod>,
        p.preferred_language
    )
    .fetch_one(db)
    .await?)
}

pub async fn update(db: &mut PgConnection, id: i64, p: &PatientInput) -> Result<bool> {
    let r = sqlx::query!(
        "UPDATE patients SET full_name = $2, date_of_birth = $3, sex = $4, phone = $5, email = $6, address = $7,
                emergency_contact = $8, preferred_channel = $9, reminder_consent = $10, opted_out = $11,
                consent_method = $12, preferred_language = $13
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
        p.reminder_consent,
        p.opted_out,
        p.consent_method as Option<ConsentMethod>,
        p.preferred_language
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
                  blacklisted AS "blacklisted!", merged_into_id
             FROM ((SELECT id, mrn, full_name, date_of_birth, phone, blacklisted_at IS NOT NULL AS blacklisted,
                           merged_into_id
                      FROM patients WHERE lower(full_name) LIKE $1
                     ORDER BY lower(full_name) USING ~<~ LIMIT $2)
                   UNION
                   (SELECT id, mrn, full_name, date_of_birth, phone, blacklisted_at IS NOT NULL, merged_into_id
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
        r#"SELECT h.id AS "id!", h.mrn AS "mrn!", h.full_name AS "full_name!", h.date_of_birth AS "date_of_birth!",
                  h.phone, h.blacklisted AS "blacklisted!", p.merged_into_id
             FROM clinicdesk_patients_like_name($1, $2) WITH ORDINALITY
                  AS h(id, mrn, full_name, date_of_birth, phone, blacklisted, n)
             JOIN patients p ON p.id = h.id
            ORDER BY h.n"#,
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
        r#"SELECT h.id AS "id!", h.mrn AS "mrn!", h.full_name AS "full_name!", h.date_of_birth AS "date_of_birth!",
                  h.phone, h.blacklisted AS "blacklisted!", p.merged_into_id
             FROM clinicdesk_patients_with_name_piece($1, $2, $3) WITH ORDINALITY
                  AS h(id, mrn, full_name, date_of_birth, phone, blacklisted, n)
             JOIN patients p ON p.id = h.id
            ORDER BY h.n"#,
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
        r#"SELECT id, mrn, full_name, date_of_birth, phone, blacklisted_at IS NOT NULL AS "blacklisted!",
                  merged_into_id
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

/// Trigram similarity from which two names with the same date of birth are taken for the same person
/// (docs/decisions.md: "Duplicate patients").
pub const NAME_SIMILARITY: f32 = 0.4;

/// Live records (no tombstones, not `exclude_id`) that are likely the same person: the same date of birth with a
/// similar name (pg_trgm), the same phone (stored normalised), or the same email (case-insensitive). Three index
/// reads, at most `limit` records, the strongest evidence first.
pub async fn find_duplicates(
    db: &mut PgConnection,
    full_name: &str,
    date_of_birth: NaiveDate,
    phone: Option<&str>,
    email: Option<&str>,
    exclude_id: Option<i64>,
    limit: i64,
) -> Result<Vec<DuplicateCandidate>> {
    Ok(sqlx::query_as!(
        DuplicateCandidate,
        r#"WITH hits AS (
               SELECT p.id FROM patients p
                WHERE p.date_of_birth = $2 AND p.merged_into_id IS NULL
                  AND similarity(lower(p.full_name), lower($1)) >= $6
               UNION
               SELECT p.id FROM patients p WHERE $3::text IS NOT NULL AND p.phone = $3
               UNION
               SELECT p.id FROM patients p WHERE $4::text IS NOT NULL AND lower(p.email) = lower($4)
           )
           SELECT p.id, p.mrn, p.full_name, p.date_of_birth, p.phone, p.email,
                  (p.date_of_birth = $2 AND similarity(lower(p.full_name), lower($1)) >= $6) AS "same_birth_and_similar_name!",
                  coalesce(p.phone = $3, false) AS "same_phone!",
                  coalesce(lower(p.email) = lower($4), false) AS "same_email!"
             FROM hits JOIN patients p USING (id)
            WHERE p.merged_into_id IS NULL AND p.id IS DISTINCT FROM $5
            ORDER BY (p.date_of_birth = $2 AND similarity(lower(p.full_name), lower($1)) >= $6)::int
                     + coalesce(p.phone = $3, false)::int + coalesce(lower(p.email) = lower($4), false)::int DESC,
                     p.full_name, p.id
            LIMIT $7"#,
        full_name,
        date_of_birth,
        phone,
        email,
        exclude_id,
        NAME_SIMILARITY,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// Runs the merge (`clinicdesk_merge_patients`): the counts it moved, as the database reports them.
pub async fn merge(db: &mut PgConnection, merged: i64, survivor: i64) -> Result<serde_json::Value> {
    Ok(sqlx::query_scalar!(
        r#"SELECT clinicdesk_merge_patients($1, $2) AS "counts!""#,
        merged,
        survivor
    )
    .fetch_one(db)
    .await?)
}

/// The pairs of live appointments of the two records that overlap in time.
pub async fn overlapping_appointments(
    db: &mut PgConnection,
    merged: i64,
    survivor: i64,
) -> Result<Vec<OverlapRow>> {
    Ok(sqlx::query_as!(
        OverlapRow,
        r#"SELECT a.starts_at AS merged_starts_at, da.full_name AS merged_doctor,
                  b.starts_at AS survivor_starts_at, db.full_name AS survivor_doctor
             FROM appointments a
             JOIN appointments b ON a.during && b.during
             JOIN doctors da ON da.id = a.doctor_id
             JOIN doctors db ON db.id = b.doctor_id
            WHERE a.patient_id = $1 AND b.patient_id = $2 AND a.status <> 'cancelled' AND b.status <> 'cancelled'
            ORDER BY a.starts_at
            LIMIT 5"#,
        merged,
        survivor
    )
    .fetch_all(db)
    .await?)
}
