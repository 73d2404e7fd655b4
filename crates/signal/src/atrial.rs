//! Atrial activity after QRST cancellation: fibrillatory (f) waves where the P-wave logic
//! cannot see them (atrial fibrillation under ventricular pacing, or with a regular
//! ventricular response).
//!
//! In each of V1, II, III and aVF (where atrial activity is largest; V1 over the right
//! atrium) the ventricular activity is cancelled by average-beat subtraction: the median
//! beat of the beats of one kind (conducted, paced or ventricular; at least
//! [`MIN_TEMPLATE_BEATS`]) is subtracted from each beat, aligned on its QRS fiducial, from
//! [`PRE_MS`] before the fiducial (its own P wave, so a P wave locked to the QRS cancels too)
//! to the next beat's window. What is left of the QRS (the beat-to-beat misalignment of a
//! steep complex) is replaced by a straight line from the QRS onset to its offset. Beats of a
//! kind too rare for a template are left out whole.
//!
//! The residual's power spectrum (Welch, 4-s Hann segments, on a ~100 Hz copy) is read in
//! the atrial band 3-12 Hz, as in the AF literature (Bollmann et al. 2006, Europace 8:911;
//! Everett et al. 2001, IEEE TBME 48:969): fibrillatory waves make a dominant peak at
//! 4-9 Hz (240-540/min) that holds a large share of the band's power (the organisation
//! index: power within ±1 Hz of the peak over the 3-12 Hz power), while noise spreads over
//! the band. The P waves found before the beats are compared with it: the template's own
//! activity before the QRS is the atrial activity locked to the ventricles (conducted P
//! waves); in fibrillation it averages away and what is left before the QRS is residual.
//!
//! [`fibrillatory`] states fibrillatory waves only when V1 shows them as its own (f waves are
//! largest there; tremor, which mimics them at 4-8 Hz, is largest in the limb leads and
//! reaches V1 only through Wilson's central terminal, alike in every chest lead, so V1 less
//! V6 keeps the atria's waves and drops the tremor: [`LeadAtrial::own_share`]), or, without
//! V1, two of II, III and aVF: dominant frequency in 4-9 Hz, organisation >= [`MIN_ORGANISATION`],
//! at least [`MIN_F_RMS_MV`] RMS, present through at least [`MIN_CONTINUITY`] of the cycle
//! outside the QRS (f waves run on; a dissociated P-wave train comes and goes); and when no
//! lead read shows more atrial activity locked to the QRS than not (a conducted P wave in
//! any of them is organised atrial activity). Regular flutter waves are the flutter
//! detector's ([`crate::rhythm`]), which runs first.
//!
//! [`fine_fibrillatory`] finds fine f waves, which make no dominant peak above what the
//! cancellation leaves at low frequencies (LUDB 8: the 3-12 Hz power at 3 Hz), for atrial
//! fibrillation under ventricular pacing: activity at 4-9 Hz with no isoelectric baseline
//! (its envelope at least [`CONTINUITY_LEVEL`] of its 90th percentile through
//! [`MIN_FINE_CONTINUITY`] of the time outside the QRS; P waves of a dissociated train leave a
//! baseline between them), at least [`MIN_FINE_MV`] and [`MIN_OVER_NOISE`] times the white
//! noise measured at 15-30 Hz (noise alone also runs on), in [`MIN_FINE_LEADS`] of the four
//! leads.
//!
//! [`ventricular_cancelled`] gives the same cancellation over every lead, low-passed at
//! [`P_TRAIN_LOWPASS_HZ`], for the P-wave train of complete AV block under ventricular
//! pacing ([`crate::rhythm::dissociated_atria`]): the paced QRS and its T wave go, P waves
//! unrelated to them stay (also where they fall on the T wave), while a P wave at a fixed
//! interval before the QRS (atrial-synchronous pacing) goes with the median beat. There a beat
//! of a kind too rare for its own template goes with the most common kind's median beat when
//! its QRS and T match it at some lag (a paced beat the classifier took for another kind).

use ecg::LeadLabel;
use rayon::prelude::*;

use crate::classify::BeatClass;
use crate::delineate::{BeatWaves, ms};
use crate::detect::{median_in, quantile};
use crate::iir::{FilterKind, Sos, butter_sos, sosfiltfilt_each, sosfiltfilt_many};

/// Leads read for atrial activity.
const LEADS: [LeadLabel; 4] = [LeadLabel::V1, LeadLabel::II, LeadLabel::III, LeadLabel::AVF];
/// Each beat's template window starts this long before its fiducial (its own P wave) ...
const PRE_MS: f64 = 300.0;
/// ... or at this fraction of the RR before it, whichever is later.
const PRE_MAX_RR: f64 = 0.45;
/// A kind of beat (conducted, paced, ventricular) needs this many beats for a template;
/// rarer beats are left out of the residual.
pub(crate) const MIN_TEMPLATE_BEATS: usize = 3;
/// The residual QRS is replaced by a line from the QRS onset to the offset, widened by this
/// (ms) ...
const BLANK_MARGIN_MS: f64 = 10.0;
/// ... or, when the beat has no delineated QRS, from this long before to after the fiducial.
const BLANK_DEFAULT_MS: (f64, f64) = (60.0, 100.0);
/// The window before the QRS that locked and unlocked atrial activity are compared over is
/// at least this long (ms).
const MIN_P_WINDOW_MS: f64 = 60.0;
/// Fibrillatory waves run on through at least this share of the cycle outside the QRS
/// ([`LeadAtrial::continuity`]).
pub(crate) const MIN_CONTINUITY: f64 = 0.6;
/// Welch segments (s).
const SEGMENT_S: f64 = 4.0;
/// At most this much of the recording is read (s).
const MAX_SECONDS: f64 = 60.0;
/// The atrial band (Hz) ...
const BAND_HZ: (f64, f64) = (3.0, 12.0);
/// ... the dominant atrial frequency of fibrillation (Hz, 240-540/min) ...
pub(crate) const FIB_HZ: (f64, f64) = (4.0, 9.0);
/// ... and the half-width of the dominant peak in the organisation index (Hz).
const PEAK_HALF_WIDTH_HZ: f64 = 1.0;
/// Frequency grid step (Hz).
const GRID_HZ: f64 = 0.1;
/// Fibrillatory waves hold at least this share of the 3-12 Hz power within ±1 Hz of the peak
/// (a flat spectrum holds 2/9, 22 %).
pub(crate) const MIN_ORGANISATION: f64 = 0.4;
/// Fibrillatory waves are at least this large (RMS of the dominant peak, mV; a sine of 0.03 mV
/// peak-to-peak).
pub(crate) const MIN_F_RMS_MV: f64 = 0.01;
/// V1's fibrillatory waves are its own ([`LeadAtrial::own_share`]) when V1 less V6 keeps at
/// least this share of their RMS: a 4-8 Hz tremor of 0.06-0.2 mV at the limb electrodes,
/// which reached V1 through the central terminal and read "Atrial fibrillation" on sinus
/// rhythms, keeps 0.08-0.25; the generator's fibrillatory waves 1.65-1.88 (V6's run
/// against V1's), LUDB 93's (atrial fibrillation under pacing) 1.26.
const MIN_OWN_SHARE: f64 = 0.5;

/// The atrial activity of one lead.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LeadAtrial {
    /// The lead.
    pub lead: LeadLabel,
    /// Dominant frequency of the residual in 3-12 Hz.
    pub dominant_hz: f64,
    /// Share of the 3-12 Hz power within ±1 Hz of the dominant frequency.
    pub organisation: f64,
    /// RMS of the residual within ±1 Hz of the dominant frequency (mV).
    pub f_rms_mv: f64,
    /// RMS of the dominant template before its QRS, linearly detrended (mV): atrial activity
    /// locked to the QRS (`None` when the window before the QRS is shorter than
    /// [`MIN_P_WINDOW_MS`]).
    pub locked_mv: Option<f64>,
    /// RMS of the residual over the same windows of every beat of that kind (mV): atrial
    /// activity before the QRS that is not locked to it.
    pub unlocked_mv: f64,
    /// Share of the [`CONTINUITY_WINDOW_MS`] windows outside the QRS complexes in which the
    /// residual around the dominant frequency is at least [`CONTINUITY_LEVEL`] of its 90th
    /// percentile: f waves run on through the cycle, P waves come and go. Measured only where
    /// it can decide [`fibrillatory`] (every lead read without a locked P wave, and this one
    /// [`LeadAtrial::may_be_fibrillatory`]); 0 elsewhere.
    pub continuity: f64,
    /// The residual's activity in the fibrillatory band at any frequency within it
    /// ([`FineActivity`]): fine f waves make no dominant peak above the cancellation's
    /// low-frequency residue. Measured only when [`atrial_activity`] is asked for it (under
    /// ventricular pacing); the default (nothing found) otherwise.
    pub fine: FineActivity,
    /// V1 only, when V6 is recorded and V1 shows fibrillatory waves: how much of its residual
    /// is its own rather than common to the chest leads ([`own_share`]).
    pub own_share: Option<f64>,
}

