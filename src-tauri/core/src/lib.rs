//! ClinicDesk's core: every rule and use case of the product, shared by the desktop app, `clinicctl` and the
//! scheduler. It knows nothing of windows, IPC or Vue.

pub mod backup;
pub mod cache;
pub mod channels;
pub mod clock;
pub mod config;
pub mod crash;
pub mod db;
pub mod demo;
pub mod diagnostics;
pub mod embedded;
pub mod error;
pub mod export;
pub mod files;
pub mod instance;
pub mod jobs;
pub mod paths;
pub mod schedule;
pub mod security;
pub mod services;
pub mod target;

#[cfg(feature = "test-support")]
pub mod testing;

pub use error::{Error, ErrorKind, Result};
