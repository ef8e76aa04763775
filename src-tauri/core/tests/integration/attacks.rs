//! The attack suite: each staff role, signed in as itself with plain SQL (what a curious or hostile member can do
//! from psql on a desk PC), tries to get around the database boundary. Every attempt must be refused and change
//! nothing. One file that grows with every new function: docs/security.md's threat model names these tests.

use chrono::{Duration, Utc};
use clinicdesk_core::testing::{Clinic, OWNER, TEST_PASSWORD};
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres, Row};

/// A SCRAM verifier of the right shape (the functions check the shape, not the password).
const VERIFIER: &str = "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0c2FsdA==$dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=:dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=";

/// Runs `sql` and returns the SQLSTATE it was refused with; panics when it succeeds.
async fn refused(conn: &mut PoolConnection<Postgres>, sql: &str) -> String {
    match sqlx::raw_sql(sql).execute(&mut **conn).await {
        Ok(_) => panic!("this should have been refused: {sql}"),
        Err(e) => e
            .as_database_error()
            .and_then(|d| d.code().map(|c| c.into_owned()))
            .unwrap_or_else(|| panic!("not a database error for {sql}: {e}")),
    }
}

async fn ok(conn: &mut PoolConnection<Postgres>, sql: &str) {
    sqlx::raw_sql(sql)
        .execute(&mut **conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn username(pool: &PgPool) -> String {
    sqlx::query_scalar("SELECT session_user::text")
        .fetch_one(pool)
        .await
        .expect("session user")
}

/// A clinic with an admin, a desk, two doctors who sign in (Rao, Lee) and a consenting patient.
struct Scene {
    clinic: Clinic,
    owner: PgPool,
    rao: (i64, PgPool),
    lee: (i64, PgPool),
    patient: i64,
}

async fn scene() -> Scene {
    let clinic = Clinic::new("Europe/London").await;
    let (rao_id, rao) = clinic.doctor("Dr. Rao", true).await;
    let (lee_id, lee) = clinic.doctor("Dr. Lee", true).await;
    let patient = clinic.patient("Jaya Novak").await;
    let owner = clinic.db.owner_pool().await;
    Scene {
        owner,
        rao: (rao_id, rao.expect("rao signs in").pool().clone()),
        lee: (lee_id, lee.expect("lee signs in").pool().clone()),
        patient,
        clinic,
    }
}

/// Tomorrow at 10:00 UTC-ish, within the test doctors' 09:00–17:00 London hours.
fn tomorrow_at(hour: i64) -> chrono::DateTime<Utc> {
    let day = (Utc::now() + Duration::days(2)).date_naive();
    day.and_hms_opt(0, 0, 0).expect("midnight").and_utc() + Duration::hours(hour)
}

#[tokio::test]
async fn no_staff_role_can_create_temporary_objects() {
    let s = scene().await;
    for pool in [&s.clinic.admin, &s.clinic.desk, &s.rao.1] {
        let mut c = pool.acquire().await.expect("conn");
        let who = username(pool).await;
        assert_eq!(
            refused(&mut c, "CREATE TEMP TABLE staff (id bigint, username text)").await,
            "42501",
            "{who} created a temp table"
        );
        assert_eq!(
            refused(&mut c, "CREATE TEMP VIEW doctors AS SELECT 1 AS id").await,
            "42501"
        );
        let can: bool =
            sqlx::query_scalar("SELECT has_database_privilege(current_database(), 'TEMPORARY')")
                .fetch_one(&mut *c)
                .await
                .expect("privilege check");
        assert!(!can, "{who} holds TEMPORARY");
    }
}

/// The functions must not rely on the missing TEMPORARY alone: grant it (as a careless restore or DBA might) and
/// shadow every table and catalog view they read. Nothing changes what they see.
#[tokio::test]
async fn definer_functions_and_triggers_ignore_temp_tables_even_with_temporary_granted() {
    let s = scene().await;
    let db = s.clinic.db.name.clone();
    let grant = |who: String| format!("GRANT TEMPORARY ON DATABASE {db} TO {who}");
    let rao_user = username(&s.rao.1).await;
    let admin_user = username(&s.clinic.admin).await;
    let desk_user = username(&s.clinic.desk).await;
    for u in [&rao_user, &admin_user, &desk_user] {
        sqlx::raw_sql(&grant(u.clone()))
            .execute(&s.owner)
            .await
            .expect("grant temp");
    }

    // a doctor poses as another doctor through clinicdesk_current_doctor_id()
    let mut rao = s.rao.1.acquire().await.expect("conn");
    ok(
        &mut rao,
        &format!(
            "CREATE TEMP TABLE staff AS SELECT 1::bigint AS id, '{rao_user}'::text AS username;
             CREATE TEMP TABLE doctors AS SELECT {lee}::bigint AS id, 1::bigint AS staff_id, true AS active, 15 AS slot_minutes",
            lee = s.lee.0
        ),
    )
    .await;
    let me: i64 = sqlx::query_scalar("SELECT clinicdesk_current_doctor_id()")
        .fetch_one(&mut *rao)
        .await
        .expect("current doctor");
    assert_eq!(me, s.rao.0, "the doctor became another doctor");
    let changed = sqlx::query(&format!(
        "DELETE FROM public.doctor_availability WHERE doctor_id = {}",
        s.lee.0
    ))
    .execute(&mut *rao)
    .await
    .expect("delete runs under RLS")
    .rows_affected();
    assert_eq!(changed, 0, "Rao removed Lee's hours");
    drop(rao);

    // an administrator aims the staff-password function at the superuser (and at a non-staff role)
    let mut admin = s.clinic.admin.acquire().await.expect("conn");
    ok(
        &mut admin,
        &format!(
            "CREATE TEMP TABLE staff AS SELECT 1::bigint AS id, '{OWNER}'::text AS username, 'admin'::text AS role, true AS active;
             CREATE TEMP TABLE pg_roles AS SELECT '{OWNER}'::name AS rolname, false AS rolsuper"
        ),
    )
    .await;
    for target in [OWNER, "postgres", "clinicdesk_admin"] {
        let code = refused(
            &mut admin,
            &format!("SELECT clinicdesk_set_staff_password('{target}', '{VERIFIER}')"),
        )
        .await;
        assert_eq!(code, "P0002", "the password of {target} was set");
    }
    let code = refused(
        &mut admin,
        &format!("SELECT clinicdesk_set_staff_active('{OWNER}', false)"),
    )
    .await;
    assert_eq!(code, "P0002");
    drop(admin);
    // the owner is untouched
    let superuser: bool = sqlx::query_scalar(&format!(
        "SELECT rolsuper FROM pg_roles WHERE rolname = '{OWNER}'"
    ))
    .fetch_one(&s.owner)
    .await
    .expect("owner");
    assert!(superuser);

    // reception hides an inactive doctor and a blacklisted patient from the booking guard
    sqlx::raw_sql(&format!(
        "UPDATE doctors SET active = false WHERE id = {lee};
         UPDATE patients SET blacklisted_at = now(), blacklist_reason = 'abusive' WHERE id = {p}",
        lee = s.lee.0,
        p = s.patient
    ))
    .execute(&s.owner)
    .await
    .expect("set up");
    let mut desk = s.clinic.desk.acquire().await.expect("conn");
    ok(
        &mut desk,
        &format!(
            "CREATE TEMP TABLE doctors AS SELECT {lee}::bigint AS id, true AS active;
             CREATE TEMP TABLE patients AS SELECT {p}::bigint AS id, NULL::timestamptz AS blacklisted_at;
             CREATE TEMP TABLE pg_roles AS SELECT '{desk_user}'::name AS rolname, true AS rolsuper",
            lee = s.lee.0,
            p = s.patient
        ),
    )
    .await;
    let other = s.clinic.patient("Omar Haddad").await;
    let start = tomorrow_at(10);
    let insert = |doctor: i64, patient: i64, at: chrono::DateTime<Utc>| {
        format!(
            "INSERT INTO public.appointments (doctor_id, patient_id, starts_at, ends_at)
             VALUES ({doctor}, {patient}, '{}', '{}')",
            at.to_rfc3339(),
            (at + Duration::minutes(15)).to_rfc3339()
        )
    };
    assert_eq!(
        refused(&mut desk, &insert(s.lee.0, other, start)).await,
        "23514",
        "booked an inactive doctor"
    );
    assert_eq!(
        refused(&mut desk, &insert(s.rao.0, s.patient, start)).await,
        "23514",
        "booked a blacklisted patient"
    );
    assert_eq!(
        refused(
            &mut desk,
            &insert(s.rao.0, other, Utc::now() - Duration::days(3))
        )
        .await,
        "23514",
        "booked in the past"
    );
    drop(desk);
    assert_eq!(
        count(&s.owner, "SELECT count(*) FROM appointments").await,
        0
    );
}

/// Every function of ClinicDesk pins the search path with pg_temp last (a staff temp table cannot shadow what it
/// reads), and every SECURITY DEFINER and trigger function also names the relations it reads with their schema.
/// A new function cannot slip.
#[tokio::test]
async fn every_function_pins_its_search_path_and_definers_and_triggers_qualify_relations() {
    let s = scene().await;
    let rows = sqlx::query(
        "SELECT p.proname::text AS name, p.prosecdef, p.prorettype = 'trigger'::regtype AS trigger,
                coalesce(p.proconfig, '{}') AS config, p.prosrc
           FROM pg_proc p
          WHERE p.pronamespace = 'public'::regnamespace
            AND p.prokind IN ('f', 'p')
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                               AND d.deptype IN ('e', 'i'))
          ORDER BY 1",
    )
    .fetch_all(&s.owner)
    .await
    .expect("functions");
    let relations: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class
          WHERE relnamespace IN ('public'::regnamespace, 'pg_catalog'::regnamespace)
            AND relkind IN ('r', 'v', 'm', 'p', 'f', 'S')",
    )
    .fetch_all(&s.owner)
    .await
    .expect("relations");
    assert!(rows.len() >= 30, "only {} functions found", rows.len());
    assert!(
        rows.iter()
            .any(|r| r.get::<String, _>("name") == "clinicdesk_name_key"),
        "the search key is among them"
    );
    let mut definers = 0;
    for r in &rows {
        let name: String = r.get("name");
        let config: Vec<String> = r.get("config");
        definers += r.get::<bool, _>("prosecdef") as usize;
        // other settings (jit=off) may sit beside it; the search path is exactly this one
        let paths: Vec<&String> = config
            .iter()
            .filter(|c| c.starts_with("search_path="))
            .collect();
        assert_eq!(
            paths,
            ["search_path=pg_catalog, public, pg_temp"],
            "{name} does not pin its search path: {config:?}"
        );
        if !(r.get::<bool, _>("prosecdef") || r.get::<bool, _>("trigger")) {
            continue;
        }
        let body: String = r.get("prosrc");
        for bare in unqualified_relations(&body, &relations) {
            panic!("{name} reads {bare} without its schema");
        }
    }
    assert!(definers >= 10, "only {definers} SECURITY DEFINER functions");
}