/// Activity of a residual band-passed at [`FIB_HZ`] outside the QRS complexes
/// ([`fine_activity`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct FineActivity {
    /// Share of the time outside the QRS complexes in which the activity's envelope (the
    /// largest |value| within [`ENVELOPE_MS`]) is at least [`CONTINUITY_LEVEL`] of its 90th
    /// percentile: f waves leave no isoelectric baseline, P waves (a dissociated train)
    /// come and go.
    pub continuity: f64,
    /// Median RMS over the [`CONTINUITY_WINDOW_MS`] windows wholly outside the QRS
    /// complexes (mV): the activity's typical size.
    pub level_mv: f64,
    /// That level over the RMS white noise of the same level at 15-30 Hz would give in the
    /// band ([`NOISE_HZ`]; the median window RMS at 15-30 Hz, scaled by the square root of the
    /// bandwidths' ratio): about 1 for noise alone, more for atrial waves, whose energy lies
    /// below 12 Hz.
    pub over_noise: f64,
}

impl FineActivity {
    /// Whether this is fine fibrillatory activity: no baseline through
    /// [`MIN_FINE_CONTINUITY`] of the time, at least [`MIN_FINE_MV`] and [`MIN_OVER_NOISE`]
    /// times the noise.
    pub(crate) fn fibrillatory(&self) -> bool {
        self.continuity >= MIN_FINE_CONTINUITY
            && self.level_mv >= MIN_FINE_MV
            && self.over_noise >= MIN_OVER_NOISE
    }
}

/// The envelope of fine fibrillatory activity is its largest |value| over this window (ms):
/// half a cycle at 4 Hz, the slowest f waves, so an envelope that falls between waves is a
/// baseline between them.
const ENVELOPE_MS: f64 = 125.0;
/// Fine fibrillatory activity leaves no baseline through at least this share of the time
/// outside the QRS ([`FineActivity::continuity`]). Each P wave of a dissociated train,
/// band-passed, rings for 200-300 ms: trains of 0.1 mV P waves at 56-120/min reach up to
/// about 0.62 (more with broader P waves), the f waves of the `tests` below 0.74-0.92.
pub(crate) const MIN_FINE_CONTINUITY: f64 = 0.7;
/// The band white noise is measured in (Hz): above the atrial waves, below the 40 Hz edge of
/// the analysis copies.
pub(crate) const NOISE_HZ: (f64, f64) = (15.0, 30.0);
/// Fine fibrillatory activity is at least this large (median window RMS at 4-9 Hz, mV; a
/// sine of 0.008 mV peak-to-peak) ...
pub(crate) const MIN_FINE_MV: f64 = 0.003;
/// ... and at least this many times the noise ([`FineActivity::over_noise`]).
pub(crate) const MIN_OVER_NOISE: f64 = 2.5;
/// Fine fibrillatory waves are stated when this many of V1, II, III and aVF show them.
pub(crate) const MIN_FINE_LEADS: usize = 3;

impl LeadAtrial {
    /// Whether the atrial activity before the QRS is mostly not locked to it (no P wave
    /// conducted at a fixed PR): `false` when the lead shows such a P wave, or when the
    /// window could not be measured.
    pub(crate) fn unlocked(&self) -> bool {
        self.locked_mv.is_some_and(|l| self.unlocked_mv > l)
    }

    /// Whether this lead shows fibrillatory waves: [`LeadAtrial::may_be_fibrillatory`] and
    /// present through [`MIN_CONTINUITY`] of the cycle.
    pub(crate) fn fibrillatory(&self) -> bool {
        self.may_be_fibrillatory() && self.continuity >= MIN_CONTINUITY
    }

    /// Whether this lead shows fibrillatory waves as far as its spectrum and P waves tell: a
    /// dominant frequency in 4-9 Hz holding at least [`MIN_ORGANISATION`] of the 3-12 Hz
    /// power, at least [`MIN_F_RMS_MV`], and no P wave locked to the QRS. Only then is its
    /// continuity measured.
    fn may_be_fibrillatory(&self) -> bool {
        (FIB_HZ.0..=FIB_HZ.1).contains(&self.dominant_hz)
            && self.organisation >= MIN_ORGANISATION
            && self.f_rms_mv >= MIN_F_RMS_MV
            && self.unlocked()
    }
}

/// Fibrillatory waves found by [`fibrillatory`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FWaves {
    /// The leads that show them.
    pub leads: Vec<LeadLabel>,
    /// Their dominant frequency (Hz; the median over those leads).
    pub dominant_hz: f64,
    /// Their organisation index (the lowest over those leads).
    pub organisation: f64,
    /// Their size (mV RMS; the largest over those leads).
    pub f_rms_mv: f64,
    /// The share of the cycle they run through (the lowest over those leads).
    pub continuity: f64,
}

/// Fibrillatory waves when V1 shows them ([`LeadAtrial::fibrillatory`]; f waves are largest
/// there, while tremor and other muscle artefacts that mimic them are largest in the limb
/// leads), or, without V1, two of II, III and aVF; and no lead read shows a P wave locked to
/// the QRS ([`LeadAtrial::unlocked`]: in fibrillation no lead has P waves).
pub(crate) fn fibrillatory(leads: &[LeadAtrial]) -> Option<FWaves> {
    if leads.is_empty() || !leads.iter().all(LeadAtrial::unlocked) {
        return None;
    }
    let fib: Vec<&LeadAtrial> = leads.iter().filter(|l| l.fibrillatory()).collect();
    let has_v1 = leads.iter().any(|l| l.lead == LeadLabel::V1);
    let v1 = fib
        .iter()
        .any(|l| l.lead == LeadLabel::V1 && l.own_share.is_none_or(|s| s >= MIN_OWN_SHARE));
    if !(v1 || (!has_v1 && fib.len() >= 2)) {
        return None;
    }
    let mut hz: Vec<f64> = fib.iter().map(|l| l.dominant_hz).collect();
    hz.sort_by(f64::total_cmp);
    Some(FWaves {
        leads: fib.iter().map(|l| l.lead.clone()).collect(),
        dominant_hz: hz[hz.len() / 2],
        organisation: fib
            .iter()
            .map(|l| l.organisation)
            .fold(f64::INFINITY, f64::min),
        f_rms_mv: fib.iter().map(|l| l.f_rms_mv).fold(0.0, f64::max),
        continuity: fib
            .iter()
            .map(|l| l.continuity)
            .fold(f64::INFINITY, f64::min),
    })
}

/// The kind of template a beat is cancelled with.
fn kind(c: BeatClass) -> usize {
    match c {
        BeatClass::Normal | BeatClass::Supraventricular | BeatClass::Unknown => 0,
        BeatClass::Paced => 1,
        BeatClass::Ventricular => 2,
    }
}

