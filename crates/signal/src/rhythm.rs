//! Atrial flutter: regular atrial activity at 240-350 per minute in the leads that show it.
//!
//! Flutter waves run on through the whole cardiac cycle (no isoelectric baseline), so with
//! the QRS complexes blanked out (80 ms before to 120 ms after each fiducial) the
//! autocorrelation of II, III, aVF and V1 has a peak at the flutter cycle length. Atrial
//! fibrillation (disorganised f waves), sinus rhythm (P and T waves at unrelated lags) and
//! noise give no such peak, or peaks at different lags in different leads. [`flutter_cycle`]
//! asks for an interior autocorrelation maximum between 170 and 250 ms (the flutter range),
//! at least [`MIN_R`] high and [`MIN_RISE`] above the autocorrelation at shorter lags, with a
//! positive autocorrelation at twice that lag ([`MIN_R_TWICE`]: the waves recur), at the
//! same lag (± [`LAG_AGREEMENT_MS`]) in at least three of those leads. At an irregular RR
//! the T waves of a fast or wide-QRS response make such a peak too; flutter waves, which
//! run on by themselves, keep their phase from one stretch between QRS complexes to the
//! next, and T waves, which follow their own QRS, do not ([`phase_coherence`]).
//!
//! These constants rest on one flutter record (LUDB 35) against seven others (sinus,
//! fibrillation, pacing, bundle-branch blocks); the rule is a suggestion for the reader.
//! With a regular RR at 2-4 times that cycle, the waves are locked to the QRS
//! ([`locked_to_qrs`]): the cycle is then the RR over that ratio, and the ratio is reported.
//!
//! Flutter conducted at a fixed ratio puts a flutter wave at a fixed interval before each
//! QRS, where it passes for a P wave, so the P waves look organised and the search above is
//! not made. [`fixed_ratio_flutter`] then asks for more: the same autocorrelation, a regular
//! RR at 2-4 flutter cycles, and the wave taken for a P recurring whole cycles earlier inside
//! the RR (in curvature, which a T wave has little of). The blanked autocorrelation alone
//! fires on three LUDB dev sinus records (T and P waves 210-240 ms apart); this recurrence
//! does not. At a variable conduction ratio (an irregular RR) [`variable_ratio_flutter`]
//! asks for the same recurrence in the samples averaged around the "P" waves instead.
//!
//! Second-degree AV block ([`non_conducted_p`]): in a pause (RR > 1.5 times the median RR)
//! between two beats that both have their P wave, a P wave that is not followed by a QRS
//! shows up one P-P interval (± 25 %) after the previous P. It is found by correlating all
//! leads at once with the median beat's P wave (both linearly detrended, so a P riding on
//! the T slope still matches): correlation >= [`MIN_P_CORRELATION`] and a size 0.4-2.5 times
//! the median P. Whether the PR lengthened before the pause (Mobitz I, Wenckebach) or not
//! (Mobitz II) is left to the statement, and so is whether the P came on time (a whole number
//! of sinus cycles after the P before it, [`NonConducted::on_time`]) or early (a
//! non-conducted atrial premature complex, no AV block). Validated on synthetic tracings only (none of the
//! LUDB test records has a second-degree block); a 2:1 block has no pause and is not found
//! this way.
//!
//! 2:1 and third-degree AV block ([`atrial_waves`], [`av_block`]): P waves are searched in
//! the whole cycle, not only before each QRS, by the same multi-lead template correlation
//! with the median of the P waves found before the beats (at least three, aligned on their
//! peaks; slow regular rhythms only), and the P train is compared with
//! the QRS train (see [`av_block`] for the criteria). Validated on synthetic 12-lead tracings
//! only; on the real tracings in `tests/data` neither fires.

use ecg::LeadLabel;

use crate::delineate::{BeatWaves, ms};
use crate::detect::{median, moving_average};

/// Smallest autocorrelation at the flutter cycle.
pub(crate) const MIN_R: f64 = 0.12;
/// The autocorrelation at twice the flutter cycle, averaged over the leads that agree on the
/// cycle, must exceed this (see [`flutter_cycle`]).
pub(crate) const MIN_R_TWICE: f64 = 0.0;
/// The peak must rise this much above the lowest autocorrelation at shorter lags.
pub(crate) const MIN_RISE: f64 = 0.05;
/// Shortest and longest flutter cycle (ms): 350 and 240 per minute.
pub(crate) const FLUTTER_MIN_CYCLE_MS: f64 = 170.0;
/// See [`FLUTTER_MIN_CYCLE_MS`].
pub(crate) const FLUTTER_MAX_CYCLE_MS: f64 = 250.0;
/// The QRS complexes are left out of the flutter search from this long (ms) before each
/// fiducial ...
const QRS_BLANK_BEFORE_MS: f64 = 80.0;
/// ... to this long after it.
const QRS_BLANK_AFTER_MS: f64 = 120.0;
/// Leads must agree on the cycle length within this (ms).
pub(crate) const LAG_AGREEMENT_MS: f64 = 12.0;
/// At most this much signal (s) is used.
const MAX_SECONDS: f64 = 30.0;

/// Flutter waves found by [`flutter_cycle`] (and [`locked_to_qrs`], [`fixed_ratio_flutter`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Flutter {
    /// Flutter cycle length (ms): the autocorrelation lag, or the RR over the conduction
    /// ratio when the waves are locked to the QRS.
    pub cycle_ms: f64,
    /// Mean autocorrelation at the lag over the leads that agree.
    pub correlation: f64,
    /// The autocorrelation lag (ms).
    pub lag_ms: f64,
    /// A fixed conduction ratio, when the ventricular rhythm is regular at a whole number
    /// of flutter cycles.
    pub locked: Option<Locked>,
    /// Set when the flutter was found behind organised "P" waves at an irregular ventricular
    /// rhythm ([`variable_ratio_flutter`]).
    pub variable: Option<Variable>,
    /// Without organised P waves at an irregular ventricular rhythm, the waves' phase
    /// coherence across the beats and the cycle (ms) it was best at ([`phase_coherence`]).
    pub coherence: Option<(f64, f64)>,
}

/// Flutter waves conducted at a variable ratio ([`variable_ratio_flutter`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Variable {
    /// Shortest and longest RR (ms).
    pub rr_ms: (f64, f64),
    /// How the "P" wave recurs whole cycles earlier.
    pub recurrence: Recurrence,
}

/// Flutter waves conducted at a fixed ratio ([`locked_to_qrs`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Locked {
    /// Flutter waves per QRS (2-4).
    pub ratio: usize,
    /// Median RR (ms).
    pub rr_ms: f64,
    /// Set when the flutter was found behind organised "P" waves ([`fixed_ratio_flutter`]).
    pub recurrence: Option<Recurrence>,
}

/// How the "P" wave before each QRS recurs inside the RR ([`fixed_ratio_flutter`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Recurrence {
    /// Lowest multi-lead correlation of the one-cycle window on the "P" wave with the same
    /// window whole flutter cycles earlier in the RR.
    pub correlation: f64,
    /// How many earlier windows were compared (those clear of the QRS).
    pub compared: usize,
    /// Leads of II, III, aVF, V1 in which every compared window recurs on its own.
    pub leads: usize,
}

/// The flutter cycle, when II, III, aVF and V1 (at least three of them) show one. `leads`
/// are the 0.5-40 Hz analysis copies.
pub(crate) fn flutter_cycle(
    labels: &[LeadLabel],
    leads: &[Vec<f64>],
    fids: &[usize],
    fs: f64,
) -> Option<Flutter> {
    let chosen = flutter_leads(labels, leads);
    if chosen.len() < 3 {
        return None;
    }
    let n = chosen[0].len().min((MAX_SECONDS * fs) as usize);
    let mut keep = vec![true; n];
    let (pre, post) = (ms(fs, QRS_BLANK_BEFORE_MS), ms(fs, QRS_BLANK_AFTER_MS));
    for &f in fids {
        let a = f.saturating_sub(pre).min(n);
        let b = (f + post).min(n);
        keep[a..b].iter_mut().for_each(|k| *k = false);
    }
    let (lo, hi) = (ms(fs, 140.0), ms(fs, 300.0));
    let (fl_lo, fl_hi) = (ms(fs, FLUTTER_MIN_CYCLE_MS), ms(fs, FLUTTER_MAX_CYCLE_MS));
    if n <= hi * 4 {
        return None;
    }
    let mut found = Vec::new();
    for x in chosen {
        let x = &x[..n];
        let kept: Vec<f64> = (0..n).filter(|&i| keep[i]).map(|i| x[i]).collect();
        if kept.len() < n / 4 {
            return None;
        }
        let mean = kept.iter().sum::<f64>() / kept.len() as f64;
        // Blanked samples as zeros (and a 0/1 mask), so the sums below need no branch: a
        // product with a blanked sample adds an exact zero, the same sums as skipping it.
        let z: Vec<f64> = (0..n)
            .map(|i| if keep[i] { x[i] - mean } else { 0.0 })
            .collect();
        let mask: Vec<f64> = keep.iter().map(|&k| if k { 1.0 } else { 0.0 }).collect();
        let ac = pulp::Arch::new().dispatch(BlankedAutocorrelation {
            z: &z,
            mask: &mask,
            lo,
            hi,
        });
        // Interior maxima inside the flutter range, best first.
        let best = (fl_lo - lo..=fl_hi - lo)
            .filter(|&k| k > 0 && k + 1 < ac.len() && ac[k] > ac[k - 1] && ac[k] >= ac[k + 1])
            .filter(|&k| {
                let floor = ac[..k].iter().copied().fold(f64::INFINITY, f64::min);
                ac[k] >= MIN_R && ac[k] - floor >= MIN_RISE
            })
            .max_by(|&a, &b| ac[a].total_cmp(&ac[b]));
        // Flutter waves recur at every cycle: the autocorrelation at twice the lag is
        // positive too (on average over the leads that agree on the lag). A P wave one
        // T-to-P distance after the T (a long PR, or a U wave after the T) makes a peak at
        // that distance but none at twice it, where the T meets the flat baseline before the
        // next QRS: -0.1 to -0.5 in every lead of synthetic sinus rhythms at 50-80/min that
        // read "Atrial flutter" (PR 340-420 ms; a junctional rhythm with a U wave), against
        // 0.08-0.80 in the flutter leads of LUDB 35 and 52 (means 0.68 and 0.16).
        if let Some(k) = best {
            let twice = 2 * (k + lo);
            let ac2 = pulp::Arch::new().dispatch(BlankedAutocorrelation {
                z: &z,
                mask: &mask,
                lo: twice,
                hi: twice,
            });
            let r2 = ac2.first().copied().unwrap_or(0.0);
            found.push(((k + lo) as f64 * 1000.0 / fs, ac[k], r2));
        }
    }
    if found.len() < 3 {
        return None;
    }
    let lag = median(&found.iter().map(|f| f.0).collect::<Vec<_>>());
    let agree: Vec<(f64, f64, f64)> = found
        .into_iter()
        .filter(|f| (f.0 - lag).abs() <= LAG_AGREEMENT_MS)
        .collect();
    if agree.len() < 3 || agree.iter().map(|f| f.2).sum::<f64>() / agree.len() as f64 <= MIN_R_TWICE
    {
        return None;
    }
    let r = agree.iter().map(|f| f.1).sum::<f64>() / agree.len() as f64;
    let cycle = agree.iter().map(|f| f.0).sum::<f64>() / agree.len() as f64;
    Some(Flutter {
        cycle_ms: cycle,
        correlation: r,
        lag_ms: cycle,
        locked: None,
        variable: None,
        coherence: None,
    })
}

