//! Which atrial rhythm the beats show (stage 6 of [`super::analyze`]): atrial flutter
//! (regular atrial waves at 240-350/min, or flutter waves passing for P waves at a fixed or
//! variable conduction ratio), atrial fibrillation from an irregularly irregular RR and the
//! P waves found before the beats, and fibrillation under ventricular pacing from the
//! conducted beats between the paced ones.

use ecg::LeadLabel;

use crate::classify::BeatClass;
use crate::delineate::BeatWaves;
use crate::detect::median;
use crate::rhythm::{
    Flutter, MIN_PHASE_COHERENCE, fixed_ratio_flutter, locked_to_qrs, phase_coherence,
    variable_ratio_flutter,
};
use crate::statements::{PACED_AF_EARLY_FRACTION, PACED_AF_RR_RANGE_MS, PacedAf};

use super::p_waves::{AfPWaves, PRegularity};
use super::rr::{no_repeating_cycle, repeats_a_cycle};
use super::{
    AF_MAX_P_FRACTION_UNSTABLE, AF_MIN_IRREGULARITY, AF_MIN_MEDIAN_CHANGE, AF_MIN_PR_SD_MS,
    PP_MAX_IRREGULARITY,
};

/// Atrial flutter: no organised P waves but regular atrial activity at 240-350/min (with
/// its conduction ratio when the RR is locked to it); or organised "P" waves that are
/// flutter waves conducted at a fixed ratio, on specific evidence only (a fixed ratio puts
/// the flutter wave before each QRS at a fixed interval, where it passes for a P wave),
/// or at a variable ratio (an irregular RR; the same evidence aligned on the "P" waves).
/// Without organised P waves, a regular rhythm at twice a flutter cycle (2:1: the second
/// wave would fall in the QRS, so no recurrence inside the RR can be checked) shows the
/// search no more than what repeats once per RR: the T wave of a junctional or
/// ventricular tachycardia, or of AV nodal re-entry, does it too (a regular rhythm
/// without P waves at 120-170/min read "Atrial flutter" with every QRS-T shape tried,
/// wide ones among them). Such a rhythm is named by its QRS
/// (`statements::regular_tachycardia_without_p`), with this activity as a possibility.
///
/// Returns the flutter found and, apart from it, activity at half the RR that a 2:1 flutter
/// would show. `p_organised`: P waves organised before the beats; `atrial_foci`: a wandering
/// atrial pacemaker or multifocal atrial tachycardia was found (no flutter then);
/// `flutter_cycle`: the flutter search over the whole recording, run at most once.
#[allow(clippy::too_many_arguments)]
pub(super) fn flutter(
    labels: &[LeadLabel],
    clean: &[Vec<f64>],
    fids: &[usize],
    global: &[BeatWaves],
    p_organised: bool,
    atrial_foci: bool,
    flutter_cycle: &dyn Fn() -> Option<Flutter>,
    fs: f64,
) -> (Option<Flutter>, Option<Flutter>) {
    if !p_organised {
        match flutter_cycle().map(|f| locked_to_qrs(f, fids, fs)) {
            Some(f) if f.locked.is_some_and(|l| l.ratio == 2) => (None, Some(f)),
            Some(f) if f.locked.is_some() => (Some(f), None),
            // At an irregular RR the waves must keep their phase from beat to beat, as
            // flutter waves running on by themselves do; the T waves of atrial fibrillation
            // with a fast or wide-QRS response, which the blanked autocorrelation also takes
            // for a cycle in the flutter range, follow their own QRS and do not.
            Some(f) => {
                let coherence = phase_coherence(labels, clean, fids, f.cycle_ms, fs)
                    .filter(|c| c.0 >= MIN_PHASE_COHERENCE);
                (
                    coherence.map(|c| Flutter {
                        coherence: Some(c),
                        ..f
                    }),
                    None,
                )
            }
            None => (None, None),
        }
    } else if !atrial_foci {
        let p_peaks: Vec<Option<usize>> = global.iter().map(|g| g.p.and_then(|p| p.peak)).collect();
        let found = fixed_ratio_flutter(labels, clean, fids, &p_peaks, fs)
            .or_else(|| variable_ratio_flutter(labels, clean, fids, &p_peaks, fs, flutter_cycle));
        (found, None)
    } else {
        (None, None)
    }
}

/// Atrial fibrillation from the RR and the P waves: the conducted beats (`conducted`, at
/// `fids`) irregularly irregular (RMSSD / mean RR above [`AF_MIN_IRREGULARITY`] and a median
/// successive change above [`AF_MIN_MEDIAN_CHANGE`]), and the P waves found before
/// `p_fraction` of the beats (organised as `reg` says) no conducted P waves: why not.
pub(super) fn atrial_fibrillation(
    fids: &[usize],
    conducted: &[bool],
    p_fraction: f64,
    reg: &PRegularity,
    rr_irregularity: Option<f64>,
    rr_median_change: Option<f64>,
) -> Option<AfPWaves> {
    if !(rr_irregularity.is_some_and(|v| v > AF_MIN_IRREGULARITY)
        && rr_median_change.is_some_and(|v| v > AF_MIN_MEDIAN_CHANGE))
    {
        return None;
    }
    let unstable_pr = reg.pr_sd.filter(|&v| v > AF_MIN_PR_SD_MS);
    let wandering_pr = reg.pr_robust_sd.filter(|&v| v > AF_MIN_PR_SD_MS);
    let pp_irregular = reg.pp_irr.is_none_or(|v| v > PP_MAX_IRREGULARITY)
        && reg.pp_irr_per_cycle.is_none_or(|v| v > PP_MAX_IRREGULARITY);
    if p_fraction < 0.5 && !repeats_a_cycle(fids, conducted) {
        Some(AfPWaves::Few)
    } else if let Some(pr_sd_ms) = unstable_pr.filter(|_| p_fraction < AF_MAX_P_FRACTION_UNSTABLE) {
        Some(AfPWaves::FewAtAnUnstablePr { pr_sd_ms })
    } else if let Some(pr_robust_sd_ms) = wandering_pr {
        // A wandering PR with P-P intervals as irregular as the RR (no short cycle of
        // premature beats), or regular with no P wave blocked between the beats' own.
        if pp_irregular && no_repeating_cycle(fids, conducted) {
            Some(AfPWaves::WanderingPrIrregularPp {
                pr_robust_sd_ms,
                pp_irregularity: reg.pp_irr,
            })
        } else {
            reg.pp_irr
                .filter(|&v| v <= PP_MAX_IRREGULARITY && reg.no_p_p_spans_two_cycles)
                .map(|pp_irregularity| AfPWaves::WanderingPrRegularPp {
                    pr_robust_sd_ms,
                    pp_irregularity,
                })
        }
    } else {
        None
    }
}

