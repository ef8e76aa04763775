//! `clinicdesk-bench`: measures one scenario in a throwaway database of an embedded cluster under `--data-dir`
//! and prints the numbers BENCHMARKS.md quotes (never asserts them). Developers' tooling: not in the package.
//! The log (sqlx's slow-statement warnings among it) goes to stderr, so stdout holds only the numbers.

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
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLINICDESK_LOG")
                .unwrap_or_else(|_| "warn,sqlx=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let dir = cli
        .data_dir
        .unwrap_or_else(clinicdesk_core::paths::data_dir);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(scenarios::run(&dir, cli.scenario, cli.patients)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clinicdesk-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
