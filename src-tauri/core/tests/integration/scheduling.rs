//! Scheduling against a real PostgreSQL: booking, rescheduling, cancelling, racing desks, DST, availability
//! withdrawal, bad input and patient search, through the services and — for the rules — as plain SQL.

use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use clinicdesk_core::context::Desk;
use clinicdesk_core::db::{
    self,
    appointments::AppointmentStatus,
    availability::{ExceptionInput, WeeklySession},
    doctors::DoctorInput,
    patients::{PatientInput, ReminderChannel, Sex},
};
use clinicdesk_core::schedule::ExceptionKind;
use clinicdesk_core::services::{availability, doctors, patients, scheduling as appts};
use clinicdesk_core::testing::Clinic;
use clinicdesk_core::Error;

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

async fn clinic(tz: &str) -> Clinic {
    Clinic::new(tz).await
}

async fn doctor(c: &Clinic, name: &str) -> i64 {
    c.doctor(name, false).await.0
}

async fn patient(c: &Clinic, name: &str) -> i64 {
    c.patient(name).await
}

fn tomorrow() -> NaiveDate {
    Utc::now().date_naive() + Duration::days(2)
}

#[tokio::test]
async fn book_reschedule_cancel_and_rebook_the_freed_slot() {
    let c = clinic("Europe/London").await;
    let doc = doctor(&c, "Dr. Rao").await;
    let pat = patient(&c, "Pat Doe").await;
    let days = appts::free_slots(&c.desk, doc, tomorrow(), 1)
        .await
        .unwrap();
    let slots = &days[0].slots;
    assert_eq!(slots.len(), 32, "09:00–17:00 in 15-minute slots");
    assert_eq!(slots[0].time, "09:00");

    let a = appts::book(&c.desk, doc, pat, slots[4].starts_at)
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.time.as_str(), a.end_time.as_str()),
        (AppointmentStatus::Booked, "10:00", "10:15")
    );
    let free = appts::free_slots(&c.desk, doc, tomorrow(), 1)
        .await
        .unwrap();
    assert!(
        !free[0]
            .slots
            .iter()
            .any(|s| s.starts_at == slots[4].starts_at),
        "a booked slot is no longer free"
    );

    // the confirmation is in the outbox, without clinical detail
    let (channel, recipient, body): (String, String, String) = sqlx::query_as(
        "SELECT channel, recipient, body FROM notifications WHERE appointment_id = $1",
    )
    .bind(a.id)
    .fetch_one(c.admin.pool())
    .await
    .unwrap();
    assert_eq!(
        (channel.as_str(), recipient.as_str()),
        ("sms", "+447700900123")
    );
    assert!(
        body.contains("Dr. Rao") && body.contains("10:00") && body.contains("Riverside Clinic"),
        "{body}"
    );
    assert!(
        !body.contains("General Medicine"),
        "no department (clinical hint) in patient messages: {body}"
    );

    let moved = appts::reschedule(&c.desk, a.id, slots[8].starts_at)
        .await
        .unwrap();
    assert_eq!(moved.time, "11:00");
    let free = appts::free_slots(&c.desk, doc, tomorrow(), 1)
        .await
        .unwrap();
    assert!(
        free[0]
            .slots
            .iter()
            .any(|s| s.starts_at == slots[4].starts_at),
        "the old slot is free again"
    );

    let cancelled = appts::cancel(&c.desk, a.id, "Patient is travelling")
        .await
        .unwrap();
    assert_eq!(cancelled.status, AppointmentStatus::Cancelled);
    let other = patient(&c, "Sam Lee").await;
    let rebooked = appts::book(&c.desk, doc, other, slots[8].starts_at)
        .await
        .unwrap();
    assert_eq!(rebooked.time, "11:00", "a cancelled slot is bookable again");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE appointment_id = $1")
        .bind(a.id)
        .fetch_one(c.admin.pool())
        .await
        .unwrap();
    assert_eq!(n, 3, "booked, rescheduled and cancelled messages");

    let err = appts::set_status(&c.desk, a.id, AppointmentStatus::CheckedIn)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "status"),
        "{err:?}"
    );
}

