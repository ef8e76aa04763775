//! One record per patient (issue 15): the duplicate check against near-names and strangers, the administrator's
//! merge (every kind of linked row moved, counts kept, refusals that change nothing), and the opt-out that stops
//! every kind of message, all against real PostgreSQL as the real staff roles.

use chrono::{Duration, NaiveDate, Utc};
use clinicdesk_core::db::patients::{ConsentMethod, PatientInput, ReminderChannel, Sex};
use clinicdesk_core::services::patients::{self, DuplicateQuery};
use clinicdesk_core::services::scheduling as appts;
use clinicdesk_core::testing::Clinic;
use clinicdesk_core::Error;
use sqlx::PgPool;

const DOB: (i32, u32, u32) = (1985, 6, 1);

fn dob() -> NaiveDate {
    NaiveDate::from_ymd_opt(DOB.0, DOB.1, DOB.2).unwrap()
}

fn input(name: &str, birth: NaiveDate, phone: Option<&str>, email: Option<&str>) -> PatientInput {
    PatientInput {
        full_name: name.into(),
        date_of_birth: birth,
        sex: Sex::Female,
        phone: phone.map(Into::into),
        email: email.map(Into::into),
        address: String::new(),
        emergency_contact: String::new(),
        preferred_channel: if phone.is_some() {
            ReminderChannel::Sms
        } else {
            ReminderChannel::Email
        },
        preferred_language: "en".into(),
        reminder_consent: phone.is_some() || email.is_some(),
        opted_out: false,
        consent_method: Some(ConsentMethod::Desk),
    }
}

async fn register(c: &Clinic, name: &str, phone: Option<&str>, email: Option<&str>) -> i64 {
    patients::register(&c.desk, &input(name, dob(), phone, email))
        .await
        .unwrap_or_else(|e| panic!("register {name}: {e:?}"))
        .id
}

fn query(name: &str, birth: NaiveDate, phone: Option<&str>, email: Option<&str>) -> DuplicateQuery {
    DuplicateQuery {
        full_name: name.into(),
        date_of_birth: birth,
        phone: phone.map(Into::into),
        email: email.map(Into::into),
        exclude_id: None,
    }
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn duplicate_check_finds_near_names_and_leaves_strangers_alone() {
    let c = Clinic::new("Europe/London").await;
    let jaya = register(
        &c,
        "Jaya Novak",
        Some("+44 7700 900001"),
        Some("jaya.novak@example.com"),
    )
    .await;
    let kate = register(&c, "Catherine Smith", Some("+44 7700 900002"), None).await;
    let john = register(&c, "Jonathan Smith", Some("+44 7700 900003"), None).await;
    // another person born the same day, who must not be offered for any Novak
    register(&c, "Omar Haddad", Some("+44 7700 900004"), None).await;

    // same date of birth, a similar name, nothing else in common
    for (typed, expected) in [
        ("Jaya Novak", jaya),
        ("jaya  novak", jaya),
        ("Novak Jaya", jaya),
        ("Jaya Novack", jaya),
        ("Jaya Nowak", jaya),
        ("Jaja Novak", jaya),
        ("J Novak", jaya),
        ("Jaya Novak-Smith", jaya),
        ("Jayanthi Novak", jaya),
        ("Katherine Smith", kate),
        ("John Smith", john),
    ] {
        let hits = patients::find_duplicates(&c.desk, &query(typed, dob(), None, None))
            .await
            .unwrap();
        let hit = hits
            .iter()
            .find(|h| h.id == expected)
            .unwrap_or_else(|| panic!("{typed:?} should find record {expected}: {hits:?}"));
        assert!(hit.same_birth_and_similar_name && !hit.same_phone && !hit.same_email);
    }

    // same date of birth but another person (a sibling, a common first name, a different surname)
    for typed in [
        "Anna Novak",
        "Jaya Patel",
        "Jan Nowicki",
        "Ivan Novakovic",
        "Maria Garcia",
    ] {
        let hits = patients::find_duplicates(&c.desk, &query(typed, dob(), None, None))
            .await
            .unwrap();
        assert!(
            hits.iter().all(|h| h.id != jaya),
            "{typed:?} was taken for Jaya Novak: {hits:?}"
        );
        assert!(hits.iter().all(|h| h.full_name != "Omar Haddad"));
    }

    // the same name born on another day is someone else
    let other_day = dob() + Duration::days(1);
    let hits = patients::find_duplicates(&c.desk, &query("Jaya Novak", other_day, None, None))
        .await
        .unwrap();
    assert!(hits.is_empty(), "{hits:?}");

    // the same phone however it is typed, the same email whatever its case, with no name in common
    let hits = patients::find_duplicates(
        &c.desk,
        &query("Someone Else", other_day, Some("+44 (7700) 900-001"), None),
    )
    .await
    .unwrap();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].id == jaya && hits[0].same_phone && !hits[0].same_birth_and_similar_name);
    let hits = patients::find_duplicates(
        &c.desk,
        &query(
            "Someone Else",
            other_day,
            None,
            Some("JAYA.Novak@Example.com"),
        ),
    )
    .await
    .unwrap();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].id == jaya && hits[0].same_email);
    // all three at once: one candidate with three reasons
    let hits = patients::find_duplicates(
        &c.desk,
        &query(
            "Jaya Novak",
            dob(),
            Some("+447700900001"),
            Some("jaya.novak@example.com"),
        ),
    )
    .await
    .unwrap();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].same_birth_and_similar_name && hits[0].same_phone && hits[0].same_email);

    // editing a record never warns about itself; a half-typed phone is not compared (and is no error)
    let mut own = query("Jaya Novak", dob(), Some("+447700900001"), None);
    own.exclude_id = Some(jaya);
    assert!(patients::find_duplicates(&c.desk, &own)
        .await
        .unwrap()
        .is_empty());
    let hits = patients::find_duplicates(
        &c.desk,
        &query("Zed Quinn", other_day, Some("+44 77"), None),
    )
    .await
    .unwrap();
    assert!(hits.is_empty());
}

