//! Stages 1-3 of the analysis ([`super::analyze`]): the leads read whole in mV, the pacing
//! spikes and baseline steps found on them, and the two filtered copies every later stage
//! reads (the analysis band for detection and delineation, the user's band for median
//! beats and amplitudes), with the limb leads' consistency checked on the analysis copy.

use ecg::{LeadLabel, Recording};

use crate::beat_preprocess::interpolate_nan;
use crate::detect::{PacingScan, baseline_steps, remove_steps};
use crate::error::Error;
use crate::filters::{FilterChain, Highpass, Lowpass, Notch, PowerlineMethod, views};

use super::AnalysisOptions;

/// The signals of one recording as the analysis reads them.
pub(super) struct Signals {
    /// The voltage leads analysed, in recording order.
    pub labels: Vec<LeadLabel>,
    /// Each lead whole in mV at `fs` (gaps interpolated, a trailing calibration pulse cut).
    pub raw: Vec<Vec<f64>>,
    /// Sampling rate (Hz) of every lead.
    pub fs: f64,
    /// The pacing spikes found on the raw leads.
    pub pacing: PacingScan,
    /// The analysis copy: spikes clipped, baseline steps removed, 0.5-40 Hz (plus a mains
    /// notch); a lead that is off is a flat line.
    pub clean: Vec<Vec<f64>>,
    /// The display copy in the user's band (empty when only the beats are wanted).
    pub display: Vec<Vec<f64>>,
    /// The analysis copy's band, e.g. "0.5-40 Hz, notch 50 Hz".
    pub analysis_band: String,
    /// The display copy's filters: the user's, at the mains frequency the analysis used.
    pub filter: FilterChain,
}

impl Signals {
    /// Stages 1-3 of `rec` under `opts`; `check` stops them between stages when the analysis
    /// is cancelled. No display copy when `beats_only`.
    pub fn prepare(
        rec: &Recording,
        opts: &AnalysisOptions,
        beats_only: bool,
        check: &dyn Fn() -> Result<(), Error>,
    ) -> Result<Self, Error> {
        // (1) Leads.
        let Leads { labels, raw, fs } = load_leads(rec, opts.max_total_samples)?;

        check()?;
        // Powerline interference, when the leads show it clearly ([`crate::mains`]).
        let hum = opts
            .mains_detect
            .then(|| crate::mains::detect_mains(&raw, fs))
            .flatten();

        // (2) Pacing spikes on the raw leads (any lead), and baseline steps (no return within a
        // QRS window) on the raw leads, removed from the analysis copy; side by side. Steps are
        // found with the hum notched out: its swing on each side of a step would make the
        // sides look unflat (40 µV at 60 Hz hid LUDB 15's amplifier reset, whose 5-20 Hz
        // energy then took the place of the QRS before it: a false Mobitz II).
        let (pacing, steps) = rayon::join(
            || PacingScan::of(&raw, fs),
            || -> Result<Vec<usize>, Error> {
                Ok(match hum {
                    Some(f) => baseline_steps(&without_hum(&raw, f, fs)?, fs),
                    None => baseline_steps(&raw, fs),
                })
            },
        );
        let steps = steps?;
        // A step's edge passes the spike test as well: clipped as a stimulus first, it became a
        // ramp that the step's removal no longer saw whole (`PacingScan::without_steps`).
        let pacing = pacing.without_steps(&steps, fs);

        check()?;
        // (3) Filtered copies.
        let hp = Highpass::MONITORING;
        let lp = Lowpass::HZ40;
        // The interference's own frequency when it is clearly the other one.
        let detected = hum.filter(|&f| f != opts.mains_hz);
        let mains_hz = detected.unwrap_or(opts.mains_hz);
        let notch = (mains_hz < fs / 2.0 && mains_hz > lp.cutoff_hz).then(|| Notch::new(mains_hz));
        let mut analysis_band = String::from("0.5-40 Hz");
        if let Some(nt) = notch {
            analysis_band.push_str(&format!(", notch {} Hz", nt.freq_hz));
            if detected.is_some() {
                analysis_band.push_str(" (interference found there)");
            }
        }
        let filter = FilterChain {
            mains_hz,
            ..opts.filter
        };
        // All leads at once (the IIR filters run them in interleaved lanes); the analysis and
        // display copies side by side.
        let (clean, display) = rayon::join(
            || -> Result<Vec<Vec<f64>>, Error> {
                let mut clean: Vec<Vec<f64>> = raw.clone();
                for c in &mut clean {
                    pacing.clip(c, fs);
                    remove_steps(c, &steps, fs);
                }
                let chain = FilterChain {
                    highpass: Some(hp),
                    mains_hz,
                    powerline: if notch.is_some() {
                        PowerlineMethod::Notch
                    } else {
                        PowerlineMethod::Off
                    },
                    lowpass: Some(lp),
                };
                chain.apply_many(&views(&clean), fs)
            },
            || {
                if beats_only {
                    Ok(Vec::new())
                } else {
                    filter.apply_many(&views(&raw), fs)
                }
            },
        );
        let (mut clean, display) = (clean?, display?);
        // A lead that is off is analysed as the flat line it is: its residue (amplifier noise,
        // mains) is set to zero, or the detector, which scales each lead by its own QRS energy,
        // would raise it to the size of a QRS (the Contec recording with six chest leads off: 28
        // "ventricular" beats and a QRS of 245 ms from their noise). The quality step still names
        // it as off; the display copy keeps what was recorded.
        for c in &mut clean {
            if crate::quality::lead_off(c) {
                crate::quality::take_as_off(c);
            }
        }

        Ok(Self {
            labels,
            raw,
            fs,
            pacing,
            clean,
            display,
            analysis_band,
            filter,
        })
    }
}

