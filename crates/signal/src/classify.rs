//! Beat classification: normal, supraventricular, ventricular, paced, unknown.
//!
//! Rules on features per beat, in the spirit of the AAMI EC57 classes (N, S, V, paced,
//! Q/unknown):
//! - **Morphology, lead by lead**: each lead's QRS (-50..+100 ms around the fiducial, moved
//!   by up to [`FIDUCIAL_JITTER_MS`] to where it matches best) is compared with that lead's
//!   dominant template (its beats moved so too) (sample-wise median of all beats; of the
//!   beats conducted at the dominant PR and not premature when [`BLEND_SHARE`] of the beats
//!   differ from that, as in bigeminy; of the unpaced beats when paced beats are fewer than
//!   half, whose QRS would pull the median of all beats towards theirs): it
//!   *differs* in that lead when the correlation is below [`LEAD_DIFFERENT`] or its size is
//!   outside [`SIZE_RATIO`]. Only leads whose template QRS is at least [`USABLE_LEAD`] of the
//!   largest lead's count, so one noisy small lead cannot make a beat ectopic.
//! - **Prematurity**: the preceding RR against the median RR of the 16 surrounding beats
//!   (premature below [`PREMATURE`]), and the following RR (a compensatory pause: an RR
//!   short against the one after it and abruptly shorter than the one before is premature
//!   for the ventricular test, where the local median is the ectopic RR in bigeminy).
//! - **P-wave relation**: a P wave before the beat at the dominant PR (within 40 ms).
//! - **Pacing**: a pacemaker spike within 60 ms before the QRS onset and at least
//!   [`SPIKE_BEFORE_FIDUCIAL_MS`] before the QRS fiducial (its energy centre): a pacing
//!   stimulus starts the depolarisation, so a "spike" at the centre of the QRS is the sharp
//!   peak of a narrow R wave (LUDB 63), not a stimulus. A beat with no spike found, no P wave
//!   before it and the QRS of the paced beats (same test as below, against their template)
//!   is paced too (small bipolar stimuli are missed); on one or two leads, a beat whose QRS
//!   differs from theirs in every lead has another QRS (a conducted beat of fibrillation
//!   under pacing was "paced" on a two-lead monitor whatever its QRS). With spikes before
//!   fewer than three beats (and most beats without), a beat with a spike and the dominant
//!   QRS is not paced: a stimulus that made no QRS of its own is an artefact or did not
//!   capture. Where paced beats are a minority, they stay paced only where a pacemaker
//!   would pace, after one escape interval or at one AV delay after a P wave, and at least
//!   two of them ([`pacing_credible`]).
//!
//! Order: paced; then ventricular when the beat differs in at least [`MIN_DIFFERENT_LEADS`]
//! leads and in at least 40 % of the usable leads, and is premature (or, in atrial
//! fibrillation where prematurity means nothing, differs in at least 60 % of the leads), and
//! no P wave precedes it at the dominant PR (a premature beat with such a P wave and a
//! different QRS is conducted with aberration: supraventricular); then supraventricular
//! (premature with the dominant morphology, never in atrial fibrillation where every RR is
//! "premature"); then normal. A beat that differs everywhere but is not premature (an
//! artefact, an escape or fusion beat) stays normal unless it differs in at least 80 % of
//! the leads and is also at least 40 ms wider than the dominant beat. A beat that would be
//! ectopic but is preceded by a burst of artefact in every lead ([`ARTEFACT_NOISE_RATIO`])
//! is not classified (Q): the "beat" is itself artefact, or its shape is.
//!
//! On one or two usable leads (a Holter, a monitor) no beat can differ in
//! [`MIN_DIFFERENT_LEADS`] leads, so none is ventricular by its shape. A run of beats whose
//! QRS differs in a usable lead is ventricular by its width and timing instead
//! ([`ventricular_runs_by_width`]: QRS >= [`FEW_LEADS_VENTRICULAR_QRS_MS`] and
//! [`WIDER_THAN_DOMINANT_MS`] wider than the dominant one, premature, a pause after, not
//! interposed, between clean beats of the dominant QRS, the beats of a run of one shape): a
//! two-lead Holter could otherwise show no ventricular beat and no ventricular tachycardia.
//! Another premature beat whose QRS
//! differs in a usable lead is not classified (Q, and counted in
//! [`Classified::undetermined_premature`]): it is not supraventricular with the dominant
//! QRS, and so few leads cannot tell a ventricular beat from aberrant conduction or
//! artefact.

use serde::{Deserialize, Serialize};

use crate::delineate::ms;
use crate::detect::{median, quantile, robust_sd};
use crate::median::column_medians;

/// The class of a beat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BeatClass {
    /// Conducted beat of the dominant rhythm (AAMI N).
    Normal,
    /// Supraventricular ectopic (premature, narrow, dominant morphology; AAMI S).
    Supraventricular,
    /// Ventricular ectopic (different and/or wider morphology; AAMI V).
    Ventricular,
    /// Preceded by a pacemaker spike.
    Paced,
    /// Not classifiable (at the record edges or without usable leads; AAMI Q).
    Unknown,
}

impl BeatClass {
    /// The MIT-BIH / WFDB beat code: `N`, `S`, `V`, `/`, `Q`.
    pub fn code(self) -> &'static str {
        match self {
            BeatClass::Normal => "N",
            BeatClass::Supraventricular => "S",
            BeatClass::Ventricular => "V",
            BeatClass::Paced => "/",
            BeatClass::Unknown => "Q",
        }
    }
}

/// A lead's QRS differs from its template below this correlation.
pub(crate) const LEAD_DIFFERENT: f64 = 0.8;
/// ... or when its peak-to-peak size is outside this ratio of the template's.
pub(crate) const SIZE_RATIO: (f64, f64) = (0.5, 2.0);
/// A beat's correlation must also lie this far below the lead's typical correlation (upper
/// quartile over its beats) to differ: in a noisy lead every beat correlates less with the
/// template.
pub(crate) const NOISE_MARGIN: f64 = 0.2;
/// A lead takes part when its template QRS is at least this fraction of the largest lead's.
pub(crate) const USABLE_LEAD: f64 = 0.15;
/// The QRS window a beat's shape is compared in: this many ms before and after its fiducial.
const QRS_WINDOW_MS: (f64, f64) = (50.0, 100.0);
/// A beat's QRS is compared with the template at the shift, up to this many ms either way
/// (at least one sample), that matches it best over the usable leads ([`morphologies`]):
/// alike beats' fiducials stand a sample or two apart where the QRS energy has two lobes of
/// about equal size, or the beat falls between samples at 128-360 Hz. Not more: a shift of
/// 24 ms let conducted beats under pacing pass for paced ones in one lead (LUDB 95 on I).
const FIDUCIAL_JITTER_MS: f64 = 4.0;
/// Times the template's beats are moved onto it and its median taken again.
const ALIGNMENT_PASSES: usize = 3;
/// A beat correlating at least this well with the template in every usable lead at its
/// fiducial is compared there (a shift would gain it little). Not lower: each lead's bar is
/// its upper quartile of correlations less [`NOISE_MARGIN`], so the skipped beats' slightly
/// lower correlations lower every beat's bar (at 0.9, MIT-BIH 208 kept an AF episode that
/// comparing every beat at its best shift removes).
const ALIGNED: f64 = 0.97;
/// A ventricular beat differs in at least this many leads.
pub(crate) const MIN_DIFFERENT_LEADS: usize = 3;
/// A run of wide beats on one or two leads spans, from the beat before it to the beat after
/// it, at least this many cycles of the rhythm before it ([`ventricular_runs_by_width`]).
const NOT_INTERPOSED: f64 = 1.25;
/// A full compensatory pause: the RR before and after a beat together within this fraction of
/// two cycles of the rhythm before it.
const COMPENSATORY_TOLERANCE: f64 = 0.1;
/// On fewer than [`MIN_DIFFERENT_LEADS`] usable leads (a Holter, a monitor), a beat whose QRS
/// differs in a usable lead is ventricular when its QRS lasts at least this long (ms) ...
pub(crate) const FEW_LEADS_VENTRICULAR_QRS_MS: f64 = 120.0;
/// ... and at least this much (ms) longer than the dominant beat's.
pub(crate) const WIDER_THAN_DOMINANT_MS: f64 = 40.0;
/// A beat is premature when its RR is below this fraction of the local median RR.
pub(crate) const PREMATURE: f64 = 0.85;

