//! The global measurements on the median beats (stage 7 of [`super::analyze`]): RR and rate
//! over the beats; QRS, PR, P duration, QT and QTc on the median beat; the frontal axes; the
//! P-wave polarities that do not depend on the leads' gains and limb electrodes swapped; and
//! what the conduction and repolarisation criteria read of each lead's QRS.

use ecg::{Axis, LeadLabel, Measurements, QtcSet};

use crate::conduction::{QrsShape, shape as qrs_shape};
use crate::delineate::{P_MIN_MV, Points, boundary_leads, ms};
use crate::lead_reversal::{self, Reversal};
use crate::measure::{
    LeadAmplitudes, LimbConsistency, QrsEnd, amplitudes, baseline, einthoven, frontal_axis,
    levelled_st, levelled_t, net_area, p_net_area, t_window, uv,
};
use crate::repolarisation::{EndQrs, end_qrs_notch_or_slur};
use crate::statements::IntervalLeads;

use super::median_beats::{MedianBeats, MedianWaves};
use super::round1;

/// The median beats with their waves, as the measurements read them.
pub(super) struct MedianReading<'a> {
    /// The recording's leads (what [`MedianBeats::leads`] index).
    pub labels: &'a [LeadLabel],
    /// The median beats.
    pub beats: &'a MedianBeats,
    /// Their waves.
    pub waves: &'a MedianWaves,
    /// The P floor of the delineation pass whose P waves were kept: P waves found only at
    /// the low floor are too small for their net areas to give an axis or a polarity (the
    /// baseline's residue decides it).
    pub p_min_mv: f64,
}

/// The polarities of the P wave that name its origin, from the leads as they would have
/// been recorded with any swapped limb electrodes back in place.
pub(super) struct PPolarity {
    /// Upright in II and inverted in aVR (a sinus P wave).
    pub sinus: Option<bool>,
    /// Inverted in every inferior lead present (a retrograde P wave).
    pub inferior_inverted: Option<bool>,
}

