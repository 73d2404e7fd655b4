//! Calendar time without a time-zone database: [`Date`], [`TimeOfDay`], [`DateTime`].
//!
//! ECG files store local acquisition time with no zone (EDF, WFDB, SCP), so we keep exactly
//! what the file says and print ISO-8601 without an offset. Sub-second precision is kept
//! (EDF+ TAL offsets, WFDB `hh:mm:ss.sss`).

use std::fmt;

use serde::{Deserialize, Serialize};

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
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(TimeOfDay::new(24, 0, 0.0).is_none());
    }
}
