//! The median beats (stage 7 of [`super::analyze`]): the dominant beats chosen (not those a
//! premature beat disturbs), each lead's median built at the recording's rate over them
//! from the display and the analysis copies, and taken to `median::MEASURE_RATE_HZ`, where
//! they are delineated and measured.

use std::ops::Range;

use ecg::LeadLabel;
use rayon::prelude::*;

use crate::classify::{BeatClass, MIN_DIFFERENT_LEADS, paced_majority};
use crate::delineate::{
    BeatContext, BeatWaves, Kind, LeadView, Points, delineate, global_boundaries, harmonise, ms,
    reconcile, t_end_before_next_p, t_within_dominant_t,
};
use crate::detect::median;
use crate::error::Error;
use crate::measure::{QrsEnd, qrs_end};
use crate::median::{
    MedianBeat, beat_shifts, from_measure_index, measure_ratio, median_beat,
    median_beat_at_measure_rate, median_beat_fids, to_measure_index,
};
use crate::quality::overlaps;
use crate::resample::PolyResampler;

use super::delineation::PLook;
use super::{AnalysisOptions, MEDIAN_P_BEFORE_T_END_MS};

/// The median beats leave out the beats followed by a premature one when at least this many
/// dominant beats, and half of them, remain (a median of fewer beats is a noisy beat: a
/// five-beat MIMIC segment's QRS went from 150 to 232 ms on three).
const MIN_UNDISTURBED_MEDIAN_BEATS: usize = 4;
/// A ventricular premature beat this close (ms) after a dominant one falls on its T wave.
const T_DISTURBED_WITHIN_MS: f64 = 450.0;

/// The median beat of every lead with what it was built from.
pub(super) struct MedianBeats {
    /// The beats the medians are built over (fiducials).
    pub fids: Vec<usize>,
    /// Samples before the fiducial in each median beat at the recording's rate.
    pub pre: usize,
    /// The measure rate over the recording's, as (up, down).
    pub ratio: (usize, usize),
    /// The rate (Hz) the median beats are measured at.
    pub fs_m: f64,
    /// The fiducial's index in each median beat at `fs_m`.
    pub pre_m: usize,
    /// The display copy's median beats at `fs_m`, as the app shows them.
    pub medians: Vec<MedianBeat>,
    /// Per lead with a median beat: its index in the recording's leads, the display copy's
    /// and the analysis copy's median at `fs_m`.
    pub leads: Vec<(usize, Vec<f64>, Vec<f64>)>,
    /// The analysis copy's median beats at the recording's rate, in the order of `leads`.
    pub clean_native: Vec<Vec<f64>>,
    /// The beats each lead's median is built over (fiducials, [`median_beat_fids`]), in the
    /// order of `leads`.
    pub lead_fids: Vec<Vec<usize>>,
}

impl MedianBeats {
    /// The mean of `x` (a lead at the recording's rate) over the beats the medians are built
    /// over, from median-beat index `on` to `off` (at `fs_m`): a linear average, so leads
    /// that are linear combinations of each other keep that relation in it (the sample-wise
    /// median does not, and each lead's median leaves out the beats that differ in it).
    pub fn mean_window(&self, x: &[f64], on: usize, off: usize) -> Option<Vec<f64>> {
        let (a, b) = (
            from_measure_index(on, self.ratio),
            from_measure_index(off, self.ratio),
        );
        let len = b.checked_sub(a)? + 1;
        let mut sum = vec![0.0; len];
        let mut n = 0usize;
        for &f in &self.fids {
            let Some(start) = (f + a).checked_sub(self.pre) else {
                continue;
            };
            let Some(w) = x.get(start..start + len) else {
                continue;
            };
            sum.iter_mut().zip(w).for_each(|(s, v)| *s += v);
            n += 1;
        }
        (n > 0).then(|| sum.into_iter().map(|s| s / n as f64).collect())
    }