/// Fewest samples per lead the analysis accepts.
const MIN_SAMPLES: usize = 64;
/// Lowest sampling rate the QRS band (5-20 Hz) can be analysed at.
const MIN_FS_HZ: f64 = 50.0;

struct Leads {
    labels: Vec<LeadLabel>,
    raw: Vec<Vec<f64>>,
    fs: f64,
}

/// `raw` (mV) with a notch at `mains_hz`: the copy the baseline steps are looked for in when
/// the leads carry hum.
fn without_hum(raw: &[Vec<f64>], mains_hz: f64, fs: f64) -> Result<Vec<Vec<f64>>, Error> {
    FilterChain {
        highpass: None,
        mains_hz,
        powerline: PowerlineMethod::Notch,
        lowpass: None,
    }
    .apply_many(&views(raw), fs)
}

/// The leads the analysis reads of `rec` and their sampling rate: every voltage lead whose
/// name does not say it records something else ([`LeadLabel::non_ecg_kind`]: EEG, EOG,
/// EMG, respiration, plethysmography ...; an EDF from a sleep or EEG lab stores them in
/// microvolts beside its ECG; and the electrodes of a BioSemi EEG cap, [`cap_electrode`]),
/// at the first such lead's rate. ECG leads at another rate are [`other_rate_leads`].
pub(crate) fn analysed_leads(rec: &Recording) -> Result<(f64, Vec<&ecg::Lead>), Error> {
    let kinds = non_ecg_channels(rec);
    let ecg_leads = ecg_leads(rec, &kinds);
    let Some(first) = ecg_leads.first() else {
        let others: Vec<String> = rec
            .leads
            .iter()
            .zip(&kinds)
            .filter(|(l, _)| voltage_lead(l))
            .filter_map(|(l, kind)| Some(format!("{} ({})", l.label, (*kind)?)))
            .collect();
        return Err(Error::Unsupported(if others.is_empty() {
            "no voltage lead with a sampling rate".into()
        } else {
            format!(
                "no ECG lead: its voltage channels record other signals, by their names: {}",
                others.join(", ")
            )
        }));
    };
    let fs = first.sampling_rate_hz;
    let chosen = ecg_leads
        .into_iter()
        .filter(|l| l.sampling_rate_hz == fs)
        .collect();
    Ok((fs, chosen))
}