/// ... and below this fraction of the RR before it.
pub(crate) const ABRUPT: f64 = 0.9;
/// When at least this share of the beats differ from the template of all beats (in at least
/// 40 % of the leads), that template is a blend of two kinds (bigeminy), and the beats
/// conducted at the dominant PR are the template instead.
const BLEND_SHARE: f64 = 0.3;

/// A pacing spike precedes the QRS fiducial (energy centre) by at least this much (ms); on
/// the paced LUDB dev records the stimulus leads it by 36-160 ms.
pub(crate) const SPIKE_BEFORE_FIDUCIAL_MS: f64 = 20.0;

/// A ventricular pacing stimulus lies at most this long (ms) before the QRS onset.
pub(crate) const SPIKE_BEFORE_ONSET_MS: f64 = 60.0;

/// The last pacing spike that starts the QRS at `fid` (onset `qrs_on`, else 50 ms before the
/// fiducial): within [`SPIKE_BEFORE_ONSET_MS`] before the onset and at least
/// [`SPIKE_BEFORE_FIDUCIAL_MS`] before the fiducial. `spikes` in time order.
pub(crate) fn ventricular_stimulus(
    spikes: &[usize],
    fid: usize,
    qrs_on: Option<usize>,
    fs: f64,
) -> Option<usize> {
    let on = qrs_on.unwrap_or(fid.saturating_sub(ms(fs, 50.0)));
    let lo = on.saturating_sub(ms(fs, SPIKE_BEFORE_ONSET_MS));
    let hi = fid.saturating_sub(ms(fs, SPIKE_BEFORE_FIDUCIAL_MS));
    spikes.iter().rev().find(|&&s| s >= lo && s <= hi).copied()
}

/// Paced beats needed for a paced template against which beats without a spike found are
/// compared.
const MIN_PACED_TEMPLATE: usize = 3;

/// A beat is not classed ectopic when the signal before it (from [`QUIET_FROM_MS`] to
/// [`QUIET_TO_MS`] before its fiducial, not within [`QUIET_AFTER_PREVIOUS_MS`] of the
/// beat before) is this many times noisier than the recording's typical beat there in every
/// lead: a burst of artefact, in which the "beat" itself is artefact more often than not
/// (a CinC 2015 ICU recording's false alarm: 15 "premature beats" in bursts 13-38 times the
/// typical noise; MIT-BIH 100's 33 atrial premature beats 1.05-1.56 times).
const ARTEFACT_NOISE_RATIO: f64 = 4.0;
const QUIET_FROM_MS: f64 = 300.0;
const QUIET_TO_MS: f64 = 80.0;
const QUIET_AFTER_PREVIOUS_MS: f64 = 150.0;

/// Per beat, where the signal before it is a burst of artefact ([`artefact_before`]).
pub(crate) struct ArtefactBefore {
    /// In every lead: an ectopic beat there is not classified.
    pub every_lead: Vec<bool>,
    /// In at least one lead: a beat judged on its width alone is not ventricular
    /// ([`ventricular_runs_by_width`]).
    pub some_lead: Vec<bool>,
}

/// Per beat, whether the signal before it is a burst of artefact ([`ARTEFACT_NOISE_RATIO`]),
/// in every lead and in some lead: the RMS of its sample-to-sample change over the quiet
/// window against the lead's median over the beats. It depends on the leads and the beats
/// only, so the caller computes it once for the classification passes
/// ([`ClassifyInput::artefact`]).
pub(crate) fn artefact_before(leads: &[Vec<f64>], fids: &[usize], fs: f64) -> ArtefactBefore {
    let window = |i: usize| -> Option<(usize, usize)> {
        let f = fids[i];
        let mut a = f.checked_sub(ms(fs, QUIET_FROM_MS))?;
        if i > 0 {
            a = a.max(fids[i - 1] + ms(fs, QUIET_AFTER_PREVIOUS_MS));
        }
        let b = f.checked_sub(ms(fs, QUIET_TO_MS))?;
        (b > a + ms(fs, 60.0)).then_some((a, b))
    };
    let per_lead: Vec<Vec<Option<f64>>> = leads
        .iter()
        .map(|x| {
            (0..fids.len())
                .map(|i| {
                    let (a, b) = window(i)?;
                    let d = x.get(a..=b)?;
                    let ss: f64 = d.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
                    Some((ss / (d.len() - 1) as f64).sqrt())
                })
                .collect()
        })
        .collect();
    let typical: Vec<f64> = per_lead
        .iter()
        .map(|v| {
            let f: Vec<f64> = v.iter().flatten().copied().collect();
            if f.is_empty() { 0.0 } else { median(&f) }
        })
        .collect();
    let noisy = |i: usize, k: usize| {
        let t = typical[k];
        per_lead[k][i].is_some_and(|r| t > 0.0 && r > ARTEFACT_NOISE_RATIO * t)
    };
    let n_leads = leads.len();
    ArtefactBefore {
        every_lead: (0..fids.len())
            .map(|i| n_leads > 0 && (0..n_leads).all(|k| noisy(i, k)))
            .collect(),
        some_lead: (0..fids.len())
            .map(|i| (0..n_leads).any(|k| noisy(i, k)))
            .collect(),
    }
}

/// A paced rhythm: more than half of `beats` beats paced.
pub(crate) fn paced_majority(paced: usize, beats: usize) -> bool {
    paced * 2 > beats
}

/// Per-beat inputs.
pub(crate) struct BeatFeatures {
    pub fid: usize,
    pub qrs_ms: Option<f64>,
    pub qrs_on: Option<usize>,
    /// PR (P onset to QRS onset, samples) when a P wave was found before the beat.
    pub pr: Option<usize>,
}

pub(crate) struct ClassifyInput<'a> {
    pub leads: &'a [Vec<f64>],
    pub fs: f64,
    pub beats: &'a [BeatFeatures],
    pub spikes: &'a [usize],
    pub atrial_fibrillation: bool,
    /// Per beat, bursts of artefact before it ([`artefact_before`] of `leads` at the beats).
    pub artefact: &'a ArtefactBefore,
}

/// How one beat's QRS compares with the dominant beat's, lead by lead.
#[derive(Debug, Clone, Default)]
pub(crate) struct Morphology {
    /// Leads taking part (template large enough).
    pub usable: usize,
    /// Indices of the usable leads where the beat differs.
    pub different: Vec<usize>,
}

impl Morphology {
    /// Whether the beat differs in at least [`MIN_DIFFERENT_LEADS`] leads and in at least
    /// `share` of the usable ones.
    fn differs_in(&self, share: f64) -> bool {
        let n = self.different.len();
        self.usable > 0 && n >= MIN_DIFFERENT_LEADS && n as f64 >= share * self.usable as f64
    }
}

/// Per-lead comparison of each beat with that lead's dominant template (None at the edges).
pub(crate) fn morphologies(leads: &[Vec<f64>], fs: f64, fids: &[usize]) -> Vec<Option<Morphology>> {
    morphologies_against(leads, fs, fids, fids)
}

