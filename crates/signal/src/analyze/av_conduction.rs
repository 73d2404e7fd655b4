//! The AV conduction evidence (stages 6-7 of [`super::analyze`]): the train of P waves
//! anywhere in the cycle for 2:1, advanced and complete AV block in a slow regular rhythm,
//! the P waves dissociated from the paced beats under ventricular pacing, and the P waves
//! not conducted (second-degree AV block) matched against the median beat's P wave.

use crate::atrial::ventricular_cancelled;
use crate::classify::BeatClass;
use crate::delineate::{BeatWaves, Points, ms};
use crate::detect::median;
use crate::median::from_measure_index;
use crate::rhythm::{
    AvBlock, Dissociation, NonConducted, PREMATURE_PAUSE_RR, atrial_waves, av_block,
    dissociated_atria, free_p_candidates, non_conducted_p, premature_non_conducted_p, qrs_t_mask,
};
use crate::statements::PACED_AF_EARLY_FRACTION;

use super::atrial_rhythm::PacedTiming;
use super::median_beats::MedianBeats;

/// The leads and beats the AV conduction searches read; each search is also given the
/// beats' global waves as they stand when it runs (P waves not organised are withdrawn
/// between the AV-block searches and the one for non-conducted P waves).
pub(super) struct AvEvidence<'a> {
    /// The analysis copy of every lead.
    pub clean: &'a [Vec<f64>],
    /// Every beat's fiducial.
    pub fids: &'a [usize],
    /// Samples per lead.
    pub n: usize,
    /// Sampling rate (Hz).
    pub fs: f64,
}

