//! The regularity of the RR intervals the rhythm rules read: RMSSD and median successive
//! change over the conducted beats, short repeating cycles of premature beats, and the
//! beats on time between them.

use super::AF_MIN_MEDIAN_CHANGE;

/// Differences between each RR interval and the one `lag` intervals before it, over the RR
/// intervals whose two beats are both conducted, and the mean of the earlier RR of each pair
/// (no value with fewer than four pairs). `lag` 1: the successive differences.
fn rr_differences(fids: &[usize], conducted: &[bool], lag: usize) -> Option<(Vec<f64>, f64)> {
    let rr: Vec<Option<f64>> = (1..fids.len())
        .map(|i| (conducted[i] && conducted[i - 1]).then(|| (fids[i] - fids[i - 1]) as f64))
        .collect();
    let (diffs, earlier): (Vec<f64>, Vec<f64>) = (lag..rr.len())
        .filter_map(|i| Some((rr[i]? - rr[i - lag]?, rr[i - lag]?)))
        .unzip();
    if diffs.len() < 4 {
        return None;
    }
    let mean = earlier.iter().sum::<f64>() / earlier.len() as f64;
    Some((diffs, mean))
}

/// Median absolute difference between each RR and the one `lag` before it, / mean RR.
fn median_change_at(fids: &[usize], conducted: &[bool], lag: usize) -> Option<f64> {
    let (diffs, mean) = rr_differences(fids, conducted, lag)?;
    let abs: Vec<f64> = diffs.iter().map(|d| d.abs()).collect();
    Some(crate::detect::median(&abs) / mean)
}

/// Whether the RR intervals follow no short repeating pattern: the median change between an
/// RR and the one two or three before it also exceeds [`AF_MIN_MEDIAN_CHANGE`] of the mean
/// RR. Bigeminy and trigeminy (atrial premature beats with their own PR) are irregular beat
/// to beat but repeat every two or three beats; fibrillation does not.
pub(super) fn no_repeating_cycle(fids: &[usize], conducted: &[bool]) -> bool {
    (2..=3)
        .all(|lag| median_change_at(fids, conducted, lag).is_none_or(|v| v > AF_MIN_MEDIAN_CHANGE))
}

/// The longest recording (s, first to last beat) whose RR intervals repeating a cycle let
/// the P waves be searched on the T waves: a resting ECG. Over a monitoring record the
/// rhythm changes, and intervals mostly alike are no cycle (an ICU record of 5 min at
/// 125/min, CinC 2015 a103l, gained "P waves" on its T waves and a Mobitz I block).
pub(super) const CYCLE_MAX_SPAN_S: f64 = 60.0;

/// [`repeats_a_cycle`]: the longest cycle of RR intervals looked for (a premature beat
/// after every 7th beat) ...
const REPEAT_MAX_LAG: usize = 8;
/// ... over at least this many pairs of intervals a cycle apart ...
const REPEAT_MIN_PAIRS: usize = 6;
/// ... of which this share ...
const REPEAT_SHARE: f64 = 0.9;
/// ... differ by at most this fraction of the mean RR ...
const REPEAT_MAX_CHANGE: f64 = 0.08;
/// ... or by at most this share of the median change from one RR to the next. A premature
/// beat every few beats swings the RR by a third of the cycle beat to beat, and the sinus
/// rate's own jitter moves the pause after it by more than 8 % (a PAC after every 3rd beat
/// at 110/min, 4 % jitter: 8.8 %, and "Atrial fibrillation"); in fibrillation the RR a
/// cycle apart differs as much as the next one (90th centile at least 0.95 times the
/// median beat-to-beat change over 448 synthetic fibrillations).
const REPEAT_MAX_SHARE_OF_BEAT_TO_BEAT: f64 = 0.35;