#[tokio::test]
async fn racing_desks_book_one_slot_exactly_once() {
    let c = clinic("Europe/London").await;
    let doc = doctor(&c, "Dr. Rao").await;
    let slot = appts::free_slots(&c.desk, doc, tomorrow(), 1)
        .await
        .unwrap()[0]
        .slots[0]
        .clone();
    let mut patients_ = vec![];
    for i in 0..16 {
        patients_.push(patient(&c, &format!("Racer {i}")).await);
    }
    let desk = Desk::new(c.db.pool_as_fresh_desk().await);
    let tasks: Vec<_> = patients_
        .into_iter()
        .map(|p| {
            let pool = desk.clone();
            let at = slot.starts_at;
            tokio::spawn(async move { appts::book(&pool, doc, p, at).await })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::Conflict(m)) => assert!(
                m.starts_with("Dr. Rao already has an appointment 09:00–09:15 on ")
                    && m.ends_with("— choose another slot."),
                "{m}"
            ),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 1);
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM appointments WHERE doctor_id = $1 AND status <> 'cancelled'",
    )
    .bind(doc)
    .fetch_one(c.admin.pool())
    .await
    .unwrap();
    assert_eq!(n, 1, "no double booking");
}

#[tokio::test]
async fn one_patient_cannot_be_in_two_places_at_once() {
    let c = clinic("Europe/London").await;
    let rao = doctor(&c, "Dr. Rao").await;
    let okafor = doctor(&c, "Dr. Okafor").await;
    let pat = patient(&c, "Pat Doe").await;
    let at = appts::free_slots(&c.desk, rao, tomorrow(), 1)
        .await
        .unwrap()[0]
        .slots[2]
        .starts_at;
    let desk = Desk::new(c.db.pool_as_fresh_desk().await);
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let pool = desk.clone();
            let d = if i % 2 == 0 { rao } else { okafor };
            tokio::spawn(async move { appts::book(&pool, d, pat, at).await })
        })
        .collect();
    let results: Vec<_> = futures_join(tasks).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        let m = r.to_string();
        assert!(m.contains("already has an appointment 09:30–09:45"), "{m}");
    }
    let other_doctor_msg = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| e.to_string())
        .find(|m| m.starts_with("Pat Doe"));
    if let Some(m) = other_doctor_msg {
        assert!(m.ends_with("— choose another time."), "{m}");
    }
}

async fn futures_join<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = vec![];
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test]
async fn slots_keep_local_time_across_a_dst_change() {
    let c = clinic("Europe/London").await;
    let doc = doctor(&c, "Dr. Rao").await;
    // clocks go forward on Sunday 28 March 2027
    let from = NaiveDate::from_ymd_opt(2027, 3, 26).unwrap();
    let days = appts::free_slots(&c.desk, doc, from, 4).await.unwrap();
    let first = |i: usize| days[i].slots[0].clone();
    assert_eq!(
        (first(0).time.as_str(), first(3).time.as_str()),
        ("09:00", "09:00")
    );
    assert_eq!(
        first(0).starts_at.format("%H:%M").to_string(),
        "09:00",
        "GMT before the change"
    );
    assert_eq!(
        first(3).starts_at.format("%H:%M").to_string(),
        "08:00",
        "BST (UTC+1) after it"
    );
    assert_eq!(days[2].label, "Sun 28 Mar");
    assert_eq!(
        days[2].slots.len(),
        32,
        "a daytime session is whole on the day of the change"
    );
    let a = appts::book(
        &c.desk,
        doc,
        patient(&c, "Pat Doe").await,
        first(3).starts_at,
    )
    .await
    .unwrap();
    assert_eq!(
        (a.date, a.time.as_str()),
        (NaiveDate::from_ymd_opt(2027, 3, 29).unwrap(), "09:00")
    );
}