/// Per-lead comparison of each beat of `fids` with the template (sample-wise median) of the
/// beats at `template_fids`.
fn morphologies_against(
    leads: &[Vec<f64>],
    fs: f64,
    fids: &[usize],
    template_fids: &[usize],
) -> Vec<Option<Morphology>> {
    let (pre, post) = (ms(fs, QRS_WINDOW_MS.0), ms(fs, QRS_WINDOW_MS.1));
    let n = leads.first().map_or(0, Vec::len);
    let w = pre + post;
    let inside: Vec<bool> = fids.iter().map(|&f| f >= pre && f + post <= n).collect();
    let valid: Vec<usize> = template_fids
        .iter()
        .copied()
        .filter(|&f| f >= pre && f + post <= n)
        .collect();
    if valid.is_empty() || w == 0 {
        return vec![None; fids.len()];
    }
    // Sample-wise median over at most 200 evenly spaced beats (bounded cost on Holters).
    let step = valid.len().div_ceil(200).max(1);
    let picked: Vec<usize> = valid.iter().step_by(step).copied().collect();
    let max_shift = ms(fs, FIDUCIAL_JITTER_MS);
    // The window of beat `f` moved by `d` samples (kept inside the recording). Correlation
    // and peak-to-peak size do not depend on its mean; the templates' medians do, and take
    // each window less its mean.
    let window = |k: usize, f: usize, d: isize| -> &[f64] {
        let lo = (f - pre).saturating_add_signed(d);
        &leads[k][lo..lo + w]
    };
    let shifts = |f: usize| -> std::ops::RangeInclusive<isize> {
        let back = (f - pre).min(max_shift) as isize;
        let ahead = (n - (f + post)).min(max_shift) as isize;
        -back..=ahead
    };
    let templates_of = |moved: &[(usize, isize)]| -> Vec<Vec<f64>> {
        (0..leads.len())
            .map(|k| {
                let wins: Vec<Vec<f64>> = moved
                    .iter()
                    .map(|&(f, d)| demeaned(window(k, f, d)))
                    .collect();
                let refs: Vec<&[f64]> = wins.iter().map(Vec::as_slice).collect();
                column_medians(&refs, w)
            })
            .collect()
    };
    let usable_of = |templates: &[Vec<f64>]| -> (Vec<f64>, Vec<usize>) {
        let sizes: Vec<f64> = templates.iter().map(|t| peak_to_peak(t)).collect();
        let largest = sizes.iter().copied().fold(0.0, f64::max);
        let usable = (0..leads.len())
            .filter(|&k| largest > 0.0 && sizes[k].is_finite() && sizes[k] >= USABLE_LEAD * largest)
            .collect();
        (sizes, usable)
    };
    // Per usable lead, beat `f`'s correlation with its template at shift `d`.
    let corrs = |f: usize, d: isize, templates: &[Centred], usable: &[usize]| -> Vec<f64> {
        usable
            .iter()
            .map(|&k| templates[k].corr(window(k, f, d)))
            .collect()
    };
    // The shift of beat `f` whose windows best match `templates` over `usable`, summed, and
    // its correlations there.
    let best_shift = |f: usize, templates: &[Centred], usable: &[usize]| -> (isize, Vec<f64>) {
        let at_fiducial = corrs(f, 0, templates, usable);
        // Alike in every lead where it stands, as most beats are: the search (five
        // comparisons) is skipped.
        if at_fiducial.iter().all(|&r| r >= ALIGNED) {
            return (0, at_fiducial);
        }
        let mut best = (0, at_fiducial.iter().sum::<f64>(), at_fiducial);
        for d in shifts(f).filter(|&d| d != 0) {
            let c = corrs(f, d, templates, usable);
            let s: f64 = c.iter().sum();
            if s > best.1 + 1e-12 {
                best = (d, s, c);
            }
        }
        (best.0, best.2)
    };
    let centred = |t: &[Vec<f64>]| -> Vec<Centred> { t.iter().map(|v| Centred::new(v)).collect() };
    // The fiducials (energy centres) of alike beats may sit a few samples apart where a QRS's
    // energy has two lobes of about equal size; the template is the median of the picked
    // beats each moved onto the previous median ([`ALIGNMENT_PASSES`] times), and each beat
    // is compared at its best shift.
    let mut placed: Vec<(usize, isize)> = picked.iter().map(|&f| (f, 0)).collect();
    let mut templates = templates_of(&placed);
    for _ in 0..ALIGNMENT_PASSES {
        let (_, usable) = usable_of(&templates);
        let c = centred(&templates);
        let moved: Vec<(usize, isize)> = picked
            .iter()
            .map(|&f| (f, best_shift(f, &c, &usable).0))
            .collect();
        // Where no beat moves, the template is the one it was built from, and so would be
        // every further pass's (most recordings: every beat at its fiducial).
        if moved == placed {
            break;
        }
        templates = templates_of(&moved);
        placed = moved;
    }
    let (sizes, usable) = usable_of(&templates);
    let c = centred(&templates);
    // Each beat's correlation and size ratio in each usable lead.
    let measured: Vec<Option<Vec<(f64, f64)>>> = fids
        .iter()
        .zip(&inside)
        .map(|(&f, ok)| {
            ok.then(|| {
                let (d, r) = best_shift(f, &c, &usable);
                usable
                    .iter()
                    .zip(r)
                    .map(|(&k, r)| (r, peak_to_peak(window(k, f, d)) / sizes[k]))
                    .collect()
            })
        })
        .collect();
    // A lead's own spread: noise lowers every beat's correlation with the template, so a
    // beat differs only when it is below both LEAD_DIFFERENT and the correlation of the
    // lead's typical beat (the upper quartile over its beats, which stays a dominant beat's
    // even in bigeminy) less NOISE_MARGIN.
    let thresholds: Vec<f64> = (0..usable.len())
        .map(|j| {
            let rs: Vec<f64> = measured.iter().flatten().map(|m| m[j].0).collect();
            if rs.len() >= 4 {
                LEAD_DIFFERENT.min(quantile(&rs, 0.75) - NOISE_MARGIN)
            } else {
                LEAD_DIFFERENT
            }
        })
        .collect();
    measured
        .into_iter()
        .map(|m| {
            let m = m?;
            let different = usable
                .iter()
                .zip(&m)
                .zip(&thresholds)
                .filter(|((_, (r, ratio)), thr)| {
                    *r < **thr || !(SIZE_RATIO.0..=SIZE_RATIO.1).contains(ratio)
                })
                .map(|((&k, _), _)| k)
                .collect();
            Some(Morphology {
                usable: usable.len(),
                different,
            })
        })
        .collect()
}

/// Whether beat `i` is premature: its RR (`rr[i]`, samples) short against the median RR of
/// the 16 beats around it and abruptly shorter than the RR before it (sinus arrhythmia
/// shortens the RR gradually).
fn is_premature(rr: &[Option<f64>], i: usize) -> bool {
    let lo = i.saturating_sub(8);
    let hi = (i + 9).min(rr.len());
    let local: Vec<f64> = rr[lo..hi].iter().flatten().copied().collect();
    let local_rr = median(&local);
    rr[i].is_some_and(|r| {
        local_rr > 0.0
            && r < PREMATURE * local_rr
            && rr
                .get(i.wrapping_sub(1))
                .copied()
                .flatten()
                .is_none_or(|prev| r < ABRUPT * prev)
    })
}

/// Whether the QRS complexes at fiducials `a` and `b` have one shape in every lead
/// ([`qrs_differing_leads`] is 0). The beats of a monomorphic ventricular run do; the
/// "beats" of a burst of artefact do not.
fn qrs_alike(leads: &[Vec<f64>], fs: f64, a: usize, b: usize) -> bool {
    qrs_differing_leads(leads, fs, a, b) == 0
}