/// Relation names that follow FROM / JOIN / INTO / UPDATE / TABLE without a schema in a function body.
fn unqualified_relations(body: &str, relations: &[String]) -> Vec<String> {
    let lower = body.to_lowercase();
    let bytes = lower.as_bytes();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut words = vec![];
    let mut i = 0;
    while i < bytes.len() {
        if is_ident(bytes[i]) && (i == 0 || !is_ident(bytes[i - 1])) {
            let start = i;
            while i < bytes.len() && is_ident(bytes[i]) {
                i += 1;
            }
            let mut j = i;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            let next = bytes.get(j).copied().unwrap_or(b' ');
            words.push((&lower[start..i], next));
        } else {
            i += 1;
        }
    }
    let mut found = vec![];
    for w in words.windows(2) {
        let ((kw, _), (name, next)) = (w[0], w[1]);
        if ["from", "join", "into", "update", "table"].contains(&kw)
            && next != b'.'
            && next != b'('
            && relations.iter().any(|r| r == name)
        {
            found.push(name.to_string());
        }
    }
    found
}

#[test]
fn the_qualification_check_finds_a_bare_table() {
    let rel = vec!["staff".to_string(), "pg_roles".to_string()];
    assert_eq!(
        unqualified_relations(
            "SELECT 1 FROM staff s JOIN pg_catalog.pg_roles r ON true",
            &rel
        ),
        vec!["staff"]
    );
    assert!(unqualified_relations(
        "SELECT 1 FROM public.staff s, jsonb_each(x) JOIN pg_catalog.pg_roles r ON true",
        &rel
    )
    .is_empty());
}