/// The autocorrelation of a blanked, mean-removed lead `z` (blanked samples zero, `mask` 1
/// where kept, 0 where blanked) at each lag `lo..=hi`: over `i < n - lag`, the sum of
/// `z[i] z[i + lag]` over the square root of the product of the sums of `z[i]^2` where
/// `i + lag` is kept and of `z[i + lag]^2` where `i` is kept (0 when either is 0).
///
/// Each sum is one sequential chain of additions, so one lag at a time waits on the adder's
/// latency. Neighbouring lags run side by side, one lane each of [`LAG_VECTORS`] vectors as
/// wide as the widest vector unit the CPU has, over the samples all of them cover (the
/// vectors' chains are independent, so they overlap), then each lag finishes alone:
/// every lag's sums are added in the order of the one-lag loop, with the same products
/// (multiplications and additions, nothing fused), so the values are bit-identical to it.
struct BlankedAutocorrelation<'a> {
    z: &'a [f64],
    mask: &'a [f64],
    lo: usize,
    hi: usize,
}

impl pulp::WithSimd for BlankedAutocorrelation<'_> {
    type Output = Vec<f64>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> Vec<f64> {
        let Self { z, mask, lo, hi } = self;
        let n = z.len();
        let w = S::F64_LANES;
        let correlation = |sxy: f64, sxx: f64, syy: f64| {
            if sxx > 0.0 && syy > 0.0 {
                sxy / (sxx * syy).sqrt()
            } else {
                0.0
            }
        };
        let mut ac = Vec::with_capacity(hi + 1 - lo);
        // The side-by-side sums, taken out of the vectors: sxy, sxx, syy of each lane.
        let mut sums = vec![0.0; 3 * LAG_VECTORS * w];
        let mut lag0 = lo;
        // Blocks of LAG_VECTORS vectors of lags while they fit (independent chains hide the
        // adder's latency), then of one vector, then lag by lag.
        for vectors in [LAG_VECTORS, 1] {
            let span = vectors * w;
            while lag0 + span - 1 <= hi && lag0 + span <= n {
                // Lags lag0 .. lag0 + span together over the samples every one covers.
                let common = n + 1 - (lag0 + span);
                if vectors == LAG_VECTORS {
                    lag_block::<S, LAG_VECTORS>(simd, z, mask, lag0, common, &mut sums);
                } else {
                    lag_block::<S, 1>(simd, z, mask, lag0, common, &mut sums);
                }
                // Each lag's remaining samples, in order.
                for j in 0..span {
                    let lag = lag0 + j;
                    let (mut sxy, mut sxx, mut syy) = (sums[j], sums[span + j], sums[2 * span + j]);
                    for i in common..n - lag {
                        let (a, b) = (z[i], z[i + lag]);
                        sxy += a * b;
                        sxx += a * a * mask[i + lag];
                        syy += b * b * mask[i];
                    }
                    ac.push(correlation(sxy, sxx, syy));
                }
                lag0 += span;
            }
        }
        for lag in lag0..=hi {
            let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
            for i in 0..n.saturating_sub(lag) {
                let (a, b) = (z[i], z[i + lag]);
                sxy += a * b;
                sxx += a * a * mask[i + lag];
                syy += b * b * mask[i];
            }
            ac.push(correlation(sxy, sxx, syy));
        }
        ac
    }
}

/// Vectors of lags [`BlankedAutocorrelation`] runs side by side.
const LAG_VECTORS: usize = 2;

/// [`BlankedAutocorrelation`]'s sums of the `V` vectors of lags from `lag0` over samples
/// `0..common`, written to `sums` as every lag's `sxy`, then every lag's `sxx`, then every
/// lag's `syy`.
#[inline(always)]
fn lag_block<S: pulp::Simd, const V: usize>(
    simd: S,
    z: &[f64],
    mask: &[f64],
    lag0: usize,
    common: usize,
    sums: &mut [f64],
) {
    let w = S::F64_LANES;
    let zero = simd.splat_f64s(0.0);
    let (mut sxy, mut sxx, mut syy) = ([zero; V], [zero; V], [zero; V]);
    for i in 0..common {
        let (a, aa, mi) = (
            simd.splat_f64s(z[i]),
            simd.splat_f64s(z[i] * z[i]),
            simd.splat_f64s(mask[i]),
        );
        for v in 0..V {
            let at = i + lag0 + v * w;
            let b = S::as_simd_f64s(&z[at..at + w]).0[0];
            let m = S::as_simd_f64s(&mask[at..at + w]).0[0];
            sxy[v] = simd.add_f64s(sxy[v], simd.mul_f64s(a, b));
            sxx[v] = simd.add_f64s(sxx[v], simd.mul_f64s(aa, m));
            syy[v] = simd.add_f64s(syy[v], simd.mul_f64s(simd.mul_f64s(b, b), mi));
        }
    }
    let out = S::as_mut_simd_f64s(&mut sums[..3 * V * w]).0;
    for v in 0..V {
        (out[v], out[V + v], out[2 * V + v]) = (sxy[v], sxx[v], syy[v]);
    }
}

/// Smallest correlation of the wave before each QRS with the waves one or more flutter
/// cycles earlier ([`fixed_ratio_flutter`]).
pub(crate) const MIN_RECURRENCE: f64 = 0.7;
/// Size of an earlier window against the window on the "P" wave (RMS ratio).
pub(crate) const RECURRENCE_SIZE: (f64, f64) = (0.5, 2.0);
/// Step of the second difference the windows are compared in (ms).
pub(crate) const CURVATURE_STEP_MS: f64 = 10.0;

/// The leads flutter waves are read in: II, III, aVF and V1, those present.
fn flutter_leads<'a>(labels: &[LeadLabel], leads: &'a [Vec<f64>]) -> Vec<&'a [f64]> {
    [LeadLabel::II, LeadLabel::III, LeadLabel::AVF, LeadLabel::V1]
        .iter()
        .filter_map(|w| labels.iter().position(|l| l == w))
        .map(|k| leads[k].as_slice())
        .collect()
}

/// Flutter waves found without organised P waves at an irregular ventricular rhythm must be
/// this coherent across the beats ([`phase_coherence`]): LUDB 35 and 52 (flutter at a
/// variable ratio) 0.88-0.90 and 0.94-0.95 as read and under every disturbance of the
/// stability check; the T waves of synthetic atrial fibrillation with bundle-branch block
/// at 90-150/min, which the blanked autocorrelation took for flutter, 0.54-0.78.
pub(crate) const MIN_PHASE_COHERENCE: f64 = 0.8;
/// [`phase_coherence`] searches the cycle within this fraction of the autocorrelation's
/// lag (which is off by up to 10 % when little of each RR is left) ...
const COHERENCE_CYCLE_SPAN: f64 = 0.1;
/// ... in steps of this fraction of it (over 10 s a 0.5 % error in the cycle turns the
/// phase by a quarter of a cycle).
const COHERENCE_CYCLE_STEP: f64 = 0.005;
/// [`phase_coherence`] reads at most this much of the recording (s): a resting ECG's length.
const COHERENCE_MAX_SECONDS: f64 = 10.0;

/// How coherent activity near the flutter cycle `cycle_ms` is across the beats of an
/// irregular rhythm, and the cycle (ms) where it is most: per lead of II, III, aVF and V1,
/// each stretch between two QRS complexes (120 ms after one to 80 ms before the next, as
/// [`flutter_cycle`] blanks them) gives the complex amplitude of its mean-removed samples at
/// the flutter frequency (their Fourier coefficient against the time from the recording's
/// start); the coherence is the length of their sum over the sum of their lengths (1: every
/// stretch shows the same phase of one oscillation running through the whole recording;
/// near 0: scattered phases), averaged over the leads. The cycle is searched outward from
/// `cycle_ms` within [`COHERENCE_CYCLE_SPAN`]: the first cycle where the coherence reaches
/// [`MIN_PHASE_COHERENCE`], else the best. Flutter waves run on regardless of the QRS, so
/// their phase holds from stretch to stretch whatever the RR; a T wave follows its own QRS,
/// and at an irregular RR its phase against the recording's time scatters. The first
/// [`COHERENCE_MAX_SECONDS`] are read (the cycle's own small variation, and the search's
/// step, turn the phase further over a longer recording). `None` without three of those
/// leads or four stretches.
pub(crate) fn phase_coherence(
    labels: &[LeadLabel],
    leads: &[Vec<f64>],
    fids: &[usize],
    cycle_ms: f64,
    fs: f64,
) -> Option<(f64, f64)> {
    let chosen = flutter_leads(labels, leads);
    let n = chosen
        .iter()
        .map(|x| x.len())
        .min()?
        .min((COHERENCE_MAX_SECONDS * fs) as usize);
    let (pre, post) = (ms(fs, QRS_BLANK_BEFORE_MS), ms(fs, QRS_BLANK_AFTER_MS));
    let spans: Vec<(usize, usize)> = fids
        .windows(2)
        .map(|w| (w[0] + post, w[1].saturating_sub(pre).min(n)))
        .filter(|&(a, b)| b > a + 2)
        .collect();
    if chosen.len() < 3 || spans.len() < 4 {
        return None;
    }
    // Each lead's mean over each stretch, which every cycle tried removes.
    let means: Vec<Vec<f64>> = chosen
        .iter()
        .map(|x| {
            spans
                .iter()
                .map(|&(a, b)| x[a..b].iter().sum::<f64>() / (b - a) as f64)
                .collect()
        })
        .collect();
    let steps = (COHERENCE_CYCLE_SPAN / COHERENCE_CYCLE_STEP).round() as i32;
    // 0, -1, +1, -2, +2, ... steps from the lag.
    let outward = (0..=2 * steps).map(|i| if i % 2 == 0 { i / 2 } else { -(i + 1) / 2 });
    let mut best: Option<(f64, f64)> = None;
    for (coherence, cycle) in outward
        .map(|k| cycle_ms * (1.0 + COHERENCE_CYCLE_STEP * k as f64))
        .map(|cycle| {
            let w = 2.0 * std::f64::consts::PI / (cycle / 1000.0 * fs);
            let (c, s) = (w.cos(), w.sin());
            let per_lead: f64 = chosen
                .iter()
                .zip(&means)
                .map(|(x, means)| {
                    let (mut sr, mut si, mut total) = (0.0, 0.0, 0.0);
                    for (&(a, b), &mean) in spans.iter().zip(means) {
                        // The phasor e^(-i w t) from t = a, turned by one sample each step.
                        let (mut pr, mut pi) = ((w * a as f64).cos(), -(w * a as f64).sin());
                        let (mut re, mut im) = (0.0, 0.0);
                        for v in &x[a..b] {
                            re += (v - mean) * pr;
                            im += (v - mean) * pi;
                            (pr, pi) = (pr * c + pi * s, pi * c - pr * s);
                        }
                        sr += re;
                        si += im;
                        total += re.hypot(im);
                    }
                    if total > 0.0 {
                        sr.hypot(si) / total
                    } else {
                        0.0
                    }
                })
                .sum();
            (per_lead / chosen.len() as f64, cycle)
        })
    {
        if coherence >= MIN_PHASE_COHERENCE {
            return Some((coherence, cycle));
        }
        if best.is_none_or(|b| coherence > b.0) {
            best = Some((coherence, cycle));
        }
    }
    best
}

