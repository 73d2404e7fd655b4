//! Who was recorded, with what, and how: [`Patient`], [`Device`], [`Acquisition`], [`FilterBand`].

use serde::{Deserialize, Serialize};

use crate::time::{Date, DateTime};

/// Patient sex as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
    /// Not recorded or not stated.
    #[default]
    Unknown,
}

/// Patient demographics. Every field is optional: files carry anything from nothing to all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    /// Patient identifier / MRN.
    pub id: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Given name(s).
    pub first_name: Option<String>,
    /// Birth date.
    pub birth_date: Option<Date>,
    /// Age in years at acquisition, when stated directly.
    pub age_years: Option<f64>,
    /// Sex.
    pub sex: Sex,
    /// Height in centimetres.
    pub height_cm: Option<f64>,
    /// Weight in kilograms.
    pub weight_kg: Option<f64>,
}

impl Patient {
    /// Age in years when the ECG was recorded on `recorded`: as the file states it, else from
    /// the birth date to `recorded` when both are real dates ([`Date::implausible_as_birth`],
    /// [`Date::implausible_as_recording`]).
    pub fn age_at(&self, recorded: Option<Date>) -> Option<f64> {
        self.age_years
            .filter(|a| a.is_finite() && *a >= 0.0)
            .or_else(|| self.age_from_birth_date(recorded))
    }

    /// Age in years from the birth date to `recorded`, when both are real dates.
    pub fn age_from_birth_date(&self, recorded: Option<Date>) -> Option<f64> {
        let (birth, recorded) = (self.birth_date?, recorded?);
        if recorded.implausible_as_recording().is_some()
            || birth.implausible_as_birth(Some(recorded)).is_some()
        {
            return None;
        }
        Some((recorded.days_since_1970() - birth.days_since_1970()) as f64 / 365.2425)
    }

    /// "Last, First" or whichever part exists.
    pub fn display_name(&self) -> Option<String> {
        match (&self.last_name, &self.first_name) {
            (Some(l), Some(f)) => Some(format!("{l}, {f}")),
            (Some(n), None) | (None, Some(n)) => Some(n.clone()),
            (None, None) => None,
        }
    }
}

/// The acquiring device and software.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Device {
    /// Manufacturer (e.g. "GE", "Philips", "Mortara").
    pub manufacturer: Option<String>,
    /// Model (e.g. "MAC5500", "ELI250").
    pub model: Option<String>,
    /// Software / firmware version.
    pub software: Option<String>,
    /// Site, institution or location.
    pub institution: Option<String>,
}

/// The filter band applied by the acquiring device, as stated by the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterBand {
    /// High-pass corner in Hz.
    pub highpass_hz: Option<f64>,
    /// Low-pass corner in Hz.
    pub lowpass_hz: Option<f64>,
    /// Notch frequency in Hz (50 or 60).
    pub notch_hz: Option<f64>,
}

/// Acquisition context: start time, device, filters, free-text comments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Acquisition {
    /// When the recording started (local time as the file states it).
    pub start_time: Option<DateTime>,
    /// The device.
    pub device: Device,
    /// The device's filter band.
    pub filter_band: FilterBand,
    /// Free-text comments from the header (WFDB `#` lines, EDF recording field...).
    pub comments: Vec<String>,
}

impl Acquisition {
    /// The recording's calendar date, when the file gives one.
    pub fn date(&self) -> Option<Date> {
        self.start_time.and_then(|t| t.date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_is_the_stated_one_else_from_real_birth_and_recording_dates() {
        let date = |y, m, d| Date::new(y, m, d);
        let mut p = Patient {
            birth_date: date(2014, 6, 21),
            ..Patient::default()
        };
        let age = p.age_at(date(2022, 6, 20)).unwrap();
        assert!((7.99..8.0).contains(&age), "{age}");
        assert_eq!(p.age_at(None), None);
        // An anonymised year on either date gives no age.
        assert_eq!(p.age_at(date(53255, 1, 1)), None);
        p.birth_date = date(27655, 1, 1);
        assert_eq!(p.age_at(date(2006, 6, 20)), None);
        // The stated age wins.
        p.age_years = Some(36.0);
        assert_eq!(p.age_at(date(2006, 6, 20)), Some(36.0));
    }
}