/// The ECG leads of `rec` sampled at another rate than `fs` (the analysed leads', from
/// [`analysed_leads`]) that polyphase resampling takes to `fs` at a ratio of whole numbers
/// ([`resampling_ratio`]), each with that ratio (up, down): a WFDB record may store a lead at
/// twice the others' samples per frame, an EDF one signal at 360 Hz beside others at 500.
fn other_rate_leads(rec: &Recording, fs: f64) -> Vec<(&ecg::Lead, (usize, usize))> {
    ecg_leads(rec, &non_ecg_channels(rec))
        .into_iter()
        .filter(|l| l.sampling_rate_hz != fs)
        .filter_map(|l| Some((l, resampling_ratio(l.sampling_rate_hz, fs)?)))
        .collect()
}

/// The ECG leads of `rec`: its voltage leads whose name says nothing else (`kinds`, from
/// [`non_ecg_channels`]).
fn ecg_leads<'a>(rec: &'a Recording, kinds: &[Option<&str>]) -> Vec<&'a ecg::Lead> {
    rec.leads
        .iter()
        .zip(kinds)
        .filter(|(l, kind)| voltage_lead(l) && kind.is_none())
        .map(|(l, _)| l)
        .collect()
}

/// The first `n` samples of `lead` in mV, gaps (NaN) interpolated.
fn read_mv(lead: &ecg::Lead, n: usize) -> Result<Vec<f64>, Error> {
    let f = lead.unit.to_uv_factor().unwrap_or(1000.0) / 1000.0;
    let v = lead
        .signal
        .read_range(0, n)
        .map_err(|source| Error::Sample {
            lead: lead.label.name().to_string(),
            source,
        })?;
    let x: Vec<f64> = v.into_iter().map(|s| f64::from(s) * f).collect();
    Ok(interpolate_nan(&x))
}

/// Largest factor of [`resampling_ratio`]: it reaches any whole-hertz rate up to 1000 Hz from
/// any other (257 to 500 Hz is 500/257). The polyphase filter has 20 taps per factor (20 001
/// at 1000) but spends about 20 multiplications per output sample at any ratio.
const MAX_RESAMPLING_FACTOR: usize = 1000;

/// `(up, down)`, each at most [`MAX_RESAMPLING_FACTOR`], with `from_hz` x up / down =
/// `to_hz` (within 1 ppm); `None` when no such pair exists.
fn resampling_ratio(from_hz: f64, to_hz: f64) -> Option<(usize, usize)> {
    (1..=MAX_RESAMPLING_FACTOR).find_map(|down| {
        let up = (to_hz / from_hz * down as f64).round();
        (up >= 1.0
            && up <= MAX_RESAMPLING_FACTOR as f64
            && (from_hz * up / down as f64 - to_hz).abs() <= 1e-6 * to_hz)
            .then_some((up as usize, down))
    })
}

/// The analysed leads' rate and the samples per lead the analysis reads of `rec` with
/// `opts`, as [`load_leads`] takes them (limb leads derived); `None` when nothing can be
/// analysed.
fn analysed_rate_and_length(rec: &Recording, opts: &AnalysisOptions) -> Option<(f64, usize)> {
    let mut derived = rec.clone();
    derived.derive_limb_leads();
    let (fs, chosen) = analysed_leads(&derived).ok()?;
    Some((fs, analysed_length(&chosen, fs, opts.max_total_samples)))
}

/// Why the ECG lead `l` does not join analysed leads of `n` samples at `fs`: no ratio of
/// whole numbers up to [`MAX_RESAMPLING_FACTOR`] takes its rate to theirs, or it is shorter
/// than them once taken there. `None` when it joins (or is at their rate).
fn other_rate_reason(l: &ecg::Lead, fs: f64, n: usize) -> Option<String> {
    if l.sampling_rate_hz == fs {
        return None;
    }
    match resampling_ratio(l.sampling_rate_hz, fs) {
        None => Some(format!(
            "sampled at {} Hz, which no ratio of whole numbers up to {MAX_RESAMPLING_FACTOR} takes to the analysed leads' {fs} Hz",
            l.sampling_rate_hz
        )),
        Some(ratio) => (!joins(l, ratio, n)).then(|| {
            format!(
                "shorter than the analysed leads once taken from {} to {fs} Hz",
                l.sampling_rate_hz
            )
        }),
    }
}