/// An appointment in the past for `patient` with `doctor`, written by the owner as history (as the demo loader
/// and restores do), with a treatment and one amendment of it. Returns the appointment id.
async fn past_visit_with_amended_treatment(
    owner: &PgPool,
    doctor: i64,
    patient: i64,
    days_ago: i64,
) -> i64 {
    let start = Utc::now() - Duration::days(days_ago);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status)
         VALUES ($1, $2, $3, $3 + interval '15 minutes', 'completed') RETURNING id",
    )
    .bind(doctor)
    .bind(patient)
    .bind(start)
    .fetch_one(owner)
    .await
    .expect("past visit");
    let t: i64 = sqlx::query_scalar(
        "INSERT INTO treatments (appointment_id, visit_type, diagnosis) VALUES ($1, 'consultation', 'first') RETURNING id",
    )
    .bind(id)
    .fetch_one(owner)
    .await
    .expect("treatment");
    sqlx::query("UPDATE treatments SET diagnosis = 'amended' WHERE id = $1")
        .bind(t)
        .execute(owner)
        .await
        .expect("amendment");
    id
}

async fn book_day_after_tomorrow(c: &Clinic, doctor: i64, patient: i64, nth: usize) -> i64 {
    let day = Utc::now().date_naive() + Duration::days(2);
    let slots = appts::free_slots(&c.desk, doctor, day, 1).await.unwrap()[0]
        .slots
        .clone();
    appts::book(&c.desk, doctor, patient, slots[nth].starts_at)
        .await
        .expect("book")
        .id
}

/// Rows per kind linked to `patient` (through its appointments where the row has no patient column).
async fn linked(pool: &PgPool, patient: i64) -> [i64; 5] {
    let q = |sql: &str| sql.replace("$P", &patient.to_string());
    [
        count(pool, &q("SELECT count(*) FROM appointments WHERE patient_id = $P")).await,
        count(pool, &q("SELECT count(*) FROM treatments t JOIN appointments a ON a.id = t.appointment_id WHERE a.patient_id = $P")).await,
        count(pool, &q("SELECT count(*) FROM treatment_amendments x JOIN treatments t ON t.id = x.treatment_id JOIN appointments a ON a.id = t.appointment_id WHERE a.patient_id = $P")).await,
        count(pool, &q("SELECT count(*) FROM notifications n JOIN appointments a ON a.id = n.appointment_id WHERE a.patient_id = $P")).await,
        count(pool, &q("SELECT count(*) FROM exports WHERE patient_id = $P")).await,
    ]
}

