//! Signal quality per lead: lead off, saturation, baseline wander and noise, so statements
//! that rest on a poor lead are withheld with the reason instead of stated on bad data.
//!
//! Per lead, on the raw samples and the 0.5-40 Hz analysis copy:
//! - **Lead off**: the analysis copy's range below [`LEAD_OFF_MV`] (a flat line).
//! - **No beats** ([`qrs_slope_ratio`], [`beat_locked_ratio`]): a lead that is not flat but
//!   records no beat where the other leads do: neither steeper at the beats than between
//!   them nor repeating a shape with them, below [`NO_BEATS_RATIO`] both (an electrode that
//!   is off and picks up amplifier noise, or a lead all artefact). The analysis takes it as off
//!   (`analyze::no_beat_leads`: set to zero and the beats found again without it).
//! - **Partly off** ([`off_spans`]): stretches of at least [`MIN_OFF_SPAN_S`] in which the
//!   raw lead is flat (every [`OFF_BLOCK_MS`] block spans less than [`LEAD_OFF_MV`]) while
//!   the other leads show a beat: an electrode that came loose or was not yet on. The lead's
//!   median beat and noise leave out the beats there; the lead is poor when it was off for
//!   at least half the recording.
//! - **Saturation**: at least [`SATURATED_FRACTION`] of the samples sit in runs of 10 ms or
//!   more at exactly the lead's highest or lowest value (the amplifier's rail).
//! - **Baseline wander**: the range of the raw lead's 1-s moving average larger than
//!   [`WANDER_QRS_RATIO`] times the lead's QRS size.
//! - **Noise**: the median over the dominant beats of the RMS difference between the beat
//!   and the lead's median beat (analysis copy), above [`NOISE_QRS_RATIO`] of the QRS size
//!   (what is left after the beat's own shape is taken away is noise: muscle, mains residue,
//!   electrode motion). Each beat is compared over its own span only: -500..+700 ms around
//!   the fiducial, cut at half the RR to the beats before and after it, so at a fast
//!   irregular rate the neighbouring beats, which sit at other places in every window, are
//!   not taken for noise.
//!
//! The QRS size is the median beat's QRS peak-to-peak, but at least [`MIN_QRS_REF_MV`]: a
//! lead at right angles to the heart's axis has a QRS of a few hundredths of a mV, against
//! which any residue would read as noise and any baseline as wander.
//!
//! A lead off, saturated or noisy is *poor*. A statement whose evidence names a poor lead is
//! withheld, and one "Technically limited recording" statement lists the poor leads (and any
//! with baseline wander), the reasons and the statements withheld. Baseline wander alone
//! withholds nothing: the analysis copy's 0.5 Hz high-pass removes it.

use ecg::LeadLabel;
use rayon::prelude::*;

use crate::delineate::ms;
use crate::detect::median;