/// Why the analysis leaves a channel out ([`left_out`]).
enum LeftOut {
    /// Its name says it records something else ([`non_ecg_channels`]: "respiration").
    NotEcg(&'static str),
    /// An ECG lead not in volts, or without a sampling rate.
    NotVoltage,
    /// An ECG lead at a rate that joins the analysed leads' no way ([`other_rate_reason`]).
    OtherRate(String),
}

/// Per channel of `rec`, why the analysis (with `opts`) leaves it out; `None` for the
/// analysed leads, and for all when nothing can be analysed (the analysis then says why).
fn left_out(rec: &Recording, opts: &AnalysisOptions) -> Vec<Option<LeftOut>> {
    let Some((fs, n)) = analysed_rate_and_length(rec, opts) else {
        return rec.leads.iter().map(|_| None).collect();
    };
    rec.leads
        .iter()
        .zip(non_ecg_channels(rec))
        .map(|(l, kind)| match kind {
            Some(kind) => Some(LeftOut::NotEcg(kind)),
            None if !voltage_lead(l) => Some(LeftOut::NotVoltage),
            None => other_rate_reason(l, fs, n).map(LeftOut::OtherRate),
        })
        .collect()
}

/// Per channel of `rec`, why the analysis (with `opts`) leaves it out although its name makes
/// it an ECG lead: not in volts or without a sampling rate, or at a rate that joins the
/// analysed leads' no way ([`other_rate_reason`]), worded as [`left_out_channels`] words it.
/// `None` for the analysed leads and for the channels whose name says they record something
/// else ([`non_ecg_channels`] names those), and for all when nothing can be analysed.
pub fn ecg_lead_left_out(rec: &Recording, opts: &AnalysisOptions) -> Vec<Option<String>> {
    left_out(rec, opts)
        .into_iter()
        .zip(&rec.leads)
        .map(|(why, l)| match why {
            Some(LeftOut::NotEcg(_)) | None => None,
            Some(why) => Some(why.worded(l)),
        })
        .collect()
}

/// Per channel of `rec`, why the analysis (with `opts`) leaves it out, in one line for a
/// reader: a channel whose name says it records something else ("respiration, not an ECG
/// lead", [`non_ecg_channels`]), one not in volts or without a sampling rate, and an ECG lead
/// at a rate that does not join the analysed leads' ([`other_rate_reason`]). `None` for the
/// analysed leads; all `None` when nothing can be analysed (the analysis then says why).
pub fn left_out_channels(rec: &Recording, opts: &AnalysisOptions) -> Vec<Option<String>> {
    left_out(rec, opts)
        .into_iter()
        .zip(&rec.leads)
        .map(|(why, l)| why.map(|why| why.worded(l)))
        .collect()
}

impl LeftOut {
    /// Why `l` is left out, in one line for a reader.
    fn worded(self, l: &ecg::Lead) -> String {
        match self {
            Self::NotEcg(kind) => format!("{kind}, not an ECG lead"),
            Self::NotVoltage => format!(
                "not a voltage channel ({}, {} Hz)",
                l.unit.symbol(),
                l.sampling_rate_hz
            ),
            Self::OtherRate(reason) => reason,
        }
    }
}

/// Fewest samples per lead the analysis takes at `fs`: one second, and [`MIN_SAMPLES`].
fn samples_needed(fs: f64) -> usize {
    (fs.ceil() as usize).max(MIN_SAMPLES)
}

/// Samples per lead the analysis reads of the leads `chosen` at `fs`: the shortest one's, at
/// most `max_total` over all of them, at least [`samples_needed`].
fn analysed_length(chosen: &[&ecg::Lead], fs: f64, max_total: usize) -> usize {
    let shortest = chosen.iter().map(|l| l.n_samples()).min().unwrap_or(0);
    shortest
        .min(max_total / chosen.len().max(1))
        .max(samples_needed(fs))
}

/// Whether lead `l`, taken to the analysed rate at `(up, down)`, still holds the `n` samples
/// the analysed leads have: polyphase resampling gives ceil(samples x up / down).
fn joins(l: &ecg::Lead, (up, down): (usize, usize), n: usize) -> bool {
    (l.n_samples() * up).div_ceil(down) >= n
}

/// Per channel of `rec`, what it records when its name says it is no ECG lead (EEG, EOG,
/// respiration ..., [`LeadLabel::non_ecg_kind`], or "EEG, a cap's electrode" among sixteen or
/// more BioSemi cap names, [`cap_electrode`]): the channels the analysis leaves out. `None`
/// for the rest.
pub fn non_ecg_channels(rec: &Recording) -> Vec<Option<&'static str>> {
    let on_cap = rec
        .leads
        .iter()
        .filter(|l| voltage_lead(l) && cap_electrode(&l.label))
        .count()
        >= CAP_MIN_ELECTRODES;
    rec.leads
        .iter()
        .map(|l| {
            l.label
                .non_ecg_kind()
                .or_else(|| (on_cap && cap_electrode(&l.label)).then_some("EEG, a cap's electrode"))
        })
        .collect()
}

