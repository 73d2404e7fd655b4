//! Calendar time without a time-zone database: [`Date`], [`TimeOfDay`], [`DateTime`].
//!
//! ECG files store local acquisition time with no zone (EDF, WFDB, SCP), so we keep exactly
//! what the file says and print ISO-8601 without an offset. Sub-second precision is kept
//! (EDF+ TAL offsets, WFDB `hh:mm:ss.sss`).

use std::fmt;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

/// Years a real ECG's recording date falls in. Einthoven's string galvanometer recorded from
/// 1901; a later year is an anonymiser's filler (a Welch Allyn SCP file's 53255) or a research
/// database's date shift (MIMIC's waveforms are dated around 2100-2700).
pub const RECORDING_YEARS: RangeInclusive<i32> = 1900..=2100;
/// Years a real patient's birth date falls in.
pub const BIRTH_YEARS: RangeInclusive<i32> = 1850..=2100;

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    /// Year, e.g. 2002.
    pub year: i32,
    /// Month 1..=12.
    pub month: u8,
    /// Day 1..=31.
    pub day: u8,
}

impl Date {
    /// A date, if the fields form a real calendar day.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// Days from 1970-01-01 (negative before), by the proleptic Gregorian calendar.
    pub fn days_since_1970(&self) -> i64 {
        // Howard Hinnant's days_from_civil: years start in March, so the leap day ends one.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Why this is no real recording date (its year is outside [`RECORDING_YEARS`]), if so.
    pub fn implausible_as_recording(&self) -> Option<String> {
        (!RECORDING_YEARS.contains(&self.year)).then(|| {
            format!(
                "year outside {}-{}",
                RECORDING_YEARS.start(),
                RECORDING_YEARS.end()
            )
        })
    }

    /// Why this is no real birth date (a year outside [`BIRTH_YEARS`], or after the
    /// recording's date `recorded`), if so.
    pub fn implausible_as_birth(&self, recorded: Option<Date>) -> Option<String> {
        if !BIRTH_YEARS.contains(&self.year) {
            return Some(format!(
                "year outside {}-{}",
                BIRTH_YEARS.start(),
                BIRTH_YEARS.end()
            ));
        }
        recorded
            .filter(|r| self > r)
            .map(|r| format!("after the recording date {r}"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A time of day with sub-second precision.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct TimeOfDay {
    /// Hour 0..=23.
    pub hour: u8,
    /// Minute 0..=59.
    pub minute: u8,
    /// Seconds 0.0..61.0 (leap seconds tolerated), with fraction.
    pub second: f64,
}

impl TimeOfDay {
    /// A time of day, if the fields are in range.
    pub fn new(hour: u8, minute: u8, second: f64) -> Option<TimeOfDay> {
        (hour < 24 && minute < 60 && (0.0..61.0).contains(&second)).then_some(TimeOfDay {
            hour,
            minute,
            second,
        })
    }

    /// Seconds since midnight.
    pub fn seconds_since_midnight(&self) -> f64 {
        f64::from(self.hour) * 3600.0 + f64::from(self.minute) * 60.0 + self.second
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.second.trunc();
        let frac = self.second - whole;
        write!(f, "{:02}:{:02}:{:02}", self.hour, self.minute, whole as u32)?;
        if frac > 5e-7 {
            let micros = (frac * 1e6).round() as u32;
            let s = format!("{micros:06}");
            write!(f, ".{}", s.trim_end_matches('0'))?;
        }
        Ok(())
    }
}

/// When a recording started: a time of day, with the date when the file has one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DateTime {
    /// The date, if known.
    pub date: Option<Date>,
    /// The time of day.
    pub time: TimeOfDay,
}

impl DateTime {
    /// ISO-8601 text without offset: `2002-11-22T09:10:00`, or `T09:10:00` style `09:10:00` when
    /// there is no date.
    pub fn to_iso8601(&self) -> String {
        match self.date {
            Some(d) => format!("{d}T{}", self.time),
            None => self.time.to_string(),
        }
    }

    /// [`Self::to_iso8601`], with "(implausible date)" after a date that is no real recording
    /// date ([`Date::implausible_as_recording`]): what pages and reports print, so that an
    /// anonymised year is not read as fact.
    pub fn to_iso8601_marked(&self) -> String {
        let text = self.to_iso8601();
        match self.date.and_then(|d| d.implausible_as_recording()) {
            Some(_) => format!("{text} (implausible date)"),
            None => text,
        }
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso8601())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_keeps_subsecond_precision_and_rejects_bad_dates() {
        let dt = DateTime {
            date: Date::new(2002, 11, 22),
            time: TimeOfDay::new(9, 10, 0.25).unwrap(),
        };
        assert_eq!(dt.to_iso8601(), "2002-11-22T09:10:00.25");
        assert_eq!(dt.to_iso8601_marked(), dt.to_iso8601());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(TimeOfDay::new(24, 0, 0.0).is_none());
    }

    #[test]
    fn anonymised_and_shifted_dates_are_implausible_real_ones_not() {
        let date = |y| Date::new(y, 1, 1).unwrap();
        for y in [53255, 2704, 1899] {
            assert!(date(y).implausible_as_recording().is_some(), "{y}");
        }
        for y in [1900, 1985, 2006, 2100] {
            assert_eq!(date(y).implausible_as_recording(), None, "{y}");
        }
        let recorded = Some(date(2006));
        assert_eq!(date(1950).implausible_as_birth(recorded), None);
        assert_eq!(date(2006).implausible_as_birth(recorded), None);
        assert!(
            date(2007)
                .implausible_as_birth(recorded)
                .unwrap()
                .contains("after")
        );
        assert!(date(27655).implausible_as_birth(None).is_some());
        assert!(date(1849).implausible_as_birth(None).is_some());
        let dt = DateTime {
            date: Some(date(53255)),
            time: TimeOfDay::new(0, 0, 0.0).unwrap(),
        };
        assert_eq!(
            dt.to_iso8601_marked(),
            "53255-01-01T00:00:00 (implausible date)"
        );
    }

    #[test]
    fn days_since_1970_count_leap_days() {
        let days = |y, m, d| Date::new(y, m, d).unwrap().days_since_1970();
        assert_eq!(days(1970, 1, 1), 0);
        assert_eq!(days(1969, 12, 31), -1);
        assert_eq!(days(2000, 3, 1) - days(2000, 2, 28), 2);
        assert_eq!(days(2100, 3, 1) - days(2100, 2, 28), 1);
        assert_eq!(days(2024, 1, 1) - days(2023, 1, 1), 365);
        assert_eq!(days(2006, 6, 20), 13_319);
    }
}
