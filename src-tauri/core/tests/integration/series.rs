//! Recurring series (issue 14, part 3): the preview names every conflict (holiday, taken, the patient busy)
//! with the nearest free alternative; the save is atomic; local times hold across a DST change; cancelling takes
//! one visit or it and all later. Real PostgreSQL.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use clinicdesk_core::db::appointments::AppointmentStatus;
use clinicdesk_core::db::availability::ExceptionInput;
use clinicdesk_core::schedule::ExceptionKind;
use clinicdesk_core::services::scheduling::{RepeatUnit, SeriesRequest};
use clinicdesk_core::services::{availability, scheduling as appts};
use clinicdesk_core::testing::Clinic;
use clinicdesk_core::Error;

fn at(tz: chrono_tz::Tz, date: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    tz.from_local_datetime(&date.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap()))
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

fn weekly(doctor: i64, patient: i64, first: DateTime<Utc>, count: i32) -> SeriesRequest {
    SeriesRequest {
        doctor_id: doctor,
        patient_id: patient,
        type_id: None,
        reason: "physio after knee surgery".into(),
        first_start: first,
        every: 1,
        unit: RepeatUnit::Weeks,
        weekdays: vec![],
        count: Some(count),
        until: None,
    }
}

async fn in_series(c: &Clinic, series_of: i64) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT to_char(b.starts_at AT TIME ZONE 'Europe/London', 'YYYY-MM-DD HH24:MI'), b.status
           FROM appointments a JOIN appointments b ON b.series_id = a.series_id
          WHERE a.id = $1 ORDER BY b.starts_at",
    )
    .bind(series_of)
    .fetch_all(&c.db.owner_pool().await)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_weekly_series_previews_its_conflicts_with_alternatives_and_books_atomically() {
    let c = Clinic::new("Europe/London").await;
    let tz = chrono_tz::Europe::London;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let (lee, _) = c.doctor("Dr. Lee", false).await;
    let pat = c.patient("Pat Weekly").await;
    let other = c.patient("Oli Other").await;
    let first = Utc::now().with_timezone(&tz).date_naive() + Duration::days(3);
    let week = |k: i64| first + Duration::days(7 * k);
    // week 3 is a clinic holiday, week 4's 10:00 is taken, week 5 the patient sees Dr. Lee at 10:00
    availability::add_exception(
        &c.admin,
        &ExceptionInput {
            doctor_id: None,
            on_date: week(2),
            kind: ExceptionKind::Holiday,
            starts_at: None,
            ends_at: None,
            reason: "Bank holiday".into(),
        },
    )
    .await
    .unwrap();
    appts::book(&c.desk, rao, other, at(tz, week(3), 10, 0))
        .await
        .unwrap();
    appts::book(&c.desk, lee, pat, at(tz, week(4), 10, 0))
        .await
        .unwrap();

    let req = weekly(rao, pat, at(tz, first, 10, 0), 6);
    let preview = appts::preview_series(&c.desk, &req).await.unwrap();
    assert_eq!(preview.len(), 6);
    let conflicts: Vec<Option<&str>> = preview.iter().map(|o| o.conflict.as_deref()).collect();
    assert_eq!(
        conflicts,
        [
            None,
            None,
            Some("The clinic is closed that day."),
            Some("Dr. Rao already has an appointment then."),
            Some("The patient has another appointment then."),
            None
        ]
    );
    assert!(preview.iter().all(|o| o.time == "10:00"));
    // alternatives: the holiday's is another day; the taken one's is the nearest free start that day (10:15 or
    // 09:45); the patient's is clear of their visit with Dr. Lee (10:00–10:15)
    let alt = |i: usize| preview[i].alternative.clone().unwrap();
    assert!(alt(2).date > week(2) && alt(2).date <= week(2) + Duration::days(7));
    assert_eq!(alt(3).date, week(3));
    assert!(
        ["09:45", "10:15"].contains(&alt(3).time.as_str()),
        "{:?}",
        alt(3)
    );
    assert!(
        ["09:45", "10:15"].contains(&alt(4).time.as_str()),
        "{:?}",
        alt(4)
    );
    assert!(preview
        .iter()
        .filter(|o| o.conflict.is_none())
        .all(|o| o.alternative.is_none()));

    // atomic: a start somebody took after the preview refuses the whole series, naming that visit
    appts::book(&c.desk, rao, other, at(tz, week(5), 10, 0))
        .await
        .unwrap();
    let mut starts: Vec<DateTime<Utc>> = preview
        .iter()
        .map(|o| match &o.conflict {
            None => o.slot.as_ref().unwrap().starts_at,
            Some(_) => o.alternative.as_ref().unwrap().starts_at,
        })
        .collect();
    let e = appts::book_series(&c.desk, &req, &starts)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Conflict(m) if m.contains("at 10:00") && m.contains("Dr. Rao already has an appointment") && m.ends_with("Nothing was booked.")),
        "{e:?}"
    );
    let written: i64 =
        sqlx::query_scalar("SELECT count(*) FROM appointments WHERE series_id IS NOT NULL")
            .fetch_one(&c.db.owner_pool().await)
            .await
            .unwrap();
    assert_eq!(written, 0, "nothing half-written");

    // skip that visit: the other five are booked together, each its own appointment
    starts.remove(5);
    let booked = appts::book_series(&c.desk, &req, &starts).await.unwrap();
    assert_eq!(booked.len(), 5);
    assert!(booked
        .iter()
        .all(|a| a.series_id == booked[0].series_id && a.series_id.is_some()));
    assert!(booked
        .iter()
        .all(|a| a.reason == "physio after knee surgery"));

    // cancel the fourth and all later: the first three stay booked
    let n = appts::cancel_series(&c.desk, booked[3].id, "moved to another clinic", true)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let statuses: Vec<String> = in_series(&c, booked[0].id)
        .await
        .into_iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(
        statuses,
        ["booked", "booked", "booked", "cancelled", "cancelled"]
    );
    // one visit on its own
    appts::cancel_series(&c.desk, booked[0].id, "ill", false)
        .await
        .unwrap();
    let e = appts::cancel_series(&c.desk, booked[1].id, "", true)
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("reason"));
    let lone = appts::book(&c.desk, lee, other, at(tz, week(1), 14, 0))
        .await
        .unwrap();
    let e = appts::cancel_series(&c.desk, lone.id, "x", true)
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("and_later"));
    assert_eq!(
        appts::for_patient(&c.desk, other)
            .await
            .unwrap()
            .iter()
            .find(|a| a.id == lone.id)
            .unwrap()
            .status,
        AppointmentStatus::Booked
    );
}