/// A channel in volts with a sampling rate: one the analysis can read.
fn voltage_lead(l: &ecg::Lead) -> bool {
    l.unit.to_uv_factor().is_some() && l.sampling_rate_hz > 0.0
}

/// A recording with at least this many channels named as an EEG cap's electrodes in the
/// BioSemi ABC layout ([`cap_electrode`]) is an EEG recording, those channels are not leads:
/// its ECG, if any, is on an external channel (`EXG1`).
const CAP_MIN_ELECTRODES: usize = 16;

/// A channel named as a BioSemi cap electrode: one letter A-H and its number 1-32 (`A1`,
/// `B17`). Alone such a name says nothing (`A1` is also an ear reference, or a first analog
/// input); sixteen of them are a cap.
fn cap_electrode(label: &LeadLabel) -> bool {
    let LeadLabel::Other(name) = label else {
        return false;
    };
    let name = name.trim().as_bytes();
    match name {
        [letter, digits @ ..] if (b'A'..=b'H').contains(&letter.to_ascii_uppercase()) => {
            !digits.is_empty()
                && digits.len() <= 2
                && digits.iter().all(u8::is_ascii_digit)
                && std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| d.parse::<u32>().ok())
                    .is_some_and(|d| (1..=32).contains(&d))
        }
        _ => false,
    }
}

fn load_leads(rec: &Recording, max_total: usize) -> Result<Leads, Error> {
    let mut rec = rec.clone();
    rec.derive_limb_leads();
    let (fs, chosen) = analysed_leads(&rec)?;
    let shortest = chosen.iter().map(|l| l.n_samples()).min().unwrap_or(0);
    let needed = samples_needed(fs);
    if shortest < needed {
        return Err(Error::TooShort {
            what: "analysis (one second and 64 samples of signal)",
            needed: needed - 1,
            found: shortest,
        });
    }
    if fs < MIN_FS_HZ {
        return Err(Error::Unsupported(format!(
            "sampling rate {fs} Hz is below {MIN_FS_HZ} Hz"
        )));
    }
    let n = analysed_length(&chosen, fs, max_total);
    let mut labels = Vec::new();
    let mut raw = Vec::new();
    let mut stored = Vec::new();
    for l in chosen {
        labels.push(l.label.clone());
        raw.push(read_mv(l, n)?);
        stored.push(!l.derived);
    }
    // Leads at another rate join at this one when a ratio of whole numbers reaches it (cut to the others' length; one that comes out shorter is left out).
    for (l, ratio) in other_rate_leads(&rec, fs) {
        if !joins(l, ratio, n) {
            continue;
        }
        let (up, down) = ratio;
        let len = (n * down).div_ceil(up).min(l.n_samples());
        let mut y = crate::resample::resample_poly(&read_mv(l, len)?, up, down)?;
        y.truncate(n);
        labels.push(l.label.clone());
        raw.push(y);
        stored.push(!l.derived);
    }
    // A trailing calibration pulse (Philips appends 0.5 s of 0 then 1 mV to every lead) is
    // not ECG: it would be detected as beats and break the limb-lead relations.
    let end = calibration_tail_start(&raw, &stored, fs);
    if end < n && end >= needed {
        raw.iter_mut().for_each(|x| x.truncate(end));
    }
    Ok(Leads { labels, raw, fs })
}

