//! Tracing for the desktop app: a daily-rotated log file in the app's log dir (14 days kept) plus stderr.
//! The dir is 0700 and the files 0600 (main sets the umask to 0o077, so files made at rotation are private too).

use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Returns the guard that flushes the file writer; keep it alive for the app's lifetime.
pub fn init() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let filter = EnvFilter::try_from_env("CLINICDESK_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tao=warn,wry=warn"));
    let dir = clinicdesk_core::paths::log_dir();
    let private = clinicdesk_core::paths::ensure_private_dir(&dir)
        .and_then(|_| clinicdesk_core::paths::make_files_private(&dir, "clinicdesk"));
    let appender = private.ok().and_then(|_| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("clinicdesk")
            .filename_suffix("log")
            .max_log_files(14)
            .build(&dir)
            .ok()
    });
    let (file_layer, guard) = match appender {
        Some(a) => {
            let (writer, guard) = tracing_appender::non_blocking(a);
            (
                Some(fmt::layer().with_ansi(false).with_writer(writer)),
                Some(guard),
            )
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(file_layer)
        .with(fmt::layer().with_writer(std::io::stderr))
        .with(clinicdesk_core::diagnostics::SlowQueryLayer)
        .try_init();
    guard
}