    /// The median beats of `display` and `clean` (the leads `labels` at `fs`) over the
    /// beats at `fids` of the dominant class (`classes`, with each beat's `different_leads`);
    /// a lead's beats where it was off (`off_spans`, per lead) left out of its median.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        labels: &[LeadLabel],
        clean: &[Vec<f64>],
        display: &[Vec<f64>],
        fids: &[usize],
        classes: &[BeatClass],
        different_leads: &[Vec<usize>],
        off_spans: &[Vec<Range<usize>>],
        opts: &AnalysisOptions,
        fs: f64,
    ) -> Result<Self, Error> {
        // Beats of the dominant class whose QRS also has the dominant shape (a late-coupled
        // ectopic, a fusion or an artefact that is not premature stays out of the median).
        // Paced beats are of the dominant class only in a paced rhythm (more than half the
        // beats): among a majority of conducted beats they are another QRS.
        let paced_rhythm = paced_majority(
            classes.iter().filter(|&&c| c == BeatClass::Paced).count(),
            classes.len(),
        );
        let dominant_fids: Vec<usize> = fids
            .iter()
            .zip(classes)
            .zip(different_leads)
            .filter(|((_, c), d)| {
                (**c == BeatClass::Normal || (paced_rhythm && **c == BeatClass::Paced))
                    && d.len() < MIN_DIFFERENT_LEADS
            })
            .map(|((&f, _), _)| f)
            .collect();
        // Nor a beat whose T wave the next beat falls on, when enough others remain: a
        // supraventricular premature beat's P wave rides on it (a PAC after every other beat of a
        // sinus rhythm at 90/min put a hump past the median T wave: QT 560 ms, QTc 691 ms), and so
        // does any beat within [`T_DISTURBED_WITHIN_MS`].
        let followed_by_ectopic = |f: usize| {
            fids.binary_search(&f).is_ok_and(|i| {
                classes.get(i + 1).is_some_and(|c| match c {
                    BeatClass::Supraventricular => true,
                    BeatClass::Ventricular => fids
                        .get(i + 1)
                        .is_some_and(|&nx| ((nx - f) as f64) < T_DISTURBED_WITHIN_MS * fs / 1000.0),
                    _ => false,
                })
            })
        };
        let undisturbed: Vec<usize> = dominant_fids
            .iter()
            .copied()
            .filter(|&f| !followed_by_ectopic(f))
            .collect();
        let med_fids = if undisturbed.len() >= MIN_UNDISTURBED_MEDIAN_BEATS
            && 2 * undisturbed.len() >= dominant_fids.len()
        {
            undisturbed
        } else if dominant_fids.len() >= 2 {
            dominant_fids
        } else {
            fids.to_vec()
        };
        let pre = ms(fs, 500.0);
        let post = ms(fs, 700.0);
        // The median beats are built at the recording's rate and delineated and measured at
        // `median::MEASURE_RATE_HZ` (`fs_m`): every index into them below is on that grid.
        let ratio = measure_ratio(fs);
        let fs_m = fs * ratio.0 as f64 / ratio.1 as f64;
        let pre_m = to_measure_index(pre, ratio);
        // Per lead, the beats (indices into `med_fids`) it saw: all but those whose window
        // meets a stretch where it was off (all again when that leaves none: the quality step
        // names the lead as off).
        let seen: Vec<Vec<usize>> = (0..labels.len())
            .map(|k| {
                let off = off_spans.get(k).map_or(&[][..], Vec::as_slice);
                let all = 0..med_fids.len();
                let on: Vec<usize> = all
                    .clone()
                    .filter(|&i| {
                        !overlaps(off, med_fids[i].saturating_sub(pre), med_fids[i] + post)
                    })
                    .collect();
                if on.is_empty() { all.collect() } else { on }
            })
            .collect();
        let fids_of = |k: usize| -> Vec<usize> { seen[k].iter().map(|&i| med_fids[i]).collect() };
        let native_medians: Vec<Option<_>> = labels
            .par_iter()
            .enumerate()
            .map(|(k, _)| {
                let fk = fids_of(k);
                let (md, nb) = median_beat(&display[k], &fk, pre, post, opts.max_median_beats)?;
                let (mc, _) = median_beat(&clean[k], &fk, pre, post, opts.max_median_beats)?;
                Some((md, mc, nb))
            })
            .collect();
        // At another rate, each beat aligned on the native median beat to a fraction of a sample.
        let shifts = if ratio == (1, 1) {
            Vec::new()
        } else {
            let (leads, meds): (Vec<&[f64]>, Vec<&[f64]>) = native_medians
                .iter()
                .enumerate()
                .filter_map(|(k, m)| Some((clean[k].as_slice(), m.as_ref()?.1.as_slice())))
                .unzip();
            beat_shifts(&leads, &meds, &med_fids, pre, fs)
        };
        let resampler = PolyResampler::new(ratio.0, ratio.1)?;
        let at_measure_rate = |k: usize, x: &[f64], native: Vec<f64>| {
            if ratio == (1, 1) {
                return Some(native);
            }
            let shifts_k: Vec<f64> = seen[k].iter().map(|&i| shifts[i]).collect();
            let at = median_beat_at_measure_rate;
            at(
                x,
                &fids_of(k),
                &shifts_k,
                pre,
                post,
                opts.max_median_beats,
                &resampler,
            )
            .map(|(m, _)| m)
        };
        let per_lead_medians: Vec<_> = native_medians
            .into_par_iter()
            .enumerate()
            .map(|(k, m)| {
                let (md, mc, nb) = m?;
                let md_m = at_measure_rate(k, &display[k], md)?;
                let mc_m = at_measure_rate(k, &clean[k], mc.clone())?;
                let beat = MedianBeat {
                    lead: labels[k].clone(),
                    fs_hz: fs_m,
                    samples_mv: md_m.iter().map(|&v| v as f32).collect(),
                    fiducial_sample: pre_m,
                    n_beats: nb,
                };
                let used = median_beat_fids(
                    &fids_of(k),
                    display[k].len(),
                    pre,
                    post,
                    opts.max_median_beats,
                );
                Some((beat, (k, md_m, mc_m), mc, used))
            })
            .collect();
        let (mut medians, mut med_clean, mut med_clean_native, mut lead_fids) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (beat, lead, native, fk) in per_lead_medians.into_iter().flatten() {
            medians.push(beat);
            med_clean.push(lead);
            med_clean_native.push(native);
            lead_fids.push(fk);
        }
        Ok(Self {
            fids: med_fids,
            pre,
            ratio,
            fs_m,
            pre_m,
            medians,
            leads: med_clean,
            clean_native: med_clean_native,
            lead_fids,
        })
    }

    /// The median beats delineated: per lead, the global boundaries, and where the QRS ends.
    pub fn delineate(&self, b: &BeatsFound<'_>) -> MedianWaves {
        let med_len = self.leads.first().map_or(0, |(_, _, mc)| mc.len());
        // The median beat's neighbours are one median RR away (where the window holds them), so
        // its T search stops before the next P as it does in the beats themselves.
        let rr_med_m = b.rr_med * self.ratio.0 as f64 / self.ratio.1 as f64;
        let rr_med_samples = rr_med_m.round() as usize;
        let med_ctx = BeatContext {
            fid: self.pre_m,
            prev: self.pre_m.checked_sub(rr_med_samples),
            next: Some(self.pre_m + rr_med_samples).filter(|&nx| nx < med_len),
            rr: rr_med_m,
            prev_t_off: None,
            want_p: b.want_p,
            p_min_mv: b.look.min_mv,
            p_reach_ms: b.look.reach_ms,
            spike: None,
            p_on_t: None,
            prev_t_peak: None,
        };
        let med_refs: Vec<&[f64]> = self.leads.iter().map(|(_, _, mc)| mc.as_slice()).collect();
        let med_views: Vec<LeadView<'_>> = LeadView::many(&med_refs, self.fs_m);
        // The previous beat's T ends one median RR before the median T offset; at fast rates it
        // lies inside the 300 ms P search window (muse-sinus at 90 bpm: a "P onset" on the previous
        // T's downslope, PR 310 ms). The per-beat delineation knows it from the previous beat; the
        // median beat takes it from a first pass (median over all the leads: a lead whose flat T
        // lets the search run on to the next beat's P cannot set it alone, as it did when the
        // leads whose T ended within the first median RR were left out: a PR of 260 ms at 70/min
        // then had no P on the median beat).
        let med_first_t: Vec<Option<Points>> =
            med_views.iter().map(|v| delineate(v, &med_ctx).t).collect();
        let t_offs: Vec<f64> = med_first_t
            .iter()
            .filter_map(|t| t.and_then(|t| t.off))
            .map(|o| o as f64)
            .collect();
        // In a regular tachycardia the median beat's P is searched on the previous T wave's
        // descending limb as in the beats (the previous T peak one median RR before the median
        // beat's own, per lead).
        let t_peaks: Vec<Option<usize>> = med_first_t
            .iter()
            .map(|t| {
                t.and_then(|t| t.peak)
                    .and_then(|pk| pk.checked_sub(rr_med_samples))
            })
            .collect();
        // Where the beats have organised P waves, the previous T ends before the median beat's
        // own P at the latest, where the beats put it: the P onset's median distance before the
        // fiducial, less [`MEDIAN_P_BEFORE_T_END_MS`] (the P search starts 20 ms after the T end
        // and looks for its peak 20 ms later). A T wave whose end the P rising out of it
        // prolongs (an inverted T, LBBB, and an upright P at 90/min and PR 0.26 s) had run
        // into it on the median beat and left no P there: "Sinus rhythm" with no PR, and the
        // QT to the P's peak ("Prolonged QT interval" by the JT index).
        let p_before_fid: Vec<f64> = b
            .fids
            .iter()
            .zip(b.global)
            .filter_map(|(&f, g)| g.p.and_then(|p| p.on).and_then(|on| f.checked_sub(on)))
            .map(|d| d as f64)
            .collect();
        let beats_p_on_m: Option<usize> = (med_ctx.want_p && !p_before_fid.is_empty())
            .then(|| median(&p_before_fid))
            .and_then(|d| {
                self.pre_m
                    .checked_sub((d * self.fs_m / b.fs).round() as usize)
            });
        let latest_prev_t_off =
            beats_p_on_m.and_then(|p| p.checked_sub(ms(self.fs_m, MEDIAN_P_BEFORE_T_END_MS)));
        let med_ctx = BeatContext {
            prev_t_off: (!t_offs.is_empty())
                .then(|| median(&t_offs).round() as usize)
                .and_then(|off| off.checked_sub(rr_med_samples))
                .map(|off| latest_prev_t_off.map_or(off, |latest| off.min(latest))),
            ..med_ctx
        };
        let med_lead_ctx = |j: usize| BeatContext {
            p_on_t: b.p_on_t[j],
            prev_t_peak: t_peaks[j],
            ..med_ctx
        };
        let mut med_lead_beats: Vec<Vec<BeatWaves>> = med_views
            .iter()
            .enumerate()
            .map(|(j, v)| vec![delineate(v, &med_lead_ctx(j))])
            .collect();
        let med_ctx_of = |_: &[Vec<BeatWaves>], j: usize, _: usize| med_lead_ctx(j);
        t_within_dominant_t(&med_views, &mut med_lead_beats, &med_ctx_of);
        harmonise(&med_views, &mut med_lead_beats, Kind::T, &med_ctx_of);
        if med_ctx.want_p {
            harmonise(&med_views, &mut med_lead_beats, Kind::P, &med_ctx_of);
        }
        // The median beat's T wave ends before its P shifted by one median RR, the next beat's P
        // (in every rhythm with organised P waves, not only a regular tachycardia: premature
        // beats make a sinus tachycardia irregular, and a T wave merging into the next P then
        // ran into it, CinC JS20000 at 117/min: QT 470 ms for an RR of 513 ms). A lead without
        // its own P onset takes the median of the others'.
        if med_ctx.want_p && !b.flutter {
            let p_ons: Vec<f64> = med_lead_beats
                .iter()
                .filter_map(|l| l[0].p.and_then(|p| p.on))
                .map(|on| on as f64)
                .collect();
            let common_p_on = (!p_ons.is_empty())
                .then(|| median(&p_ons).round() as usize)
                .or(beats_p_on_m);
            for l in med_lead_beats.iter_mut() {
                let next_p_on = l[0]
                    .p
                    .and_then(|p| p.on)
                    .or(common_p_on)
                    .map(|on| on + rr_med_samples);
                t_end_before_next_p(&mut l[0].t, next_p_on);
            }
        }
        // Per-lead boundaries within the lead spread of the median across leads, as in the beats.
        reconcile(&mut med_lead_beats, self.fs_m);
        let med_per_lead: Vec<BeatWaves> = med_lead_beats.into_iter().map(|l| l[0]).collect();
        let mut med_global = global_boundaries(&med_per_lead);
        // Where the QRS ends: past a terminal wave that outlasts the leads' common offset
        // (`measure::qrs_end`). Every reader of the median beat's QRS end takes it from here: the
        // QRS duration, the J point, the median beat's marks and the conduction criteria.
        let med_qrs_end: Option<QrsEnd> = match med_global.qrs {
            Some(Points {
                on: Some(on),
                off: Some(off),
                ..
            }) if on < off => {
                let beats: Vec<&[f64]> =
                    self.leads.iter().map(|(_, _, mc)| mc.as_slice()).collect();
                Some(qrs_end(&beats, on, off, self.fs_m, b.atrial_activity))
            }
            _ => None,
        };
        if let (Some(q), Some(e)) = (med_global.qrs.as_mut(), &med_qrs_end) {
            q.off = Some(e.end);
        }
        MedianWaves {
            per_lead: med_per_lead,
            global: med_global,
            qrs_end: med_qrs_end,
        }
    }
}