/// The median over the leads read of the atrial activity before the QRS locked to it (the
/// dominant template's) over what is not (the residual's, as [`LeadAtrial::locked_mv`] over
/// [`LeadAtrial::unlocked_mv`]), with those leads: V1, II, III and aVF, or, when none of them
/// is recorded, every lead (a single-lead device's lead I, a Holter's channels). P waves conducted
/// at a fixed PR survive in the template however small they are in each beat; in
/// fibrillation the activity before the QRS averages away (dev split, single lead I: 0.2-0.9
/// in the fibrillating records, about 1 or more in the others). `None` when no lead could be
/// measured.
pub(crate) fn locked_ratio(
    labels: &[LeadLabel],
    leads: &[Vec<f64>],
    fids: &[usize],
    classes: &[BeatClass],
    global: &[BeatWaves],
    fs: f64,
) -> Option<(f64, Vec<LeadLabel>)> {
    let four: Vec<usize> = LEADS
        .iter()
        .filter_map(|w| labels.iter().position(|l| l == w))
        .collect();
    let read: Vec<usize> = if four.is_empty() {
        (0..labels.len()).collect()
    } else {
        four
    };
    let c = Canceller::new(leads.first()?.len(), fids, classes, global, fs)?;
    let rms = |e: (f64, usize)| (e.0 / e.1.max(1) as f64).sqrt();
    let (ratios, read): (Vec<f64>, Vec<LeadLabel>) = read
        .into_iter()
        .filter_map(|k| {
            let cancelled = c.cancel(&leads[k]);
            let (locked, unlocked) = (rms(cancelled.locked?), rms(cancelled.unlocked));
            (unlocked > 0.0).then(|| (locked / unlocked, labels[k].clone()))
        })
        .unzip();
    (!ratios.is_empty()).then(|| (crate::detect::median(&ratios), read))
}

/// The beats' windows and templates every lead is cancelled with ([`Canceller::cancel`]).
struct Canceller {
    /// Samples read per lead (at most [`MAX_SECONDS`]).
    n: usize,
    /// The beats' fiducials within them.
    fids: Vec<usize>,
    /// Each beat's cancellation window ([`beat_windows`]).
    starts: Vec<usize>,
    ends: Vec<usize>,
    /// Each beat's template kind ([`kind`]) and the most common one.
    kinds: Vec<usize>,
    dominant: usize,
    /// Each beat's QRS blank ([`qrs_blanks`]).
    qrs: Vec<(usize, usize)>,
    fs: f64,
}

impl Canceller {
    /// The cancellation of leads `n_samples` long with beats at `fids` of `classes` (QRS
    /// boundaries from `global`); `None` with too few beats or too short a recording.
    fn new(
        n_samples: usize,
        fids: &[usize],
        classes: &[BeatClass],
        global: &[BeatWaves],
        fs: f64,
    ) -> Option<Self> {
        let n = n_samples.min((MAX_SECONDS * fs) as usize);
        let fids: Vec<usize> = fids.iter().copied().take_while(|&f| f < n).collect();
        let nb = fids.len();
        if nb < 2 * MIN_TEMPLATE_BEATS || classes.len() < nb || (n as f64) < 2.0 * SEGMENT_S * fs {
            return None;
        }
        let (starts, ends) = beat_windows(&fids, n, fs);
        let kinds: Vec<usize> = classes[..nb].iter().map(|&c| kind(c)).collect();
        let count = |k: usize| kinds.iter().filter(|&&x| x == k).count();
        let dominant = (0..3).max_by_key(|&k| count(k)).unwrap_or(0);
        let qrs = qrs_blanks(&fids, global, fs);
        Some(Self {
            n,
            fids,
            starts,
            ends,
            kinds,
            dominant,
            qrs,
            fs,
        })
    }

    /// One lead's residual: each kind of beat less its template, the QRS bridged, what is
    /// not usable zeroed.
    fn cancel(&self, x: &[f64]) -> Cancelled {
        let x = &x[..self.n];
        let mut r = x.to_vec();
        let mut usable = vec![true; self.n];
        usable[..self.starts[0]].iter_mut().for_each(|u| *u = false);
        let mut buf = Vec::new();
        let mut locked = None;
        let mut unlocked = (0.0, 0usize);
        for kd in 0..3 {
            let beats: Vec<usize> = (0..self.fids.len())
                .filter(|&i| self.kinds[i] == kd)
                .collect();
            if beats.is_empty() {
                continue;
            }
            if beats.len() < MIN_TEMPLATE_BEATS {
                for &i in &beats {
                    usable[self.starts[i]..self.ends[i]]
                        .iter_mut()
                        .for_each(|u| *u = false);
                }
                continue;
            }
            let windows = Windows {
                fids: &self.fids,
                starts: &self.starts,
                ends: &self.ends,
            };
            let (template, before) = subtract_template(x, &mut r, &beats, &windows, &mut buf);
            if kd == self.dominant {
                // Atrial activity before the QRS, from the latest window start to the
                // median QRS-blank start (offsets from the fiducial): the template's
                // (locked) and the residual's in every beat (unlocked). A first beat whose
                // window the recording's start cuts short does not shorten it for all.
                let whole: Vec<usize> = beats
                    .iter()
                    .copied()
                    .filter(|&i| i > 0 || self.fids[i] >= ms(self.fs, PRE_MS))
                    .collect();
                let beats = if whole.len() >= MIN_TEMPLATE_BEATS {
                    &whole
                } else {
                    &beats
                };
                let lo = beats
                    .iter()
                    .map(|&i| self.fids[i] - self.starts[i])
                    .min()
                    .unwrap_or(0);
                let hi = median_in(
                    &mut buf,
                    beats
                        .iter()
                        .map(|&i| self.fids[i].saturating_sub(self.qrs[i].0) as f64),
                ) as usize;
                if lo > hi + ms(self.fs, MIN_P_WINDOW_MS) {
                    let seg: Vec<f64> = template[before - lo..before - hi]
                        .iter()
                        .flatten()
                        .copied()
                        .collect();
                    locked = Some(detrended_energy(&seg));
                    for &i in beats {
                        let e = detrended_energy(&r[self.fids[i] - lo..self.fids[i] - hi]);
                        unlocked.0 += e.0;
                        unlocked.1 += e.1;
                    }
                }
            }
        }
        // What is left of the QRS complexes: a straight line across.
        let mut open = usable.clone();
        bridge_qrs(&mut r, &self.qrs, Some(&mut open));
        for (v, &u) in r.iter_mut().zip(&usable) {
            if !u {
                *v = 0.0;
            }
        }
        Cancelled {
            residual: r,
            usable,
            open,
            locked,
            unlocked,
        }
    }
}

/// Atrial activity of V1, II, III and aVF (those present). `leads` are the 0.5-40 Hz analysis
/// copies, `global` the beats' global waves (for the QRS boundaries). The fine activity
/// ([`LeadAtrial::fine`], for [`fine_fibrillatory`]) is measured only `with_fine` (the default,
/// nothing found, otherwise): it is asked about under ventricular pacing alone.
pub(crate) fn atrial_activity(
    labels: &[LeadLabel],
    leads: &[Vec<f64>],
    fids: &[usize],
    classes: &[BeatClass],
    global: &[BeatWaves],
    fs: f64,
    with_fine: bool,
) -> Vec<LeadAtrial> {
    let Some(c) = leads
        .first()
        .and_then(|x| Canceller::new(x.len(), fids, classes, global, fs))
    else {
        return Vec::new();
    };
    // Each lead's measures, with its residual, what of it lies outside the QRS and its
    // dominant frequency for the continuity measure (all leads' band-passes run together,
    // after this); the leads are cancelled side by side on the pool.
    let per_lead: Vec<(LeadAtrial, Residual)> = LEADS
        .par_iter()
        .filter_map(|want| {
            let k = labels.iter().position(|l| l == want)?;
            lead_atrial(want.clone(), c.cancel(&leads[k]), fs)
        })
        .collect();
    let (mut out, residuals): (Vec<LeadAtrial>, Vec<_>) = per_lead.into_iter().unzip();
    // [`fibrillatory`] needs every lead read unlocked, and asks about the continuity of the
    // leads that may be fibrillatory only (with P waves conducted, as in sinus rhythm: none).
    let all_unlocked = out.iter().all(LeadAtrial::unlocked);
    let asked: Vec<bool> = out
        .iter()
        .map(|l| all_unlocked && l.may_be_fibrillatory())
        .collect();
    let (continuity, fine) = rayon::join(
        || continuities(&residuals, &asked, fs),
        || {
            if with_fine {
                fine_activity(&residuals, fs)
            } else {
                vec![FineActivity::default(); residuals.len()]
            }
        },
    );
    for ((l, c), f) in out.iter_mut().zip(continuity).zip(fine) {
        l.continuity = c;
        l.fine = f;
    }
    // How much of V1's fibrillatory waves is its own, asked for only where V1 shows them.
    if let (Some(j), Some(k)) = (
        labels.iter().position(|l| *l == LeadLabel::V6),
        out.iter()
            .position(|l| l.lead == LeadLabel::V1 && l.fibrillatory()),
    ) {
        let v6 = c.cancel(&leads[j]).residual;
        out[k].own_share = own_share(&residuals[k].0, &v6, &residuals[k].1, fs);
    }
    out
}

