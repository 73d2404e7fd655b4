//! What the waves found before the beats are: P waves organised at a steady PR or regular
//! P-P intervals ([`p_regularity`]), waves tied to the QRS before them rather than the one
//! after (U waves, retrograde P waves: [`qrs_tie`]), waves on or clear of the T wave before
//! them, and why an irregular rhythm's waves were not taken for conducted P waves
//! ([`AfPWaves`], [`NotCountedP`]).

use crate::delineate::BeatWaves;
use crate::detect::{median, robust_sd};

use super::LOW_P_MAX_PR_SD_MS;

/// [`qrs_tie`] decides only where the RR intervals of the beats it compares vary by at least
/// this SD (ms): in a rhythm more regular than that the two ties cannot be told apart
/// (the waves' own jitter decides).
const QRS_TIE_MIN_RR_SD_MS: f64 = 15.0;
/// [`qrs_tie`] compares the beats two by two whose RR intervals differ by at least this (ms)
/// ...
const QRS_TIE_MIN_RR_STEP_MS: f64 = 10.0;
/// ... over the first this many beats with a wave before them.
const QRS_TIE_MAX_BEATS: usize = 120;
/// [`qrs_tie`]: the waves are tied to the QRS after them at a slope within `1 -` this of 1,
/// and to the one before them within `1 -` this of 0 ...
const QRS_TIE_MIN_SLOPE: f64 = 0.7;
/// ... and at a distance to that QRS that varies by a robust SD up to this (ms; the low-P
/// look's PR bound, [`LOW_P_MAX_PR_SD_MS`]).
const QRS_TIE_MAX_SD_MS: f64 = LOW_P_MAX_PR_SD_MS;

