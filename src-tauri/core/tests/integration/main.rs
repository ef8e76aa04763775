//! The core's integration tests: one binary (one throwaway PostgreSQL cluster for all of them, started on first use),
//! one module per area. Shared fixtures live in `clinicdesk_core::testing` (clinics, doctors, patients, SMTP sink).

mod appointment_types;
mod attacks;
mod backups;
mod clinical;
mod crash;
mod flow;
mod foundation;
mod free_slots_sql;
mod fuzz;
mod insights;
mod jobs;
mod locale;
mod patient_records;
mod privacy;
mod reminder_rules;
mod resilience;
mod scheduling;
mod search;
mod series;
mod tls;
mod waitlist;