#[tokio::test]
async fn withdrawing_booked_hours_is_refused_with_the_bookings_named() {
    let c = clinic("Europe/London").await;
    let doc = doctor(&c, "Dr. Rao").await;
    let day = tomorrow();
    let slot = appts::free_slots(&c.desk, doc, day, 1).await.unwrap()[0].slots[4].clone();
    appts::book(&c.desk, doc, patient(&c, "Pat Doe").await, slot.starts_at)
        .await
        .unwrap();

    // the weekly template without that weekday
    use chrono::Datelike;
    let wd = day.weekday().number_from_monday() as i16;
    let week: Vec<WeeklySession> = (1..=7)
        .filter(|d| *d != wd)
        .map(|d| WeeklySession {
            weekday: d,
            starts_at: t(9, 0),
            ends_at: t(17, 0),
        })
        .collect();
    let err = availability::set_weekly(&c.admin, doc, 15, &week)
        .await
        .unwrap_err();
    let m = err.to_string();
    assert!(
        matches!(err, Error::Conflict(_))
            && m.contains("1 booked appointment falls outside")
            && m.contains("10:00 Pat Doe (Dr. Rao)"),
        "{m}"
    );
    // a morning-only template also strands it? no: 10:00 stays inside 09:00–12:00
    let mornings: Vec<WeeklySession> = (1..=7)
        .map(|d| WeeklySession {
            weekday: d,
            starts_at: t(9, 0),
            ends_at: t(12, 0),
        })
        .collect();
    availability::set_weekly(&c.admin, doc, 15, &mornings)
        .await
        .unwrap();

    let leave = ExceptionInput {
        doctor_id: Some(doc),
        on_date: day,
        kind: ExceptionKind::Leave,
        starts_at: None,
        ends_at: None,
        reason: "Conference".into(),
    };
    assert!(matches!(
        availability::add_exception(&c.admin, &leave).await,
        Err(Error::Conflict(_))
    ));
    let holiday = ExceptionInput {
        doctor_id: None,
        on_date: day,
        kind: ExceptionKind::Holiday,
        starts_at: None,
        ends_at: None,
        reason: "Bank holiday".into(),
    };
    assert!(matches!(
        availability::add_exception(&c.admin, &holiday).await,
        Err(Error::Conflict(_))
    ));
    let other_day = ExceptionInput {
        on_date: day + Duration::days(1),
        ..leave.clone()
    };
    availability::add_exception(&c.admin, &other_day)
        .await
        .unwrap();
    assert!(
        appts::free_slots(&c.desk, doc, day + Duration::days(1), 1)
            .await
            .unwrap()[0]
            .slots
            .is_empty(),
        "leave removes the day's slots"
    );
    // an afternoon off that does not touch the 10:00 booking is fine
    let afternoon = ExceptionInput {
        starts_at: Some(t(11, 0)),
        ends_at: Some(t(12, 0)),
        ..leave.clone()
    };
    availability::add_exception(&c.admin, &afternoon)
        .await
        .unwrap();
}

