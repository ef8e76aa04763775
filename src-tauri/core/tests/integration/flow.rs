//! The flow board and the DNA report against a real PostgreSQL (issue 14, parts 5 and 6): check-in stamps, the
//! doctor's "call next" (order, nobody arrived, racing PCs), waiting minutes and averages on the board, the
//! waiting alert setting, and no-show counts against hand-computed data, with their CSV export.

use std::collections::HashSet;

use chrono::NaiveDate;
use clinicdesk_core::db::appointments::AppointmentStatus;
use clinicdesk_core::export::{self, ExportControl, ExportRequest, ExportStatus};
use clinicdesk_core::services::{scheduling as appts, settings};
use clinicdesk_core::testing::Clinic;
use clinicdesk_core::Error;
use sqlx::PgPool;

/// Appointments today for `doctor`, one per patient, loaded by the owner at this minute (overbooked, so one
/// doctor can have several at once; the desk cannot book the past).
async fn today_for(owner: &PgPool, doctor: i64, patients: &[i64]) -> Vec<i64> {
    let mut ids = vec![];
    for p in patients {
        ids.push(
            sqlx::query_scalar(
                "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, overbooked)
                 VALUES ($1, $2, date_trunc('minute', now()), date_trunc('minute', now()) + interval '15 minutes', true)
                 RETURNING id",
            )
            .bind(doctor)
            .bind(p)
            .fetch_one(owner)
            .await
            .unwrap(),
        );
    }
    ids
}

async fn patients(c: &Clinic, n: usize) -> Vec<i64> {
    let mut v = vec![];
    for i in 0..n {
        v.push(c.patient(&format!("Patient {i:02}")).await);
    }
    v
}

async fn called(owner: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM appointments WHERE called_at IS NOT NULL")
        .fetch_one(owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn call_next_takes_the_earliest_arrival_and_says_so_when_nobody_is_there() {
    let c = Clinic::new("Europe/London").await;
    let owner = c.db.owner_pool().await;
    let (rao, rao_desk) = c.doctor("Dr. Rao", true).await;
    let rao_desk = rao_desk.unwrap();
    let (lee, lee_desk) = c.doctor("Dr. Lee", true).await;
    let lee_desk = lee_desk.unwrap();
    let ps = patients(&c, 3).await;
    let ids = today_for(&owner, rao, &ps).await;

    // nobody arrived yet: one sentence, nothing written
    let e = appts::call_next(&rao_desk, rao).await.unwrap_err();
    assert!(
        matches!(&e, Error::Validation { field, message } if field == "doctor_id" && message.contains("Nobody has arrived")),
        "{e:?}"
    );
    assert_eq!(called(&owner).await, 0);

    // they arrive in the order 2, 0, 1; each check-in is stamped by the database
    for i in [2, 0, 1] {
        let a = appts::set_status(&c.desk, ids[i], AppointmentStatus::CheckedIn)
            .await
            .unwrap();
        assert_eq!(a.status, AppointmentStatus::CheckedIn);
    }
    let board = appts::today_board(&c.desk, None).await.unwrap();
    let col = board
        .columns
        .iter()
        .find(|col| col.doctor.id == rao)
        .unwrap();
    assert_eq!(col.flow.waiting, 3);
    assert!(col
        .flow
        .cards
        .iter()
        .all(|f| f.state == appts::FlowState::Arrived && f.checked_in_at.is_some()));

    // another doctor cannot call Rao's patients in
    assert!(matches!(
        appts::call_next(&lee_desk, rao).await,
        Err(Error::PermissionDenied(_))
    ));
    assert_eq!(called(&owner).await, 0);

    // first come, first called: the doctor, then the desk on the doctor's behalf
    let first = appts::call_next(&rao_desk, rao).await.unwrap();
    assert_eq!(first.id, ids[2]);
    let second = appts::call_next(&c.desk, rao).await.unwrap();
    assert_eq!(second.id, ids[0]);
    let board = appts::today_board(&c.desk, None).await.unwrap();
    let col = board
        .columns
        .iter()
        .find(|col| col.doctor.id == rao)
        .unwrap();
    let state_of = |id: i64| {
        col.flow
            .cards
            .iter()
            .find(|f| f.appointment_id == id)
            .unwrap()
            .state
    };
    assert_eq!(state_of(ids[2]), appts::FlowState::WithDoctor);
    assert_eq!(state_of(ids[0]), appts::FlowState::WithDoctor);
    assert_eq!(state_of(ids[1]), appts::FlowState::Arrived);
    assert_eq!(col.flow.waiting, 1);

    // completing a visit moves it to done
    appts::set_status(&rao_desk, ids[2], AppointmentStatus::Completed)
        .await
        .unwrap();
    let board = appts::today_board(&c.desk, None).await.unwrap();
    let col = board
        .columns
        .iter()
        .find(|col| col.doctor.id == rao)
        .unwrap();
    assert_eq!(
        col.flow
            .cards
            .iter()
            .find(|f| f.appointment_id == ids[2])
            .unwrap()
            .state,
        appts::FlowState::Done
    );

    assert_eq!(appts::call_next(&rao_desk, rao).await.unwrap().id, ids[1]);
    // everybody called: the sentence again, nothing more written
    assert!(appts::call_next(&rao_desk, rao).await.is_err());
    assert_eq!(called(&owner).await, 3);
    // Lee has nobody either
    assert!(matches!(
        appts::call_next(&lee_desk, lee).await,
        Err(Error::Validation { .. })
    ));
}

#[tokio::test]
async fn two_pcs_calling_at_once_never_call_the_same_patient_twice() {
    let c = Clinic::new("UTC").await;
    let owner = c.db.owner_pool().await;
    let (rao, rao_desk) = c.doctor("Dr. Rao", true).await;
    let rao_desk = rao_desk.unwrap();
    let ps = patients(&c, 8).await;
    let ids = today_for(&owner, rao, &ps).await;
    for id in &ids {
        appts::set_status(&c.desk, *id, AppointmentStatus::CheckedIn)
            .await
            .unwrap();
    }
    // 12 calls from two PCs (the doctor's and the desk's) at once, for 8 waiting patients
    let mut tasks = vec![];
    for i in 0..12 {
        let desk = if i % 2 == 0 {
            rao_desk.clone()
        } else {
            c.desk.clone()
        };
        tasks.push(tokio::spawn(
            async move { appts::call_next(&desk, rao).await },
        ));
    }
    let mut got = vec![];
    let mut nobody = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(a) => got.push(a.id),
            Err(Error::Validation { field, .. }) if field == "doctor_id" => nobody += 1,
            Err(e) => panic!("unexpected: {e:?}"),
        }
    }
    let distinct: HashSet<i64> = got.iter().copied().collect();
    assert_eq!(got.len(), 8, "each waiting patient called once");
    assert_eq!(distinct, ids.iter().copied().collect::<HashSet<_>>());
    assert_eq!(nobody, 4);
    assert_eq!(called(&owner).await, 8);
}