impl AvEvidence<'_> {
    /// The P-wave train from the P peaks found before the beats (or, with fewer than three, or
    /// when `free`, from P-like candidates outside the QRS and T waves): every wave matching
    /// their median, aligned on their peaks, in all `leads`.
    fn p_train(&self, global: &[BeatWaves], free: bool, leads: &[Vec<f64>]) -> Vec<usize> {
        let leads_ref: Vec<&[f64]> = leads.iter().map(Vec::as_slice).collect();
        let mut detected_p: Vec<usize> = if free {
            Vec::new()
        } else {
            global.iter().filter_map(|g| g.p?.peak).collect()
        };
        if detected_p.len() < 3 {
            let blanked = qrs_t_mask(global, self.fids, self.n, self.fs);
            detected_p = free_p_candidates(&leads_ref, &blanked, self.fs, 2 * self.fids.len() + 8);
        }
        let half = ms(self.fs, 60.0);
        match peak_aligned_median(&leads_ref, &detected_p, half) {
            Some(templates) => atrial_waves(&leads_ref, &templates, half, self.fids, self.fs),
            None => Vec::new(),
        }
    }

    /// 2:1, advanced or complete AV block (the caller asks for a slow regular rhythm without
    /// fibrillation, flutter or pacing): P waves anywhere in the cycle, matched to the median
    /// of the P waves found before the beats (aligned on their peaks). When fewer than three
    /// beats show a P wave before them (in complete block most P waves fall far from the
    /// QRS), the template comes from P-like waves found anywhere outside the QRS and T waves
    /// instead.
    pub fn fixed_ratio_or_complete_block(&self, global: &[BeatWaves]) -> Option<AvBlock> {
        let p_train = self.p_train(global, false, self.clean);
        // 2:1 and advanced block rest on the blocked P waves, which sit where T and U
        // waves are: a wave inside a T wave (QRS to T offset + 20 ms) cannot be told
        // from the T wave itself, so the ratio must still hold without those waves (a
        // P hidden in a T leaves a gap in the train). Complete block needs no such
        // check: a T wave taken for a P sits at a fixed distance from the QRS and
        // only makes the P-to-QRS interval look more constant.
        let clear_of_t: Vec<usize> = p_train
            .iter()
            .copied()
            .filter(|&pk| {
                !self
                    .fids
                    .iter()
                    .zip(global)
                    .enumerate()
                    .any(|(j, (&f, g))| {
                        let end = g.t.and_then(|t| t.off).map_or_else(
                            || {
                                let nx = self.fids.get(j + 1).copied().unwrap_or(self.n);
                                (f + ms(self.fs, 400.0)).min(nx)
                            },
                            |o| o + ms(self.fs, 20.0),
                        );
                        pk >= f && pk <= end
                    })
            })
            .collect();
        match av_block(&p_train, self.fids, self.fs) {
            Some(AvBlock::FixedRatio { .. }) => av_block(&clear_of_t, self.fids, self.fs)
                .filter(|b| matches!(b, AvBlock::FixedRatio { .. })),
            other => other,
        }
    }

    /// The P waves marching through the paced beats (`classes`), with their rate and how
    /// they relate to the paced beats (`rhythm::dissociated_atria`).
    pub fn paced_dissociation(
        &self,
        global: &[BeatWaves],
        classes: &[BeatClass],
    ) -> Option<Dissociation> {
        // On the leads less their median paced beat, low-passed (`crate::atrial`): the T
        // waves go (they scored with the P waves, and hid those on them), dissociated P
        // waves stay, and most of any white noise goes.
        let cancelled = ventricular_cancelled(self.clean, self.fids, classes, global, self.fs);
        let p_train = self.p_train(global, true, cancelled.as_deref().unwrap_or(self.clean));
        dissociated_atria(&p_train, self.fids, self.fs)
    }

    /// The P waves not conducted, matched against the median beat's P wave `median_p` (on
    /// its analysis copy, `median`) where it has one, else against the beats' own P waves
    /// aligned on their peaks; premature ones on the T waves too where a pause shows (RR of
    /// `rr_med` samples, the beats' `classes`).
    pub fn blocked_p(
        &self,
        global: &[BeatWaves],
        classes: &[BeatClass],
        median: &MedianBeats,
        median_p: Option<Points>,
        rr_med: f64,
    ) -> Vec<NonConducted> {
        let leads: Vec<&[f64]> = median
            .leads
            .iter()
            .map(|(k, _, _)| self.clean[*k].as_slice())
            .collect();
        let p_peaks: Vec<Option<usize>> = global.iter().map(|g| g.p.and_then(|p| p.peak)).collect();
        match median_p {
            Some(Points {
                on: Some(pon),
                peak: Some(ppk),
                off: Some(poff),
            }) if pon < ppk && ppk < poff => {
                // Matched against the leads themselves, at the recording's rate.
                let [pon, ppk, poff] =
                    [pon, ppk, poff].map(|i| from_measure_index(i, median.ratio));
                let templates: Vec<Vec<f64>> = median
                    .clean_native
                    .iter()
                    .filter_map(|mc| mc.get(pon..=poff).map(<[f64]>::to_vec))
                    .collect();
                if templates.len() == leads.len() {
                    let mut found = non_conducted_p(
                        &leads,
                        &templates,
                        ppk - pon,
                        self.fids,
                        &p_peaks,
                        self.fs,
                    );
                    // Premature P waves on the T wave, in the shorter pauses they leave, on
                    // the leads with the ventricular activity cancelled (only where such a
                    // pause is).
                    let pause = self
                        .fids
                        .windows(2)
                        .any(|w| (w[1] - w[0]) as f64 >= PREMATURE_PAUSE_RR * rr_med);
                    if pause
                        && let Some(cancelled) =
                            ventricular_cancelled(self.clean, self.fids, classes, global, self.fs)
                    {
                        let cancelled: Vec<&[f64]> = median
                            .leads
                            .iter()
                            .map(|(k, _, _)| cancelled[*k].as_slice())
                            .collect();
                        let early = premature_non_conducted_p(
                            &cancelled,
                            &templates,
                            ppk - pon,
                            self.fids,
                            &p_peaks,
                            &found,
                            self.fs,
                        );
                        found.extend(early);
                        found.sort_by_key(|b| b.peak);
                    }
                    found
                } else {
                    Vec::new()
                }
            }
            // No P wave on the median beat although the beats have theirs: a PR that
            // varies (Mobitz I lengthens it beat by beat up to the dropped one) smears the P
            // waves of the QRS-aligned beats into nothing. The beats' own P waves, aligned
            // on their peaks, are the template then.
            _ => {
                let peaks: Vec<usize> = p_peaks.iter().flatten().copied().collect();
                let half = ms(self.fs, 60.0);
                match peak_aligned_median(&leads, &peaks, half) {
                    Some(templates) => {
                        non_conducted_p(&leads, &templates, half, self.fids, &p_peaks, self.fs)
                    }
                    None => Vec::new(),
                }
            }
        }
    }
}