/// One lead's [`LeadAtrial`] (its continuity and fine activity still to come) from its
/// cancellation, with its residual, open samples and dominant frequency; `None` when its
/// spectrum cannot be taken.
fn lead_atrial(lead: LeadLabel, cancelled: Cancelled, fs: f64) -> Option<(LeadAtrial, Residual)> {
    let Cancelled {
        residual: r,
        usable,
        open,
        locked,
        unlocked,
    } = cancelled;
    let psd = welch(&r, &usable, fs)?;
    let grid = |f: f64| ((f / GRID_HZ).round() as usize).min(psd.len() - 1);
    let (lo, hi) = (grid(BAND_HZ.0), grid(BAND_HZ.1));
    let peak = (lo..=hi)
        .max_by(|&a, &b| psd[a].total_cmp(&psd[b]))
        .unwrap_or(lo);
    let w = (PEAK_HALF_WIDTH_HZ / GRID_HZ).round() as usize;
    let in_peak: f64 = psd[peak.saturating_sub(w).max(lo)..=(peak + w).min(hi)]
        .iter()
        .sum();
    let total: f64 = psd[lo..=hi].iter().sum();
    let rms = |e: (f64, usize)| (e.0 / e.1.max(1) as f64).sqrt();
    let dominant_hz = peak as f64 * GRID_HZ;
    let lead_atrial = LeadAtrial {
        continuity: 0.0,
        lead,
        dominant_hz,
        organisation: if total > 0.0 { in_peak / total } else { 0.0 },
        f_rms_mv: (in_peak * GRID_HZ).sqrt(),
        locked_mv: locked.map(rms),
        unlocked_mv: rms(unlocked),
        fine: FineActivity::default(),
        own_share: None,
    };
    Some((lead_atrial, (r, open, dominant_hz)))
}

/// A lead's residual after cancellation, which of its samples are open (outside the QRS
/// blanks) and its dominant frequency (Hz): what the continuity and fine-activity measures
/// read.
type Residual = (Vec<f64>, Vec<bool>, f64);

/// One lead's residual after QRST cancellation ([`atrial_activity`]).
struct Cancelled {
    /// The lead less each beat's template, the QRS bridged by a line, zero where not usable.
    residual: Vec<f64>,
    /// Samples inside a cancelled beat's window.
    usable: Vec<bool>,
    /// Usable samples outside the QRS blanks.
    open: Vec<bool>,
    /// Detrended energy (sum, samples) of the dominant template before its QRS.
    locked: Option<(f64, usize)>,
    /// The residual's detrended energy over the same windows of every dominant beat.
    unlocked: (f64, usize),
}

/// How much of V1's residual `v1` is its own: the RMS of V1 less V6 (`v6`) over the RMS of V1,
/// both band-passed at [`FIB_HZ`], over the samples `open` outside the QRS complexes. A
/// limb-electrode artefact enters every chest lead alike through Wilson's central terminal
/// (a third of it), so V1 - V6 cancels it (a share near 0, the chest leads' own noise
/// left); the atria's own activity, largest in V1 and small in V6, stays (near 1 or above).
/// `None` when the filters cannot be made or run or nothing is open.
fn own_share(v1: &[f64], v6: &[f64], open: &[bool], fs: f64) -> Option<f64> {
    let filters = vec![
        butter_sos(2, FIB_HZ.0, fs, FilterKind::Highpass).ok()?,
        butter_sos(2, FIB_HZ.1, fs, FilterKind::Lowpass).ok()?,
    ];
    let diff: Vec<f64> = v1.iter().zip(v6).map(|(a, b)| a - b).collect();
    let ys = sosfiltfilt_each(&[filters.clone(), filters], &[v1, &diff]).ok()?;
    let energy = |y: &[f64]| -> f64 {
        y.iter()
            .zip(open)
            .filter(|(_, o)| **o)
            .map(|(v, _)| v * v)
            .sum()
    };
    let (own, all) = (energy(&ys[1]), energy(&ys[0]));
    (all > 0.0).then(|| (own / all).sqrt())
}

/// Fine fibrillatory waves found by [`fine_fibrillatory`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FineFWaves {
    /// The leads that show them.
    pub leads: Vec<LeadLabel>,
    /// The share of the cycle they run through (the lowest over those leads).
    pub continuity: f64,
    /// Their size (median window RMS at 4-9 Hz, mV; the lowest over those leads).
    pub level_mv: f64,
    /// Their size over the noise (the lowest over those leads).
    pub over_noise: f64,
}

/// Fine fibrillatory waves, for atrial fibrillation under ventricular pacing where
/// [`fibrillatory`] finds no dominant peak: activity at 4-9 Hz (240-540/min) with no
/// isoelectric baseline, well above the noise ([`FineActivity::fibrillatory`]), in at least
/// [`MIN_FINE_LEADS`] of V1, II, III and aVF (f waves are seen in V1 and the inferior leads;
/// one lead's artefact is not enough), and no lead read with a P wave locked to the QRS
/// ([`LeadAtrial::unlocked`]). A dissociated P train comes and goes (a baseline between its
/// P waves), and noise alone stays near its own level.
pub(crate) fn fine_fibrillatory(leads: &[LeadAtrial]) -> Option<FineFWaves> {
    if leads.is_empty() || !leads.iter().all(LeadAtrial::unlocked) {
        return None;
    }
    let fine: Vec<&LeadAtrial> = leads.iter().filter(|l| l.fine.fibrillatory()).collect();
    if fine.len() < MIN_FINE_LEADS {
        return None;
    }
    let lowest = |f: fn(&FineActivity) -> f64| {
        fine.iter()
            .map(|l| f(&l.fine))
            .fold(f64::INFINITY, f64::min)
    };
    Some(FineFWaves {
        leads: fine.iter().map(|l| l.lead.clone()).collect(),
        continuity: lowest(|f| f.continuity),
        level_mv: lowest(|f| f.level_mv),
        over_noise: lowest(|f| f.over_noise),
    })
}

/// Each beat's cancellation window over `n` samples: from [`PRE_MS`] (or [`PRE_MAX_RR`] of
/// the RR before it) before its fiducial, its own P wave, to the next beat's start.
fn beat_windows(fids: &[usize], n: usize, fs: f64) -> (Vec<usize>, Vec<usize>) {
    let pre = ms(fs, PRE_MS);
    let starts: Vec<usize> = (0..fids.len())
        .map(|i| {
            let p = if i == 0 {
                pre
            } else {
                pre.min((PRE_MAX_RR * (fids[i] - fids[i - 1]) as f64) as usize)
            };
            fids[i].saturating_sub(p)
        })
        .collect();
    let ends: Vec<usize> = (0..fids.len())
        .map(|i| starts.get(i + 1).copied().unwrap_or(n))
        .collect();
    (starts, ends)
}

/// Each beat's QRS as bridged after cancellation: its delineated onset to offset widened by
/// [`BLANK_MARGIN_MS`], or [`BLANK_DEFAULT_MS`] around the fiducial.
fn qrs_blanks(fids: &[usize], global: &[BeatWaves], fs: f64) -> Vec<(usize, usize)> {
    fids.iter()
        .zip(global.iter().map(Some).chain(std::iter::repeat(None)))
        .map(|(&f, g)| {
            let q = g.and_then(|g| g.qrs);
            let on = q.and_then(|q| q.on).filter(|&o| o < f);
            let off = q.and_then(|q| q.off).filter(|&o| o > f);
            match (on, off) {
                (Some(a), Some(b)) => (
                    a.saturating_sub(ms(fs, BLANK_MARGIN_MS)),
                    b + ms(fs, BLANK_MARGIN_MS),
                ),
                _ => (
                    f.saturating_sub(ms(fs, BLANK_DEFAULT_MS.0)),
                    f + ms(fs, BLANK_DEFAULT_MS.1),
                ),
            }
        })
        .collect()
}