const TOTALS: &str = "SELECT (SELECT count(*) FROM appointments) * 1000000 + (SELECT count(*) FROM treatments) * 10000
    + (SELECT count(*) FROM treatment_amendments) * 1000 + (SELECT count(*) FROM notifications) * 10
    + (SELECT count(*) FROM exports)";

#[tokio::test]
async fn merge_moves_every_kind_of_row_keeps_counts_and_leaves_a_tombstone() {
    let c = Clinic::new("Europe/London").await;
    let owner = c.db.owner_pool().await;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let older = register(&c, "Jaya Novak", Some("+44 7700 900010"), None).await;
    let merged = register(&c, "Jaya Novack", Some("+44 7700 900011"), None).await;
    let survivor = register(&c, "Jaya Novak", Some("+44 7700 900012"), None).await;

    // the merged record: two past visits with amended treatments, a future booking (its confirmation in the
    // outbox), an export of its history; an older duplicate already merged into it, with its own visit
    past_visit_with_amended_treatment(&owner, rao, merged, 30).await;
    past_visit_with_amended_treatment(&owner, rao, merged, 10).await;
    book_day_after_tomorrow(&c, rao, merged, 0).await;
    sqlx::query("INSERT INTO exports (kind, patient_id, path, status) VALUES ('patient_history', $1, '/tmp/x.csv', 'done')")
        .bind(merged)
        .execute(&owner)
        .await
        .unwrap();
    past_visit_with_amended_treatment(&owner, rao, older, 60).await;
    let first = patients::merge(&c.admin, older, merged)
        .await
        .expect("first merge");
    assert_eq!(first.appointments, 1);
    // the survivor has a visit of its own
    past_visit_with_amended_treatment(&owner, rao, survivor, 5).await;
    book_day_after_tomorrow(&c, rao, survivor, 4).await;

    let before_merged = linked(&owner, merged).await;
    let before_survivor = linked(&owner, survivor).await;
    assert_eq!(before_merged, [4, 3, 3, 1, 1], "the scene");
    let totals = count(&owner, TOTALS).await;

    let outcome = patients::merge(&c.admin, merged, survivor)
        .await
        .expect("merge");
    assert_eq!(
        (
            outcome.appointments,
            outcome.treatments,
            outcome.amendments,
            outcome.messages,
            outcome.exports,
            outcome.tombstones
        ),
        (4, 3, 3, 1, 1, 1)
    );
    assert_eq!(linked(&owner, merged).await, [0; 5], "rows left behind");
    let after_survivor = linked(&owner, survivor).await;
    let expected: Vec<i64> = before_survivor
        .iter()
        .zip(before_merged)
        .map(|(s, m)| s + m)
        .collect();
    assert_eq!(
        after_survivor.to_vec(),
        expected,
        "appointments, treatments, amendments, messages, exports"
    );
    assert_eq!(
        count(&owner, TOTALS).await,
        totals,
        "rows were created or lost"
    );

    // the tombstones point at the survivor (the older one re-pointed); search finds them and says where to go
    for t in [merged, older] {
        let p = patients::get(&c.desk, t).await.unwrap();
        assert_eq!(p.merged_into_id, Some(survivor), "tombstone {t}");
    }
    let hits = patients::search(&c.desk, "Novack").await.unwrap();
    let hit = hits
        .iter()
        .find(|h| h.id == merged)
        .expect("search finds the tombstone");
    assert_eq!(hit.merged_into_id, Some(survivor));
    // the duplicate check offers only the survivor
    let dupes = patients::find_duplicates(&c.desk, &query("Jaya Novak", dob(), None, None))
        .await
        .unwrap();
    assert_eq!(
        dupes.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![survivor]
    );

    // audited, with the counts
    let (actor, details): (String, serde_json::Value) = sqlx::query_as(
        "SELECT actor, details FROM audit_log WHERE action = 'patient_merge' AND row_id = $1",
    )
    .bind(merged.to_string())
    .fetch_one(&owner)
    .await
    .expect("audit row");
    assert!(actor.starts_with("admin"), "{actor}");
    assert_eq!(details["survivor"], survivor);
    assert_eq!(details["appointments"], 4);

    // a tombstone can be neither booked nor edited
    let e = book_day_after_tomorrow_err(&c, rao, merged).await;
    assert!(
        matches!(&e, Error::Validation { field, .. } if field == "patient_id"),
        "{e:?}"
    );
    let e = patients::update(&c.desk, merged, &input("Jaya Novack", dob(), None, None))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Conflict(m) if m.contains("merged")),
        "{e:?}"
    );
}

