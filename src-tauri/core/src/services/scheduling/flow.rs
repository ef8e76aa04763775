//! The flow board: where each of the day's patients is (booked → arrived → with the doctor → done), how long each
//! arrived patient has waited, the average wait per doctor, and the doctor's "call next". The stamps behind it
//! (`checked_in_at`, `called_at`) are written only by the database, so a wait cannot be forged.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::*;
use crate::cache::Change;
use crate::clock::Clock;
use crate::context::Desk;
use crate::db::appointments::{self, AppointmentStatus, FlowStamps};
use crate::error::Result;

/// Where a patient is in the day's flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FlowState {
    Booked,
    /// Checked in, waiting to be called.
    Arrived,
    /// Called in by the doctor (or for the doctor), not completed yet.
    WithDoctor,
    Done,
    /// Cancelled or a no-show: out of the flow.
    Closed,
}

/// One card's place in the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct FlowCard {
    pub appointment_id: i64,
    pub state: FlowState,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub called_at: Option<DateTime<Utc>>,
    /// Whole minutes waited: until now while waiting (today only), until the call once called; None before
    /// arrival, or when the wait's end is unknown (completed without a call, or still waiting on a past day).
    pub wait_minutes: Option<i64>,
    /// Still waiting, and for longer than the clinic's alert threshold.
    pub over_threshold: bool,
}

/// The flow of one doctor's day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct DoctorFlow {
    pub cards: Vec<FlowCard>,
    /// Arrived and not yet called.
    pub waiting: i64,
    /// Mean of the known waits of the day (the waiting so far, the called until their call), whole minutes.
    pub average_wait_minutes: Option<i64>,
}

/// The flow state of an appointment from its status and stamps.
pub fn flow_state(status: AppointmentStatus, called_at: Option<DateTime<Utc>>) -> FlowState {
    match status {
        AppointmentStatus::Booked => FlowState::Booked,
        AppointmentStatus::CheckedIn if called_at.is_some() => FlowState::WithDoctor,
        AppointmentStatus::CheckedIn => FlowState::Arrived,
        AppointmentStatus::Completed => FlowState::Done,
        AppointmentStatus::Cancelled | AppointmentStatus::NoShow => FlowState::Closed,
    }
}

/// Whole minutes from arrival to the call, or to `now` while still waiting (`now` None: the wait's end is not
/// known). Never negative (a clock a little behind the database's shows 0, not -1).
pub fn wait_minutes(
    checked_in_at: Option<DateTime<Utc>>,
    called_at: Option<DateTime<Utc>>,
    now: Option<DateTime<Utc>>,
) -> Option<i64> {
    let from = checked_in_at?;
    let to = called_at.or(now)?;
    Some((to - from).num_minutes().max(0))
}

/// Mean of whole-minute waits, rounded half up; None without any.
pub fn average_minutes(waits: &[i64]) -> Option<i64> {
    if waits.is_empty() {
        return None;
    }
    let n = waits.len() as i64;
    Some((2 * waits.iter().sum::<i64>() + n) / (2 * n))
}

/// The flow of each doctor's appointments of a day. `now` is Some only when the day is today: an uncalled
/// patient of another day has no running wait.
pub fn doctor_flows(
    stamps: &[FlowStamps],
    now: Option<DateTime<Utc>>,
    alert_minutes: i32,
) -> HashMap<i64, DoctorFlow> {
    let mut flows: HashMap<i64, DoctorFlow> = HashMap::new();
    let mut waits: HashMap<i64, Vec<i64>> = HashMap::new();
    for s in stamps {
        let state = flow_state(s.status, s.called_at);
        let wait = match state {
            FlowState::Arrived => wait_minutes(s.checked_in_at, None, now),
            FlowState::WithDoctor | FlowState::Done => {
                wait_minutes(s.checked_in_at, s.called_at, None)
            }
            FlowState::Booked | FlowState::Closed => None,
        };
        let flow = flows.entry(s.doctor_id).or_default();
        if state == FlowState::Arrived {
            flow.waiting += 1;
        }
        if let Some(w) = wait {
            waits.entry(s.doctor_id).or_default().push(w);
        }
        flow.cards.push(FlowCard {
            appointment_id: s.id,
            state,
            checked_in_at: s.checked_in_at,
            called_at: s.called_at,
            wait_minutes: wait,
            over_threshold: state == FlowState::Arrived
                && wait.is_some_and(|w| w > i64::from(alert_minutes)),
        });
    }
    for (doctor, w) in waits {
        if let Some(f) = flows.get_mut(&doctor) {
            f.average_wait_minutes = average_minutes(&w);
        }
    }
    flows
}