impl MedianReading<'_> {
    /// Lead `l`'s median beats: (its index, the display copy's, the analysis copy's).
    fn lead(&self, l: &LeadLabel) -> Option<&(usize, Vec<f64>, Vec<f64>)> {
        self.beats
            .leads
            .iter()
            .find(|(k, _, _)| &self.labels[*k] == l)
    }

    /// The limb leads' consistency ([`einthoven`]) over the median beat's QRS, each lead of
    /// `clean` (the analysis copy) averaged over the median's beats
    /// ([`MedianBeats::mean_window`]) less its mean: where the leads are largest and their
    /// noise averaged, so 25-50 µV of noise independent from lead to lead leaves calibrated
    /// leads within a few per cent (over the whole recording: up to 79 %). `None` without a
    /// QRS on the median beat.
    pub fn limb_consistency(&self, clean: &[Vec<f64>]) -> Option<LimbConsistency> {
        let q = self.waves.global.qrs?;
        let (on, off) = (q.on?, q.off?);
        let qrs: Vec<(LeadLabel, Vec<f64>)> = LeadLabel::STANDARD_12[..6]
            .iter()
            .filter_map(|l| {
                let k = self.labels.iter().position(|x| x == l)?;
                let w = self.beats.mean_window(clean.get(k)?, on, off)?;
                let mean = w.iter().sum::<f64>() / w.len() as f64;
                Some((l.clone(), w.iter().map(|v| v - mean).collect()))
            })
            .collect();
        einthoven(&|l: &LeadLabel| qrs.iter().find(|(x, _)| x == l).map(|(_, w)| w.as_slice()))
    }

    /// Lead `l`'s median beat on the display copy.
    fn display_of(&self, l: &LeadLabel) -> Option<&Vec<f64>> {
        self.lead(l).map(|(_, md, _)| md)
    }

    /// Lead `l`'s median beat on the analysis copy.
    fn analysis_of(&self, l: &LeadLabel) -> Option<&Vec<f64>> {
        self.lead(l).map(|(_, _, mc)| mc)
    }

    /// The RR and rate over the beats' RR intervals `rr_samples` (at `fs`), and the intervals
    /// of the median beat, its QT corrected for `qtc_rr_ms`, the RR between the dominant beats
    /// ([`super::dominant_rr_ms`]), or the mean RR without one.
    pub fn intervals(&self, rr_samples: &[f64], qtc_rr_ms: Option<f64>, fs: f64) -> Measurements {
        let fs_m = self.beats.fs_m;
        let med_global = &self.waves.global;
        let mut m = Measurements::default();
        if !rr_samples.is_empty() {
            let rr_ms: Vec<f64> = rr_samples.iter().map(|r| r * 1000.0 / fs).collect();
            let mean = rr_ms.iter().sum::<f64>() / rr_ms.len() as f64;
            let sd =
                (rr_ms.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / rr_ms.len() as f64).sqrt();
            m.rr = Some(ecg::Millis(round1(mean)));
            m.rr_sd = Some(ecg::Millis(round1(sd)));
            m.hr = Some(ecg::Bpm(round1(60_000.0 / mean)));
        }
        let to_ms = |s: usize| s as f64 * 1000.0 / fs_m;
        if let Some(q) = med_global.qrs
            && let (Some(on), Some(off)) = (q.on, q.off)
            && off > on
        {
            m.qrs = Some(ecg::Millis(round1(to_ms(off - on))));
            if let Some(p) = med_global.p
                && let Some(pon) = p.on
                && pon < on
            {
                m.pr = Some(ecg::Millis(round1(to_ms(on - pon))));
                if let Some(poff) = p.off {
                    m.p_duration = Some(ecg::Millis(round1(to_ms(poff.saturating_sub(pon)))));
                }
            }
            if let Some(t) = med_global.t
                && let Some(toff) = t.off
                && toff > on
            {
                let qt = ecg::Millis(round1(to_ms(toff - on)));
                m.qt = Some(qt);
                // The QT of the median beat is corrected for its own beats' rate: the RR
                // between dominant beats (`qtc_rr_ms`), not the mean RR over premature beats too
                // (sinus at 75/min with a PAC after every second beat: mean rate 87/min, QTc
                // Bazett 470 ms and "Prolonged QT interval" for a QTc of 436 ms).
                if let Some(rr) = qtc_rr_ms.map(ecg::Millis).or(m.rr) {
                    let q = QtcSet::from_qt_rr(qt, rr);
                    let r = |v: Option<ecg::Millis>| v.map(|x| ecg::Millis(round1(x.0)));
                    m.qtc = QtcSet {
                        bazett: r(q.bazett),
                        fridericia: r(q.fridericia),
                        framingham: r(q.framingham),
                        hodges: r(q.hodges),
                    };
                }
            }
        }
        m
    }

    /// The frontal QRS, P and T axes on the median beats of I and aVF, lead I's gain taken as
    /// `k_i` times aVF's (1 for a common calibration).
    ///
    /// The QRS and P axes are read on the analysis copy's median beats (0.5-40 Hz, the band
    /// the wave boundaries were found on), not the display copy's: the diagnostic band's
    /// 0.05 Hz high-pass settles for seconds from where the recording starts (LUDB 97: PQ
    /// levels up to 340 µV apart in the same beats of the recording read whole and from 0.4
    /// s on), each beat stays on its own level and the sample-wise median is a patchwork of
    /// beats whose shape follows the start of the recording (LUDB 97's QRS axis -52° whole,
    /// -36° from 0.4 s on; on the analysis copy -45° and -44°). The 0.5 Hz high-pass settles
    /// within a second. The T axis stays on the display copy: a 0.5 Hz high-pass takes part
    /// of a broad T wave's area (on the analysis copy MUSE example2's T axis read 45°, device
    /// 12°).
    pub fn frontal_axes(&self, k_i: f64) -> Axis {
        let fs_m = self.beats.fs_m;
        let med_global = &self.waves.global;
        let mut axis = Axis::default();
        // The axis of the wave over `a..=c` on median beats of I and aVF, each against its PQ
        // level before the QRS onset `on`.
        let axis_on = |mi: &[f64], mf: &[f64], on: usize, a: usize, c: usize| {
            let (bi, bf) = (baseline(mi, on, fs_m), baseline(mf, on, fs_m));
            frontal_axis(k_i * net_area(mi, a, c, bi)?, net_area(mf, a, c, bf)?)
        };
        if let Some(q) = med_global.qrs
            && let (Some(on), Some(off)) = (q.on, q.off)
        {
            if let (Some(mi), Some(mf)) = (
                self.analysis_of(&LeadLabel::I),
                self.analysis_of(&LeadLabel::AVF),
            ) {
                axis.qrs = axis_on(mi, mf, on, on, off);
                // P waves found only at the low floor are too small for their net areas to
                // give an axis (the baseline's residue decides it): no P axis, so no ectopic
                // atrial rhythm from it.
                if let Some(p) = med_global.p
                    && let (Some(pon), Some(poff)) = (p.on, p.off)
                    && self.p_min_mv >= P_MIN_MV
                {
                    axis.p = axis_on(mi, mf, on, pon, poff);
                }
            }
            if let (Some(mi), Some(mf)) = (
                self.display_of(&LeadLabel::I),
                self.display_of(&LeadLabel::AVF),
            ) && let Some(t) = med_global.t
                && let Some(toff) = t.off
            {
                axis.t = axis_on(mi, mf, on, off + ms(fs_m, 40.0), toff);
            }
        }
        axis
    }

    /// The P wave's net area in a lead given as (recorded lead, sign): a lead as it would be
    /// recorded with swapped limb electrodes back in place (`lead_reversal::Reversal::source`).
    fn p_area_in(&self, (l, sign): (LeadLabel, f64)) -> Option<f64> {
        match self.waves.global.p {
            Some(Points {
                on: Some(pon),
                off: Some(poff),
                ..
            }) if self.p_min_mv >= P_MIN_MV => self
                .display_of(&l)
                .and_then(|x| p_net_area(x, pon, poff, self.beats.fs_m))
                .map(|a| sign * a),
            _ => None,
        }
    }

    /// The P-wave polarities, which do not depend on the leads' gains, from the leads as
    /// recorded or, with limb electrodes swapped (`reversal`), from where those leads would
    /// have been. A P wave from the sinus node is upright in II and inverted in aVR (a
    /// frontal vector within -30..+120°); a retrograde P wave, spreading from the AV junction
    /// or the low atria upwards, is inverted in every inferior lead present (II, III, aVF; at
    /// least two).
    pub fn p_polarity(&self, reversal: Option<Reversal>) -> PPolarity {
        let source = |l: LeadLabel| match reversal {
            Some(r) => r.source(&l),
            None => (l, 1.0),
        };
        let sinus = self
            .p_area_in(source(LeadLabel::II))
            .zip(self.p_area_in(source(LeadLabel::AVR)))
            .map(|(up, down)| up > 0.0 && down < 0.0);
        let areas: Vec<f64> = [LeadLabel::II, LeadLabel::III, LeadLabel::AVF]
            .into_iter()
            .filter_map(|l| self.p_area_in(source(l)))
            .collect();
        let inferior_inverted = (areas.len() >= 2).then(|| areas.iter().all(|&a| a < 0.0));
        PPolarity {
            sinus,
            inferior_inverted,
        }
    }

    /// Each lead's amplitudes on its display-copy median beat; the ST levels and the T wave's
    /// extreme on the median of the beats of `display` (the display copy at the recording's
    /// rate), each levelled on the line through its PQ level and the next beat's (`beats`:
    /// all the recording's fiducials), over the median beat's ST and T windows, where enough
    /// beats hold them ([`crate::measure::levelled_median`]). None in a lead the analysis
    /// takes as off (its analysis copy zeroed: flat, or without beats), whose display copy
    /// holds only what the electrode picked up.
    pub fn amplitudes(
        &self,
        display: &[Vec<f64>],
        beats: &[usize],
        fs: f64,
    ) -> Vec<LeadAmplitudes> {
        let b = self.beats;
        let g = &self.waves.global;
        // A median-beat index as an offset from the fiducial, in samples at `fs`.
        let from_fiducial =
            |i: usize| (i as f64 - b.pre_m as f64) * b.ratio.1 as f64 / b.ratio.0 as f64;
        let qrs = g
            .qrs
            .and_then(|q| Some((from_fiducial(q.on?), from_fiducial(q.off?))));
        b.leads
            .iter()
            .zip(&b.lead_fids)
            .map(|((k, md, mc), fids)| {
                if crate::quality::taken_as_off(mc) {
                    return LeadAmplitudes::unmeasured(self.labels[*k].clone());
                }
                let mut a = amplitudes(self.labels[*k].clone(), md, g, b.fs_m);
                let (Some((on, off)), Some(x)) = (qrs, display.get(*k)) else {
                    return a;
                };
                // Each beat with the one after it.
                let fids: Vec<(usize, Option<usize>)> = fids
                    .iter()
                    .map(|&f| (f, beats.get(beats.partition_point(|&x| x <= f)).copied()))
                    .collect();
                let fids = fids.as_slice();
                if a.st_j.is_some() {
                    let [j, j60, j80] = levelled_st(x, fids, (on, off), fs);
                    a.st_j = j.map(uv).or(a.st_j);
                    a.st_j60 = j60.map(uv).or(a.st_j60);
                    a.st_j80 = j80.map(uv).or(a.st_j80);
                }
                if let Some((t_on, t_off)) = t_window(md.len(), g, b.fs_m) {
                    let t = (from_fiducial(t_on), from_fiducial(t_off));
                    a.t = levelled_t(x, fids, on, t, fs).map(uv).or(a.t);
                }
                a
            })
            .collect()
    }

    /// Limb electrodes swapped (`crate::lead_reversal`): the P-wave polarities, the net QRS
    /// and the T waves of the limb leads, V5 and V6 on the median beats (`amps`).
    pub fn reversal(&self, amps: &[LeadAmplitudes]) -> Option<Reversal> {
        let p_area = |l: &LeadLabel| self.p_area_in((l.clone(), 1.0));
        let amp_of = |l: &LeadLabel| amps.iter().find(|a| &a.lead == l);
        let qrs_net = |l: &LeadLabel| {
            amp_of(l).and_then(|a| {
                let v = |x: Option<ecg::Microvolts>| x.map_or(0.0, |x| x.0);
                a.r.or(a.q).or(a.s).map(|_| v(a.r) + v(a.q) + v(a.s))
            })
        };
        let t_sign = |l: &LeadLabel| amp_of(l).and_then(|a| a.t).map(|t| t.0);
        lead_reversal::suspected(&lead_reversal::Polarity {
            p: &p_area,
            qrs: &qrs_net,
            t: &t_sign,
        })
    }

    /// `read` of each lead's QRS on the analysis copy's median beat: its label, the beat, the
    /// global QRS onset, the leads' QRS end (`measure::qrs_end`) and this lead's own end.
    fn per_lead_qrs<T>(
        &self,
        read: impl Fn(LeadLabel, &[f64], usize, &QrsEnd, usize) -> Option<T>,
    ) -> Vec<T> {
        match (
            self.waves.global.qrs.and_then(|q| q.on),
            &self.waves.qrs_end,
        ) {
            (Some(on), Some(e)) => self
                .beats
                .leads
                .iter()
                .zip(&e.leads)
                .filter_map(|((k, _, mc), &end)| read(self.labels[*k].clone(), mc, on, e, end))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// QRS shapes of the analysis copy's median beats for the conduction criteria, each read
    /// to its own lead's end.
    pub fn qrs_shapes(&self) -> Vec<QrsShape> {
        let fs_m = self.beats.fs_m;
        self.per_lead_qrs(|lead, mc, on, e, end| qrs_shape(lead, mc, on, e.common, end, fs_m))
    }

    /// End-QRS notches and slurs for the early repolarisation pattern, on the same beats.
    pub fn end_qrs(&self) -> Vec<EndQrs> {
        let fs_m = self.beats.fs_m;
        self.per_lead_qrs(|lead, mc, on, _, end| end_qrs_notch_or_slur(lead, mc, on, end, fs_m))
    }

    /// The leads the median beat's intervals were measured in (those that set their global
    /// boundaries), in the standard order whatever the file's (others after them, as
    /// stored): an interval statement rests on them.
    pub fn interval_leads(&self) -> IntervalLeads {
        let b = boundary_leads(&self.waves.per_lead, &self.waves.global);
        let label = |k: &usize| self.labels[self.beats.leads[*k].0].clone();
        let union = |x: &[usize], y: &[usize]| -> Vec<LeadLabel> {
            let mut k: Vec<usize> = x.iter().chain(y).copied().collect();
            k.sort_unstable();
            k.dedup();
            let mut leads: Vec<LeadLabel> = k.iter().map(label).collect();
            LeadLabel::sort_standard(&mut leads);
            leads
        };
        IntervalLeads {
            p: union(&b.p_on, &b.p_off),
            pr: union(&b.p_on, &b.qrs_on),
            qt: union(&b.qrs_on, &b.t_off),
        }
    }
}