async fn book_day_after_tomorrow_err(c: &Clinic, doctor: i64, patient: i64) -> Error {
    let day = Utc::now().date_naive() + Duration::days(2);
    let slots = appts::free_slots(&c.desk, doctor, day, 1).await.unwrap()[0]
        .slots
        .clone();
    appts::book(&c.desk, doctor, patient, slots.last().unwrap().starts_at)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn merge_refusals_name_the_reason_and_write_nothing() {
    let c = Clinic::new("Europe/London").await;
    let owner = c.db.owner_pool().await;
    let (rao, rao_pool) = c.doctor("Dr. Rao", true).await;
    let (lee, _) = c.doctor("Dr. Lee", false).await;
    let a = register(&c, "Jaya Novak", Some("+44 7700 900021"), None).await;
    let b = register(&c, "Jaya Novak", Some("+44 7700 900022"), None).await;
    let other = register(&c, "Omar Haddad", Some("+44 7700 900023"), None).await;
    let third = register(&c, "Omar Hadad", Some("+44 7700 900024"), None).await;
    patients::merge(&c.admin, third, other)
        .await
        .expect("a tombstone for the test");

    // both records booked at the same time with two doctors
    let day = Utc::now().date_naive() + Duration::days(2);
    let start = appts::free_slots(&c.desk, rao, day, 1).await.unwrap()[0].slots[2].starts_at;
    appts::book(&c.desk, rao, a, start).await.unwrap();
    appts::book(&c.desk, lee, b, start).await.unwrap();
    let totals = count(&owner, TOTALS).await;
    let audit = count(&owner, "SELECT count(*) FROM audit_log").await;

    let e = patients::merge(&c.admin, a, b).await.unwrap_err();
    let Error::Conflict(sentence) = &e else {
        panic!("{e:?}")
    };
    assert!(
        sentence.contains("Dr. Rao") && sentence.contains("Dr. Lee"),
        "{sentence}"
    );
    let clock_hm = start
        .with_timezone(&chrono_tz::Europe::London)
        .format("%H:%M")
        .to_string();
    assert!(
        sentence.contains(&clock_hm),
        "{sentence} should name {clock_hm}"
    );

    let e = patients::merge(&c.admin, a, a).await.unwrap_err();
    assert!(
        matches!(&e, Error::Validation { field, .. } if field == "survivor_id"),
        "{e:?}"
    );
    // the database refuses it too, whoever asks it directly
    let e = clinicdesk_core::db::patients::merge(&mut c.admin.acquire().await.unwrap(), a, a)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Validation { field, .. } if field == "survivor_id"),
        "{e:?}"
    );
    for (m, s) in [(a, third), (third, a)] {
        let e = patients::merge(&c.admin, m, s).await.unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, message } if field == "survivor_id" && message.contains("already merged")),
            "{e:?}"
        );
    }
    let e = patients::merge(&c.admin, a, 9_999_999).await.unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    for pool in [&c.desk, rao_pool.as_ref().unwrap()] {
        let e = patients::merge(pool, other, a).await.unwrap_err();
        assert!(
            matches!(&e, Error::PermissionDenied(m) if m.contains("administrator")),
            "{e:?}"
        );
    }

    assert_eq!(count(&owner, TOTALS).await, totals);
    assert_eq!(
        count(&owner, "SELECT count(*) FROM audit_log").await,
        audit,
        "a refusal wrote to the audit log"
    );
    let tombstones = count(
        &owner,
        "SELECT count(*) FROM patients WHERE merged_into_id IS NOT NULL",
    )
    .await;
    assert_eq!(tombstones, 1);
    assert_eq!(linked(&owner, a).await[0], 1);
    assert_eq!(linked(&owner, b).await[0], 1);

    // once one of the two is cancelled, the same merge goes through
    let a_appt: i64 = sqlx::query_scalar("SELECT id FROM appointments WHERE patient_id = $1")
        .bind(a)
        .fetch_one(&owner)
        .await
        .unwrap();
    appts::cancel(&c.desk, a_appt, "booked twice")
        .await
        .unwrap();
    let outcome = patients::merge(&c.admin, a, b)
        .await
        .expect("merge after cancelling");
    assert_eq!(outcome.appointments, 1);
}