/// Whether nearly every RR interval repeats the one a cycle of 2-8 intervals before it
/// ([`REPEAT_SHARE`] of them within [`REPEAT_MAX_CHANGE`] of the mean RR, over at least
/// [`REPEAT_MIN_PAIRS`]): a premature beat every few beats, a regularly irregular rhythm,
/// never fibrillation, whose intervals do not come back in order. Without P waves (a sinus
/// tachycardia whose P waves ride on the T waves), a supraventricular premature beat after
/// every 3rd-6th beat at 100-130/min read "Atrial fibrillation" (228 of 576 synthetic
/// tracings; 2 since). [`no_repeating_cycle`], the looser test of the rule for P waves at
/// an unstable PR, asks only the median change at cycles of 2 and 3.
pub(crate) fn repeats_a_cycle(fids: &[usize], conducted: &[bool]) -> bool {
    let beat_to_beat = median_change_at(fids, conducted, 1).unwrap_or(0.0);
    let bound = REPEAT_MAX_CHANGE.max(REPEAT_MAX_SHARE_OF_BEAT_TO_BEAT * beat_to_beat);
    (2..=REPEAT_MAX_LAG).any(|lag| {
        rr_differences(fids, conducted, lag).is_some_and(|(diffs, mean)| {
            let mut change: Vec<f64> = diffs.iter().map(|d| d.abs() / mean).collect();
            change.sort_by(f64::total_cmp);
            let k = ((change.len() as f64 - 1.0) * REPEAT_SHARE).round() as usize;
            change.len() >= REPEAT_MIN_PAIRS && change[k] <= bound
        })
    })
}

/// A beat is on time when its RR lies within this fraction of the median RR.
const ON_TIME_TOLERANCE: f64 = 0.15;

/// Per beat, whether the RR ending at it is on time: within [`ON_TIME_TOLERANCE`] of the
/// median `rr_med` (samples). The first beat has no RR and is not.
pub(super) fn on_time_beats(fids: &[usize], rr_med: f64) -> Vec<bool> {
    (0..fids.len())
        .map(|i| {
            i.checked_sub(1).is_some_and(|k| {
                ((fids[i] - fids[k]) as f64 - rr_med).abs() <= ON_TIME_TOLERANCE * rr_med
            })
        })
        .collect()
}

/// RMSSD / mean RR over the consecutive pairs of intervals that are both on time
/// ([`on_time_beats`]), when there are at least four such pairs and a third as many as
/// intervals: the rhythm the premature beats interrupt.
/// A sinus tachycardia broken by a premature beat every few beats is regular between them
/// however its own rate jitters (6-8 % beat to beat moves the pause after each premature
/// beat by up to a fifth of the cycle, so the cycle of intervals no longer repeats,
/// [`repeats_a_cycle`]); fibrillation's intervals near the median are as irregular as
/// the rest of them (RMSSD / mean of uniform intervals within ±15 %: 0.12).
pub(super) fn on_time_irregularity(fids: &[usize], on_time: &[bool]) -> Option<f64> {
    let (mut d, mut all) = (Vec::new(), Vec::new());
    for i in 2..fids.len() {
        if on_time[i - 1] && on_time[i] {
            let (a, b) = (
                (fids[i - 1] - fids[i - 2]) as f64,
                (fids[i] - fids[i - 1]) as f64,
            );
            d.push((b - a).powi(2));
            all.push(a);
        }
    }
    (d.len() >= 4 && d.len() * 3 >= fids.len().saturating_sub(1)).then(|| {
        let m = all.iter().sum::<f64>() / all.len() as f64;
        (d.iter().sum::<f64>() / d.len() as f64).sqrt() / m
    })
}

/// Median absolute successive RR difference / mean RR over the same pairs as
/// [`irregularity`]: high only when most cycles differ ([`AF_MIN_MEDIAN_CHANGE`]).
pub(crate) fn median_change(fids: &[usize], conducted: &[bool]) -> Option<f64> {
    median_change_at(fids, conducted, 1)
}