/// The median RR interval (samples) of the beats at `fids` when every RR lies within
/// [`REGULAR_TOLERANCE`] of it (a regular ventricular rhythm), else `None`.
fn regular_rr(fids: &[usize]) -> Option<f64> {
    let rr: Vec<f64> = fids.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    let rr_med = median(&rr);
    rr.iter()
        .all(|&r| (r - rr_med).abs() <= REGULAR_TOLERANCE * rr_med)
        .then_some(rr_med)
}

/// The flutter `found` with its conduction ratio when the waves are locked to the QRS: at
/// least six beats, every RR within [`REGULAR_TOLERANCE`] of the median, and the median RR
/// n = 2-4 times the autocorrelation lag within that tolerance (the lag of the blanked
/// autocorrelation is off by up to 10 % when little of each RR is left, as in 2:1). The
/// cycle is then the RR over n, which measures it better.
pub(crate) fn locked_to_qrs(found: Flutter, fids: &[usize], fs: f64) -> Flutter {
    if fids.len() < 6 {
        return found;
    }
    let Some(rr_med) = regular_rr(fids) else {
        return found;
    };
    let rr_ms = rr_med * 1000.0 / fs;
    let ratio = (rr_ms / found.lag_ms).round();
    if !(2.0..=4.0).contains(&ratio)
        || (rr_ms / ratio - found.lag_ms).abs() > REGULAR_TOLERANCE * found.lag_ms
    {
        return found;
    }
    Flutter {
        cycle_ms: rr_ms / ratio,
        locked: Some(Locked {
            ratio: ratio as usize,
            rr_ms,
            recurrence: None,
        }),
        ..found
    }
}

/// RR intervals (samples) two to four flutter cycles (170-250 ms each) long, widened by the
/// regularity tolerance: the ventricular rate of flutter at 2:1 to 4:1 conduction.
fn two_to_four_cycles(fs: f64) -> std::ops::RangeInclusive<f64> {
    2.0 * ms(fs, FLUTTER_MIN_CYCLE_MS) as f64 * (1.0 - REGULAR_TOLERANCE)
        ..=4.0 * ms(fs, FLUTTER_MAX_CYCLE_MS) as f64 * (1.0 + REGULAR_TOLERANCE)
}

/// Atrial flutter conducted at a fixed ratio (2:1 to 4:1), whose flutter wave before each
/// QRS sits at a fixed interval and passes for a P wave. The evidence must be specific:
/// - [`flutter_cycle`] (the same lag in three of II, III, aVF, V1) on a regular ventricular
///   rhythm whose RR is a whole number n = 2-4 of flutter cycles ([`locked_to_qrs`]);
/// - in the mean RR interval (the samples before each QRS back to the previous one, averaged
///   over the beats, in II, III, aVF and V1), the one-cycle window centred on the "P" peak
///   (cut short at 80 ms before the QRS) recurs one, two, ... cycles earlier: every such
///   window clear of the previous QRS (120 ms after it) correlates with it at >=
///   [`MIN_RECURRENCE`] over those leads together at [`RECURRENCE_SIZE`] times its size,
///   and in at least two of the leads on their own; at least one window is compared. The
///   windows are compared in their curvature (second difference over
///   [`CURVATURE_STEP_MS`]), which a slow T wave has little of. A sinus P wave comes once
///   per RR: a cycle before it lies the flat TP segment or the T wave. LUDB dev 68, 70 and
///   85 (sinus) have a blanked autocorrelation peak at 210-240 ms from their T and P waves,
///   68 at 4.09 times the RR; their windows correlate at 0.16, -0.38 and 0.41; a synthetic
///   sinus rhythm at 100/min with a 0.7 mV T and a U wave at 0.48 (0.84 in level); synthetic
///   3:1 and 4:1 flutter at 250-320/min at 0.91-0.98.
///
/// The recurrence is checked first (it is cheap: one mean RR interval), for each ratio
/// whose cycle lies in the flutter range, then the autocorrelation must find that ratio.
///
/// `p_peaks`: each beat's P peak (global), found before at least 80 % of the beats.
pub(crate) fn fixed_ratio_flutter(
    labels: &[LeadLabel],
    leads: &[Vec<f64>],
    fids: &[usize],
    p_peaks: &[Option<usize>],
    fs: f64,
) -> Option<Flutter> {
    if fids.len() < 6 || p_peaks.len() != fids.len() {
        return None;
    }
    // Cheap gates first: a regular rhythm at a ventricular rate two to four flutter cycles
    // long, P peaks before most beats.
    let rr_med = regular_rr(fids).filter(|rr| two_to_four_cycles(fs).contains(rr))?;
    let p_offsets: Vec<f64> = fids
        .iter()
        .zip(p_peaks)
        .filter_map(|(&f, p)| p.filter(|&p| p < f).map(|p| (f - p) as f64))
        .collect();
    if (p_offsets.len() as f64) < 0.8 * fids.len() as f64 {
        return None;
    }
    let chosen = flutter_leads(labels, leads);
    let span = rr_med.round() as usize;
    let n = chosen.iter().map(|x| x.len()).min().unwrap_or(0);
    let ends: Vec<usize> = fids
        .iter()
        .copied()
        .filter(|&f| f >= span && f <= n)
        .collect();
    if chosen.len() < 3 || ends.len() < 5 {
        return None;
    }
    // Mean RR interval per lead: index j is j samples after the previous QRS (`span`
    // before this one).
    let mean_rr: Vec<Vec<f64>> = chosen
        .iter()
        .map(|x| {
            let mut m = vec![0.0; span];
            for &f in &ends {
                for (v, s) in m.iter_mut().zip(&x[f - span..f]) {
                    *v += s;
                }
            }
            m.iter_mut().for_each(|v| *v /= ends.len() as f64);
            m
        })
        .collect();
    let p_at = span as f64 - median(&p_offsets);
    // The recurrence (cheap) for each ratio whose cycle is in the flutter range, then the
    // autocorrelation of the whole tracing must find that ratio too.
    let (fl_lo, fl_hi) = (
        ms(fs, FLUTTER_MIN_CYCLE_MS) as f64 * (1.0 - REGULAR_TOLERANCE),
        ms(fs, FLUTTER_MAX_CYCLE_MS) as f64 * (1.0 + REGULAR_TOLERANCE),
    );
    let (ratio, recurrence) = (2..=4usize)
        .filter(|&k| (fl_lo..=fl_hi).contains(&(rr_med / k as f64)))
        .find_map(|k| Some((k, recurrence(&mean_rr, p_at, rr_med / k as f64, k, fs)?)))?;
    let found = locked_to_qrs(flutter_cycle(labels, leads, fids, fs)?, fids, fs);
    let locked = found.locked.filter(|l| l.ratio == ratio)?;
    Some(Flutter {
        locked: Some(Locked {
            recurrence: Some(recurrence),
            ..locked
        }),
        ..found
    })
}

/// Atrial flutter conducted at a variable ratio (3:1 and 4:1 in turn, 2:1 and 4:1, or a
/// flutter-wave-to-QRS interval that drifts from beat to beat), whose flutter wave before
/// each QRS passes for a P wave at an irregular RR, where [`fixed_ratio_flutter`] (a regular
/// RR) does not look. The same evidence, aligned on the "P" waves instead of the QRS:
/// - `found`: [`flutter_cycle`] (the same lag in three of II, III, aVF, V1; asked for only
///   when the cheap gates pass), with at least six beats, the RR not regular
///   ([`REGULAR_TOLERANCE`]) and its median two to four flutter cycles (170-250 ms, with
///   that tolerance);
/// - "P" peaks between the previous QRS and this one before at least half the beats (the
///   share organised P waves need);
/// - the beats whose "P" lies at least 120 ms and one and a half cycles after the previous
///   QRS (room for one earlier window clear of it; at least four such beats): the samples
///   around their "P" averaged in II, III, aVF and V1, from the shortest such interval
///   before the "P" to the shortest "P"-to-QRS interval after it. In that mean the
///   one-cycle window on the "P" recurs one, two, ... cycles (the autocorrelation lag)
///   earlier, as in [`fixed_ratio_flutter`] ([`recurrence`]: curvature correlation >=
///   [`MIN_RECURRENCE`], size [`RECURRENCE_SIZE`], in at least two leads on their own,
///   windows clear of the previous QRS by 120 ms and of this one by 80 ms).
///
/// Aligned on the "P", the flutter waves before it add up whatever the RR; a sinus P is
/// preceded by the TP segment and the T wave, which do not recur at 170-250 ms and, with a
/// varying RR, smear in the mean. Every interval is in milliseconds, so the reading does not
/// hang on the sampling rate. LUDB dev 52 (flutter at 270/min, RR 0.79-0.95 s, the wave
/// taken for a P 124-270 ms before the QRS) read "Sinus rhythm" resampled to 250 Hz and
/// "Atrial fibrillation" at 1000 Hz before this check: there its "P" waves passed for
/// organised by a few ms (robust PR SD 38.5 ms against 40; 44.5 ms at 500 Hz, where the
/// flutter search without organised P waves finds it). The cycle reported is the
/// autocorrelation lag.
pub(crate) fn variable_ratio_flutter(
    labels: &[LeadLabel],
    leads: &[Vec<f64>],
    fids: &[usize],
    p_peaks: &[Option<usize>],
    fs: f64,
    found: impl FnOnce() -> Option<Flutter>,
) -> Option<Flutter> {
    if fids.len() < 6 || p_peaks.len() != fids.len() || regular_rr(fids).is_some() {
        return None;
    }
    let rr: Vec<f64> = fids.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    if !two_to_four_cycles(fs).contains(&median(&rr)) {
        return None;
    }
    // Per beat with a "P": its peak, the samples back to the previous QRS and on to this one.
    let p_waves: Vec<(usize, usize, usize)> = (1..fids.len())
        .filter_map(|i| {
            let p = p_peaks[i]?;
            (fids[i - 1] < p && p < fids[i]).then(|| (p, p - fids[i - 1], fids[i] - p))
        })
        .collect();
    let chosen = flutter_leads(labels, leads);
    if (p_waves.len() as f64) < 0.5 * rr.len() as f64 || chosen.len() < 3 {
        return None;
    }
    let found = found()?;
    let cycle = found.lag_ms * fs / 1000.0;
    let room = (ms(fs, 120.0) as f64 + 1.5 * cycle).ceil() as usize;
    let used: Vec<&(usize, usize, usize)> = p_waves.iter().filter(|w| w.1 >= room).collect();
    let back = used.iter().map(|w| w.1).min()?;
    let ahead = used.iter().map(|w| w.2).min()?;
    let n = chosen.iter().map(|x| x.len()).min().unwrap_or(0);
    if used.len() < 4 || used.iter().any(|w| w.0 + ahead > n) {
        return None;
    }
    // Mean interval around the "P" per lead: index j is j samples after `back` before it.
    let mean_p: Vec<Vec<f64>> = chosen
        .iter()
        .map(|x| {
            let mut m = vec![0.0; back + ahead];
            for w in &used {
                for (v, s) in m.iter_mut().zip(&x[w.0 - back..w.0 + ahead]) {
                    *v += s;
                }
            }
            m.iter_mut().for_each(|v| *v /= used.len() as f64);
            m
        })
        .collect();
    // Every whole cycle that fits before the "P" (windows not clear of the QRS are skipped).
    let cycles = (back as f64 / cycle).ceil() as usize + 1;
    let recurrence = recurrence(&mean_p, back as f64, cycle, cycles, fs)?;
    let to_ms = |v: f64| v * 1000.0 / fs;
    let (short, long) = rr
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &r| (a.min(r), b.max(r)));
    Some(Flutter {
        variable: Some(Variable {
            rr_ms: (to_ms(short), to_ms(long)),
            recurrence,
        }),
        ..found
    })
}