/// Every table with a foreign key to patients must be moved by the merge: a new one (a waitlist, say) fails here
/// until `clinicdesk_merge_patients` moves it and this list names it.
#[tokio::test]
async fn the_merge_knows_every_table_that_points_at_a_patient() {
    let c = Clinic::new("UTC").await;
    let owner = c.db.owner_pool().await;
    let refs: Vec<String> = sqlx::query_scalar(
        "SELECT c.conrelid::regclass::text || '.' || a.attname
           FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
          WHERE c.contype = 'f' AND c.confrelid = 'public.patients'::regclass
          ORDER BY 1",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(
        refs,
        [
            "appointments.patient_id",
            "exports.patient_id",
            "patients.merged_into_id",
            "waitlist_entries.patient_id"
        ],
        "teach clinicdesk_merge_patients to move the new table, then list it here"
    );
}

/// Every message a patient can get, for one patient: booked, rescheduled, cancelled and reminders.
async fn messages_for(owner: &PgPool, patient: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT n.subject FROM notifications n JOIN appointments a ON a.id = n.appointment_id
          WHERE a.patient_id = $1 ORDER BY n.id",
    )
    .bind(patient)
    .fetch_all(owner)
    .await
    .unwrap()
}

/// Books, moves and cancels one appointment and books another that gets a reminder from the reminders job.
async fn every_kind_of_message(c: &Clinic, doctor: i64, patient: i64, nth: usize) {
    let day = Utc::now().date_naive() + Duration::days(2);
    let slots = appts::free_slots(&c.desk, doctor, day, 1).await.unwrap()[0]
        .slots
        .clone();
    let first = appts::book(&c.desk, doctor, patient, slots[nth].starts_at)
        .await
        .unwrap();
    appts::reschedule(&c.desk, first.id, slots[nth + 1].starts_at)
        .await
        .unwrap();
    appts::cancel(&c.desk, first.id, "patient asked")
        .await
        .unwrap();
    appts::book(&c.desk, doctor, patient, slots[nth + 3].starts_at)
        .await
        .unwrap();
    let local_day = slots[nth + 3]
        .starts_at
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    sqlx::query("SELECT * FROM clinicdesk_enqueue_reminders($1, 'day')")
        .bind(local_day)
        .execute(c.admin.pool())
        .await
        .expect("reminders");
}

