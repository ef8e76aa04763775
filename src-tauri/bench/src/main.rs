//! `clinicdesk-bench`: measures one scenario in a throwaway database of an embedded cluster under `--data-dir`
//! and prints the numbers BENCHMARKS.md quotes (never asserts them). Developers' tooling: not in the package.
//! The log (sqlx's slow-statement warnings among it) goes to `<data dir>/clinicdesk-bench.log`, so the printout
//! holds only the numbers.

mod jobs;
mod scenarios;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "clinicdesk-bench",
    about = "Measure a ClinicDesk scenario (see BENCHMARKS.md)"
)]
struct Cli {
    /// Where the throwaway cluster lives (it is removed afterwards).
    #[arg(long, env = "CLINICDESK_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[arg(value_enum)]
    scenario: scenarios::Scenario,
    /// Patients to load (default: 1,000,000 for search, 20,000 otherwise).
    #[arg(long)]
    patients: Option<usize>,
    /// Appointments per doctor for `dashboard` (default 20,000: 1,000,000 for 50 doctors).
    #[arg(long, default_value_t = 20_000)]
    appointments_per_doctor: i64,
    /// Completed visits for `export` (default 1,000,000).
    #[arg(long, default_value_t = 1_000_000)]
    visits: i64,
    /// The growth runs (issue 16): multiplies the data of `timeline` (500 visits), `notify` and `reminders`
    /// (10,000 appointments), `reports` (500 doctors), `waitlist` (10,000 entries), and gives `booking` a history
    /// of 100,000 past appointments per unit. Without it, the sizes above and no booking history.
    #[arg(long)]
    scale: Option<u32>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = cli
        .data_dir
        .unwrap_or_else(clinicdesk_core::paths::data_dir);
    let log_path = dir.join("clinicdesk-bench.log");
    // the data dir itself keeps its usual mode: the cluster's server (its own user when run as root) lives in it
    let log = match std::fs::create_dir_all(&dir)
        .and_then(|()| clinicdesk_core::files::create_private(&log_path))
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "clinicdesk-bench: cannot write the log {}: {e}",
                log_path.display()
            );
            return ExitCode::FAILURE;
        }
    };
    // slow statements are expected here (bulk loads, index builds): they are worth keeping, not worth reading
    // between the numbers
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLINICDESK_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(log))
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = rt.block_on(scenarios::run(
        &dir,
        cli.scenario,
        cli.patients,
        cli.appointments_per_doctor,
        cli.visits,
        cli.scale,
    ));
    eprintln!("clinicdesk-bench: log in {}", log_path.display());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clinicdesk-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