/// Which QRS the waves found before the beats (`global`'s P peaks) keep their distance to,
/// as the (Theil-Sen) slope of their distance from the QRS before them against the RR
/// interval, over the beats whose wave lies between the two QRS (at least 4): about 1 for a
/// P wave conducted at a steady PR, which is tied to the QRS it starts whatever the rate,
/// and about 0 for a U wave (or a retrograde P wave), which follows the beat before it.
/// [`QrsTie::Next`] at a slope of 0.7-1.3 ([`QRS_TIE_MIN_SLOPE`]), [`QrsTie::Previous`] at
/// -0.3-0.3, each with a steady distance to that QRS ([`QRS_TIE_MAX_SD_MS`]); None when the
/// RR varies too little to tell ([`QRS_TIE_MIN_RR_SD_MS`]) or the waves scatter.
pub(super) fn qrs_tie(global: &[BeatWaves], fids: &[usize], fs: f64) -> Option<QrsTie> {
    let mut pairs: Vec<(f64, f64)> = Vec::new();
    for (i, w) in fids.windows(2).enumerate() {
        if let Some(pk) = global[i + 1].p.and_then(|p| p.peak)
            && w[0] < pk
            && pk < w[1]
            && pairs.len() < QRS_TIE_MAX_BEATS
        {
            let to_ms = |n: usize| n as f64 * 1000.0 / fs;
            pairs.push((to_ms(w[1] - w[0]), to_ms(pk - w[0])));
        }
    }
    if pairs.len() < 4 {
        return None;
    }
    let n = pairs.len() as f64;
    let mean_rr = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let rr_sd = (pairs.iter().map(|p| (p.0 - mean_rr).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    if rr_sd < QRS_TIE_MIN_RR_SD_MS {
        return None;
    }
    // Theil-Sen: the median of the slopes between every two beats whose RR differ by at
    // least [`QRS_TIE_MIN_RR_STEP_MS`] (one odd beat, the last one cut by the recording's
    // end, cannot tilt it).
    let mut slopes = Vec::new();
    for (k, a) in pairs.iter().enumerate() {
        for b in &pairs[k + 1..] {
            if (b.0 - a.0).abs() >= QRS_TIE_MIN_RR_STEP_MS {
                slopes.push((b.1 - a.1) / (b.0 - a.0));
            }
        }
    }
    if slopes.len() < 3 {
        return None;
    }
    let slope = median(&slopes);
    // The distance to the QRS the waves are tied to must also be steady.
    let steady = |d: &dyn Fn(&(f64, f64)) -> f64| {
        let v: Vec<f64> = pairs.iter().map(d).collect();
        robust_sd(&v) <= QRS_TIE_MAX_SD_MS
    };
    if (QRS_TIE_MIN_SLOPE..=2.0 - QRS_TIE_MIN_SLOPE).contains(&slope) && steady(&|p| p.0 - p.1) {
        Some(QrsTie::Next)
    } else if slope.abs() <= 1.0 - QRS_TIE_MIN_SLOPE && steady(&|p| p.1) {
        Some(QrsTie::Previous)
    } else {
        None
    }
}

/// The least distance (ms) from the T wave's end (the latest lead's) to the onset of the wave
/// after it for that wave to be no U wave ([`WavesAfterT::clear_of_the_t_wave`]). A U wave
/// rises from the end of the T wave (the TU junction), which is where the delineator ends the
/// T wave before it; a P wave of a long PR interval at a slow rate follows an isoelectric TP
/// segment.
pub(super) const U_WAVE_MAX_T_GAP_MS: f64 = 100.0;
/// The longest P wave (ms, from the earliest lead's onset to the latest lead's end) of a long
/// PR interval taken at a rate too regular for [`qrs_tie`]
/// ([`WavesAfterT::clear_of_the_t_wave`]). A U wave lasts 160-240 ms; an abnormal P wave
/// 110-140.
const LONG_PR_P_MAX_MS: f64 = 140.0;

/// Where the waves found before the beats (`global`'s P waves) lie against the T wave before
/// them: medians over the beats.
#[derive(Debug, Clone, Copy)]
pub(super) struct WavesAfterT {
    /// From the end of the previous beat's T wave to the wave's onset (ms).
    pub(super) gap_ms: f64,
    /// The wave's duration (ms).
    width_ms: f64,
}

impl WavesAfterT {
    /// Measured on at least half the beats with a wave (each gap needs a T wave before it).
    pub(super) fn of(global: &[BeatWaves], fs: f64) -> Option<Self> {
        let ms = |n: f64| n * 1000.0 / fs;
        let gaps: Vec<f64> = global
            .windows(2)
            .filter_map(|w| Some(ms(w[1].p?.on? as f64 - w[0].t?.off? as f64)))
            .collect();
        let with_p = global.iter().filter(|g| g.p.is_some()).count();
        let width_ms = median_p_width_ms(global, fs)?;
        (gaps.len() * 2 >= with_p).then(|| Self {
            gap_ms: median(&gaps),
            width_ms,
        })
    }

    /// Clear of the T wave, as a U wave never is, at a P wave's width: P waves, where the
    /// rhythm is too regular for [`qrs_tie`] to tell them from U waves (a retrograde P wave,
    /// the other wave tied to the QRS before it, follows that QRS within the T wave).
    pub(super) fn clear_of_the_t_wave(self) -> bool {
        self.gap_ms >= U_WAVE_MAX_T_GAP_MS && self.width_ms <= LONG_PR_P_MAX_MS
    }
}

/// Wider than any P wave (ms, the median over the beats from the earliest lead's onset to the
/// latest lead's end): waves this wide found before the beats are no P waves. The dev split's
/// sinus P waves measure up to 186 ms so (LUDB 38), its flutter waves up to 218 (LUDB 52).
pub(super) const P_MAX_WIDTH_MS: f64 = 240.0;

/// The median width (ms, from the earliest lead's onset to the latest lead's end) of the P
/// waves found before the beats, when measured on at least half of them.
pub(super) fn median_p_width_ms(global: &[BeatWaves], fs: f64) -> Option<f64> {
    let widths: Vec<f64> = global
        .iter()
        .filter_map(|g| Some(g.p?.off?.checked_sub(g.p?.on?)? as f64 * 1000.0 / fs))
        .collect();
    let with_p = global.iter().filter(|g| g.p.is_some()).count();
    (with_p > 0 && widths.len() * 2 >= with_p).then(|| median(&widths))
}

/// The median distance (ms) from the onsets of the waves found before the beats (`global`'s
/// P onsets) to the QRS fiducial after them.
pub(super) fn p_to_next_qrs_ms(global: &[BeatWaves], fids: &[usize], fs: f64) -> Option<f64> {
    let d: Vec<f64> = global
        .iter()
        .zip(fids)
        .filter_map(|(g, &f)| Some(f.checked_sub(g.p?.on?)? as f64 * 1000.0 / fs))
        .collect();
    (!d.is_empty()).then(|| median(&d))
}

/// The QRS a wave before the beats keeps its distance to ([`qrs_tie`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QrsTie {
    /// The QRS after it (a conducted P wave).
    Next,
    /// The QRS before it (a U wave, a retrograde P wave).
    Previous,
}

/// How organised the P waves found are: SD of the P-peak-to-fiducial interval (ms) over the
/// beats with a P, and RMSSD / mean of the intervals between P peaks of consecutive beats
/// that both have one. Sinus P waves have a stable PR (conducted) or regular P-P intervals
/// (AV dissociation); deflections picked from fibrillatory baseline have neither.
pub(super) fn p_regularity(global: &[BeatWaves], fids: &[usize], fs: f64) -> PRegularity {
    let pk: Vec<Option<usize>> = global.iter().map(|g| g.p.and_then(|p| p.peak)).collect();
    let pr: Vec<f64> = pk
        .iter()
        .zip(fids)
        .filter_map(|(p, &f)| Some(f.checked_sub((*p)?)? as f64 * 1000.0 / fs))
        .collect();
    let pr_sd = (pr.len() >= 3).then(|| {
        let m = pr.iter().sum::<f64>() / pr.len() as f64;
        (pr.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (pr.len() - 1) as f64).sqrt()
    });
    // The SD without the one interval farthest from their median: one P wave whose peak
    // noise moved (a low, flat P: LUDB 31 under 10 uV of noise, one peak of eleven 72 ms
    // from the others, SD 22 ms, 6 ms without it) does not make the others' PR irregular,
    // while P waves found over fibrillatory waves scatter beyond the bound with any one
    // left out.
    let pr_sd_but_one = (pr.len() >= 4).then(|| {
        let m = median(&pr);
        let far = (0..pr.len())
            .max_by(|&i, &j| (pr[i] - m).abs().total_cmp(&(pr[j] - m).abs()))
            .unwrap_or(0);
        let rest: Vec<f64> = (0..pr.len()).filter(|&i| i != far).map(|i| pr[i]).collect();
        let mean = rest.iter().sum::<f64>() / rest.len() as f64;
        (rest.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (rest.len() - 1) as f64).sqrt()
    });
    // Robust SD (1.4826 x the median absolute deviation): a premature atrial beat's P wave
    // with its own PR does not make the others' look disorganised.
    let pr_robust_sd = (pr.len() >= 3).then(|| robust_sd(&pr));
    let pp: Vec<Option<f64>> = pk
        .windows(2)
        .map(|w| Some(w[1]?.checked_sub(w[0]?)? as f64))
        .collect();
    // RMSSD / mean of the P-P intervals next to each other, each taken through `each`.
    let rmssd_over_mean = |each: &dyn Fn(f64) -> f64| {
        let (mut d, mut all) = (Vec::new(), Vec::new());
        for w in pp.windows(2) {
            if let (Some(a), Some(b)) = (w[0], w[1]) {
                let (a, b) = (each(a), each(b));
                d.push((b - a).powi(2));
                all.push(a);
            }
        }
        (d.len() >= 2).then(|| {
            let m = all.iter().sum::<f64>() / all.len() as f64;
            (d.iter().sum::<f64>() / d.len() as f64).sqrt() / m
        })
    };
    let pp_irr = rmssd_over_mean(&|v| v);
    // The same with each P-P interval taken per atrial cycle: divided by the whole number of
    // median P-P intervals it spans (a P wave not conducted, so not found before a beat,
    // leaves an interval of two cycles between the P waves that are).
    let cycles: Vec<f64> = pp.iter().flatten().copied().collect();
    let base = (cycles.len() >= 3).then(|| median(&cycles));
    let pp_irr_per_cycle =
        base.and_then(|base| rmssd_over_mean(&|v| v / (v / base).round().max(1.0)));
    let no_p_p_spans_two_cycles =
        base.is_some_and(|base| cycles.iter().all(|v| (v / base).round() <= 1.0));
    PRegularity {
        pr_sd,
        pr_sd_but_one,
        pr_robust_sd,
        pp_irr,
        pp_irr_per_cycle,
        no_p_p_spans_two_cycles,
    }
}

/// The P-wave half of atrial fibrillation's RR criterion: why the P waves found before an
/// irregularly irregular rhythm's beats are not conducted P waves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum AfPWaves {
    /// Before fewer than half of the beats (and the RR repeats no short cycle).
    Few,
    /// Before fewer than [`super::AF_MAX_P_FRACTION_UNSTABLE`] of them at a PR whose SD (ms)
    /// exceeds [`super::AF_MIN_PR_SD_MS`].
    FewAtAnUnstablePr { pr_sd_ms: f64 },
    /// At a PR whose robust SD (ms) exceeds [`super::AF_MIN_PR_SD_MS`], the P-P intervals
    /// as irregular as the RR (RMSSD / mean, when measured).
    WanderingPrIrregularPp {
        pr_robust_sd_ms: f64,
        pp_irregularity: Option<f64>,
    },
    /// At such a PR, the P-P intervals regular (RMSSD / mean) with none spanning two cycles:
    /// no P wave blocked, so a regular atrium would have made a regular RR.
    WanderingPrRegularPp {
        pr_robust_sd_ms: f64,
        pp_irregularity: f64,
    },
}

