//! The clinic's locale codes (language, date format, clock, first day of the week) and the small tables the Rust
//! side formats with (the monthly report): month names and weekday abbreviations in English and Spanish, dates in
//! the clinic's format. No locale crate: two languages, a few words each. Patient messages are composed in SQL
//! (`clinicdesk_message_text` / `clinicdesk_message_when`) with the same codes.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike};

/// The languages offered (UI, patient messages, report).
pub const LANGUAGES: [&str; 2] = ["en", "es"];
/// The date formats offered (the UI's pattern notation).
pub const DATE_FORMATS: [&str; 4] = ["dd/MM/yyyy", "MM/dd/yyyy", "yyyy-MM-dd", "dd.MM.yyyy"];
/// The clocks offered.
pub const CLOCKS: [&str; 2] = ["24h", "12h"];
/// The first days of the week offered: Sunday, Monday, Saturday.
pub const FIRST_DAYS: [i32; 3] = [0, 1, 6];

/// A language with its words (unknown codes read as English).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    pub fn from_code(code: &str) -> Lang {
        if code == "es" {
            Lang::Es
        } else {
            Lang::En
        }
    }

    /// The HTML `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// "October" / "octubre".
    pub fn month(self, month: u32) -> &'static str {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const ES: [&str; 12] = [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ];
        let i = (month.clamp(1, 12) - 1) as usize;
        match self {
            Lang::En => EN[i],
            Lang::Es => ES[i],
        }
    }

    /// "Mon" / "lun" (`weekday` counted from Sunday = 0).
    pub fn weekday_abbr(self, weekday: u32) -> &'static str {
        const EN: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
        const ES: [&str; 7] = ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"];
        let i = (weekday % 7) as usize;
        match self {
            Lang::En => EN[i],
            Lang::Es => ES[i],
        }
    }

    /// "October 2026" / "octubre de 2026".
    pub fn month_year(self, d: NaiveDate) -> String {
        match self {
            Lang::En => format!("{} {}", self.month(d.month()), d.year()),
            Lang::Es => format!("{} de {}", self.month(d.month()), d.year()),
        }
    }
}

/// Formats dates and times the clinic's way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formatter {
    pub lang: Lang,
    date_format: String,
    twelve_hour: bool,
}

impl Formatter {
    pub fn new(language: &str, date_format: &str, clock: &str) -> Formatter {
        Formatter {
            lang: Lang::from_code(language),
            date_format: date_format.to_string(),
            twelve_hour: clock == "12h",
        }
    }

    /// The date in the clinic's format: 03/12/2026, 12/03/2026, 2026-12-03 or 03.12.2026.
    pub fn date(&self, d: NaiveDate) -> String {
        let (y, m, day) = (d.year(), d.month(), d.day());
        match self.date_format.as_str() {
            "MM/dd/yyyy" => format!("{m:02}/{day:02}/{y:04}"),
            "yyyy-MM-dd" => format!("{y:04}-{m:02}-{day:02}"),
            "dd.MM.yyyy" => format!("{day:02}.{m:02}.{y:04}"),
            _ => format!("{day:02}/{m:02}/{y:04}"),
        }
    }

    /// "14:05" or "2:05 PM" ("2:05 p. m." in Spanish).
    pub fn time(&self, hour: u32, minute: u32) -> String {
        if !self.twelve_hour {
            return format!("{hour:02}:{minute:02}");
        }
        let h12 = match hour % 12 {
            0 => 12,
            h => h,
        };
        let pm = hour >= 12;
        let suffix = match (self.lang, pm) {
            (Lang::En, false) => "AM",
            (Lang::En, true) => "PM",
            (Lang::Es, false) => "a. m.",
            (Lang::Es, true) => "p. m.",
        };
        format!("{h12}:{minute:02} {suffix}")
    }

    /// "Tue 03/12/2026" / "mar 03/12/2026".
    pub fn day(&self, d: NaiveDate) -> String {
        format!(
            "{} {}",
            self.lang.weekday_abbr(d.weekday().num_days_from_sunday()),
            self.date(d)
        )
    }

    /// "Tue 03/12/2026 14:05" in the given zone.
    pub fn day_time<Tz: TimeZone>(&self, at: &DateTime<Tz>) -> String {
        let local = at.naive_local();
        format!(
            "{} {}",
            self.day(local.date()),
            self.time(local.hour(), local.minute())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_format_and_times_the_clock() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(
            Formatter::new("en", "dd/MM/yyyy", "24h").date(d),
            "03/12/2026"
        );
        assert_eq!(
            Formatter::new("en", "MM/dd/yyyy", "24h").date(d),
            "12/03/2026"
        );
        assert_eq!(
            Formatter::new("en", "yyyy-MM-dd", "24h").date(d),
            "2026-12-03"
        );
        assert_eq!(
            Formatter::new("es", "dd.MM.yyyy", "24h").date(d),
            "03.12.2026"
        );
        assert_eq!(
            Formatter::new("en", "dd/MM/yyyy", "12h").time(0, 5),
            "12:05 AM"
        );
        assert_eq!(
            Formatter::new("en", "dd/MM/yyyy", "12h").time(14, 5),
            "2:05 PM"
        );
        assert_eq!(
            Formatter::new("es", "dd/MM/yyyy", "12h").time(12, 0),
            "12:00 p. m."
        );
        assert_eq!(
            Formatter::new("es", "dd/MM/yyyy", "24h").time(9, 30),
            "09:30"
        );
        assert_eq!(
            Formatter::new("es", "dd/MM/yyyy", "24h").day(d),
            "jue 03/12/2026"
        );
        assert_eq!(
            Formatter::new("en", "dd/MM/yyyy", "24h").day(d),
            "Thu 03/12/2026"
        );
    }

    #[test]
    fn month_names_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert_eq!(Lang::En.month_year(d), "October 2026");
        assert_eq!(Lang::Es.month_year(d), "octubre de 2026");
        assert_eq!(Lang::from_code("fr"), Lang::En);
    }
}
