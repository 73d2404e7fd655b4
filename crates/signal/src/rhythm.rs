//! Atrial flutter: regular atrial activity at 240-350 per minute in the leads that show it.
//!
//! Flutter waves run on through the whole cardiac cycle (no isoelectric baseline), so with
//! the QRS complexes blanked out (80 ms before to 120 ms after each fiducial) the
//! autocorrelation of II, III, aVF and V1 has a peak at the flutter cycle length. Atrial
//! fibrillation (disorganised f waves), sinus rhythm (P and T waves at unrelated lags) and
//! noise give no such peak, or peaks at different lags in different leads. [`flutter_cycle`]
//! asks for an interior autocorrelation maximum between 170 and 250 ms (the flutter range),
//! at least [`MIN_R`] high and [`MIN_RISE`] above the autocorrelation at shorter lags, at the
//! same lag (± [`LAG_AGREEMENT_MS`]) in at least three of those leads.
//!
//! These constants rest on one flutter record (LUDB 35) against seven others (sinus,
//! fibrillation, pacing, bundle-branch blocks); the rule is a suggestion for the reader.
//!
//! Second-degree AV block ([`non_conducted_p`]): in a pause (RR > 1.5 times the median RR)
//! between two beats that both have their P wave, a P wave that is not followed by a QRS
//! shows up one P-P interval (± 25 %) after the previous P. It is found by correlating all
//! leads at once with the median beat's P wave (both linearly detrended, so a P riding on
//! the T slope still matches): correlation >= [`MIN_P_CORRELATION`] and a size 0.4-2.5 times
//! the median P. Whether the PR lengthened before the pause (Mobitz I, Wenckebach) or not
//! (Mobitz II) is left to the statement. Validated on synthetic tracings only (none of the
//! LUDB test records has a second-degree block); a 2:1 block has no pause and is not found.

use ecg::LeadLabel;

use crate::delineate::ms;
use crate::detect::median;

/// Smallest autocorrelation at the flutter cycle.
pub(crate) const MIN_R: f64 = 0.12;
/// The peak must rise this much above the lowest autocorrelation at shorter lags.
pub(crate) const MIN_RISE: f64 = 0.05;
/// Leads must agree on the cycle length within this (ms).
pub(crate) const LAG_AGREEMENT_MS: f64 = 12.0;
/// At most this much signal (s) is used.
const MAX_SECONDS: f64 = 30.0;

/// Flutter waves found by [`flutter_cycle`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Flutter {
    /// Flutter cycle length (ms).
    pub cycle_ms: f64,
    /// Mean autocorrelation at that lag over the leads that agree.
    pub correlation: f64,
}