/// Waves found before the beats of an irregular rhythm that were not organised P waves
/// (neither at a steady PR nor at regular P-P intervals, or before fewer than half the
/// beats): withdrawn, and counted for no beat of the rhythm statement, which names them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NotCountedP {
    /// Share of all beats they preceded.
    pub fraction: f64,
    /// Robust SD of their PR (ms).
    pub pr_robust_sd_ms: Option<f64>,
    /// RMSSD / mean of their P-P intervals.
    pub pp_irregularity: Option<f64>,
}

/// How organised the P waves found before the beats are ([`p_regularity`]).
pub(super) struct PRegularity {
    /// SD of the P-peak-to-fiducial interval (ms).
    pub(super) pr_sd: Option<f64>,
    /// The same without the interval farthest from their median (ms; four intervals or more).
    pub(super) pr_sd_but_one: Option<f64>,
    /// The same as 1.4826 x its median absolute deviation (ms).
    pub(super) pr_robust_sd: Option<f64>,
    /// RMSSD / mean of the P-P intervals of consecutive beats that both have a P.
    pub(super) pp_irr: Option<f64>,
    /// The same with each interval divided by the whole number of median P-P intervals it
    /// spans (non-conducted P waves between the beats' own).
    pub(super) pp_irr_per_cycle: Option<f64>,
    /// Whether every P-P interval of consecutive beats is one atrial cycle (rounds to one
    /// median interval): no P wave blocked between the beats' own.
    pub(super) no_p_p_spans_two_cycles: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{AF_MIN_PR_SD_MS, LOW_P_MAX_PR_SD_BUT_ONE_MS};
    use crate::delineate::Points;

