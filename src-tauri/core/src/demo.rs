//! A realistic demo clinic, deterministic for a seed: departments, doctors with staff accounts, weekly
//! availability, patients, past and future appointments and the treatments of completed visits.
//! Rows go in with UNNEST batches so a million patients load in minutes.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use sqlx::PgConnection;

use crate::db::staff::StaffRole;
use crate::error::{Error, Result};
use crate::security::scram;

/// The password of every demo account (printed by `clinicctl demo-data`; demo clinics are not for real data).
pub const DEMO_PASSWORD: &str = "demo-clinic-2026";
const BATCH: usize = 10_000;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub doctors: usize,
    pub patients: usize,
    /// Appointments are generated this many days back and forward from the anchor date.
    pub days: i64,
    pub seed: u64,
    /// The "today" of the data set (default: today in the clinic's time zone).
    pub anchor: Option<NaiveDate>,
}

impl DemoOptions {
    /// What the first-run wizard loads.
    pub fn small() -> Self {
        DemoOptions {
            doctors: 6,
            patients: 300,
            days: 14,
            seed: 42,
            anchor: None,
        }
    }
}

#[derive(Clone, Serialize, specta::Type)]
pub struct DemoLogin {
    pub username: String,
    pub password: String,
    pub role: StaffRole,
    pub full_name: String,
}

/// Debug output never shows the password (the demo's is public, but a log has no business holding any).
impl std::fmt::Debug for DemoLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoLogin")
            .field("username", &self.username)
            .field("password", &crate::REDACTED)
            .field("role", &self.role)
            .field("full_name", &self.full_name)
            .finish()
    }
}

#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub logins: Vec<DemoLogin>,
    pub departments: usize,
    pub doctors: usize,
    pub patients: usize,
    pub appointments: usize,
    pub treatments: usize,
}

const DEPARTMENTS: &[(&str, &str)] = &[
    (
        "General Medicine",
        "First contact for adults: check-ups, acute illness, chronic care.",
    ),
    ("Cardiology", "Heart and blood vessels."),
    ("Paediatrics", "Children from birth to 16."),
    ("Orthopaedics", "Bones, joints and sports injuries."),
    ("Dermatology", "Skin, hair and nails."),
    ("ENT", "Ear, nose and throat."),
    ("Gynaecology", "Women's health."),
    ("Ophthalmology", "Eyes and vision."),
];
const FIRST: &[&str] = &[
    "Aisha", "Ben", "Chen", "Daniela", "Emeka", "Farah", "George", "Hana", "Ivan", "Jaya", "Kofi",
    "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoë", "Amélie", "Björn", "Chloé", "Dmitri", "Élodie", "Fatima",
    "Grace", "Hugo", "Ines", "José", "Kai", "Lucía",
];
const LAST: &[&str] = &[
    "Rao",
    "Okafor",
    "Smith",
    "Nguyen",
    "García",
    "Müller",
    "Kowalski",
    "Haddad",
    "O'Brien",
    "Tanaka",
    "Silva",
    "Ivanova",
    "Mensah",
    "Johansson",
    "Patel",
    "Rossi",
    "Dubois",
    "Kim",
    "Novak",
    "Hughes",
    "Ahmed",
    "Lopez",
    "Fischer",
    "Costa",
    "Yilmaz",
    "Brown",
    "Singh",
    "Moreau",
    "Larsen",
    "Chowdhury",
    "Ferreira",
    "Walsh",
];
/// Syllables and endings for generated surnames: a million patients should not share a thousand names, or a
/// demo (and the search benchmark) would be nothing like a real register.
const SYLLABLES: &[&str] = &[
    "al", "ber", "ca", "den", "el", "fa", "gor", "han", "is", "jo", "ka", "lin", "mar", "nor",
    "os", "pe", "quin", "ra", "sel", "tor", "ul", "van", "wes", "xan", "yor", "zel", "bra", "cle",
    "dra", "fen", "gri", "hol", "kro", "lun", "mor", "pra", "sto", "tre", "vin", "wil",
];
const ENDINGS: &[&str] = &[
    "", "son", "sen", "ova", "ez", "ini", "ski", "berg", "ton", "ley", "ard", "ic",
];