#[tokio::test]
async fn the_board_shows_waiting_minutes_averages_and_the_alert() {
    let c = Clinic::new("Australia/Sydney").await;
    let owner = c.db.owner_pool().await;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let ps = patients(&c, 4).await;
    let ids = today_for(&owner, rao, &ps).await;
    for id in &ids[..3] {
        appts::set_status(&c.desk, *id, AppointmentStatus::CheckedIn)
            .await
            .unwrap();
    }
    // the owner back-dates the arrivals (staff cannot: see the attack suite): 25 and 5 minutes waiting, and one
    // who waited 40 − 30 = 10 minutes before being called
    for (id, arrived, call) in [
        (ids[0], 25, None),
        (ids[1], 5, None),
        (ids[2], 40, Some(30)),
    ] {
        sqlx::query(
            "UPDATE appointments SET checked_in_at = now() - make_interval(mins => $2),
                    called_at = now() - make_interval(mins => $3) WHERE id = $1",
        )
        .bind(id)
        .bind(arrived)
        .bind(call)
        .execute(&owner)
        .await
        .unwrap();
    }
    let board = appts::today_board(&c.desk, None).await.unwrap();
    assert_eq!(board.wait_alert_minutes, 20, "the default alert");
    let col = board
        .columns
        .iter()
        .find(|col| col.doctor.id == rao)
        .unwrap();
    let card = |id: i64| {
        col.flow
            .cards
            .iter()
            .find(|f| f.appointment_id == id)
            .unwrap()
            .clone()
    };
    assert_eq!(card(ids[0]).wait_minutes, Some(25));
    assert!(card(ids[0]).over_threshold);
    assert_eq!(card(ids[1]).wait_minutes, Some(5));
    assert!(!card(ids[1]).over_threshold);
    assert_eq!(card(ids[2]).wait_minutes, Some(10));
    assert_eq!(card(ids[2]).state, appts::FlowState::WithDoctor);
    assert_eq!(card(ids[3]).wait_minutes, None, "not arrived");
    assert_eq!(card(ids[3]).state, appts::FlowState::Booked);
    // (25 + 5 + 10) / 3 = 13.3
    assert_eq!(col.flow.average_wait_minutes, Some(13));
    assert_eq!(col.flow.waiting, 2);
    // the cards follow the appointments' order
    assert_eq!(
        col.appointments.iter().map(|a| a.id).collect::<Vec<_>>(),
        col.flow
            .cards
            .iter()
            .map(|f| f.appointment_id)
            .collect::<Vec<_>>()
    );

    // the alert threshold: administrators set it, bad values are field errors, nothing written
    for bad in [0, 241, -5] {
        let e = settings::set_wait_alert_minutes(&c.admin, bad)
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some("wait_alert_minutes"), "{bad}");
    }
    assert!(matches!(
        settings::set_wait_alert_minutes(&c.desk, 30).await,
        Err(Error::PermissionDenied(_))
    ));
    assert_eq!(settings::wait_alert_minutes(&c.desk).await.unwrap(), 20);
    assert_eq!(
        settings::set_wait_alert_minutes(&c.admin, 30)
            .await
            .unwrap(),
        30
    );
    let board = appts::today_board(&c.desk, None).await.unwrap();
    let col = board
        .columns
        .iter()
        .find(|col| col.doctor.id == rao)
        .unwrap();
    assert_eq!(board.wait_alert_minutes, 30);
    assert!(col.flow.cards.iter().all(|f| !f.over_threshold));
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A stored appointment in New York local time (the owner loads history; triggers stamp nothing here).
async fn past(owner: &PgPool, doctor: i64, patient: i64, local: &str, status: &str) {
    sqlx::query(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status, cancel_reason)
         VALUES ($1, $2, $3::timestamp AT TIME ZONE 'America/New_York',
                 ($3::timestamp + interval '15 minutes') AT TIME ZONE 'America/New_York', $4,
                 CASE WHEN $4 = 'cancelled' THEN 'called to cancel' END)",
    )
    .bind(doctor)
    .bind(patient)
    .bind(local)
    .bind(status)
    .execute(owner)
    .await
    .unwrap();
}