/// Whether the one-cycle window on the "P" wave (centred on `p_at`, cut short at 80 ms
/// before the QRS) of the mean RR interval `mean_rr` (per lead, `p_at` and `cycle` in
/// samples from the previous QRS) recurs whole cycles earlier: see [`fixed_ratio_flutter`].
fn recurrence(
    mean_rr: &[Vec<f64>],
    p_at: f64,
    cycle: f64,
    ratio: usize,
    fs: f64,
) -> Option<Recurrence> {
    let span = mean_rr.first()?.len();
    let (clear_from, clear_to) = (
        ms(fs, QRS_BLANK_AFTER_MS) as f64,
        span as f64 - ms(fs, QRS_BLANK_BEFORE_MS) as f64,
    );
    let from = (p_at - cycle / 2.0).round();
    let to = (p_at + cycle / 2.0).min(clear_to).round();
    if from < clear_from || to - from < 0.5 * cycle {
        return None;
    }
    let len = (to - from) as usize;
    // Each window as its curvature (second difference over CURVATURE_STEP_MS either side):
    // flutter waves turn sharply, a T wave slowly, so a T wave a cycle before a sinus P
    // does not pass for a recurring wave (in level it does, at 100/min with a tall T).
    let h = ms(fs, CURVATURE_STEP_MS).max(1);
    let window = |start: f64| -> Option<Vec<Vec<f64>>> {
        if start < clear_from.max(h as f64) {
            return None;
        }
        let a = start as usize;
        Some(
            mean_rr
                .iter()
                .map(|m| {
                    (a..a + len)
                        .map(|i| m[i + h] - 2.0 * m[i] + m[i - h])
                        .collect()
                })
                .collect(),
        )
    };
    let own = window(from)?;
    // Correlation and RMS size ratio of `b` against `a`, summed over the pairs of leads.
    let compare = |a: &[Vec<f64>], b: &[Vec<f64>]| -> (f64, f64) {
        let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
        for (p, q) in a.iter().zip(b) {
            for (x, y) in p.iter().zip(q) {
                xy += x * y;
                xx += x * x;
                yy += y * y;
            }
        }
        if xx > 0.0 && yy > 0.0 {
            (xy / (xx * yy).sqrt(), (yy / xx).sqrt())
        } else {
            (0.0, 0.0)
        }
    };
    let recurs = |(r, size): (f64, f64)| {
        r >= MIN_RECURRENCE && (RECURRENCE_SIZE.0..=RECURRENCE_SIZE.1).contains(&size)
    };
    let mut compared = 0usize;
    let mut lowest = f64::INFINITY;
    let mut lead_ok = vec![true; own.len()];
    for k in 1..ratio {
        let Some(earlier) = window((from - k as f64 * cycle).round()) else {
            continue;
        };
        let joint = compare(&own, &earlier);
        if !recurs(joint) {
            return None;
        }
        compared += 1;
        lowest = lowest.min(joint.0);
        for ((ok, a), b) in lead_ok.iter_mut().zip(&own).zip(&earlier) {
            *ok &= recurs(compare(std::slice::from_ref(a), std::slice::from_ref(b)));
        }
    }
    let leads = lead_ok.iter().filter(|&&ok| ok).count();
    (compared > 0 && leads >= 2).then_some(Recurrence {
        correlation: lowest,
        compared,
        leads,
    })
}

/// Smallest multi-lead correlation with the median P wave for a non-conducted P.
pub(crate) const MIN_P_CORRELATION: f64 = 0.7;

/// A P wave not followed by a QRS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NonConducted {
    /// Peak sample of the blocked P wave.
    pub peak: usize,
    /// Index of the beat that ends the pause.
    pub beat_after: usize,
    /// Correlation with the median P wave.
    pub r: f64,
    /// PR (P peak to QRS fiducial, ms) of the beat before and after the pause.
    pub pr_before_ms: f64,
    /// See `pr_before_ms`.
    pub pr_after_ms: f64,
    /// Where it falls in the sinus cycle: its distance from the P wave before the pause in
    /// cycles of the P-P interval across the pause (that span over the whole number of
    /// conducted RR intervals it holds). A P wave blocked in second-degree AV block comes on
    /// time, a whole number of cycles; a premature one (a non-conducted atrial premature
    /// complex) early, and resets the cycle.
    pub cycles: f64,
    /// Its distance from the P wave before the pause over the median RR (the sinus cycle
    /// where every P is conducted): how early a premature P wave came.
    pub of_median_cycle: f64,
}

impl NonConducted {
    /// The P wave peaking at `peak` (correlation `r`) in the pause before beat `i`, between
    /// the P waves `p0` and `p1` of beats `i - 1` and `i`; `rr_med` the median RR (samples).
    fn between(
        peak: usize,
        r: f64,
        (p0, p1): (usize, usize),
        i: usize,
        fids: &[usize],
        rr_med: f64,
        fs: f64,
    ) -> Self {
        let to_ms = |v: usize| v as f64 * 1000.0 / fs;
        let span = (p1 - p0) as f64;
        let cycle = span / (span / rr_med).round().max(1.0);
        NonConducted {
            peak,
            beat_after: i,
            r,
            pr_before_ms: to_ms(fids[i - 1].saturating_sub(p0)),
            pr_after_ms: to_ms(fids[i].saturating_sub(p1)),
            cycles: (peak - p0) as f64 / cycle,
            of_median_cycle: (peak - p0) as f64 / rr_med,
        }
    }

    /// Whether the P wave comes on time: within [`ON_TIME_CYCLES`] of a whole number of
    /// cycles ([`NonConducted::cycles`]).
    pub(crate) fn on_time(&self) -> bool {
        (self.cycles - self.cycles.round()).abs() <= ON_TIME_CYCLES && self.cycles.round() >= 1.0
    }
}

/// How far (in cycles) a blocked P wave may fall from a whole number of sinus cycles and
/// still count as on time ([`NonConducted::on_time`]): sinus arrhythmia moves a cycle by a few
/// per cent from one beat to the next; a premature P wave comes 15 % or more early.
pub(crate) const ON_TIME_CYCLES: f64 = 0.12;

fn detrend(v: &mut [f64]) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let (a, b) = (v[0], v[n - 1]);
    for (k, x) in v.iter_mut().enumerate() {
        *x -= a + (b - a) * k as f64 / (n - 1) as f64;
    }
}

/// The per-lead templates less the line through their end points ([`detrend`]), and their
/// total energy; `None` when the templates are flat (nothing to correlate against).
fn detrended_templates(templates: &[Vec<f64>]) -> Option<(Vec<Vec<f64>>, f64)> {
    let mut tmpl: Vec<Vec<f64>> = templates.to_vec();
    tmpl.iter_mut().for_each(|t| detrend(t));
    let tt: f64 = tmpl.iter().flatten().map(|v| v * v).sum();
    (tt > 0.0).then_some((tmpl, tt))
}

/// Non-conducted P waves in pauses. `leads`: analysis copies; `templates`: each lead's
/// median-beat P wave (same order), `peak_in_template` the P peak's index in them;
/// `p_peaks`: each beat's P peak (global), `fids` the QRS fiducials.
pub(crate) fn non_conducted_p(
    leads: &[&[f64]],
    templates: &[Vec<f64>],
    peak_in_template: usize,
    fids: &[usize],
    p_peaks: &[Option<usize>],
    fs: f64,
) -> Vec<NonConducted> {
    let Some(PauseSearch {
        tmpl,
        tt,
        rr,
        rr_med,
        mut seg,
    }) = PauseSearch::new(leads, templates, fids)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in 1..fids.len() {
        let (Some(p0), Some(p1)) = (p_peaks[i - 1], p_peaks[i]) else {
            continue;
        };
        if rr[i - 1] <= 1.5 * rr_med || p1 <= p0 {
            continue;
        }
        // The blocked P lies one P-P interval (the conducted RR, ± 25 %) after the previous P
        // and before the next one.
        let lo = (p0 as f64 + 0.75 * rr_med) as usize;
        let lo = lo.max(fids[i - 1] + ms(fs, 60.0));
        let hi = (p1 as f64 - 0.75 * rr_med) as usize;
        let best = best_p_match(leads, &tmpl, tt, peak_in_template, lo..=hi, &mut seg);
        if let Some((peak, r, size)) = best
            && r >= MIN_P_CORRELATION
            && (0.4..=2.5).contains(&size)
        {
            out.push(NonConducted::between(
                peak,
                r,
                (p0, p1),
                i,
                fids,
                rr_med,
                fs,
            ));
        }
    }
    out
}

/// What the searches for a P wave in a pause share: the detrended templates and their energy
/// ([`detrended_templates`]), the RR intervals and their median (samples), and scratch space
/// of the templates' length. `None` without leads matching the templates, with templates
/// shorter than 4 samples or flat, or with fewer than 3 beats.
struct PauseSearch {
    tmpl: Vec<Vec<f64>>,
    tt: f64,
    rr: Vec<f64>,
    rr_med: f64,
    seg: Vec<f64>,
}

impl PauseSearch {
    fn new(leads: &[&[f64]], templates: &[Vec<f64>], fids: &[usize]) -> Option<Self> {
        let len = templates.first().map_or(0, Vec::len);
        if leads.is_empty() || leads.len() != templates.len() || len < 4 || fids.len() < 3 {
            return None;
        }
        let (tmpl, tt) = detrended_templates(templates)?;
        let rr: Vec<f64> = fids.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
        let rr_med = median(&rr);
        Some(Self {
            tmpl,
            tt,
            rr,
            rr_med,
            seg: vec![0.0; len],
        })
    }
}

/// The best match of the detrended P templates `tmpl` (total energy `tt`, peak at
/// `peak_in_template`) with the detrended `leads` for a peak in `peaks`: its peak sample, the
/// multi-lead correlation and the size against the templates. `seg` is scratch space of the
/// templates' length.
fn best_p_match(
    leads: &[&[f64]],
    tmpl: &[Vec<f64>],
    tt: f64,
    peak_in_template: usize,
    peaks: std::ops::RangeInclusive<usize>,
    seg: &mut [f64],
) -> Option<(usize, f64, f64)> {
    let len = seg.len();
    let n = leads.iter().map(|l| l.len()).min().unwrap_or(0);
    let mut best: Option<(usize, f64, f64)> = None;
    for pk in peaks {
        let Some(start) = pk.checked_sub(peak_in_template) else {
            continue;
        };
        if start + len > n {
            break;
        }
        let (mut xy, mut xx) = (0.0, 0.0);
        for (l, t) in leads.iter().zip(tmpl) {
            seg.copy_from_slice(&l[start..start + len]);
            detrend(seg);
            for (a, b) in seg.iter().zip(t) {
                xy += a * b;
                xx += a * a;
            }
        }
        if xx <= 0.0 {
            continue;
        }
        let r = xy / (xx * tt).sqrt();
        if best.is_none_or(|b| r > b.1) {
            best = Some((pk, r, xy / tt));
        }
    }
    best
}