/// Below this range (mV) the analysis copy is a flat line: the lead is off.
pub(crate) const LEAD_OFF_MV: f64 = 0.02;
/// [`qrs_slope_ratio`] takes the QRS as this many ms either side of a beat's fiducial.
pub(crate) const QRS_HALF_MS: f64 = 60.0;
/// A lead whose [`qrs_slope_ratio`] and [`beat_locked_ratio`] are both below this records no
/// beat (noise only: about 1; on the sample files' six flat chest leads given 25-50 µV of
/// noise of their own or a 0.3 Hz wander, slope ratios up to 1.25 and F ratios up to 1.3;
/// every LUDB dev lead's slope ratio 3.55 or more, the sample files' leads' 3.28 or more with
/// 50 µV of noise, and a lead with a QRS too small for the one, a T wave, has the other) ...
pub(crate) const NO_BEATS_RATIO: f64 = 2.0;
/// ... when another lead's reaches this: the beats are a heart's there.
pub(crate) const BEATS_SLOPE_RATIO: f64 = 4.0;
/// The window (ms before and after each beat's fiducial) [`beat_locked_ratio`] compares
/// the beats over: P wave, QRS and most of the T wave.
pub(crate) const LOCKED_BEFORE_MS: f64 = 200.0;
pub(crate) const LOCKED_AFTER_MS: f64 = 400.0;
/// Fewest beats [`qrs_slope_ratio`] and [`beat_locked_ratio`] judge a lead on.
pub(crate) const MIN_LOCKED_BEATS: usize = 4;
/// A lead flat for at least this long (s) while another lead shows a beat was off then.
pub(crate) const MIN_OFF_SPAN_S: f64 = 1.0;
/// The blocks (ms) a lead's flatness is judged in.
pub(crate) const OFF_BLOCK_MS: f64 = 100.0;
/// At least this fraction of samples on the rail: saturated.
pub(crate) const SATURATED_FRACTION: f64 = 0.01;
/// 1-s baseline range above this multiple of the QRS size: baseline wander.
pub(crate) const WANDER_QRS_RATIO: f64 = 2.0;
/// Beat-to-median RMS above this fraction of the QRS size: noisy.
pub(crate) const NOISE_QRS_RATIO: f64 = 0.15;
/// The smallest QRS size (mV) the wander and noise ratios are taken against: noise then
/// needs an RMS of at least 0.075 mV and wander a 1-s baseline range of 1 mV in any lead.
pub(crate) const MIN_QRS_REF_MV: f64 = 0.5;

/// Why a lead is poor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    LeadOff,
    /// No beat in the lead, only noise ([`qrs_slope_ratio`], [`LeadQuality::no_beats`]).
    NoBeats,
    /// Off for part of the recording ([`LeadQuality::off_s`]).
    PartlyOff,
    Saturated,
    BaselineWander,
    Noise,
}

impl Problem {
    fn text(self) -> &'static str {
        match self {
            Problem::LeadOff => "lead off (flat)",
            Problem::NoBeats => "no beats, only noise",
            Problem::PartlyOff => "lead off for part of the recording",
            Problem::Saturated => "saturated",
            Problem::BaselineWander => "baseline wander",
            Problem::Noise => "noise",
        }
    }
}

/// One lead's quality.
#[derive(Debug, Clone)]
pub(crate) struct LeadQuality {
    pub lead: LeadLabel,
    pub problems: Vec<Problem>,
    /// Beat-to-median RMS / QRS size.
    pub noise_ratio: Option<f64>,
    /// What of that noise the median beat keeps (mV): the beat-to-median RMS over the
    /// square root of the beats compared. An amplitude read at one instant of the median
    /// beat (the ST level at J) is that uncertain.
    pub residual_mv: Option<f64>,
    /// How long the lead was off (s) and how long the recording is, when it was off for a
    /// part ([`off_spans`]).
    pub off_s: Option<(f64, f64)>,
    /// The lead's [`qrs_slope_ratio`] when it records no beat ([`Problem::NoBeats`]).
    pub no_beats: Option<f64>,
}

impl LeadQuality {
    /// Off, saturated or noisy: statements resting on the lead are withheld. Baseline wander
    /// alone is not (the 0.5 Hz high-pass of the analysis copy removes it); it is only named
    /// when the recording is limited anyway.
    /// A lead off for part of the recording is poor when it was off for at least half of
    /// it: otherwise its median beat is made of the beats it saw.
    pub fn poor(&self) -> bool {
        self.problems.iter().any(|p| match p {
            Problem::BaselineWander => false,
            Problem::PartlyOff => self.off_s.is_some_and(|(off, all)| 2.0 * off >= all),
            _ => true,
        })
    }
}

/// Whether a lead's analysis copy `clean` is a flat line: the lead is off.
pub(crate) fn lead_off(clean: &[f64]) -> bool {
    range(clean) < LEAD_OFF_MV
}

/// Takes a lead's analysis copy `clean` as off: zero throughout (its residue, amplifier
/// noise or mains, would otherwise be raised to a QRS's size by the detector's per-lead
/// scaling). The display copy keeps what was recorded.
pub(crate) fn take_as_off(clean: &mut [f64]) {
    clean.fill(0.0);
}

