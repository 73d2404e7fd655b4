//! Waves that are one limb electrode's artefact, not a QRS complex.
//!
//! A limb electrode that pops (its contact breaks and its polarisation recovers), is tapped
//! or pulled changes one potential: the right arm's, the left arm's or the left leg's. Every
//! lead sees that potential with a fixed weight: the two limb leads built on the electrode in
//! full (lead I = LA - RA, II = LL - RA, III = LL - LA), the augmented leads by a half or the
//! whole, and the six chest leads all alike, through Wilson's central terminal, by a third
//! (Goldberger 1942; Wilson 1934). So the twelve leads of such an artefact are one signal
//! times a pattern fixed by the electrode: for the right arm, I and II move by -x, III stays,
//! aVR moves by x, aVL and aVF by -x/2 and V1-V6 by -x/3, identical in the six.
//!
//! A heart's QRS complex is never that: its chest leads differ from V1 to V6 (the R wave
//! grows across them, V1 and V6 usually point opposite ways), and even a concordant
//! ventricular beat differs there in size and shape. An electrode pop recovering within
//! about 50 ms is as steep and brief as a QRS, and the detector took it for one (a premature
//! beat, "different in several leads": a ventricular premature complex), or, 130-200 ms
//! before a QRS, took it in the QRS's place.
//!
//! [`LimbArtefacts::electrode_at`] fits the slopes of the twelve leads within
//! [`HALF_WINDOW_MS`] of a sample by each electrode's pattern (least squares, one value per
//! sample). The waves there are the best electrode's artefact when its pattern leaves less
//! than [`MAX_RESIDUAL`] of the slopes' energy unexplained and the chest leads follow it
//! ([`MAX_CHEST_RESIDUAL`]). The QRS detector asks it of every peak of its energy before it
//! picks beats ([`crate::detect::detect`]), so an artefact is neither a beat nor a rival
//! that hides the QRS after it. It needs the twelve standard leads; a single chest
//! electrode's artefact is one lead's, which the detector already drops.

use ecg::LeadLabel;

/// The limb electrodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimbElectrode {
    RightArm,
    LeftArm,
    LeftLeg,
}

impl LimbElectrode {
    const ALL: [LimbElectrode; 3] = [Self::RightArm, Self::LeftArm, Self::LeftLeg];

    /// How a potential at the electrode enters I, II, III, aVR, aVL, aVF and V1-V6
    /// ([`LeadLabel::STANDARD_12`] order).
    fn weights(self) -> [f64; 12] {
        let (ra, la, ll) = match self {
            Self::RightArm => (1.0, 0.0, 0.0),
            Self::LeftArm => (0.0, 1.0, 0.0),
            Self::LeftLeg => (0.0, 0.0, 1.0),
        };
        let chest = -(ra + la + ll) / 3.0;
        [
            la - ra,
            ll - ra,
            ll - la,
            ra - (la + ll) / 2.0,
            la - (ra + ll) / 2.0,
            ll - (ra + la) / 2.0,
            chest,
            chest,
            chest,
            chest,
            chest,
            chest,
        ]
    }
}

/// The slopes are fitted within this many ms either side of the beat's fiducial (a QRS
/// complex's span).
pub(crate) const HALF_WINDOW_MS: f64 = 50.0;
/// A beat is an electrode's artefact when the best electrode's pattern leaves less than
/// this fraction of the twelve leads' slope energy unexplained.
pub(crate) const MAX_RESIDUAL: f64 = 0.1;
/// ... and the chest leads move together by a third of the limb leads' signal: their slopes
/// differ from that by less than this fraction of its energy. A wave with a frontal vector
/// along an electrode's pattern and quiet chest leads (an inferior P wave: II, III and aVF,
/// as the left leg's pattern) is no artefact.
pub(crate) const MAX_CHEST_RESIDUAL: f64 = 0.25;

/// The twelve standard leads of a recording, to ask of any sample whether the waves around
/// it are one limb electrode's artefact.
pub(crate) struct LimbArtefacts<'a> {
    twelve: Vec<&'a [f64]>,
    n: usize,
    half: usize,
}

impl<'a> LimbArtefacts<'a> {
    /// The leads' twelve standard leads (`labels` name `leads`), or `None` without them.
    pub(crate) fn new(labels: &[LeadLabel], leads: &'a [Vec<f64>], fs: f64) -> Option<Self> {
        let twelve = LeadLabel::STANDARD_12
            .iter()
            .map(|l| {
                let k = labels.iter().position(|x| x == l)?;
                leads.get(k).map(Vec::as_slice)
            })
            .collect::<Option<Vec<&[f64]>>>()?;
        let n = twelve.iter().map(|x| x.len()).min().unwrap_or(0);
        let half = (HALF_WINDOW_MS * fs / 1000.0).round().max(1.0) as usize;
        Some(Self { twelve, n, half })
    }

    /// The limb electrode whose artefact the waves within [`HALF_WINDOW_MS`] of sample `at`
    /// are, or `None` (a QRS complex, or `at` within that span of either end: only a whole
    /// window is judged).
    pub(crate) fn electrode_at(&self, at: usize) -> Option<LimbElectrode> {
        (at > self.half && at + self.half < self.n)
            .then(|| best_fit(&self.twelve, at - self.half, at + self.half + 1))
            .flatten()
    }
}

/// How much of a window's slopes one electrode's pattern leaves unexplained.
#[derive(Debug, Clone, Copy, Default)]
struct Fit {
    /// Slope energy of the twelve leads the pattern leaves (least squares).
    unexplained: f64,
    /// Of that, the chest leads' ...
    chest_unexplained: f64,
    /// ... against the slope energy the fitted signal puts in the chest leads (a third of it
    /// in each of six).
    chest_expected: f64,
}

