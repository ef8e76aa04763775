//! Patient search against a real PostgreSQL, as the desk calls it: the start of a name, a piece from anywhere
//! inside it (across a space or punctuation too), typos, phone prefixes and MRNs — and what each must not find.

use clinicdesk_core::db::patients::{PatientHit, PatientInput, ReminderChannel, Sex};
use clinicdesk_core::services::patients;
use clinicdesk_core::testing::Clinic;

async fn register(c: &Clinic, name: &str, phone: &str) -> i64 {
    patients::register(
        &c.desk,
        &PatientInput {
            full_name: name.into(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1980, 1, 2).unwrap(),
            sex: Sex::Other,
            phone: Some(phone.into()),
            email: None,
            address: String::new(),
            emergency_contact: String::new(),
            preferred_channel: ReminderChannel::Sms,
            preferred_language: "en".into(),
            reminder_consent: false,
            opted_out: false,
            consent_method: None,
        },
    )
    .await
    .expect("patient")
    .id
}

async fn names(c: &Clinic, q: &str) -> Vec<String> {
    patients::search(&c.desk, q)
        .await
        .unwrap()
        .into_iter()
        .map(|h: PatientHit| h.full_name)
        .collect()
}

async fn clinic() -> Clinic {
    let c = Clinic::new("UTC").await;
    for (name, phone) in [
        ("Robert Berg", "+44 7700 900001"),
        ("Jackson Kato", "+44 7700 900002"),
        ("Mary-Jane O'Brien", "+44 7700 900003"),
        ("Aisha Rahman", "+44 7700 900004"),
        ("Albert Chamberlain", "+44 7700 900005"),
        ("Zoë Lindqvist", "+1 415 555 0100"),
    ] {
        register(&c, name, phone).await;
    }
    c
}

#[tokio::test]
async fn a_piece_from_inside_a_name_finds_it() {
    let c = clinic().await;
    assert_eq!(
        names(&c, "ckso").await,
        vec!["Jackson Kato"],
        "inside the first name"
    );
    assert_eq!(
        names(&c, "son Ka").await,
        vec!["Jackson Kato"],
        "across the space"
    );
    assert_eq!(
        names(&c, "SON KA").await,
        vec!["Jackson Kato"],
        "case does not matter"
    );
    assert_eq!(names(&c, "ndqv").await, vec!["Zoë Lindqvist"]);
    assert_eq!(
        names(&c, "y-Ja").await,
        vec!["Mary-Jane O'Brien"],
        "across a hyphen"
    );
    assert_eq!(
        names(&c, "e O'Bri").await,
        vec!["Mary-Jane O'Brien"],
        "across a space and an apostrophe"
    );
    assert_eq!(
        names(&c, "oë L").await,
        vec!["Zoë Lindqvist"],
        "letters beyond ASCII"
    );
    assert!(
        names(&c, "xyzzy").await.is_empty(),
        "nothing contains it, nothing is close"
    );
}

#[tokio::test]
async fn names_starting_with_the_piece_come_first_then_those_containing_it() {
    let c = clinic().await;
    // "Berg" starts with it (a prefix hit); Albert and Chamberlain contain it inside a word
    assert_eq!(
        names(&c, "ber").await,
        vec!["Robert Berg", "Albert Chamberlain"],
        "each name once, the word-start match first"
    );
    let c2 = Clinic::new("UTC").await;
    register(&c2, "Anna Roberts", "+44 7700 900010").await;
    register(&c2, "Colin Bertram", "+44 7700 900011").await;
    register(&c2, "Ubert Lowe", "+44 7700 900012").await;
    register(&c2, "Maria Bertha Lopez", "+44 7700 900013").await;
    assert_eq!(
        names(&c2, "bert").await,
        vec!["Colin Bertram", "Maria Bertha Lopez", "Anna Roberts", "Ubert Lowe"],
        "the surname starting with it (prefix index), then a middle name starting with it, then the names \
         holding it inside a word, by name"
    );
    assert_eq!(names(&c2, "obert").await, vec!["Anna Roberts"]);
}

#[tokio::test]
async fn at_most_twenty_names_and_never_the_same_twice() {
    let c = Clinic::new("UTC").await;
    for i in 0..30 {
        // half start with "Kal", half hold "kal" inside: prefix hits and inside hits together
        let name = if i % 2 == 0 {
            format!("Kalinda Person{}", (b'a' + i as u8) as char)
        } else {
            format!("Mikal Person{}", (b'a' + i as u8) as char)
        };
        register(&c, &name, &format!("+44 7700 9001{i:02}")).await;
    }
    let hits = patients::search(&c.desk, "kal").await.unwrap();
    assert_eq!(hits.len(), 20);
    let mut ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20, "no name twice");
    assert!(
        hits[..15]
            .iter()
            .all(|h| h.full_name.starts_with("Kalinda")),
        "the 15 names starting with it come first"
    );
    let inside = names(&c, "ikal").await;
    assert_eq!(inside.len(), 15, "every Mikal, none of the Kalindas");
}

#[tokio::test]
async fn typos_still_find_the_patient() {
    let c = clinic().await;
    assert_eq!(
        names(&c, "Aisah Rahman").await.first().map(String::as_str),
        Some("Aisha Rahman")
    );
    assert_eq!(
        names(&c, "Jakcson Kato").await.first().map(String::as_str),
        Some("Jackson Kato")
    );
    assert_eq!(
        names(&c, "Robret Berg").await.first().map(String::as_str),
        Some("Robert Berg")
    );
    assert_eq!(
        names(&c, "Rahmn").await.first().map(String::as_str),
        Some("Aisha Rahman"),
        "one misspelt word of the name"
    );
    assert!(
        names(&c, "Qwzvx Plmtk").await.is_empty(),
        "nothing close, nothing found"
    );
}

#[tokio::test]
async fn two_characters_look_only_at_the_start_of_names() {
    let c = clinic().await;
    assert_eq!(names(&c, "Ja").await, vec!["Jackson Kato"]);
    assert_eq!(
        names(&c, "ka").await,
        vec!["Jackson Kato"],
        "the surname's start too"
    );
    assert!(
        names(&c, "rt").await.is_empty(),
        "inside Robert, but two letters are not looked for inside"
    );
}

#[tokio::test]
async fn phone_prefix_mrn_and_id_are_not_name_searches() {
    let c = clinic().await;
    assert_eq!(names(&c, "+44 7700 90000").await.len(), 5);
    assert_eq!(names(&c, "+1 415").await, vec!["Zoë Lindqvist"]);
    let id = register(&c, "Pat Doe", "+44 7700 900099").await;
    let mrn = patients::get(&c.desk, id).await.unwrap().mrn;
    assert_eq!(names(&c, &mrn.to_lowercase()).await, vec!["Pat Doe"]);
    assert_eq!(
        patients::search(&c.desk, &id.to_string()).await.unwrap()[0].id,
        id
    );
}

#[tokio::test]
async fn wildcards_and_punctuation_are_literal() {
    let c = clinic().await;
    for q in ["%_%", "%%%", "___", "a%b", "\\\\\\", "' '", "-- --"] {
        assert!(names(&c, q).await.is_empty(), "{q:?} finds nothing");
    }
    assert!(
        names(&c, "a").await.is_empty(),
        "one character is not a search"
    );
    let long = "x".repeat(121);
    assert!(
        patients::search(&c.desk, &long).await.is_err(),
        "too long is refused"
    );
}