#[tokio::test]
async fn bad_booking_input_gets_field_errors_and_writes_nothing() {
    let c = clinic("Europe/London").await;
    let doc = doctor(&c, "Dr. Rao").await;
    let pat = patient(&c, "Pat Doe").await;
    let slot = appts::free_slots(&c.desk, doc, tomorrow(), 1)
        .await
        .unwrap()[0]
        .slots[0]
        .clone();
    let field_of = |r: Result<appts::Appointment, Error>| match r {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    assert_eq!(
        field_of(appts::book(&c.desk, doc, pat, Utc::now() - Duration::hours(1)).await),
        "starts_at"
    );
    assert_eq!(
        field_of(appts::book(&c.desk, doc, pat, slot.starts_at + Duration::minutes(7)).await),
        "starts_at"
    );
    assert_eq!(
        field_of(appts::book(&c.desk, doc, 999_999, slot.starts_at).await),
        "patient_id"
    );
    assert_eq!(
        field_of(appts::book(&c.desk, 999_999, pat, slot.starts_at).await),
        "doctor_id"
    );

    patients::blacklist(&c.desk, pat, "Abusive to staff")
        .await
        .unwrap();
    let err = appts::book(&c.desk, doc, pat, slot.starts_at)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("is blacklisted (Abusive to staff)"),
        "{err}"
    );
    // the database refuses it too, whatever the client
    let raw = sqlx::query("INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)")
        .bind(doc)
        .bind(pat)
        .bind(slot.starts_at)
        .bind(slot.ends_at)
        .execute(c.desk.pool())
        .await;
    assert_eq!(
        raw.unwrap_err().as_database_error().unwrap().constraint(),
        Some("appointments_patient_not_blacklisted")
    );
    patients::lift_blacklist(&c.desk, pat).await.unwrap();

    doctors::set_active(&c.admin, doc, false).await.unwrap();
    assert_eq!(
        field_of(appts::book(&c.desk, doc, pat, slot.starts_at).await),
        "doctor_id"
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments")
        .fetch_one(c.admin.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing half-written");
}

#[tokio::test]
async fn status_machine_holds_in_services_and_in_plain_sql() {
    let c = clinic("Europe/London").await;
    let doc = doctor(&c, "Dr. Rao").await;
    let slot = appts::free_slots(&c.desk, doc, tomorrow(), 1)
        .await
        .unwrap()[0]
        .slots[0]
        .clone();
    let pat = patient(&c, "Pat Doe").await;
    let later = appts::book(&c.desk, doc, pat, slot.starts_at)
        .await
        .unwrap();
    // the time rules: no check-in before the appointment's day, no no-show before its start, in the service …
    for (to, rule) in [
        (AppointmentStatus::CheckedIn, "checks in only on the day"),
        (AppointmentStatus::NoShow, "only once it has started"),
    ] {
        let e = appts::set_status(&c.desk, later.id, to).await.unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, message } if field == "status" && message.contains(rule)),
            "{to:?}: {e:?}"
        );
    }
    // … and in plain SQL, as the desk
    for (to, constraint) in [
        ("checked_in", "appointments_check_in_day"),
        ("no_show", "appointments_no_show_early"),
        ("completed", "appointments_status_transition"),
    ] {
        let e = sqlx::query("UPDATE appointments SET status = $2 WHERE id = $1")
            .bind(later.id)
            .bind(to)
            .execute(c.desk.pool())
            .await
            .unwrap_err();
        assert_eq!(
            e.as_database_error().unwrap().constraint(),
            Some(constraint),
            "{to}"
        );
    }
    // an appointment that started this minute (loaded by the owner: the desk cannot book the past)
    let a: i64 = sqlx::query_scalar(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at)
         VALUES ($1, $2, date_trunc('minute', now()), date_trunc('minute', now()) + interval '15 minutes')
         RETURNING id",
    )
    .bind(doc)
    .bind(pat)
    .fetch_one(&c.db.owner_pool().await)
    .await
    .unwrap();
    assert_eq!(
        appts::set_status(&c.desk, a, AppointmentStatus::NoShow)
            .await
            .unwrap()
            .status,
        AppointmentStatus::NoShow,
        "a no-show once it has started"
    );
    // an administrator corrects it back, naming the reason (audited below)
    let mut tx = c.admin.begin().await.unwrap();
    sqlx::query("SET LOCAL clinicdesk.correction_reason = 'patient was in the waiting room'")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE appointments SET status = 'booked' WHERE id = $1")
        .bind(a)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        matches!(
            appts::set_status(&c.desk, a, AppointmentStatus::Completed).await,
            Err(Error::Validation { .. })
        ),
        "booked → completed skips check-in"
    );
    assert_eq!(
        appts::set_status(&c.desk, a, AppointmentStatus::CheckedIn)
            .await
            .unwrap()
            .status,
        AppointmentStatus::CheckedIn
    );
    assert_eq!(
        appts::set_status(&c.desk, a, AppointmentStatus::Completed)
            .await
            .unwrap()
            .status,
        AppointmentStatus::Completed
    );
    assert!(matches!(
        appts::reschedule(&c.desk, a, slot.starts_at + Duration::minutes(15)).await,
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        appts::cancel(&c.desk, a, "oops").await,
        Err(Error::Validation { .. })
    ));
    for back in ["booked", "checked_in", "cancelled"] {
        let e =
            sqlx::query("UPDATE appointments SET status = $2, cancel_reason = 'x' WHERE id = $1")
                .bind(a)
                .bind(back)
                .execute(c.desk.pool())
                .await
                .unwrap_err();
        assert_eq!(
            e.as_database_error().unwrap().constraint(),
            Some("appointments_status_transition"),
            "completed → {back}"
        );
    }
    // an administrator's correction is possible, named and audited
    let mut tx = c.admin.begin().await.unwrap();
    sqlx::query("SET LOCAL clinicdesk.correction_reason = 'completed by mistake'")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE appointments SET status = 'checked_in' WHERE id = $1")
        .bind(a)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'status_correction' AND row_id = $1",
    )
    .bind(a.to_string())
    .fetch_one(c.admin.pool())
    .await
    .unwrap();
    assert_eq!(audited, 2, "both corrections are in the audit log");
}