/// In how many of `leads` the QRS complexes at fiducials `a` and `b` differ: the windows
/// [`morphologies`] compares correlate below [`LEAD_DIFFERENT`] or their sizes are not
/// within [`SIZE_RATIO`] of each other (a lead where either window leaves the recording
/// counts as differing).
pub(crate) fn qrs_differing_leads(leads: &[Vec<f64>], fs: f64, a: usize, b: usize) -> usize {
    let (pre, post) = (ms(fs, QRS_WINDOW_MS.0), ms(fs, QRS_WINDOW_MS.1));
    let window = |x: &[f64], f: usize| Some(demeaned(x.get(f.checked_sub(pre)?..f + post)?));
    leads
        .iter()
        .filter(|x| match (window(x, a), window(x, b)) {
            (Some(u), Some(v)) => {
                let ratio = peak_to_peak(&v) / peak_to_peak(&u);
                !(pearson(&u, &v) >= LEAD_DIFFERENT
                    && (SIZE_RATIO.0..=SIZE_RATIO.1).contains(&ratio))
            }
            _ => true,
        })
        .count()
}

/// `seg` less its mean.
fn demeaned(seg: &[f64]) -> Vec<f64> {
    let m = seg.iter().sum::<f64>() / seg.len().max(1) as f64;
    seg.iter().map(|v| v - m).collect()
}

/// Largest minus smallest value of `v` (0 when empty).
fn peak_to_peak(v: &[f64]) -> f64 {
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    if hi >= lo { hi - lo } else { 0.0 }
}

/// A template less its mean, with its sum of squares: [`pearson`] against it in one pass
/// over the other window (the template's sums are taken once for all beats and shifts).
struct Centred {
    v: Vec<f64>,
    ss: f64,
}

impl Centred {
    fn new(t: &[f64]) -> Self {
        let v = demeaned(t);
        let ss = v.iter().map(|x| x * x).sum();
        Self { v, ss }
    }

    /// Pearson's correlation of `a` (as long as the template) with the template.
    fn corr(&self, a: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (mut s, mut s2, mut sab) = (0.0, 0.0, 0.0);
        for (x, y) in a.iter().zip(&self.v) {
            s += x;
            s2 += x * x;
            sab += x * y;
        }
        // The template sums to 0: the window's mean drops out of the cross term.
        let saa = s2 - s * s / n;
        if saa <= 0.0 || self.ss <= 0.0 {
            0.0
        } else {
            sab / (saa * self.ss).sqrt()
        }
    }
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let ma = a.iter().sum::<f64>() / n;
    let mb = b.iter().sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    if saa <= 0.0 || sbb <= 0.0 {
        0.0
    } else {
        sab / (saa * sbb).sqrt()
    }
}

/// Paced beats in a minority are kept only when at least this many pass
/// [`pacing_credible`]: one beat holds no interval or delay to compare with.
const MIN_CREDIBLE_PACED: usize = 2;
/// Robust SD (ms) up to which the RR before demand-paced beats is one escape interval ...
const ESCAPE_MAX_SD_MS: f64 = 40.0;
/// ... and each such RR lies this close (ms) to its median.
const ESCAPE_MAX_OFF_MS: f64 = 60.0;
/// The escape interval is at least this fraction of the unpaced beats' median RR: a
/// pacemaker paces when no intrinsic beat came in time, not before.
const ESCAPE_MIN_OF_RR: f64 = 0.9;
/// Robust SD (ms) up to which the P-to-QRS intervals of atrial-tracked paced beats are one
/// AV delay ...
const AV_DELAY_MAX_SD_MS: f64 = 20.0;
/// ... and each lies this close (ms) to their median, within [`AV_DELAY_RANGE_MS`].
const AV_DELAY_MAX_OFF_MS: f64 = 30.0;
const AV_DELAY_RANGE_MS: (f64, f64) = (60.0, 350.0);

/// Of the beats classed `paced` (a minority), those a ventricular pacemaker could have paced:
/// after its escape interval (demand pacing: the RR before them one interval, robust SD <=
/// [`ESCAPE_MAX_SD_MS`], each within [`ESCAPE_MAX_OFF_MS`] of it, and no shorter than
/// [`ESCAPE_MIN_OF_RR`] of the unpaced beats' median RR), or at its AV delay after a P wave
/// (atrial tracking: the P-to-QRS intervals one delay, robust SD <= [`AV_DELAY_MAX_SD_MS`],
/// each within [`AV_DELAY_MAX_OFF_MS`] of it). A beat after a "stimulus" that is neither
/// came too early for demand pacing and at no steady delay after a P wave: the spike is
/// artefact (a two-lead ICU monitor at 125 Hz had such "paced" beats at RRs of 0.3-1.8 s
/// within its atrial fibrillation), and the beat is classed by its QRS as any other. Fewer
/// than [`MIN_CREDIBLE_PACED`] such beats: none is kept.
fn pacing_credible(
    paced: &[bool],
    beats: &[BeatFeatures],
    rr: &[Option<f64>],
    fs: f64,
) -> Vec<bool> {
    let to_ms = |samples: f64| samples * 1000.0 / fs;
    let unpaced_rr: Vec<f64> = (0..paced.len())
        .filter(|&i| !paced[i])
        .filter_map(|i| rr[i])
        .map(to_ms)
        .collect();
    if unpaced_rr.is_empty() {
        return paced.to_vec();
    }
    let unpaced_median = median(&unpaced_rr);
    // Demand pacing: one escape interval before the paced beats.
    let escape_rr: Vec<f64> = (0..paced.len())
        .filter(|&i| paced[i])
        .filter_map(|i| rr[i])
        .map(to_ms)
        .collect();
    let escape = (!escape_rr.is_empty())
        .then(|| median(&escape_rr))
        .filter(|&e| {
            e >= ESCAPE_MIN_OF_RR * unpaced_median && robust_sd(&escape_rr) <= ESCAPE_MAX_SD_MS
        });
    // Atrial tracking: one AV delay after the P waves before them.
    let delays: Vec<f64> = (0..paced.len())
        .filter(|&i| paced[i])
        .filter_map(|i| beats[i].pr)
        .map(|p| to_ms(p as f64))
        .collect();
    let av_delay = (!delays.is_empty())
        .then(|| median(&delays))
        .filter(|_| robust_sd(&delays) <= AV_DELAY_MAX_SD_MS);
    let credible: Vec<bool> = (0..paced.len())
        .map(|i| {
            paced[i]
                && (escape
                    .zip(rr[i])
                    .is_some_and(|(e, r)| (to_ms(r) - e).abs() <= ESCAPE_MAX_OFF_MS)
                    || av_delay.zip(beats[i].pr).is_some_and(|(d, p)| {
                        let p = to_ms(p as f64);
                        (p - d).abs() <= AV_DELAY_MAX_OFF_MS
                            && (AV_DELAY_RANGE_MS.0..=AV_DELAY_RANGE_MS.1).contains(&p)
                    }))
        })
        .collect();
    // One beat is no interval and no delay to hold to.
    if credible.iter().filter(|&&c| c).count() < MIN_CREDIBLE_PACED {
        return vec![false; paced.len()];
    }
    credible
}

/// The classes and, per beat, the leads its QRS differs in (for the statements' evidence).
pub(crate) struct Classified {
    pub classes: Vec<BeatClass>,
    pub different_leads: Vec<Vec<usize>>,
    /// Per beat, a premature beat of another QRS in each of fewer than
    /// [`MIN_DIFFERENT_LEADS`] usable leads, left unclassified (its class is
    /// [`BeatClass::Unknown`]).
    pub undetermined_premature: Vec<bool>,
}

/// Whether a beat's QRS differs from the dominant one in a usable lead, and these are too few
/// ([`MIN_DIFFERENT_LEADS`]) to call it ventricular by its shape. One lead of two is enough: it
/// no longer has the dominant QRS (a Holter's ventricular premature beat, of the dominant
/// shape in its second channel, was "supraventricular": SVDB 800).
fn different_in_too_few_leads(m: &Morphology) -> bool {
    m.usable > 0 && m.usable < MIN_DIFFERENT_LEADS && !m.different.is_empty()
}