#[tokio::test]
async fn no_staff_role_can_write_or_read_the_outbox_directly() {
    let s = scene().await;
    for pool in [&s.clinic.admin, &s.clinic.desk, &s.rao.1] {
        let who = username(pool).await;
        let mut c = pool.acquire().await.expect("conn");
        assert_eq!(
            refused(
                &mut c,
                "INSERT INTO notifications (dedupe_key, channel, recipient, body)
                 VALUES ('appointment:1:booked:0', 'sms', '+15550100', 'Your bank details please')"
            )
            .await,
            "42501",
            "{who} wrote to the outbox"
        );
        for f in [
            "clinicdesk_enqueue_patient_message(1, 'booked', 'x')",
            "clinicdesk_local_when(now())",
        ] {
            assert_eq!(
                refused(&mut c, &format!("SELECT {f}")).await,
                "42501",
                "{who} called {f}"
            );
        }
    }
    for pool in [&s.clinic.desk, &s.rao.1] {
        let mut c = pool.acquire().await.expect("conn");
        assert_eq!(
            refused(&mut c, "SELECT dedupe_key FROM notifications").await,
            "42501"
        );
        for f in [
            "clinicdesk_enqueue_reminders(current_date, 'day')",
            "clinicdesk_enqueue_staff_digest(current_date)",
            "clinicdesk_enqueue_report_emails(date_trunc('month', now())::date)",
        ] {
            assert_eq!(
                refused(&mut c, &format!("SELECT * FROM {f}")).await,
                "42501"
            );
        }
    }
    // an administrator may retry or cancel a message, never rewrite what it says or where it goes
    let mut admin = s.clinic.admin.acquire().await.expect("conn");
    for col in [
        "body = 'x'",
        "recipient = 'x'",
        "subject = 'x'",
        "body_html = 'x'",
        "dedupe_key = 'x'",
    ] {
        assert_eq!(
            refused(&mut admin, &format!("UPDATE notifications SET {col}")).await,
            "42501",
            "admin rewrote {col}"
        );
    }
    drop(admin);
    assert_eq!(
        count(&s.owner, "SELECT count(*) FROM notifications").await,
        0
    );
}

