//! `clinicctl`: ClinicDesk without a window — the embedded database's lifecycle, schema migrations, staff
//! accounts, demo data, backups and the jobs agent — for clinics' IT and scripts. Every command calls the core.
//! (Benchmarks are the separate developers' binary `clinicdesk-bench`.)

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use clinicdesk_core::db::{self, staff::StaffRole};
use clinicdesk_core::demo::{self, DemoOptions};
use clinicdesk_core::embedded::{self, ClusterState, Durability, EmbeddedCluster};
use clinicdesk_core::services::staff::{self, NewStaff};
use clinicdesk_core::target::DbTarget;
use clinicdesk_core::{Error, Result};
use sqlx::Connection;

#[derive(Parser)]
#[command(
    name = "clinicctl",
    version,
    about = "Administer a ClinicDesk database from the command line"
)]
struct Cli {
    /// The data dir holding the embedded cluster (default: CLINICDESK_DATA_DIR or the platform's data dir).
    #[arg(long, global = true, env = "CLINICDESK_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Use this PostgreSQL server instead of the embedded cluster (its credentials must be the schema owner's).
    #[arg(long, global = true, env = "CLINICDESK_DATABASE_URL")]
    database_url: Option<String>,
    /// The clinic CA's certificate (PEM) that the server's certificate must be signed by: connects with
    /// sslmode=verify-full (the server's name must be in its certificate). Goes with --database-url.
    #[arg(long, global = true, env = "CLINICDESK_CA_FILE")]
    ca_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The database: create, start, stop, inspect, migrate.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// First-run setup of a clinic (what the app's wizard does): schema, settings and the first administrator.
    /// For a clinic server: `clinicctl --database-url <owner URL> setup …`. The password is read from stdin.
    Setup {
        #[arg(long)]
        clinic_name: String,
        /// IANA time zone, e.g. Europe/London.
        #[arg(long)]
        time_zone: String,
        #[arg(long)]
        admin_username: String,
        #[arg(long)]
        admin_full_name: Option<String>,
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Also load the small demo clinic.
        #[arg(long)]
        demo: bool,
    },
    /// Staff accounts.
    Staff {
        #[command(subcommand)]
        action: StaffAction,
    },
    /// Load a realistic demo clinic (deterministic for a seed).
    DemoData {
        #[arg(long, default_value_t = 12)]
        doctors: usize,
        #[arg(long, default_value_t = 2000)]
        patients: usize,
        /// Appointments this many days back and forward from today.
        #[arg(long, default_value_t = 30)]
        days: i64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Export medical data to CSV (the same writer as the app: streamed, atomic, spreadsheet-safe, recorded).
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Run the background jobs (reminders, monthly reports, cleanup, outbox delivery) until stopped: for a
    /// clinic server, as a service (see docs/jobs.md for the systemd unit). Uses the owner's connection.
    Agent,
    /// Backups: create (pg_dump custom format), restore into a fresh or empty database, verify in a throwaway
    /// cluster. For a clinic server: `clinicctl --database-url <owner URL> backup create`.
    Backup {
        #[command(subcommand)]
        action: BackupAction,
    },
}

#[derive(Subcommand)]
enum DbAction {
    /// Create the embedded cluster and database, start it and migrate the schema.
    Init,
    /// Start the embedded cluster (it keeps running after clinicctl exits).
    Start,
    /// Stop the embedded cluster cleanly.
    Stop,
    /// Print whether the cluster runs and whether the schema is current.
    Status,
    /// Apply pending schema migrations.
    Migrate,
    /// Print the owner's connection URL (for psql).
    Url,
}

#[derive(Subcommand)]
enum BackupAction {
    /// Back up now: into FILE, or into the configured folder (pruned to the configured count).
    Create {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Restore FILE into the database (asks before replacing a database that holds data).
    Restore {
        file: PathBuf,
        /// Replace existing data without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Restore FILE into a throwaway cluster and check its row counts against the backup's manifest.
    Verify { file: PathBuf },
}

#[derive(Subcommand)]
enum ExportWhat {
    /// One patient's visit history, newest first.
    History {
        #[arg(long)]
        patient: i64,
        #[arg(long)]
        out: PathBuf,
        /// Start the file with a UTF-8 BOM (for Excel).
        #[arg(long)]
        bom: bool,
    },
    /// All visits between two dates (inclusive), oldest first.
    Visits {
        #[arg(long)]
        from: chrono::NaiveDate,
        #[arg(long)]
        to: chrono::NaiveDate,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        bom: bool,
    },
}

#[derive(Subcommand)]
enum StaffAction {
    /// Create a staff member; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long)]
        full_name: Option<String>,
        /// Read the password from stdin (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Doctor,
    Reception,
}

impl From<RoleArg> for StaffRole {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Admin => StaffRole::Admin,
            RoleArg::Doctor => StaffRole::Doctor,
            RoleArg::Reception => StaffRole::Reception,
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLINICDESK_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let detail = match &e {
                Error::Internal(d) => format!(" ({d})"),
                _ => String::new(),
            };
            eprintln!("clinicctl: {e}{detail}");
            ExitCode::from(match e {
                Error::Validation { .. } => 2,
                Error::Unavailable(_) => 3,
                Error::Conflict(_) | Error::Overlap => 4,
                Error::PermissionDenied(_) | Error::Unauthenticated(_) => 5,
                _ => 1,
            })
        }
    }
}

/// A password from standard input (never from the command line, where `ps` would show it).
fn read_password() -> Result<String> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    Ok(password.trim_end_matches(['\n', '\r']).to_string())
}

