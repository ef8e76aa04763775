//! The monthly report: for each active doctor, last month's totals, unique patients, treatments, top
//! diagnoses, visits per day as bars drawn with HTML tables (they render in mail clients: no SVG, no script),
//! and the appointment and treatment tables; plus a clinic-wide summary (counts only, no clinical detail).
//! Stored in `reports` (every PC can show them), saved as HTML files, and emailed through the outbox.
//! Written in the clinic's language (English or Spanish: `Words`), dates in its date format and clock.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use chrono_tz::Tz;

use super::{local_instant, Counts, JobContext};
use crate::db;
use crate::db::notifications;
use crate::db::report_data::{self as data, ReportDoctor, StatusTotals};
use crate::db::reports::{self, NewReport};
use crate::error::Result;
use crate::locale::{Formatter, Lang};

pub async fn run(ctx: &JobContext, month: NaiveDate) -> Result<Counts> {
    let mut conn = ctx.pool.acquire().await?;
    let settings = db::settings::get(&mut conn).await?;
    let (clinic, tz_name, fmt) = settings
        .map(|s| {
            let fmt = Formatter::new(&s.language, &s.date_format, &s.clock);
            (s.clinic_name, s.time_zone, fmt)
        })
        .unwrap_or_else(|| {
            (
                "the clinic".into(),
                "UTC".into(),
                Formatter::new("en", "dd/MM/yyyy", "24h"),
            )
        });
    let tz: Tz = crate::clock::zone(&tz_name)?;
    let next = (month + Duration::days(32)).with_day(1).expect("day 1");
    let from = local_instant(tz, month, NaiveTime::MIN);
    let to = local_instant(tz, next, NaiveTime::MIN);

    // A fixed number of statements (10 in all), whatever the number of doctors or appointments.
    let doctors = data::active_doctors(&mut conn).await?;
    let totals: HashMap<i64, StatusTotals> = data::status_totals(&mut conn, from, to)
        .await?
        .into_iter()
        .map(|t| (t.doctor_id, t))
        .collect();
    let per_day = group(data::per_day(&mut conn, from, to, tz.name()).await?, |d| {
        d.doctor_id
    });
    let diagnoses = group(data::top_diagnoses(&mut conn, from, to).await?, |d| {
        d.doctor_id
    });
    let appts = group(data::appointment_lines(&mut conn, from, to).await?, |a| {
        a.doctor_id
    });
    let treatments = group(data::treatment_lines(&mut conn, from, to).await?, |t| {
        t.doctor_id
    });

    let month_label = fmt.lang.month_year(month);
    let days: Vec<NaiveDate> = month.iter_days().take_while(|d| *d < next).collect();
    let mut docs = Vec::with_capacity(doctors.len() + 1);
    let empty_totals = StatusTotals::default();
    let mut summary_rows = Vec::with_capacity(doctors.len());
    for d in &doctors {
        let t = totals.get(&d.id).unwrap_or(&empty_totals);
        let day_counts: HashMap<NaiveDate, i64> = per_day
            .get(&d.id)
            .map(|v| v.iter().map(|c| (c.day, c.n)).collect())
            .unwrap_or_default();
        let no_rows = Vec::new();
        let tr = treatments.get(&d.id).unwrap_or(&no_rows);
        let html = doctor_html(
            &clinic,
            &month_label,
            d,
            t,
            tr.len(),
            diagnoses.get(&d.id).map(Vec::as_slice).unwrap_or(&[]),
            &days,
            &day_counts,
            appts.get(&d.id).map(Vec::as_slice).unwrap_or(&[]),
            tr,
            tz,
            &fmt,
        );
        summary_rows.push((d, t.clone(), tr.len() as i64));
        docs.push(NewReport {
            doctor_id: Some(d.id),
            title: format!("{} — {month_label}", d.full_name),
            html,
            summary: serde_json::json!({
                "total": t.total, "completed": t.completed, "cancelled": t.cancelled, "no_show": t.no_show,
                "booked": t.booked, "unique_patients": t.unique_patients, "treatments": tr.len(),
            }),
        });
    }
    let clinic_days: HashMap<NaiveDate, i64> =
        per_day.values().flatten().fold(HashMap::new(), |mut m, c| {
            *m.entry(c.day).or_default() += c.n;
            m
        });
    docs.insert(
        0,
        NewReport {
            doctor_id: None,
            title: format!("{clinic} — {month_label}"),
            html: clinic_html(
                &clinic,
                &month_label,
                &summary_rows,
                &days,
                &clinic_days,
                &fmt,
            ),
            summary: serde_json::json!({ "doctors": doctors.len() }),
        },
    );

    let stored = reports::upsert_many(&mut conn, month, &ctx.host, &docs).await?;
    let files = save_files(&ctx.reports_dir, month, &docs);

    // The database composes the emails from the stored reports and the addresses on file.
    let emailed = if ctx.email_reports {
        notifications::enqueue_report_emails(&mut conn, month).await?
    } else {
        0
    };

    let mut counts = Counts::new();
    counts.insert("doctors".into(), doctors.len() as i64);
    counts.insert("reports".into(), stored as i64);
    counts.insert("files".into(), files as i64);
    counts.insert("emails_queued".into(), emailed);
    counts.insert(
        "appointments".into(),
        appts.values().map(|v| v.len() as i64).sum(),
    );
    Ok(counts)
}

