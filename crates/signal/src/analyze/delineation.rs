//! Stage 5 of the analysis ([`super::analyze`]): every beat delineated in every lead, beats
//! in order so that each P window starts after the last T wave; the multi-lead consensus
//! of P and T and the global boundaries; the second looks for the P waves a regular rhythm
//! did not show (low P waves, a long PR); waves before the beats that are no P waves
//! withdrawn; and faint P waves in the leads that miss a P most leads show.

use ecg::LeadLabel;
use rayon::prelude::*;

use crate::delineate::{
    BeatContext, BeatWaves, Kind, LeadView, P_MIN_MV, P_MIN_MV_LOW, P_REACH_LONG_MS, P_REACH_MS,
    Points, delineate, faint_p, global_boundaries, harmonise, ms, reconcile, t_ends_before_next_ps,
};
use crate::rhythm::{Flutter, locked_to_qrs};

use super::p_waves::{
    P_MAX_WIDTH_MS, QrsTie, U_WAVE_MAX_T_GAP_MS, WavesAfterT, median_p_width_ms, p_regularity,
    p_to_next_qrs_ms, qrs_tie,
};
use super::rr::{
    CYCLE_MAX_SPAN_S, irregularity, median_change, on_time_beats, on_time_irregularity,
    repeats_a_cycle,
};
use super::{
    AF_MIN_IRREGULARITY, AF_MIN_MEDIAN_CHANGE, AF_MIN_PR_SD_MS, LOW_P_MAX_PR_SD_BUT_ONE_MS,
    LOW_P_MAX_PR_SD_MS, LOW_P_MIN_BEATS, LOW_P_MIN_FRACTION, P_MIN_FRACTION,
};

/// How one delineation pass searches for P waves (the first pass, and the second looks at a
/// regular rhythm without P waves: low P waves, a long PR).
#[derive(Debug, Clone, Copy)]
pub(super) struct PLook {
    /// Smallest P (prominence, mV) accepted: [`P_MIN_MV`] or [`P_MIN_MV_LOW`].
    pub(super) min_mv: f64,
    /// How far before the QRS onset (ms) the P is searched: [`P_REACH_MS`] or
    /// [`P_REACH_LONG_MS`].
    pub(super) reach_ms: f64,
    /// Whether the P is also searched on the previous T wave's descending limb in every beat
    /// on time, at any rate (the long-PR look: a PR of 300 ms at 90/min puts the P on the T);
    /// otherwise only in a regular tachycardia.
    pub(super) on_t_wave: bool,
}

/// Longest median RR (s) at which P waves are searched on the previous T wave's descending
/// limb: a rate above 100/min (sinus tachycardia).
const P_ON_T_MAX_RR_S: f64 = 0.6;

/// The polarity of a sinus P wave (frontal axis 0-75 degrees) in the leads where it is
/// reliably one or the other: upright in I, II, aVF and V4-V6, inverted in aVR (III, aVL
/// and V1-V3 vary with the axis or are biphasic).
fn sinus_p_polarity(lead: &LeadLabel) -> Option<f64> {
    match lead {
        LeadLabel::I
        | LeadLabel::II
        | LeadLabel::AVF
        | LeadLabel::V4
        | LeadLabel::V5
        | LeadLabel::V6 => Some(1.0),
        LeadLabel::AVR => Some(-1.0),
        _ => None,
    }
}

/// The last pacing spike within 150 ms before a QRS fiducial.
fn spike_before(spikes: &[usize], fid: usize, fs: f64) -> Option<usize> {
    let lo = fid.saturating_sub(ms(fs, 150.0));
    spikes.iter().rev().find(|&&s| s <= fid && s >= lo).copied()
}

