//! The ClinicDesk desktop shell: wires the core into Tauri (state, commands, lifecycle) and exports the
//! TypeScript bindings the UI is typed against.

mod commands;
mod error;
mod logging;
mod state;

use tauri::{Manager, RunEvent};

pub use error::CommandError;

/// The command set, shared by the app and the bindings export.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            commands::app_status,
            commands::list_time_zones,
            commands::password_strength,
            commands::complete_setup,
            commands::sign_in,
            commands::sign_out,
            commands::current_session,
            commands::list_staff,
            commands::create_staff,
            commands::reset_staff_password,
            commands::set_staff_active,
            commands::list_departments,
            commands::create_department,
            commands::update_department,
            commands::delete_department,
            commands::get_settings,
            commands::update_settings,
            commands::list_reminder_rules,
            commands::add_reminder_rule,
            commands::remove_reminder_rule,
            commands::get_quiet_hours,
            commands::set_quiet_hours,
            commands::get_database_config,
            commands::set_database_config,
            commands::scheduling::list_doctors,
            commands::scheduling::my_doctor,
            commands::scheduling::create_doctor,
            commands::scheduling::update_doctor,
            commands::scheduling::set_doctor_active,
            commands::scheduling::get_availability,
            commands::scheduling::set_weekly_availability,
            commands::scheduling::add_availability_exception,
            commands::scheduling::remove_availability_exception,
            commands::scheduling::list_holidays,
            commands::scheduling::free_slots,
            commands::scheduling::first_available,
            commands::scheduling::register_patient,
            commands::scheduling::update_patient,
            commands::scheduling::get_patient,
            commands::scheduling::search_patients,
            commands::scheduling::blacklist_patient,
            commands::scheduling::lift_blacklist,
            commands::scheduling::book_appointment,
            commands::scheduling::reschedule_appointment,
            commands::scheduling::cancel_appointment,
            commands::scheduling::check_in,
            commands::scheduling::mark_no_show,
            commands::scheduling::complete_appointment,
            commands::scheduling::walk_in,
            commands::scheduling::today_board,
            commands::scheduling::doctor_calendar,
            commands::scheduling::patient_appointments,
            commands::clinical::record_treatment,
            commands::clinical::amend_treatment,
            commands::clinical::get_treatment,
            commands::clinical::treatment_amendments,
            commands::clinical::patient_history,
            commands::clinical::recall_list,
            commands::clinical::export_default_path,
            commands::clinical::export_patient_history,
            commands::clinical::export_visits,
            commands::clinical::cancel_export,
            commands::clinical::reveal_in_folder,
            commands::jobs::get_job_settings,
            commands::jobs::update_job_settings,
            commands::jobs::get_channel_settings,
            commands::jobs::update_channel_settings,
            commands::jobs::send_test_message,
            commands::jobs::jobs_overview,
            commands::jobs::job_runs,
            commands::jobs::run_job_now,
            commands::jobs::list_outbox,
            commands::jobs::outbox_counts,
            commands::jobs::retry_notification,
            commands::jobs::cancel_notification,
            commands::jobs::dispatch_now,
            commands::jobs::list_reports,
            commands::jobs::get_report,
            commands::jobs::regenerate_reports,
            commands::backups::backup_status,
            commands::backups::update_backup_settings,
            commands::backups::backup_now,
            commands::backups::database_ping,
            commands::insights::admin_dashboard,
            commands::insights::doctor_dashboard,
            commands::insights::get_diagnostics,
            commands::insights::audit_log,
            commands::insights::audit_log_kinds,
            commands::insights::export_audit_log,
            commands::insights::quick_search,
            commands::patients::find_duplicate_patients,
            commands::patients::merge_patients,
            commands::scheduling::preview_series,
            commands::scheduling::book_series,
            commands::scheduling::cancel_series,
            commands::appointment_types::list_appointment_types,
            commands::appointment_types::create_appointment_type,
            commands::appointment_types::update_appointment_type,
            commands::appointment_types::doctor_appointment_types,
            commands::appointment_types::set_doctor_appointment_types,
            commands::waitlist::add_waitlist_entry,
            commands::waitlist::list_waitlist,
            commands::waitlist::close_waitlist_entry,
            commands::waitlist::waitlist_matches,
            commands::waitlist::book_from_waitlist,
            commands::scheduling::call_next,
            commands::scheduling::no_show_report,
            commands::clinical::export_no_shows,
            commands::get_wait_alert_minutes,
            commands::set_wait_alert_minutes,
        ])
        .typ::<commands::clinical::ExportProgress>()
        .typ::<clinicdesk_core::export::ExportOutcome>()
        .typ::<clinicdesk_core::services::waitlist::FreedSlot>()
        .dangerously_cast_bigints_to_number()
        .disable_serde_phases()
}

/// Writes the TypeScript bindings (commands and types) to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(specta_typescript::Typescript::default(), path)
        .map_err(|e| e.to_string())
}

pub fn run() {
    let _log_guard = logging::init();
    let builder = specta_builder();
    let app = tauri::Builder::default()
        // First, so a second launch hands over to the running window before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            focus_main_window(app)
        }))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(state::AppState::new())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            quit_on_stop_signals(app.handle().clone())?;
            forward_freed_slots(app.handle().clone());
            // Start the database while the window loads, so sign-in is ready sooner.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let state = handle.state::<state::AppState>();
                match state.target().await {
                    Ok(_) => state.ensure_runner().await,
                    Err(e) => tracing::error!(error = %e, "database not ready at startup"),
                }
            });
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("ClinicDesk could not start its window");
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            tauri::async_runtime::block_on(handle.state::<state::AppState>().shutdown());
        }
    });
}

/// Every slot the database announces as freed (any PC's cancel or move) goes to the window as "slot-freed"; the
/// desk asks which waitlist entries match it.
fn forward_freed_slots(app: tauri::AppHandle) {
    use tauri::Emitter;
    let mut freed = app.state::<state::AppState>().subscribe_freed_slots();
    tauri::async_runtime::spawn(async move {
        loop {
            match freed.recv().await {
                Ok(slot) => {
                    let _ = app.emit("slot-freed", slot);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "slot-freed notices dropped (too many at once)");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// SIGTERM and SIGINT (session logout, shutdown, `kill`, Ctrl+C) quit like closing the window: the exit event
/// closes connections and stops the embedded cluster. Registered before the cluster starts, so none is left behind.
fn quit_on_stop_signals(app: tauri::AppHandle) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let (mut term, mut int) = tauri::async_runtime::block_on(async {
        Ok::<_, std::io::Error>((
            signal(SignalKind::terminate())?,
            signal(SignalKind::interrupt())?,
        ))
    })?;
    tauri::async_runtime::spawn(async move {
        let name = tokio::select! { _ = term.recv() => "SIGTERM", _ = int.recv() => "SIGINT" };
        tracing::info!(signal = name, "stop signal: quitting");
        app.exit(0);
    });
    Ok(())
}

/// A second launch of ClinicDesk in the same session lands here (in the first process): bring its window forward
/// so two windows never fight over one embedded cluster.
fn focus_main_window(app: &tauri::AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
    tracing::info!("second launch: focused the running window");
}