/// A pause this many times the median RR or longer, and the RR on either side of it, may hold
/// a premature P wave that was not conducted ([`premature_non_conducted_p`]): it resets the
/// sinus cycle, so the pause is shorter than the two cycles of a P wave blocked on time.
pub(crate) const PREMATURE_PAUSE_RR: f64 = 1.2;
/// Smallest multi-lead correlation with the median P wave for a premature P wave found on the
/// cancelled leads (higher than [`MIN_P_CORRELATION`]: the cancellation leaves the beat-to-beat
/// changes of the T wave it rides on).
pub(crate) const MIN_PREMATURE_P_CORRELATION: f64 = 0.9;

/// Premature P waves not conducted ([`NonConducted`] with `on_time()` false): in each pause
/// of at least [`PREMATURE_PAUSE_RR`] times the median RR and the RR on either side, between
/// two beats that both have their P wave and no blocked P wave already (`found`), the best
/// match of the median P wave (`templates`, as for [`non_conducted_p`]) from 120 ms after the
/// QRS to 75 % of a cycle after the P wave before, on the leads with the ventricular activity cancelled (`cancelled`, same order
/// as `templates`: each beat less its median beat, so the T wave that the premature P rides
/// on is gone and only what is not locked to the QRS stays, `crate::atrial`), at the same
/// size bounds and [`MIN_PREMATURE_P_CORRELATION`]. Kept only when early
/// ([`NonConducted::on_time`] false).
pub(crate) fn premature_non_conducted_p(
    cancelled: &[&[f64]],
    templates: &[Vec<f64>],
    peak_in_template: usize,
    fids: &[usize],
    p_peaks: &[Option<usize>],
    found: &[NonConducted],
    fs: f64,
) -> Vec<NonConducted> {
    let Some(PauseSearch {
        tmpl,
        tt,
        rr,
        rr_med,
        mut seg,
    }) = PauseSearch::new(cancelled, templates, fids)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in 1..fids.len() {
        let (Some(p0), Some(p1)) = (p_peaks[i - 1], p_peaks[i]) else {
            continue;
        };
        // An abrupt pause: longer than the median RR and than the RR on either side of it by
        // the same factor (sinus arrhythmia lengthens the cycle gradually: LUDB 99, whose
        // longest cycle, 1.26 x the median but 1.01-1.14 x its neighbours, gave a "premature P
        // wave" of 0.84 on its T wave).
        let neighbours = [i.checked_sub(2).map(|k| rr[k]), rr.get(i).copied()];
        if rr[i - 1] < PREMATURE_PAUSE_RR * rr_med
            || neighbours
                .iter()
                .flatten()
                .any(|&r| rr[i - 1] < PREMATURE_PAUSE_RR * r)
            || p1 <= p0
            || found.iter().any(|b| b.beat_after == i)
        {
            continue;
        }
        let lo = fids[i - 1] + ms(fs, 120.0);
        let hi = ((p0 as f64 + 0.75 * rr_med) as usize).min(p1.saturating_sub(ms(fs, 200.0)));
        if lo >= hi {
            continue;
        }
        if let Some((peak, r, size)) =
            best_p_match(cancelled, &tmpl, tt, peak_in_template, lo..=hi, &mut seg)
            && r >= MIN_PREMATURE_P_CORRELATION
            && (0.4..=2.5).contains(&size)
        {
            let b = NonConducted::between(peak, r, (p0, p1), i, fids, rr_med, fs);
            if !b.on_time() {
                out.push(b);
            }
        }
    }
    out
}

/// The multi-lead dot products of [`atrial_waves`] at each of `starts`: over the leads in
/// order, the segment's dot product with the detrended template and its own sum of squares,
/// both after the segment's detrending (done algebraically: `c` holds each template's sums
/// against `1 - u` and `u`, `s` the sums of `(1 - u)^2`, `u (1 - u)` and `u^2`). Returns
/// `(xy, xx)` per start.
///
/// Every sum is a sequential chain of additions, so one start at a time waits on the adder's
/// latency. As many starts as the widest vector unit the CPU has holds run side by side (one
/// lane each), each lane with the one-start arithmetic in its order (multiplications and
/// additions, nothing fused), so the values are bit-identical to scoring each start alone.
/// Chunks of starts evenly spaced read each step's lanes as one contiguous vector: straight
/// from the lead when they are neighbours (the fine pass), else, when all `starts` are
/// spaced `step` apart (the coarse pass), from the lead split into `step` phases
/// (`phase[p][i]` is sample `p + i step`, so the lanes' samples `s + j step + k` are
/// neighbours in one phase). Other chunks have their segments copied side by side first.
struct TrainSums<'a> {
    leads: &'a [&'a [f64]],
    tmpl: &'a [Vec<f64>],
    c: &'a [(f64, f64)],
    u: &'a [f64],
    s: (f64, f64, f64),
    starts: &'a [usize],
}

impl pulp::WithSimd for TrainSums<'_> {
    type Output = Vec<(f64, f64)>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> Vec<(f64, f64)> {
        let Self {
            leads,
            tmpl,
            c,
            u,
            s: (s00, s01, s11),
            starts,
        } = self;
        let w = S::F64_LANES;
        let len = u.len();
        // Every chunk of a spaced run is read from the lead split into phases.
        let step = match starts {
            [a, b, ..] if b > a && starts.windows(2).all(|p| p[1] - p[0] == b - a) => b - a,
            _ => 1,
        };
        let (mut xy, mut xx) = (vec![0.0; starts.len()], vec![0.0; starts.len()]);
        // Chunks not evenly spaced have their segments side by side: `rows[k * w + j]` is
        // sample `k` of lane `j`'s.
        let mut rows = Vec::new();
        // The side-by-side sums, taken out of the vectors: xt, sx, sxu, sxx of each lane.
        let mut sums = vec![0.0; 4 * START_VECTORS * w];
        for ((&l, t), &(c1, c2)) in leads.iter().zip(tmpl).zip(c) {
            let phase_store: Vec<Vec<f64>> = if step > 1 && starts.len() >= w {
                (0..step)
                    .map(|p| l[p..].iter().step_by(step).copied().collect())
                    .collect()
            } else {
                Vec::new()
            };
            let phases: Vec<&[f64]> = phase_store.iter().map(Vec::as_slice).collect();
            let mut first = 0;
            while first < starts.len() {
                let rest = &starts[first..];
                // The widest block of START_VECTORS or one vector of lanes evenly spaced
                // (lanes past the last start read on at the same spacing; their sums are not
                // read), else one vector of lanes copied side by side.
                let spaced = [START_VECTORS, 1].into_iter().find_map(|vectors| {
                    let span = vectors * w;
                    let chunk = &rest[..span.min(rest.len())];
                    let s0 = chunk[0];
                    let spacing = chunk.get(1).map_or(1, |&s1| s1.saturating_sub(s0));
                    let even = (vectors == 1 || chunk.len() == span)
                        && chunk
                            .iter()
                            .enumerate()
                            .all(|(j, &s)| s == s0 + j * spacing)
                        && s0 + (span - 1) * spacing + len <= l.len();
                    if !even {
                        return None;
                    }
                    if spacing == 1 {
                        Some((vectors, chunk, std::slice::from_ref(&l), 1))
                    } else if spacing == step && !phases.is_empty() {
                        Some((vectors, chunk, phases.as_slice(), step))
                    } else {
                        None
                    }
                });
                let (span, chunk) = match spaced {
                    Some((vectors, chunk, phases, spacing)) => {
                        if vectors == START_VECTORS {
                            spaced_sums::<S, START_VECTORS>(
                                simd, phases, spacing, chunk[0], t, u, &mut sums,
                            );
                        } else {
                            spaced_sums::<S, 1>(simd, phases, spacing, chunk[0], t, u, &mut sums);
                        }
                        (vectors * w, chunk)
                    }
                    None => {
                        let chunk = &rest[..w.min(rest.len())];
                        rows.resize(len * w, 0.0);
                        for (j, &s) in chunk.iter().enumerate() {
                            for (k, &xv) in l[s..s + len].iter().enumerate() {
                                rows[k * w + j] = xv;
                            }
                        }
                        let zero = simd.splat_f64s(0.0);
                        let (mut xt, mut sx, mut sxu, mut sxx) = (zero, zero, zero, zero);
                        for ((&r, &tv), &v) in S::as_simd_f64s(&rows).0.iter().zip(t).zip(u) {
                            xt = simd.add_f64s(xt, simd.mul_f64s(r, simd.splat_f64s(tv)));
                            sx = simd.add_f64s(sx, r);
                            sxu = simd.add_f64s(sxu, simd.mul_f64s(r, simd.splat_f64s(v)));
                            sxx = simd.add_f64s(sxx, simd.mul_f64s(r, r));
                        }
                        let lanes = S::as_mut_simd_f64s(&mut sums[..4 * w]).0;
                        (lanes[0], lanes[1], lanes[2], lanes[3]) = (xt, sx, sxu, sxx);
                        (w, chunk)
                    }
                };
                for (j, &s) in chunk.iter().enumerate() {
                    let (xt, sx, sxu, sxx) = (
                        sums[j],
                        sums[span + j],
                        sums[2 * span + j],
                        sums[3 * span + j],
                    );
                    let (a, b) = (l[s], l[s + len - 1]);
                    xy[first + j] += xt - a * c1 - b * c2;
                    xx[first + j] += sxx - 2.0 * a * (sx - sxu) - 2.0 * b * sxu
                        + a * a * s00
                        + 2.0 * a * b * s01
                        + b * b * s11;
                }
                first += chunk.len();
            }
        }
        xy.into_iter().zip(xx).collect()
    }
}

/// Vectors of window starts [`TrainSums`] runs side by side where they are evenly spaced.
const START_VECTORS: usize = 2;

/// [`TrainSums`]' per-lead sums (`xt`, `sx`, `sxu`, `sxx`) of `V` vectors of evenly spaced
/// starts from `s0`, read from `phases` (`phases[p][i]` is sample `p + i step` of the lead;
/// with a step of 1 the one phase is the lead), written to `sums` as every lane's `xt`, then
/// every lane's `sx`, `sxu` and `sxx`.
#[inline(always)]
fn spaced_sums<S: pulp::Simd, const V: usize>(
    simd: S,
    phases: &[&[f64]],
    step: usize,
    s0: usize,
    t: &[f64],
    u: &[f64],
    sums: &mut [f64],
) {
    let w = S::F64_LANES;
    let zero = simd.splat_f64s(0.0);
    let (mut xt, mut sx, mut sxu, mut sxx) = ([zero; V], [zero; V], [zero; V], [zero; V]);
    // Sample s0 + k of the first lane is phases[p][i]; lane j of vector g reads j + g w on.
    let (mut p, mut i) = (s0 % step, s0 / step);
    for (&tv, &v) in t.iter().zip(u) {
        let (tv, v) = (simd.splat_f64s(tv), simd.splat_f64s(v));
        for g in 0..V {
            let at = i + g * w;
            let r = S::as_simd_f64s(&phases[p][at..at + w]).0[0];
            xt[g] = simd.add_f64s(xt[g], simd.mul_f64s(r, tv));
            sx[g] = simd.add_f64s(sx[g], r);
            sxu[g] = simd.add_f64s(sxu[g], simd.mul_f64s(r, v));
            sxx[g] = simd.add_f64s(sxx[g], simd.mul_f64s(r, r));
        }
        p += 1;
        if p == step {
            (p, i) = (0, i + 1);
        }
    }
    let out = S::as_mut_simd_f64s(&mut sums[..4 * V * w]).0;
    for g in 0..V {
        (out[g], out[V + g], out[2 * V + g], out[3 * V + g]) = (xt[g], sx[g], sxu[g], sxx[g]);
    }
}