/// What every delineation pass reads: the leads, the beats, and where a beat's P wave may
/// ride on the T wave before it.
pub(super) struct Passes<'a> {
    views: Vec<LeadView<'a>>,
    fids: &'a [usize],
    spikes: &'a [usize],
    /// Median RR (samples).
    rr_med: f64,
    fs: f64,
    /// Per beat, whether the RR ending at it is on time ([`on_time_beats`]).
    on_time: Vec<bool>,
    /// Whether the rhythm is a regular tachycardia whose beats on time may carry their P
    /// waves on the previous T wave's descending limb ([`Passes::new`]).
    regular_tachycardia: bool,
    /// Per lead, the polarity of a sinus P wave where it is fixed ([`sinus_p_polarity`]).
    p_polarity: Vec<Option<f64>>,
}

/// What stage 5 found.
pub(super) struct Delineation {
    /// Per lead, per beat, the waves (reconciled across the leads, with faint P waves, when
    /// the per-lead output is wanted).
    pub per_lead: Vec<Vec<BeatWaves>>,
    /// Per beat, the global (all-lead) boundaries.
    pub global: Vec<BeatWaves>,
    /// The pass whose P waves were kept.
    pub look: PLook,
    /// The distance (ms, median over the beats) from the onset of the waves the long look
    /// found on the T wave to the QRS after them, when they could not be told from U waves.
    pub wave_on_t_unresolved: Option<f64>,
}

impl<'a> Passes<'a> {
    /// The passes over `clean` (the analysis copy of the leads `labels`) for the beats at
    /// `fids`, with the pacing stimuli `spikes` and the median RR `rr_med` (samples);
    /// `flutter_cycle` is the flutter search, run at most once over the analysis.
    pub fn new(
        labels: &[LeadLabel],
        clean: &'a [Vec<f64>],
        fids: &'a [usize],
        spikes: &'a [usize],
        rr_med: f64,
        fs: f64,
        flutter_cycle: &dyn Fn() -> Option<Flutter>,
    ) -> Self {
        let refs: Vec<&'a [f64]> = clean.iter().map(Vec::as_slice).collect();
        let views: Vec<LeadView<'a>> = refs
            .par_chunks(crate::detect::RUNNING_SUMS_TOGETHER)
            .flat_map_iter(|group| LeadView::many(group, fs))
            .collect();
        // A regular tachycardia may carry its P waves on the previous T wave's descending limb;
        // a beat on time (RR within 15 % of the median) is searched there too, in the leads
        // where a sinus P has a fixed polarity (`delineate::p_on_t_descent`). So may one whose
        // RR intervals repeat a cycle ([`repeats_a_cycle`]: a premature beat every few beats)
        // over a resting ECG ([`CYCLE_MAX_SPAN_S`]): with a premature beat after every 4th
        // beat, a sinus tachycardia at 110/min with bundle-branch block read "Undetermined
        // rhythm" (atrial premature beats; "Atrial fibrillation" before r32) or "Wide-QRS
        // tachycardia" (ventricular ones). And so may one whose beats on time are regular
        // between the premature ones ([`on_time_irregularity`]) when the sinus rate's own
        // jitter keeps the cycle from repeating: with 6-8 % jitter, 118 of 384 such synthetic
        // tracings at 110-130/min read "Atrial fibrillation".
        let on_time = on_time_beats(fids, rr_med);
        let regular_tachycardia = {
            let all = vec![true; fids.len()];
            let span_s = match (fids.first(), fids.last()) {
                (Some(a), Some(b)) => (b - a) as f64 / fs,
                _ => 0.0,
            };
            // Not when atrial waves recur at a third or a quarter of the RR (flutter conducted
            // 3:1 or 4:1, whose waves between the QRS complexes are no P waves on the T: two
            // atrial waves per RR are not a sinus rhythm). Once per RR (a half-RR lag: the P and
            // T waves of a sinus tachycardia, or 2:1 flutter) the P's polarity and the
            // baseline decide (`delineate::p_on_t_descent`).
            rr_med < P_ON_T_MAX_RR_S * fs
                && (irregularity(fids, &all).is_some_and(|v| v <= AF_MIN_IRREGULARITY)
                    && median_change(fids, &all).is_some_and(|v| v <= AF_MIN_MEDIAN_CHANGE)
                    || span_s <= CYCLE_MAX_SPAN_S
                        && (repeats_a_cycle(fids, &all)
                            || on_time_irregularity(fids, &on_time)
                                .is_some_and(|v| v <= AF_MIN_IRREGULARITY)))
                && flutter_cycle()
                    .map(|f| locked_to_qrs(f, fids, fs))
                    .is_none_or(|f| f.locked.is_none_or(|l| l.ratio < 3))
        };
        let p_polarity = labels.iter().map(sinus_p_polarity).collect();
        Self {
            views,
            fids,
            spikes,
            rr_med,
            fs,
            on_time,
            regular_tachycardia,
            p_polarity,
        }
    }

