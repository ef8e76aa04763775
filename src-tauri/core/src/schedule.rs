//! Free-slot arithmetic in the clinic's time zone: a doctor's weekly sessions, dated exceptions and clinic
//! holidays become bookable slots as UTC instants, correct across DST changes. Pure: no database, no clock.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ExceptionKind {
    /// The doctor is away (whole day, or the given hours).
    Leave,
    /// An extra session outside the weekly template.
    Extra,
    /// The clinic is closed (doctor_id is NULL).
    Holiday,
}

/// A session of the weekly template, in clinic-local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeeklyWindow {
    /// ISO weekday, 1 = Monday.
    pub weekday: u32,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// A dated exception; no times = the whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatedException {
    pub on_date: NaiveDate,
    pub kind: ExceptionKind,
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
}

type Window = (NaiveTime, NaiveTime);

/// The doctor's working windows on `date` (clinic-local), sorted and non-overlapping.
pub fn day_windows(
    date: NaiveDate,
    weekly: &[WeeklyWindow],
    exceptions: &[DatedException],
) -> Vec<Window> {
    let today: Vec<&DatedException> = exceptions.iter().filter(|e| e.on_date == date).collect();
    let mut windows: Vec<Window> = weekly
        .iter()
        .filter(|w| w.weekday == date.weekday().number_from_monday())
        .map(|w| (w.start, w.end))
        .collect();
    for e in today.iter().filter(|e| e.kind == ExceptionKind::Extra) {
        if let (Some(s), Some(t)) = (e.start, e.end) {
            windows.push((s, t));
        }
    }
    windows = merge(windows);
    for e in today.iter().filter(|e| e.kind != ExceptionKind::Extra) {
        match (e.start, e.end) {
            (Some(s), Some(t)) => windows = subtract(&windows, (s, t)),
            _ => return vec![],
        }
    }
    windows
}