/// The beats' fiducials and cancellation windows ([`beat_windows`]).
struct Windows<'a> {
    fids: &'a [usize],
    starts: &'a [usize],
    ends: &'a [usize],
}

/// Subtracts from `r` (a copy of `x`), over each of `beats`' windows, the median of `x` over
/// those beats aligned on their fiducials (where at least [`MIN_TEMPLATE_BEATS`] windows hold
/// the offset). Returns the template and its offset of the fiducial.
fn subtract_template(
    x: &[f64],
    r: &mut [f64],
    beats: &[usize],
    w: &Windows<'_>,
    buf: &mut Vec<f64>,
) -> (Vec<Option<f64>>, usize) {
    let (fids, starts, ends) = (w.fids, w.starts, w.ends);
    let before = beats
        .iter()
        .map(|&i| fids[i] - starts[i])
        .max()
        .unwrap_or(0);
    let after = beats.iter().map(|&i| ends[i] - fids[i]).max().unwrap_or(0);
    // Median over the beats whose window holds the offset (at least MIN_TEMPLATE_BEATS).
    let template: Vec<Option<f64>> = (0..before + after)
        .map(|j| {
            let vals = beats.iter().filter_map(|&i| {
                let t = (fids[i] + j).checked_sub(before)?;
                (t >= starts[i] && t < ends[i]).then(|| x[t])
            });
            let v = median_in(buf, vals);
            (buf.len() >= MIN_TEMPLATE_BEATS).then_some(v)
        })
        .collect();
    for &i in beats {
        for t in starts[i]..ends[i] {
            if let Some(v) = template[t + before - fids[i]] {
                r[t] -= v;
            }
        }
    }
    (template, before)
}

/// Replaces `r` over each QRS blank by the straight line between its ends (what is left of
/// the QRS after cancellation), marking those samples not `open`.
fn bridge_qrs(r: &mut [f64], qrs: &[(usize, usize)], mut open: Option<&mut [bool]>) {
    let n = r.len();
    for &(a, b) in qrs {
        let b = b.min(n.saturating_sub(1));
        if a >= b {
            continue;
        }
        if let Some(o) = open.as_deref_mut() {
            o[a..=b].iter_mut().for_each(|o| *o = false);
        }
        let (va, vb) = (r[a], r[b]);
        for (k, v) in r[a..=b].iter_mut().enumerate() {
            *v = va + (vb - va) * k as f64 / (b - a) as f64;
        }
    }
}

/// Every lead with the ventricular activity cancelled as in [`atrial_activity`], for the
/// P-wave train of complete AV block under ventricular pacing: each beat kind with at least
/// [`MIN_TEMPLATE_BEATS`] beats less its median beat over each beat's window, the QRS left
/// over bridged by a line. The T waves go with the QRS (they are locked to it), and so does
/// any P wave at a fixed interval before it (atrial-synchronous pacing); P waves unrelated to
/// the QRS stay, where they fall on a T wave as well. A beat of a kind too rare for its own
/// template whose QRS and T match the most common kind's median beat ([`matching_lag`]: a
/// paced beat the classifier took for another kind, its fiducial moved by a large stimulus)
/// is cancelled with that median beat at the lag that matches; other beats of rarer kinds,
/// and what lies before the first beat's window, are left as they are (but for the bridged
/// QRS). The residual is then low-passed at [`P_TRAIN_LOWPASS_HZ`] (zero phase): a P wave's
/// energy lies below it, while white noise spreads evenly over the analysis band, whose upper
/// two thirds this removes. `None` with fewer than `2 x` [`MIN_TEMPLATE_BEATS`] beats.
pub(crate) fn ventricular_cancelled(
    leads: &[Vec<f64>],
    fids: &[usize],
    classes: &[BeatClass],
    global: &[BeatWaves],
    fs: f64,
) -> Option<Vec<Vec<f64>>> {
    let n = leads.iter().map(Vec::len).min()?;
    let fids: Vec<usize> = fids.iter().copied().take_while(|&f| f < n).collect();
    let nb = fids.len();
    if nb < 2 * MIN_TEMPLATE_BEATS || classes.len() < nb {
        return None;
    }
    let (starts, ends) = beat_windows(&fids, n, fs);
    let windows = Windows {
        fids: &fids,
        starts: &starts,
        ends: &ends,
    };
    let kinds: Vec<usize> = classes[..nb].iter().map(|&c| kind(c)).collect();
    let members: Vec<Vec<usize>> = (0..3)
        .map(|kd| (0..nb).filter(|&i| kinds[i] == kd).collect())
        .collect();
    let common = (0..3).max_by_key(|&kd| members[kd].len())?;
    let mut qrs = qrs_blanks(&fids, global, fs);
    let mut buf = Vec::new();
    let mut common_templates: Vec<(Vec<Option<f64>>, usize)> = Vec::with_capacity(leads.len());
    let mut residuals: Vec<Vec<f64>> = leads
        .iter()
        .map(|x| {
            let x = &x[..n];
            let mut r = x.to_vec();
            for (kd, beats) in members.iter().enumerate() {
                if beats.len() >= MIN_TEMPLATE_BEATS {
                    let t = subtract_template(x, &mut r, beats, &windows, &mut buf);
                    if kd == common {
                        common_templates.push(t);
                    }
                }
            }
            r
        })
        .collect();
    if common_templates.len() == leads.len() {
        let rare = (0..nb).filter(|&i| members[kinds[i]].len() < MIN_TEMPLATE_BEATS);
        for i in rare {
            let Some(lag) = matching_lag(leads, &common_templates, fids[i], fs) else {
                continue;
            };
            let Some(at) = fids[i].checked_add_signed(lag) else {
                continue;
            };
            for ((x, r), (template, before)) in
                leads.iter().zip(&mut residuals).zip(&common_templates)
            {
                for t in starts[i]..ends[i] {
                    let j = (t + before).checked_sub(at);
                    if let Some(Some(v)) = j.and_then(|j| template.get(j)) {
                        r[t] = x[t] - v;
                    }
                }
            }
            // The QRS bridged where it is, as delineated and as matched.
            let (a, b) = qrs[i];
            qrs[i] = (
                a.min(a.saturating_add_signed(lag)),
                b.max(b.saturating_add_signed(lag)),
            );
        }
    }
    for r in &mut residuals {
        bridge_qrs(r, &qrs, None);
    }
    Some(low_passed(residuals, fs))
}

/// A rare beat's QRS and T match a median beat when all leads together correlate with it at
/// least this well ...
const MIN_BEAT_MATCH: f64 = 0.9;
/// ... over this stretch of it (ms from its fiducial: the QRS from 40 ms before the fiducial,
/// after a stimulus or an early deflection that moved the beat's own fiducial, and the T
/// wave) ...
const BEAT_MATCH_SPAN_MS: (f64, f64) = (-40.0, 450.0);
/// ... at a lag (ms) of the beat's fiducial up to this.
const BEAT_MATCH_MAX_LAG_MS: f64 = 100.0;