/// A patient's surname: a common one 40% of the time, otherwise one of ~19,000 generated ones.
fn surname(rng: &mut StdRng) -> String {
    if rng.gen_bool(0.4) {
        return pick(rng, LAST).to_string();
    }
    let raw = format!(
        "{}{}{}",
        pick(rng, SYLLABLES),
        pick(rng, SYLLABLES),
        pick(rng, ENDINGS)
    );
    let mut chars = raw.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or(raw)
}

const QUALIFICATIONS: &[&str] = &[
    "MBBS",
    "MBBS, MD",
    "MD, FRCP",
    "MBBS, MS",
    "DO",
    "MBChB, MRCGP",
];
const DIAGNOSES: &[(&str, &str, &str)] = &[
    ("Essential hypertension", "I10", "headache, dizziness"),
    ("Type 2 diabetes mellitus", "E11.9", "thirst, fatigue"),
    (
        "Acute upper respiratory infection",
        "J06.9",
        "sore throat, cough, fever",
    ),
    ("Low back pain", "M54.5", "lower back pain for two weeks"),
    ("Atopic dermatitis", "L20.9", "itchy rash on both arms"),
    ("Otitis media", "H66.9", "ear pain, reduced hearing"),
    ("Iron deficiency anaemia", "D50.9", "tiredness, pale skin"),
    ("Migraine", "G43.9", "recurrent one-sided headache"),
    (
        "Gastro-oesophageal reflux",
        "K21.9",
        "heartburn after meals",
    ),
    ("Sprained ankle", "S93.4", "swollen ankle after a fall"),
];
const MEDICINES: &[(&str, &str)] = &[
    ("Amlodipine", "5 mg"),
    ("Metformin", "500 mg"),
    ("Paracetamol", "1 g"),
    ("Ibuprofen", "400 mg"),
    ("Hydrocortisone cream", "1%"),
    ("Amoxicillin", "500 mg"),
    ("Ferrous sulfate", "200 mg"),
    ("Omeprazole", "20 mg"),
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'á' | 'à' | 'ä' | 'â' => Some('a'),
            'é' | 'è' | 'ë' | 'É' => Some('e'),
            'í' => Some('i'),
            'ó' | 'ö' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'ç' => Some('c'),
            _ => None,
        })
        .collect()
}