/// The message a booking sends is the database's: to the patient's own contact, with clinic, doctor and time only.
#[tokio::test]
async fn a_booking_by_plain_sql_queues_the_databases_own_message() {
    let s = scene().await;
    let start = tomorrow_at(11);
    sqlx::query(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(s.rao.0)
    .bind(s.patient)
    .bind(start)
    .bind(start + Duration::minutes(15))
    .execute(s.clinic.desk.pool())
    .await
    .expect("desk books");
    let rows = sqlx::query(
        "SELECT channel, recipient, subject, body, dedupe_key, kind FROM notifications ORDER BY id",
    )
    .fetch_all(&s.owner)
    .await
    .expect("outbox");
    assert_eq!(rows.len(), 1);
    let body: String = rows[0].get("body");
    assert_eq!(rows[0].get::<String, _>("channel"), "sms");
    assert_eq!(rows[0].get::<String, _>("recipient"), "+447700900123");
    assert_eq!(
        rows[0].get::<String, _>("subject"),
        "Riverside Clinic: Appointment confirmed"
    );
    assert!(
        body.starts_with(
            "Hello Jaya, your appointment at Riverside Clinic with Dr. Rao is confirmed for "
        ),
        "{body}"
    );
    assert!(
        !body.contains("General Medicine"),
        "the department leaked: {body}"
    );
    assert_eq!(rows[0].get::<String, _>("kind"), "confirmation");

    // cancelling and moving tell the patient too; a doctor's status change (check-in) does not
    let id: i64 = count(&s.owner, "SELECT max(id) FROM appointments").await;
    let later = start + Duration::hours(1);
    sqlx::query("UPDATE appointments SET starts_at = $2, ends_at = $3 WHERE id = $1")
        .bind(id)
        .bind(later)
        .bind(later + Duration::minutes(15))
        .execute(s.clinic.desk.pool())
        .await
        .expect("move");
    sqlx::query("UPDATE appointments SET status = 'cancelled', cancel_reason = 'patient called' WHERE id = $1")
        .bind(id)
        .execute(s.clinic.desk.pool())
        .await
        .expect("cancel");
    let subjects: Vec<String> = sqlx::query_scalar("SELECT subject FROM notifications ORDER BY id")
        .fetch_all(&s.owner)
        .await
        .expect("outbox");
    assert_eq!(
        subjects,
        [
            "Riverside Clinic: Appointment confirmed",
            "Riverside Clinic: Appointment moved",
            "Riverside Clinic: Appointment cancelled"
        ]
    );
}

#[tokio::test]
async fn staff_functions_refuse_another_persons_identity() {
    let s = scene().await;
    let admin_user = username(&s.clinic.admin).await;
    let desk_user = username(&s.clinic.desk).await;
    let mut desk = s.clinic.desk.acquire().await.expect("conn");
    assert_eq!(
        refused(
            &mut desk,
            &format!("SELECT clinicdesk_set_staff_password('{admin_user}', '{VERIFIER}')")
        )
        .await,
        "42501"
    );
    assert_eq!(
        refused(
            &mut desk,
            &format!("SELECT clinicdesk_create_staff('mallory', 'M', 'admin', '{VERIFIER}')")
        )
        .await,
        "42501"
    );
    assert_eq!(
        refused(
            &mut desk,
            &format!("SELECT clinicdesk_set_staff_active('{admin_user}', false)")
        )
        .await,
        "42501"
    );
    // the audit log names the session's own user, whatever the caller passes
    assert_eq!(
        refused(
            &mut desk,
            "INSERT INTO audit_log (actor, action, table_name) VALUES ('someone_else', 'x', 'y')"
        )
        .await,
        "42501"
    );
    ok(
        &mut desk,
        "SELECT audit_event('probe', 'patients', '1', '{\"actor\": \"someone_else\"}')",
    )
    .await;
    drop(desk);
    let actor: String = sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'probe'")
        .fetch_one(&s.owner)
        .await
        .expect("probe row");
    assert_eq!(actor, desk_user);

    let mut rao = s.rao.1.acquire().await.expect("conn");
    // a doctor's own hours only, own appointments only, own reports only, treatments on own visits only
    assert_eq!(
        refused(
            &mut rao,
            &format!(
                "INSERT INTO doctor_availability (doctor_id, weekday, starts_at, ends_at) VALUES ({}, 1, '06:00', '07:00')",
                s.lee.0
            )
        )
        .await,
        "42501"
    );
    let start = tomorrow_at(12);
    let appt: i64 = sqlx::query_scalar(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(s.lee.0)
    .bind(s.patient)
    .bind(start)
    .bind(start + Duration::minutes(15))
    .fetch_one(s.clinic.desk.pool())
    .await
    .expect("desk books Lee");
    let moved = sqlx::query("UPDATE appointments SET status = 'checked_in' WHERE id = $1")
        .bind(appt)
        .execute(&mut *rao)
        .await
        .expect("runs under RLS")
        .rows_affected();
    assert_eq!(moved, 0, "Rao checked in Lee's patient");
    assert_eq!(
        refused(
            &mut rao,
            &format!("INSERT INTO treatments (appointment_id, visit_type) VALUES ({appt}, 'consultation')")
        )
        .await,
        "42501"
    );
    drop(rao);
    assert_eq!(
        count(
            &s.owner,
            &format!("SELECT count(*) FROM appointments WHERE id = {appt} AND status = 'booked'")
        )
        .await,
        1
    );
}

#[tokio::test]
async fn staff_cannot_create_roles_grant_groups_or_change_identity() {
    let s = scene().await;
    for pool in [&s.clinic.admin, &s.clinic.desk, &s.rao.1] {
        let me = username(pool).await;
        let mut c = pool.acquire().await.expect("conn");
        assert_eq!(
            refused(&mut c, "CREATE ROLE mallory LOGIN SUPERUSER").await,
            "42501"
        );
        assert_eq!(refused(&mut c, "CREATE ROLE mallory LOGIN").await, "42501");
        assert_eq!(
            refused(&mut c, &format!("GRANT clinicdesk_admin TO {me}")).await,
            "42501"
        );
        assert_eq!(
            refused(&mut c, &format!("ALTER ROLE {me} CREATEROLE")).await,
            "42501"
        );
        assert_eq!(refused(&mut c, &format!("SET ROLE {OWNER}")).await, "42501");
        assert_eq!(
            refused(&mut c, &format!("SET SESSION AUTHORIZATION {OWNER}")).await,
            "42501"
        );
        assert_eq!(
            refused(&mut c, "CREATE TABLE public.mine (x int)").await,
            "42501"
        );
        assert_eq!(
            refused(
                &mut c,
                "CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS 'SELECT 0'"
            )
            .await,
            "42501"
        );
    }
    let mut desk = s.clinic.desk.acquire().await.expect("conn");
    assert_eq!(
        refused(&mut desk, "SET ROLE clinicdesk_admin").await,
        "42501"
    );
    drop(desk);
    assert_eq!(
        count(
            &s.owner,
            "SELECT count(*) FROM pg_roles WHERE rolname = 'mallory'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn deactivating_a_member_ends_their_open_sessions() {
    let s = scene().await;
    let desk_user = username(&s.clinic.desk).await;
    let mut open = s.clinic.desk.acquire().await.expect("desk connection");
    ok(&mut open, "SELECT 1").await;
    sqlx::query("SELECT clinicdesk_set_staff_active($1, false)")
        .bind(&desk_user)
        .execute(s.clinic.admin.pool())
        .await
        .expect("deactivate");
    let after = sqlx::raw_sql("SELECT 1").execute(&mut *open).await;
    assert!(
        after.is_err(),
        "the deactivated member's session still works"
    );
    let left = count(
        &s.owner,
        &format!("SELECT count(*) FROM pg_stat_activity WHERE usename = '{desk_user}'"),
    )
    .await;
    assert_eq!(left, 0);
    assert!(s
        .clinic
        .db
        .pool_as(&desk_user, TEST_PASSWORD)
        .await
        .is_err());
}

#[tokio::test]
async fn audit_details_are_capped() {
    let s = scene().await;
    let big = "x".repeat(10_000);
    sqlx::query(
        "SELECT audit_event('probe', 'patients', '1', jsonb_build_object('blob', $1::text))",
    )
    .bind(&big)
    .execute(s.clinic.desk.pool())
    .await
    .expect("audit event");
    let details: serde_json::Value =
        sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'probe'")
            .fetch_one(&s.owner)
            .await
            .expect("row");
    assert_eq!(details["truncated"], true, "{details}");
    assert!(details.get("blob").is_none());
}

/// Issue 15: only an administrator merges, and only through the merge function; nobody writes a tombstone, the
/// consent stamp or the merge switch of the booking guard by hand, and a tombstone cannot be edited back to life.
#[tokio::test]
async fn no_staff_role_can_merge_patients_or_write_tombstones_by_hand() {
    let s = scene().await;
    let twin = s.clinic.patient("Jaya Novack").await;
    let p = s.patient;
    let mut rao = s.rao.1.acquire().await.expect("conn");
    let mut desk = s.clinic.desk.acquire().await.expect("conn");
    let mut admin = s.clinic.admin.acquire().await.expect("conn");
    for (who, conn) in [("doctor", &mut rao), ("reception", &mut desk)] {
        assert_eq!(
            refused(
                conn,
                &format!("SELECT clinicdesk_merge_patients({twin}, {p})")
            )
            .await,
            "42501",
            "{who} merged"
        );
    }
    // by hand: the tombstone columns, the consent stamp, an insert born a tombstone; the admin no more than the desk
    for conn in [&mut desk, &mut admin] {
        for sql in [
            format!("UPDATE patients SET merged_into_id = {p}, merged_at = now() WHERE id = {twin}"),
            format!("UPDATE patients SET merged_by = 'someone' WHERE id = {twin}"),
            format!("UPDATE patients SET consent_recorded_by = 'someone', consent_recorded_at = now() - interval '1 year' WHERE id = {p}"),
            format!("INSERT INTO patients (full_name, date_of_birth, sex, merged_into_id, merged_at) VALUES ('X', '1990-01-01', 'male', {p}, now())"),
            format!("UPDATE appointments SET patient_id = {p} WHERE patient_id = {twin}"),
        ] {
            assert_eq!(refused(conn, &sql).await, "42501", "{sql}");
        }
    }
    assert_eq!(
        refused(
            &mut rao,
            &format!("UPDATE patients SET full_name = 'X' WHERE id = {p}")
        )
        .await,
        "42501"
    );
    // the booking guard's merge switch is the owner's: a session that sets it moves nothing
    let start = tomorrow_at(10);
    sqlx::query("INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, $3, $3 + interval '15 minutes')")
        .bind(s.rao.0)
        .bind(twin)
        .bind(start)
        .execute(&mut *desk)
        .await
        .expect("book the twin");
    ok(
        &mut desk,
        "SELECT set_config('clinicdesk.merging', 'on', false)",
    )
    .await;
    assert_eq!(
        refused(
            &mut desk,
            &format!("UPDATE appointments SET patient_id = {p} WHERE patient_id = {twin}")
        )
        .await,
        "42501"
    );
    // a change of consent by hand must say how (here: a patient never asked, so no method on record yet), and
    // is stamped with the session's own name
    let never_asked: i64 = sqlx::query_scalar(
        "INSERT INTO patients (full_name, date_of_birth, sex) VALUES ('Nell Ash', '1990-01-01', 'female') RETURNING id",
    )
    .fetch_one(&mut *desk)
    .await
    .expect("register");
    assert_eq!(
        refused(
            &mut desk,
            &format!("UPDATE patients SET opted_out = true WHERE id = {never_asked}")
        )
        .await,
        "23514"
    );
    assert_eq!(
        refused(&mut desk, &format!("UPDATE patients SET opted_out = true, consent_method = 'fax' WHERE id = {never_asked}")).await,
        "23514"
    );
    ok(
        &mut desk,
        &format!("UPDATE patients SET reminder_consent = false, opted_out = true, consent_method = 'paper' WHERE id = {p}"),
    )
    .await;
    let desk_user = username(&s.clinic.desk).await;
    let by = count(
        &s.owner,
        &format!("SELECT count(*) FROM patients WHERE id = {p} AND consent_recorded_by = '{desk_user}' AND consent_recorded_at > now() - interval '1 minute'"),
    )
    .await;
    assert_eq!(by, 1, "the consent stamp is not the session's");

    // after a real merge, the tombstone is read-only to every staff role
    ok(
        &mut admin,
        &format!("SELECT clinicdesk_merge_patients({twin}, {p})"),
    )
    .await;
    for conn in [&mut desk, &mut admin] {
        assert_eq!(
            refused(
                conn,
                &format!("UPDATE patients SET full_name = 'Back to life' WHERE id = {twin}")
            )
            .await,
            "23514"
        );
        assert_eq!(
            refused(conn, &format!("UPDATE patients SET blacklisted_at = now(), blacklist_reason = 'x' WHERE id = {twin}")).await,
            "23514"
        );
    }
    assert_eq!(
        count(
            &s.owner,
            &format!("SELECT count(*) FROM appointments WHERE patient_id = {p}")
        )
        .await,
        1,
        "the merge moved the twin's appointment"
    );
    assert_eq!(
        count(&s.owner, &format!("SELECT count(*) FROM patients WHERE id = {twin} AND merged_into_id = {p} AND full_name = 'Jaya Novack'")).await,
        1
    );
}

#[tokio::test]
async fn search_and_free_slot_functions_run_with_the_callers_rights_and_cannot_be_replaced() {
    let s = scene().await;
    let functions = "('clinicdesk_free_slots', 'clinicdesk_first_free_slot', \
                     'clinicdesk_patients_with_name_piece', 'clinicdesk_patients_like_name', 'clinicdesk_name_key')";
    // SECURITY INVOKER: they read only what the caller may read; and only staff may call the granted three
    assert_eq!(
        count(
            &s.owner,
            &format!(
                "SELECT count(*) FROM pg_proc WHERE proname IN {functions} AND NOT prosecdef
                   AND pronamespace = 'public'::regnamespace"
            ),
        )
        .await,
        5
    );
    assert_eq!(
        count(
            &s.owner,
            "SELECT count(*) FROM pg_proc WHERE proname IN ('clinicdesk_free_slots', 'clinicdesk_first_free_slot',
                    'clinicdesk_patients_with_name_piece', 'clinicdesk_patients_like_name')
                AND has_function_privilege('public', oid, 'EXECUTE')",
        )
        .await,
        0,
        "PUBLIC cannot execute them"
    );
    let mut desk = s.clinic.desk.acquire().await.unwrap();
    // the desk may call them …
    ok(
        &mut desk,
        "SELECT * FROM clinicdesk_patients_with_name_piece('ova', '{}', 5)",
    )
    .await;
    ok(
        &mut desk,
        "SELECT * FROM clinicdesk_free_slots(ARRAY(SELECT id FROM doctors), current_date, 7, now(), 'Europe/London', 30)",
    )
    .await;
    // … but not put its own code behind them (every desk and every booking grid would run it), nor drop them
    for sql in [
        "CREATE OR REPLACE FUNCTION clinicdesk_name_key(name text) RETURNS text LANGUAGE sql IMMUTABLE RETURN name",
        "CREATE OR REPLACE FUNCTION public.clinicdesk_free_slots(p_doctor_ids bigint[], p_from date, p_days integer,
           p_now timestamptz, p_tz text) RETURNS TABLE (doctor_id bigint, starts_at timestamptz, ends_at timestamptz,
           local_date date, local_time time, local_end time) LANGUAGE sql AS 'SELECT NULL::bigint, now(), now(),
           current_date, localtime, localtime'",
        "DROP FUNCTION clinicdesk_patients_with_name_piece(text, bigint[], integer)",
        "ALTER FUNCTION clinicdesk_first_free_slot(bigint[], date, integer, timestamptz, text, integer, integer) SECURITY DEFINER",
        "DROP INDEX patients_name_key_trgm_idx",
    ] {
        assert_eq!(refused(&mut desk, sql).await, "42501", "{sql}");
    }
}

/// Reminder rules and quiet hours are the administrator's: the desk and a doctor can read the rules, never write
/// them, move the quiet hours, or call the planner and the withdrawal behind them (issue 15, part 2).
#[tokio::test]
async fn staff_cannot_write_reminder_rules_or_quiet_hours_or_call_the_planner() {
    let s = scene().await;
    let mut admin = s.clinic.admin.acquire().await.expect("conn");
    ok(
        &mut admin,
        "INSERT INTO reminder_rules (kind, lead_minutes, channel) VALUES ('lead', 120, 'sms')",
    )
    .await;
    drop(admin);
    for pool in [&s.clinic.desk, &s.rao.1] {
        let who = username(pool).await;
        let mut c = pool.acquire().await.expect("conn");
        ok(&mut c, "SELECT id, kind, lead_minutes FROM reminder_rules").await;
        for sql in [
            "INSERT INTO reminder_rules (kind, lead_minutes, channel) VALUES ('lead', 1, 'both')",
            "UPDATE reminder_rules SET lead_minutes = 1",
            "DELETE FROM reminder_rules",
            "UPDATE settings SET sms_quiet_start = '00:00', sms_quiet_end = '23:59'",
            "SELECT * FROM clinicdesk_plan_reminders()",
            "SELECT * FROM clinicdesk_plan_reminders_for(NULL, NULL, NULL)",
            "SELECT clinicdesk_withdraw_reminders(NULL, (SELECT min(id) FROM reminder_rules), 'x')",
            "SELECT clinicdesk_sms_allowed_at(now(), 'UTC', '21:00', '08:00')",
            "UPDATE notifications SET status = 'cancelled' WHERE kind = 'reminder'",
        ] {
            assert_eq!(refused(&mut c, sql).await, "42501", "{who}: {sql}");
        }
    }
    // even an administrator changes a rule only by removing it (its pending reminders are withdrawn) and adding one
    let mut admin = s.clinic.admin.acquire().await.expect("conn");
    for sql in [
        "UPDATE reminder_rules SET lead_minutes = 1",
        "SELECT * FROM clinicdesk_plan_reminders_for(NULL, NULL, NULL)",
        "SELECT clinicdesk_withdraw_reminders(NULL, NULL, 'x')",
    ] {
        assert_eq!(refused(&mut admin, sql).await, "42501", "admin: {sql}");
    }
    drop(admin);
    assert_eq!(
        count(
            &s.owner,
            "SELECT count(*) FROM reminder_rules WHERE lead_minutes = 120"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &s.owner,
            "SELECT count(*) FROM settings WHERE sms_quiet_start IS NULL AND sms_quiet_end IS NULL"
        )
        .await,
        1
    );
}

/// The waitlist: the desk writes entries and closes them (stamped with its own name, final once closed), nothing
/// more; doctors only read the entries naming them or their department; nobody deletes or rewrites history.
#[tokio::test]
async fn the_waitlist_is_written_only_by_the_desk_and_read_by_doctors_only_for_themselves() {
    let s = scene().await;
    let p = s.patient;
    let other = s.clinic.patient("Ola Other").await;
    let (rao, lee, dep) = (s.rao.0, s.lee.0, s.clinic.department);
    let day = (Utc::now() + Duration::days(3)).date_naive();
    let mut desk = s.clinic.desk.acquire().await.expect("conn");
    let mut admin = s.clinic.admin.acquire().await.expect("conn");
    let mut rao_c = s.rao.1.acquire().await.expect("conn");
    // the desk and the admin may add entries with the form's columns
    ok(&mut desk, &format!("INSERT INTO waitlist_entries (patient_id, doctor_id, window_from, window_to, note) VALUES ({p}, {rao}, '{day}', '{day}', 'call after 3')")).await;
    ok(&mut admin, &format!("INSERT INTO waitlist_entries (patient_id, doctor_id, window_from, window_to) VALUES ({other}, {lee}, '{day}', '{day}')")).await;
    ok(&mut desk, &format!("INSERT INTO waitlist_entries (patient_id, department_id, window_from, window_to) VALUES ({other}, {dep}, '{day}', '{day}')")).await;
    let rao_entry = count(
        &s.owner,
        &format!("SELECT id FROM waitlist_entries WHERE doctor_id = {rao}"),
    )
    .await;
    let lee_entry = count(
        &s.owner,
        &format!("SELECT id FROM waitlist_entries WHERE doctor_id = {lee}"),
    )
    .await;
    // ...but not forge who wrote it, nor create it closed or already booked
    for sql in [
        format!("INSERT INTO waitlist_entries (patient_id, doctor_id, window_from, window_to, created_by) VALUES ({p}, {rao}, '{day}', '{day}', 'someone')"),
        format!("INSERT INTO waitlist_entries (patient_id, doctor_id, window_from, window_to, created_at) VALUES ({p}, {rao}, '{day}', '{day}', now() - interval '1 year')"),
        format!("INSERT INTO waitlist_entries (patient_id, doctor_id, window_from, window_to, closed_at, closed_reason) VALUES ({p}, {rao}, '{day}', '{day}', now(), 'closed')"),
        format!("UPDATE waitlist_entries SET patient_id = {other} WHERE id = {rao_entry}"),
        format!("UPDATE waitlist_entries SET window_to = window_to + 30 WHERE id = {rao_entry}"),
        format!("UPDATE waitlist_entries SET closed_by = 'someone' WHERE id = {rao_entry}"),
        format!("DELETE FROM waitlist_entries WHERE id = {rao_entry}"),
    ] {
        assert_eq!(refused(&mut desk, &sql).await, "42501", "{sql}");
    }
    assert_eq!(
        refused(
            &mut admin,
            &format!("DELETE FROM waitlist_entries WHERE id = {lee_entry}")
        )
        .await,
        "42501"
    );
    // a booked entry must name an appointment of its own patient
    let start = tomorrow_at(10);
    let others_appt: i64 = sqlx::query_scalar(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, $3, $3 + interval '15 minutes') RETURNING id",
    )
    .bind(rao)
    .bind(other)
    .bind(start)
    .fetch_one(&mut *desk)
    .await
    .expect("book the other patient");
    assert_eq!(
        refused(&mut desk, &format!("UPDATE waitlist_entries SET closed_reason = 'booked', appointment_id = {others_appt} WHERE id = {rao_entry}")).await,
        "23514"
    );
    // closing stamps the session's own name and time, whatever the statement says
    ok(&mut desk, &format!("UPDATE waitlist_entries SET closed_reason = 'closed', closed_at = now() - interval '1 year' WHERE id = {rao_entry}")).await;
    let desk_user = username(&s.clinic.desk).await;
    assert_eq!(
        count(&s.owner, &format!("SELECT count(*) FROM waitlist_entries WHERE id = {rao_entry} AND closed_by = '{desk_user}' AND closed_at > now() - interval '1 minute'")).await,
        1
    );
    // a closed entry is final: reopening it changes nothing (the policy hides it from updates)
    ok(&mut desk, &format!("UPDATE waitlist_entries SET closed_reason = NULL, closed_at = NULL WHERE id = {rao_entry}")).await;
    assert_eq!(
        count(&s.owner, &format!("SELECT count(*) FROM waitlist_entries WHERE id = {rao_entry} AND closed_reason = 'closed'")).await,
        1
    );

    // doctors: read only their own and their department's entries; write nothing
    let seen = |conn_pool: &PgPool| {
        let pool = conn_pool.clone();
        async move { count(&pool, "SELECT count(*) FROM waitlist_entries").await }
    };
    assert_eq!(
        seen(&s.rao.1).await,
        2,
        "Rao: his own and the department's, not Lee's"
    );
    assert_eq!(
        count(
            &s.rao.1,
            &format!("SELECT count(*) FROM waitlist_entries WHERE id = {lee_entry}")
        )
        .await,
        0
    );
    assert_eq!(seen(&s.lee.1).await, 2, "Lee: his own and the department's");
    for sql in [
        format!("INSERT INTO waitlist_entries (patient_id, doctor_id, window_from, window_to) VALUES ({p}, {rao}, '{day}', '{day}')"),
        format!("UPDATE waitlist_entries SET closed_reason = 'closed' WHERE doctor_id = {rao}"),
        format!("DELETE FROM waitlist_entries WHERE doctor_id = {rao}"),
    ] {
        assert_eq!(refused(&mut rao_c, &sql).await, "42501", "{sql}");
    }
    assert_eq!(
        count(&s.owner, "SELECT count(*) FROM waitlist_entries").await,
        3
    );
}

/// The flow board's stamps (issue 14): `checked_in_at` is written by the check-in trigger and `called_at` only by
/// `clinicdesk_call_next`; no staff role can write either by hand, so a wait cannot be forged or erased. A doctor
/// calls only their own patients; no-show exports are recorded only as what they are.
#[tokio::test]
async fn no_staff_role_can_forge_flow_stamps_or_call_another_doctors_patient() {
    let s = scene().await;
    let rao = s.rao.0;
    let lee = s.lee.0;
    let other = s.clinic.patient("Omar Petit").await;
    // two of Rao's patients today, loaded by the owner (the desk cannot book the past)
    let ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, overbooked)
         SELECT $1, p, date_trunc('minute', now()), date_trunc('minute', now()) + interval '15 minutes', true
           FROM unnest($2::bigint[]) p RETURNING id",
    )
    .bind(rao)
    .bind(vec![s.patient, other])
    .fetch_all(&s.owner)
    .await
    .unwrap();
    let (a, b) = (ids[0], ids[1]);
    let mut desk = s.clinic.desk.acquire().await.unwrap();
    let mut admin = s.clinic.admin.acquire().await.unwrap();
    let mut doc = s.rao.1.acquire().await.unwrap();
    ok(
        &mut desk,
        &format!("UPDATE appointments SET status = 'checked_in' WHERE id = {a}"),
    )
    .await;
    // the stamp is the database's clock, not the client's
    assert_eq!(
        count(
            &s.owner,
            &format!("SELECT count(*) FROM appointments WHERE id = {a} AND checked_in_at > now() - interval '1 minute'"),
        )
        .await,
        1
    );
    for conn in [&mut desk, &mut admin, &mut doc] {
        for sql in [
            format!("UPDATE appointments SET checked_in_at = now() - interval '3 hours' WHERE id = {a}"),
            format!("UPDATE appointments SET called_at = now() WHERE id = {a}"),
            format!("UPDATE appointments SET checked_in_at = NULL, called_at = NULL WHERE id = {a}"),
            format!(
                "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, checked_in_at)
                 VALUES ({lee}, {other}, now() + interval '2 days', now() + interval '2 days 15 minutes', now())"
            ),
            // nor replace the trigger or the function that write them
            "CREATE OR REPLACE FUNCTION appointments_flow_stamps() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'".into(),
            "ALTER TABLE appointments DISABLE TRIGGER appointments_flow_stamps".into(),
            "DROP FUNCTION clinicdesk_call_next(bigint)".into(),
        ] {
            assert_eq!(refused(conn, &sql).await, "42501", "{sql}");
        }
    }
    // Lee cannot call Rao's patients in; Rao can
    let mut lee_conn = s.lee.1.acquire().await.unwrap();
    assert_eq!(
        refused(
            &mut lee_conn,
            &format!("SELECT clinicdesk_call_next({rao})")
        )
        .await,
        "42501"
    );
    assert_eq!(
        count(
            &s.owner,
            "SELECT count(*) FROM appointments WHERE called_at IS NOT NULL"
        )
        .await,
        0,
        "nothing was called"
    );
    ok(&mut doc, &format!("SELECT clinicdesk_call_next({rao})")).await;
    assert_eq!(
        count(
            &s.owner,
            &format!("SELECT count(*) FROM appointments WHERE called_at IS NOT NULL AND id = {a}")
        )
        .await,
        1
    );
    // nobody else arrived: a named refusal, nothing written
    let e = sqlx::query(&format!("SELECT clinicdesk_call_next({rao})"))
        .execute(&mut *doc)
        .await
        .unwrap_err();
    assert_eq!(
        e.as_database_error().unwrap().constraint(),
        Some("appointments_call_next_nobody")
    );
    assert_eq!(
        count(
            &s.owner,
            &format!("SELECT count(*) FROM appointments WHERE id = {b} AND called_at IS NULL")
        )
        .await,
        1
    );
    // the waiting alert is the administrators' setting
    assert_eq!(
        refused(&mut desk, "UPDATE settings SET wait_alert_minutes = 1").await,
        "42501"
    );
    // exports: reception records only no-show reports (no patient's history), doctors their own kinds
    assert_eq!(
        refused(
            &mut desk,
            "INSERT INTO exports (kind, path) VALUES ('visits', '/tmp/x.csv')"
        )
        .await,
        "42501"
    );
    assert_eq!(
        refused(
            &mut desk,
            &format!("INSERT INTO exports (kind, patient_id, path) VALUES ('patient_history', {}, '/tmp/x.csv')", s.patient)
        )
        .await,
        "42501"
    );
    assert_eq!(
        refused(
            &mut doc,
            &format!("INSERT INTO exports (kind, patient_id, path) VALUES ('no_shows', {}, '/tmp/x.csv')", s.patient)
        )
        .await,
        "42501"
    );
    ok(
        &mut desk,
        "INSERT INTO exports (kind, path) VALUES ('no_shows', '/tmp/x.csv')",
    )
    .await;
    assert_eq!(
        refused(
            &mut desk,
            "UPDATE exports SET requested_by = 'someone_else'"
        )
        .await,
        "42501"
    );
}