/// The beats' timing against the pacemaker's: the RR intervals (samples) between two
/// consecutive paced beats (the paced cycle), and the beats after the first that are
/// conducted (normal or supraventricular).
pub(super) struct PacedTiming {
    pub paced_rr: Vec<f64>,
    pub conducted: Vec<usize>,
}

impl PacedTiming {
    pub fn of(classes: &[BeatClass], fids: &[usize]) -> Self {
        let rr = |i: usize| (fids[i] - fids[i - 1]) as f64;
        PacedTiming {
            paced_rr: (1..fids.len())
                .filter(|&i| classes[i] == BeatClass::Paced && classes[i - 1] == BeatClass::Paced)
                .map(rr)
                .collect(),
            conducted: (1..fids.len())
                .filter(|&i| matches!(classes[i], BeatClass::Normal | BeatClass::Supraventricular))
                .collect(),
        }
    }
}

/// [`PacedAf`] when the conducted beats of a mostly paced recording show fibrillating atria.
pub(super) fn paced_atrial_fibrillation(
    classes: &[BeatClass],
    fids: &[usize],
    global: &[BeatWaves],
    fs: f64,
) -> Option<PacedAf> {
    let ms_between = |i: usize| (fids[i] - fids[i - 1]) as f64 * 1000.0 / fs;
    let PacedTiming {
        paced_rr,
        conducted,
    } = PacedTiming::of(classes, fids);
    let paced_cycle: Vec<f64> = paced_rr.iter().map(|r| r * 1000.0 / fs).collect();
    if paced_cycle.len() < 2 || conducted.len() < 2 {
        return None;
    }
    // A P wave before any conducted beat: sinus (or atrial) beats between the paced ones (or
    // an f wave that passes for one: then nothing is said).
    if conducted
        .iter()
        .any(|&i| global.get(i).is_some_and(|g| g.p.is_some()))
    {
        return None;
    }
    let cycle = median(&paced_cycle);
    let rr: Vec<f64> = conducted.iter().map(|&i| ms_between(i)).collect();
    let lo = rr.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = rr.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let earliest_fraction = lo / cycle;
    (hi - lo >= PACED_AF_RR_RANGE_MS && earliest_fraction < PACED_AF_EARLY_FRACTION).then_some(
        PacedAf {
            conducted: conducted.len(),
            rr_range_ms: hi - lo,
            earliest_fraction,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delineate::Points;

    /// Beats at these times (s, 500 Hz), paced ('/') or conducted ('N'), P waves before `p`.
    fn paced_af_of(beats: &[(f64, char)], p: &[usize]) -> Option<PacedAf> {
        let fs = 500.0;
        let fids: Vec<usize> = beats.iter().map(|b| (b.0 * fs) as usize).collect();
        let classes: Vec<BeatClass> = beats
            .iter()
            .map(|b| {
                if b.1 == '/' {
                    BeatClass::Paced
                } else {
                    BeatClass::Normal
                }
            })
            .collect();
        let global: Vec<BeatWaves> = (0..beats.len())
            .map(|i| BeatWaves {
                p: p.contains(&i).then(Points::default),
                ..BeatWaves::default()
            })
            .collect();
        paced_atrial_fibrillation(&classes, &fids, &global, fs)
    }

    #[test]
    fn fibrillation_under_pacing_from_the_conducted_beats() {
        // VVI at 60/min; conducted beats at 0.73 and 0.92 s of the last beat, no P waves.
        let beats = [
            (0.5, '/'),
            (1.5, '/'),
            (2.5, '/'),
            (3.23, 'N'),
            (4.15, 'N'),
            (5.15, '/'),
            (6.15, '/'),
        ];
        let a = paced_af_of(&beats, &[]).expect("atrial fibrillation");
        assert_eq!(a.conducted, 2);
        assert!((a.rr_range_ms - 190.0).abs() < 3.0, "{a:?}");
        assert!((a.earliest_fraction - 0.73).abs() < 0.01, "{a:?}");
        // A P wave before a conducted beat: sinus beats between the paced ones.
        assert_eq!(paced_af_of(&beats, &[3]), None);
        // Conducted beats at the paced cycle (fusion, or a sinus rate equal to the pacing rate).
        let regular = [
            (0.5, '/'),
            (1.5, '/'),
            (2.5, '/'),
            (3.5, 'N'),
            (4.45, 'N'),
            (5.45, '/'),
        ];
        assert_eq!(paced_af_of(&regular, &[]), None);
        // One conducted beat is not enough to call the atria fibrillating.
        assert_eq!(paced_af_of(&beats[..4], &[]), None);
    }
}