#[tokio::test]
async fn patients_are_found_by_name_fragment_typo_phone_mrn_and_id() {
    let c = clinic("UTC").await;
    let aisha = patient(&c, "Aisha Rahman").await;
    patient(&c, "Ben Smith").await;
    let names = |hits: Vec<db::patients::PatientHit>| {
        hits.into_iter().map(|h| h.full_name).collect::<Vec<_>>()
    };
    assert_eq!(
        names(patients::search(&c.desk, "rahm").await.unwrap()),
        vec!["Aisha Rahman"]
    );
    assert_eq!(
        names(patients::search(&c.desk, "Aisah Rahman").await.unwrap())[0],
        "Aisha Rahman",
        "typo tolerant"
    );
    assert_eq!(
        patients::search(&c.desk, "+44 7700").await.unwrap().len(),
        2
    );
    let p = patients::get(&c.desk, aisha).await.unwrap();
    assert!(p.mrn.starts_with("MRN"));
    assert_eq!(
        names(
            patients::search(&c.desk, &p.mrn.to_lowercase())
                .await
                .unwrap()
        ),
        vec!["Aisha Rahman"]
    );
    assert_eq!(
        patients::search(&c.desk, &aisha.to_string()).await.unwrap()[0].id,
        aisha
    );
    assert!(
        patients::search(&c.desk, "a").await.unwrap().is_empty(),
        "one character is not a search"
    );
    assert!(
        patients::search(&c.desk, "%_%").await.unwrap().is_empty(),
        "LIKE wildcards are literal"
    );
    let bad = patients::register(
        &c.desk,
        &PatientInput {
            full_name: "X".into(),
            date_of_birth: NaiveDate::from_ymd_opt(2999, 1, 1).unwrap(),
            sex: Sex::Other,
            phone: None,
            email: Some("nope".into()),
            address: String::new(),
            emergency_contact: String::new(),
            preferred_channel: ReminderChannel::None,
            preferred_language: "en".into(),
            reminder_consent: false,
            opted_out: false,
            consent_method: None,
        },
    )
    .await;
    assert!(
        matches!(&bad, Err(Error::Validation { field, .. }) if field == "date_of_birth"),
        "{bad:?}"
    );

    // MRNs grow a digit past 9,999,999 instead of colliding
    let owner = c.db.owner_pool().await;
    sqlx::query("SELECT setval('patients_mrn_seq', 9999998)")
        .execute(&owner)
        .await
        .unwrap();
    let a = patients::get(&c.desk, patient(&c, "Nine Nines").await)
        .await
        .unwrap()
        .mrn;
    let b = patients::get(&c.desk, patient(&c, "Ten Digits").await)
        .await
        .unwrap()
        .mrn;
    assert_eq!((a.as_str(), b.as_str()), ("MRN9999999", "MRN10000000"));
}

#[tokio::test]
async fn deactivating_a_doctor_lists_what_to_rebook_and_cancels_nothing() {
    let c = clinic("Europe/London").await;
    let doc = doctor(&c, "Dr. Rao").await;
    let slot = appts::free_slots(&c.desk, doc, tomorrow(), 1)
        .await
        .unwrap()[0]
        .slots[0]
        .clone();
    let a = appts::book(&c.desk, doc, patient(&c, "Pat Doe").await, slot.starts_at)
        .await
        .unwrap();
    let off = doctors::set_active(&c.admin, doc, false).await.unwrap();
    assert!(!off.doctor.active);
    assert_eq!(
        off.future_appointments
            .iter()
            .map(|x| x.id)
            .collect::<Vec<_>>(),
        vec![a.id]
    );
    assert_eq!(
        off.future_appointments[0].status,
        AppointmentStatus::Booked,
        "not cancelled"
    );
    assert!(!doctors::list(&c.desk, false)
        .await
        .unwrap()
        .iter()
        .any(|d| d.id == doc));
    let err = doctors::set_active(&c.desk, doc, true).await.unwrap_err();
    assert!(
        matches!(err, Error::PermissionDenied(_)),
        "reception cannot manage doctors: {err:?}"
    );
}

