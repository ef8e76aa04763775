//! The ClinicDesk desktop binary: hands over to the app library.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    clinicdesk_app::run();
}