#[tokio::test]
async fn an_opted_out_patient_gets_no_message_of_any_kind() {
    let c = Clinic::new("Europe/London").await;
    let owner = c.db.owner_pool().await;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let desk_user: String = sqlx::query_scalar("SELECT session_user::text")
        .fetch_one(c.desk.pool())
        .await
        .unwrap();

    // the control: a consenting patient gets all four kinds, so the opted-out silence below means something
    let consenting = register(&c, "Ana Costa", Some("+44 7700 900031"), None).await;
    every_kind_of_message(&c, rao, consenting, 0).await;
    let got = messages_for(&owner, consenting).await;
    for kind in ["confirmed", "moved", "cancelled", "reminder"] {
        assert!(
            got.iter().any(|s| s.contains(kind)),
            "{kind} missing from {got:?}"
        );
    }

    // opted out at registration, by message
    let mut opted = input(
        "Bea Lund",
        dob(),
        Some("+44 7700 900032"),
        Some("bea@example.com"),
    );
    opted.reminder_consent = false;
    opted.opted_out = true;
    opted.consent_method = Some(ConsentMethod::Message);
    let bea = patients::register(&c.desk, &opted).await.unwrap();
    assert!(bea.opted_out && !bea.reminder_consent);
    assert_eq!(bea.consent_method, Some(ConsentMethod::Message));
    assert_eq!(bea.consent_recorded_by.as_deref(), Some(desk_user.as_str()));
    let at = bea.consent_recorded_at.expect("stamped");
    assert!((Utc::now() - at).num_minutes().abs() < 5, "{at}");
    every_kind_of_message(&c, rao, bea.id, 8).await;
    assert_eq!(messages_for(&owner, bea.id).await, Vec::<String>::new());

    // a consenting patient opts out later, on paper: from then on nothing; the record says how and who
    let cai = register(&c, "Cai Berg", Some("+44 7700 900033"), None).await;
    let mut change = input("Cai Berg", dob(), Some("+44 7700 900033"), None);
    change.reminder_consent = false;
    change.opted_out = true;
    change.consent_method = None;
    let e = patients::update(&c.desk, cai, &change).await.unwrap_err();
    assert!(
        matches!(&e, Error::Validation { field, .. } if field == "consent_method"),
        "{e:?}"
    );
    change.consent_method = Some(ConsentMethod::Paper);
    let p = patients::update(&c.desk, cai, &change).await.unwrap();
    assert!(p.opted_out && p.consent_method == Some(ConsentMethod::Paper));
    every_kind_of_message(&c, rao, cai, 16).await;
    assert_eq!(messages_for(&owner, cai).await, Vec::<String>::new());

    // consenting while opted out is a field error, and the database refuses it too
    change.reminder_consent = true;
    let e = patients::update(&c.desk, cai, &change).await.unwrap_err();
    assert!(
        matches!(&e, Error::Validation { field, .. } if field == "reminder_consent"),
        "{e:?}"
    );
    let e = sqlx::query(
        "UPDATE patients SET reminder_consent = true, consent_method = 'desk' WHERE id = $1",
    )
    .bind(cai)
    .execute(c.desk.pool())
    .await
    .unwrap_err();
    assert_eq!(
        e.as_database_error().unwrap().constraint(),
        Some("patients_opted_out_no_consent")
    );

    // an edit that leaves the consent alone keeps who recorded it and how, whatever method the form sends
    let before = patients::get(&c.desk, cai).await.unwrap();
    let mut edit = input("Cai Berg", dob(), Some("+44 7700 900034"), None);
    edit.reminder_consent = false;
    edit.opted_out = true;
    edit.consent_method = Some(ConsentMethod::Desk);
    let after = patients::update(&c.admin, cai, &edit).await.unwrap();
    assert_eq!(
        (
            after.consent_method,
            after.consent_recorded_at,
            after.consent_recorded_by
        ),
        (
            before.consent_method,
            before.consent_recorded_at,
            before.consent_recorded_by
        )
    );

    // merging a record that opted out carries the opt-out to the survivor
    let dup = register(&c, "Cai Berg", Some("+44 7700 900035"), None).await;
    let outcome = patients::merge(&c.admin, cai, dup).await.unwrap();
    assert!(outcome.opt_out_carried);
    let survivor = patients::get(&c.desk, dup).await.unwrap();
    assert!(survivor.opted_out && !survivor.reminder_consent);
    every_kind_of_message(&c, rao, dup, 24).await;
    assert_eq!(messages_for(&owner, dup).await, Vec::<String>::new());
}

/// Outbox rows of a patient's appointments in `status`.
async fn outbox(owner: &PgPool, patient: i64, status: &str) -> i64 {
    count(
        owner,
        &format!(
            "SELECT count(*) FROM notifications n JOIN appointments a ON a.id = n.appointment_id
              WHERE a.patient_id = {patient} AND n.status = '{status}'"
        ),
    )
    .await
}