    /// Whether beat `i`'s P wave may ride on the previous T wave's descending limb in `look`.
    fn p_on_t_wave(&self, i: usize, look: PLook) -> bool {
        self.on_time[i] && (self.regular_tachycardia || look.on_t_wave)
    }

    /// The sinus P polarity lead `l` searches beat `i`'s P wave for on the T wave, when it
    /// may ride there.
    fn p_on_t_of(&self, l: usize, i: usize, look: PLook) -> Option<f64> {
        self.p_polarity[l].filter(|_| self.p_on_t_wave(i, look))
    }

    /// The same for the median beat of lead `l`, which is on time.
    pub fn median_p_on_t(&self, l: usize, look: PLook) -> Option<f64> {
        self.p_polarity[l].filter(|_| self.regular_tachycardia || look.on_t_wave)
    }

    /// The last pacing spike within 150 ms before beat `f`'s fiducial.
    fn spike_before(&self, f: usize) -> Option<usize> {
        spike_before(self.spikes, f, self.fs)
    }

    /// Beat `i` of lead `l` as `look` delineates it, after the previous beat's T wave
    /// `prev_t` in that lead.
    fn beat_context(&self, look: PLook, l: usize, i: usize, prev_t: Option<Points>) -> BeatContext {
        let fids = self.fids;
        let f = fids[i];
        let next = fids.get(i + 1).copied();
        BeatContext {
            fid: f,
            prev: i.checked_sub(1).map(|k| fids[k]),
            next,
            rr: next.map_or(self.rr_med, |nx| (nx - f) as f64),
            prev_t_off: prev_t.and_then(|t| t.off),
            want_p: true,
            p_min_mv: look.min_mv,
            p_reach_ms: look.reach_ms,
            spike: self.spike_before(f),
            p_on_t: self.p_on_t_of(l, i, look),
            prev_t_peak: prev_t.and_then(|t| t.peak),
        }
    }

    /// Beat `i` of lead `l` as `look` delineates it, its previous T wave taken from `pl`.
    fn context(&self, look: PLook, pl: &[Vec<BeatWaves>], l: usize, i: usize) -> BeatContext {
        let prev_t = i.checked_sub(1).and_then(|k| pl[l][k].t);
        self.beat_context(look, l, i, prev_t)
    }

    /// Every beat of every lead delineated in `look`, beats in order (each after the T wave
    /// the lead's previous beat just found).
    fn delineate_all(&self, look: PLook) -> Vec<Vec<BeatWaves>> {
        self.views
            .par_iter()
            .enumerate()
            .map(|(l, v)| {
                let mut prev_t = None;
                (0..self.fids.len())
                    .map(|i| {
                        let w = delineate(v, &self.beat_context(look, l, i, prev_t));
                        prev_t = w.t;
                        w
                    })
                    .collect()
            })
            .collect()
    }