fn cluster(cli: &Cli) -> Result<EmbeddedCluster> {
    let dir = cli
        .data_dir
        .clone()
        .unwrap_or_else(clinicdesk_core::paths::data_dir);
    EmbeddedCluster::new(&dir, Durability::Durable)
}

/// The target: the URL when given, else the embedded cluster (started if needed), the same start-up as the app's.
async fn target(cli: &Cli) -> Result<DbTarget> {
    let dir = cli
        .data_dir
        .clone()
        .unwrap_or_else(clinicdesk_core::paths::data_dir);
    clinicdesk_core::context::open_target(
        cli.database_url.as_deref(),
        &clinicdesk_core::config::DatabaseConfig::Embedded,
        &dir,
    )
    .await
}

async fn owner_conn(target: &DbTarget) -> Result<sqlx::PgConnection> {
    db::connect_one(
        &target
            .owner_options()
            .expect("clinicctl targets always have an owner connection"),
    )
    .await
}

/// Verified TLS for `--database-url`: the CA file from `--ca-file`, verify-full by default for network hosts,
/// and a warning on stderr for a server reached without verification.
fn secure_url(cli: &mut Cli) -> Result<()> {
    let ca = match &cli.ca_file {
        Some(p) => {
            let abs = std::path::absolute(p)?;
            Some(abs.to_str().map(String::from).ok_or_else(|| {
                Error::validation("ca_file", "The CA file's path must be valid UTF-8.")
            })?)
        }
        None => None,
    };
    match &cli.database_url {
        Some(url) => {
            let url = clinicdesk_core::config::secure_database_url(url, ca.as_deref())?;
            if let Some(w) = clinicdesk_core::config::url_tls_warning(&url) {
                eprintln!("clinicctl: warning: {w}");
            }
            cli.database_url = Some(url);
        }
        None if ca.is_some() => {
            return Err(Error::validation(
                "ca_file",
                "--ca-file goes with --database-url (the clinic server); the built-in database needs none.",
            ))
        }
        None => {}
    }
    Ok(())
}