#[tokio::test]
async fn dna_report_counts_match_hand_computed_data_and_export_through_the_writer() {
    let c = Clinic::new("America/New_York").await;
    let owner = c.db.owner_pool().await;
    let (adams, adams_desk) = c.doctor("Dr. Adams", true).await;
    let adams_desk = adams_desk.unwrap();
    let (baker, _) = c.doctor("Dr. Baker", false).await;
    let p1 = c.patient("Pia One").await;
    let p2 = c.patient("Paul Two").await;
    let p3 = c.patient("Petra Three").await;
    // a name a spreadsheet would run
    sqlx::query("UPDATE patients SET full_name = '=HYPERLINK(1)' WHERE id = $1")
        .bind(p3)
        .execute(&owner)
        .await
        .unwrap();
    // January 2026, New York time (UTC−5): the period's edges are local midnights
    past(&owner, adams, p1, "2026-01-05 10:00", "no_show").await;
    past(&owner, adams, p1, "2026-01-20 10:00", "no_show").await;
    past(&owner, adams, p1, "2026-02-03 10:00", "no_show").await; // after the period
    past(&owner, adams, p2, "2026-01-01 00:15", "no_show").await; // 05:15 UTC: inside
    past(&owner, adams, p2, "2026-01-11 10:00", "completed").await;
    past(&owner, adams, p2, "2026-01-12 10:00", "cancelled").await;
    past(&owner, adams, p3, "2025-12-31 23:30", "no_show").await; // 04:30 UTC on Jan 1: outside
    past(&owner, baker, p1, "2026-01-31 23:30", "no_show").await; // 04:30 UTC on Feb 1: inside
    past(&owner, baker, p3, "2026-01-15 09:00", "no_show").await;
    past(&owner, baker, p3, "2026-01-16 09:00", "no_show").await;
    past(&owner, baker, p3, "2026-01-17 09:00", "no_show").await;

    let r = appts::no_show_report(&c.desk, d(2026, 1, 1), d(2026, 1, 31), None)
        .await
        .unwrap();
    // by hand: Adams — Pia 2 (last Jan 20), Paul 1 (Jan 1); Baker — Petra 3 (Jan 17), Pia 1 (Jan 31)
    type PatientLine = (String, i64, NaiveDate);
    let got: Vec<(String, i64, Vec<PatientLine>)> = r
        .doctors
        .iter()
        .map(|doc| {
            (
                doc.doctor_name.clone(),
                doc.no_shows,
                doc.patients
                    .iter()
                    .map(|p| (p.patient_name.clone(), p.no_shows, p.last_no_show))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "Dr. Adams".to_string(),
                3,
                vec![
                    ("Pia One".to_string(), 2, d(2026, 1, 20)),
                    ("Paul Two".to_string(), 1, d(2026, 1, 1)),
                ]
            ),
            (
                "Dr. Baker".to_string(),
                4,
                vec![
                    ("=HYPERLINK(1)".to_string(), 3, d(2026, 1, 17)),
                    ("Pia One".to_string(), 1, d(2026, 1, 31)),
                ]
            ),
        ]
    );
    assert_eq!(r.total, 7);
    // one doctor
    let only_baker = appts::no_show_report(&c.admin, d(2026, 1, 1), d(2026, 1, 31), Some(baker))
        .await
        .unwrap();
    assert_eq!(only_baker.total, 4);
    assert_eq!(only_baker.doctors.len(), 1);
    // a doctor sees their own, whatever they ask for
    let own = appts::no_show_report(&adams_desk, d(2026, 1, 1), d(2026, 1, 31), None)
        .await
        .unwrap();
    assert_eq!(own.total, 3);
    assert!(own.doctors.iter().all(|doc| doc.doctor_id == adams));
    assert!(matches!(
        appts::no_show_report(&adams_desk, d(2026, 1, 1), d(2026, 1, 31), Some(baker)).await,
        Err(Error::PermissionDenied(_))
    ));
    // bad periods
    for (from, to, why) in [
        (d(2026, 1, 31), d(2026, 1, 1), "before the start"),
        (d(2025, 1, 1), d(2026, 1, 1), "at most one year"),
    ] {
        let e = appts::no_show_report(&c.desk, from, to, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, message } if field == "to" && message.contains(why)),
            "{e:?}"
        );
    }

    // the CSV, through the export writer, as the desk
    let mrn = |p: i64| {
        let owner = owner.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT mrn FROM patients WHERE id = $1")
                .bind(p)
                .fetch_one(&owner)
                .await
                .unwrap()
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dna.csv");
    let started = export::start(
        &c.desk,
        ExportRequest::no_shows(d(2026, 1, 1), d(2026, 1, 31), None, &path, false),
    )
    .await
    .unwrap();
    let out = export::run(&c.desk, &started, &ExportControl::default())
        .await
        .unwrap();
    assert_eq!((out.status, out.rows), (ExportStatus::Done, 4));
    assert!(
        out.message.contains("Saved 4 patients with no-shows"),
        "{}",
        out.message
    );
    let expected = format!(
        "Doctor,Patient ID,MRN,Patient name,Phone,No-shows,Last no-show\r\n\
         Dr. Adams,{p1},{m1},Pia One,'+447700900123,2,2026-01-20\r\n\
         Dr. Adams,{p2},{m2},Paul Two,'+447700900123,1,2026-01-01\r\n\
         Dr. Baker,{p3},{m3},'=HYPERLINK(1),'+447700900123,3,2026-01-17\r\n\
         Dr. Baker,{p1},{m1},Pia One,'+447700900123,1,2026-01-31\r\n",
        m1 = mrn(p1).await,
        m2 = mrn(p2).await,
        m3 = mrn(p3).await,
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600,
            "a private file"
        );
    }
    let (kind, status, rows): (String, String, i64) =
        sqlx::query_as("SELECT kind, status, rows_written FROM exports WHERE id = $1")
            .bind(out.export_id)
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(
        (kind.as_str(), status.as_str(), rows),
        ("no_shows", "done", 4)
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'export_done' AND row_id = 'no_shows'",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // a doctor's export holds their own rows only; a cancelled one leaves no file
    let own_path = dir.path().join("own.csv");
    let started = export::start(
        &adams_desk,
        ExportRequest::no_shows(d(2026, 1, 1), d(2026, 1, 31), None, &own_path, false),
    )
    .await
    .unwrap();
    let out = export::run(&adams_desk, &started, &ExportControl::default())
        .await
        .unwrap();
    assert_eq!(out.rows, 2);
    assert!(!std::fs::read_to_string(&own_path)
        .unwrap()
        .contains("Baker"));
    let control = ExportControl::default();
    control
        .cancel
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let gone = dir.path().join("cancelled.csv");
    let started = export::start(
        &c.desk,
        ExportRequest::no_shows(d(2026, 1, 1), d(2026, 1, 31), None, &gone, false),
    )
    .await
    .unwrap();
    let out = export::run(&c.desk, &started, &control).await.unwrap();
    assert_eq!(out.status, ExportStatus::Cancelled);
    assert!(!gone.exists());
    // bad periods are refused before anything is recorded
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM exports")
        .fetch_one(&owner)
        .await
        .unwrap();
    let e = export::start(
        &c.desk,
        ExportRequest::no_shows(
            d(2026, 2, 1),
            d(2026, 1, 1),
            None,
            dir.path().join("bad.csv"),
            false,
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(e.field(), Some("to"));
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM exports")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(before, after, "nothing recorded");
}