/// What the median beats' delineation takes from the beats.
pub(super) struct BeatsFound<'a> {
    /// Every beat's fiducial, at the recording's rate.
    pub fids: &'a [usize],
    /// Every beat's global waves.
    pub global: &'a [BeatWaves],
    /// Median RR (samples at the recording's rate).
    pub rr_med: f64,
    /// The recording's rate (Hz).
    pub fs: f64,
    /// Whether the median beat has a P wave to find (organised P waves, no fibrillation).
    pub want_p: bool,
    /// The P search of the pass whose P waves were kept.
    pub look: PLook,
    /// Per lead of [`MedianBeats::leads`], the sinus P polarity searched on the T wave
    /// before, where the beats' P may ride on it.
    pub p_on_t: Vec<Option<f64>>,
    /// Whether atrial flutter was found.
    pub flutter: bool,
    /// Whether atrial waves may fall in the QRS (fibrillation, flutter, activity at half the
    /// RR), which a terminal wave past the leads' common offset may then be.
    pub atrial_activity: bool,
}

/// The median beats' waves.
pub(super) struct MedianWaves {
    /// Per lead of [`MedianBeats::leads`], reconciled across the leads.
    pub per_lead: Vec<BeatWaves>,
    /// The global boundaries, the QRS to its end.
    pub global: BeatWaves,
    /// Where the QRS ends (`measure::qrs_end`).
    pub qrs_end: Option<QrsEnd>,
}