/// The lag (samples) at which the beat at `fid` matches the median beats `templates` (one per
/// lead, each with its fiducial's offset) best, if the multi-lead correlation there (each
/// lead less its mean over the stretch) reaches [`MIN_BEAT_MATCH`].
fn matching_lag(
    leads: &[Vec<f64>],
    templates: &[(Vec<Option<f64>>, usize)],
    fid: usize,
    fs: f64,
) -> Option<isize> {
    let (from, to) = (
        ms(fs, -BEAT_MATCH_SPAN_MS.0) as isize,
        ms(fs, BEAT_MATCH_SPAN_MS.1) as isize,
    );
    let max_lag = ms(fs, BEAT_MATCH_MAX_LAG_MS) as isize;
    // Each lead's template over the stretch, less its mean (the stretch must lie in all).
    let mut t_centred: Vec<Vec<f64>> = Vec::with_capacity(templates.len());
    for (template, before) in templates {
        let before = *before as isize;
        let vals: Option<Vec<f64>> = (-from..to)
            .map(|k| {
                let j = usize::try_from(before + k).ok()?;
                *template.get(j)?
            })
            .collect();
        let mut v = vals?;
        let m = v.iter().sum::<f64>() / v.len() as f64;
        v.iter_mut().for_each(|x| *x -= m);
        t_centred.push(v);
    }
    let tt: f64 = t_centred.iter().flatten().map(|v| v * v).sum();
    if tt <= 0.0 {
        return None;
    }
    let mut best: Option<(f64, isize)> = None;
    for lag in -max_lag..=max_lag {
        let (mut xy, mut xx) = (0.0, 0.0);
        let mut inside = true;
        for (x, t) in leads.iter().zip(&t_centred) {
            let a = fid as isize + lag - from;
            let b = fid as isize + lag + to;
            if a < 0 || b as usize > x.len() {
                inside = false;
                break;
            }
            let seg = &x[a as usize..b as usize];
            let m = seg.iter().sum::<f64>() / seg.len() as f64;
            for (&v, &tv) in seg.iter().zip(t) {
                xy += (v - m) * tv;
                xx += (v - m) * (v - m);
            }
        }
        if !inside || xx <= 0.0 {
            continue;
        }
        let r = xy / (xx * tt).sqrt();
        if best.is_none_or(|(b, _)| r > b) {
            best = Some((r, lag));
        }
    }
    best.filter(|&(r, _)| r >= MIN_BEAT_MATCH)
        .map(|(_, lag)| lag)
}

/// The cancelled leads' low-pass for the P-wave train (Hz; 4th-order Butterworth, zero
/// phase). A P wave (80-120 ms, rounded) has its energy below 10 Hz; the white noise of a
/// recorder or of muscle spreads over the whole 0.5-40 Hz analysis band.
pub(crate) const P_TRAIN_LOWPASS_HZ: f64 = 12.0;

/// `leads` low-passed at [`P_TRAIN_LOWPASS_HZ`], or as they are where the filter cannot be
/// made (a rate too low for it) or run (leads too short).
fn low_passed(leads: Vec<Vec<f64>>, fs: f64) -> Vec<Vec<f64>> {
    let Ok(sos) = butter_sos(4, P_TRAIN_LOWPASS_HZ, fs, FilterKind::Lowpass) else {
        return leads;
    };
    let xs: Vec<&[f64]> = leads.iter().map(Vec::as_slice).collect();
    sosfiltfilt_many(&sos, &xs).unwrap_or(leads)
}

/// Windows of the continuity measure (ms) ...
const CONTINUITY_WINDOW_MS: f64 = 200.0;
/// ... and the share of the 90th-percentile RMS a window reaches to count as active.
const CONTINUITY_LEVEL: f64 = 0.4;

/// [`LeadAtrial::continuity`] of each residual `r` band-passed around its `hz` (±1 Hz wider
/// band edges: `hz` - 2 to `hz` + 2 Hz), over the windows wholly `open` (outside the QRS),
/// where `asked` (0 elsewhere). The band-passes of those leads run together
/// ([`sosfiltfilt_each`]), each as its own.
fn continuities(residuals: &[Residual], asked: &[bool], fs: f64) -> Vec<f64> {
    let band = |hz: f64| -> Result<Vec<Sos>, crate::error::Error> {
        let hp = butter_sos(2, (hz - 2.0).max(1.0), fs, FilterKind::Highpass)?;
        let lp = butter_sos(2, hz + 2.0, fs, FilterKind::Lowpass)?;
        Ok(vec![hp, lp])
    };
    // A lead whose band cannot be designed (or filtered) has no continuity.
    let designed: Vec<(usize, Vec<Sos>)> = residuals
        .iter()
        .enumerate()
        .filter(|&(k, _)| asked[k])
        .filter_map(|(k, &(_, _, hz))| Some((k, band(hz).ok()?)))
        .collect();
    let filters: Vec<Vec<Sos>> = designed.iter().map(|(_, f)| f.clone()).collect();
    let xs: Vec<&[f64]> = designed
        .iter()
        .map(|&(k, _)| residuals[k].0.as_slice())
        .collect();
    let mut out = vec![0.0; residuals.len()];
    if let Ok(ys) = sosfiltfilt_each(&filters, &xs) {
        for ((k, _), y) in designed.iter().zip(&ys) {
            out[*k] = continuity(y, &residuals[*k].1, fs);
        }
    }
    out
}

/// [`FineActivity`] of each residual (its samples, its `open` mask): the residual band-passed
/// at [`FIB_HZ`] and at [`NOISE_HZ`] (2nd-order Butterworth high- and low-pass each, zero
/// phase; all leads' filters run together), measured over the [`CONTINUITY_WINDOW_MS`]
/// windows wholly open. Default (nothing found) where the filters cannot be made or run.
fn fine_activity(residuals: &[Residual], fs: f64) -> Vec<FineActivity> {
    let band = |(lo, hi): (f64, f64)| -> Result<Vec<Sos>, crate::error::Error> {
        Ok(vec![
            butter_sos(2, lo, fs, FilterKind::Highpass)?,
            butter_sos(2, hi, fs, FilterKind::Lowpass)?,
        ])
    };
    let mut out = vec![FineActivity::default(); residuals.len()];
    let (Ok(atrial), Ok(noise)) = (band(FIB_HZ), band(NOISE_HZ)) else {
        return out;
    };
    let mut filters = Vec::new();
    let mut xs: Vec<&[f64]> = Vec::new();
    for (r, _, _) in residuals {
        filters.push(atrial.clone());
        xs.push(r);
        filters.push(noise.clone());
        xs.push(r);
    }
    let Ok(ys) = sosfiltfilt_each(&filters, &xs) else {
        return out;
    };
    let w = ms(fs, CONTINUITY_WINDOW_MS);
    // White noise's RMS in the atrial band from its RMS in the noise band.
    let scale = ((FIB_HZ.1 - FIB_HZ.0) / (NOISE_HZ.1 - NOISE_HZ.0)).sqrt();
    let window_rms =
        |y: &[f64], a: usize| (y[a..a + w].iter().map(|v| v * v).sum::<f64>() / w as f64).sqrt();
    for (k, (_, open, _)) in residuals.iter().enumerate() {
        let (y, z) = (&ys[2 * k], &ys[2 * k + 1]);
        let starts: Vec<usize> = (0..y.len().saturating_sub(w))
            .step_by((w / 2).max(1))
            .filter(|&a| open[a..a + w].iter().all(|&o| o))
            .collect();
        if starts.len() < 4 {
            continue;
        }
        let rms: Vec<f64> = starts.iter().map(|&a| window_rms(y, a)).collect();
        let noise_rms: Vec<f64> = starts.iter().map(|&a| window_rms(z, a)).collect();
        let level = quantile(&rms, 0.5);
        let floor = quantile(&noise_rms, 0.5) * scale;
        let envelope = open_envelope(y, open, ms(fs, ENVELOPE_MS));
        let top = quantile(&envelope, 0.9);
        out[k] = FineActivity {
            continuity: envelope
                .iter()
                .filter(|&&v| v >= CONTINUITY_LEVEL * top)
                .count() as f64
                / envelope.len().max(1) as f64,
            level_mv: level,
            over_noise: if floor > 0.0 { level / floor } else { 0.0 },
        };
    }
    out
}

/// The envelope of `y`, the largest |value| over the `2 * (w / 2) + 1` samples centred on
/// each sample (NaN counts as 0), at the samples whose whole window is `open`. One pass: the
/// window's largest value is the front of a queue of candidates in falling order (a sample
/// leaves it once a later one is as large), and a count of the open samples ending at each
/// sample says whether the window is open.
fn open_envelope(y: &[f64], open: &[bool], w: usize) -> Vec<f64> {
    let half = w / 2;
    let span = 2 * half + 1;
    let mut out = Vec::with_capacity(y.len().saturating_sub(2 * half));
    let mut queue: std::collections::VecDeque<(usize, f64)> = std::collections::VecDeque::new();
    let mut open_run = 0;
    for (j, (&v, &o)) in y.iter().zip(open).enumerate() {
        let a = if v.is_nan() { 0.0 } else { v.abs() };
        while queue.back().is_some_and(|&(_, b)| b <= a) {
            queue.pop_back();
        }
        queue.push_back((j, a));
        if queue.front().is_some_and(|&(i, _)| i + span <= j) {
            queue.pop_front();
        }
        open_run = if o { open_run + 1 } else { 0 };
        if j + 1 >= span && open_run >= span {
            out.push(queue.front().map_or(0.0, |&(_, b)| b));
        }
    }
    out
}