#[tokio::test]
async fn walk_ins_take_the_next_slot_and_only_admins_overbook() {
    let c = clinic("UTC").await;
    let doc = doctors::create(
        &c.admin,
        &DoctorInput {
            full_name: "Dr. Night".into(),
            department_id: c.department,
            qualification: String::new(),
            experience_years: 1,
            phone: None,
            email: None,
            consultation_fee_cents: 0,
            slot_minutes: 5,
            staff_username: None,
        },
    )
    .await
    .unwrap()
    .id;
    let all_day: Vec<WeeklySession> = (1..=7)
        .map(|d| WeeklySession {
            weekday: d,
            starts_at: t(0, 0),
            ends_at: t(23, 59),
        })
        .collect();
    availability::set_weekly(&c.admin, doc, 5, &all_day)
        .await
        .unwrap();
    let pat = patient(&c, "Walk In").await;
    if let Ok(a) = appts::walk_in(&c.desk, pat, doc, None, false).await {
        assert!(
            a.starts_at >= Utc::now() - Duration::minutes(6)
                && a.starts_at <= Utc::now() + Duration::minutes(6),
            "the next slot, now-ish"
        );
        assert!(!a.overbooked);
    }
    // a day with no hours left: leave for the rest of today, then walk-ins need an administrator's overbook
    let today = Utc::now().date_naive();
    sqlx::query("INSERT INTO doctor_availability_exceptions (doctor_id, on_date, kind) VALUES ($1, $2, 'leave')")
        .bind(doc).bind(today).execute(c.admin.pool()).await.unwrap();
    let other = patient(&c, "Second Walk In").await;
    assert!(matches!(
        appts::walk_in(&c.desk, other, doc, None, false).await,
        Err(Error::Conflict(_))
    ));
    assert!(
        matches!(
            appts::walk_in(&c.desk, other, doc, None, true).await,
            Err(Error::PermissionDenied(_))
        ),
        "reception cannot overbook"
    );
    let over = appts::walk_in(&c.admin, other, doc, None, true)
        .await
        .unwrap();
    assert!(over.overbooked);
    let board = appts::today_board(&c.desk, None).await.unwrap();
    let col = board
        .columns
        .iter()
        .find(|col| col.doctor.id == doc)
        .expect("the doctor is on the board");
    assert!(col.appointments.iter().any(|a| a.id == over.id));
}

#[tokio::test]
async fn doctor_form_mistakes_are_field_errors() {
    let c = clinic("UTC").await;
    let (id, _) = c.doctor("Dr. Rao", true).await;
    let linked = doctors::list(&c.admin, false)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.id == id)
        .unwrap()
        .staff_username
        .unwrap();
    let input = |department_id: i64, staff: Option<String>| DoctorInput {
        full_name: "Dr. Other".into(),
        department_id,
        qualification: String::new(),
        experience_years: 1,
        phone: None,
        email: None,
        consultation_fee_cents: 0,
        slot_minutes: 15,
        staff_username: staff,
    };
    let err = doctors::create(&c.admin, &input(999_999, None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "department_id"),
        "{err:?}"
    );
    let err = doctors::create(&c.admin, &input(c.department, Some(linked)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "staff_username"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "That staff account is already linked to another doctor."
    );
}

/// The reads that bound `starts_at` to the day before a slot (the refused booking's "who holds it", the busy times of
/// free slots) count that day in hours: on the night clocks go forward a calendar day is 23 hours, and a 23½-hour
/// appointment that began the day before still holds the slot, whatever zone the session is in.
#[tokio::test]
async fn an_appointment_that_began_the_day_before_still_blocks_across_the_spring_forward_night() {
    let c = clinic("Europe/London").await;
    let doc = doctor(&c, "Dr. Long").await;
    let pat = patient(&c, "Nina Night").await;
    // Saturday 27 March 2027 12:00 UTC to Sunday 28 March 11:30 UTC (British clocks go forward at 01:00 UTC)
    let start = NaiveDate::from_ymd_opt(2027, 3, 27)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc();
    let end = start + Duration::minutes(23 * 60 + 30);
    let owner = c.db.owner_pool().await;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(doc)
    .bind(pat)
    .bind(start)
    .bind(end)
    .fetch_one(&owner)
    .await
    .unwrap();
    let mut conn = owner.acquire().await.unwrap();
    sqlx::query("SET TimeZone = 'Europe/London'")
        .execute(&mut *conn)
        .await
        .unwrap();
    // a slot at 11:00–11:15 UTC on the Sunday: 23 hours after the visit began
    let slot = start + Duration::hours(23);
    let blocking = db::appointments::blocking(
        &mut *conn,
        Some(doc),
        None,
        slot,
        slot + Duration::minutes(15),
    )
    .await
    .unwrap();
    assert_eq!(
        blocking.map(|a| a.id),
        Some(id),
        "the visit that began the day before is named"
    );
    let busy = db::appointments::busy(&mut *conn, &[doc], slot, slot + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(busy, vec![(doc, start, end)], "and counted as busy");
}