/// Where a calibration pulse or blank at the end of the recording starts: the first run, in
/// the last second, of at least 100 ms in which every stored (not derived) lead holds the
/// same value within [`CAL_TOLERANCE_MV`] (Philips appends 0 then 1 mV to every lead; a
/// converted copy carries ±1 LSB of rounding and a few stray samples after it), when at least
/// 90 % of the samples from there to the end are like that. The length when there is none.
/// Needs three stored leads that differ from each other over most of the second before the
/// run: real leads are never sample-for-sample identical, while a synthetic recording with
/// identical leads is left alone, and a flat stretch followed by a beat is not cut. With one
/// or two stored leads, which cannot be compared so, each must end on a calibration pulse of
/// its own ([`pulse_tail_start`]); the tail is cut where the later one starts.
fn calibration_tail_start(raw: &[Vec<f64>], stored: &[bool], fs: f64) -> usize {
    let n = raw.iter().map(Vec::len).min().unwrap_or(0);
    let leads: Vec<&Vec<f64>> = raw
        .iter()
        .zip(stored)
        .filter_map(|(x, &s)| s.then_some(x))
        .collect();
    if leads.is_empty() {
        return n;
    }
    if leads.len() < 3 {
        // The later start: an earlier one took the last samples of the ECG, near the
        // pulse's first level, into its run.
        return leads
            .iter()
            .map(|x| pulse_tail_start(&x[..n], fs))
            .collect::<Option<Vec<usize>>>()
            .and_then(|s| s.into_iter().max())
            .unwrap_or(n);
    }
    let same = |k: usize| {
        let v = leads[0][k];
        leads.iter().all(|x| (x[k] - v).abs() <= CAL_TOLERANCE_MV)
    };
    let second = fs.ceil() as usize;
    let min_run = (0.1 * fs).ceil() as usize;
    let mut run_start = None;
    for k in n.saturating_sub(second)..n {
        if !same(k) {
            run_start = None;
            continue;
        }
        let st = *run_start.get_or_insert(k);
        if k + 1 - st >= min_run {
            // Not ECG after it (at least 90 % of the rest is common-valued) but ECG before
            // it (the leads differ over most of the second before).
            let rest_same = (st..n).filter(|&j| same(j)).count();
            let before = st.saturating_sub(second)..st;
            let differing = before.clone().filter(|&j| !same(j)).count();
            return if rest_same * 10 >= (n - st) * 9 && differing * 2 > before.len() {
                st
            } else {
                n
            };
        }
    }
    n
}

/// Where one lead's trailing calibration pulse starts, if it ends on one: from a run of at
/// least 100 ms in its last second, at least 90 % of the samples to the end lie in constant
/// runs (within [`CAL_TOLERANCE_MV`]) of 10 ms or more, two of the runs of 50 ms or more are
/// 1 mV apart (± 0.1 mV: the standard calibration step), and the second before the run
/// spans 0.1 mV or more (ECG, not a lead that was already off). No ECG holds two levels a
/// millivolt apart, each exactly, for tens of milliseconds; a lead that goes flat at its end
/// without the step (lead-off) is kept, and read as off.
fn pulse_tail_start(x: &[f64], fs: f64) -> Option<usize> {
    let n = x.len();
    let second = fs.ceil() as usize;
    let w = n.saturating_sub(second);
    // Constant runs over the last second: (start, length, value).
    let mut runs: Vec<(usize, usize, f64)> = Vec::new();
    let mut k = w;
    while k < n {
        let v = x[k];
        // At least the sample itself (a non-finite one equals nothing, not even itself).
        let len = 1 + x[k + 1..]
            .iter()
            .take_while(|y| (*y - v).abs() <= CAL_TOLERANCE_MV)
            .count();
        runs.push((k, len, v));
        k += len;
    }
    let at_least = |ms: f64| (ms / 1000.0 * fs).ceil() as usize;
    for (i, &(st, len, _)) in runs.iter().enumerate() {
        if len < at_least(100.0) {
            continue;
        }
        let tail = &runs[i..];
        let flat: usize = tail
            .iter()
            .filter(|r| r.1 >= at_least(10.0))
            .map(|r| r.1)
            .sum();
        if flat * 10 < (n - st) * 9 {
            continue;
        }
        let levels: Vec<f64> = tail
            .iter()
            .filter(|r| r.1 >= at_least(50.0))
            .map(|r| r.2)
            .collect();
        let step = levels
            .iter()
            .any(|a| levels.iter().any(|b| ((a - b).abs() - 1.0).abs() <= 0.1));
        let before = &x[st.saturating_sub(second)..st];
        let span = before.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - before.iter().copied().fold(f64::INFINITY, f64::min);
        if step && span >= 0.1 {
            return Some(st);
        }
    }
    None
}

