//! The UI's TypeScript bindings are generated from the Rust commands; this test fails when they are stale.
//! So is the English error catalog (ui/src/i18n/locales/en/errors.json).
//! Regenerate with `make bindings` (which runs this test with UPDATE_BINDINGS=1).

#[test]
fn typescript_bindings_are_current() {
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/api/bindings.ts");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        clinicdesk_app::export_bindings(&committed).expect("export bindings");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    clinicdesk_app::export_bindings(&fresh).expect("export bindings");
    let fresh = std::fs::read_to_string(fresh).unwrap();
    let current = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        fresh == current,
        "ui/src/api/bindings.ts is stale: run `make bindings` and commit the result"
    );
}

/// The English error catalog the UI translates by code, generated from `clinicdesk_core::messages::CATALOG`.
#[test]
fn english_error_catalog_is_current() {
    let committed =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/i18n/locales/en/errors.json");
    let fresh = clinicdesk_core::messages::english_json();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(committed.parent().unwrap()).unwrap();
        std::fs::write(&committed, fresh).expect("write errors.json");
        return;
    }
    let current = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        fresh == current,
        "ui/src/i18n/locales/en/errors.json is stale: run `make bindings` and commit the result"
    );
}