/// Loads the demo clinic inside the caller's transaction. The connection must be the owner's or an admin's.
#[tracing::instrument(skip(conn))]
pub async fn load(conn: &mut PgConnection, opts: &DemoOptions) -> Result<DemoSummary> {
    if opts.doctors == 0 || opts.doctors > 5_000 {
        return Err(Error::validation(
            "doctors",
            crate::msg!(demo_doctors_range),
        ));
    }
    if opts.patients > 20_000_000 {
        return Err(Error::validation(
            "patients",
            crate::msg!(demo_patients_max),
        ));
    }
    if !(0..=3650).contains(&opts.days) {
        return Err(Error::validation("days", crate::msg!(demo_days_range)));
    }
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let tz = crate::clock::clinic_zone(&mut *conn).await?;
    let anchor = opts
        .anchor
        .unwrap_or_else(|| Utc::now().with_timezone(&tz).date_naive());
    let superuser = sqlx::query_scalar!(
        r#"SELECT rolsuper AS "s!" FROM pg_roles WHERE rolname = current_user"#
    )
    .fetch_one(&mut *conn)
    .await?;
    if superuser {
        // Bulk load: skip per-row triggers (audit rows for a million generated records help nobody);
        // one audit event below records the load. Constraints (incl. exclusion) still apply.
        sqlx::query!("SET LOCAL session_replication_role = replica")
            .execute(&mut *conn)
            .await?;
    }
    let mut summary = DemoSummary::default();

    // departments
    let names: Vec<String> = DEPARTMENTS.iter().map(|d| d.0.to_string()).collect();
    let descs: Vec<String> = DEPARTMENTS.iter().map(|d| d.1.to_string()).collect();
    sqlx::query!(
        "INSERT INTO departments (name, description) SELECT * FROM UNNEST($1::text[], $2::text[])
         ON CONFLICT ((lower(btrim(name)))) DO NOTHING",
        &names,
        &descs
    )
    .execute(&mut *conn)
    .await?;
    let dept_ids: Vec<i64> = sqlx::query_scalar!(
        "SELECT id FROM departments WHERE name = ANY($1) ORDER BY id",
        &names
    )
    .fetch_all(&mut *conn)
    .await?;
    summary.departments = dept_ids.len();

    // staff accounts: one reception desk account, then the doctors
    let verifier = scram::verifier(DEMO_PASSWORD);
    let mut accounts = vec![(
        "front.desk".to_string(),
        "Front Desk".to_string(),
        StaffRole::Reception,
    )];
    let mut doctor_rows = Vec::with_capacity(opts.doctors);
    for i in 0..opts.doctors {
        let full = format!("Dr. {} {}", pick(&mut rng, FIRST), pick(&mut rng, LAST));
        let last = full.rsplit(' ').next().unwrap_or("doc");
        let username = format!("dr.{}{}", ascii_slug(last), i + 1);
        accounts.push((username.clone(), full.clone(), StaffRole::Doctor));
        doctor_rows.push((username, full, dept_ids[i % dept_ids.len()]));
    }
    for (username, full, role) in &accounts {
        let exists = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS "e!""#,
            username
        )
        .fetch_one(&mut *conn)
        .await?;
        if exists {
            return Err(Error::Conflict(crate::msg!(
                demo_already_loaded,
                username = username
            )));
        }
        crate::db::staff::create(&mut *conn, username, full, *role, &verifier).await?;
        summary.logins.push(DemoLogin {
            username: username.clone(),
            password: DEMO_PASSWORD.into(),
            role: *role,
            full_name: full.clone(),
        });
    }

    // doctors
    let (mut d_user, mut d_name, mut d_dept, mut d_qual, mut d_exp, mut d_slot) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for (username, full, dept) in &doctor_rows {
        d_user.push(username.clone());
        d_name.push(full.clone());
        d_dept.push(*dept);
        d_qual.push(pick(&mut rng, QUALIFICATIONS).to_string());
        d_exp.push(rng.gen_range(1..35));
        d_slot.push(*pick(&mut rng, &[15, 15, 20, 30]));
    }
    let doctor_ids: Vec<i64> = sqlx::query_scalar!(
        r#"INSERT INTO doctors (staff_id, full_name, department_id, qualification, experience_years, slot_minutes,
                                phone, email, consultation_fee_cents)
           SELECT s.id, u.full_name, u.dept, u.qual, u.exp, u.slot,
                  '+44 20 7946 ' || lpad((u.ord % 10000)::text, 4, '0'), u.username || '@clinic.example', (40 + (u.ord % 5) * 10) * 100
             FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::int[]) WITH ORDINALITY
                  AS u(username, full_name, dept, qual, exp, slot, ord)
             JOIN staff s ON s.username = u.username
            ORDER BY u.ord
           RETURNING id"#,
        &d_user,
        &d_name,
        &d_dept,
        &d_qual,
        &d_exp,
        &d_slot
    )
    .fetch_all(&mut *conn)
    .await?;
    summary.doctors = doctor_ids.len();

    // weekly availability: Mon–Fri 09:00–13:00 and 14:00–17:00; every third doctor also Saturday 09:00–12:00
    let t = |h: u32| NaiveTime::from_hms_opt(h, 0, 0).expect("valid time");
    let mut sessions: Vec<(u32, NaiveTime, NaiveTime)> = vec![];
    for wd in 1..=5 {
        sessions.push((wd, t(9), t(13)));
        sessions.push((wd, t(14), t(17)));
    }
    let (mut a_doc, mut a_wd, mut a_start, mut a_end) = (vec![], vec![], vec![], vec![]);
    for (i, id) in doctor_ids.iter().enumerate() {
        let extra = if i % 3 == 0 {
            vec![(6, t(9), t(12))]
        } else {
            vec![]
        };
        for (wd, s, e) in sessions.iter().cloned().chain(extra) {
            a_doc.push(*id);
            a_wd.push(wd as i16);
            a_start.push(s);
            a_end.push(e);
        }
    }
    sqlx::query!(
        "INSERT INTO doctor_availability (doctor_id, weekday, starts_at, ends_at)
         SELECT * FROM UNNEST($1::bigint[], $2::smallint[], $3::time[], $4::time[])",
        &a_doc,
        &a_wd,
        &a_start,
        &a_end
    )
    .execute(&mut *conn)
    .await?;

    // patients
    let mut patient_ids: Vec<i64> = Vec::with_capacity(opts.patients);
    let mut done = 0;
    while done < opts.patients {
        let n = BATCH.min(opts.patients - done);
        let (mut name, mut dob, mut sex, mut phone, mut email, mut chan, mut consent) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        for k in 0..n {
            let f = pick(&mut rng, FIRST);
            let l = surname(&mut rng);
            name.push(format!("{f} {l}"));
            dob.push(anchor - Duration::days(rng.gen_range(0..(90 * 365))));
            sex.push(
                pick(
                    &mut rng,
                    &["female", "male", "female", "male", "other", "unknown"],
                )
                .to_string(),
            );
            phone.push(format!(
                "+447{:09}",
                (done + k) as u64 * 7919 % 1_000_000_000
            ));
            email.push(if rng.gen_bool(0.7) {
                Some(format!(
                    "{}.{}{}@mail.example",
                    ascii_slug(f),
                    ascii_slug(&l),
                    done + k
                ))
            } else {
                None
            });
            chan.push(pick(&mut rng, &["sms", "sms", "email", "none"]).to_string());
            consent.push(rng.gen_bool(0.85));
        }
        let ids: Vec<i64> = sqlx::query_scalar!(
            "INSERT INTO patients (full_name, date_of_birth, sex, phone, email, preferred_channel, reminder_consent)
             SELECT * FROM UNNEST($1::text[], $2::date[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[])
             RETURNING id",
            &name,
            &dob,
            &sex,
            &phone,
            &email as &[Option<String>],
            &chan,
            &consent
        )
        .fetch_all(&mut *conn)
        .await?;
        patient_ids.extend(ids);
        done += n;
    }
    summary.patients = patient_ids.len();

    // appointments: on a given day a patient is booked with one doctor only ((patient + day) mod doctors),
    // so the patient exclusion constraint holds by construction; a doctor's own slots never overlap.
    let nd = doctor_ids.len();
    let np = patient_ids.len();
    let mut appts = AppointmentBatch::default();
    if np > 0 {
        for day_offset in -opts.days..=opts.days {
            let day = anchor + Duration::days(day_offset);
            let wd = day.weekday().number_from_monday();
            for (di, doc) in doctor_ids.iter().enumerate() {
                let slot = d_slot[di] as i64;
                let own: Vec<(NaiveTime, NaiveTime)> = a_doc
                    .iter()
                    .zip(&a_wd)
                    .zip(a_start.iter().zip(&a_end))
                    .filter(|((d, w), _)| **d == *doc && **w as u32 == wd)
                    .map(|(_, (s, e))| (*s, *e))
                    .collect();
                // the patients of this doctor on this day: indices ≡ (di - day) mod nd
                let residue =
                    ((di as i64 - day.num_days_from_ce() as i64).rem_euclid(nd as i64)) as usize;
                if residue >= np {
                    continue;
                }
                let pool_size = (np - residue).div_ceil(nd);
                let fill = if day_offset < 0 {
                    0.75
                } else {
                    0.75 - 0.4 * day_offset as f64 / (opts.days.max(1) as f64)
                };
                for (s, e) in own {
                    let mut at = s;
                    while at + Duration::minutes(slot) <= e {
                        if rng.gen_bool(fill.clamp(0.05, 0.95)) {
                            let Some(start) = tz.from_local_datetime(&day.and_time(at)).single()
                            else {
                                at += Duration::minutes(slot);
                                continue;
                            };
                            let p = patient_ids[residue + nd * rng.gen_range(0..pool_size)];
                            let roll: f64 = rng.gen();
                            let (status, reason) = if day_offset < 0 {
                                if roll < 0.80 {
                                    ("completed", None)
                                } else if roll < 0.88 {
                                    ("no_show", None)
                                } else {
                                    ("cancelled", Some("Patient called to cancel"))
                                }
                            } else if day_offset == 0 {
                                if roll < 0.3 {
                                    ("checked_in", None)
                                } else {
                                    ("booked", None)
                                }
                            } else if roll < 0.92 {
                                ("booked", None)
                            } else {
                                ("cancelled", Some("Doctor unavailable"))
                            };
                            appts.push(
                                *doc,
                                p,
                                start.with_timezone(&Utc),
                                slot,
                                status,
                                reason,
                                &d_user[di],
                            );
                        }
                        at += Duration::minutes(slot);
                    }
                }
                if appts.len() >= BATCH {
                    summary.treatments += appts.flush(conn, &mut rng).await?;
                }
            }
        }
    }
    summary.treatments += appts.flush(conn, &mut rng).await?;
    summary.appointments = appts.total;
    sqlx::query!(
        "SELECT audit_event('demo_data_loaded', 'patients', NULL, jsonb_build_object('patients', $1::bigint, 'appointments', $2::bigint))",
        summary.patients as i64,
        summary.appointments as i64
    )
    .execute(&mut *conn)
    .await?;
    if superuser {
        sqlx::query!("SET LOCAL session_replication_role = origin")
            .execute(&mut *conn)
            .await?;
    }
    Ok(summary)
}