    /// Per-lead waves with the multi-lead consensus of T and P, and the global waves.
    fn waves_at(&self, look: PLook) -> (Vec<Vec<BeatWaves>>, Vec<BeatWaves>) {
        let mut per_lead = self.delineate_all(look);
        let ctx_of = |pl: &[Vec<BeatWaves>], l: usize, i: usize| self.context(look, pl, l, i);
        harmonise(&self.views, &mut per_lead, Kind::T, &ctx_of);
        harmonise(&self.views, &mut per_lead, Kind::P, &ctx_of);
        // Where the P may ride on the T, the T wave ends before the next P at the latest.
        for l in per_lead.iter_mut() {
            t_ends_before_next_ps(l, |b| self.p_on_t_wave(b, look));
        }
        let global = (0..self.fids.len())
            .map(|b| global_boundaries(&per_lead.iter().map(|l| l[b]).collect::<Vec<_>>()))
            .collect();
        (per_lead, global)
    }

    /// The first pass, the second looks where it found too few P waves, and the waves that
    /// are no P waves withdrawn; with `per_lead_output`, faint P waves and the leads'
    /// boundaries reconciled. `flutter_cycle` as for [`Passes::new`] (not kept in `Passes`,
    /// which the passes share across threads: the search's cell is single-threaded).
    pub fn run(
        &self,
        per_lead_output: bool,
        flutter_cycle: &dyn Fn() -> Option<Flutter>,
    ) -> Delineation {
        let (fids, fs) = (self.fids, self.fs);
        let n_beats = fids.len();
        let mut look = PLook {
            min_mv: P_MIN_MV,
            reach_ms: P_REACH_MS,
            on_t_wave: false,
        };
        let (mut per_lead, mut global) = self.waves_at(look);
        // Low P waves (LUDB 31: 0.02-0.03 mV beside a 1 mV QRS) fall under the first pass's
        // floor in every lead. When a regular, unpaced rhythm that shows no flutter waves has P
        // waves before fewer than half its beats, they are searched again with a lower floor
        // and kept only when then found before most beats at a steady interval. The gate keeps
        // fibrillation (irregular) and flutter (F waves locked to the QRS) out of this look.
        let p_fraction_of = |g: &[BeatWaves]| {
            g.iter().filter(|w| w.p.is_some()).count() as f64 / n_beats.max(1) as f64
        };
        let unpaced = fids
            .iter()
            .filter(|&&f| self.spike_before(f).is_some())
            .count()
            * 2
            < n_beats;
        let regular_unpaced = n_beats >= LOW_P_MIN_BEATS && unpaced && {
            let all = vec![true; n_beats];
            irregularity(fids, &all).is_some_and(|v| v <= AF_MIN_IRREGULARITY)
                || median_change(fids, &all).is_some_and(|v| v <= AF_MIN_MEDIAN_CHANGE)
        };
        // What a second look found is kept only when P waves then precede most beats at a
        // steady interval.
        let steady_p_before_most = |g: &[BeatWaves]| {
            p_fraction_of(g) >= LOW_P_MIN_FRACTION && {
                let r = p_regularity(g, fids, fs);
                r.pr_sd.is_some_and(|v| v <= LOW_P_MAX_PR_SD_MS)
                    || (r
                        .pr_sd_but_one
                        .is_some_and(|v| v <= LOW_P_MAX_PR_SD_BUT_ONE_MS)
                        && r.pr_sd.is_some_and(|v| v <= AF_MIN_PR_SD_MS))
            }
        };
        if regular_unpaced && p_fraction_of(&global) < P_MIN_FRACTION && flutter_cycle().is_none() {
            let low = PLook {
                min_mv: P_MIN_MV_LOW,
                ..look
            };
            let (pl, g) = self.waves_at(low);
            if steady_p_before_most(&g) {
                (per_lead, global, look) = (pl, g, low);
            }
        }
        // A first-degree AV block of 300-450 ms puts the P wave beyond the first pass's reach
        // (it follows the T wave at a slow rate): a regular, unpaced rhythm still without P
        // waves is searched again up to [`P_REACH_LONG_MS`] before each QRS, at the first
        // pass's floor, and keeps what it finds under the same conditions, and only when the
        // waves found keep their distance to the QRS after them rather than to the one before
        // ([`qrs_tie`]): a U wave there follows its own beat's T. At a rate too regular for
        // that to decide, they are kept when they stand clear of the T wave before them, as a
        // U wave never does, at a P wave's width ([`WavesAfterT::clear_of_the_t_wave`]); when
        // they ride on the T wave instead, they are named with the undetermined rhythm and the
        // QT, which may run into them, is not judged. (With its P waves unseen, 60/min at a PR
        // of 340 ms read "Undetermined rhythm", and at 70-80/min "Atrial flutter" from the P and
        // T waves' autocorrelation; at a perfectly regular rate 50-70/min at a PR of 340-420 ms
        // still read "Undetermined rhythm" until r31.) Not gated on the flutter search for that
        // reason; flutter waves, which fill the whole cycle, put a wave within the first pass's
        // reach.
        // The distance (ms, median over the beats) from the onset of the waves the long look
        // found on the T wave to the QRS after them, when they could not be told from U waves.
        let mut wave_on_t_unresolved: Option<f64> = None;
        if regular_unpaced && p_fraction_of(&global) < P_MIN_FRACTION {
            let long = PLook {
                min_mv: P_MIN_MV,
                reach_ms: P_REACH_LONG_MS,
                on_t_wave: true,
            };
            let (pl, g) = self.waves_at(long);
            if steady_p_before_most(&g) {
                let tie = qrs_tie(&g, fids, fs);
                let after_t = WavesAfterT::of(&g, fs);
                if tie == Some(QrsTie::Next)
                    || tie.is_none() && after_t.is_some_and(WavesAfterT::clear_of_the_t_wave)
                {
                    (per_lead, global, look) = (pl, g, long);
                } else if tie.is_none() && after_t.is_some_and(|a| a.gap_ms < U_WAVE_MAX_T_GAP_MS) {
                    wave_on_t_unresolved = p_to_next_qrs_ms(&g, fids, fs);
                }
            }
        }
        // Waves before the beats that keep their distance to the QRS before them while the rate
        // varies ([`qrs_tie`]) follow the beats: U waves (or retrograde P waves), no sinus P
        // waves. At 90/min a U wave 200 ms after the T of a junctional rhythm passed for a P
        // wave ("Sinus rhythm, first-degree AV block, PR 264 ms"), and, not organised at a
        // swinging rate, still counted towards the P waves before 80 % of the beats that name
        // a sinus rhythm.
        // Nor are waves wider than any P wave ([`P_MAX_WIDTH_MS`]): the 0.5 Hz high-pass's
        // undershoot after a deep inverted T wave at 35-40/min passed for P waves of 290-300 ms
        // before a junctional rhythm ("Sinus bradycardia, first-degree AV block, left atrial
        // abnormality").
        if qrs_tie(&global, fids, fs) == Some(QrsTie::Previous)
            || median_p_width_ms(&global, fs).is_some_and(|w| w > P_MAX_WIDTH_MS)
        {
            for b in per_lead.iter_mut().flatten().chain(global.iter_mut()) {
                b.p = None;
            }
        }
        // P waves too faint for the first passes in the leads that miss a P most leads show
        // (per-lead output only: the global boundaries above come from the clear leads).
        // Global boundaries come from the leads' own boundaries (earliest/latest), the per-lead
        // output from the reconciled ones.
        if per_lead_output {
            let ctx_of = |pl: &[Vec<BeatWaves>], l: usize, i: usize| self.context(look, pl, l, i);
            faint_p(&self.views, &mut per_lead, &ctx_of);
            reconcile(&mut per_lead, fs);
        }
        Delineation {
            per_lead,
            global,
            look,
            wave_on_t_unresolved,
        }
    }
}