async fn run(mut cli: Cli) -> Result<()> {
    secure_url(&mut cli)?;
    match &cli.command {
        Command::Db { action } => match action {
            DbAction::Init | DbAction::Migrate => {
                let t = target(&cli).await?;
                let mut conn = owner_conn(&t).await?;
                db::migrate(&mut conn, &db::MIGRATOR).await?;
                println!("schema is current ({})", t.label());
            }
            DbAction::Start => {
                let c = cluster(&cli)?;
                c.start().await?;
                c.ensure_database(embedded::DATABASE).await?;
                println!("running: {}", c.owner_url(embedded::DATABASE));
            }
            DbAction::Stop => {
                cluster(&cli)?.stop().await?;
                println!("stopped");
            }
            DbAction::Status => {
                if cli.database_url.is_none() {
                    let c = cluster(&cli)?;
                    let state = c.state().await?;
                    println!(
                        "cluster: {}",
                        match state {
                            ClusterState::NotInitialized => "not created (run `clinicctl db init`)",
                            ClusterState::Stopped => "stopped",
                            ClusterState::Running => "running",
                        }
                    );
                    if state != ClusterState::Running {
                        return Ok(());
                    }
                }
                let t = target(&cli).await?;
                let mut conn = owner_conn(&t).await?;
                let state = db::schema_state(&mut conn, &db::MIGRATOR).await?;
                println!(
                    "schema: {}",
                    match state {
                        db::SchemaState::Empty => "empty (run `clinicctl db migrate`)".to_string(),
                        db::SchemaState::Behind { pending } =>
                            format!("{pending} migration(s) pending"),
                        db::SchemaState::Current => "current".to_string(),
                        db::SchemaState::Ahead => "newer than this clinicctl".to_string(),
                    }
                );
            }
            DbAction::Url => match &cli.database_url {
                Some(u) => println!("{u}"),
                None => println!("{}", cluster(&cli)?.owner_url(embedded::DATABASE)),
            },
        },
        Command::Setup {
            clinic_name,
            time_zone,
            admin_username,
            admin_full_name,
            demo,
            ..
        } => {
            let t = target(&cli).await?;
            let input = clinicdesk_core::services::setup::SetupInput {
                clinic_name: clinic_name.clone(),
                time_zone: time_zone.clone(),
                admin_username: admin_username.clone(),
                admin_full_name: admin_full_name
                    .clone()
                    .unwrap_or_else(|| admin_username.clone()),
                admin_password: read_password()?,
                load_demo: *demo,
                locale: None,
            };
            let out =
                clinicdesk_core::services::setup::complete_setup(&t, &db::MIGRATOR, &input).await?;
            println!("clinic set up; {} can sign in", input.admin_username);
            for l in &out.demo_logins {
                println!(
                    "  demo: {:<24} {:<10} password {}",
                    l.username,
                    l.role.as_str(),
                    l.password
                );
            }
        }
        Command::Staff {
            action:
                StaffAction::Add {
                    username,
                    role,
                    full_name,
                    ..
                },
        } => {
            let password = read_password()?;
            let t = target(&cli).await?;
            let pool = db::connect_pool(t.owner_options().expect("owner"), 1).await?;
            let input = NewStaff {
                username: username.clone(),
                full_name: full_name.clone().unwrap_or_else(|| username.clone()),
                role: (*role).into(),
                password,
            };
            let s = staff::create(&pool, &input).await?;
            println!("created {} ({})", s.username, s.role.as_str());
        }
        Command::Export { what } => {
            use clinicdesk_core::export::{
                self, ExportControl, ExportRequest, ExportScope, ExportStatus,
            };
            let (scope, out, bom) = match what {
                ExportWhat::History { patient, out, bom } => (
                    ExportScope::PatientHistory {
                        patient_id: *patient,
                    },
                    out,
                    *bom,
                ),
                ExportWhat::Visits { from, to, out, bom } => (
                    ExportScope::Visits {
                        from: *from,
                        to: *to,
                    },
                    out,
                    *bom,
                ),
            };
            let t = target(&cli).await?;
            let pool = db::connect_pool(t.owner_options().expect("owner"), 2).await?;
            let started = export::start(
                &pool,
                ExportRequest {
                    scope,
                    path: out.clone(),
                    bom,
                },
            )
            .await?;
            let outcome = export::run(&pool, &started, &ExportControl::default()).await?;
            match outcome.status {
                ExportStatus::Done => println!("{} ({} bytes)", outcome.message, outcome.bytes),
                _ => return Err(Error::Unavailable(outcome.message)),
            }
        }
        Command::Agent => {
            let t = target(&cli).await?;
            let ctx = clinicdesk_core::jobs::runner::owner_context(&t, cli.database_url.as_deref()).await?.ok_or_else(|| {
                Error::Unavailable(
                    "The clinic is not set up on this database, or its schema is not current (run `clinicctl db migrate`)."
                        .into(),
                )
            })?;
            let host = ctx.host.clone();
            let runner = clinicdesk_core::jobs::runner::Runner::start(ctx).await?;
            println!(
                "clinicctl agent: running the jobs on {} as {host} (Ctrl+C or SIGTERM stops)",
                t.label()
            );
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            runner.stop().await;
            println!("clinicctl agent: stopped");
        }
        Command::Backup { action } => backup_command(&cli, action).await?,
        Command::DemoData {
            doctors,
            patients,
            days,
            seed,
        } => {
            let t = target(&cli).await?;
            let mut conn = owner_conn(&t).await?;
            db::migrate(&mut conn, &db::MIGRATOR).await?;
            let started = std::time::Instant::now();
            let mut tx = conn.begin().await?;
            let opts = DemoOptions {
                doctors: *doctors,
                patients: *patients,
                days: *days,
                seed: *seed,
                anchor: None,
            };
            let summary = demo::load(&mut tx, &opts).await?;
            tx.commit().await?;
            println!(
                "demo clinic loaded in {:.1}s: {} departments, {} doctors, {} patients, {} appointments, {} treatments",
                started.elapsed().as_secs_f64(),
                summary.departments,
                summary.doctors,
                summary.patients,
                summary.appointments,
                summary.treatments
            );
            println!("demo logins (password for all: {}):", demo::DEMO_PASSWORD);
            for l in &summary.logins {
                println!(
                    "  {:<24} {:<10} {}",
                    l.username,
                    l.role.as_str(),
                    l.full_name
                );
            }
        }
    }
    Ok(())
}