/// Smallest multi-lead correlation with the P template for a P wave found anywhere in the
/// cardiac cycle by [`atrial_waves`].
pub(crate) const MIN_TRAIN_CORRELATION: f64 = 0.75;
/// Atrial and ventricular cycles count as regular when their intervals stay within this
/// fraction of the median.
pub(crate) const REGULAR_TOLERANCE: f64 = 0.12;

/// Every P-like deflection in the tracing, not only the one before each QRS: positions where
/// all leads together correlate with the P template (`templates`, one per lead, peak at
/// `peak_in_template`; both linearly detrended) at >= [`MIN_TRAIN_CORRELATION`] with a size
/// 0.4-2.5 times the template, outside the QRS complexes (50 ms before to 90 ms after each
/// fiducial), at least 250 ms apart (the best first). Returns peak samples in order.
pub(crate) fn atrial_waves(
    leads: &[&[f64]],
    templates: &[Vec<f64>],
    peak_in_template: usize,
    fids: &[usize],
    fs: f64,
) -> Vec<usize> {
    let len = templates.first().map_or(0, Vec::len);
    if leads.is_empty() || leads.len() != templates.len() || len < 4 || peak_in_template >= len {
        return Vec::new();
    }
    let Some((tmpl, tt)) = detrended_templates(templates) else {
        return Vec::new();
    };
    let n = leads.iter().map(|l| l.len()).min().unwrap_or(0);
    let mut blocked = vec![false; n];
    for &f in fids {
        let a = f.saturating_sub(ms(fs, 50.0)).min(n);
        let b = (f + ms(fs, 90.0)).min(n);
        blocked[a..b].iter_mut().for_each(|v| *v = true);
    }
    // Detrending the segment (x_k minus the line a (1 - u_k) + b u_k through its ends,
    // u_k = k / (len - 1)) is done algebraically: the template sums below and the segment's
    // own sums give the same dot products without copying it.
    let u: Vec<f64> = (0..len).map(|k| k as f64 / (len - 1) as f64).collect();
    let (mut s00, mut s01, mut s11) = (0.0, 0.0, 0.0);
    for &v in &u {
        s00 += (1.0 - v) * (1.0 - v);
        s01 += v * (1.0 - v);
        s11 += v * v;
    }
    let c: Vec<(f64, f64)> = tmpl
        .iter()
        .map(|t| {
            t.iter().zip(&u).fold((0.0, 0.0), |(c1, c2), (&tv, &v)| {
                (c1 + tv * (1.0 - v), c2 + tv * v)
            })
        })
        .collect();
    let is_blocked = |start: usize| {
        blocked[start] || blocked[start + len - 1] || blocked[start + peak_in_template]
    };
    // The scores (multi-lead correlation, size) at `starts`, `None` where blocked.
    let scores = |starts: &[usize]| -> Vec<Option<(f64, f64)>> {
        let sums = pulp::Arch::new().dispatch(TrainSums {
            leads,
            tmpl: &tmpl,
            c: &c,
            u: &u,
            s: (s00, s01, s11),
            starts,
        });
        starts
            .iter()
            .zip(sums)
            .map(|(&s, (xy, xx))| {
                (!is_blocked(s) && xx > 0.0).then(|| (xy / (xx * tt).sqrt(), xy / tt))
            })
            .collect()
    };
    // A coarse pass every 8 ms (the correlation peak of a P wave is tens of ms wide), then
    // every sample around the promising positions.
    let stride = ms(fs, 8.0).max(1);
    let last = n.saturating_sub(len);
    let mut cands: Vec<(usize, f64)> = Vec::new();
    let mut done = vec![false; last];
    // The coarse scores, then every promising position's not yet scored neighbours (in the
    // order the positions come), all scored in one go, then the candidates in that order.
    let coarse_starts: Vec<usize> = (0..last).step_by(stride).collect();
    let mut fine: Vec<usize> = Vec::new();
    for (coarse, coarse_score) in coarse_starts.iter().copied().zip(scores(&coarse_starts)) {
        if coarse_score.is_none_or(|(r, _)| r < MIN_TRAIN_CORRELATION - 0.1) {
            continue;
        }
        let from = coarse.saturating_sub(stride);
        let to = (coarse + stride + 1).min(last);
        fine.extend(
            (from..to)
                .zip(&mut done[from..to])
                .filter_map(|(start, seen)| (!std::mem::replace(seen, true)).then_some(start)),
        );
    }
    for (start, score) in fine.iter().copied().zip(scores(&fine)) {
        if let Some((r, size)) = score
            && r >= MIN_TRAIN_CORRELATION
            && (0.4..=2.5).contains(&size)
        {
            cands.push((start + peak_in_template, r));
        }
    }
    cands.sort_by(|a, b| b.1.total_cmp(&a.1));
    let gap = ms(fs, 250.0);
    let mut out: Vec<usize> = Vec::new();
    for (pk, _) in cands {
        if out.iter().all(|&q| q.abs_diff(pk) >= gap) {
            out.push(pk);
        }
    }
    out.sort_unstable();
    out
}

/// The samples [`free_p_candidates`] leaves out: each beat's QRS and T (global boundaries;
/// 60 ms before the fiducial and 450 ms after it where not found, at least 250 ms after it),
/// widened by 20 ms before and 40 ms after.
pub(crate) fn qrs_t_mask(global: &[BeatWaves], fids: &[usize], n: usize, fs: f64) -> Vec<bool> {
    let mut blanked = vec![false; n];
    for (g, &f) in global.iter().zip(fids) {
        let on = g
            .qrs
            .and_then(|q| q.on)
            .unwrap_or(f.saturating_sub(ms(fs, 60.0)));
        let off =
            g.t.and_then(|t| t.off)
                .unwrap_or(f + ms(fs, 450.0))
                .max(f + ms(fs, 250.0));
        let (a, b) = (on.saturating_sub(ms(fs, 20.0)), (off + ms(fs, 40.0)).min(n));
        blanked[a.min(b)..b].iter_mut().for_each(|v| *v = true);
    }
    blanked
}

/// P-wave candidates anywhere in the cycle, for the P template of [`atrial_waves`] when the
/// beats show too few P waves before them (in complete AV block most P waves fall far from
/// the QRS, where the per-beat delineation does not look). Outside the `blanked` samples
/// (QRS complexes and T waves), each lead's P-band signal (its 20-ms moving average less its
/// 200-ms one) is squared and divided by its median there; the sum over the leads peaks at
/// P waves. Its local maxima at least 250 ms apart and at least [`P_CANDIDATE_MIN_RATIO`]
/// times its median are returned, strongest first, at most `max` of them.
pub(crate) fn free_p_candidates(
    leads: &[&[f64]],
    blanked: &[bool],
    fs: f64,
    max: usize,
) -> Vec<usize> {
    let n = leads
        .iter()
        .map(|l| l.len())
        .min()
        .unwrap_or(0)
        .min(blanked.len());
    let open: Vec<usize> = (0..n).filter(|&i| !blanked[i]).collect();
    if open.len() < n / 10 || open.is_empty() {
        return Vec::new();
    }
    let (short, long) = (ms(fs, 20.0), ms(fs, 200.0));
    let mut energy = vec![0.0f64; n];
    for x in leads {
        let fast = moving_average(&x[..n], short);
        let slow = moving_average(&x[..n], long);
        let band: Vec<f64> = fast
            .iter()
            .zip(&slow)
            .map(|(a, b)| (a - b) * (a - b))
            .collect();
        let level = median(&open.iter().map(|&i| band[i]).collect::<Vec<_>>());
        if level > 0.0 && level.is_finite() {
            for (e, b) in energy.iter_mut().zip(&band) {
                *e += b / level;
            }
        }
    }
    let level = median(&open.iter().map(|&i| energy[i]).collect::<Vec<_>>());
    if level <= 0.0 || !level.is_finite() {
        return Vec::new();
    }
    let mut peaks: Vec<usize> = open
        .iter()
        .copied()
        .filter(|&i| i > 0 && i + 1 < n && !blanked[i - 1] && !blanked[i + 1])
        .filter(|&i| energy[i] > energy[i - 1] && energy[i] >= energy[i + 1])
        .filter(|&i| energy[i] >= P_CANDIDATE_MIN_RATIO * level)
        .collect();
    peaks.sort_by(|&a, &b| energy[b].total_cmp(&energy[a]));
    let gap = ms(fs, 250.0);
    let mut out: Vec<usize> = Vec::new();
    for pk in peaks {
        if out.len() >= max {
            break;
        }
        if out.iter().all(|&q| q.abs_diff(pk) >= gap) {
            out.push(pk);
        }
    }
    out
}

/// A free P candidate's multi-lead P-band energy is at least this many times its median
/// outside the QRS and T waves.
const P_CANDIDATE_MIN_RATIO: f64 = 4.0;

/// An AV block read from the P-wave train and the QRS complexes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AvBlock {
    /// Only every `ratio`-th P wave conducted, with a constant PR: 2:1 AV block, or advanced
    /// (high-grade) AV block at 3:1 or 4:1.
    FixedRatio {
        /// P waves per QRS (2, 3 or 4).
        ratio: usize,
        /// Atrial and ventricular rates (/min).
        atrial_bpm: f64,
        /// See `atrial_bpm`.
        ventricular_bpm: f64,
        /// Mean and SD of the conducted PR (P peak to QRS fiducial, ms).
        pr_ms: f64,
        /// See `pr_ms`.
        pr_sd_ms: f64,
        /// The beats ending an RR interval that holds `ratio` P waves, the blocked ones and
        /// the conducted one (indexes into the beats): the block's evidence.
        conducted: Vec<usize>,
    },
    /// Regular P waves and a regular, slower ventricular rhythm with no fixed relation.
    Complete(Dissociation),
}

/// P waves marching through a ventricular rhythm with no fixed relation to it: complete AV
/// block ([`av_block`], or under ventricular pacing [`dissociated_atria`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Dissociation {
    /// Atrial and ventricular rates (/min).
    pub atrial_bpm: f64,
    /// See `atrial_bpm`.
    pub ventricular_bpm: f64,
    /// SD and range of the interval from the last P wave to each QRS (ms).
    pub pr_sd_ms: f64,
    /// See `pr_sd_ms`.
    pub pr_range_ms: f64,
    /// The beats with a P wave within 1.2 atrial cycles before them, whose interval from it
    /// varies (indexes into the beats): the dissociation's evidence.
    pub beats: Vec<usize>,
}