#[tokio::test]
async fn an_opt_out_withdraws_waiting_messages_and_a_merge_carries_it_and_a_blacklist() {
    let c = Clinic::new("Europe/London").await;
    let owner = c.db.owner_pool().await;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let dan = register(&c, "Dan Moss", Some("+44 7700 900041"), None).await;
    let ann = register(&c, "Ann Moss", Some("+44 7700 900042"), None).await;
    book_day_after_tomorrow(&c, rao, dan, 0).await;
    book_day_after_tomorrow(&c, rao, dan, 1).await;
    book_day_after_tomorrow(&c, rao, ann, 2).await;
    assert_eq!(
        outbox(&owner, dan, "pending").await,
        2,
        "two confirmations wait"
    );
    assert_eq!(outbox(&owner, ann, "pending").await, 1);

    // Dan opts out at the desk, in plain SQL as the reception role (which cannot touch the outbox itself)
    sqlx::query(
        "UPDATE patients SET opted_out = true, reminder_consent = false, consent_method = 'desk' WHERE id = $1",
    )
    .bind(dan)
    .execute(c.desk.pool())
    .await
    .unwrap();
    assert_eq!(
        outbox(&owner, dan, "pending").await,
        0,
        "nothing of Dan's is sent"
    );
    assert_eq!(outbox(&owner, dan, "cancelled").await, 2);
    assert_eq!(
        count(
            &owner,
            &format!(
                "SELECT count(*) FROM notifications n JOIN appointments a ON a.id = n.appointment_id
                  WHERE a.patient_id = {dan} AND n.last_error = 'withdrawn: the patient opted out'"
            )
        )
        .await,
        2,
        "the outbox says why"
    );
    assert_eq!(
        outbox(&owner, ann, "pending").await,
        1,
        "Ann's message is untouched"
    );

    // withdrawing consent (without opting out) withdraws the waiting messages too
    let mut change = input("Ann Moss", dob(), Some("+44 7700 900042"), None);
    change.reminder_consent = false;
    patients::update(&c.desk, ann, &change).await.unwrap();
    assert_eq!(outbox(&owner, ann, "pending").await, 0);

    // a merge carries an opt-out over and withdraws the survivor's own waiting messages
    let dana = register(&c, "Dan Mos", Some("+44 7700 900043"), None).await;
    book_day_after_tomorrow(&c, rao, dana, 4).await;
    assert_eq!(outbox(&owner, dana, "pending").await, 1);
    let outcome = patients::merge(&c.admin, dan, dana).await.unwrap();
    assert!(outcome.opt_out_carried && !outcome.blacklist_carried);
    assert_eq!(outbox(&owner, dana, "pending").await, 0);

    // a blacklist on the merged record holds for the survivor, with its reason
    let eve = register(&c, "Eve Park", None, Some("eve@example.com")).await;
    let eva = register(&c, "Eva Park", None, Some("eva@example.com")).await;
    patients::blacklist(&c.desk, eve, "Abusive to staff")
        .await
        .unwrap();
    let outcome = patients::merge(&c.admin, eve, eva).await.unwrap();
    assert!(outcome.blacklist_carried && !outcome.opt_out_carried);
    let survivor = patients::get(&c.desk, eva).await.unwrap();
    assert!(survivor.blacklisted);
    assert_eq!(
        survivor.blacklist_reason.as_deref(),
        Some("Abusive to staff")
    );
    let day = Utc::now().date_naive() + Duration::days(2);
    let slot = appts::free_slots(&c.desk, rao, day, 1).await.unwrap()[0].slots[6].starts_at;
    let e = appts::book(&c.desk, rao, eva, slot).await.unwrap_err();
    assert!(
        matches!(&e, Error::Validation { field, .. } if field == "patient_id"),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_tombstone_is_edited_by_nobody_and_the_refusal_is_about_the_record() {
    let c = Clinic::new("UTC").await;
    let a = register(&c, "Gus Hale", None, None).await;
    let b = register(&c, "Gus Hales", None, None).await;
    patients::merge(&c.admin, a, b).await.unwrap();
    let e = patients::update(&c.desk, a, &input("Gus Hale", dob(), None, None))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Conflict(m) if m.contains("edit the surviving record")),
        "{e:?}"
    );
    // the database says the same, in plain SQL (the form-level refusal, not a field's)
    let db: Error = sqlx::query("UPDATE patients SET address = 'x' WHERE id = $1")
        .bind(a)
        .execute(c.desk.pool())
        .await
        .unwrap_err()
        .into();
    assert_eq!(db.to_string(), e.to_string());
    assert!(db.field().is_none());
}
