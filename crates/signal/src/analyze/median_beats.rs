//! The median beats (stage 7 of [`super::analyze`]): the dominant beats chosen (not those a
//! premature beat disturbs), each lead's median built at the recording's rate over them
//! from the display and the analysis copies, and taken to `median::MEASURE_RATE_HZ`, where
//! they are delineated and measured.

use ecg::LeadLabel;
use rayon::prelude::*;

use crate::classify::{BeatClass, MIN_DIFFERENT_LEADS};
use crate::delineate::ms;
use crate::error::Error;
use crate::median::{
    MedianBeat, beat_shifts, measure_ratio, median_beat, median_beat_at_measure_rate,
    to_measure_index,
};
use crate::resample::PolyResampler;

use super::AnalysisOptions;

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
}

impl MedianBeats {
    /// The median beats of `display` and `clean` (the leads `labels` at `fs`) over the
    /// beats at `fids` of the dominant class (`classes`, with each beat's `different_leads`).
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        labels: &[LeadLabel],
        clean: &[Vec<f64>],
        display: &[Vec<f64>],
        fids: &[usize],
        classes: &[BeatClass],
        different_leads: &[Vec<usize>],
        opts: &AnalysisOptions,
        fs: f64,
    ) -> Result<Self, Error> {
        // Beats of the dominant class whose QRS also has the dominant shape (a late-coupled
        // ectopic, a fusion or an artefact that is not premature stays out of the median).
        let dominant_fids: Vec<usize> = fids
            .iter()
            .zip(classes)
            .zip(different_leads)
            .filter(|((_, c), d)| {
                matches!(c, BeatClass::Normal | BeatClass::Paced) && d.len() < MIN_DIFFERENT_LEADS
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
        let native_medians: Vec<Option<_>> = labels
            .par_iter()
            .enumerate()
            .map(|(k, _)| {
                let (md, nb) =
                    median_beat(&display[k], &med_fids, pre, post, opts.max_median_beats)?;
                let (mc, _) = median_beat(&clean[k], &med_fids, pre, post, opts.max_median_beats)?;
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
        let at_measure_rate = |x: &[f64], native: Vec<f64>| {
            if ratio == (1, 1) {
                return Some(native);
            }
            let at = median_beat_at_measure_rate;
            at(
                x,
                &med_fids,
                &shifts,
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
                let md_m = at_measure_rate(&display[k], md)?;
                let mc_m = at_measure_rate(&clean[k], mc.clone())?;
                let beat = MedianBeat {
                    lead: labels[k].clone(),
                    fs_hz: fs_m,
                    samples_mv: md_m.iter().map(|&v| v as f32).collect(),
                    fiducial_sample: pre_m,
                    n_beats: nb,
                };
                Some((beat, (k, md_m, mc_m), mc))
            })
            .collect();
        let (medians, med_clean, med_clean_native): (Vec<MedianBeat>, Vec<_>, Vec<Vec<f64>>) =
            per_lead_medians.into_iter().flatten().fold(
                Default::default(),
                |(mut a, mut b, mut c), (x, y, z)| {
                    a.push(x);
                    b.push(y);
                    c.push(z);
                    (a, b, c)
                },
            );
        Ok(Self {
            fids: med_fids,
            pre,
            ratio,
            fs_m,
            pre_m,
            medians,
            leads: med_clean,
            clean_native: med_clean_native,
        })
    }
}
