//! The clinic's clock: its time zone and "now", read once per use case so every date in it agrees, and the
//! few ways ClinicDesk says a date or time ("Tue 3 Dec", "09:30", "10:00–10:15 on Tue 3 Dec").

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;

use crate::db;
use crate::error::{Error, Result};
use crate::schedule;

/// The clinic's time zone and "now", read once per use case so every date in it agrees.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub tz: Tz,
    pub now: DateTime<Utc>,
}

impl Clock {
    pub async fn load(conn: &mut PgConnection) -> Result<Clock> {
        let tz = clinic_zone(conn).await?;
        Ok(Clock {
            tz,
            now: Utc::now(),
        })
    }

    /// The clock of a zone already read from the settings (a use case that reads more settings in the same query).
    pub fn in_zone(name: Option<&str>) -> Result<Clock> {
        Ok(Clock {
            tz: name.map(zone).transpose()?.unwrap_or(chrono_tz::UTC),
            now: Utc::now(),
        })
    }

    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.tz).date_naive()
    }

    /// "Tue 3 Dec"
    pub fn day_label(date: NaiveDate) -> String {
        date.format("%a %-d %b").to_string()
    }

    pub fn hm(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.tz).format("%H:%M").to_string()
    }

    /// "10:00–10:15 on Tue 3 Dec"
    pub fn when(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
        format!(
            "{}–{} on {}",
            self.hm(start),
            self.hm(end),
            Self::day_label(schedule::local_date(self.tz, start))
        )
    }
}

/// A stored zone name as a zone: the one place ClinicDesk parses one. A name that is not a zone is an error,
/// never a silent UTC (every date the clinic sees would be off by its offset).
pub fn zone(name: &str) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| {
        Error::internal(format!(
            "the clinic's time zone setting {name:?} is not a time zone"
        ))
    })
}

/// The clinic's zone from its settings; UTC only before the first-run setup has stored one.
pub async fn clinic_zone(conn: &mut PgConnection) -> Result<Tz> {
    match db::settings::get(conn).await? {
        Some(s) => zone(&s.time_zone),
        None => Ok(chrono_tz::UTC),
    }
}