/// Whether a lead's analysis copy (or its median beat) was taken as off ([`take_as_off`]).
pub(crate) fn taken_as_off(clean: &[f64]) -> bool {
    clean.iter().all(|&v| v == 0.0)
}

/// How much of a lead's slope lies at the beats: the mean squared first difference of its
/// analysis copy `clean` (at `fs`) within [`QRS_HALF_MS`] of each of the beats `fids` found
/// on all the leads, and over each stretch between two of them; the median over the beats
/// over the median over the stretches. A QRS is the steepest part of a lead that records
/// the heart, whatever its shape (paced, conducted and ectopic beats alike); noise alone is
/// as steep at the beats as between them, about 1. The medians keep an artefact between two
/// beats (an electrode's pop, steeper than any QRS) to its own stretch. `None` with fewer
/// than [`MIN_LOCKED_BEATS`] beats inside the lead or fewer than three stretches.
pub(crate) fn qrs_slope_ratio(clean: &[f64], fids: &[usize], fs: f64) -> Option<f64> {
    let half = ms(fs, QRS_HALF_MS);
    let mean_d2 = |from: usize, to: usize| -> Option<f64> {
        let w = clean.get(from..to).filter(|w| w.len() >= 2)?;
        Some(w.windows(2).map(|d| (d[1] - d[0]).powi(2)).sum::<f64>() / (w.len() - 1) as f64)
    };
    let at_beats: Vec<f64> = fids
        .iter()
        .filter_map(|&f| mean_d2(f.checked_sub(half)?, f + half + 1))
        .collect();
    let between: Vec<f64> = fids
        .windows(2)
        .filter_map(|w| mean_d2(w[0] + half + 1, w[1].checked_sub(half)?))
        .collect();
    if at_beats.len() < MIN_LOCKED_BEATS || between.len() < 3 {
        return None;
    }
    let (inside, outside) = (median(&at_beats), median(&between));
    (outside > 0.0).then(|| inside / outside)
}