/// Leads closer than this (mV, two LSB of 5 µV) count as holding the same value.
const CAL_TOLERANCE_MV: f64 = 0.01;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_reached_at_a_ratio_of_whole_numbers_up_to_a_thousand_or_not_at_all() {
        assert_eq!(resampling_ratio(1000.0, 500.0), Some((1, 2)));
        assert_eq!(resampling_ratio(250.0, 500.0), Some((2, 1)));
        assert_eq!(resampling_ratio(62.4725 * 4.0, 62.4725), Some((1, 4)));
        assert_eq!(resampling_ratio(375.0, 500.0), Some((4, 3)));
        assert_eq!(resampling_ratio(360.0, 500.0), Some((25, 18)));
        assert_eq!(resampling_ratio(257.0, 500.0), Some((500, 257)));
        // 250.1 to 500 Hz is 5000/2501: beyond the factors allowed.
        assert_eq!(resampling_ratio(250.1, 500.0), None);
    }

    /// The leads a recording's analysis leaves out for their rate are the ones
    /// [`ecg_lead_left_out`] names, with why: V1 at 250.1 Hz (no ratio), V3 at 250 Hz but a
    /// second short; V2 at 250 Hz joins, and respiration at 250.1 Hz is no ECG lead.
    #[test]
    fn leads_left_out_for_their_rate_are_named_with_why() {
        let lead = |name: &str, fs: f64, seconds: f64| {
            let mut u = crate::test_rng::centred(name.len() as u64);
            let x: Vec<f32> = (0..(fs * seconds) as usize).map(|_| u() as f32).collect();
            ecg::Lead::new(
                name,
                fs,
                ecg::Unit::Millivolt,
                ecg::Signal::from_physical(x),
            )
        };
        let rec = Recording::new(vec![
            lead("I", 500.0, 10.0),
            lead("II", 500.0, 10.0),
            lead("V1", 250.1, 10.0),
            lead("V2", 250.0, 10.0),
            lead("V3", 250.0, 9.0),
            lead("Resp", 250.1, 10.0),
        ]);
        let why = ecg_lead_left_out(&rec, &AnalysisOptions::default());
        assert_eq!(
            why.iter().map(Option::is_some).collect::<Vec<_>>(),
            [false, false, true, false, true, false]
        );
        assert!(
            why[2]
                .as_ref()
                .unwrap()
                .starts_with("sampled at 250.1 Hz, which no ratio"),
            "{why:?}"
        );
        assert!(
            why[4]
                .as_ref()
                .unwrap()
                .starts_with("shorter than the analysed leads"),
            "{why:?}"
        );
        // `joins` is the resampler's own output length, the test the loader once made after
        // resampling.
        for (samples, ratio, n) in [
            (2500, (2, 1), 5000),
            (2499, (2, 1), 5000),
            (3600, (25, 18), 5000),
            (3599, (25, 18), 5000),
            (29, (1, 3), 10),
            (28, (1, 3), 10),
        ] {
            let l = lead("V4", 100.0, 0.0).with_samples(100.0, vec![0.0; samples]);
            let x = vec![0.0; samples];
            let out = crate::resample::resample_poly(&x, ratio.0, ratio.1).unwrap();
            assert_eq!(
                joins(&l, ratio, n),
                out.len() >= n,
                "{samples} at {ratio:?}"
            );
        }
        let analysed = load_leads(&rec, AnalysisOptions::default().max_total_samples).unwrap();
        let names: Vec<&str> = analysed.labels.iter().map(LeadLabel::name).collect();
        assert!(
            names.contains(&"V2") && !names.contains(&"V1") && !names.contains(&"V3"),
            "{names:?}"
        );
    }
}