fn merge(mut w: Vec<Window>) -> Vec<Window> {
    w.sort();
    let mut out: Vec<Window> = vec![];
    for (s, e) in w {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

fn subtract(windows: &[Window], cut: Window) -> Vec<Window> {
    let mut out = vec![];
    for &(s, e) in windows {
        if cut.1 <= s || cut.0 >= e {
            out.push((s, e));
            continue;
        }
        if cut.0 > s {
            out.push((s, cut.0));
        }
        if cut.1 < e {
            out.push((cut.1, e));
        }
    }
    out
}

/// A bookable slot: UTC instants plus the clinic-local date and time people read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotTime {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub end_time: NaiveTime,
}

/// Slots of `slot_minutes` laid from each window's start. A local time that does not exist (the spring-forward
/// gap) has no slot; an ambiguous one (autumn fall-back) takes its first occurrence.
pub fn slots_in_windows(
    tz: Tz,
    date: NaiveDate,
    windows: &[Window],
    slot_minutes: i64,
) -> Vec<SlotTime> {
    starts_in_windows(tz, date, windows, slot_minutes, slot_minutes)
}

/// Visits of `length_minutes` starting on the slot grid (every `step_minutes` from each window's start) wherever
/// the whole visit fits inside the window; with the length equal to the step, the grid's slots.
pub fn starts_in_windows(
    tz: Tz,
    date: NaiveDate,
    windows: &[Window],
    step_minutes: i64,
    length_minutes: i64,
) -> Vec<SlotTime> {
    let step = Duration::minutes(step_minutes.max(1));
    let length = Duration::minutes(length_minutes.max(1));
    let mut out = vec![];
    for &(start, end) in windows {
        let mut t = start;
        loop {
            let (finish, wrapped) = t.overflowing_add_signed(length);
            if wrapped != 0 || finish > end {
                break;
            }
            if let Some(local) = tz.from_local_datetime(&date.and_time(t)).earliest() {
                let starts_at = local.with_timezone(&Utc);
                out.push(SlotTime {
                    starts_at,
                    ends_at: starts_at + length,
                    date,
                    time: t,
                    end_time: finish,
                });
            }
            let (next, wrapped) = t.overflowing_add_signed(step);
            if wrapped != 0 {
                break;
            }
            t = next;
        }
    }
    out
}

/// Whether `[start, end)` overlaps any of `busy`.
pub fn overlaps(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    busy: &[(DateTime<Utc>, DateTime<Utc>)],
) -> bool {
    busy.iter().any(|&(s, e)| s < end && start < e)
}

/// The clinic-local calendar date of an instant.
pub fn local_date(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The UTC range covering the clinic-local days `[from, from + days)`.
pub fn utc_range(tz: Tz, from: NaiveDate, days: i64) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
            .earliest()
            .unwrap_or_else(|| tz.from_utc_datetime(&d.and_time(NaiveTime::MIN)))
            .with_timezone(&Utc)
    };
    (start(from), start(from + Duration::days(days)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }
    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn monday_morning() -> Vec<WeeklyWindow> {
        vec![
            WeeklyWindow {
                weekday: 1,
                start: t(9, 0),
                end: t(12, 0),
            },
            WeeklyWindow {
                weekday: 1,
                start: t(14, 0),
                end: t(16, 0),
            },
        ]
    }

    #[test]
    fn weekly_template_applies_on_its_weekday_only() {
        assert_eq!(
            day_windows(d(2026, 11, 30), &monday_morning(), &[]),
            vec![(t(9, 0), t(12, 0)), (t(14, 0), t(16, 0))]
        );
        assert!(day_windows(d(2026, 12, 1), &monday_morning(), &[]).is_empty());
    }

    #[test]
    fn leave_extra_and_holiday_exceptions() {
        let day = d(2026, 11, 30);
        let part_leave = DatedException {
            on_date: day,
            kind: ExceptionKind::Leave,
            start: Some(t(10, 0)),
            end: Some(t(11, 0)),
        };
        assert_eq!(
            day_windows(day, &monday_morning(), &[part_leave]),
            vec![
                (t(9, 0), t(10, 0)),
                (t(11, 0), t(12, 0)),
                (t(14, 0), t(16, 0))
            ]
        );
        let whole = DatedException {
            on_date: day,
            kind: ExceptionKind::Holiday,
            start: None,
            end: None,
        };
        assert!(day_windows(day, &monday_morning(), &[whole]).is_empty());
        let extra = DatedException {
            on_date: d(2026, 12, 1),
            kind: ExceptionKind::Extra,
            start: Some(t(18, 0)),
            end: Some(t(19, 0)),
        };
        assert_eq!(
            day_windows(d(2026, 12, 1), &monday_morning(), &[extra]),
            vec![(t(18, 0), t(19, 0))]
        );
        // an extra session overlapping the template merges into it
        let overlap = DatedException {
            on_date: day,
            kind: ExceptionKind::Extra,
            start: Some(t(11, 30)),
            end: Some(t(13, 0)),
        };
        assert_eq!(
            day_windows(day, &monday_morning(), &[overlap])[0],
            (t(9, 0), t(13, 0))
        );
    }

    #[test]
    fn slots_keep_local_wall_time_across_dst() {
        let tz: Tz = "Europe/London".parse().unwrap();
        // the Sunday clocks go forward (29 Mar 2026) and the Monday after: 09:00 local is 09:00 GMT, then 08:00 UTC
        let before = slots_in_windows(tz, d(2026, 3, 27), &[(t(9, 0), t(10, 0))], 15);
        let after = slots_in_windows(tz, d(2026, 3, 30), &[(t(9, 0), t(10, 0))], 15);
        assert_eq!(before.len(), 4);
        assert_eq!(before[0].starts_at.format("%H:%M").to_string(), "09:00");
        assert_eq!(after[0].starts_at.format("%H:%M").to_string(), "08:00");
        assert_eq!(after[0].time, t(9, 0));
    }

    #[test]
    fn the_spring_gap_has_no_slots_and_the_autumn_repeat_is_booked_once() {
        let tz: Tz = "Europe/London".parse().unwrap();
        // 29 Mar 2026 01:00–02:00 local does not exist
        let spring = slots_in_windows(tz, d(2026, 3, 29), &[(t(0, 30), t(2, 30))], 30);
        let times: Vec<String> = spring
            .iter()
            .map(|s| s.time.format("%H:%M").to_string())
            .collect();
        assert_eq!(times, vec!["00:30", "02:00"]);
        // 25 Oct 2026 01:00–02:00 local happens twice: one slot per local time, at the first occurrence
        let autumn = slots_in_windows(tz, d(2026, 10, 25), &[(t(1, 0), t(2, 0))], 30);
        assert_eq!(autumn.len(), 2);
        assert_eq!(autumn[0].starts_at.format("%H:%M").to_string(), "00:00");
        let mut starts: Vec<_> = autumn.iter().map(|s| s.starts_at).collect();
        starts.dedup();
        assert_eq!(starts.len(), 2);
    }

    #[test]
    fn slots_never_run_past_the_window() {
        let tz: Tz = "UTC".parse().unwrap();
        let s = slots_in_windows(tz, d(2026, 12, 1), &[(t(9, 0), t(9, 50))], 20);
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].end_time, t(9, 40));
        let late = slots_in_windows(tz, d(2026, 12, 1), &[(t(23, 0), t(23, 59))], 30);
        assert_eq!(late.len(), 1, "no slot wraps past midnight");
    }

    #[test]
    fn overlap_is_half_open() {
        let a = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let busy = [(a, a + Duration::minutes(15))];
        assert!(overlaps(a, a + Duration::minutes(15), &busy));
        assert!(!overlaps(
            a + Duration::minutes(15),
            a + Duration::minutes(30),
            &busy
        ));
        assert!(!overlaps(a - Duration::minutes(15), a, &busy));
    }

    #[test]
    fn a_longer_visit_starts_on_the_grid_and_fits_inside_its_window() {
        let tz = chrono_tz::UTC;
        let w = [(t(9, 0), t(10, 0)), (t(11, 0), t(11, 30))];
        let starts: Vec<String> = starts_in_windows(tz, d(2026, 12, 1), &w, 15, 45)
            .iter()
            .map(|s| format!("{}-{}", s.time.format("%H:%M"), s.end_time.format("%H:%M")))
            .collect();
        // 09:00 and 09:15 fit; 09:30 would end at 10:15; nothing of 45 minutes fits in the 30-minute window
        assert_eq!(starts, ["09:00-09:45", "09:15-10:00"]);
        let s = &starts_in_windows(tz, d(2026, 12, 1), &w, 15, 45)[0];
        assert_eq!(s.ends_at - s.starts_at, Duration::minutes(45));
        assert_eq!(
            starts_in_windows(tz, d(2026, 12, 1), &w, 15, 15),
            slots_in_windows(tz, d(2026, 12, 1), &w, 15)
        );
    }
}