/// Whether a beat on too few leads to judge its shape ([`different_in_too_few_leads`]) is
/// wide enough to be ventricular: a QRS of at least [`FEW_LEADS_VENTRICULAR_QRS_MS`] and
/// `wider` ([`WIDER_THAN_DOMINANT_MS`] longer than the dominant beat's). Whether it is
/// depends on its timing too ([`ventricular_runs_by_width`]).
fn ventricular_by_width(m: &Morphology, qrs_ms: Option<f64>, wider: bool) -> bool {
    different_in_too_few_leads(m)
        && wider
        && qrs_ms.is_some_and(|w| w >= FEW_LEADS_VENTRICULAR_QRS_MS)
}

/// The runs of beats (one beat or more in a row) that are ventricular by their width on one or two
/// leads, where no beat can differ in [`MIN_DIFFERENT_LEADS`] and a two-lead Holter could otherwise
/// never show a ventricular beat, nor a ventricular tachycardia. Each beat of the run is wide and
/// of another QRS ([`ventricular_by_width`]; `wide_other`, outside fibrillation and paced rhythms),
/// the first without a P wave at the dominant PR (`conducted`; in a run at 150/min the previous
/// beat's T wave sits where a P wave would) unless, alone, it is followed by a full compensatory
/// pause, and the run is timed as ectopic beats are: its first beat premature (`early`: against the
/// local median RR, or short before a long RR and abruptly shorter than the RR before, as in
/// bigeminy where the local median is no sinus cycle; for a run of two or more, short against
/// the RR after the run and abruptly shorter than the RR before it), the RR after its last beat at least 1 /
/// [`PREMATURE`] times the last RR in it (the pause after an ectopic beat or run), the beats before
/// and after it at least [`NOT_INTERPOSED`] cycles of the rhythm before apart (a T wave or artefact
/// between two beats on their schedule is interposed), it lies between two clean beats of the
/// dominant QRS (`dominant`: they differ from it in no lead, are not paced, and follow no burst of
/// artefact) with no burst of artefact before its first beat in any lead, and each beat of a run
/// has the shape of the one before (`alike`, [`qrs_alike`]: a wearable's 100-Hz lead made three
/// "beats" at 203/min of a burst of noise). Bursts of artefact on a monitor (a CinC 2015 false
/// alarm) make wide "beats" of another shape at any time; they seldom fall premature, with a pause
/// after them, between two clean beats of the dominant QRS.
fn ventricular_runs_by_width(
    wide_other: &[bool],
    conducted: &[bool],
    early: &[bool],
    rr: &[Option<f64>],
    artefact: &ArtefactBefore,
    dominant: &dyn Fn(usize) -> bool,
    alike: &dyn Fn(usize, usize) -> bool,
) -> Vec<std::ops::RangeInclusive<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = wide_other.len();
    // A single beat with a full compensatory pause (the RR before and after it together two
    // cycles of the rhythm before it, within COMPENSATORY_TOLERANCE) did not reset the sinus
    // node: the wave before it at the dominant PR did not conduct it (a T wave, or the sinus
    // P wave the ventricular beat fell on).
    let compensated = |k: usize| match (
        k.checked_sub(1).and_then(|j| rr[j]),
        rr[k],
        rr.get(k + 1).copied().flatten(),
    ) {
        (Some(cycle), Some(before), Some(after)) => {
            (before + after - 2.0 * cycle).abs() <= COMPENSATORY_TOLERANCE * 2.0 * cycle
        }
        _ => false,
    };
    while i < n {
        if !wide_other[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < n && wide_other[i + 1] {
            i += 1;
        }
        let end = i;
        i += 1;
        if conducted[start] && !(start == end && compensated(start)) {
            // Its first beat may be conducted: the beats after it start their own run.
            i = start + 1;
            continue;
        }
        let pause_after = match (rr[end], rr.get(end + 1).copied().flatten()) {
            (Some(last), Some(after)) => after * PREMATURE >= last,
            _ => false,
        };
        // A run of two or more is early when its first RR is short against the pause after
        // it and abruptly shorter than the RR before it: where couplets outnumber the sinus
        // beats (MIT-BIH 208: two ventricular beats to each sinus beat), their RR is the local
        // median and the RR after the first one no longer than it.
        let run_early = end > start
            && match (
                rr[start],
                rr.get(end + 1).copied().flatten(),
                start.checked_sub(1).and_then(|j| rr[j]),
            ) {
                (Some(first), Some(after), Some(before)) => {
                    first < PREMATURE * after && first < ABRUPT * before
                }
                _ => false,
            };
        // From the beat before the run to the beat after it: more than one cycle of the
        // rhythm before (a deflection between two beats on their schedule, a T wave or
        // artefact taken for a beat, is interposed; so is an interpolated ventricular beat,
        // which stays undetermined).
        let spanned: Option<f64> = (start..=end + 1)
            .map(|k| rr.get(k).copied().flatten())
            .sum();
        let cycle = start.checked_sub(1).and_then(|j| rr[j]);
        let not_interposed =
            matches!((spanned, cycle), (Some(sp), Some(c)) if sp >= NOT_INTERPOSED * c);
        if start > 0
            && end + 1 < n
            && (early[start] || run_early)
            && pause_after
            && not_interposed
            && !artefact.some_lead[start]
            && dominant(start - 1)
            && dominant(end + 1)
            && (start..end).all(|k| alike(k, k + 1))
        {
            out.push(start..=end);
        }
    }
    out
}

/// Per beat, whether a P wave precedes it at the dominant PR: its PR (`prs`, P onset to QRS
/// onset, samples) within 40 ms of the median PR of the beats that have one.
pub(crate) fn at_dominant_pr(prs: &[Option<usize>], fs: f64) -> Vec<bool> {
    let found: Vec<f64> = prs.iter().flatten().map(|&p| p as f64).collect();
    let dom_pr = (!found.is_empty()).then(|| median(&found));
    prs.iter()
        .map(|pr| match (pr, dom_pr) {
            (Some(pr), Some(d)) => (*pr as f64 - d).abs() <= ms(fs, 40.0) as f64,
            _ => false,
        })
        .collect()
}