    #[test]
    fn one_p_wave_moved_by_noise_does_not_make_the_pr_irregular() {
        let fs = 500.0;
        let fids: Vec<usize> = (0..11).map(|k| 200 + 460 * k).collect();
        let global_at = |before: &[usize]| -> Vec<BeatWaves> {
            fids.iter()
                .zip(before)
                .map(|(&f, &d)| BeatWaves {
                    p: Some(Points {
                        on: None,
                        peak: Some(f - d),
                        off: None,
                    }),
                    qrs: None,
                    t: None,
                })
                .collect()
        };
        // LUDB 31 under 10 uV of white noise: the P peaks before the fiducials (samples),
        // one of them (114) on a noise bump 36 samples from the others.
        let ludb31 = [76, 74, 82, 76, 82, 79, 80, 75, 80, 114, 76];
        let r = p_regularity(&global_at(&ludb31), &fids, fs);
        assert!(
            r.pr_sd
                .is_some_and(|v| v > LOW_P_MAX_PR_SD_MS && v <= AF_MIN_PR_SD_MS),
            "{:?}",
            r.pr_sd
        );
        assert!(
            r.pr_sd_but_one
                .is_some_and(|v| v <= LOW_P_MAX_PR_SD_BUT_ONE_MS),
            "{:?}",
            r.pr_sd_but_one
        );
        // Deflections at no fixed interval (fibrillatory waves taken for P waves): irregular
        // with any one left out.
        let scattered = [60, 95, 130, 70, 110, 85, 140, 65, 120, 100, 75];
        let r = p_regularity(&global_at(&scattered), &fids, fs);
        assert!(
            r.pr_sd_but_one
                .is_some_and(|v| v > LOW_P_MAX_PR_SD_BUT_ONE_MS),
            "{:?}",
            r.pr_sd_but_one
        );
    }

