//! Connection faults: the server stops and starts under a signed-in desk. Writes during the outage fail with
//! `Unavailable` and leave nothing behind; the same pools work again once the server is back (no restart); a
//! booking retried with its idempotency key is made exactly once. It stops its own cluster (`PrivateCluster`), not
//! the one the other tests share.

use chrono::{Duration, NaiveTime, Utc};
use clinicdesk_core::embedded::Durability;
use clinicdesk_core::services::{connection, scheduling as appointments};
use clinicdesk_core::testing::{Clinic, PrivateCluster};
use clinicdesk_core::Error;

#[tokio::test]
async fn server_restart_mid_session_recovers_and_retries_never_double_book() {
    let private = PrivateCluster::start(Durability::Throwaway).await;
    let clinic = Clinic::set_up_in(private.db.clone(), "Europe/London").await;
    let (doctor, _) = clinic.doctor("Dr. Lena Fischer", false).await;
    let patient = clinic.patient("Olu Adeyemi").await;
    let at = (Utc::now() + Duration::days(3))
        .date_naive()
        .and_time(NaiveTime::from_hms_opt(11, 0, 0).unwrap())
        .and_utc();
    connection::ping(&clinic.desk).await.unwrap();

    // the server goes away mid-session
    let c = &private.cluster;
    c.stop().await.unwrap();
    let e = connection::ping(&clinic.desk).await.unwrap_err();
    assert!(matches!(e, Error::Unavailable(_)), "{e:?}");
    let key = "3f2a9c1e-7b4d-4e8a-9f00-aa11bb22cc33";
    let e = appointments::book_idempotent(&clinic.desk, key, doctor, patient, at)
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Unavailable(_)),
        "a failed write says so: {e:?}"
    );

    // the app's recovery path brings the built-in server back; the same pools reconnect
    assert!(connection::recover_embedded(&clinic.db.target)
        .await
        .unwrap());
    assert!(!connection::recover_embedded(&clinic.db.target)
        .await
        .unwrap());
    connection::ping(&clinic.desk).await.unwrap();
    let count = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM appointments")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(
        count(clinic.admin.pool().clone()).await,
        0,
        "the failed write did not happen"
    );

    // the retry books once; a second retry with the same key returns the same appointment
    let first = appointments::book_idempotent(&clinic.desk, key, doctor, patient, at)
        .await
        .unwrap();
    let again = appointments::book_idempotent(&clinic.desk, key, doctor, patient, at)
        .await
        .unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(count(clinic.admin.pool().clone()).await, 1);

    // a different key for the same slot is a new request: the database refuses the double booking
    let other = appointments::book_idempotent(
        &clinic.desk,
        "9d9d9d9d-0000-4000-8000-000000000001",
        doctor,
        patient,
        at,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(other, Error::Conflict(_) | Error::Validation { .. }),
        "{other:?}"
    );
    assert_eq!(count(clinic.admin.pool().clone()).await, 1);

    // malformed keys are refused before anything is written
    for bad in ["short", "has space in it!", &"k".repeat(65)] {
        let e = appointments::book_idempotent(&clinic.desk, bad, doctor, patient, at)
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some("request_key"), "{bad}");
    }

    // two desks retrying the same request at once still make one appointment
    let at2 = at + Duration::hours(1);
    let p2 = clinic.patient("Mina Park").await;
    let k2 = "11111111-2222-4333-8444-555555555555";
    let (a, b) = tokio::join!(
        appointments::book_idempotent(&clinic.desk, k2, doctor, p2, at2),
        appointments::book_idempotent(&clinic.desk, k2, doctor, p2, at2),
    );
    assert_eq!(a.unwrap().id, b.unwrap().id);
    assert_eq!(count(clinic.admin.pool().clone()).await, 2);
}