/// The interval from the last P wave to each QRS ([`last_p_to_qrs_ms`]) varies by SD >= 60
/// ms and range >= 150 ms over at least five beats (a fixed PR, or an atrial-synchronous
/// pacemaker's AV delay, keeps it constant): the P waves are dissociated from the QRS.
fn dissociation(
    last_p: &[Option<f64>],
    atrial_bpm: f64,
    ventricular_bpm: f64,
) -> Option<Dissociation> {
    let (beats, pr): (Vec<usize>, Vec<f64>) = last_p
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((i, (*v)?)))
        .unzip();
    if pr.len() < 5 {
        return None;
    }
    let (_, pr_sd_ms) = mean_sd(&pr);
    let lo = pr.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = pr.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (pr_sd_ms >= 60.0 && hi - lo >= 150.0).then_some(Dissociation {
        atrial_bpm,
        ventricular_bpm,
        pr_sd_ms,
        pr_range_ms: hi - lo,
        beats,
    })
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let sd =
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0).max(1.0)).sqrt();
    (m, sd)
}

/// The atrial cycle (samples) of a regular P-wave train: every P-P interval within
/// [`REGULAR_TOLERANCE`] of a whole number of cycles (P waves hidden in a QRS or T leave
/// gaps), at least half of them one cycle, at least five single cycles, and P waves found for
/// at least 60 % of the cycles spanned.
pub(crate) fn atrial_cycle(p: &[usize]) -> Option<f64> {
    let pp: Vec<f64> = p.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    // The atrial cycle: median of the intervals shorter than 1.5 times the shortest ones'.
    let shortest = pp.iter().copied().fold(f64::INFINITY, f64::min);
    let single: Vec<f64> = pp.iter().copied().filter(|&d| d < 1.5 * shortest).collect();
    if single.len() < 5 {
        return None;
    }
    let cycle = median(&single);
    let mut ones = 0usize;
    let mut cycles = 0usize;
    for &d in &pp {
        let k = (d / cycle).round().max(1.0);
        if (d - k * cycle).abs() > REGULAR_TOLERANCE * cycle {
            return None;
        }
        cycles += k as usize;
        ones += usize::from(k == 1.0);
    }
    if (ones as f64) < 0.5 * pp.len() as f64 || (p.len() as f64 - 1.0) < 0.6 * cycles as f64 {
        return None;
    }
    Some(cycle)
}

/// Share of the candidates' stretch a [`regular_chain`] spans at least.
const MIN_CHAIN_SHARE: f64 = 0.5;
/// A [`regular_chain`] has at least this many P waves ...
const MIN_CHAIN_WAVES: usize = 8;
/// ... or, at an atrial cycle of at least [`SLOW_ATRIAL_CYCLE_MS`] (an atrial rate of 60/min
/// or less), this many: a 10-s ECG holds at most 10 P waves at 60/min and 8 at 50/min, and
/// under ventricular pacing at a similar rate those that fall in a paced QRS stay hidden.
const MIN_SLOW_CHAIN_WAVES: usize = 6;
/// See [`MIN_SLOW_CHAIN_WAVES`] (ms).
const SLOW_ATRIAL_CYCLE_MS: f64 = 1000.0;