/// The flutter cycle, when II, III, aVF and V1 (at least three of them) show one. `leads`
/// are the 0.5-40 Hz analysis copies.
pub(crate) fn flutter_cycle(
    labels: &[LeadLabel],
    leads: &[Vec<f64>],
    fids: &[usize],
    fs: f64,
) -> Option<Flutter> {
    let wanted = [LeadLabel::II, LeadLabel::III, LeadLabel::AVF, LeadLabel::V1];
    let chosen: Vec<&[f64]> = wanted
        .iter()
        .filter_map(|w| labels.iter().position(|l| l == w))
        .map(|k| leads[k].as_slice())
        .collect();
    if chosen.len() < 3 {
        return None;
    }
    let n = chosen[0].len().min((MAX_SECONDS * fs) as usize);
    let mut keep = vec![true; n];
    let (pre, post) = (ms(fs, 80.0), ms(fs, 120.0));
    for &f in fids {
        let a = f.saturating_sub(pre).min(n);
        let b = (f + post).min(n);
        keep[a..b].iter_mut().for_each(|k| *k = false);
    }
    let (lo, hi) = (ms(fs, 140.0), ms(fs, 300.0));
    let (fl_lo, fl_hi) = (ms(fs, 170.0), ms(fs, 250.0));
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
        let ac: Vec<f64> = (lo..=hi)
            .map(|lag| {
                let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
                for i in 0..n - lag {
                    if keep[i] && keep[i + lag] {
                        let (a, b) = (x[i] - mean, x[i + lag] - mean);
                        sxy += a * b;
                        sxx += a * a;
                        syy += b * b;
                    }
                }
                if sxx > 0.0 && syy > 0.0 {
                    sxy / (sxx * syy).sqrt()
                } else {
                    0.0
                }
            })
            .collect();
        // Interior maxima inside the flutter range, best first.
        let best = (fl_lo - lo..=fl_hi - lo)
            .filter(|&k| k > 0 && k + 1 < ac.len() && ac[k] > ac[k - 1] && ac[k] >= ac[k + 1])
            .filter(|&k| {
                let floor = ac[..k].iter().copied().fold(f64::INFINITY, f64::min);
                ac[k] >= MIN_R && ac[k] - floor >= MIN_RISE
            })
            .max_by(|&a, &b| ac[a].total_cmp(&ac[b]));
        if let Some(k) = best {
            found.push(((k + lo) as f64 * 1000.0 / fs, ac[k]));
        }
    }
    if found.len() < 3 {
        return None;
    }
    let lag = median(&found.iter().map(|f| f.0).collect::<Vec<_>>());
    let agree: Vec<(f64, f64)> = found
        .into_iter()
        .filter(|f| (f.0 - lag).abs() <= LAG_AGREEMENT_MS)
        .collect();
    if agree.len() < 3 {
        return None;
    }
    let r = agree.iter().map(|f| f.1).sum::<f64>() / agree.len() as f64;
    let cycle = agree.iter().map(|f| f.0).sum::<f64>() / agree.len() as f64;
    Some(Flutter {
        cycle_ms: cycle,
        correlation: r,
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
}

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
    let len = templates.first().map_or(0, Vec::len);
    if leads.is_empty() || leads.len() != templates.len() || len < 4 || fids.len() < 3 {
        return Vec::new();
    }
    let mut tmpl: Vec<Vec<f64>> = templates.to_vec();
    tmpl.iter_mut().for_each(|t| detrend(t));
    let tt: f64 = tmpl.iter().flatten().map(|v| v * v).sum();
    if tt <= 0.0 {
        return Vec::new();
    }
    let rr: Vec<f64> = fids.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    let rr_med = median(&rr);
    let n = leads.iter().map(|l| l.len()).min().unwrap_or(0);
    let mut out = Vec::new();
    let mut seg = vec![0.0; len];
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
        let mut best: Option<(usize, f64, f64)> = None;
        for pk in lo..=hi {
            let Some(start) = pk.checked_sub(peak_in_template) else {
                continue;
            };
            if start + len > n {
                break;
            }
            let (mut xy, mut xx) = (0.0, 0.0);
            for (l, t) in leads.iter().zip(&tmpl) {
                seg.copy_from_slice(&l[start..start + len]);
                detrend(&mut seg);
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
        if let Some((peak, r, size)) = best
            && r >= MIN_P_CORRELATION
            && (0.4..=2.5).contains(&size)
        {
            let to_ms = |v: usize| v as f64 * 1000.0 / fs;
            out.push(NonConducted {
                peak,
                beat_after: i,
                r,
                pr_before_ms: to_ms(fids[i - 1].saturating_sub(p0)),
                pr_after_ms: to_ms(fids[i].saturating_sub(p1)),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sawtooth flutter waves at `cycle_ms` plus narrow QRS complexes every `rr_ms`.
    fn tracing(cycle_ms: Option<f64>, rr_ms: f64, seed: u64) -> (Vec<f64>, Vec<usize>) {
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
        while t < 9800.0 {
            let f = (t / 1000.0 * fs) as usize;
            fids.push(f);
            let a = f.saturating_sub(10);
            for (k, v) in x.iter_mut().enumerate().take((f + 10).min(n)).skip(a) {
                *v += 1.0 - (k as f64 - f as f64).abs() / 10.0;
            }
            t += rr_ms;
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