/// RMSSD / mean RR over consecutive RR pairs whose three beats are all conducted.
pub(crate) fn irregularity(fids: &[usize], conducted: &[bool]) -> Option<f64> {
    let (diffs, mean) = rr_differences(fids, conducted, 1)?;
    let squares: Vec<f64> = diffs.iter().map(|d| d.powi(2)).collect();
    Some((squares.iter().sum::<f64>() / squares.len() as f64).sqrt() / mean)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::AF_MIN_IRREGULARITY;

    /// QRS fiducials (samples) from 100 at the RR intervals `rr` (samples).
    fn fids_of(rr: &[usize]) -> Vec<usize> {
        let mut f = vec![100usize];
        for r in rr {
            f.push(f[f.len() - 1] + r);
        }
        f
    }

    #[test]
    fn a_premature_beat_every_2nd_to_6th_beat_repeats_a_cycle_and_fibrillation_does_not() {
        let all = |n: usize| vec![true; n];
        // At 110/min (272 samples at 500 Hz), a premature beat after every `every`th beat:
        // `every` - 1 sinus intervals, then the premature beat at 65 % and its pause at 120 %
        // of the cycle, with 2 % sinus jitter.
        for every in 2..=6 {
            let rr: Vec<usize> = (0..24)
                .map(|k| {
                    let base: i64 = match k % (every + 1) {
                        p if p + 1 == every => 177,
                        p if p == every => 326,
                        _ => 272,
                    };
                    (base + [0, 5, -5, 3][k % 4]) as usize
                })
                .collect();
            let f = fids_of(&rr);
            assert!(repeats_a_cycle(&f, &all(f.len())), "every {every}");
        }
        let fibrillation = [
            225, 310, 255, 350, 200, 290, 330, 240, 275, 210, 340, 250, 305, 220, 285, 345, 235,
            265, 320, 205,
        ];
        let f = fids_of(&fibrillation);
        assert!(!repeats_a_cycle(&f, &all(f.len())));
        // Too few intervals a cycle apart (five intervals) decide nothing.
        let f = fids_of(&[272, 177, 326, 272, 177]);
        assert!(!repeats_a_cycle(&f, &all(f.len())));
    }

    #[test]
    fn a_premature_beat_whose_pause_jitters_repeats_by_the_beat_to_beat_change() {
        let all = |n: usize| vec![true; n];
        // At 110/min (272 samples), a PAC after every 3rd beat at 65 % of the cycle and its
        // pause, the sinus rate jittering: the pause a cycle apart differs by up to 28
        // samples, 9.2 % of the mean RR at the 90th centile (beyond the 8 % bound), under
        // a third of the median beat-to-beat change (35 %).
        let rr = [
            270, 274, 175, 340, 276, 270, 179, 312, 272, 276, 177, 314, 268, 272, 174, 338, 275,
            269, 178, 316,
        ];
        let f = fids_of(&rr);
        assert!(repeats_a_cycle(&f, &all(f.len())));
        // A PAC after every 4th beat, the sinus cycles 255-290 samples (RR ± 6 %) and the
        // pauses 300-350: the beats on time between the premature ones are regular.
        let rr = [
            272, 255, 288, 177, 300, 283, 262, 290, 170, 350, 258, 281, 266, 181, 322, 290, 257,
            279, 172, 341,
        ];
        let f = fids_of(&rr);
        let rr_med = 272.0;
        assert!(
            on_time_irregularity(&f, &on_time_beats(&f, rr_med))
                .is_some_and(|v| v <= AF_MIN_IRREGULARITY)
        );
        // Fibrillation's intervals near the median are as irregular as the rest, and they
        // never come back in order.
        let fibrillation = [
            250, 290, 240, 305, 262, 235, 300, 280, 245, 310, 258, 296, 238, 284, 270, 300,
        ];
        let f = fids_of(&fibrillation);
        assert!(!repeats_a_cycle(&f, &all(f.len())));
        assert!(
            on_time_irregularity(&f, &on_time_beats(&f, rr_med))
                .is_some_and(|v| v > AF_MIN_IRREGULARITY)
        );
    }

    #[test]
    fn bigeminy_and_trigeminy_repeat_and_fibrillation_does_not() {
        let all = |n: usize| vec![true; n];
        // Short-long (bigeminy) and short-short-long (trigeminy), 2 % jitter.
        let bigeminy: Vec<usize> = (0..14)
            .map(|k| if k % 2 == 0 { 300 } else { 560 } + k % 3 * 5)
            .collect();
        let trigeminy: Vec<usize> = (0..15)
            .map(|k| [400, 420, 600][k % 3] + k % 2 * 6)
            .collect();
        let fibrillation = [
            310, 475, 355, 550, 275, 415, 495, 300, 525, 380, 440, 290, 505, 360,
        ];
        for (name, rr, repeats) in [
            ("bigeminy", bigeminy.as_slice(), true),
            ("trigeminy", trigeminy.as_slice(), true),
            ("fibrillation", fibrillation.as_slice(), false),
        ] {
            let f = fids_of(rr);
            assert_eq!(!no_repeating_cycle(&f, &all(f.len())), repeats, "{name}");
            // Beat to beat, all three are irregular.
            assert!(
                median_change(&f, &all(f.len())).unwrap() > AF_MIN_MEDIAN_CHANGE,
                "{name}"
            );
        }
    }
}