fn group<T>(rows: Vec<T>, key: impl Fn(&T) -> i64) -> HashMap<i64, Vec<T>> {
    let mut m: HashMap<i64, Vec<T>> = HashMap::new();
    for r in rows {
        m.entry(key(&r)).or_default().push(r);
    }
    m
}

/// Writes each report to `<dir>/<YYYY-MM>/<slug>.html` (owner-only, atomically: `files::write_atomic`). Returns how many
/// were written; a folder that cannot be written is logged, not fatal (the reports are in the database).
fn save_files(dir: &Path, month: NaiveDate, docs: &[NewReport]) -> usize {
    let folder = dir.join(month.format("%Y-%m").to_string());
    if let Err(e) = crate::files::private_dir(&folder) {
        tracing::warn!(error = %e, folder = %folder.display(), "cannot create the reports folder");
        return 0;
    }
    docs.iter()
        .filter(|r| {
            let name = match r.doctor_id {
                None => "clinic-summary".to_string(),
                Some(id) => format!("doctor-{id}-{}", slug(&r.title)),
            };
            let path = folder.join(format!("{name}.html"));
            let ok = crate::files::write_atomic(&path, r.html.as_bytes());
            if let Err(e) = &ok {
                tracing::warn!(error = %e, "cannot save a report file");
            }
            ok.is_ok()
        })
        .count()
}

fn slug(s: &str) -> String {
    let base: String = s
        .split('—')
        .next()
        .unwrap_or(s)
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    base.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The report's words in one language.
struct Words {
    totals: &'static str,
    appointments: &'static str,
    completed: &'static str,
    still_booked: &'static str,
    cancelled: &'static str,
    no_show: &'static str,
    unique_patients: &'static str,
    treatments_recorded: &'static str,
    top_diagnoses: &'static str,
    no_treatments: &'static str,
    diagnosis: &'static str,
    visits: &'static str,
    visits_per_day: &'static str,
    when: &'static str,
    patient_mrn: &'static str,
    status: &'static str,
    treatments: &'static str,
    visit: &'static str,
    monthly_report: &'static str,
    doctors: &'static str,
    doctor: &'static str,
    department: &'static str,
    all_doctors: &'static str,
    clinic_summary: &'static str,
}

const EN: Words = Words {
    totals: "Totals",
    appointments: "Appointments",
    completed: "Completed",
    still_booked: "Still booked",
    cancelled: "Cancelled",
    no_show: "No-show",
    unique_patients: "Unique patients",
    treatments_recorded: "Treatments recorded",
    top_diagnoses: "Top diagnoses",
    no_treatments: "No treatments recorded.",
    diagnosis: "Diagnosis",
    visits: "Visits",
    visits_per_day: "Visits per day",
    when: "When",
    patient_mrn: "Patient (MRN)",
    status: "Status",
    treatments: "Treatments",
    visit: "Visit",
    monthly_report: "monthly report",
    doctors: "Doctors",
    doctor: "Doctor",
    department: "Department",
    all_doctors: "All doctors",
    clinic_summary: "Monthly summary for the clinic",
};

const ES: Words = Words {
    totals: "Totales",
    appointments: "Citas",
    completed: "Completadas",
    still_booked: "Aún reservadas",
    cancelled: "Canceladas",
    no_show: "No se presentó",
    unique_patients: "Pacientes distintos",
    treatments_recorded: "Tratamientos registrados",
    top_diagnoses: "Diagnósticos más frecuentes",
    no_treatments: "No se registraron tratamientos.",
    diagnosis: "Diagnóstico",
    visits: "Visitas",
    visits_per_day: "Visitas por día",
    when: "Cuándo",
    patient_mrn: "Paciente (n.º de historia)",
    status: "Estado",
    treatments: "Tratamientos",
    visit: "Visita",
    monthly_report: "informe mensual",
    doctors: "Médicos",
    doctor: "Médico",
    department: "Departamento",
    all_doctors: "Todos los médicos",
    clinic_summary: "Resumen mensual de la clínica",
};

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Es => &ES,
    }
}