/// Whether a beat that is not paced (normal or supraventricular) comes after the beat before
/// it sooner than [`PACED_AF_EARLY_FRACTION`] of the paced cycle (the median RR between two
/// paced beats): the ventricles were reached through the AV node before the pacemaker fired,
/// so AV conduction is not blocked. On one or two leads the f waves of fibrillation under
/// pacing (LUDB 8, 95) can line up as a regular "P" train through the paced beats, and their
/// conducted beats then read "Third-degree (complete) AV block".
pub(super) fn conducted_before_the_pacemaker(classes: &[BeatClass], fids: &[usize]) -> bool {
    let timing = PacedTiming::of(classes, fids);
    if timing.paced_rr.is_empty() {
        return false;
    }
    let cycle = median(&timing.paced_rr);
    timing
        .conducted
        .iter()
        .any(|&i| ((fids[i] - fids[i - 1]) as f64) < PACED_AF_EARLY_FRACTION * cycle)
}

/// Each lead's median of the P waves peaking at `peaks`, `half` samples either side of the
/// peak (so the peak is at `half`): the template of a P wave whatever its distance from the
/// QRS. `None` with fewer than three P waves clear of the recording's ends.
fn peak_aligned_median(leads: &[&[f64]], peaks: &[usize], half: usize) -> Option<Vec<Vec<f64>>> {
    let n = leads.iter().map(|l| l.len()).min()?;
    let segs: Vec<usize> = peaks
        .iter()
        .copied()
        .filter(|&pk| pk >= half && pk + half < n)
        .collect();
    (segs.len() >= 3).then(|| {
        leads
            .iter()
            .map(|x| {
                (0..=2 * half)
                    .map(|j| median(&segs.iter().map(|&pk| x[pk - half + j]).collect::<Vec<_>>()))
                    .collect()
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_beat_conducted_before_the_pacemaker_fires_is_found() {
        // Paced at 1 s; a conducted beat 0.7 s after a paced one, or one on the paced cycle
        // (fusion, or a sinus rate equal to the pacing rate).
        let fids = |t: &[f64]| -> Vec<usize> { t.iter().map(|s| (s * 500.0) as usize).collect() };
        let p = BeatClass::Paced;
        let n = BeatClass::Normal;
        let early = fids(&[0.5, 1.5, 2.5, 3.2, 4.2, 5.2]);
        assert!(conducted_before_the_pacemaker(&[p, p, p, n, p, p], &early));
        let on_cycle = fids(&[0.5, 1.5, 2.5, 3.48, 4.48, 5.48]);
        assert!(!conducted_before_the_pacemaker(
            &[p, p, p, n, p, p],
            &on_cycle
        ));
        // A ventricular premature beat is no conducted one; no paced pair, no paced cycle.
        assert!(!conducted_before_the_pacemaker(
            &[p, p, p, BeatClass::Ventricular, p, p],
            &early
        ));
        assert!(!conducted_before_the_pacemaker(&[n, n, n, n, n, n], &early));
    }
}