/// The doctor's "call next": the patient who checked in first today (of those not yet called) goes in to the
/// doctor. A doctor calls their own patients; the desk may call one in for any doctor. Nobody arrived is one
/// sentence and nothing is written.
#[tracing::instrument(skip(desk))]
pub async fn call_next(desk: &Desk, doctor_id: i64) -> Result<Appointment> {
    let mut tx = desk.begin().await?;
    let clock = Clock::load(&mut tx).await?;
    let id = appointments::call_next(&mut tx, doctor_id).await?;
    let view = fetch_view(&mut tx, &clock, id).await?;
    tx.commit().await?;
    desk.caches()
        .invalidate(Change::Appointment(Some(doctor_id)))
        .await;
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 29, h, m, s).unwrap()
    }

    #[test]
    fn waits_are_whole_minutes_until_the_call_or_now() {
        // waiting: until now, whole minutes cut down (12 min 59 s is 12)
        assert_eq!(
            wait_minutes(Some(at(9, 0, 1)), None, Some(at(9, 13, 0))),
            Some(12)
        );
        // called: until the call, whatever now is
        assert_eq!(
            wait_minutes(Some(at(9, 0, 0)), Some(at(9, 25, 30)), Some(at(11, 0, 0))),
            Some(25)
        );
        // not arrived, or the end not known
        assert_eq!(wait_minutes(None, None, Some(at(9, 0, 0))), None);
        assert_eq!(wait_minutes(Some(at(9, 0, 0)), None, None), None);
        // a local clock behind the database's stamp shows 0, never a negative wait
        assert_eq!(
            wait_minutes(Some(at(9, 0, 30)), None, Some(at(9, 0, 0))),
            Some(0)
        );
        // across midnight UTC (and any DST change): instants, not wall-clock times
        assert_eq!(
            wait_minutes(Some(at(0, 50, 0)), None, Some(at(1, 10, 0))),
            Some(20)
        );
    }

    #[test]
    fn averages_round_half_up() {
        assert_eq!(average_minutes(&[]), None);
        assert_eq!(average_minutes(&[10]), Some(10));
        assert_eq!(average_minutes(&[10, 11]), Some(11));
        assert_eq!(average_minutes(&[10, 10, 11]), Some(10));
        assert_eq!(average_minutes(&[0, 5, 40]), Some(15));
    }

    #[test]
    fn flows_per_doctor_count_waits_and_flag_long_ones() {
        let s = |id, doctor_id, status, checked_in_at, called_at| FlowStamps {
            id,
            doctor_id,
            status,
            checked_in_at,
            called_at,
        };
        use AppointmentStatus::*;
        let now = at(10, 0, 0);
        let stamps = [
            s(1, 7, Booked, None, None),
            s(2, 7, CheckedIn, Some(at(9, 30, 0)), None), // waiting 30 > 20
            s(3, 7, CheckedIn, Some(at(9, 50, 0)), None), // waiting 10
            s(4, 7, CheckedIn, Some(at(9, 0, 0)), Some(at(9, 14, 0))), // with doctor after 14
            s(5, 7, Completed, Some(at(8, 40, 0)), Some(at(9, 0, 0))), // done after 20
            s(6, 7, Completed, None, None),               // done, no stamps
            s(7, 7, NoShow, None, None),
            s(8, 9, CheckedIn, Some(at(9, 59, 0)), None),
        ];
        let flows = doctor_flows(&stamps, Some(now), 20);
        let f = &flows[&7];
        let states: Vec<FlowState> = f.cards.iter().map(|c| c.state).collect();
        assert_eq!(
            states,
            [
                FlowState::Booked,
                FlowState::Arrived,
                FlowState::Arrived,
                FlowState::WithDoctor,
                FlowState::Done,
                FlowState::Done,
                FlowState::Closed
            ]
        );
        let waits: Vec<Option<i64>> = f.cards.iter().map(|c| c.wait_minutes).collect();
        assert_eq!(
            waits,
            [None, Some(30), Some(10), Some(14), Some(20), None, None]
        );
        let over: Vec<bool> = f.cards.iter().map(|c| c.over_threshold).collect();
        assert_eq!(over, [false, true, false, false, false, false, false]);
        assert_eq!(f.waiting, 2);
        // (30 + 10 + 14 + 20) / 4 = 18.5 → 19
        assert_eq!(f.average_wait_minutes, Some(19));
        assert_eq!(flows[&9].average_wait_minutes, Some(1));
        // another day: no running waits, the called ones still count
        let past = doctor_flows(&stamps, None, 20);
        assert_eq!(past[&7].cards[1].wait_minutes, None);
        assert!(!past[&7].cards[1].over_threshold);
        assert_eq!(past[&7].average_wait_minutes, Some(17)); // (14 + 20) / 2
        assert_eq!(past[&9].average_wait_minutes, None);
    }
}