/// How much of a lead repeats with the beats against what does not: over the window from
/// [`LOCKED_BEFORE_MS`] before to [`LOCKED_AFTER_MS`] after each of the beats `fids` (the
/// analysis copy `clean` at `fs`), the power of the mean beat times the number of beats over
/// the per-sample variance of the beats about it (a one-way analysis of variance's F ratio).
/// Noise alone gives about 1 (the mean of N beats keeps 1/N of its power); a lead that
/// records the heart's beats, one shape of them, 1 + N x its beat's power over the noise's
/// (beats of several shapes count as spread). `None` with fewer than [`MIN_LOCKED_BEATS`]
/// beats inside the lead.
pub(crate) fn beat_locked_ratio(clean: &[f64], fids: &[usize], fs: f64) -> Option<f64> {
    let (pre, post) = (ms(fs, LOCKED_BEFORE_MS), ms(fs, LOCKED_AFTER_MS));
    let len = pre + post;
    let windows: Vec<&[f64]> = fids
        .iter()
        .filter(|&&f| f >= pre && f + post <= clean.len())
        .map(|&f| &clean[f - pre..f + post])
        .collect();
    let n = windows.len();
    if n < MIN_LOCKED_BEATS || len == 0 {
        return None;
    }
    let mut mean = vec![0.0; len];
    for w in &windows {
        for (m, v) in mean.iter_mut().zip(*w) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let level = mean.iter().sum::<f64>() / len as f64;
    let beat_power = mean.iter().map(|m| (m - level).powi(2)).sum::<f64>() / len as f64;
    let spread = windows
        .iter()
        .map(|w| {
            w.iter()
                .zip(&mean)
                .map(|(v, m)| (v - m).powi(2))
                .sum::<f64>()
        })
        .sum::<f64>()
        / ((n - 1) * len) as f64;
    (spread > 0.0).then(|| n as f64 * beat_power / spread)
}

/// Where a lead that is not off throughout (`raw`, mV at `fs`) was off: its stretches of at
/// least [`MIN_OFF_SPAN_S`] made of [`OFF_BLOCK_MS`] blocks that each span less than
/// [`LEAD_OFF_MV`], with one of the beats `fids` (found on all the leads) inside. Without a
/// beat inside, a flat stretch is a pause every lead shows (or every lead off), not this
/// lead's electrode. Ascending, as sample ranges.
pub(crate) fn off_spans(raw: &[f64], fids: &[usize], fs: f64) -> Vec<std::ops::Range<usize>> {
    let block = ms(fs, OFF_BLOCK_MS).max(1);
    let min_len = (MIN_OFF_SPAN_S * fs).ceil() as usize;
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    let mut close = |from: usize, to: usize| {
        let beat_inside = fids
            .get(fids.partition_point(|&f| f < from))
            .is_some_and(|&f| f < to);
        if to - from >= min_len && beat_inside {
            spans.push(from..to);
        }
    };
    for (b, chunk) in raw.chunks(block).enumerate() {
        let flat = chunk.len() == block && range(chunk) < LEAD_OFF_MV;
        match (flat, start) {
            (true, None) => start = Some(b * block),
            (false, Some(s)) => {
                close(s, b * block);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        close(s, raw.len() / block * block);
    }
    spans
}

/// Whether the window `from..to` overlaps one of `spans` (ascending, disjoint).
pub(crate) fn overlaps(spans: &[std::ops::Range<usize>], from: usize, to: usize) -> bool {
    spans
        .get(spans.partition_point(|s| s.end <= from))
        .is_some_and(|s| s.start < to)
}

fn range(v: &[f64]) -> f64 {
    let (lo, hi) = finite_extremes(v);
    if hi >= lo { hi - lo } else { 0.0 }
}

/// Lanes [`finite_extremes`] keeps side by side.
const EXTREME_LANES: usize = 8;

/// The lowest and highest finite values of `v` (infinity and minus infinity when there is
/// none). A lead without a non-finite value (the usual case, checked first) keeps
/// [`EXTREME_LANES`] running extremes side by side, each a comparison and a select, which the
/// compiler turns into vector instructions; then the extremes of those. These are the values
/// of one running `f64::min` / `max` over the finite values, since neither rounds: only
/// which of two equal zeros of opposite sign is kept could differ, and every caller only
/// compares the extremes, or their difference, with other values, which comes out the same
/// with either zero.
fn finite_extremes(v: &[f64]) -> (f64, f64) {
    let all_finite = v
        .iter()
        .fold(true, |all, x| all & (x.abs() < f64::INFINITY));
    if !all_finite {
        return v
            .iter()
            .filter(|x| x.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            });
    }
    let mut lo = [f64::INFINITY; EXTREME_LANES];
    let mut hi = [f64::NEG_INFINITY; EXTREME_LANES];
    let chunks = v.chunks_exact(EXTREME_LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for j in 0..EXTREME_LANES {
            lo[j] = if c[j] < lo[j] { c[j] } else { lo[j] };
            hi[j] = if c[j] > hi[j] { c[j] } else { hi[j] };
        }
    }
    let (lo, hi) = (
        lo.iter().copied().fold(f64::INFINITY, f64::min),
        hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    rest.iter()
        .fold((lo, hi), |(a, b), &x| (a.min(x), b.max(x)))
}

/// Fraction of samples in runs of at least `min_run` at the lead's extreme values.
fn rail_fraction(raw: &[f64], min_run: usize) -> f64 {
    if raw.is_empty() {
        return 0.0;
    }
    let (lo, hi) = finite_extremes(raw);
    if hi <= lo {
        return 0.0;
    }
    // Most leads never dwell on their extremes: then no rail is there whatever the baseline,
    // and the median below (the costly part) is not needed. Counting runs at fewer extremes
    // can only find fewer samples on a rail.
    if samples_on_rail(raw, lo, hi, min_run) == 0 {
        return 0.0;
    }
    // A rail lies far from the baseline (the median): a flat baseline that happens to be the
    // lowest value of a lead with only upward deflections is not one.
    let step = raw.len().div_ceil(100_000).max(1);
    let mid = median(
        &raw.iter()
            .step_by(step)
            .copied()
            .filter(|x| x.is_finite())
            .collect::<Vec<_>>(),
    );
    let far = |v: f64| (v - mid).abs() > 0.25 * (hi - lo);
    let (lo, hi) = (
        if far(lo) { lo } else { f64::NAN },
        if far(hi) { hi } else { f64::NAN },
    );
    samples_on_rail(raw, lo, hi, min_run) as f64 / raw.len() as f64
}

/// Samples of `raw` in runs of at least `min_run` equal values at `lo` or `hi` (NaN: not
/// counted).
fn samples_on_rail(raw: &[f64], lo: f64, hi: f64, min_run: usize) -> usize {
    let mut on_rail = 0usize;
    let mut run = 0usize;
    let mut last = f64::NAN;
    for &x in raw {
        if (x == lo || x == hi) && (run == 0 || x == last) {
            run += 1;
        } else {
            if run >= min_run {
                on_rail += run;
            }
            run = usize::from(x == lo || x == hi);
        }
        last = x;
    }
    if run >= min_run {
        on_rail += run;
    }
    on_rail
}

/// Range of the 1-s moving average (the baseline) of `raw`.
fn wander(raw: &[f64], fs: f64) -> f64 {
    let w = ms(fs, 1000.0).max(1);
    if raw.len() < w || raw.iter().any(|x| !x.is_finite()) {
        return 0.0;
    }
    let mut acc: f64 = raw[..w].iter().sum();
    let mut lo = acc;
    let mut hi = acc;
    // The extremes as a compare and select, not `f64::min` / `max` (whose NaN handling, not
    // needed on finite sums, would lengthen each step): the same values, except which of two
    // equal zeros of opposite sign is kept, which the comparison of the range cannot show.
    for i in w..raw.len() {
        acc += raw[i] - raw[i - w];
        lo = if acc < lo { acc } else { lo };
        hi = if acc > hi { acc } else { hi };
    }
    (hi - lo) / w as f64
}

/// Inputs of [`assess`] for one lead.
pub(crate) struct LeadInput<'a> {
    pub lead: LeadLabel,
    pub raw: &'a [f64],
    pub clean: &'a [f64],
    /// The lead's median beat of the analysis copy, `pre` samples before the fiducial.
    pub median: Option<&'a [f64]>,
    /// Where the lead was off ([`off_spans`]); its beats there are not compared.
    pub off: &'a [std::ops::Range<usize>],
    /// Its [`qrs_slope_ratio`] when it records no beat (the analysis took it as off).
    pub no_beats: Option<f64>,
}

/// Quality of each lead. `fids`: the dominant beats the medians were made of; `all_fids`:
/// every beat (ascending), whose neighbours bound each beat's span; `pre`: the median
/// window's samples before the fiducial.
pub(crate) fn assess(
    leads: &[LeadInput<'_>],
    fids: &[usize],
    all_fids: &[usize],
    pre: usize,
    fs: f64,
) -> Vec<LeadQuality> {
    // Each dominant beat's span inside the median window: (samples before, after).
    let spans: Vec<(usize, usize, usize)> = fids
        .iter()
        .map(|&f| {
            // The beats before and after `f` (which is itself one of `all_fids`).
            let below = all_fids.partition_point(|&x| x < f);
            let above = all_fids.partition_point(|&x| x <= f);
            let before = below
                .checked_sub(1)
                .map_or(usize::MAX, |j| (f - all_fids[j]) / 2);
            let after = all_fids.get(above).map_or(usize::MAX, |&n| (n - f) / 2);
            (f, before, after)
        })
        .collect();
    // One lead per task on the rayon pool (collected in lead order).
    leads
        .par_iter()
        .map(|l| {
            let mut problems = Vec::new();
            let mut off_s = None;
            if l.no_beats.is_some() {
                problems.push(Problem::NoBeats);
            } else if lead_off(l.clean) {
                problems.push(Problem::LeadOff);
            } else if !l.off.is_empty() {
                problems.push(Problem::PartlyOff);
                let off: usize = l.off.iter().map(|s| s.len()).sum();
                off_s = Some((off as f64 / fs, l.clean.len() as f64 / fs));
            }
            if rail_fraction(l.raw, ms(fs, 10.0).max(2)) >= SATURATED_FRACTION {
                problems.push(Problem::Saturated);
            }
            let mut noise_ratio = None;
            let mut residual_mv = None;
            if let Some(m) = l.median {
                let qrs =
                    range(&m[pre.saturating_sub(ms(fs, 60.0))..(pre + ms(fs, 80.0)).min(m.len())]);
                if qrs > 0.0 && !problems.contains(&Problem::LeadOff) && l.no_beats.is_none() {
                    let qrs = qrs.max(MIN_QRS_REF_MV);
                    if wander(l.raw, fs) > WANDER_QRS_RATIO * qrs {
                        problems.push(Problem::BaselineWander);
                    }
                    let post = m.len() - pre;
                    let rms: Vec<f64> = spans
                        .iter()
                        .filter(|&&(f, _, _)| {
                            f >= pre
                                && f + post <= l.clean.len()
                                && !overlaps(l.off, f - pre, f + post)
                        })
                        .map(|&(f, before, after)| {
                            let (a, b) = (before.min(pre), after.min(post));
                            let seg = &l.clean[f - a..f + b];
                            let e: f64 = seg
                                .iter()
                                .zip(&m[pre - a..pre + b])
                                .map(|(x, y)| (x - y) * (x - y))
                                .sum();
                            (e / (a + b).max(1) as f64).sqrt()
                        })
                        .collect();
                    if rms.len() >= 3 {
                        residual_mv = Some(median(&rms) / (rms.len() as f64).sqrt());
                        let r = median(&rms) / qrs;
                        noise_ratio = Some(r);
                        if r > NOISE_QRS_RATIO {
                            problems.push(Problem::Noise);
                        }
                    }
                }
            }
            LeadQuality {
                lead: l.lead.clone(),
                problems,
                noise_ratio,
                residual_mv,
                off_s,
                no_beats: l.no_beats,
            }
        })
        .collect()
}

/// Withholds the statements whose evidence names a poor lead and, when any lead is poor,
/// adds a "Technically limited recording" statement naming the leads, the problems and what
/// was withheld.
pub(crate) fn apply(
    statements: Vec<ecg::Statement>,
    quality: &[LeadQuality],
) -> Vec<ecg::Statement> {
    let poor: Vec<&LeadQuality> = quality.iter().filter(|q| q.poor()).collect();
    if poor.is_empty() {
        return statements;
    }
    let is_poor = |l: &LeadLabel| poor.iter().any(|q| &q.lead == l);
    let (kept, withheld): (Vec<ecg::Statement>, Vec<ecg::Statement>) = statements
        .into_iter()
        .partition(|s| !s.evidence.leads.iter().any(is_poor));
    let leads_txt: Vec<String> = quality
        .iter()
        .filter(|q| !q.problems.is_empty())
        .map(|q| {
            let why: Vec<String> = q
                .problems
                .iter()
                .map(|p| match (p, q.noise_ratio) {
                    (Problem::Noise, Some(r)) => {
                        format!("noise, beat-to-median RMS {:.0} % of the QRS", 100.0 * r)
                    }
                    (Problem::NoBeats, _) => match q.no_beats {
                        Some(r) => format!(
                            "no beats, only noise: the QRS slope at the beats {r:.1} times that \
                             between them (< {NO_BEATS_RATIO}) and no beat shape repeating"
                        ),
                        None => p.text().to_string(),
                    },
                    (Problem::PartlyOff, _) => match q.off_s {
                        Some((off, all)) => format!("lead off for {off:.1} of {all:.1} s"),
                        None => p.text().to_string(),
                    },
                    _ => p.text().to_string(),
                })
                .collect();
            format!("{} ({})", q.lead, why.join(", "))
        })
        .collect();
    let mut criterion = format!(
        "poor signal (lead off, saturation or noise) in {} of {} leads; by lead: {}",
        poor.len(),
        quality.len(),
        leads_txt.join("; ")
    );
    if !withheld.is_empty() {
        let w: Vec<&str> = withheld.iter().map(|s| s.text.as_str()).collect();
        criterion.push_str(&format!(
            "; withheld because they rest on these leads: {}",
            w.join("; ")
        ));
    }
    let mut out = kept;
    out.push(ecg::Statement {
        text: "Technically limited recording".into(),
        criterion: Some(criterion),
        state: ecg::StatementState::Suggested,
        evidence: ecg::Evidence {
            leads: poor.iter().map(|q| q.lead.clone()).collect(),
            beats: Vec::new(),
        },
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finite_extremes_are_the_running_min_and_max_of_the_finite_values() {
        let mut s = 5u64;
        for n in 0..40 {
            let v: Vec<f64> = (0..n)
                .map(|i| {
                    s = s
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    match (s >> 60, i % 7) {
                        (0, _) => f64::NAN,
                        (1, _) => f64::INFINITY,
                        (2, _) => f64::NEG_INFINITY,
                        (_, 3) => -1e300,
                        _ => (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5,
                    }
                })
                .collect();
            let want = v
                .iter()
                .filter(|x| x.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            assert_eq!(finite_extremes(&v), want, "{v:?}");
        }
    }

    fn beat_train(n: usize, fs: f64, fids: &[usize]) -> Vec<f64> {
        let mut x = vec![0.0; n];
        for &f in fids {
            for (k, v) in x.iter_mut().enumerate() {
                let d = (k as f64 - f as f64) / (0.01 * fs);
                *v += (-d * d / 2.0).exp();
            }
        }
        x
    }

    /// The quality of one lead `x` (raw and analysis copy alike) with its median beat over the
    /// dominant beats `fids` (250 samples before each, 350 after).
    fn assess_one(lead: LeadLabel, x: &[f64], fids: &[usize], fs: f64) -> LeadQuality {
        let m = crate::median::median_beat(x, fids, 250, 350, 100)
            .unwrap()
            .0;
        let input = [LeadInput {
            lead,
            raw: x,
            clean: x,
            median: Some(&m),
            off: &[],
            no_beats: None,
        }];
        assess(&input, fids, fids, 250, fs).remove(0)
    }

    #[test]
    fn clean_noisy_flat_and_saturated_leads_are_told_apart() {
        let fs = 500.0;
        let n = 5000;
        let fids: Vec<usize> = (0..9).map(|i| 400 + i * 500).collect();
        let clean = beat_train(n, fs, &fids);
        let mut r = crate::test_rng::centred(7);
        let noisy: Vec<f64> = clean.iter().map(|v| v + 0.8 * r()).collect();
        let flat = vec![0.001; n];
        let saturated: Vec<f64> = clean.iter().map(|v| v.min(0.5)).collect();
        let pre = 250;
        let med = |x: &[f64]| {
            crate::median::median_beat(x, &fids, pre, 350, 100)
                .unwrap()
                .0
        };
        let (mc, mn, ms_) = (med(&clean), med(&noisy), med(&saturated));
        let q = assess(
            &[
                LeadInput {
                    lead: LeadLabel::I,
                    raw: &clean,
                    clean: &clean,
                    median: Some(&mc),
                    off: &[],
                    no_beats: None,
                },
                LeadInput {
                    lead: LeadLabel::II,
                    raw: &noisy,
                    clean: &noisy,
                    median: Some(&mn),
                    off: &[],
                    no_beats: None,
                },
                LeadInput {
                    lead: LeadLabel::V1,
                    raw: &flat,
                    clean: &flat,
                    median: None,
                    off: &[],
                    no_beats: None,
                },
                LeadInput {
                    lead: LeadLabel::V2,
                    raw: &saturated,
                    clean: &saturated,
                    median: Some(&ms_),
                    off: &[],
                    no_beats: None,
                },
            ],
            &fids,
            &fids,
            pre,
            fs,
        );
        assert!(q[0].problems.is_empty(), "{:?}", q[0]);
        assert_eq!(q[1].problems, vec![Problem::Noise], "{:?}", q[1]);
        assert_eq!(q[2].problems, vec![Problem::LeadOff]);
        assert!(q[3].problems.contains(&Problem::Saturated), "{:?}", q[3]);

        let st = |text: &str, leads: Vec<LeadLabel>| ecg::Statement {
            text: text.into(),
            evidence: ecg::Evidence {
                leads,
                beats: Vec::new(),
            },
            ..Default::default()
        };
        let out = apply(
            vec![
                st("Sinus rhythm", vec![]),
                st("Left axis deviation", vec![LeadLabel::I, LeadLabel::II]),
                st(
                    "Right ventricular hypertrophy by voltage criteria",
                    vec![LeadLabel::V3],
                ),
            ],
            &q,
        );
        let texts: Vec<&str> = out.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Sinus rhythm",
                "Right ventricular hypertrophy by voltage criteria",
                "Technically limited recording"
            ]
        );
        let c = out[2].criterion.as_deref().unwrap();
        assert!(
            c.contains("II (noise, beat-to-median RMS") && c.contains("V1 (lead off (flat))"),
            "{c}"
        );
        assert!(
            c.contains("withheld because they rest on these leads: Left axis deviation"),
            "{c}"
        );
    }

    #[test]
    fn a_lead_at_right_angles_to_the_axis_is_not_noisy() {
        // A QRS of 0.03 mV (the lead sees the heart's vector side-on) with 0.01 mV of
        // residue: a third of its own QRS, but clean by any absolute measure.
        let fs = 500.0;
        let n = 5000;
        let fids: Vec<usize> = (0..9).map(|k| 400 + k * 500).collect();
        let mut r = crate::test_rng::centred(3);
        let small: Vec<f64> = beat_train(n, fs, &fids)
            .iter()
            .map(|v| 0.03 * v + 0.035 * r())
            .collect();
        let q = assess_one(LeadLabel::AVR, &small, &fids, fs);
        assert!(q.problems.is_empty(), "{q:?}");
    }

    #[test]
    fn neighbouring_beats_of_a_fast_irregular_rhythm_are_not_noise() {
        // Identical clean beats at irregular 400-700 ms intervals: the -500..+700 ms window
        // of each holds its neighbours at other places, but each beat is compared over its
        // own span only.
        let fs = 500.0;
        let rr = [225usize, 310, 255, 350, 200, 290, 330, 240];
        let mut fids = vec![300usize];
        while fids.len() < 18 {
            let next = fids[fids.len() - 1] + rr[fids.len() % rr.len()];
            fids.push(next);
        }
        let n = fids[fids.len() - 1] + 600;
        let x = beat_train(n, fs, &fids);
        let q = assess_one(LeadLabel::III, &x, &fids, fs);
        assert!(q.problems.is_empty(), "{q:?}");
        assert!(q.noise_ratio.unwrap() < 0.02, "{q:?}");
    }

    #[test]
    fn good_leads_change_nothing() {
        let q = vec![LeadQuality {
            lead: LeadLabel::I,
            problems: vec![],
            noise_ratio: Some(0.02),
            residual_mv: Some(0.003),
            off_s: None,
            no_beats: None,
        }];
        let s = vec![ecg::Statement {
            text: "Sinus rhythm".into(),
            ..Default::default()
        }];
        assert_eq!(apply(s.clone(), &q), s);
    }
}