    #[test]
    fn waves_tied_to_the_next_or_the_previous_qrs() {
        // 500 Hz (2 ms a sample); RR 800 ms swinging by ±40 ms; a wave 150 samples (300 ms)
        // before each QRS, or 225 samples (450 ms) after the one before, ±2 samples of jitter;
        // the last beat cut short by the recording's end with its wave off both.
        let fs = 500.0;
        let swing = [0, 19, 12, -12, -19, 0, 19, 12, -12, -19, 0];
        let mut fids = vec![200usize];
        for s in swing {
            fids.push((*fids.last().unwrap() as i64 + 400 + s) as usize);
        }
        let jitter = [1i64, -2, 0, 2, -1, 1, 0, -2, 2, -1, 0];
        let waves = |place: &dyn Fn(usize) -> usize| -> Vec<BeatWaves> {
            let mut g: Vec<BeatWaves> = (0..fids.len())
                .map(|i| BeatWaves {
                    p: (i > 0).then(|| Points {
                        on: None,
                        peak: Some((place(i) as i64 + jitter[i - 1]) as usize),
                        off: None,
                    }),
                    qrs: None,
                    t: None,
                })
                .collect();
            let last = g.len() - 1;
            g[last].p = Some(Points {
                on: None,
                peak: Some(fids[last - 1] + 30),
                off: None,
            });
            g
        };
        let before_next = waves(&|i| fids[i] - 150);
        assert_eq!(qrs_tie(&before_next, &fids, fs), Some(QrsTie::Next));
        let after_prev = waves(&|i| fids[i - 1] + 225);
        assert_eq!(qrs_tie(&after_prev, &fids, fs), Some(QrsTie::Previous));
        // Scattered waves (noise): neither.
        let scatter = [40i64, -60, 10, 70, -30, 55, -45, 0, 35, -70, 20];
        let scattered = waves(&|i| (fids[i] as i64 - 150 + scatter[i - 1]) as usize);
        assert_eq!(qrs_tie(&scattered, &fids, fs), None);
        // A regular rhythm (the RR varying by less than 15 ms): neither can be told.
        let regular: Vec<usize> = (0..12).map(|k| 200 + 400 * k).collect();
        let g: Vec<BeatWaves> = regular
            .iter()
            .map(|&f| BeatWaves {
                p: Some(Points {
                    on: None,
                    peak: Some(f - 150),
                    off: None,
                }),
                qrs: None,
                t: None,
            })
            .collect();
        assert_eq!(qrs_tie(&g, &regular, fs), None);
    }
}