/// Issue 14 (a type's buffer): the end of a visit's buffer (`blocked_until`) is stamped by the database from the
/// type and kept by a move; no staff role writes it, or replaces what stamps it, so nobody can squeeze a visit into
/// a doctor's buffer or stretch one over the next patient. Only administrators set a type's buffer.
#[tokio::test]
async fn no_staff_role_can_write_a_visits_buffer_and_only_admins_set_a_types() {
    let s = scene().await;
    let rao = s.rao.0;
    let at = tomorrow_at(10);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(rao)
    .bind(s.patient)
    .bind(at)
    .bind(at + Duration::minutes(15))
    .fetch_one(&s.owner)
    .await
    .unwrap();
    // even the owner's value is replaced by the stamp (the type's buffer; none here), and the end is generated
    sqlx::query("UPDATE appointments SET buffer_minutes = 60 WHERE id = $1")
        .bind(id)
        .execute(&s.owner)
        .await
        .unwrap();
    assert_eq!(
        count(
            &s.owner,
            &format!(
                "SELECT count(*) FROM appointments WHERE id = {id} AND blocked_until = ends_at"
            )
        )
        .await,
        1
    );
    let mut desk = s.clinic.desk.acquire().await.unwrap();
    let mut admin = s.clinic.admin.acquire().await.unwrap();
    let mut doc = s.rao.1.acquire().await.unwrap();
    for conn in [&mut desk, &mut admin, &mut doc] {
        for sql in [
            format!("UPDATE appointments SET buffer_minutes = 60 WHERE id = {id}"),
            format!(
                "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, buffer_minutes)
                 VALUES ({rao}, {}, '{}', '{}', 0)",
                s.patient,
                at + Duration::days(1),
                at + Duration::days(1) + Duration::minutes(15)
            ),
            "ALTER TABLE appointments DISABLE TRIGGER appointments_buffer".into(),
            "CREATE OR REPLACE FUNCTION appointments_buffer() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'".into(),
        ] {
            assert_eq!(refused(conn, &sql).await, "42501", "{sql}");
        }
        // the end is generated: nobody writes it
        assert_eq!(
            refused(
                conn,
                &format!("UPDATE appointments SET blocked_until = ends_at + interval '1 hour' WHERE id = {id}")
            )
            .await,
            "428C9"
        );
    }
    // a type's buffer: administrators only
    ok(
        &mut admin,
        "INSERT INTO appointment_types (name, minutes, buffer_minutes) VALUES ('Procedure', 30, 10)",
    )
    .await;
    for conn in [&mut desk, &mut doc] {
        assert_eq!(
            refused(conn, "UPDATE appointment_types SET buffer_minutes = 0").await,
            "42501"
        );
    }
}