async fn backup_command(cli: &Cli, action: &BackupAction) -> Result<()> {
    use clinicdesk_core::backup::{self, Source};
    use clinicdesk_core::services::backups::{self, Trigger};
    match action {
        BackupAction::Create { out } => {
            let t = target(cli).await?;
            let run =
                backups::run(&t, cli.database_url.as_deref(), Trigger::Cli, out.clone()).await?;
            println!(
                "backup written: {} ({} bytes); {} kept, {} pruned",
                run.path, run.bytes, run.kept, run.pruned
            );
        }
        BackupAction::Restore { file, yes } => {
            let t = target(cli).await?;
            let source = Source::from_target(&t, cli.database_url.as_deref())?;
            let report = match backup::restore(&source, file, *yes).await {
                Err(Error::Conflict(msg)) if !*yes && confirm(&msg)? => {
                    backup::restore(&source, file, true).await?
                }
                other => other?,
            };
            println!(
                "restored {} tables, {} rows; {} staff account(s) recreated{}",
                report.tables,
                report.rows,
                report.roles_created,
                if report.matched_manifest {
                    "; row counts match the backup's manifest"
                } else {
                    "; no manifest beside the file, counts not compared"
                }
            );
            if let Some(previous) = &report.previous_database {
                println!(
                    "the replaced database is kept as {previous}; once the restored data is confirmed, drop it \
                     with: psql \"$(clinicctl db url)\" -c 'DROP DATABASE \"{previous}\"'"
                );
            }
        }
        BackupAction::Verify { file } => {
            let report = backup::verify(file).await?;
            println!(
                "backup is good: {} tables, {} rows restored in a throwaway cluster{}",
                report.tables,
                report.rows,
                if report.matched_manifest {
                    ", row counts match the manifest"
                } else {
                    " (no manifest to compare counts with)"
                }
            );
        }
    }
    Ok(())
}

/// Asks on the terminal before an irreversible step; without a terminal, refuses (pass --yes).
fn confirm(question: &str) -> Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Err(Error::Conflict(format!(
            "{question} (pass --yes to replace it)"
        )));
    }
    print!("{question}\nType REPLACE to replace it: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim() == "REPLACE")
}