/// An appointment status or visit type as words ("no_show" → "no show" / "no se presentó").
fn code_words(lang: Lang, code: &str) -> String {
    let es = match code {
        "booked" => "reservada",
        "checked_in" => "llegó",
        "called" => "llamado",
        "completed" => "completada",
        "cancelled" => "cancelada",
        "no_show" => "no se presentó",
        "consultation" => "consulta",
        "follow_up" => "seguimiento",
        "emergency" => "urgencia",
        "procedure" => "procedimiento",
        _ => "",
    };
    if lang == Lang::Es && !es.is_empty() {
        es.to_string()
    } else {
        code.replace('_', " ")
    }
}

const STYLE: &str = "body{font-family:Arial,Helvetica,sans-serif;color:#1f2937;margin:24px;}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}p.sub{color:#4b5563;margin:0 0 16px}\
table{border-collapse:collapse}td,th{padding:4px 8px;border-bottom:1px solid #e5e7eb;text-align:left;font-size:13px}\
th{background:#f3f4f6}td.n{text-align:right}";

fn page(lang: Lang, title: &str, sub: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{l}\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head>\
         <body><h1>{t}</h1><p class=\"sub\">{s}</p>{body}</body></html>",
        l = lang.code(),
        t = esc(title),
        s = esc(sub)
    )
}

fn totals_table(w: &Words, t: &StatusTotals, treatments: usize) -> String {
    let row = |label: &str, n: i64| {
        format!("<tr><th scope=\"row\">{label}</th><td class=\"n\">{n}</td></tr>")
    };
    format!(
        "<table role=\"presentation\">{}{}{}{}{}{}{}</table>",
        row(w.appointments, t.total),
        row(w.completed, t.completed),
        row(w.still_booked, t.booked),
        row(w.cancelled, t.cancelled),
        row(w.no_show, t.no_show),
        row(w.unique_patients, t.unique_patients),
        row(w.treatments_recorded, treatments as i64)
    )
}

/// Visits per day as horizontal bars: a table whose cells have a width and a background colour.
fn bars(days: &[NaiveDate], counts: &HashMap<NaiveDate, i64>, fmt: &Formatter) -> String {
    let max = counts.values().copied().max().unwrap_or(0).max(1);
    let mut out =
        String::from("<table role=\"presentation\" style=\"width:100%;max-width:560px\">");
    for d in days {
        let n = counts.get(d).copied().unwrap_or(0);
        let pct = (n * 100 / max).max(if n > 0 { 1 } else { 0 });
        let _ = write!(
            out,
            "<tr><td style=\"width:130px;white-space:nowrap\">{}</td><td style=\"width:100%\">\
             <table role=\"presentation\" style=\"width:{pct}%\"><tr><td style=\"background:#2563eb;height:12px;padding:0;border:0\"></td></tr></table>\
             </td><td class=\"n\">{n}</td></tr>",
            esc(&fmt.day(*d))
        );
    }
    out.push_str("</table>");
    out
}