/// The clinic's locale: every role reads it (the UI formats with it), only an administrator changes it, and only to
/// offered codes; the patient's language is written by the desk like the other contact fields, never by a doctor;
/// the message wording functions are the database's own.
#[tokio::test]
async fn only_admins_change_the_locale_and_only_the_desk_the_patients_language() {
    let s = scene().await;
    for pool in [&s.clinic.admin, &s.clinic.desk, &s.rao.1] {
        let mut c = pool.acquire().await.expect("conn");
        ok(
            &mut c,
            "SELECT language, date_format, clock, first_day FROM settings",
        )
        .await;
        ok(&mut c, "SELECT preferred_language FROM patients").await;
        for f in [
            "clinicdesk_message_text('booked', 'es', 'x', 'x', 'x', now(), 'UTC', 'dd/MM/yyyy', '24h')",
            "clinicdesk_local_when(now())",
        ] {
            assert_eq!(
                refused(&mut c, &format!("SELECT * FROM {f}")).await,
                "42501",
                "{f}"
            );
        }
    }
    for pool in [&s.clinic.desk, &s.rao.1] {
        let who = username(pool).await;
        let mut c = pool.acquire().await.expect("conn");
        for sql in [
            "UPDATE settings SET language = 'es'",
            "UPDATE settings SET date_format = 'MM/dd/yyyy'",
            "UPDATE settings SET clock = '12h'",
            "UPDATE settings SET first_day = 0",
        ] {
            assert_eq!(refused(&mut c, sql).await, "42501", "{who}: {sql}");
        }
    }
    let mut rao = s.rao.1.acquire().await.expect("conn");
    assert_eq!(
        refused(&mut rao, "UPDATE patients SET preferred_language = 'es'").await,
        "42501"
    );
    drop(rao);
    let mut desk = s.clinic.desk.acquire().await.expect("conn");
    assert_eq!(
        refused(&mut desk, "UPDATE patients SET preferred_language = 'xx'").await,
        "23514"
    );
    ok(
        &mut desk,
        &format!(
            "UPDATE patients SET preferred_language = 'es' WHERE id = {}",
            s.patient
        ),
    )
    .await;
    drop(desk);
    let mut admin = s.clinic.admin.acquire().await.expect("conn");
    assert_eq!(
        refused(&mut admin, "UPDATE settings SET date_format = 'yy-M-d'").await,
        "23514"
    );
    ok(
        &mut admin,
        "UPDATE settings SET language = 'es', clock = '12h'",
    )
    .await;
    drop(admin);
    assert_eq!(
        count(
            &s.owner,
            "SELECT count(*) FROM settings WHERE language = 'es' AND clock = '12h' AND date_format = 'dd/MM/yyyy' AND first_day = 1"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &s.owner,
            "SELECT count(*) FROM patients WHERE preferred_language = 'es'"
        )
        .await,
        1
    );
}