/// [`LeadAtrial::continuity`] of the band-passed residual `y` over the windows wholly `open`.
fn continuity(y: &[f64], open: &[bool], fs: f64) -> f64 {
    let w = ms(fs, CONTINUITY_WINDOW_MS);
    let rms: Vec<f64> = (0..y.len().saturating_sub(w))
        .step_by(w / 2)
        .filter(|&a| open[a..a + w].iter().all(|&o| o))
        .map(|a| (y[a..a + w].iter().map(|v| v * v).sum::<f64>() / w as f64).sqrt())
        .collect();
    if rms.len() < 4 {
        return 0.0;
    }
    let top = quantile(&rms, 0.9);
    rms.iter().filter(|&&v| v >= CONTINUITY_LEVEL * top).count() as f64 / rms.len() as f64
}

/// Sum of squares of `v` about its least-squares line, and its length.
fn detrended_energy(v: &[f64]) -> (f64, usize) {
    let m = v.len();
    if m < 3 {
        return (0.0, 0);
    }
    let tm = (m - 1) as f64 / 2.0;
    let ym = v.iter().sum::<f64>() / m as f64;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, &y) in v.iter().enumerate() {
        sxy += (t as f64 - tm) * (y - ym);
        sxx += (t as f64 - tm).powi(2);
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let e = v
        .iter()
        .enumerate()
        .map(|(t, &y)| (y - ym - slope * (t as f64 - tm)).powi(2))
        .sum();
    (e, m)
}

/// Frequencies of the Welch grid computed together.
const GOERTZEL_LANES: usize = 16;

/// One-sided power spectral density (mV²/Hz) on the grid 0, [`GRID_HZ`], ... up to the top
/// of the atrial band (0 below its bottom), by Welch's method over [`SEGMENT_S`] Hann segments (half overlap) of
/// a copy block-averaged to about 100 Hz; segments less than half usable are skipped.
fn welch(r: &[f64], usable: &[bool], fs: f64) -> Option<Vec<f64>> {
    let k = ((fs / 100.0).floor() as usize).max(1);
    let fd = fs / k as f64;
    let y: Vec<f64> = r
        .chunks_exact(k)
        .map(|c| c.iter().sum::<f64>() / k as f64)
        .collect();
    let u: Vec<bool> = usable
        .chunks_exact(k)
        .map(|c| c.iter().all(|&b| b))
        .collect();
    let len = (SEGMENT_S * fd).round() as usize;
    if y.len() < len || len < 16 {
        return None;
    }
    let win: Vec<f64> = (0..len)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / len as f64).cos())
        .collect();
    let wss: f64 = win.iter().map(|w| w * w).sum();
    // Only the atrial band is read (the grid below it stays 0).
    let (lo, hi) = (
        (BAND_HZ.0 / GRID_HZ).round() as usize,
        (BAND_HZ.1 / GRID_HZ).round() as usize,
    );
    let mut psd = vec![0.0; hi + 1];
    let mut segments = 0usize;
    let mut start = 0;
    let mut seg = vec![0.0; len];
    while start + len <= y.len() {
        let ok = u[start..start + len].iter().filter(|&&b| b).count();
        if 2 * ok >= len {
            let mean = y[start..start + len].iter().sum::<f64>() / len as f64;
            for ((s, &v), &w) in seg.iter_mut().zip(&y[start..start + len]).zip(&win) {
                *s = (v - mean) * w;
            }
            // Goertzel at j x GRID_HZ, GOERTZEL_LANES frequencies at a time (independent
            // recursions: each waits on its own latency, so many fill the pipeline).
            for j0 in (lo..=hi).step_by(GOERTZEL_LANES) {
                let c: [f64; GOERTZEL_LANES] = std::array::from_fn(|k| {
                    2.0 * (2.0 * std::f64::consts::PI * (j0 + k) as f64 * GRID_HZ / fd).cos()
                });
                let (mut s1, mut s2) = ([0.0f64; GOERTZEL_LANES], [0.0f64; GOERTZEL_LANES]);
                for &v in &seg {
                    for k in 0..GOERTZEL_LANES {
                        let s0 = v + c[k] * s1[k] - s2[k];
                        s2[k] = s1[k];
                        s1[k] = s0;
                    }
                }
                for k in 0..GOERTZEL_LANES {
                    if let Some(p) = psd.get_mut(j0 + k) {
                        let power = s1[k] * s1[k] + s2[k] * s2[k] - c[k] * s1[k] * s2[k];
                        *p += 2.0 * power / (fd * wss);
                    }
                }
            }
            segments += 1;
        }
        start += len / 2;
    }
    (segments > 0).then(|| psd.iter().map(|p| p / segments as f64).collect())
}

#[cfg(test)]
mod tests {

    /// [`open_envelope`]'s one pass against the window-by-window maximum it replaced, on
    /// noise with closed stretches (short and longer than the window), NaN and signed zeros.
    #[test]
    fn envelope_in_one_pass_is_the_maximum_of_each_open_window() {
        let naive = |y: &[f64], open: &[bool], w: usize| -> Vec<f64> {
            let half = w / 2;
            (half..y.len().saturating_sub(half))
                .filter(|&i| open[i - half..=i + half].iter().all(|&o| o))
                .map(|i| {
                    y[i - half..=i + half]
                        .iter()
                        .fold(0.0f64, |m, v| m.max(v.abs()))
                })
                .collect()
        };
        let mut next = crate::test_rng::uniform(11);
        for n in [0, 1, 5, 62, 63, 64, 700, 3000] {
            let mut y: Vec<f64> = (0..n).map(|_| next() - 0.5).collect();
            let open: Vec<bool> = (0..n).map(|k| !(k % 500 < 40 || k % 777 == 3)).collect();
            for (k, v) in y.iter_mut().enumerate() {
                match k % 97 {
                    5 => *v = f64::NAN,
                    6 => *v = -0.0,
                    7 => *v *= 3.0,
                    _ => {}
                }
            }
            for w in [0, 1, 2, 7, 62, 63] {
                let (a, b) = (open_envelope(&y, &open, w), naive(&y, &open, w));
                assert_eq!(a.len(), b.len(), "n {n} w {w}");
                for (x, z) in a.iter().zip(&b) {
                    assert_eq!(x.to_bits(), z.to_bits(), "n {n} w {w}");
                }
            }
        }
    }

    #[test]
    fn v1_activity_common_to_v6_is_not_its_own() {
        let fs = 500.0;
        let n = 5000;
        let wave = |hz: f64, ph: f64| -> Vec<f64> {
            (0..n)
                .map(|k| (2.0 * std::f64::consts::PI * hz * k as f64 / fs + ph).sin())
                .collect()
        };
        let open = vec![true; n];
        let tremor = wave(5.3, 0.0);
        // The same wave in V1 and V6 (a limb electrode's, through the central terminal):
        // nothing of V1's is its own.
        let share = own_share(&tremor, &tremor, &open, fs).unwrap();
        assert!(share < 0.01, "{share}");
        // V1's own fibrillatory waves and a flat V6: all of it.
        let f = wave(6.7, 1.0);
        let share = own_share(&f, &vec![0.0; n], &open, fs).unwrap();
        assert!((share - 1.0).abs() < 0.01, "{share}");
        // The tremor in both, V1's own waves on top at half its size: V1 - V6 keeps those.
        let v1: Vec<f64> = tremor.iter().zip(&f).map(|(a, b)| a + 0.5 * b).collect();
        let share = own_share(&v1, &tremor, &open, fs).unwrap();
        assert!((0.35..0.55).contains(&share), "{share}");
    }
    use super::*;

    const FS: f64 = 500.0;