#[allow(clippy::too_many_arguments)]
fn doctor_html(
    clinic: &str,
    month: &str,
    d: &ReportDoctor,
    t: &StatusTotals,
    treatments: usize,
    diagnoses: &[data::Diagnosis],
    days: &[NaiveDate],
    day_counts: &HashMap<NaiveDate, i64>,
    appts: &[data::ApptLine],
    tr: &[data::TreatmentLine],
    tz: Tz,
    fmt: &Formatter,
) -> String {
    let w = words(fmt.lang);
    let mut b = String::new();
    let _ = write!(b, "<h2>{}</h2>", w.totals);
    b.push_str(&totals_table(w, t, treatments));
    let _ = write!(b, "<h2>{}</h2>", w.top_diagnoses);
    if diagnoses.is_empty() {
        let _ = write!(b, "<p>{}</p>", w.no_treatments);
    } else {
        let _ = write!(
            b,
            "<table><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr>",
            w.diagnosis, w.visits
        );
        for g in diagnoses {
            let _ = write!(
                b,
                "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
                esc(&g.label),
                g.n
            );
        }
        b.push_str("</table>");
    }
    let _ = write!(b, "<h2>{}</h2>", w.visits_per_day);
    b.push_str(&bars(days, day_counts, fmt));
    let _ = write!(
        b,
        "<h2>{}</h2><table><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr>",
        w.appointments, w.when, w.patient_mrn, w.status
    );
    for a in appts {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&fmt.day_time(&a.starts_at.with_timezone(&tz))),
            esc(&a.mrn),
            esc(&code_words(fmt.lang, &a.status))
        );
    }
    let _ = write!(
        b,
        "</table><h2>{}</h2><table><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">ICD-10</th><th scope=\"col\">{}</th></tr>",
        w.treatments, w.when, w.patient_mrn, w.visit, w.diagnosis
    );
    for t in tr {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&fmt.day_time(&t.starts_at.with_timezone(&tz))),
            esc(&t.mrn),
            esc(&code_words(fmt.lang, &t.visit_type)),
            esc(t.icd10_code.as_deref().unwrap_or("")),
            esc(&t.diagnosis)
        );
    }
    b.push_str("</table>");
    page(
        fmt.lang,
        &format!("{} — {month}", d.full_name),
        &format!("{clinic} · {} · {}", d.department, w.monthly_report),
        &b,
    )
}

fn clinic_html(
    clinic: &str,
    month: &str,
    rows: &[(&ReportDoctor, StatusTotals, i64)],
    days: &[NaiveDate],
    day_counts: &HashMap<NaiveDate, i64>,
    fmt: &Formatter,
) -> String {
    let w = words(fmt.lang);
    let mut b = format!(
        "<h2>{}</h2><table><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr>",
        w.doctors,
        w.doctor,
        w.department,
        w.appointments,
        w.completed,
        w.cancelled,
        w.no_show,
        w.unique_patients,
        w.treatments
    );
    let mut sum = StatusTotals::default();
    let mut sum_tr = 0;
    for (d, t, tr) in rows {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&d.full_name),
            esc(&d.department),
            t.total,
            t.completed,
            t.cancelled,
            t.no_show,
            t.unique_patients,
            tr
        );
        sum.total += t.total;
        sum.completed += t.completed;
        sum.cancelled += t.cancelled;
        sum.no_show += t.no_show;
        sum.booked += t.booked;
        sum_tr += tr;
    }
    let _ = write!(
        b,
        "<tr><th scope=\"row\" colspan=\"2\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th>\
         <th class=\"n\">{}</th><th class=\"n\">{}</th><th></th><th class=\"n\">{}</th></tr></table>",
        w.all_doctors,
        sum.total,
        sum.completed,
        sum.cancelled,
        sum.no_show,
        sum_tr
    );
    let _ = write!(b, "<h2>{}</h2>", w.visits_per_day);
    b.push_str(&bars(days, day_counts, fmt));
    page(
        fmt.lang,
        &format!("{clinic} — {month}"),
        w.clinic_summary,
        &b,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<b>\"O'Neil\" & co</b>"),
            "&lt;b&gt;&quot;O&#39;Neil&quot; &amp; co&lt;/b&gt;"
        );
    }

    #[test]
    fn bars_scale_to_the_busiest_day_and_draw_no_svg() {
        let d1 = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let d2 = NaiveDate::from_ymd_opt(2026, 10, 2).unwrap();
        let fmt = Formatter::new("es", "dd.MM.yyyy", "24h");
        let html = bars(&[d1, d2], &HashMap::from([(d1, 4), (d2, 2)]), &fmt);
        assert!(html.contains(">jue 01.10.2026<"), "{html}");
        assert!(html.contains("width:100%\"><tr><td style=\"background"));
        assert!(html.contains("width:50%"));
        assert!(!html.contains("<svg") && !html.contains("<script"));
    }

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(slug("Dr. Asha Rao — October 2026"), "dr-asha-rao");
    }
}
