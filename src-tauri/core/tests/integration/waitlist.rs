//! The waitlist against real PostgreSQL: freed-slot notices from one PC heard on another (LISTEN/NOTIFY), the
//! match query's rules, booking from the waitlist racing an ordinary booking, bad input, expiry.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use clinicdesk_core::cache::{CacheTtls, Caches};
use clinicdesk_core::context::Desk;
use clinicdesk_core::services::scheduling as appts;
use clinicdesk_core::services::waitlist::{
    self, FreedSlot, WaitlistEntry, WaitlistInput, WaitlistStatus,
};
use clinicdesk_core::testing::Clinic;
use clinicdesk_core::Error;
use sqlx::PgPool;

const TZ: &str = "Europe/London";

fn in_days(n: i64) -> NaiveDate {
    chrono_tz::Europe::London
        .from_utc_datetime(&Utc::now().naive_utc())
        .date_naive()
        + chrono::Duration::days(n)
}

/// `hh:mm` London time on `day`.
fn at(day: NaiveDate, hh: u32, mm: u32) -> DateTime<Utc> {
    chrono_tz::Europe::London
        .from_local_datetime(&day.and_hms_opt(hh, mm, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn t(hh: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hh, 0, 0).unwrap()
}

fn entry(
    patient: i64,
    doctor: Option<i64>,
    department: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> WaitlistInput {
    WaitlistInput {
        patient_id: patient,
        doctor_id: doctor,
        department_id: department,
        window_from: from,
        window_to: to,
        time_from: None,
        time_to: None,
        note: String::new(),
    }
}

async fn add(pool: &PgPool, input: WaitlistInput) -> WaitlistEntry {
    waitlist::add(pool, &input).await.expect("waitlist entry")
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn next_freed(rx: &mut tokio::sync::broadcast::Receiver<FreedSlot>) -> FreedSlot {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("no slot-freed notice arrived")
        .expect("the notice channel closed")
}

async fn listening(caches: &Caches) {
    for _ in 0..200 {
        if caches.listening() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the listener never came up");
}

#[tokio::test]
async fn a_slot_freed_on_one_pc_is_announced_on_another_with_the_patients_waiting_for_it() {
    let c = Clinic::new(TZ).await;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let (lee, _) = c.doctor("Dr. Lee", false).await;
    let booked = c.patient("Bea Booked").await;
    let names = [
        "Wim Doctor",
        "Wanda Department",
        "Walt Afternoon",
        "Wes OtherDoctor",
        "Win Later",
        "Wil Closed",
    ];
    let mut w = Vec::new();
    for n in names {
        w.push(c.patient(n).await);
    }
    let day = in_days(2);
    // matches: the slot's doctor, the doctor's department with a morning preference
    let e_doctor = add(&c.desk, entry(w[0], Some(rao), None, day, in_days(4))).await;
    let mut morning = entry(w[1], None, Some(c.department), in_days(1), day);
    (morning.time_from, morning.time_to) = (Some(t(9)), Some(t(12)));
    let e_department = add(&c.desk, morning).await;
    // no match: afternoon only, another doctor, a later window, closed by hand
    let mut afternoon = entry(w[2], Some(rao), None, day, day);
    (afternoon.time_from, afternoon.time_to) = (Some(t(12)), Some(t(17)));
    add(&c.desk, afternoon).await;
    add(&c.desk, entry(w[3], Some(lee), None, day, day)).await;
    add(
        &c.desk,
        entry(w[4], Some(rao), None, in_days(3), in_days(9)),
    )
    .await;
    let closed = add(&c.desk, entry(w[5], Some(rao), None, day, day)).await;
    waitlist::close(&c.desk, closed.id).await.unwrap();

    // "PC B" listens on its own connection, like a desk's window
    let caches = Caches::new(CacheTtls::default());
    caches.attach(c.desk.pool().clone());
    listening(&caches).await;
    let mut rx = caches.subscribe_freed();

    // "PC A": another sign-in, another connection
    let pc_a = Desk::new(c.db.pool_as_fresh_desk().await);
    let ten = at(day, 10, 0);
    let a = appts::book(&pc_a, rao, booked, ten).await.unwrap();
    appts::cancel(&pc_a, a.id, "patient called").await.unwrap();
    let slot = next_freed(&mut rx).await;
    assert_eq!(
        slot,
        FreedSlot {
            doctor_id: rao,
            starts_at: ten,
            ends_at: at(day, 10, 15)
        }
    );
    let m = waitlist::matches(&c.desk, &slot).await.unwrap();
    assert!(m.free);
    assert_eq!(m.doctor_name, "Dr. Rao");
    let ids: Vec<i64> = m.entries.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        [e_doctor.id, e_department.id],
        "oldest first, only the ones that fit"
    );

    // a reschedule frees the old time as well
    let b = appts::book(&pc_a, rao, booked, ten).await.unwrap();
    appts::reschedule(&pc_a, b.id, at(day, 14, 0))
        .await
        .unwrap();
    let moved = next_freed(&mut rx).await;
    assert_eq!((moved.doctor_id, moved.starts_at), (rao, ten));

    // "Book" from PC B: the waiting patient gets the slot, the entry closes with it
    let got = waitlist::book(&c.desk, e_doctor.id, rao, ten)
        .await
        .unwrap();
    assert_eq!((got.patient_id, got.starts_at), (w[0], ten));
    let all = waitlist::list(&c.desk, true).await.unwrap();
    let e = all.iter().find(|e| e.id == e_doctor.id).unwrap();
    assert_eq!(
        (e.status, e.appointment_id),
        (WaitlistStatus::Booked, Some(got.id))
    );
    // the slot is taken again: it matches nobody any more
    let again = waitlist::matches(&c.desk, &slot).await.unwrap();
    assert!(!again.free);
    assert!(again.entries.is_empty());
    // and the department entry is still open for the next one
    let open: Vec<i64> = waitlist::list(&c.desk, false)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert!(open.contains(&e_department.id) && !open.contains(&e_doctor.id));
    caches.detach();
}

#[tokio::test]
async fn a_slot_shorter_than_the_doctors_visit_or_in_the_past_matches_nobody() {
    let c = Clinic::new(TZ).await;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let p = c.patient("Wim Waiting").await;
    let day = in_days(2);
    add(&c.desk, entry(p, Some(rao), None, in_days(0), day)).await;
    let short = FreedSlot {
        doctor_id: rao,
        starts_at: at(day, 10, 0),
        ends_at: at(day, 10, 10),
    };
    assert!(!waitlist::matches(&c.desk, &short).await.unwrap().free);
    let past = FreedSlot {
        doctor_id: rao,
        starts_at: Utc::now() - chrono::Duration::hours(1),
        ends_at: Utc::now() - chrono::Duration::minutes(45),
    };
    let m = waitlist::matches(&c.desk, &past).await.unwrap();
    assert!(!m.free && m.entries.is_empty());
    let fits = FreedSlot {
        ends_at: at(day, 10, 15),
        ..short
    };
    assert_eq!(
        waitlist::matches(&c.desk, &fits)
            .await
            .unwrap()
            .entries
            .len(),
        1
    );
    // with a 30-minute default visit, a freed 15 minutes is too short for the waiting patient
    use clinicdesk_core::db::appointment_types::{AppointmentTypeInput, TypeOffer};
    use clinicdesk_core::services::appointment_types as types;
    let visit = AppointmentTypeInput {
        name: "Consultation".into(),
        minutes: 30,
        colour: "#2563eb".into(),
        active: true,
        buffer_minutes: 0,
    };
    let t = types::create(&c.admin, &visit).await.unwrap();
    let offer = [TypeOffer {
        type_id: t.id,
        is_default: true,
    }];
    types::set_offers(&c.admin, rao, &offer).await.unwrap();
    assert!(!waitlist::matches(&c.desk, &fits).await.unwrap().free);
    let long = FreedSlot {
        ends_at: at(day, 10, 30),
        ..short
    };
    assert_eq!(
        waitlist::matches(&c.desk, &long)
            .await
            .unwrap()
            .entries
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booking_from_the_waitlist_races_an_ordinary_booking_and_one_of_them_wins() {
    let c = Clinic::new(TZ).await;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let other_desk = Desk::new(c.db.pool_as_fresh_desk().await);
    let owner = c.db.owner_pool().await;
    let day = in_days(3);
    let (mut waitlist_won, mut ordinary_won) = (0, 0);
    for round in 0..6u32 {
        let waiting = c.patient(&format!("Wait Round{round}")).await;
        let walk = c.patient(&format!("Call Round{round}")).await;
        let e = add(&c.desk, entry(waiting, Some(rao), None, day, day)).await;
        let start = at(day, 9 + round, 0);
        let (from_list, ordinary) = tokio::join!(
            waitlist::book(&c.desk, e.id, rao, start),
            appts::book(&other_desk, rao, walk, start)
        );
        let entry_status = waitlist::list(&c.desk, true)
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.id == e.id)
            .unwrap()
            .status;
        match (from_list, ordinary) {
            (Ok(a), Err(Error::Conflict(sentence))) => {
                waitlist_won += 1;
                assert_eq!(a.patient_id, waiting);
                assert!(
                    sentence.contains("Dr. Rao already has an appointment"),
                    "{sentence}"
                );
                assert_eq!(entry_status, WaitlistStatus::Booked);
            }
            (Err(Error::Conflict(sentence)), Ok(a)) => {
                ordinary_won += 1;
                assert_eq!(a.patient_id, walk);
                assert!(
                    sentence.contains("Dr. Rao already has an appointment"),
                    "{sentence}"
                );
                assert_eq!(
                    entry_status,
                    WaitlistStatus::Open,
                    "the loser's entry stays open"
                );
            }
            other => panic!("exactly one booking must win: {other:?}"),
        }
        let held: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM appointments WHERE doctor_id = $1 AND starts_at = $2 AND status = 'booked'",
        )
        .bind(rao)
        .bind(start)
        .fetch_one(&owner)
        .await
        .unwrap();
        assert_eq!(held, 1);
    }
    assert_eq!(waitlist_won + ordinary_won, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_desks_booking_one_entry_book_it_once() {
    let c = Clinic::new(TZ).await;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let other_desk = Desk::new(c.db.pool_as_fresh_desk().await);
    let p = c.patient("Wim Waiting").await;
    let day = in_days(2);
    let e = add(&c.desk, entry(p, Some(rao), None, day, day)).await;
    let (a, b) = tokio::join!(
        waitlist::book(&c.desk, e.id, rao, at(day, 10, 0)),
        waitlist::book(&other_desk, e.id, rao, at(day, 11, 0))
    );
    let (won, lost) = match (a, b) {
        (Ok(x), Err(y)) | (Err(y), Ok(x)) => (x, y),
        other => panic!("exactly one must win: {other:?}"),
    };
    assert_eq!(won.patient_id, p);
    // different times, so only the entry's lock decides: the second desk finds it closed
    match lost {
        Error::Conflict(s) => assert!(
            s.contains("already booked or taken off the waitlist"),
            "{s}"
        ),
        other => panic!("{other:?}"),
    }
    let owner = c.db.owner_pool().await;
    assert_eq!(
        count(
            &owner,
            &format!("SELECT count(*) FROM appointments WHERE patient_id = {p}")
        )
        .await,
        1
    );
}

#[tokio::test]
async fn bad_input_is_a_field_error_and_writes_nothing() {
    let c = Clinic::new(TZ).await;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let p = c.patient("Wim Waiting").await;
    let cases: Vec<(WaitlistInput, &str)> = vec![
        (
            entry(p, Some(rao), None, in_days(-3), in_days(-1)),
            "window_from",
        ),
        (
            entry(p, Some(rao), None, in_days(-1), in_days(3)),
            "window_from",
        ),
        (
            entry(p, Some(rao), None, in_days(0), in_days(400)),
            "window_to",
        ),
        (
            entry(p, Some(rao), None, in_days(5), in_days(2)),
            "window_to",
        ),
        (entry(p, None, None, in_days(0), in_days(2)), "doctor_id"),
        (
            WaitlistInput {
                note: "n".repeat(201),
                ..entry(p, Some(rao), None, in_days(0), in_days(2))
            },
            "note",
        ),
        (
            WaitlistInput {
                time_from: Some(t(15)),
                time_to: Some(t(9)),
                ..entry(p, Some(rao), None, in_days(0), in_days(2))
            },
            "time_to",
        ),
        (
            entry(p + 999, Some(rao), None, in_days(0), in_days(2)),
            "patient_id",
        ),
        (
            entry(p, Some(rao + 999), None, in_days(0), in_days(2)),
            "doctor_id",
        ),
    ];
    for (input, field) in cases {
        match waitlist::add(&c.desk, &input).await {
            Err(e @ Error::Validation { .. }) => {
                assert_eq!(e.field(), Some(field), "{input:?}: {e}")
            }
            other => panic!("{input:?} should be a field error on {field}: {other:?}"),
        }
    }
    let owner = c.db.owner_pool().await;
    assert_eq!(
        count(&owner, "SELECT count(*) FROM waitlist_entries").await,
        0
    );
}

#[tokio::test]
async fn entries_expire_at_the_end_of_their_window_and_closing_is_final() {
    let c = Clinic::new(TZ).await;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let p = c.patient("Wim Waiting").await;
    let q = c.patient("Quin Waiting").await;
    let owner = c.db.owner_pool().await;
    // an entry whose window ended yesterday (written as the owner: the desk cannot enter one)
    sqlx::query(
        "INSERT INTO waitlist_entries (patient_id, doctor_id, window_from, window_to) VALUES ($1, $2, $3, $4)",
    )
    .bind(p)
    .bind(rao)
    .bind(in_days(-5))
    .bind(in_days(-1))
    .execute(&owner)
    .await
    .unwrap();
    let live = add(&c.desk, entry(q, Some(rao), None, in_days(0), in_days(2))).await;
    let open: Vec<i64> = waitlist::list(&c.desk, false)
        .await
        .unwrap()
        .iter()
        .map(|e| e.patient_id)
        .collect();
    assert_eq!(open, [q], "an ended window is not listed as waiting");
    let listed = waitlist::list(&c.desk, true).await.unwrap();
    assert_eq!(
        listed.iter().find(|e| e.patient_id == p).unwrap().status,
        WaitlistStatus::Expired
    );

    // the weekly cleanup's step marks it, once
    let mut conn = c.admin.acquire().await.unwrap();
    assert_eq!(waitlist::expire(&mut conn).await.unwrap(), 1);
    assert_eq!(waitlist::expire(&mut conn).await.unwrap(), 0);
    assert_eq!(
        count(&owner, "SELECT count(*) FROM waitlist_entries WHERE closed_reason = 'expired' AND closed_at IS NOT NULL").await,
        1
    );

    // closing by hand stamps who and when; a second close is a sentence, not a change
    let closed = waitlist::close(&c.desk, live.id).await.unwrap();
    assert_eq!(closed.status, WaitlistStatus::Closed);
    let who: String = sqlx::query_scalar("SELECT closed_by FROM waitlist_entries WHERE id = $1")
        .bind(live.id)
        .fetch_one(&owner)
        .await
        .unwrap();
    let desk_user: String = sqlx::query_scalar("SELECT session_user::text")
        .fetch_one(c.desk.pool())
        .await
        .unwrap();
    assert_eq!(who, desk_user);
    assert!(matches!(
        waitlist::close(&c.desk, live.id).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        waitlist::book(&c.desk, live.id, rao, at(in_days(1), 10, 0)).await,
        Err(Error::Conflict(_))
    ));
}

/// A merge moves the merged record's waitlist entries (open, booked, closed) to the survivor and counts them;
/// the survivor's open entry then answers freed slots under the surviving name.
#[tokio::test]
async fn a_patient_merge_moves_waitlist_entries_to_the_survivor() {
    let c = Clinic::new(TZ).await;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let survivor = c.patient("Jaya Novak").await;
    let twin = c.patient("Jaya Novack").await;
    let day = in_days(2);
    let open = add(&c.desk, entry(twin, Some(rao), None, day, day)).await;
    let closed = add(&c.desk, entry(twin, Some(rao), None, day, in_days(3))).await;
    waitlist::close(&c.desk, closed.id).await.unwrap();
    add(&c.desk, entry(survivor, None, Some(c.department), day, day)).await;

    let outcome = clinicdesk_core::services::patients::merge(&c.admin, twin, survivor)
        .await
        .expect("merge");
    assert_eq!(outcome.waitlist, 2);
    let owner = c.db.owner_pool().await;
    assert_eq!(
        count(
            &owner,
            &format!("SELECT count(*) FROM waitlist_entries WHERE patient_id = {twin}")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &owner,
            &format!("SELECT count(*) FROM waitlist_entries WHERE patient_id = {survivor}")
        )
        .await,
        3
    );
    let slot = FreedSlot {
        doctor_id: rao,
        starts_at: at(day, 11, 0),
        ends_at: at(day, 11, 15),
    };
    let m = waitlist::matches(&c.desk, &slot).await.unwrap();
    let names: Vec<(i64, &str)> = m
        .entries
        .iter()
        .map(|e| (e.id, e.patient_name.as_str()))
        .collect();
    assert_eq!(names[0], (open.id, "Jaya Novak"));
    assert_eq!(names.len(), 2, "the moved entry and the survivor's own");
}