/// The longest chain of P waves on one regular atrial cycle, for trains with stray
/// candidates (a T-wave notch, a pacing artefact): the cycle (300-1500 ms) that the most
/// candidates have a partner one cycle later for (within 6 %), then the longest chain of
/// candidates each one to three cycles after the previous one. Needs at least
/// [`MIN_CHAIN_WAVES`] P waves ([`MIN_SLOW_CHAIN_WAVES`] at an atrial rate of 60/min or less)
/// found for at least 60 % of the cycles the chain spans, the chain spanning at least
/// [`MIN_CHAIN_SHARE`] of the candidates' stretch. Only the first 200 candidates are used.
fn regular_chain(p: &[usize], fs: f64) -> Option<(Vec<usize>, f64)> {
    // Quadratic in the candidates: the first 200 (minutes of a long recording) suffice.
    let p = &p[..p.len().min(200)];
    let (lo, hi) = (ms(fs, 300.0), ms(fs, 1500.0));
    let step = ms(fs, 4.0).max(1);
    let fits = |d: f64, c: f64, k: f64| (d - k * c).abs() <= 0.06 * k * c;
    let mut best: Option<(usize, f64)> = None;
    for c in (lo..=hi).step_by(step) {
        let c = c as f64;
        let score = p
            .iter()
            .filter(|&&a| p.iter().any(|&b| b > a && fits((b - a) as f64, c, 1.0)))
            .count();
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    let (_, scanned) = best?;
    // The scan keeps the shortest cycle that catches the most intervals, up to 6 % under the
    // true one, and a chain over a P wave hidden in a QRS (two or three cycles) would then
    // miss the tolerance it allows: the cycle the chain is marched out with is the median
    // of the intervals the scanned one caught.
    let caught: Vec<f64> = p
        .iter()
        .enumerate()
        .flat_map(|(i, &a)| p[i + 1..].iter().map(move |&b| (b - a) as f64))
        .filter(|&d| fits(d, scanned, 1.0))
        .collect();
    let cycle = if caught.is_empty() {
        scanned
    } else {
        median(&caught)
    };
    // Longest chain by dynamic programming over the sorted candidates.
    let n = p.len();
    let mut len = vec![1usize; n];
    let mut prev = vec![None; n];
    for j in 0..n {
        for i in 0..j {
            let d = (p[j] - p[i]) as f64;
            if (1..=3).any(|k| fits(d, cycle, k as f64)) && len[i] + 1 > len[j] {
                len[j] = len[i] + 1;
                prev[j] = Some(i);
            }
        }
    }
    let end = (0..n).max_by_key(|&j| len[j])?;
    let mut chain = vec![p[end]];
    let mut at = end;
    while let Some(i) = prev[at] {
        chain.push(p[i]);
        at = i;
    }
    chain.reverse();
    let span = (chain[chain.len() - 1] - chain[0]) as f64;
    // The scan keeps the shortest cycle that catches the most intervals, up to 6 % under the
    // true one; the chain's own intervals, each over the whole number of cycles it spans,
    // measure it (the atrial rate printed).
    let spanned: f64 = chain
        .windows(2)
        .map(|w| ((w[1] - w[0]) as f64 / cycle).round().max(1.0))
        .sum();
    // A train through the rhythm, not a run of chance matches in a long search: the chain
    // spans at least half of the stretch its candidates come from (a longer search offers
    // more runs of 8 on some cycle by chance).
    let searched = (p[p.len() - 1] - p[0]) as f64;
    let measured = span / spanned;
    let min_waves = if measured >= SLOW_ATRIAL_CYCLE_MS * fs / 1000.0 {
        MIN_SLOW_CHAIN_WAVES
    } else {
        MIN_CHAIN_WAVES
    };
    (chain.len() >= min_waves
        && (chain.len() as f64 - 1.0) >= 0.6 * spanned
        && span >= MIN_CHAIN_SHARE * searched)
        .then_some((chain, measured))
}

/// For each QRS, the interval (ms) from the last P wave before it, within 1.2 atrial
/// cycles, to the QRS.
fn last_p_to_qrs_ms(p: &[usize], fids: &[usize], cycle: f64, fs: f64) -> Vec<Option<f64>> {
    fids.iter()
        .map(|&f| {
            p.iter()
                .rev()
                .find(|&&q| q < f && (f - q) as f64 <= 1.2 * cycle)
                .map(|&q| (f - q) as f64 * 1000.0 / fs)
        })
        .collect()
}

/// P waves that march through a paced (or otherwise wide, regular) ventricular rhythm with no
/// fixed relation to it: a regular atrial train ([`regular_chain`]: at least 8 P waves, 6 at
/// an atrial rate of 60/min or less) whose interval from the last P wave to each QRS varies
/// by SD >= 60 ms and range >= 150 ms (an atrial-synchronous pacemaker keeps it constant at
/// its AV delay): [`dissociation`].
pub(crate) fn dissociated_atria(p: &[usize], fids: &[usize], fs: f64) -> Option<Dissociation> {
    if fids.len() < 6 || p.len() < MIN_SLOW_CHAIN_WAVES {
        return None;
    }
    let (p, cycle) = regular_chain(p, fs)?;
    let rr: Vec<f64> = fids.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    let rr_med = median(&rr);
    let last_p = last_p_to_qrs_ms(&p, fids, cycle, fs);
    dissociation(&last_p, 60.0 * fs / cycle, 60.0 * fs / rr_med)
}

/// 2:1 or third-degree AV block from the atrial waves `p` (from [`atrial_waves`]) and the
/// QRS fiducials of a rhythm whose beats are all conducted-looking (not paced, no AF).
///
/// Both need at least six QRS complexes and eight P waves, every RR within
/// [`REGULAR_TOLERANCE`] of the median, and a regular atrial rhythm: every P-P interval
/// within that tolerance of a whole number of atrial cycles (P waves hidden in a QRS or T
/// leave gaps), at least half of them one cycle, and P waves found for at least 60 % of the
/// atrial cycles. Then
/// - 2:1 (and advanced 3:1 / 4:1): ventricular cycle k = 2, 3 or 4 atrial cycles (± k x 12 %),
///   k P waves in at least 80 % of the RR intervals and never more, the P before each QRS at
///   a constant PR (SD <= 20 ms, 80-400 ms) in at least 80 % of beats;
/// - third-degree: atrial rate at least 1.3 times the ventricular rate, ventricular rate
///   below 60/min, and the interval from the last P to the QRS varying widely (SD >= 60 ms and
///   range >= 150 ms) so that no fixed PR exists.
pub(crate) fn av_block(p: &[usize], fids: &[usize], fs: f64) -> Option<AvBlock> {
    if fids.len() < 6 || p.len() < 8 {
        return None;
    }
    let rr_med = regular_rr(fids)?;
    let cycle = atrial_cycle(p)?;
    let to_bpm = |samples: f64| 60.0 * fs / samples;
    let (atrial_bpm, ventricular_bpm) = (to_bpm(cycle), to_bpm(rr_med));
    let last_p = last_p_to_qrs_ms(p, fids, cycle, fs);
    let ratio = rr_med / cycle;
    let k = ratio.round();
    if (2.0..=4.0).contains(&k) && (ratio - k).abs() <= k * REGULAR_TOLERANCE {
        let k = k as usize;
        let counts: Vec<usize> = fids
            .windows(2)
            .map(|w| p.iter().filter(|&&q| q >= w[0] && q < w[1]).count())
            .collect();
        let full = counts.iter().filter(|&&c| c == k).count();
        let pr: Vec<f64> = last_p
            .iter()
            .flatten()
            .copied()
            .filter(|v| (80.0..=400.0).contains(v))
            .collect();
        if counts.iter().all(|&c| c <= k)
            && full as f64 >= 0.8 * counts.len() as f64
            && pr.len() as f64 >= 0.8 * fids.len() as f64
        {
            let (pr_ms, pr_sd_ms) = mean_sd(&pr);
            if pr_sd_ms <= 20.0 {
                let conducted = (1..fids.len()).filter(|&i| counts[i - 1] == k).collect();
                return Some(AvBlock::FixedRatio {
                    ratio: k,
                    atrial_bpm,
                    ventricular_bpm,
                    pr_ms,
                    pr_sd_ms,
                    conducted,
                });
            }
        }
        // Not k:1 conduction; dissociation at about 1/k of the atrial rate is checked below.
    }
    if ratio >= 1.3 && ventricular_bpm < 60.0 {
        return dissociation(&last_p, atrial_bpm, ventricular_bpm).map(AvBlock::Complete);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uniform values in [-0.5, 0.5) from a fixed seed.
    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect()
    }

    #[test]
    fn side_by_side_autocorrelation_is_the_one_lag_loop_bit_for_bit() {
        let n = 1500;
        let mask: Vec<f64> = (0..n)
            .map(|i| if i % 400 < 100 { 0.0 } else { 1.0 })
            .collect();
        let z: Vec<f64> = noise(n, 3).iter().zip(&mask).map(|(v, m)| v * m).collect();
        // 83 lags: whole blocks of lanes and a remainder.
        let (lo, hi) = (70, 152);
        let ac = pulp::Arch::new().dispatch(BlankedAutocorrelation {
            z: &z,
            mask: &mask,
            lo,
            hi,
        });
        assert_eq!(ac.len(), hi + 1 - lo);
        for (lag, r) in (lo..=hi).zip(ac) {
            let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
            for i in 0..n - lag {
                let (a, b) = (z[i], z[i + lag]);
                sxy += a * b;
                sxx += a * a * mask[i + lag];
                syy += b * b * mask[i];
            }
            let want = sxy / (sxx * syy).sqrt();
            assert_eq!(r.to_bits(), want.to_bits(), "lag {lag}");
        }
    }

    #[test]
    fn side_by_side_train_sums_are_one_start_at_a_time_bit_for_bit() {
        let (n, len) = (900, 31);
        let leads: Vec<Vec<f64>> = (0..3).map(|k| noise(n, 10 + k)).collect();
        let leads_ref: Vec<&[f64]> = leads.iter().map(Vec::as_slice).collect();
        let tmpl: Vec<Vec<f64>> = (0..3).map(|k| noise(len, 20 + k)).collect();
        let u: Vec<f64> = (0..len).map(|k| k as f64 / (len - 1) as f64).collect();
        let c: Vec<(f64, f64)> = (0..3).map(|k| (0.1 * k as f64 + 0.3, -0.7)).collect();
        let (s00, s01, s11) = (10.3, 5.1, 10.7);
        let last = n - len;
        // The coarse pass (every 4 samples), runs of neighbours with gaps (the fine pass), a
        // lone start and starts at no common spacing.
        let runs: Vec<usize> = (10..40).chain(45..48).chain(300..317).collect();
        let cases: [Vec<usize>; 4] = [
            (0..last).step_by(4).collect(),
            runs,
            vec![last - 1],
            vec![5, 9, 100, 101, 240, 7, last - 1, 0, 33, 34],
        ];
        for starts in cases {
            let sums = pulp::Arch::new().dispatch(TrainSums {
                leads: &leads_ref,
                tmpl: &tmpl,
                c: &c,
                u: &u,
                s: (s00, s01, s11),
                starts: &starts,
            });
            assert_eq!(sums.len(), starts.len());
            for (&start, (xy, xx)) in starts.iter().zip(sums) {
                let (mut wxy, mut wxx) = (0.0, 0.0);
                for ((l, t), &(c1, c2)) in leads_ref.iter().zip(&tmpl).zip(&c) {
                    let x = &l[start..start + len];
                    let (a, b) = (x[0], x[len - 1]);
                    let (mut xt, mut sx, mut sxu, mut sxx) = (0.0, 0.0, 0.0, 0.0);
                    for ((&xv, &tv), &v) in x.iter().zip(t).zip(&u) {
                        xt += xv * tv;
                        sx += xv;
                        sxu += xv * v;
                        sxx += xv * xv;
                    }
                    wxy += xt - a * c1 - b * c2;
                    wxx += sxx - 2.0 * a * (sx - sxu) - 2.0 * b * sxu
                        + a * a * s00
                        + 2.0 * a * b * s01
                        + b * b * s11;
                }
                assert_eq!(xy.to_bits(), wxy.to_bits(), "start {start}");
                assert_eq!(xx.to_bits(), wxx.to_bits(), "start {start}");
            }
        }
    }

    /// Sawtooth flutter waves at `cycle_ms` plus narrow QRS complexes every `rr_ms`.
    fn tracing(cycle_ms: Option<f64>, rr_ms: f64, seed: u64) -> (Vec<f64>, Vec<usize>) {
        tracing_rr(cycle_ms, &[rr_ms], seed)
    }

    /// [`tracing`] with the RR intervals `rr_ms` in turn.
    fn tracing_rr(cycle_ms: Option<f64>, rr_ms: &[f64], seed: u64) -> (Vec<f64>, Vec<usize>) {
        let fs = 500.0;
        let n = 5000;
        let mut s = seed;
        let mut noise = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.04
        };
        let mut x = vec![0.0; n];
        for (i, v) in x.iter_mut().enumerate() {
            let t = i as f64 / fs * 1000.0;
            if let Some(c) = cycle_ms {
                *v += 0.15 * ((t % c) / c - 0.5);
            }
            *v += noise();
        }
        let mut fids = Vec::new();
        let mut t = 300.0;
        let mut rr = rr_ms.iter().cycle();
        while t < 9800.0 {
            let f = (t / 1000.0 * fs) as usize;
            fids.push(f);
            let a = f.saturating_sub(10);
            for (k, v) in x.iter_mut().enumerate().take((f + 10).min(n)).skip(a) {
                *v += 1.0 - (k as f64 - f as f64).abs() / 10.0;
            }
            t += rr.next().copied().unwrap_or(1000.0);
        }
        (x, fids)
    }

    #[test]
    fn flutter_waves_are_found_and_their_absence_too() {
        let labels = [LeadLabel::II, LeadLabel::III, LeadLabel::AVF];
        let (x, fids) = tracing(Some(210.0), 420.0, 1);
        let leads = vec![x.clone(), x.clone(), x];
        let f = flutter_cycle(&labels, &leads, &fids, 500.0).unwrap();
        assert!((f.cycle_ms - 210.0).abs() <= 6.0, "{f:?}");
        assert!(f.correlation > 0.3);
        let leads: Vec<Vec<f64>> = (1..4).map(|s| tracing(None, 800.0, s).0).collect();
        let fids = tracing(None, 800.0, 1).1;
        assert_eq!(flutter_cycle(&labels, &leads, &fids, 500.0), None);
        // Two leads are not enough.
        assert_eq!(flutter_cycle(&labels[..2], &leads[..2], &fids, 500.0), None);
    }

    #[test]
    fn variable_conduction_is_found_behind_the_p_waves_and_a_regular_rr_is_left_alone() {
        let labels = [LeadLabel::II, LeadLabel::III, LeadLabel::AVF];
        let fs = 500.0;
        // Flutter at 200 ms conducted 3:1 and 4:1 in turn: every QRS 100 ms after a flutter
        // wave's drop, the sawtooth's top (taken for a P) 104 ms before it.
        let (x, fids) = tracing_rr(Some(200.0), &[600.0, 800.0], 1);
        let leads = vec![x.clone(), x.clone(), x];
        let p_peaks: Vec<Option<usize>> = fids.iter().map(|&f| f.checked_sub(52)).collect();
        let search = || flutter_cycle(&labels, &leads, &fids, fs);
        let f = variable_ratio_flutter(&labels, &leads, &fids, &p_peaks, fs, search)
            .expect("flutter at a variable ratio");
        assert!((f.cycle_ms - 200.0).abs() <= 6.0, "{f:?}");
        let v = f.variable.expect("variable conduction");
        assert_eq!(v.rr_ms, (600.0, 800.0));
        assert!(v.recurrence.correlation >= MIN_RECURRENCE, "{v:?}");
        assert_eq!(v.recurrence.leads, 3);
        assert_eq!(f.locked, None);
        // Fewer "P" waves than half the beats: not looked at.
        let few: Vec<Option<usize>> = p_peaks
            .iter()
            .enumerate()
            .map(|(i, p)| p.filter(|_| i % 3 == 0))
            .collect();
        assert_eq!(
            variable_ratio_flutter(&labels, &leads, &fids, &few, fs, search),
            None
        );
        // A regular RR is the fixed-ratio check's (4:1 here).
        let (x, fids) = tracing(Some(200.0), 800.0, 2);
        let leads = vec![x.clone(), x.clone(), x];
        let p_peaks: Vec<Option<usize>> = fids.iter().map(|&f| f.checked_sub(52)).collect();
        let search = || flutter_cycle(&labels, &leads, &fids, fs);
        assert_eq!(
            variable_ratio_flutter(&labels, &leads, &fids, &p_peaks, fs, search),
            None
        );
        // No flutter waves: nothing, whatever passes for a P.
        let (x, fids) = tracing_rr(None, &[600.0, 800.0], 3);
        let leads = vec![x.clone(), x.clone(), x];
        let p_peaks: Vec<Option<usize>> = fids.iter().map(|&f| f.checked_sub(52)).collect();
        let search = || flutter_cycle(&labels, &leads, &fids, fs);
        assert_eq!(
            variable_ratio_flutter(&labels, &leads, &fids, &p_peaks, fs, search),
            None
        );
    }

    fn bump(x: &mut [f64], centre: usize, width: f64, amp: f64) {
        for (k, v) in x.iter_mut().enumerate() {
            let d = (k as f64 - centre as f64) / width;
            *v += amp * (-d * d / 2.0).exp();
        }
    }

    #[test]
    fn a_blocked_p_in_a_pause_is_found_and_a_plain_pause_is_not() {
        let fs = 500.0;
        let n = 5000;
        // P every 400 samples (800 ms), QRS 80 samples later, the 6th P not conducted.
        let p_times: Vec<usize> = (0..12).map(|k| 100 + 400 * k).collect();
        let mut x = vec![0.0; n];
        let mut fids = Vec::new();
        let mut p_peaks = Vec::new();
        for (k, &p) in p_times.iter().enumerate() {
            bump(&mut x, p, 10.0, 0.15);
            if k != 5 {
                bump(&mut x, p + 80, 5.0, 1.0);
                bump(&mut x, p + 230, 25.0, 0.3);
                fids.push(p + 80);
                p_peaks.push(Some(p));
            }
        }
        let tmpl: Vec<f64> = (0..60)
            .map(|k| 0.15 * (-((k as f64 - 30.0) / 10.0).powi(2) / 2.0).exp())
            .collect();
        let leads = [x.as_slice()];
        let got = non_conducted_p(&leads, std::slice::from_ref(&tmpl), 30, &fids, &p_peaks, fs);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].peak.abs_diff(p_times[5]) <= 2);
        assert_eq!(got[0].beat_after, 5);
        // The same pause without the blocked P (sinus pause): nothing.
        let mut y = vec![0.0; n];
        for (k, &p) in p_times.iter().enumerate() {
            if k != 5 {
                bump(&mut y, p, 10.0, 0.15);
                bump(&mut y, p + 80, 5.0, 1.0);
                bump(&mut y, p + 230, 25.0, 0.3);
            }
        }
        let leads = [y.as_slice()];
        assert!(non_conducted_p(&leads, &[tmpl], 30, &fids, &p_peaks, fs).is_empty());
    }
}