/// Appointments collected column-wise for one UNNEST insert, with the treatments of the completed ones.
#[derive(Default)]
struct AppointmentBatch {
    doctor: Vec<i64>,
    patient: Vec<i64>,
    starts: Vec<chrono::DateTime<Utc>>,
    ends: Vec<chrono::DateTime<Utc>>,
    status: Vec<String>,
    reason: Vec<Option<String>>,
    booked_by: Vec<String>,
    total: usize,
}

impl AppointmentBatch {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        doctor: i64,
        patient: i64,
        start: chrono::DateTime<Utc>,
        minutes: i64,
        status: &str,
        reason: Option<&str>,
        doctor_user: &str,
    ) {
        self.doctor.push(doctor);
        self.patient.push(patient);
        self.starts.push(start);
        self.ends.push(start + Duration::minutes(minutes));
        self.status.push(status.into());
        self.reason.push(reason.map(String::from));
        self.booked_by.push(if status == "completed" {
            doctor_user.to_string()
        } else {
            "front.desk".into()
        });
    }

    fn len(&self) -> usize {
        self.doctor.len()
    }

    /// Inserts the batch and treatments for its completed visits; returns the number of treatments.
    async fn flush(&mut self, conn: &mut PgConnection, rng: &mut StdRng) -> Result<usize> {
        if self.doctor.is_empty() {
            return Ok(0);
        }
        let rows = sqlx::query!(
            r#"INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status, cancel_reason, booked_by)
               SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[], $7::text[])
               RETURNING id, status, starts_at, booked_by"#,
            &self.doctor,
            &self.patient,
            &self.starts,
            &self.ends,
            &self.status,
            &self.reason as &[Option<String>],
            &self.booked_by
        )
        .fetch_all(&mut *conn)
        .await?;
        let (
            mut t_appt,
            mut t_type,
            mut t_sym,
            mut t_diag,
            mut t_icd,
            mut t_given,
            mut t_rx,
            mut t_notes,
            mut t_next,
            mut t_by,
        ) = (
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
        );
        for r in rows.iter().filter(|r| r.status == "completed") {
            let (diag, icd, sym) = pick(rng, DIAGNOSES);
            let (med, dose) = pick(rng, MEDICINES);
            t_appt.push(r.id);
            t_type.push(
                pick(
                    rng,
                    &[
                        "consultation",
                        "consultation",
                        "follow_up",
                        "procedure",
                        "emergency",
                    ],
                )
                .to_string(),
            );
            t_sym.push(sym.to_string());
            t_diag.push(diag.to_string());
            t_icd.push(icd.to_string());
            t_given.push("Examined; advice given".to_string());
            t_rx.push(serde_json::json!([{ "medicine": med, "dose": dose, "frequency": "twice daily", "duration": "7 days", "instructions": "after food" }]));
            t_notes.push(String::new());
            t_next.push(if rng.gen_bool(0.3) {
                Some(r.starts_at.date_naive() + Duration::days(rng.gen_range(7..60)))
            } else {
                None
            });
            t_by.push(r.booked_by.clone());
        }
        let n = t_appt.len();
        if n > 0 {
            sqlx::query!(
                "INSERT INTO treatments (appointment_id, visit_type, symptoms, diagnosis, icd10_code, treatment_given,
                                         prescription, notes, next_visit_on, recorded_by)
                 SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                      $7::jsonb[], $8::text[], $9::date[], $10::text[])",
                &t_appt,
                &t_type,
                &t_sym,
                &t_diag,
                &t_icd,
                &t_given,
                &t_rx,
                &t_notes,
                &t_next as &[Option<NaiveDate>],
                &t_by
            )
            .execute(&mut *conn)
            .await?;
        }
        self.total += rows.len();
        self.doctor.clear();
        self.patient.clear();
        self.starts.clear();
        self.ends.clear();
        self.status.clear();
        self.reason.clear();
        self.booked_by.clear();
        Ok(n)
    }
}
