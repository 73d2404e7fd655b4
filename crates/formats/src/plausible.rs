//! Checks every reader's output shares: calendar dates no ECG can carry, and a stated age its
//! birth date contradicts.
//!
//! A file's fields can be well formed and still impossible: anonymisers overwrite a year with
//! filler bytes (a Welch Allyn SCP file says its ECG was taken in the year 53255), research
//! databases shift dates centuries ahead (MIMIC's waveforms are dated around 2100-2700), and a
//! birth date can fall after the recording. Such a date is kept as the file has it (a
//! de-identified database is cross-referenced by its shifted dates) and a warning says it is
//! no real calendar date, so `info`, the app and the report's reader see that beside it. The
//! bounds are [`ecg::RECORDING_YEARS`] and [`ecg::BIRTH_YEARS`].

use ecg::{Recording, Warning};

/// Warns of implausible acquisition and birth dates in `rec` ([`ecg::Date::implausible_as_recording`],
/// [`ecg::Date::implausible_as_birth`]) and of a stated age the birth date contradicts, one
/// warning each.
pub(crate) fn warn_implausible_dates_and_age(rec: &mut Recording) {
    let recorded = rec.acquisition.date();
    if let Some(date) = recorded
        && let Some(why) = date.implausible_as_recording()
    {
        rec.source.warnings.push(Warning::new(
            "acquisition date",
            format!(
                "{date} is not a plausible recording date ({why}): an anonymised or \
                 date-shifted file; shown as the file has it"
            ),
        ));
    }
    if let Some(birth) = rec.patient.birth_date
        && let Some(why) = birth.implausible_as_birth(recorded)
    {
        rec.source.warnings.push(Warning::new(
            "patient birth date",
            format!("{birth} is not a plausible birth date ({why}); shown as the file has it"),
        ));
    }
    // A stated age that the birth date contradicts: one of them is wrong, and the stated one
    // is what the analysis and the report use.
    let counted = rec.patient.age_from_birth_date(recorded);
    if let (Some(stated), Some(counted), Some(birth)) =
        (rec.patient.age_years, counted, rec.patient.birth_date)
        && (stated - counted).abs() >= 1.0
    {
        rec.source.warnings.push(Warning::new(
            "patient age",
            format!(
                "the stated age of {stated:.0} years disagrees with the birth date {birth} \
                 ({:.0} years at the recording); the stated age is used",
                counted.floor()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecg::{Date, DateTime, Lead, Signal, TimeOfDay, Unit};

    fn recording(start: Option<Date>, birth: Option<Date>) -> Recording {
        let mut rec = Recording::new(vec![Lead::new(
            "II",
            500.0,
            Unit::Millivolt,
            Signal::from_physical(vec![0.0; 10]),
        )]);
        rec.acquisition.start_time = Some(DateTime {
            date: start,
            time: TimeOfDay::new(11, 23, 52.0).unwrap(),
        });
        rec.patient.birth_date = birth;
        rec
    }

    #[test]
    fn an_anonymised_or_shifted_year_is_kept_with_a_warning() {
        for year in [53255, 2704, 1899] {
            let date = Date::new(year, 1, 1);
            let mut rec = recording(date, None);
            warn_implausible_dates_and_age(&mut rec);
            assert_eq!(rec.acquisition.start_time.unwrap().date, date);
            assert_eq!(rec.source.warnings.len(), 1);
            let w = &rec.source.warnings[0];
            assert_eq!(w.field, "acquisition date");
            assert!(
                w.message.contains(&format!("{year}-01-01")),
                "{}",
                w.message
            );
        }
    }

    #[test]
    fn real_dates_stay_and_warn_nothing() {
        for (start, birth) in [
            (Date::new(2006, 6, 20), Date::new(1950, 2, 28)),
            (Date::new(1985, 1, 1), None),
            (Date::new(2084, 12, 31), Date::new(2084, 12, 31)),
            (None, Date::new(1900, 1, 1)),
        ] {
            let mut rec = recording(start, birth);
            warn_implausible_dates_and_age(&mut rec);
            assert_eq!(rec.acquisition.start_time.unwrap().date, start);
            assert_eq!(rec.patient.birth_date, birth);
            assert!(rec.source.warnings.is_empty(), "{:?}", rec.source.warnings);
        }
    }

    #[test]
    fn a_stated_age_the_birth_date_contradicts_is_flagged() {
        // HL7 aECG Example.xml: aged 46, born 1953-05-08, recorded 2002-11-22 (49 years).
        let mut rec = recording(Date::new(2002, 11, 22), Date::new(1953, 5, 8));
        rec.patient.age_years = Some(46.0);
        warn_implausible_dates_and_age(&mut rec);
        assert_eq!(rec.patient.age_years, Some(46.0));
        assert_eq!(rec.source.warnings.len(), 1);
        let w = &rec.source.warnings[0];
        assert_eq!(w.field, "patient age");
        assert!(
            w.message.contains("(49 years at the recording)"),
            "{}",
            w.message
        );
        // Within a year (an age in completed years, or a birthday on the day) is no conflict.
        for age in [49.0, 49.9] {
            let mut rec = recording(Date::new(2002, 11, 22), Date::new(1953, 5, 8));
            rec.patient.age_years = Some(age);
            warn_implausible_dates_and_age(&mut rec);
            assert!(
                rec.source.warnings.is_empty(),
                "{age}: {:?}",
                rec.source.warnings
            );
        }
    }

    #[test]
    fn a_birth_after_the_recording_or_before_1850_is_flagged() {
        for birth in [Date::new(2007, 1, 1), Date::new(1066, 10, 14)] {
            let mut rec = recording(Date::new(2006, 6, 20), birth);
            warn_implausible_dates_and_age(&mut rec);
            assert_eq!(rec.patient.birth_date, birth);
            assert_eq!(rec.source.warnings.len(), 1);
            assert_eq!(rec.source.warnings[0].field, "patient birth date");
        }
    }
}