/// The electrode whose pattern explains the slopes of samples `lo..hi` (`lo >= 1`) to within
/// [`MAX_RESIDUAL`] of their energy, and the chest leads' to within [`MAX_CHEST_RESIDUAL`]
/// of what it puts there, if any.
fn best_fit(twelve: &[&[f64]], lo: usize, hi: usize) -> Option<LimbElectrode> {
    let patterns = LimbElectrode::ALL.map(LimbElectrode::weights);
    let norms = patterns.map(|w| w.iter().map(|a| a * a).sum::<f64>());
    // Every electrode puts the same weight in each chest lead.
    let c = patterns[0][6];
    let mut energy = 0.0;
    let mut fits = [Fit::default(); 3];
    let mut slope = [0.0f64; 12];
    for k in lo..hi {
        for (s, x) in slope.iter_mut().zip(twelve) {
            *s = x[k] - x[k - 1];
        }
        let e: f64 = slope.iter().map(|s| s * s).sum();
        let chest_sum: f64 = slope[6..].iter().sum();
        let chest_energy: f64 = slope[6..].iter().map(|s| s * s).sum();
        energy += e;
        for ((fit, w), norm) in fits.iter_mut().zip(&patterns).zip(norms) {
            // Least squares: the electrode's signal at k is the slopes' projection on its
            // pattern, x; it leaves e - x^2 |w|^2, of which the chest leads'
            // sum (s - c x)^2.
            let x = w.iter().zip(&slope).map(|(a, b)| a * b).sum::<f64>() / norm;
            fit.unexplained += e - x * x * norm;
            fit.chest_unexplained += chest_energy - 2.0 * c * x * chest_sum + 6.0 * c * c * x * x;
            fit.chest_expected += 6.0 * c * c * x * x;
        }
    }
    if !(energy > 0.0 && energy.is_finite()) {
        return None;
    }
    let (best, fit) = LimbElectrode::ALL
        .into_iter()
        .zip(fits)
        .min_by(|a, b| a.1.unexplained.total_cmp(&b.1.unexplained))?;
    (fit.unexplained < MAX_RESIDUAL * energy
        && fit.chest_unexplained < MAX_CHEST_RESIDUAL * fit.chest_expected)
        .then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twelve leads (standard order) of `n` samples: a QRS-like wave whose chest leads grow
    /// from V1 to V6 at `qrs`, plus an electrode's exponential pop at `pop`.
    fn leads_with(n: usize, qrs: usize, pop: Option<(LimbElectrode, usize)>) -> Vec<Vec<f64>> {
        // Frontal QRS towards +60°, chest leads from -0.8 (V1) to +1.2 mV (V6).
        let gains = [
            0.5, 1.0, 0.5, -0.75, 0.0, 0.75, -0.8, -0.4, 0.2, 0.8, 1.2, 1.0,
        ];
        (0..12)
            .map(|l| {
                (0..n)
                    .map(|k| {
                        let d = (k as f64 - qrs as f64) / 5.0;
                        let mut v = gains[l] * (-d * d / 2.0).exp();
                        if let Some((e, at)) = pop
                            && k >= at
                        {
                            v += e.weights()[l] * (-((k - at) as f64) / 25.0).exp();
                        }
                        v
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_pop_at_each_limb_electrode_is_that_electrode_and_a_qrs_is_none() {
        let labels = LeadLabel::STANDARD_12.to_vec();
        for e in LimbElectrode::ALL {
            let x = leads_with(2000, 500, Some((e, 1200)));
            let limb = LimbArtefacts::new(&labels, &x, 500.0).unwrap();
            assert_eq!(limb.electrode_at(500), None, "{e:?}");
            assert_eq!(limb.electrode_at(1205), Some(e), "{e:?}");
            // Cut by the recording's end: not judged.
            assert_eq!(limb.electrode_at(1980), None, "{e:?}");
        }
    }

    #[test]
    fn a_beat_with_concordant_chest_leads_or_an_inferior_wave_is_no_artefact() {
        let labels = LeadLabel::STANDARD_12.to_vec();
        let wave = |gains: [f64; 12]| -> Vec<Vec<f64>> {
            gains
                .iter()
                .map(|g| {
                    (0..1000)
                        .map(|k| {
                            let d = (k as f64 - 500.0) / 5.0;
                            g * (-d * d / 2.0).exp()
                        })
                        .collect()
                })
                .collect()
        };
        // A ventricular beat with positive concordance: every chest lead upright, of
        // different sizes.
        let concordant = wave([
            0.5, 1.0, 0.5, -0.75, 0.0, 0.75, 0.6, 1.0, 1.4, 1.5, 1.2, 0.9,
        ]);
        // A wave along the left leg's frontal pattern (I flat; II, III, aVF alike) whose
        // chest leads move together by 0.4 of the third the pattern asks: an inferior P
        // wave. The pattern leaves 6 % of its energy, but 31 % of the chest leads'.
        let c = -0.4 * 0.1 / 3.0;
        let inferior = wave([0.0, 0.1, 0.1, -0.05, -0.05, 0.1, c, c, c, c, c, c]);
        for x in [concordant, inferior] {
            let limb = LimbArtefacts::new(&labels, &x, 500.0).unwrap();
            assert_eq!(limb.electrode_at(500), None);
        }
    }

    #[test]
    fn without_the_twelve_standard_leads_nothing_is_marked() {
        let x = leads_with(2000, 500, Some((LimbElectrode::RightArm, 1200)));
        let labels = LeadLabel::STANDARD_12[..11].to_vec();
        assert!(LimbArtefacts::new(&labels, &x[..11], 500.0).is_none());
    }
}