#[tokio::test]
async fn a_series_across_a_dst_change_keeps_its_local_time() {
    let c = Clinic::new("Europe/London").await;
    let tz = chrono_tz::Europe::London;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let pat = c.patient("Pat Spring").await;
    // Thursdays around the last Sunday of March (clocks go forward on 28 Mar 2027)
    let first = NaiveDate::from_ymd_opt(2027, 3, 18).unwrap();
    let req = weekly(rao, pat, at(tz, first, 10, 0), 3);
    let preview = appts::preview_series(&c.desk, &req).await.unwrap();
    assert!(preview.iter().all(|o| o.conflict.is_none()), "{preview:?}");
    let starts: Vec<_> = preview
        .iter()
        .map(|o| o.slot.as_ref().unwrap().starts_at)
        .collect();
    let booked = appts::book_series(&c.desk, &req, &starts).await.unwrap();
    let times: Vec<(String, String)> = booked
        .iter()
        .map(|a| (a.time.clone(), a.starts_at.format("%H:%M").to_string()))
        .collect();
    assert_eq!(
        times,
        [
            ("10:00".into(), "10:00".into()),
            ("10:00".into(), "10:00".into()),
            ("10:00".into(), "09:00".into())
        ],
        "10:00 local each week: 10:00 GMT, then 09:00 UTC in summer time"
    );
}

#[tokio::test]
async fn bad_series_are_field_errors_and_write_nothing() {
    let c = Clinic::new("UTC").await;
    let (rao, _) = c.doctor("Dr. Rao", false).await;
    let pat = c.patient("Pat Bad").await;
    let first = at(
        chrono_tz::UTC,
        Utc::now().date_naive() + Duration::days(2),
        10,
        0,
    );
    for (req, field) in [
        (
            SeriesRequest {
                count: Some(0),
                ..weekly(rao, pat, first, 1)
            },
            "count",
        ),
        (
            SeriesRequest {
                count: Some(105),
                ..weekly(rao, pat, first, 1)
            },
            "count",
        ),
        (
            SeriesRequest {
                count: None,
                until: Some(first.date_naive() - Duration::days(1)),
                ..weekly(rao, pat, first, 1)
            },
            "until",
        ),
        (
            SeriesRequest {
                reason: "r".repeat(201),
                ..weekly(rao, pat, first, 2)
            },
            "reason",
        ),
    ] {
        let e = match appts::preview_series(&c.desk, &req).await {
            Err(e) => e,
            Ok(p) => {
                let starts: Vec<_> = p
                    .iter()
                    .map(|o| o.slot.as_ref().unwrap().starts_at)
                    .collect();
                appts::book_series(&c.desk, &req, &starts)
                    .await
                    .unwrap_err()
            }
        };
        assert_eq!(e.field(), Some(field), "{req:?}: {e:?}");
    }
    let e = appts::book_series(&c.desk, &weekly(rao, pat, first, 2), &[])
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("starts"));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM appointment_series")
        .fetch_one(&c.db.owner_pool().await)
        .await
        .unwrap();
    assert_eq!(n, 0);
}