pub(crate) fn classify(input: &ClassifyInput<'_>) -> Classified {
    let fs = input.fs;
    let fids: Vec<usize> = input.beats.iter().map(|b| b.fid).collect();
    let rr: Vec<Option<f64>> = (0..fids.len())
        .map(|i| (i > 0).then(|| (fids[i] - fids[i - 1]) as f64))
        .collect();
    let premature: Vec<bool> = (0..fids.len()).map(|i| is_premature(&rr, i)).collect();
    let conducted = at_dominant_pr(&input.beats.iter().map(|b| b.pr).collect::<Vec<_>>(), fs);
    // The dominant QRS is the template of all beats, unless most beats differ from it: in
    // ventricular bigeminy half the beats are ectopic, and the median of all beats is a
    // blend that every beat differs from (bigeminy at 75/min read "Undetermined rhythm" with
    // every beat normal). Then it is the template of the beats conducted from a P wave at the
    // dominant PR that are not premature (at least three), outside atrial fibrillation.
    let mut morph = morphologies(input.leads, fs, &fids);
    // On one or two leads a beat cannot differ in three: one that differs in a usable lead
    // counts (two-lead bigeminy read every beat against the blend).
    let differing = morph
        .iter()
        .flatten()
        .filter(|m| m.differs_in(0.4) || different_in_too_few_leads(m))
        .count();
    let sinus_beats: Vec<usize> = (0..fids.len())
        .filter(|&i| conducted[i] && !premature[i])
        .map(|i| fids[i])
        .collect();
    let blend = !input.atrial_fibrillation
        && differing as f64 >= BLEND_SHARE * fids.len() as f64
        && sinus_beats.len() >= 3;
    if blend {
        morph = morphologies_against(input.leads, fs, &fids, &sinus_beats);
    }
    // The dominant QRS width: of the template's beats (in bigeminy the median of all beats
    // lies between the two kinds, and a ventricular beat is not 40 ms wider than that).
    let widths: Vec<f64> = input
        .beats
        .iter()
        .filter(|b| !blend || sinus_beats.binary_search(&b.fid).is_ok())
        .filter_map(|b| b.qrs_ms)
        .collect();
    let dom_width = median(&widths);
    let is_paced =
        |b: &BeatFeatures| ventricular_stimulus(input.spikes, b.fid, b.qrs_on, fs).is_some();
    let mut paced: Vec<bool> = input.beats.iter().map(is_paced).collect();
    // Too few beats after a spike for a paced template, and most without one: a spike before
    // a beat with the dominant QRS (it differs from the template of all beats in fewer than
    // MIN_DIFFERENT_LEADS leads, or in none of two) did not make that QRS. It is an artefact
    // (muscle noise) or a stimulus that did not capture, and the beat is not paced.
    let spiked = paced.iter().filter(|&&p| p).count();
    if spiked < MIN_PACED_TEMPLATE && spiked * 2 < paced.len() {
        for (p, m) in paced.iter_mut().zip(&morph) {
            if *p
                && m.as_ref().is_some_and(|m| {
                    m.usable > 0 && m.different.len() < MIN_DIFFERENT_LEADS.min(m.usable)
                })
            {
                *p = false;
            }
        }
    }
    // A beat without a spike found but with the QRS of the paced beats (it differs from
    // their template in fewer than MIN_DIFFERENT_LEADS leads) and no P wave before it is
    // paced too: small (bipolar) stimuli are not all found (LUDB 90). Conducted beats have
    // a P wave; fusion and intrinsic beats have another QRS.
    let paced_fids: Vec<usize> = fids
        .iter()
        .zip(&paced)
        .filter(|(_, p)| **p)
        .map(|(&f, _)| f)
        .collect();
    if paced_fids.len() >= MIN_PACED_TEMPLATE && paced_fids.len() < fids.len() {
        let like = morphologies_against(input.leads, fs, &fids, &paced_fids);
        for (i, b) in input.beats.iter().enumerate() {
            if !paced[i]
                && b.pr.is_none()
                && like[i].as_ref().is_some_and(|m| {
                    m.usable > 0 && m.different.len() < MIN_DIFFERENT_LEADS.min(m.usable)
                })
            {
                paced[i] = true;
            }
        }
    }
    // In a paced rhythm the unpaced beats are mostly conducted or fusion beats (or paced
    // beats whose spike was too small to find): only a premature, wide beat that differs in
    // most leads is ventricular there.
    let mut paced_count = paced.iter().filter(|&&p| p).count();
    let paced_rhythm = paced_majority(paced_count, paced.len());
    // Paced beats in a minority are paced only where a pacemaker would pace: after its
    // escape interval or at its AV delay after a P wave ([`pacing_credible`]).
    if paced_count > 0 && !paced_rhythm {
        paced = pacing_credible(&paced, input.beats, &rr, fs);
        paced_count = paced.iter().filter(|&&p| p).count();
    }
    // Paced beats among a majority of others: the dominant QRS is the template of the others
    // (the paced beats' QRS made the template of all beats a blend that the conducted beats
    // differed from in 4-6 leads, and the median beat was built from the paced minority).
    if paced_count > 0 && !paced_rhythm {
        let template: Vec<usize> = (0..fids.len())
            .filter(|&i| !paced[i] && (!blend || sinus_beats.binary_search(&fids[i]).is_ok()))
            .map(|i| fids[i])
            .collect();
        if template.len() >= MIN_PACED_TEMPLATE {
            morph = morphologies_against(input.leads, fs, &fids, &template);
        }
    }
    let mut classes = Vec::with_capacity(fids.len());
    let mut different_leads = Vec::with_capacity(fids.len());
    let mut undetermined_premature = vec![false; fids.len()];
    let mut wide_other = vec![false; fids.len()];
    let mut early = vec![false; fids.len()];
    for (i, b) in input.beats.iter().enumerate() {
        different_leads.push(Vec::new());
        if paced[i] {
            classes.push(BeatClass::Paced);
            continue;
        }
        let Some(m) = &morph[i] else {
            classes.push(BeatClass::Unknown);
            continue;
        };
        different_leads[i].clone_from(&m.different);
        let premature = premature[i];
        let frac = |share: f64| m.differs_in(share);
        let conducted_p = conducted[i];
        // Short, then a long pause after (the RR after it at least 1 / PREMATURE times as
        // long), and abruptly shorter than the RR before: premature, where the local median
        // RR cannot tell (in bigeminy half the RR intervals are the ectopic ones).
        let short_long = rr[i].is_some_and(|r| {
            rr.get(i + 1)
                .copied()
                .flatten()
                .is_some_and(|next| r < PREMATURE * next)
                && rr
                    .get(i.wrapping_sub(1))
                    .copied()
                    .flatten()
                    .is_some_and(|prev| r < ABRUPT * prev)
        });
        let wider = b
            .qrs_ms
            .is_some_and(|w| w >= dom_width + WIDER_THAN_DOMINANT_MS);
        early[i] = premature || short_long;
        wide_other[i] =
            !paced_rhythm && !input.atrial_fibrillation && ventricular_by_width(m, b.qrs_ms, wider);
        let ventricular = if paced_rhythm {
            premature && frac(0.6) && b.qrs_ms.is_some_and(|w| w >= 130.0)
        } else if input.atrial_fibrillation {
            frac(0.6)
        } else {
            (early[i] && frac(0.4) && !conducted_p) || (frac(0.8) && wider && !conducted_p)
        };
        if ventricular {
            classes.push(BeatClass::Ventricular);
            continue;
        }
        if premature && !input.atrial_fibrillation && !paced_rhythm {
            if different_in_too_few_leads(m) {
                undetermined_premature[i] = true;
                classes.push(BeatClass::Unknown);
                continue;
            }
            classes.push(BeatClass::Supraventricular);
        } else {
            classes.push(BeatClass::Normal);
        }
    }
    // On one or two leads, wide beats of another QRS between beats of the dominant one.
    // A clean beat of the dominant QRS: it differs from it in no lead, is not paced and
    // follows no burst of artefact.
    let dominant = |j: usize| {
        !paced[j]
            && !input.artefact.some_lead[j]
            && morph[j]
                .as_ref()
                .is_some_and(|m| m.usable > 0 && m.different.is_empty())
    };
    let alike = |a: usize, b: usize| qrs_alike(input.leads, fs, fids[a], fids[b]);
    let runs = ventricular_runs_by_width(
        &wide_other,
        &conducted,
        &early,
        &rr,
        input.artefact,
        &dominant,
        &alike,
    );
    for run in runs {
        for i in run {
            classes[i] = BeatClass::Ventricular;
            undetermined_premature[i] = false;
        }
    }
    // Ectopic beats in a burst of artefact are not classified.
    for ((c, &a), u) in classes
        .iter_mut()
        .zip(&input.artefact.every_lead)
        .zip(&mut undetermined_premature)
    {
        if a && matches!(c, BeatClass::Supraventricular | BeatClass::Ventricular) {
            *c = BeatClass::Unknown;
        }
        *u &= !a;
    }
    Classified {
        classes,
        different_leads,
        undetermined_premature,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alike_beats_whose_fiducials_stand_a_sample_apart_do_not_differ() {
        // Two leads at 250 Hz of a narrow biphasic QRS (a Gaussian's derivative, 5 ms wide),
        // every other beat's fiducial one sample (4 ms) after its QRS centre, as an energy
        // centroid with two lobes falls: compared at their fiducials alone, beats differed
        // from the median of both kinds in both leads. Beat 7 is inverted and still differs.
        let fs = 250.0;
        let centres: Vec<f64> = (0..14)
            .map(|k| 150.0 + k as f64 * 200.0 + 0.37 * k as f64)
            .collect();
        let fids: Vec<usize> = centres
            .iter()
            .enumerate()
            .map(|(k, c)| c.round() as usize + k % 2)
            .collect();
        let n = 3000;
        let leads: Vec<Vec<f64>> = [1.0, -0.6]
            .iter()
            .map(|gain| {
                (0..n)
                    .map(|i| {
                        centres
                            .iter()
                            .enumerate()
                            .map(|(b, c)| {
                                let d = (i as f64 - c) / (0.005 * fs);
                                let sign = if b == 7 { -1.0 } else { 1.0 };
                                gain * sign * -d * (-d * d / 2.0).exp()
                            })
                            .sum()
                    })
                    .collect()
            })
            .collect();
        let m = morphologies(&leads, fs, &fids);
        for (b, mb) in m.iter().enumerate() {
            let d = mb.as_ref().expect("inside").different.len();
            if b == 7 {
                assert_eq!(d, 2, "the inverted beat differs in both leads");
            } else {
                assert_eq!(d, 0, "beat {b} differs in {d} leads");
            }
        }
    }

    #[test]
    fn noise_alone_does_not_make_a_beat_differ_but_another_shape_does() {
        // Three leads of a 40-ms Gaussian QRS every second, with uniform noise of 0.9 of the
        // QRS peak-to-peak: beats correlate at about 0.8 with the template, some below it in
        // every lead (which at a fixed 0.8 made them "different"). Beat 6 is inverted in all
        // three leads.
        let fs = 500.0;
        let fids: Vec<usize> = (0..12).map(|k| 300 + k * 500).collect();
        let n = 6400;
        let mut uniform = crate::test_rng::centred(11u64);
        let leads: Vec<Vec<f64>> = (0..3)
            .map(|_| {
                (0..n)
                    .map(|i| {
                        let beat: f64 = fids
                            .iter()
                            .enumerate()
                            .map(|(b, &f)| {
                                let d = (i as f64 - f as f64) / (0.008 * fs);
                                let sign = if b == 6 { -1.0 } else { 1.0 };
                                sign * (-d * d / 2.0).exp()
                            })
                            .sum();
                        beat + 0.9 * uniform()
                    })
                    .collect()
            })
            .collect();
        let m = morphologies(&leads, fs, &fids);
        for (b, mb) in m.iter().enumerate() {
            let d = mb.as_ref().expect("inside").different.len();
            if b == 6 {
                assert_eq!(d, 3, "the inverted beat differs in every lead");
            } else {
                assert!(d < MIN_DIFFERENT_LEADS, "beat {b}: {d} leads differ");
            }
        }
    }

    /// Ten beats at 1 s on three leads (a Gaussian QRS), with a "spike" `spike_ms` before
    /// each fiducial.
    fn classes_with_spike_at(spike_ms: f64) -> Vec<BeatClass> {
        classes_of(spike_ms, &[true; 10], true)
    }

    /// The same beats, with spikes found before the beats flagged in `spiked` only, and a P
    /// wave before every beat or none.
    /// Three identical leads of a Gaussian QRS (SD 16 ms) of size `size(i)` at each of `fids`
    /// (500 Hz), and the beats' features: QRS 90 ms, a P wave at 160 ms or none.
    /// [`classify`] of `beats` on `leads` at 500 Hz with the pacing `spikes`, outside atrial
    /// fibrillation, with the artefact windows of the beats' own fiducials.
    fn classify_without_af(
        beats: &[BeatFeatures],
        leads: &[Vec<f64>],
        spikes: &[usize],
    ) -> Classified {
        let fs = 500.0;
        let fids: Vec<usize> = beats.iter().map(|b| b.fid).collect();
        classify(&ClassifyInput {
            leads,
            fs,
            beats,
            spikes,
            atrial_fibrillation: false,
            artefact: &artefact_before(leads, &fids, fs),
        })
    }

    fn gaussian_beats(
        fids: &[usize],
        size: impl Fn(usize) -> f64,
        p_waves: bool,
    ) -> (Vec<Vec<f64>>, Vec<BeatFeatures>) {
        let fs = 500.0;
        let mut x = vec![0.0; fids.last().map_or(0, |&f| f) + 600];
        for (i, &f) in fids.iter().enumerate() {
            for (d, v) in x.iter_mut().enumerate().take(f + 40).skip(f - 40) {
                let t = (d as f64 - f as f64) / 8.0;
                *v += size(i) * (-0.5 * t * t).exp();
            }
        }
        let beats = fids
            .iter()
            .map(|&f| BeatFeatures {
                fid: f,
                qrs_ms: Some(90.0),
                qrs_on: Some(f - ms(fs, 45.0)),
                pr: p_waves.then(|| ms(fs, 160.0)),
            })
            .collect();
        (vec![x.clone(), x.clone(), x], beats)
    }

    fn classes_of(spike_ms: f64, spiked: &[bool], p_waves: bool) -> Vec<BeatClass> {
        let fs = 500.0;
        let fids: Vec<usize> = (0..10).map(|i| 250 + i * 500).collect();
        let (leads, beats) = gaussian_beats(&fids, |_| 1.0, p_waves);
        let spikes: Vec<usize> = fids
            .iter()
            .zip(spiked)
            .filter(|(_, s)| **s)
            .map(|(&f, _)| f - ms(fs, spike_ms))
            .collect();
        classify_without_af(&beats, &leads, &spikes).classes
    }

    #[test]
    fn a_lone_spike_before_a_beat_with_the_dominant_qrs_does_not_pace_it() {
        // A spike before one or two of ten identical beats without P waves (muscle noise in
        // atrial fibrillation: the Contec recording's stray "paced" beat): the QRS is the
        // dominant one, so the beats are not paced.
        for spiked in [
            [
                false, false, false, true, false, false, false, false, false, false,
            ],
            [
                false, true, false, false, false, false, false, true, false, false,
            ],
        ] {
            let c = classes_of(50.0, &spiked, false);
            assert!(c.iter().all(|&c| c != BeatClass::Paced), "{c:?}");
        }
    }

    #[test]
    fn a_spike_that_starts_the_qrs_paces_it_and_one_at_its_centre_does_not() {
        // A stimulus 50 ms before the energy centre (just before the QRS onset): paced.
        assert!(
            classes_with_spike_at(50.0)
                .iter()
                .all(|&c| c == BeatClass::Paced)
        );
        // A sharp R peak at the fiducial itself is not a stimulus (LUDB 63).
        assert!(
            classes_with_spike_at(0.0)
                .iter()
                .all(|&c| c == BeatClass::Normal)
        );
        // 10 ms before the centre: still inside the QRS, not paced.
        assert!(
            classes_with_spike_at(10.0)
                .iter()
                .all(|&c| c == BeatClass::Normal)
        );
    }

    #[test]
    fn conducted_beats_are_compared_with_their_own_template_beside_a_minority_of_paced_ones() {
        // Eleven beats, all after a P wave at the same PR, on three leads: four paced (a
        // stimulus 50 ms before an inverted QRS) and seven conducted, five of full size and
        // two of a third of it (the Burdick SCP's beats vary in size). The sample-wise median
        // of all eleven is the second-smallest conducted beat, which the full-size ones differ
        // from by size in every lead; against the template of the conducted beats they do not.
        let fs = 500.0;
        let fids: Vec<usize> = (0..11).map(|i| 250 + i * 450).collect();
        let paced = [0, 3, 6, 9];
        let size = |i: usize| {
            if paced.contains(&i) {
                -0.8
            } else if i == 4 || i == 8 {
                0.3
            } else {
                1.0
            }
        };
        let (leads, beats) = gaussian_beats(&fids, size, true);
        let spikes: Vec<usize> = paced.iter().map(|&i| fids[i] - ms(fs, 50.0)).collect();
        let c = classify_without_af(&beats, &leads, &spikes);
        for (i, class) in c.classes.iter().enumerate() {
            let want = if paced.contains(&i) {
                BeatClass::Paced
            } else {
                BeatClass::Normal
            };
            assert_eq!(*class, want, "beat {i}: {:?}", c.classes);
        }
        for i in [1, 2, 5, 7, 10] {
            assert!(
                c.different_leads[i].len() < MIN_DIFFERENT_LEADS,
                "beat {i}: {:?}",
                c.different_leads
            );
        }
    }

    #[test]
    fn a_premature_beat_of_another_qrs_on_two_leads_is_of_undetermined_origin() {
        // Ten beats at 1 s without P waves, the seventh 200 ms early and inverted: on three
        // leads a ventricular beat; on two it cannot be one (too few leads to differ in), and
        // it is no supraventricular beat with the dominant QRS either. Inverted in one of
        // the two leads only, it no longer has the dominant QRS: undetermined too (SVDB 800's
        // ventricular beats, of the dominant shape in the second channel, were
        // "supraventricular"). Upright in both, it is supraventricular.
        let mut fids: Vec<usize> = (0..10).map(|i| 250 + i * 500).collect();
        fids[6] -= 100;
        let (three, beats) = gaussian_beats(&fids, |i| if i == 6 { -1.0 } else { 1.0 }, false);
        let run = |leads: &[Vec<f64>]| classify_without_af(&beats, leads, &[]);
        let c = run(&three);
        assert_eq!(c.classes[6], BeatClass::Ventricular, "{:?}", c.classes);
        assert!(!c.undetermined_premature.iter().any(|&u| u));
        let c = run(&three[..2]);
        assert_eq!(c.classes[6], BeatClass::Unknown, "{:?}", c.classes);
        let marked: Vec<usize> = (0..10).filter(|&i| c.undetermined_premature[i]).collect();
        assert_eq!(marked, [6]);
        assert!(
            c.classes
                .iter()
                .enumerate()
                .all(|(i, &c)| i == 6 || c == BeatClass::Normal),
            "{:?}",
            c.classes
        );
        let (upright, _) = gaussian_beats(&fids, |_| 1.0, false);
        let c = run(&[three[0].clone(), upright[0].clone()]);
        assert_eq!(c.classes[6], BeatClass::Unknown, "{:?}", c.classes);
        assert!(c.undetermined_premature[6]);
        let c = run(&upright[..2]);
        assert_eq!(c.classes[6], BeatClass::Supraventricular, "{:?}", c.classes);
        assert!(!c.undetermined_premature.iter().any(|&u| u));
    }

    #[test]
    fn on_two_leads_a_wide_premature_beat_between_dominant_beats_with_a_pause_is_ventricular() {
        // Ten beats at 1 s without P waves, the seventh 200 ms early, inverted and 160 ms wide
        // (the others 90 ms): on two leads it is ventricular by its width and timing.
        let wide = |fids: &[usize], flank_other: bool| {
            let (leads, mut beats) = gaussian_beats(
                fids,
                |i| {
                    if i == 6 || (flank_other && i == 5) {
                        -1.0
                    } else {
                        1.0
                    }
                },
                false,
            );
            beats[6].qrs_ms = Some(160.0);
            classify_without_af(&beats, &leads[..2], &[])
        };
        let on_time: Vec<usize> = (0..10).map(|i| 250 + i * 500).collect();
        let mut early = on_time.clone();
        early[6] -= 100;
        let c = wide(&early, false);
        assert_eq!(c.classes[6], BeatClass::Ventricular, "{:?}", c.classes);
        assert!(!c.undetermined_premature[6]);
        assert_eq!(
            c.classes
                .iter()
                .filter(|&&k| k == BeatClass::Normal)
                .count(),
            9,
            "{:?}",
            c.classes
        );
        // On time (no prematurity): not ventricular.
        let c = wide(&on_time, false);
        assert_ne!(c.classes[6], BeatClass::Ventricular, "{:?}", c.classes);
        // After a beat of another QRS itself (no clean beat of the dominant one before it):
        // undetermined, as artefact in a monitor makes such runs.
        let c = wide(&early, true);
        assert_ne!(c.classes[6], BeatClass::Ventricular, "{:?}", c.classes);
        // The last beat of the recording (no beat after it to show the pause): undetermined.
        let c = wide(&early[..7], false);
        assert_eq!(c.classes[6], BeatClass::Unknown, "{:?}", c.classes);
        assert!(c.undetermined_premature[6]);
    }

    #[test]
    fn a_premature_beat_in_a_burst_of_artefact_is_not_classified() {
        // Ten beats at 1 s with P waves, the seventh 200 ms early (an atrial premature beat);
        // then the same with a burst of artefact (0.2 mV, alternating sample to sample) in
        // every lead over the 200 ms before it.
        let mut fids: Vec<usize> = (0..10).map(|i| 250 + i * 500).collect();
        fids[6] -= 100;
        let classes = |burst: bool| {
            let (mut leads, beats) = gaussian_beats(&fids, |_| 1.0, true);
            if burst {
                for x in &mut leads {
                    for (k, v) in x[fids[6] - 130..fids[6] - 30].iter_mut().enumerate() {
                        *v += if k % 2 == 0 { 0.2 } else { -0.2 };
                    }
                }
            }
            classify_without_af(&beats, &leads, &[]).classes
        };
        assert_eq!(classes(false)[6], BeatClass::Supraventricular);
        let c = classes(true);
        assert_eq!(c[6], BeatClass::Unknown, "{c:?}");
        assert!(
            c.iter()
                .enumerate()
                .all(|(i, &c)| i == 6 || c == BeatClass::Normal),
            "{c:?}"
        );
    }

    #[test]
    fn paced_beats_in_a_minority_are_paced_only_where_a_pacemaker_would_pace() {
        // Ten beats without P waves on three leads, 0.9 s apart, three of them (3, 6, 9) with a
        // stimulus 50 ms before an inverted QRS, coming after the RR `before` (s) each.
        let fs = 500.0;
        let run = |paced: &[usize], before: &[f64]| {
            let mut fids = vec![250usize];
            for i in 1..10 {
                let rr = paced
                    .iter()
                    .position(|&p| p == i)
                    .map_or(0.9, |k| before[k]);
                fids.push(fids[i - 1] + (rr * fs) as usize);
            }
            let (leads, beats) = gaussian_beats(
                &fids,
                |i| if paced.contains(&i) { -0.8 } else { 1.0 },
                false,
            );
            let spikes: Vec<usize> = paced.iter().map(|&i| fids[i] - ms(fs, 50.0)).collect();
            classify_without_af(&beats, &leads, &spikes).classes
        };
        let paced_at = |c: &[BeatClass]| -> Vec<usize> {
            (0..c.len()).filter(|&i| c[i] == BeatClass::Paced).collect()
        };
        // Demand pacing: each after the same pause of 1.3 s (the escape interval).
        let c = run(&[3, 6, 9], &[1.3, 1.3, 1.32]);
        assert_eq!(paced_at(&c), [3, 6, 9], "{c:?}");
        // "Stimuli" before beats at 0.45, 0.6 and 0.8 s, sooner than the others' 0.9 s and at
        // no one interval, with no P wave: artefact, and the beats are classed by their QRS
        // (premature, another QRS in every lead: ventricular).
        let c = run(&[3, 6, 9], &[0.45, 0.6, 0.8]);
        assert!(paced_at(&c).is_empty(), "{c:?}");
        assert_eq!(c[3], BeatClass::Ventricular, "{c:?}");
        // One paced beat only holds no interval to compare with.
        let c = run(&[6], &[1.3]);
        assert!(paced_at(&c).is_empty(), "{c:?}");
    }

    #[test]
    fn beats_like_the_paced_ones_without_a_spike_or_p_wave_are_paced() {
        // Stimuli found before four of ten identical beats (small bipolar spikes missed).
        let spiked = [
            true, false, true, false, false, true, false, true, false, false,
        ];
        let c = classes_of(50.0, &spiked, false);
        assert!(c.iter().all(|&c| c == BeatClass::Paced), "{c:?}");
        // With a P wave before each beat the spikeless beats are conducted, not paced.
        let c = classes_of(50.0, &spiked, true);
        assert_eq!(
            c.iter().filter(|&&c| c == BeatClass::Paced).count(),
            4,
            "{c:?}"
        );
    }
}
