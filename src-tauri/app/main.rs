//! The ClinicDesk desktop binary: hands over to the app library.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Everything this process creates (logs, config, temp files) is private to its OS account.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    clinicdesk_app::run();
}