    /// V1, II, III and aVF of 12 s of VVI pacing at 71/min (a biphasic QRS inside the
    /// default QRS blank, 60 ms before to 100 ms after the fiducial, and a T wave, the same in
    /// every beat), plus `atrial(t, lead)` (mV) and uniform white noise of
    /// `noise_uv` RMS; the beats' fiducials (samples).
    fn paced_leads(
        atrial: impl Fn(f64, usize) -> f64,
        noise_uv: f64,
        seed: u64,
    ) -> (Vec<LeadLabel>, Vec<Vec<f64>>, Vec<usize>) {
        let n = (12.0 * FS) as usize;
        let fids: Vec<usize> = (0..14)
            .map(|k| ((0.4 + 0.84 * k as f64) * FS) as usize)
            .collect();
        let gauss = |t: f64, c: f64, w: f64| (-((t - c) / w).powi(2) / 2.0).exp();
        let mut uniform = crate::test_rng::centred(seed.wrapping_add(1));
        let labels = LEADS.to_vec();
        let leads = (0..labels.len())
            .map(|li| {
                let sign = if li == 0 { -1.0 } else { 1.0 };
                (0..n)
                    .map(|k| {
                        let t = k as f64 / FS;
                        let beat: f64 = fids
                            .iter()
                            .map(|&f| {
                                let c = f as f64 / FS;
                                sign * (1.2 * gauss(t, c, 0.015) - 0.5 * gauss(t, c + 0.04, 0.015))
                                    - 0.3 * sign * gauss(t, c + 0.32, 0.05)
                            })
                            .sum();
                        beat + atrial(t, li) + noise_uv * 1e-3 * 12f64.sqrt() * uniform()
                    })
                    .collect()
            })
            .collect();
        (labels, leads, fids)
    }

    fn fine_waves(labels: &[LeadLabel], leads: &[Vec<f64>], fids: &[usize]) -> Option<FineFWaves> {
        let classes = vec![BeatClass::Paced; fids.len()];
        let global = vec![BeatWaves::default(); fids.len()];
        fine_fibrillatory(&atrial_activity(
            labels, leads, fids, &classes, &global, FS, true,
        ))
    }

    /// Fine f waves: three incommensurate rates in 4-9 Hz, phases differing by lead, of
    /// `mv` each (peak).
    fn f_waves(mv: f64) -> impl Fn(f64, usize) -> f64 {
        move |t, li| {
            [5.3, 6.9, 8.1]
                .iter()
                .map(|&hz| mv * (2.0 * std::f64::consts::PI * hz * t + li as f64 * hz).sin())
                .sum()
        }
    }

    #[test]
    fn fine_f_waves_under_pacing_are_found_above_the_noise() {
        // Sines of 0.006-0.02 mV each (0.007-0.024 mV RMS together): LUDB 8's size.
        for mv in [0.006, 0.01, 0.02] {
            for seed in 0..3 {
                let (labels, leads, fids) = paced_leads(f_waves(mv), 8.0, seed);
                let w = fine_waves(&labels, &leads, &fids);
                assert!(
                    w.as_ref().is_some_and(|w| w.leads.len() >= MIN_FINE_LEADS),
                    "{mv} mV, seed {seed}: {w:?}"
                );
            }
        }
    }

    #[test]
    fn noise_and_a_dissociated_p_train_under_pacing_are_no_fine_f_waves() {
        // P waves of `mv` at `rate`, Gaussian of SD `sd` s (0.025: about 110 ms wide).
        let p_wave = |rate: f64, mv: f64, sd: f64| {
            move |t: f64, _: usize| {
                let period = 60.0 / rate;
                let phase = (t - 0.2).rem_euclid(period);
                let d = phase.min(period - phase);
                mv * (-(d / sd).powi(2) / 2.0).exp()
            }
        };
        for seed in 0..3 {
            // A flat baseline under white noise of 5-50 uV RMS.
            for noise_uv in [5.0, 10.0, 25.0, 50.0] {
                let (labels, leads, fids) = paced_leads(|_, _| 0.0, noise_uv, seed);
                let w = fine_waves(&labels, &leads, &fids);
                assert_eq!(w, None, "noise {noise_uv} uV, seed {seed}");
            }
            // Sinus P waves dissociated from the pacing, faster (73/min, LUDB 34 and 90; up to
            // 120/min) or slower (56/min, LUDB 74), 0.02-0.1 mV, 110 or 150 ms wide, under 10
            // and 25 uV of noise.
            for (rate, mv, sd) in [
                (73.0, 0.1, 0.025),
                (73.0, 0.1, 0.035),
                (73.0, 0.02, 0.025),
                (56.0, 0.05, 0.025),
                (56.0, 0.02, 0.025),
                (100.0, 0.1, 0.025),
                (120.0, 0.1, 0.025),
            ] {
                for noise_uv in [10.0, 25.0] {
                    let (labels, leads, fids) = paced_leads(p_wave(rate, mv, sd), noise_uv, seed);
                    let w = fine_waves(&labels, &leads, &fids);
                    assert_eq!(
                        w, None,
                        "P at {rate}/min, {mv} mV, SD {sd} s, {noise_uv} uV, seed {seed}"
                    );
                }
            }
        }
    }

    /// A wide paced-like beat (QRS and T) centred on `at` (s) in a lead of gain `gain`, plus a
    /// narrow conducted-like QRS when `narrow`.
    fn add_beat(x: &mut [f64], at: f64, gain: f64, narrow: bool) {
        let parts: &[(f64, f64, f64)] = if narrow {
            &[(0.0, 0.010, 1.2), (0.30, 0.045, 0.3)]
        } else {
            &[(0.0, 0.030, -1.5), (0.05, 0.025, 0.6), (0.32, 0.05, 0.45)]
        };
        for (k, v) in x.iter_mut().enumerate() {
            let t = k as f64 / FS;
            for &(off, w, a) in parts {
                *v += gain * a * (-((t - at - off) / w).powi(2) / 2.0).exp();
            }
        }
    }

    /// Three leads of 10 s, wide beats every second from 0.5 s, the one at 5.5 s narrow when
    /// `odd_narrow`. Returns the leads and the beats' times (s).
    fn leads(odd_narrow: bool) -> (Vec<Vec<f64>>, Vec<f64>) {
        let n = (10.0 * FS) as usize;
        let beats: Vec<f64> = (0..10).map(|k| 0.5 + k as f64).collect();
        let gains = [1.0, -0.6, 0.8];
        let out = gains
            .iter()
            .map(|&g| {
                let mut x = vec![0.0; n];
                for &b in &beats {
                    add_beat(&mut x, b, g, odd_narrow && (b - 5.5).abs() < 1e-9);
                }
                x
            })
            .collect();
        (out, beats)
    }

    /// RMS of `x` over `a..b` seconds.
    fn rms(x: &[f64], a: f64, b: f64) -> f64 {
        let s = &x[(a * FS) as usize..(b * FS) as usize];
        (s.iter().map(|v| v * v).sum::<f64>() / s.len() as f64).sqrt()
    }

    #[test]
    fn a_paced_beat_taken_for_another_kind_is_cancelled_at_the_lag_that_matches() {
        // LUDB 74: one paced beat with a large stimulus was classed as conducted and its
        // fiducial moved 86 ms early; alone of its kind it kept its QRS and T, and the P wave
        // on that T was not found. Here its fiducial is 60 ms early.
        let (x, beats) = leads(false);
        let mut fids: Vec<usize> = beats.iter().map(|b| (b * FS) as usize).collect();
        fids[5] -= (0.06 * FS) as usize;
        let mut classes = vec![BeatClass::Paced; fids.len()];
        classes[5] = BeatClass::Normal;
        let r = ventricular_cancelled(&x, &fids, &classes, &[], FS).expect("cancelled");
        for (lead, (r, x)) in r.iter().zip(&x).enumerate() {
            // The T wave of the odd beat (the QRS is bridged in any case).
            let (left, was) = (rms(r, 5.65, 6.1), rms(x, 5.65, 6.1));
            assert!(left < 0.02 * was, "lead {lead}: {left} of {was}");
        }
        // A beat of another shape (a narrow conducted QRS) is no paced beat: left as it is.
        let (x, beats) = leads(true);
        let fids: Vec<usize> = beats.iter().map(|b| (b * FS) as usize).collect();
        let r = ventricular_cancelled(&x, &fids, &classes, &[], FS).expect("cancelled");
        for (lead, (r, x)) in r.iter().zip(&x).enumerate() {
            let (left, was) = (rms(r, 5.65, 6.1), rms(x, 5.65, 6.1));
            assert!(left > 0.8 * was, "lead {lead}: {left} of {was}");
        }
    }
}
