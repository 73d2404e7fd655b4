//! Rhythm and interpretation statements derived from the measurements, each carrying the
//! criterion that fired. These are suggestions for a cardiologist to confirm
//! ([`ecg::StatementState::Suggested`]), never a diagnosis.
//!
//! Criteria (thresholds from the AHA/ACCF/HRS 2009 recommendations for the standardization
//! and interpretation of the ECG, parts III-V, unless stated):
//! - Rhythm: atrial fibrillation when RR is irregularly irregular (RMSSD/mean RR > 0.10 over
//!   conducted beats) and P waves precede fewer than half of the beats; paced rhythm by mode:
//!   ventricular when more than half the beats follow a ventricular stimulus (within 60 ms
//!   before the QRS onset), dual-chamber (AV sequential, with the AV delay) when more than half
//!   follow an atrial then a ventricular stimulus, atrial when more than half are conducted
//!   beats after an atrial stimulus at a steady interval (no PR statement from a paced P);
//!   atrial flutter when P waves are not
//!   organised but II, III, aVF and V1 (at least three) show regular atrial activity at
//!   240-350/min with the QRS complexes blanked ([`crate::rhythm`]), with the conduction
//!   ratio when the RR is regular at 3-4 flutter cycles (at 2 cycles the search sees only
//!   what repeats once per RR, as any tachycardia's T wave does: named as possible in the
//!   regular tachycardia below, not stated), or when the P waves look organised
//!   but are flutter waves conducted at a fixed ratio (the same activity, a regular RR at
//!   2-4 cycles and the "P" recurring whole cycles earlier inside the RR,
//!   [`crate::rhythm::fixed_ratio_flutter`]) or at a variable ratio (an irregular RR, the
//!   "P" recurring whole cycles earlier in the mean aligned on it,
//!   [`crate::rhythm::variable_ratio_flutter`]); sinus rhythm when P waves precede at least
//!   80 % of the dominant rhythm's QRS (premature and edge beats left out; 60 % at a PR
//!   robust SD up to 20 ms before a regular RR up to 100 bpm) with a P axis of
//!   -30..+100° or a P upright in II and inverted in aVR,
//!   called bradycardia below 60 and tachycardia above 100 bpm (the rate rounded to whole
//!   bpm, as printed), with a sinus pause when an RR between two sinus beats is at least 2 s
//!   and 1.8 x the median one with no blocked P wave in it; ectopic atrial rhythm when
//!   the P axis is outside that range and the polarity in II and aVR does not show a sinus P.
//!   A regular rhythm faster than 100/min with P waves before fewer than half its beats is
//!   named by its QRS: supraventricular tachycardia (QRS under 120 ms) or wide-QRS tachycardia
//!   ("consider ventricular tachycardia"; the bundle-branch block its QRS matches is named in
//!   its criterion, not stated) ([`regular_tachycardia_without_p`]).
//!   Under ventricular pacing the atrial rhythm is named too: sinus at the atrial rate when
//!   regular P waves march through the paced beats (complete AV block), or at the paced rate
//!   when P waves (none after an atrial stimulus) precede at least 80 % of the paced QRS
//!   complexes with a sinus axis or polarity (atrial-sensed ventricular pacing).
//! - Wandering atrial pacemaker (rate <= 100/min, rounded) and multifocal atrial tachycardia
//!   (> 100/min): P waves before at least 85 % of the conducted QRS, in at least 3
//!   morphologies each on at least 2 beats at a steady PR (within 40 ms) and different from
//!   each other in at least 2 leads beyond the lead's noise, together on at least 75 % of
//!   those beats, the commonest on less than 70 % (no dominant pacemaker), their PR (P
//!   centre to QRS onset) at least 20 ms apart ([`crate::atrial_foci`]; Surawicz &
//!   Knilans, Kastor 1990). It is the rhythm statement (no sinus or ectopic atrial rhythm,
//!   no first-degree AV block or short PR from the blended median P), never with atrial
//!   fibrillation or flutter, AV block or pacing.
//! - Premature complexes: any ventricular / supraventricular beat; ventricular tachycardia
//!   when at least 3 ventricular beats in a row run at more than 100/min (non-sustained under
//!   30 s).
//! - AV conduction (not under pacing, where P to QRS is the programmed AV delay):
//!   first-degree AV block PR > 200 ms; short PR < 120 ms; second-degree AV
//!   block when a P wave in a pause is not followed by a QRS ([`crate::rhythm`]), Mobitz I
//!   when the PR before the pause is >= 20 ms longer than after it, Mobitz II when it is
//!   constant within 10 ms; 2:1 block and third-degree (complete) block from the P waves
//!   found anywhere in the cycle in a slow regular rhythm ([`crate::rhythm::av_block`]): 2:1
//!   when two regular P waves fall in every RR with a constant PR, third-degree when regular
//!   P waves march through a regular, slower (< 60/min) ventricular rhythm.
//! - Intraventricular conduction: complete / incomplete RBBB and LBBB, left anterior and
//!   posterior fascicular block, non-specific delay and pre-excitation by the QRS morphology
//!   of the median beats ([`crate::conduction`], AHA 2009 part III); none in a paced rhythm.
//! - Axis: left deviation -30..-90°, right deviation +90..+180°, extreme -90..-180°.
//! - QT: prolonged QTc > 450 ms (men, unknown sex) / 460 ms (women); short < 340 ms; by
//!   Bazett and Fridericia both (Bazett overcorrects above 60/min and undercorrects below,
//!   AHA/ACCF/HRS 2009 part IV). With a QRS of
//!   120 ms or more, prolonged by the JT index instead (JT x (HR + 100) / 518 > 112: the
//!   widened QRS lengthens the QT, not the repolarisation).
//! - Calibration: when the limb leads violate Einthoven's law (III = II - I and Goldberger's
//!   relations) by more than 10 % RMS the lead gains are not one calibration, so the voltage
//!   criteria below are replaced by a statement saying so.
//! - Voltage: low voltage when every limb lead QRS peak-to-peak < 0.5 mV (precordial < 1.0
//!   mV); LVH voltage by Sokolow-Lyon S(V1) + max R(V5, V6) >= 3.5 mV, by Cornell
//!   R(aVL) + S(V3) > 2.8 mV (men) / 2.0 mV (women), or R(aVL) >= 1.1 mV; RVH voltage
//!   R(V1) >= 0.7 mV with R > |S| in V1 and QRS < 120 ms. The Romhilt-Estes point score
//!   ([`crate::romhilt_estes`]) is named beside the voltage criteria, states left ventricular
//!   hypertrophy by itself at >= 5 points (4, "probable" in the score's own terms, is named
//!   only beside the voltage criteria: no statement of its own); not read beside a complete bundle
//!   branch block, a non-specific conduction delay, pre-excitation or pacing. Right atrial abnormality when the P
//!   wave rises more than 0.25 mV above its onset level in II, III or aVF, or its initial
//!   positive part at least 0.15 mV in V1 or V2 (AHA/ACCF/HRS 2009 part V), with P waves
//!   before at least 80 % of the beats, no atrial fibrillation, flutter or pacing.
//! - Left atrial abnormality: P wave duration >= 120 ms (a time criterion, stated whatever the
//!   lead gains).

use ecg::{LeadLabel, Measurements, Sex, Statement, StatementState};

use crate::analyze::{AfPWaves, NotCountedP};
use crate::atrial::{
    FIB_HZ, FWaves, FineFWaves, MIN_CONTINUITY, MIN_F_RMS_MV, MIN_FINE_CONTINUITY, MIN_FINE_LEADS,
    MIN_FINE_MV, MIN_ORGANISATION, MIN_OVER_NOISE,
};
use crate::atrial_foci::AtrialFoci;
use crate::classify::{
    BeatClass, FEW_LEADS_VENTRICULAR_QRS_MS, MIN_DIFFERENT_LEADS, WIDER_THAN_DOMINANT_MS,
};
use crate::detect::median;
use crate::measure::{LeadAmplitudes, mv, of_lead};
use crate::rhythm::{
    AvBlock, Dissociation, Flutter, Locked, MIN_PHASE_COHERENCE, MIN_RECURRENCE, NonConducted,
    ON_TIME_CYCLES, RECURRENCE_SIZE, REGULAR_TOLERANCE, Recurrence, Variable,
};

/// The leads each interval of the median beat was measured in: those that set its global
/// boundaries ([`crate::delineate::boundary_leads`]). An interval statement rests on them.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct IntervalLeads {
    /// P onset and offset: the P duration.
    pub p: Vec<LeadLabel>,
    /// P onset and QRS onset: the PR interval.
    pub pr: Vec<LeadLabel>,
    /// QRS onset and T offset: the QT interval.
    pub qt: Vec<LeadLabel>,
}

/// What the statement rules look at.
pub(crate) struct Findings<'a> {
    pub m: &'a Measurements,
    pub classes: &'a [BeatClass],
    /// Fraction of the dominant rhythm's beats (normal, or paced in a paced rhythm) with a P
    /// wave before them; in atrial fibrillation the fraction over all beats its criterion
    /// counts.
    pub p_fraction: f64,
    /// Waves before the beats of an irregular rhythm not counted for it (not organised).
    pub not_counted_p: Option<NotCountedP>,
    /// Robust SD (1.4826 x the median absolute deviation) of the PR intervals of the beats
    /// with a P wave (ms), when the P waves are organised.
    pub pr_robust_sd_ms: Option<f64>,
    pub rr_irregularity: Option<f64>,
    /// The RR (ms) the QTc was corrected for: the dominant beats' (`analyze::dominant_rr_ms`),
    /// `None` when it was the mean RR over all beats.
    pub qtc_rr_ms: Option<f64>,
    /// Median absolute successive RR difference / mean RR of the conducted beats.
    pub rr_median_change: Option<f64>,
    pub atrial_fibrillation: bool,
    /// What the P waves showed when the RR criterion stated atrial fibrillation.
    pub af_p_waves: Option<AfPWaves>,
    /// With it, the atrial activity before the QRS locked to it over what is not
    /// (`atrial::locked_ratio`), when measured.
    pub af_locked_ratio: Option<f64>,
    pub amplitudes: &'a [LeadAmplitudes],
    pub sex: Sex,
    /// Patient age (years), for the age-specific ST-elevation thresholds.
    pub age_years: Option<f64>,
    /// Relative residual of the limb-lead relations when above the calibration limit.
    pub limb_residual: Option<f64>,
    /// Atrial flutter.
    pub flutter: Option<Flutter>,
    /// Without organised P waves, activity repeating at half a regular RR in the leads the
    /// flutter search reads (2:1 flutter, or the T waves of a tachycardia without P waves):
    /// named as a possibility by [`regular_tachycardia_without_p`], not stated as flutter.
    pub half_rr_activity: Option<Flutter>,
    /// In a regular rhythm without organised P waves, waves at a steady distance before the
    /// beats that ride on the T wave before them, too regular a rate to tell a P wave of a
    /// long PR interval from a U wave (`analyze`: the long-PR look): the median distance (ms)
    /// from their onset to the QRS. The QT may run into them: it is not judged.
    pub wave_on_t_unresolved: Option<f64>,
    /// P waves not followed by a QRS.
    pub blocked_p: &'a [NonConducted],
    /// 2:1 or third-degree AV block.
    pub av_block: Option<AvBlock>,
    /// Sampling rate of the sample indices above.
    pub fs_hz: f64,
    /// Where the analysed signal starts in the recording (s): added to every time a
    /// criterion names (a Holter's statements come from a window of it).
    pub start_s: f64,
    /// QRS shapes of the median beats ([`crate::conduction`]).
    pub qrs_shapes: &'a [crate::conduction::QrsShape],
    /// End-QRS notches and slurs of the median beats ([`crate::repolarisation`]).
    pub end_qrs: &'a [crate::repolarisation::EndQrs],
    /// QRS fiducials (samples), one per beat.
    pub fids: &'a [usize],
    /// The analysed leads (indices below refer to them).
    pub leads: &'a [LeadLabel],
    /// Per beat, the leads its QRS differs from the dominant beat in.
    pub different_leads: &'a [Vec<usize>],
    /// Per beat, a premature beat of another QRS in each of too few leads to tell its origin
    /// (left unclassified, [`crate::classify::Classified::undetermined_premature`]).
    pub undetermined_premature: &'a [bool],
    /// Under pacing, P waves dissociated from the ventricular beats.
    pub paced_dissociation: Option<Dissociation>,
    /// Per beat, whether a P wave precedes it at the dominant PR (`classify::at_dominant_pr`
    /// over the beats' global waves, after P waves that are not organised were withdrawn);
    /// empty when not known (rule tests).
    pub at_dominant_pr: &'a [bool],
    /// Under ventricular pacing, fibrillating atria: the conducted beats seen between the
    /// paced ones, none with a P wave, at irregular intervals ([`PacedAf`]).
    pub paced_af: Option<PacedAf>,
    /// Whether the P wave of the median beat is upright in II and inverted in aVR (`None`:
    /// no P axis measured, or a lead missing).
    pub p_sinus_polarity: Option<bool>,
    /// Whether the P waves are inverted in the inferior leads (II, III, aVF): retrograde.
    pub p_inferior_inverted: Option<bool>,
    /// Fibrillatory waves after QRST cancellation, when they are the evidence of atrial
    /// fibrillation (under pacing, or with RR or P-wave criteria not met).
    pub f_waves: Option<&'a FWaves>,
    /// Fine fibrillatory waves after QRST cancellation, the evidence of atrial fibrillation
    /// under ventricular pacing when neither [`Self::paced_af`] nor [`Self::f_waves`] is found.
    pub fine_f_waves: Option<&'a FineFWaves>,
    /// Per beat, the atrial pacing stimulus before it, if any (empty: none looked for).
    pub atrial_stimuli: &'a [Option<AtrialStimulus>],
    /// Three or more P-wave morphologies with no dominant one ([`crate::atrial_foci`]).
    pub atrial_foci: Option<&'a AtrialFoci>,
    /// The leads the median beat's intervals were measured in.
    pub interval_leads: &'a IntervalLeads,
    /// Each lead's median-beat residual noise (mV; [`crate::quality::LeadQuality`]).
    pub residual_mv: &'a [(LeadLabel, f64)],
}

#[cfg(test)]
impl<'a> Findings<'a> {
    /// Findings for the rule tests: measurements `m`, beats of `classes` at `fids` (samples at
    /// `fs_hz`) and nothing else found (no P waves, amplitudes, QRS shapes, atrial activity or
    /// pacing); each test sets what its rule reads with struct-update syntax.
    pub(crate) fn for_rule_test(
        m: &'a Measurements,
        classes: &'a [BeatClass],
        fids: &'a [usize],
        fs_hz: f64,
    ) -> Self {
        Findings {
            m,
            classes,
            p_fraction: 0.0,
            not_counted_p: None,
            pr_robust_sd_ms: None,
            rr_irregularity: None,
            qtc_rr_ms: None,
            rr_median_change: None,
            atrial_fibrillation: false,
            af_p_waves: None,
            af_locked_ratio: None,
            amplitudes: &[],
            sex: Sex::Unknown,
            age_years: None,
            limb_residual: None,
            flutter: None,
            half_rr_activity: None,
            wave_on_t_unresolved: None,
            blocked_p: &[],
            av_block: None,
            fs_hz,
            start_s: 0.0,
            qrs_shapes: &[],
            end_qrs: &[],
            fids,
            leads: &[],
            different_leads: &[],
            undetermined_premature: &[],
            paced_dissociation: None,
            at_dominant_pr: &[],
            paced_af: None,
            p_sinus_polarity: None,
            p_inferior_inverted: None,
            f_waves: None,
            fine_f_waves: None,
            atrial_stimuli: &[],
            atrial_foci: None,
            interval_leads: &NO_INTERVAL_LEADS,
            residual_mv: &[],
        }
    }
}

/// No interval measured in any lead ([`Findings::for_rule_test`]).
#[cfg(test)]
static NO_INTERVAL_LEADS: IntervalLeads = IntervalLeads {
    p: Vec::new(),
    pr: Vec::new(),
    qt: Vec::new(),
};

/// An atrial pacing stimulus before a beat: a spike after the previous QRS, more than 80 ms
/// before the beat's ventricular stimulus or, without one, more than 60 ms before the QRS
/// onset (before a ventricular stimulus's window), and at most [`ATRIAL_STIMULUS_MAX_MS`]
/// before the ventricular stimulus or the onset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AtrialStimulus {
    /// From the stimulus to the QRS onset (ms).
    pub to_qrs_ms: f64,
    /// From the stimulus to the beat's ventricular stimulus (ms): the pacemaker's AV delay,
    /// when the beat has one.
    pub to_ventricular_ms: Option<f64>,
    /// A P wave (its peak) was found between the stimulus and the QRS onset.
    pub p_after: bool,
}

/// An atrial stimulus lies at most this long (ms) before the ventricular stimulus (the
/// longest programmed AV delays, 300-350 ms) or, without one, before the QRS onset (a
/// stimulus-to-QRS interval of a conducted beat with a long PR).
pub(crate) const ATRIAL_STIMULUS_MAX_MS: f64 = 360.0;
/// Atrial pacing with conducted beats: the stimulus-to-QRS interval varies by at most this
/// robust SD (ms; 1.4826 x the median absolute deviation), as a conducted PR does (the
/// second-degree AV block rule's 10-20 ms). A spike-like artefact bears no fixed relation to
/// the QRS.
pub(crate) const ATRIAL_PACED_MAX_SD_MS: f64 = 20.0;

/// The pacing mode, as the stimuli before the beats show it.
#[derive(Debug, Clone, PartialEq)]
enum PacingMode {
    /// More than half the beats conducted after an atrial stimulus at a steady interval,
    /// at most half ventricular paced.
    Atrial {
        beats: Vec<usize>,
        to_qrs_ms: Vec<f64>,
        p_after: usize,
    },
    /// More than half the beats with an atrial then a ventricular stimulus.
    Dual {
        beats: Vec<usize>,
        av_delay_ms: Vec<f64>,
        p_after: usize,
    },
    /// More than half the beats ventricular paced, fewer than half AV sequential.
    Ventricular { beats: Vec<usize>, atrial: usize },
}

/// Median and range of `v` (non-empty).
fn median_range(v: &[f64]) -> (f64, f64, f64) {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (crate::detect::median(v), lo, hi)
}

/// The pacing mode of the recording, if paced ([`PacingMode`]).
fn pacing_mode(f: &Findings<'_>) -> Option<PacingMode> {
    let n = f.classes.len();
    let stim = |i: usize| f.atrial_stimuli.get(i).copied().flatten();
    let paced: Vec<usize> = beats_of(f, BeatClass::Paced);
    if paced.len() * 2 > n {
        let dual: Vec<usize> = paced
            .iter()
            .copied()
            .filter(|&i| stim(i).is_some_and(|a| a.to_ventricular_ms.is_some()))
            .collect();
        if dual.len() * 2 > n {
            let av_delay_ms = dual
                .iter()
                .filter_map(|&i| stim(i)?.to_ventricular_ms)
                .collect();
            let p_after = dual
                .iter()
                .filter(|&&i| stim(i).is_some_and(|a| a.p_after))
                .count();
            return Some(PacingMode::Dual {
                beats: dual,
                av_delay_ms,
                p_after,
            });
        }
        let atrial = paced.iter().filter(|&&i| stim(i).is_some()).count();
        return Some(PacingMode::Ventricular {
            beats: paced,
            atrial,
        });
    }
    // Atrial pacing: conducted beats (the dominant QRS, no ventricular stimulus) after an
    // atrial stimulus at a steady interval.
    let beats: Vec<usize> = (0..n)
        .filter(|&i| {
            matches!(
                f.classes[i],
                BeatClass::Normal | BeatClass::Supraventricular
            ) && stim(i).is_some()
        })
        .collect();
    if beats.len() * 2 <= n {
        return None;
    }
    let to_qrs_ms: Vec<f64> = beats
        .iter()
        .filter_map(|&i| Some(stim(i)?.to_qrs_ms))
        .collect();
    if crate::detect::robust_sd(&to_qrs_ms) > ATRIAL_PACED_MAX_SD_MS {
        return None;
    }
    let p_after = beats
        .iter()
        .filter(|&&i| stim(i).is_some_and(|a| a.p_after))
        .count();
    Some(PacingMode::Atrial {
        beats,
        to_qrs_ms,
        p_after,
    })
}

/// The rate part of a paced rhythm's criterion.
fn rate_text(hr: Option<f64>) -> String {
    hr.map_or(String::new(), |h| format!("; rate {:.0} bpm", h.round()))
}

/// Atrial fibrillation under ventricular pacing, as the conducted beats between the paced ones
/// show it: no organised P waves, no atrial train marching through, and conducted beats
/// without a P wave arriving at irregular intervals, some earlier than the pacemaker's cycle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PacedAf {
    /// Conducted (unpaced, supraventricular) beats.
    pub conducted: usize,
    /// Range of the intervals that end in a conducted beat (ms).
    pub rr_range_ms: f64,
    /// The shortest of them as a fraction of the paced cycle.
    pub earliest_fraction: f64,
}

/// Statement with its evidence.
fn st_on(
    text: impl Into<String>,
    criterion: impl Into<String>,
    leads: Vec<LeadLabel>,
    beats: Vec<usize>,
) -> Statement {
    let mut s = st(text, criterion);
    s.evidence = ecg::Evidence { leads, beats };
    s
}

/// `leads` and, after them, those of `more` not among them: the leads a statement rests on,
/// each once.
pub(crate) fn with_leads(mut leads: Vec<LeadLabel>, more: &[LeadLabel]) -> Vec<LeadLabel> {
    for l in more {
        if !leads.contains(l) {
            leads.push(l.clone());
        }
    }
    leads
}

/// Beats of one class: their indices, where they are, the leads they differ in, and whether
/// any come in consecutive pairs or runs.
fn ectopic_summary(
    f: &Findings<'_>,
    class: BeatClass,
) -> Option<(Vec<usize>, String, Vec<LeadLabel>)> {
    let of_class: Vec<bool> = f.classes.iter().map(|&c| c == class).collect();
    beats_summary(f, &of_class)
}

/// The times of the beats `idx` as a statement lists them: the first eight (s), then "...".
fn beat_times(f: &Findings<'_>, idx: &[usize]) -> String {
    let times: Vec<String> = idx
        .iter()
        .take(8)
        .map(|&i| format!("{:.1} s", f.start_s + f.fids[i] as f64 / f.fs_hz))
        .collect();
    let more = if idx.len() > 8 { ", ..." } else { "" };
    format!("{}{more}", times.join(", "))
}

/// [`ectopic_summary`] of the beats marked in `marked` (one flag per beat).
fn beats_summary(
    f: &Findings<'_>,
    marked: &[bool],
) -> Option<(Vec<usize>, String, Vec<LeadLabel>)> {
    let idx: Vec<usize> = (0..marked.len()).filter(|&i| marked[i]).collect();
    if idx.is_empty() {
        return None;
    }
    let times = beat_times(f, &idx);
    let longest = longest_run(marked, &true).map_or(0, |(s, e)| e - s);
    let pattern = match longest {
        0 | 1 => "single",
        2 => "including a couplet",
        _ => "including a run of 3 or more",
    };
    let mut leads: Vec<usize> = idx
        .iter()
        .flat_map(|&i| f.different_leads.get(i).into_iter().flatten().copied())
        .collect();
    leads.sort_unstable();
    leads.dedup();
    let leads: Vec<LeadLabel> = leads
        .iter()
        .filter_map(|&k| f.leads.get(k).cloned())
        .collect();
    Some((
        idx.clone(),
        format!(
            "{} of {} beats, {pattern}, at {times}",
            idx.len(),
            f.classes.len(),
        ),
        leads,
    ))
}

/// The first longest run of consecutive beats of `class`: its first index and one past its
/// last; `None` without such a beat.
fn longest_run<T: PartialEq>(classes: &[T], class: &T) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut start = None;
    for i in 0..=classes.len() {
        match (i < classes.len() && classes[i] == *class, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if best.is_none_or(|(bs, be)| i - s > be - bs) {
                    best = Some((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    best
}

/// Ventricular tachycardia: at least this many consecutive ventricular beats ...
const VT_MIN_BEATS: usize = 3;
/// ... at a rate above this (bpm) ...
const VT_MIN_BPM: f64 = 100.0;
/// ... sustained when the run lasts at least this long (s).
const VT_SUSTAINED_S: f64 = 30.0;

/// The longest run of consecutive ventricular beats, stated as ventricular tachycardia when
/// it holds at least [`VT_MIN_BEATS`] beats at a mean rate above [`VT_MIN_BPM`] (AHA/ACC/ESC
/// 2006: three or more consecutive ventricular complexes at more than 100/min), non-sustained
/// below [`VT_SUSTAINED_S`]. The evidence is the run's beats and the leads the ventricular
/// beats differ in.
fn ventricular_tachycardia(f: &Findings<'_>, leads: Vec<LeadLabel>) -> Option<Statement> {
    let n = f.classes.len().min(f.fids.len());
    let (s, e) = longest_run(&f.classes[..n], &BeatClass::Ventricular)
        .filter(|(s, e)| e - s >= VT_MIN_BEATS)?;
    let span_s = (f.fids[e - 1] - f.fids[s]) as f64 / f.fs_hz;
    let bpm = 60.0 * (e - s - 1) as f64 / span_s;
    if bpm.round() <= VT_MIN_BPM {
        return None;
    }
    let sustained = span_s >= VT_SUSTAINED_S;
    Some(st_on(
        if sustained {
            "Ventricular tachycardia, sustained"
        } else {
            "Ventricular tachycardia, non-sustained"
        },
        format!(
            "{} consecutive ventricular beats at {bpm:.0} bpm (>= {VT_MIN_BEATS} at > {VT_MIN_BPM:.0} bpm) from {:.1} to {:.1} s, {span_s:.1} s ({} {VT_SUSTAINED_S:.0} s)",
            e - s,
            f.start_s + f.fids[s] as f64 / f.fs_hz,
            f.start_s + f.fids[e - 1] as f64 / f.fs_hz,
            if sustained { ">=" } else { "<" }
        ),
        leads,
        (s..e).collect(),
    ))
}

fn st(text: impl Into<String>, criterion: impl Into<String>) -> Statement {
    Statement {
        text: text.into(),
        criterion: Some(criterion.into()),
        state: StatementState::Suggested,
        evidence: ecg::Evidence::default(),
    }
}

/// Atrial fibrillation under pacing: the intervals ending in a conducted beat vary by at least
/// this much (ms) ...
pub(crate) const PACED_AF_RR_RANGE_MS: f64 = 80.0;
/// ... and the earliest comes before this fraction of the paced cycle (an intrinsic beat the
/// pacemaker did not have to replace).
pub(crate) const PACED_AF_EARLY_FRACTION: f64 = 0.9;

/// Why the waves found before an irregular rhythm's beats are not its P waves.
fn not_counted_p_text(p: NotCountedP) -> String {
    use crate::analyze::{P_MIN_FRACTION, PP_MAX_IRREGULARITY, PR_MAX_SD_MS};
    let found = format!(
        "; waves found before {:.0}% of the beats",
        100.0 * p.fraction
    );
    if p.fraction < P_MIN_FRACTION {
        format!(
            "{found}, fewer than {:.0}%, are not taken for this rhythm's P waves",
            100.0 * P_MIN_FRACTION
        )
    } else {
        let or_not_measured = |v: Option<f64>, digits: usize| {
            v.map_or("not measured".to_string(), |v| format!("{v:.digits$}"))
        };
        format!(
            "{found} are not taken for this rhythm's P waves: neither at a steady PR (robust SD {} > {PR_MAX_SD_MS:.0} ms) nor at regular intervals (P-P RMSSD/mean {} > {PP_MAX_IRREGULARITY:.2})",
            or_not_measured(p.pr_robust_sd_ms, 0),
            or_not_measured(p.pp_irregularity, 2)
        )
    }
}

/// The P-wave half of atrial fibrillation's RR criterion, as it held.
fn af_p_wave_text(p: AfPWaves) -> String {
    use crate::analyze::{AF_MAX_P_FRACTION_UNSTABLE, AF_MIN_PR_SD_MS, PP_MAX_IRREGULARITY};
    match p {
        AfPWaves::Few => " (< 50%)".to_string(),
        AfPWaves::FewAtAnUnstablePr { pr_sd_ms } => format!(
            " (< {:.0}%) at a PR varying by SD {pr_sd_ms:.0} ms (> {AF_MIN_PR_SD_MS:.0}): not conducted P waves",
            100.0 * AF_MAX_P_FRACTION_UNSTABLE
        ),
        AfPWaves::WanderingPrIrregularPp {
            pr_robust_sd_ms,
            pp_irregularity,
        } => format!(
            " at a PR varying by a robust SD {pr_robust_sd_ms:.0} ms (> {AF_MIN_PR_SD_MS:.0}) with P-P intervals as irregular{}: not conducted P waves",
            pp_irregularity.map_or_else(String::new, |v| format!(
                " (RMSSD/mean {v:.2} > {PP_MAX_IRREGULARITY:.2})"
            ))
        ),
        AfPWaves::WanderingPrRegularPp {
            pr_robust_sd_ms,
            pp_irregularity,
        } => format!(
            " at a PR varying by a robust SD {pr_robust_sd_ms:.0} ms (> {AF_MIN_PR_SD_MS:.0}) though their P-P intervals are regular (RMSSD/mean {pp_irregularity:.2} <= {PP_MAX_IRREGULARITY:.2}) with no P wave blocked between them: a regular atrium conducted to every beat would give a regular RR, so these are not conducted P waves"
        ),
    }
}

/// The criterion of an atrial fibrillation statement resting on fibrillatory waves.
fn f_wave_criterion(w: &FWaves) -> String {
    let leads: Vec<String> = w.leads.iter().map(ToString::to_string).collect();
    format!(
        "fibrillatory waves after QRST cancellation in {}: dominant atrial frequency {:.1} Hz ({:.0}/min, within 4-9 Hz), organisation index {:.2} (>= {MIN_ORGANISATION:.2}), {:.3} mV RMS (>= {MIN_F_RMS_MV:.3}), present through {:.0}% of the cycle (>= {:.0}%), and no P wave locked to the QRS in V1, II, III or aVF",
        leads.join(", "),
        w.dominant_hz,
        60.0 * w.dominant_hz,
        w.organisation,
        w.f_rms_mv,
        100.0 * w.continuity,
        100.0 * MIN_CONTINUITY
    )
}

/// The criterion text of fine fibrillatory waves ([`FineFWaves`]).
fn fine_f_wave_criterion(w: &FineFWaves) -> String {
    let leads: Vec<String> = w.leads.iter().map(ToString::to_string).collect();
    format!(
        "fine fibrillatory waves after QRST cancellation in {} (>= {MIN_FINE_LEADS} of V1, II, III, aVF): activity at {:.0}-{:.0} Hz ({:.0}-{:.0}/min) with no isoelectric baseline through {:.0}% of the time outside the QRS (>= {:.0}%), {:.3} mV RMS (>= {MIN_FINE_MV:.3}), {:.1} x the noise (>= {MIN_OVER_NOISE:.1}), and no P wave locked to the QRS in V1, II, III or aVF",
        leads.join(", "),
        FIB_HZ.0,
        FIB_HZ.1,
        60.0 * FIB_HZ.0,
        60.0 * FIB_HZ.1,
        100.0 * w.continuity,
        100.0 * MIN_FINE_CONTINUITY,
        w.level_mv,
        w.over_noise,
    )
}

/// Junctional rhythm: retrograde P waves (inverted in II, III, aVF) before the QRS at a PR
/// below this (ms); with a longer PR the same P waves come from the low atria ("Ectopic
/// atrial rhythm"). AHA/ACCF/HRS 2009 part II: a junctional P precedes the QRS by < 120 ms.
const JUNCTIONAL_PR_MS: f64 = 120.0;

/// The junctional rhythm statements by rate: < 60, 60-100, > 100 per minute.
const JUNCTIONAL_RHYTHMS: [&str; 3] = [
    "Junctional rhythm",
    "Accelerated junctional rhythm",
    "Junctional tachycardia",
];

/// The multifocal atrial rhythms ([`crate::atrial_foci`]) by rate: <= 100, > 100 per minute.
const MULTIFOCAL_RHYTHMS: [&str; 2] = [
    "Wandering atrial pacemaker",
    "Multifocal atrial tachycardia",
];

/// Left atrial abnormality: P wave at least this long (AHA/ACCF/HRS 2009 part V: >= 120 ms).
const LAA_P_DURATION_MS: f64 = 120.0;

/// Right atrial abnormality: P wave taller than this in II, III or aVF (mV; AHA/ACCF/HRS 2009
/// part V: > 0.25 mV in II; the inferior leads, as the textbooks read P pulmonale).
const RAA_P_INFERIOR_MV: f64 = 0.25;

/// Right atrial abnormality: the initial positive P in V1 or V2 at least this tall (mV; AHA/ACCF/HRS
/// 2009 part V: >= 0.15 mV).
const RAA_P_RIGHT_CHEST_MV: f64 = 0.15;

/// Right atrial abnormality by the P-wave height on the median beat (above the level at P
/// onset, or its chord to the offset where the P ends higher: [`crate::measure::p_rise`]):
/// taller than [`RAA_P_INFERIOR_MV`] in II, III or aVF, or an initial positive P of at least
/// [`RAA_P_RIGHT_CHEST_MV`] in V1 or V2. Names the leads that meet it.
fn right_atrial_abnormality(f: &Findings<'_>) -> Option<Statement> {
    let up = |l: &LeadLabel| of_lead(f.amplitudes, l).and_then(|a| mv(a.p_up));
    let mut parts = Vec::new();
    let mut leads = Vec::new();
    for (group, limit, strict, what) in [
        (
            &[LeadLabel::II, LeadLabel::III, LeadLabel::AVF][..],
            RAA_P_INFERIOR_MV,
            true,
            "P",
        ),
        (
            &[LeadLabel::V1, LeadLabel::V2][..],
            RAA_P_RIGHT_CHEST_MV,
            false,
            "initial positive P",
        ),
    ] {
        let met: Vec<(LeadLabel, f64)> = group
            .iter()
            // Compared as printed (to 0.01 mV), so the criterion never reads "0.25 > 0.25".
            .filter_map(|l| up(l).map(|v| (l.clone(), (v * 100.0).round() / 100.0)))
            .filter(|&(_, v)| if strict { v > limit } else { v >= limit })
            .collect();
        if met.is_empty() {
            continue;
        }
        let sign = if strict { ">" } else { ">=" };
        let each: Vec<String> = met
            .iter()
            .map(|(l, v)| format!("{} {v:.2} mV", l.name()))
            .collect();
        parts.push(format!(
            "{what} in {} {sign} {limit:.2} mV",
            each.join(", ")
        ));
        leads.extend(met.into_iter().map(|(l, _)| l));
    }
    (!parts.is_empty()).then(|| {
        st_on(
            "Right atrial abnormality",
            format!(
                "{} (P height on the median beat above the level at P onset, or above the \
                 line from it to the P offset's level where the P ends higher)",
                parts.join("; ")
            ),
            leads,
            Vec::new(),
        )
    })
}

/// The rhythm statement when no atrial rhythm is found (P waves before too few beats).
pub(crate) const UNDETERMINED_RHYTHM: &str = "Undetermined rhythm";

/// The statement of second-degree AV block with a PR that lengthens before the dropped beat.
const MOBITZ_I: &str = "Second-degree AV block, Mobitz I (Wenckebach)";

/// With a QRS of [`WIDE_QRS_MS`] or more the QT is judged by the JT index, JT x (HR + 100) /
/// 518, prolonged above this (Zhou, Wong, Rautaharju et al., J Electrocardiol 1992;25
/// Suppl:131: normal in ventricular conduction defects as with a narrow QRS, where a QTc
/// lengthened by the QRS alone reads prolonged; AHA/ACCF/HRS 2009 part IV recommends the JT
/// interval there).
pub const JT_INDEX_MAX: f64 = 112.0;

/// Said in a statement's criterion when the QT measured may run into another wave and no QT
/// statement is made (`Findings::wave_on_t_unresolved`): a reader of the statements (the
/// chat's claim check) judges no claim about the QT's length from the QTc either.
pub const QT_NOT_JUDGED: &str = "QT not judged";

/// The JT index (Zhou, Wong, Rautaharju et al. 1992) of a QT and QRS (ms) at `hr_bpm`:
/// (QT - QRS) x (HR + 100) / 518, by which the QT of a QRS of [`WIDE_QRS_MS`] or more is
/// judged (prolonged above [`JT_INDEX_MAX`]).
pub fn jt_index(qt_ms: f64, qrs_ms: f64, hr_bpm: f64) -> f64 {
    (qt_ms - qrs_ms) * (hr_bpm + 100.0) / 518.0
}

/// Short QT: QTc below this (ms).
const QTC_SHORT_MS: f64 = 340.0;
/// The QTc below which the QT is short on fewer than [`INTERVAL_MIN_LEADS`] leads (ms). The QT of
/// one lead runs from its own QRS onset to its own T end, and a lead's T wave may end well
/// before the latest one's: on the LUDB dev split, the QT read on V1, I, V5 or II alone is
/// 23, 19, 21 and 10 ms shorter on average than the twelve-lead QT (10th centile 61, 42,
/// 39, 36 ms shorter), and 5 records read on V1 alone measured a QTc of 303-339 ms.
const QTC_SHORT_FEW_LEADS_MS: f64 = 310.0;

/// The global PR and QT run from the earliest onset to the latest end over the leads; on
/// fewer than this many, one lead's own wave may start later or end sooner, and the short
/// bounds are moved ([`short_bound`]).
const INTERVAL_MIN_LEADS: usize = 3;

/// The bound below which an interval is short on `leads` leads: `usual` on
/// [`INTERVAL_MIN_LEADS`] or more, `few` on fewer; and the note the criterion then carries,
/// naming the `interval` and `why` (empty on enough leads).
fn short_bound(leads: usize, usual: f64, few: f64, interval: &str, why: &str) -> (f64, String) {
    if leads < INTERVAL_MIN_LEADS {
        (
            few,
            format!(
                " (on {leads} lead(s): {few:.0}, as {why}; {usual:.0} on the {interval} of three leads or more)"
            ),
        )
    } else {
        (usual, String::new())
    }
}

/// On fewer than [`INTERVAL_MIN_LEADS`] leads, a T wave this large against its lead's QRS (peak
/// to peak) in at least one of them: a flatter T wave's end is not found reliably (on the
/// LUDB dev split read on one or two leads, "Prolonged QT interval" came from T waves of
/// 2-8 % of the QRS where the twelve leads read none: II of record 29, QT 550 ms on a
/// 0.02-mV T wave).
const QT_FEW_LEADS_MIN_T_OF_QRS: f64 = 0.1;

/// Whether the T wave's end can be measured for the QT statements: on three leads or more
/// (the latest T end over them), or on fewer when one of them has a T wave of at least
/// [`QT_FEW_LEADS_MIN_T_OF_QRS`] of its QRS.
fn t_wave_measurable(f: &Findings<'_>) -> bool {
    f.leads.len() >= INTERVAL_MIN_LEADS
        || f.amplitudes.iter().any(|a| match (a.t, a.qrs_p2p) {
            (Some(t), Some(q)) => q.0 > 0.0 && t.0.abs() >= QT_FEW_LEADS_MIN_T_OF_QRS * q.0,
            _ => false,
        })
}
/// The one rate (/min, as printed) at which Bazett's QTc is exact (RR 1 s): above it Bazett
/// overcorrects, below it undercorrects, so a QTc statement at any other rate also needs
/// Fridericia's QTc beyond the same bound.
const QTC_BAZETT_EXACT_BPM: f64 = 60.0;

/// Statements under which the Romhilt-Estes score is not read: its QRS duration, axis,
/// intrinsicoid deflection and ST-T points would be those of the conduction disorder.
const ROMHILT_ESTES_CONFOUNDERS: [&str; 5] = [
    "Complete left bundle branch block",
    "Complete right bundle branch block",
    "Non-specific intraventricular conduction delay",
    "Ventricular pre-excitation",
    WIDE_QRS_TACHYCARDIA,
];

/// Sinus arrhythmia: the sinus cycle varies by more than this (AHA/ACCF/HRS 2009: > 0.16 s).
const SINUS_ARRHYTHMIA_MS: f64 = 160.0;

/// Sinus arrhythmia is phasic (the cycle lengthens and shortens, with respiration): some
/// cycle is at least this much (ms, half the AHA variation) longer than a cycle before it and
/// one after it, or shorter than both. A change of rate one way over the whole recording (an
/// acceleration, LUDB 58: 1.00 -> 0.84 s) is no sinus arrhythmia.
const SINUS_ARRHYTHMIA_SWING_MS: f64 = 80.0;

/// A sinus pause: an RR between two consecutive normal beats of at least this (ms) ...
const SINUS_PAUSE_MS: f64 = 2000.0;
/// ... and at least this multiple of the median such RR, with no P wave in it that is not
/// followed by a QRS (that is second-degree AV block or a blocked premature P wave).
const SINUS_PAUSE_RATIO: f64 = 1.8;

/// The RR intervals (ms) between two consecutive normal beats, each with the beat that ends
/// it, so premature beats and their pauses do not count, nor does a pause that holds a P
/// wave not followed by a QRS (second-degree AV block: the sinus cycle went on through it).
fn normal_rr_ms(f: &Findings<'_>) -> Vec<(usize, f64)> {
    (1..f.fids.len().min(f.classes.len()))
        .filter(|&i| f.classes[i] == BeatClass::Normal && f.classes[i - 1] == BeatClass::Normal)
        .filter(|&i| !f.blocked_p.iter().any(|b| b.beat_after == i))
        .filter(|&i| {
            // The beat before a premature one is normal, but the RR after an ectopic is not.
            i < 2 || f.classes[i - 2] == BeatClass::Normal || i == 1
        })
        .map(|i| (i, (f.fids[i] - f.fids[i - 1]) as f64 * 1000.0 / f.fs_hz))
        .collect()
}

/// The sinus pauses ([`SINUS_PAUSE_MS`], [`SINUS_PAUSE_RATIO`]) among the normal RR
/// intervals `rr` ([`normal_rr_ms`]): the beat ending each and its RR (ms), with the median
/// RR (ms).
fn sinus_pauses(rr: &[(usize, f64)]) -> (Vec<(usize, f64)>, f64) {
    let med = median(&rr.iter().map(|r| r.1).collect::<Vec<_>>());
    let pauses = rr
        .iter()
        .copied()
        .filter(|&(_, r)| r >= SINUS_PAUSE_MS && r >= SINUS_PAUSE_RATIO * med)
        .collect();
    (pauses, med)
}

/// The normal RR intervals `rr` ([`normal_rr_ms`], ms; at least four of them) less the
/// sinus `pauses`: a pause is not the phasic swing of sinus arrhythmia. Each with the beat
/// ending it.
fn sinus_rr_ms(rr: &[(usize, f64)], pauses: &[(usize, f64)]) -> Option<Vec<(usize, f64)>> {
    let rr: Vec<(usize, f64)> = rr
        .iter()
        .copied()
        .filter(|(i, _)| !pauses.iter().any(|p| p.0 == *i))
        .collect();
    (rr.len() >= 4).then_some(rr)
}

/// Range (ms) of `rr`.
fn range_ms(rr: &[f64]) -> f64 {
    rr.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - rr.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Whether the cycle swings both ways ([`SINUS_ARRHYTHMIA_SWING_MS`]).
fn phasic(rr: &[f64]) -> bool {
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (1..rr.len().saturating_sub(1)).any(|m| {
        let (before, after) = (&rr[..m], &rr[m + 1..]);
        let s = SINUS_ARRHYTHMIA_SWING_MS;
        (rr[m] - min(before) >= s && rr[m] - min(after) >= s)
            || (max(before) - rr[m] >= s && max(after) - rr[m] >= s)
    })
}

/// A rhythm whose P waves are found before fewer than 80 % of the beats is still named from
/// them when they are found before at least this share ...
const STEADY_PR_MIN_P_FRACTION: f64 = 0.6;
/// ... at a PR whose robust SD is at most this (ms; the Holter's bound for organised P
/// waves) ...
const STEADY_PR_SD_MS: f64 = crate::holter::SINUS_MAX_PR_SD_MS;
/// ... and the RR is regular (RMSSD / mean RR up to this; fibrillation starts above it) ...
const STEADY_RR_IRREGULARITY: f64 = crate::analyze::AF_MIN_IRREGULARITY;
/// ... at a rate up to this (bpm, as printed): below the ventricular rates of atrial flutter
/// at 240/min or faster conducted 2:1 ([`TWO_TO_ONE_FLUTTER_BPM`]), one of whose waves may
/// stand at a steady PR while the other hides in the QRS or T wave. A sinus tachycardia of
/// 101-119/min whose small P waves are found before 60-80 % of the beats is named (the
/// WFDB sample `mixedsignals`, 104/min, P before 79 %, read "Undetermined rhythm" at 100).
const STEADY_PR_MAX_BPM: f64 = TWO_TO_ONE_FLUTTER_BPM.0 - 1.0;

/// P waves too small to be found before every beat (LUDB 12: 89 % as read, 78 % at 0.8 x the
/// gain or under 25 µV of noise, which read "Undetermined rhythm"): where they are found,
/// each is at the same PR, and the ventricle beats regularly. A P before 60 % of the beats at
/// a steady PR is conduction, not chance: fibrillatory waves do not sit at one PR before a
/// regular QRS. Flutter waves conducted at a fixed ratio do, and the flutter found is decided
/// before this; the flutter not found is mostly at 2:1 (the other wave in the QRS or T), a
/// ventricular rate of 120/min or more, where this rule does not apply. The Holter's windows
/// are organised at half the beats with the same PR bound ([`crate::holter`]).
fn p_waves_at_a_steady_pr(f: &Findings<'_>) -> bool {
    f.p_fraction >= STEADY_PR_MIN_P_FRACTION
        && f.pr_robust_sd_ms.is_some_and(|v| v <= STEADY_PR_SD_MS)
        && f.rr_irregularity
            .is_some_and(|v| v <= STEADY_RR_IRREGULARITY)
        && f.m.hr.is_some_and(|h| h.0.round() <= STEADY_PR_MAX_BPM)
}

/// Whether the P waves have a sinus axis or polarity. Ectopic atrial rhythm needs the P
/// polarity to agree: the axis rests on the P's net area in I, which for a small P is of the
/// order of the baseline's residue and, on recordings whose lead gains are not one
/// calibration, on a fitted gain ratio; the polarity in II and aVR does not depend on either.
fn sinus_p_axis(f: &Findings<'_>) -> bool {
    f.m.axis.p.is_none_or(|a| (-30.0..=100.0).contains(&a.0)) || f.p_sinus_polarity == Some(true)
}

/// The P axis as a sinus rhythm's criterion prints it (empty without one).
fn p_axis_text(f: &Findings<'_>) -> String {
    f.m.axis.p.map_or(String::new(), |a| {
        if (-30.0..=100.0).contains(&a.0) {
            format!(", P axis {:.0}°", a.0)
        } else {
            format!(
                ", P axis {:.0}° but upright in II and inverted in aVR (sinus polarity)",
                a.0
            )
        }
    })
}

/// Ventricular rates (/min, rounded) of atrial flutter at 240-350/min conducted 2:1, at which
/// the sinus tachycardia criterion names it as not excluded.
pub(crate) const TWO_TO_ONE_FLUTTER_BPM: (f64, f64) = (120.0, 175.0);

/// A regular tachycardia without P waves, named by its QRS: [`SUPRAVENTRICULAR_TACHYCARDIA`]
/// or [`WIDE_QRS_TACHYCARDIA`].
const SUPRAVENTRICULAR_TACHYCARDIA: &str = "Supraventricular tachycardia";
/// See [`SUPRAVENTRICULAR_TACHYCARDIA`].
pub(crate) const WIDE_QRS_TACHYCARDIA: &str = "Wide-QRS tachycardia";
/// A QRS at least this long (ms) makes a tachycardia without P waves a wide-QRS one (AHA/ACCF/HRS
/// 2009 part III's complete bundle-branch block bound; the ACC/AHA/HRS 2015 SVT guideline's
/// wide-complex tachycardia).
pub const WIDE_QRS_MS: f64 = 120.0;
/// A tachycardia is named from a QRS at least this long (ms): shorter "complexes" are no
/// ventricular activation (a narrow QRS lasts 60-110 ms in adults, from 50 ms in infants),
/// and the rhythm stays undetermined (pyedflib's generated test signals: 12 ms at 293/min).
const MIN_QRS_MS: f64 = 50.0;

/// A regular rhythm faster than 100/min with P waves before fewer than half its beats
/// (RMSSD / mean RR <= [`crate::analyze::AF_MIN_IRREGULARITY`] and a median successive change
/// <= [`crate::analyze::AF_MIN_MEDIAN_CHANGE`], not paced, no atrial fibrillation, flutter or
/// other atrial rhythm found): its atrial activity is not seen, so its origin is not known.
/// With a QRS under [`WIDE_QRS_MS`] it is a supraventricular tachycardia (AV nodal or
/// AV re-entry, a junctional or atrial tachycardia, atrial flutter with 2:1 conduction, or a
/// sinus tachycardia whose P waves hide in the T waves); with a wide QRS it is a wide-QRS
/// tachycardia, ventricular until shown otherwise. Activity repeating at half the RR
/// ([`Findings::half_rr_activity`]) is named as possible 2:1 flutter.
fn regular_tachycardia_without_p(f: &Findings<'_>, hr: Option<f64>) -> Option<Statement> {
    let h = hr?.round();
    let qrs = f.m.qrs?.0;
    let regular = f
        .rr_irregularity
        .is_some_and(|v| v <= crate::analyze::AF_MIN_IRREGULARITY)
        && f.rr_median_change
            .is_some_and(|v| v <= crate::analyze::AF_MIN_MEDIAN_CHANGE);
    // A child's narrow-QRS tachycardia starts above the bound of the age's resting rate; a
    // wide QRS without P waves above 100/min is abnormal at any age (ventricular until shown
    // otherwise).
    let top = if qrs >= WIDE_QRS_MS {
        crate::paediatric::ADULT_TACHYCARDIA_BPM
    } else {
        crate::paediatric::sinus_tachycardia_above(f.age_years)
    };
    if h <= top || !regular || f.p_fraction >= 0.5 || qrs < MIN_QRS_MS {
        return None;
    }
    let note = crate::paediatric::child_rate_note(top);
    let child = if note.is_empty() {
        String::new()
    } else {
        format!(" (> {top:.0}{note})")
    };
    let seen = format!(
        "regular at {h:.0} bpm{child} (RMSSD/mean RR {:.2} <= {:.2}) with P waves before {:.0}% of the beats (< 50%): the atrial activity is not seen",
        f.rr_irregularity.unwrap_or(0.0),
        crate::analyze::AF_MIN_IRREGULARITY,
        100.0 * f.p_fraction
    );
    let flutter_note = f.half_rr_activity.map_or(String::new(), |fl| {
        format!(
            "; activity repeating at half the RR in >= 3 of II, III, aVF, V1 (autocorrelation {:.2} at {:.0} ms): atrial flutter with 2:1 conduction at {:.0}/min is possible, its second wave hidden in the QRS",
            fl.correlation,
            fl.lag_ms,
            60_000.0 / fl.cycle_ms
        )
    });
    Some(if qrs >= WIDE_QRS_MS {
        st(
            WIDE_QRS_TACHYCARDIA,
            format!(
                "{seen}; QRS {qrs:.0} ms >= {WIDE_QRS_MS:.0}: consider ventricular tachycardia; a supraventricular tachycardia with bundle-branch block or aberrant conduction is not excluded{flutter_note}"
            ),
        )
    } else {
        st(
            SUPRAVENTRICULAR_TACHYCARDIA,
            format!(
                "{seen}; QRS {qrs:.0} ms < {WIDE_QRS_MS:.0}: consider AV nodal re-entry, a junctional or atrial tachycardia, or a sinus tachycardia with its P waves hidden in the T waves{flutter_note}"
            ),
        )
    })
}

/// Sinus rhythm, bradycardia (< 60) or tachycardia (> 100) at `rate` (bpm), with `why` (the
/// P-wave criterion) and `rate_word` ("rate" or "atrial rate") in the criterion. Judged on
/// the rate as printed (whole bpm), so that "60 bpm" is never called below 60 (a Welch Allyn
/// file at RR 1.00-1.01 s, which its device reads as 60 bpm, was "Sinus bradycardia, rate 60
/// bpm < 60"). Under 12 years (`age_years`) tachycardia starts above the upper bound of a
/// child's normal rate for the age ([`crate::paediatric::tachycardia_above`]).
fn sinus_at_rate(
    rate: Option<f64>,
    why: &str,
    rate_word: &str,
    age_years: Option<f64>,
) -> Option<Statement> {
    let h = rate?.round();
    let child_top = crate::paediatric::tachycardia_above(age_years);
    Some(if h < 60.0 {
        st(
            "Sinus bradycardia",
            format!("{why}, {rate_word} {h:.0} bpm < 60"),
        )
    } else if let Some((top, band)) = child_top {
        if h > top {
            st(
                "Sinus tachycardia",
                format!(
                    "{why}, {rate_word} {h:.0} bpm > {top:.0} (the APLS upper bound of a child's resting rate {band})"
                ),
            )
        } else {
            st(
                "Sinus rhythm",
                format!(
                    "{why}, {rate_word} {h:.0} bpm (60-{top:.0}: the APLS upper bound of a child's resting rate {band}; a rate slow for the age is judged only below 60)"
                ),
            )
        }
    } else if h > 100.0 {
        st(
            "Sinus tachycardia",
            format!("{why}, {rate_word} {h:.0} bpm > 100"),
        )
    } else {
        st(
            "Sinus rhythm",
            format!("{why}, {rate_word} {h:.0} bpm (60-100)"),
        )
    })
}

/// The leads of `want` that the recording has.
fn present(f: &Findings<'_>, want: &[LeadLabel]) -> Vec<LeadLabel> {
    want.iter()
        .filter(|l| f.leads.contains(l))
        .cloned()
        .collect()
}

/// Indices of the beats of one class.
fn beats_of(f: &Findings<'_>, class: BeatClass) -> Vec<usize> {
    (0..f.classes.len())
        .filter(|&i| f.classes[i] == class)
        .collect()
}

/// The incomplete left bundle-branch block statement ([`crate::conduction`]).
const INCOMPLETE_LBBB: &str = "Incomplete left bundle branch block";

/// The statements the findings support, each with its criterion, in reading order: the
/// rhythm, premature beats, AV and intraventricular conduction, the axis, the QT, atrial
/// abnormality, then (leads on one calibration only) voltage and hypertrophy, and
/// repolarisation, whose rules also read the statements before them.
pub(crate) fn derive(f: &Findings<'_>) -> Vec<Statement> {
    let mut out = Vec::new();
    if f.classes.len() < 2 {
        return out;
    }
    let counts = BeatCounts::of(f);
    let mode = pacing_mode(f);
    rhythm_statements(f, &counts, mode.as_ref(), &mut out);
    premature_beat_statements(f, &counts, &mut out);
    paced_minority_statement(f, &counts, mode.as_ref(), &mut out);
    av_conduction_statements(f, &counts, mode.as_ref(), &mut out);
    intraventricular_statements(f, &counts, &mut out);
    axis_statements(f, &mut out);
    qt_statements(f, &mut out);
    left_atrial_abnormality(f, &mut out);
    if calibration_suspect(f, &mut out) {
        return out;
    }
    voltage_statements(f, &counts, mode.as_ref(), &mut out);
    repolarisation_statements(f, &counts, &mut out);
    out
}

/// The beats [`derive()`]'s rules count: all of them, the paced, ventricular and
/// supraventricular premature ones, and the mean rate (bpm).
#[derive(Debug, Clone, Copy)]
struct BeatCounts {
    n: usize,
    hr: Option<f64>,
    paced: usize,
    pvc: usize,
    pac: usize,
}

impl BeatCounts {
    fn of(f: &Findings<'_>) -> Self {
        let count = |c: BeatClass| f.classes.iter().filter(|&&x| x == c).count();
        Self {
            n: f.classes.len(),
            hr: f.m.hr.map(|h| h.0),
            paced: count(BeatClass::Paced),
            pvc: count(BeatClass::Ventricular),
            pac: count(BeatClass::Supraventricular),
        }
    }
}

/// The rhythm: the paced rhythm, or the atrial rhythm with its rate.
fn rhythm_statements(
    f: &Findings<'_>,
    c: &BeatCounts,
    mode: Option<&PacingMode>,
    out: &mut Vec<Statement>,
) {
    let hr = c.hr;
    if let Some(mode) = mode {
        paced_rhythm_statements(f, c, mode, out);
    } else if let Some(flutter) = f.flutter {
        out.push(flutter_statement(f, flutter, hr));
    } else if f.atrial_fibrillation
        && let Some(w) = f.f_waves
    {
        let response = match f.rr_irregularity {
            Some(v) if v > 0.10 => format!("irregular ventricular response (RMSSD/mean RR {v:.2})"),
            Some(v) => format!(
                "regular ventricular response (RMSSD/mean RR {v:.2} <= 0.10): consider AV block with an escape rhythm"
            ),
            None => "ventricular response not measured".to_string(),
        };
        out.push(st_on(
            "Atrial fibrillation",
            format!("{}; {response}", f_wave_criterion(w)),
            w.leads.clone(),
            Vec::new(),
        ));
    } else if f.atrial_fibrillation {
        out.push(st(
            "Atrial fibrillation",
            format!(
                "irregularly irregular RR (RMSSD/mean RR {:.2} > 0.10, median successive change {:.0}% of the mean RR > {:.0}%) and P waves before {:.0}% of beats{}",
                f.rr_irregularity.unwrap_or(0.0),
                100.0 * f.rr_median_change.unwrap_or(0.0),
                100.0 * crate::analyze::AF_MIN_MEDIAN_CHANGE,
                100.0 * f.p_fraction,
                f.af_p_waves.map_or_else(String::new, af_p_wave_text)
            ) + &f.af_locked_ratio.map_or_else(String::new, |r| format!(
                "; the averaged beat's atrial activity before the QRS is {r:.2} times what is not locked to it (< {:.1}: no P wave conducted at a fixed PR)",
                crate::analyze::AF_MAX_LOCKED_RATIO
            )),
        ));
    } else if let Some(foci) = f.atrial_foci.filter(|_| f.av_block.is_none())
        && let Some(h) = hr
    {
        // A child's tachycardia starts above the bound of the age's resting rate.
        let tachy_above = crate::paediatric::sinus_tachycardia_above(f.age_years);
        out.push(st_on(
            if h.round() > tachy_above {
                MULTIFOCAL_RHYTHMS[1]
            } else {
                MULTIFOCAL_RHYTHMS[0]
            },
            foci.criterion(h, tachy_above),
            foci.leads.clone(),
            foci.foci
                .iter()
                .flat_map(|g| g.beats.iter().copied())
                .collect(),
        ));
    } else if f.p_fraction >= 0.8 || f.av_block.is_some() || p_waves_at_a_steady_pr(f) {
        atrial_origin_statements(f, hr, out);
    } else if let Some(s) = regular_tachycardia_without_p(f, hr) {
        out.push(s);
    } else {
        out.push(st(
            UNDETERMINED_RHYTHM,
            format!(
                "P waves before {:.0}% of the dominant rhythm's beats, RR irregularity {:.2}{}{}",
                100.0 * f.p_fraction,
                f.rr_irregularity.unwrap_or(0.0),
                f.not_counted_p.map_or_else(String::new, not_counted_p_text),
                f.wave_on_t_unresolved.map_or(String::new(), |d| format!(
                    "; a wave {d:.0} ms before each QRS rides on the T wave: a P wave of a long PR interval or a U wave, not told apart at this regular rate ({QT_NOT_JUDGED})"
                ))
            ),
        ));
    }
}

/// The paced rhythm by its `mode`, and under ventricular pacing the atrial rhythm behind it:
/// fibrillation, P waves the pacemaker tracks, or P waves dissociated from the paced beats.
fn paced_rhythm_statements(
    f: &Findings<'_>,
    c: &BeatCounts,
    mode: &PacingMode,
    out: &mut Vec<Statement>,
) {
    let BeatCounts { n, hr, paced, .. } = *c;
    if let PacingMode::Atrial {
        beats,
        to_qrs_ms,
        p_after,
    } = mode
    {
        let (med, lo, hi) = median_range(to_qrs_ms);
        out.push(st_on(
            "Atrial paced rhythm",
            format!(
                "atrial pacing stimulus before {} of {n} QRS complexes, {med:.0} ms before the QRS onset (range {lo:.0}-{hi:.0} ms, robust SD <= {ATRIAL_PACED_MAX_SD_MS:.0}: conducted at a steady interval), a P wave found after the stimulus in {p_after} of them; no ventricular stimulus, the dominant QRS{}",
                beats.len(),
                rate_text(hr)
            ),
            Vec::new(),
            beats.clone(),
        ));
    } else if let PacingMode::Dual {
        beats,
        av_delay_ms,
        p_after,
    } = mode
    {
        let (med, lo, hi) = median_range(av_delay_ms);
        out.push(st_on(
            "Dual-chamber (AV sequential) paced rhythm",
            format!(
                "an atrial then a ventricular pacing stimulus (within 60 ms before the QRS onset) before {} of {n} QRS complexes, AV delay {med:.0} ms (atrial to ventricular stimulus, range {lo:.0}-{hi:.0} ms), a P wave found after the atrial stimulus in {p_after} of them{}",
                beats.len(),
                rate_text(hr)
            ),
            Vec::new(),
            beats.clone(),
        ));
    } else if let PacingMode::Ventricular { beats, atrial } = mode {
        let atrial = if *atrial > 0 {
            format!(
                ", {atrial} of them after an atrial stimulus (AV sequential in fewer than half the beats)"
            )
        } else {
            String::new()
        };
        out.push(st_on(
            "Ventricular paced rhythm",
            format!(
                "ventricular pacing spike within 60 ms before the QRS onset (or, none found, the paced QRS and no P wave) before {paced} of {n} QRS complexes{atrial}"
            ),
            Vec::new(),
            beats.clone(),
        ));
        if f.paced_af.is_none()
            && let Some(w) = f.f_waves
        {
            out.push(st_on(
                "Atrial fibrillation",
                format!(
                    "under ventricular pacing: no regular atrial waves through the paced beats; {}",
                    f_wave_criterion(w)
                ),
                w.leads.clone(),
                Vec::new(),
            ));
        }
        if f.paced_af.is_none()
            && f.f_waves.is_none()
            && let Some(w) = f.fine_f_waves
        {
            out.push(st_on(
                "Atrial fibrillation",
                format!(
                    "under ventricular pacing: no regular atrial waves through the paced beats; {}",
                    fine_f_wave_criterion(w)
                ),
                w.leads.clone(),
                Vec::new(),
            ));
        }
        if let Some(a) = f.paced_af {
            out.push(st(
                "Atrial fibrillation",
                format!(
                    "under ventricular pacing: no organised P waves and no regular atrial waves through the paced beats; {} conducted beats without a P wave at irregular intervals (range {:.0} ms >= {PACED_AF_RR_RANGE_MS:.0}; the earliest at {:.0}% of the paced cycle, < {:.0}%)",
                    a.conducted,
                    a.rr_range_ms,
                    100.0 * a.earliest_fraction,
                    100.0 * PACED_AF_EARLY_FRACTION
                ),
            ));
        }
        // The atrial rhythm under ventricular pacing: P waves the pacemaker tracks (P before
        // the paced QRS complexes, none after an atrial stimulus), or a regular P train
        // dissociated from the paced beats (complete AV block: the sinus rate is the atrial
        // rate, the ventricular one is the pacemaker's).
        if f.paced_af.is_none() && f.f_waves.is_none() && f.fine_f_waves.is_none() {
            if let Some(d) = &f.paced_dissociation {
                out.extend(sinus_at_rate(
                    Some(d.atrial_bpm),
                    "regular P waves through the paced rhythm (AV block below)",
                    "atrial rate",
                    f.age_years,
                ));
            } else if f.p_fraction >= 0.8 && sinus_p_axis(f) {
                out.extend(sinus_at_rate(
                    hr,
                    &format!(
                        "P before {:.0}% of the paced QRS complexes, none after an atrial stimulus (atrial-sensed ventricular pacing){}",
                        100.0 * f.p_fraction,
                        p_axis_text(f)
                    ),
                    "rate",
                    f.age_years,
                ));
            }
        }
        if let Some(d) = &f.paced_dissociation {
            out.push(st_on(
                "Third-degree (complete) AV block",
                format!(
                    "under ventricular pacing: regular P waves at {:.0}/min march through the paced rhythm at {:.0}/min with no fixed relation (P to QRS SD {:.0} ms, range {:.0} ms; >= 60 / 150)",
                    d.atrial_bpm, d.ventricular_bpm, d.pr_sd_ms, d.pr_range_ms
                ),
                Vec::new(),
                d.beats.clone(),
            ));
        }
    }
}

/// Atrial flutter (`flutter`) with its conduction and cycle, at the ventricular rate `hr`.
fn flutter_statement(f: &Findings<'_>, flutter: Flutter, hr: Option<f64>) -> Statement {
    let Flutter {
        cycle_ms: cycle,
        correlation: r,
        lag_ms,
        locked,
        variable,
        coherence,
    } = flutter;
    let rate = hr.map_or(String::new(), |h| format!(", ventricular rate {h:.0} bpm"));
    let (atrial, cycle_text) = match locked {
            None if let Some(Variable {
                rr_ms: (short, long),
                recurrence:
                    Recurrence {
                        correlation,
                        compared,
                        leads,
                    },
            }) = variable => (
                format!(
                    "variable conduction (RR {short:.0}-{long:.0} ms, {:.1}-{:.1} cycles), the wave taken for a P wave is a flutter wave: it recurs {compared} cycle(s) earlier (curvature correlation >= {correlation:.2} over II, III, aVF, V1 and in {leads} of them on their own; >= {MIN_RECURRENCE} in >= 2, size {}-{} times)",
                    short / cycle,
                    long / cycle,
                    RECURRENCE_SIZE.0,
                    RECURRENCE_SIZE.1
                ),
                format!("cycle {cycle:.0} ms, autocorrelation {r:.2} at the same lag"),
            ),
            None => (
                match coherence {
                    Some((c, at)) => format!(
                        "no organised P waves; the waves keep their phase from beat to beat at an irregular RR (coherence {c:.2} >= {MIN_PHASE_COHERENCE} at a {at:.0} ms cycle)"
                    ),
                    None => "no organised P waves".to_string(),
                },
                format!("cycle {cycle:.0} ms, autocorrelation {r:.2} at the same lag"),
            ),
            Some(Locked {
                ratio,
                rr_ms,
                recurrence,
            }) => (
                match recurrence {
                    // At 2:1 the second flutter wave falls in the QRS: what the blanked
                    // search saw repeats once per RR, as a sinus tachycardia's T and P waves
                    // do (the textbook sinus beat at 130-170/min reads so).
                    None if ratio == 2 => "no organised P waves; 2:1 conduction (consider sinus tachycardia with P waves hidden in the T waves: at 2:1 the second flutter wave falls in the QRS, and the activity seen repeats once per RR)".to_string(),
                    None => format!("no organised P waves; {ratio}:1 conduction"),
                    Some(Recurrence {
                        correlation,
                        compared,
                        leads,
                    }) => format!(
                        "{ratio}:1 conduction, the wave taken for a P wave is a flutter wave: it recurs {compared} cycle(s) earlier inside the RR (curvature correlation >= {correlation:.2} over II, III, aVF, V1 and in {leads} of them on their own; >= {MIN_RECURRENCE} in >= 2, size {}-{} times)",
                        RECURRENCE_SIZE.0, RECURRENCE_SIZE.1
                    ),
                },
                format!(
                    "cycle {cycle:.0} ms = RR {rr_ms:.0} ms / {ratio}, RR regular within {:.0} %; autocorrelation {r:.2} at the same lag ({lag_ms:.0} ms)",
                    100.0 * REGULAR_TOLERANCE
                ),
            ),
        };
    st_on(
        "Atrial flutter",
        format!(
            "{atrial}; regular atrial activity at {:.0}/min ({cycle_text} in >= 3 of II, III, aVF, V1; flutter range 240-350/min){rate}",
            60_000.0 / cycle
        ),
        present(
            f,
            &[LeadLabel::II, LeadLabel::III, LeadLabel::AVF, LeadLabel::V1],
        ),
        Vec::new(),
    )
}

/// The atrial rhythm from P waves before most beats (or behind 2:1 or complete AV block):
/// sinus (with sinus arrhythmia and pauses), junctional from retrograde P waves at a short
/// PR, or ectopic atrial; at the ventricular rate `hr` or the atrial rate.
fn atrial_origin_statements(f: &Findings<'_>, hr: Option<f64>, out: &mut Vec<Statement>) {
    // With 2:1 or complete AV block the sinus node is named by the atrial rate.
    let (hr, rate_word) = match f.av_block {
        Some(
            AvBlock::FixedRatio { atrial_bpm, .. }
            | AvBlock::Complete(Dissociation { atrial_bpm, .. }),
        ) => (Some(atrial_bpm), "atrial rate"),
        None => (hr, "rate"),
    };
    if sinus_p_axis(f) {
        let p_txt = if f.av_block.is_some() && f.p_fraction < 0.8 {
            // Most P waves are not before a QRS here; the AV block statement holds the train.
            "regular P waves (AV block below)".to_string()
        } else if f.p_fraction < 0.8 {
            format!(
                "P before {:.0}% of the dominant rhythm's QRS (premature beats left out; >= {:.0}% at a steady PR, robust SD {:.0} ms <= {STEADY_PR_SD_MS:.0}, and a regular RR, irregularity {:.2} <= {STEADY_RR_IRREGULARITY:.2}, at <= {STEADY_PR_MAX_BPM:.0} bpm)",
                100.0 * f.p_fraction,
                100.0 * STEADY_PR_MIN_P_FRACTION,
                f.pr_robust_sd_ms.unwrap_or(f64::NAN),
                f.rr_irregularity.unwrap_or(f64::NAN)
            )
        } else {
            format!(
                "P before {:.0}% of the dominant rhythm's QRS (premature beats left out)",
                100.0 * f.p_fraction
            )
        };
        let axis_txt = p_axis_text(f);
        out.extend(sinus_at_rate(
            hr,
            &format!("{p_txt}{axis_txt}"),
            rate_word,
            f.age_years,
        ));
        // A regular rhythm at half the flutter range may be 2:1 flutter whose second
        // wave hides in the QRS or T wave, where no recurrence can be checked.
        if let Some(s) = out.last_mut()
            && s.text == "Sinus tachycardia"
            && rate_word == "rate"
            && hr.is_some_and(|h| {
                (TWO_TO_ONE_FLUTTER_BPM.0..=TWO_TO_ONE_FLUTTER_BPM.1).contains(&h.round())
            })
            && let Some(c) = s.criterion.as_mut()
        {
            c.push_str(&format!(
                "; at {:.0}-{:.0} bpm atrial flutter with 2:1 conduction (atrial 240-350/min) is not excluded: its second flutter wave can hide in the QRS or T wave (none found)",
                TWO_TO_ONE_FLUTTER_BPM.0, TWO_TO_ONE_FLUTTER_BPM.1
            ));
        }
        let normal_rr = normal_rr_ms(f);
        let (pauses, med) = sinus_pauses(&normal_rr);
        // The sinus cycle is read between beats that each follow a P wave at the dominant
        // PR: a ventricular beat the classification missed (no P wave of its own, or the
        // sinus P too close to conduct it) and the pause after it are no sinus cycles
        // (MIT-BIH 208, two leads: its "sinus arrhythmia" of 667 ms ran from such a beat
        // at 447 ms to the pause after another).
        let with_p = |i: usize| f.at_dominant_pr.get(i).copied().unwrap_or(true);
        let sinus_conducted: Vec<(usize, f64)> = normal_rr
            .iter()
            .copied()
            .filter(|&(i, _)| with_p(i) && with_p(i - 1))
            .collect();
        if f.av_block.is_none()
            && let Some(rr_at) = sinus_rr_ms(&sinus_conducted, &pauses)
            && let rr = rr_at.iter().map(|r| r.1).collect::<Vec<f64>>()
            && range_ms(&rr) > SINUS_ARRHYTHMIA_MS
            && phasic(&rr)
        {
            let range = range_ms(&rr);
            // Its evidence: the beats ending the shortest and the longest cycle.
            let ending = |longest: bool| {
                rr_at
                    .iter()
                    .max_by(|a, b| {
                        let o = a.1.total_cmp(&b.1);
                        if longest { o } else { o.reverse() }
                    })
                    .map(|r| r.0)
            };
            let mut beats: Vec<usize> = [ending(false), ending(true)]
                .into_iter()
                .flatten()
                .collect();
            beats.sort_unstable();
            out.push(st_on(
                "Sinus arrhythmia",
                format!(
                    "sinus P waves; RR between consecutive conducted beats varies by {range:.0} ms (> {SINUS_ARRHYTHMIA_MS:.0} ms), phasic (lengthening and shortening by >= {SINUS_ARRHYTHMIA_SWING_MS:.0} ms), premature beats and the pauses after them left out"
                ),
                Vec::new(),
                beats,
            ));
        }
        if f.av_block.is_none()
            && let Some(&(beat, longest)) = pauses.iter().max_by(|a, b| a.1.total_cmp(&b.1))
        {
            out.push(st_on(
                "Sinus pause",
                format!(
                    "{} pause(s) between sinus beats, the longest {longest:.0} ms ending at {:.1} s (>= {SINUS_PAUSE_MS:.0} ms and >= {SINUS_PAUSE_RATIO} x the median sinus cycle, {med:.0} ms), no P wave in it without a QRS",
                    pauses.len(),
                    f.start_s + f.fids[beat] as f64 / f.fs_hz
                ),
                Vec::new(),
                pauses.iter().map(|p| p.0).collect(),
            ));
        }
    } else if let Some(a) = f.m.axis.p
        && f.p_inferior_inverted == Some(true)
        && let Some(pr) = f.m.pr.map(|v| v.0).filter(|&v| v < JUNCTIONAL_PR_MS)
    {
        // Retrograde P waves at a short PR: the rhythm starts in the AV junction.
        let h = hr.map_or(f64::NAN, f64::round);
        let [slow, accelerated, tachycardia] = JUNCTIONAL_RHYTHMS;
        // A child's tachycardia starts above the bound of the age's resting rate.
        let top = crate::paediatric::sinus_tachycardia_above(f.age_years);
        let name = if h > top {
            tachycardia
        } else if h >= 60.0 {
            accelerated
        } else {
            slow
        };
        out.push(st_on(
            name,
            format!(
                "P waves inverted in II, III and aVF (retrograde; P axis {:.0}°) at PR {pr:.0} ms < {JUNCTIONAL_PR_MS:.0} before {:.0}% of the QRS, rate {h:.0} bpm (< 60 junctional, 60-{top:.0} accelerated, > {top:.0} tachycardia{})",
                a.0,
                100.0 * f.p_fraction,
                crate::paediatric::child_rate_note(top)
            ),
            present(f, &[LeadLabel::II, LeadLabel::III, LeadLabel::AVF]),
            Vec::new(),
        ));
    } else if let Some(a) = f.m.axis.p {
        let polarity = if f.p_sinus_polarity == Some(false) {
            " and not upright in II with inverted in aVR"
        } else {
            ""
        };
        out.push(st_on(
            "Ectopic atrial rhythm",
            format!("P axis {:.0}° outside -30..+100°{polarity}", a.0),
            present(
                f,
                &[LeadLabel::I, LeadLabel::II, LeadLabel::AVR, LeadLabel::AVF],
            ),
            Vec::new(),
        ));
    }
}

/// Premature beats: ventricular (with a ventricular tachycardia among them) and
/// supraventricular premature complexes, and those whose origin too few leads cannot tell.
fn premature_beat_statements(f: &Findings<'_>, c: &BeatCounts, out: &mut Vec<Statement>) {
    let BeatCounts { pvc, pac, .. } = *c;
    if pvc > 0
        && let Some((beats, summary, leads)) = ectopic_summary(f, BeatClass::Ventricular)
    {
        // On one or two usable leads, ventricular beats are judged on their width and timing
        // (`classify::ventricular_runs_by_width`): none differs in three leads.
        let by_width = beats.iter().all(|&i| {
            f.different_leads
                .get(i)
                .is_none_or(|d| d.len() < MIN_DIFFERENT_LEADS)
        });
        let why = if by_width {
            format!(
                "on {} usable lead(s), too few to judge the QRS shape by: premature (RR < 85 % of the local median and < 90 % of the RR before), the QRS >= {FEW_LEADS_VENTRICULAR_QRS_MS:.0} ms and >= {WIDER_THAN_DOMINANT_MS:.0} ms wider than the dominant beat's and different from it in a lead (correlation < 0.8 or size outside 0.5-2x), between beats of the dominant QRS with a pause after the beat or its run, each beat of a run of the shape of the one before; no P wave at the dominant PR, or, a single beat, a full compensatory pause",
                leads.len()
            )
        } else if f.atrial_fibrillation {
            "QRS different from the dominant beat in >= 3 and >= 60 % of the leads (correlation < 0.8 or size outside 0.5-2x), no P wave at the dominant PR".to_string()
        } else {
            "premature (RR < 85 % of the local median and < 90 % of the RR before) with a QRS different from the dominant beat in >= 3 and >= 40 % of the leads (correlation < 0.8 or size outside 0.5-2x), no P wave at the dominant PR".to_string()
        };
        out.push(st_on(
            "Ventricular premature complexes",
            format!("{summary}: {why}"),
            leads.clone(),
            beats,
        ));
        if let Some(vt) = ventricular_tachycardia(f, leads) {
            out.push(vt);
        }
    }
    if pac > 0
        && let Some((beats, summary, leads)) = ectopic_summary(f, BeatClass::Supraventricular)
    {
        out.push(st_on(
            "Supraventricular premature complexes",
            format!("{summary}: premature (RR < 85 % of the local median and < 90 % of the RR before) with the dominant QRS, or a different QRS after a P wave at the dominant PR (aberrant conduction)"),
            leads,
            beats,
        ));
    }
    if let Some((beats, summary, leads)) = beats_summary(f, f.undetermined_premature) {
        out.push(st_on(
            UNDETERMINED_PREMATURE,
            format!("{summary}: premature (RR < 85 % of the local median and < 90 % of the RR before) with a QRS different from the dominant beat in a lead of the {} usable (correlation < 0.8 or size outside 0.5-2x); a ventricular origin needs a difference in >= 3 leads, and fewer cannot tell a ventricular beat from aberrant conduction or artefact", leads.len()),
            leads,
            beats,
        ));
    }
}

/// Premature beats of another QRS on too few leads to tell their origin
/// ([`crate::classify::Classified::undetermined_premature`]).
pub(crate) const UNDETERMINED_PREMATURE: &str = "Premature complexes of undetermined origin";

/// Ventricular-paced beats in a rhythm that is not a paced one (half the beats or fewer):
/// intermittent pacing, which the paced-rhythm statements do not name. Classification keeps
/// them paced only where a pacemaker would pace (after its escape interval, or at its AV
/// delay after a P wave: `classify::pacing_credible`).
fn paced_minority_statement(
    f: &Findings<'_>,
    c: &BeatCounts,
    mode: Option<&PacingMode>,
    out: &mut Vec<Statement>,
) {
    if c.paced == 0
        || matches!(
            mode,
            Some(PacingMode::Ventricular { .. } | PacingMode::Dual { .. })
        )
    {
        return;
    }
    let idx: Vec<usize> = beats_of(f, BeatClass::Paced);
    let times = beat_times(f, &idx);
    out.push(st_on(
        PACED_MINORITY,
        format!(
            "{} of {} beats, at {times}: a ventricular pacing stimulus within 60 ms before the QRS onset (or, none found, the paced QRS and no P wave), after the pacemaker's escape interval or at its AV delay after a P wave; the rhythm named is the other beats'",
            idx.len(),
            c.n,
        ),
        Vec::new(),
        idx,
    ));
}

/// The PR below which it is short (ms) on three leads or more (the earliest P onset of any
/// lead to the earliest QRS onset) ...
const SHORT_PR_MS: f64 = 120.0;
/// ... and on fewer ([`INTERVAL_MIN_LEADS`]). One lead's P wave may start well after the
/// atria's first activation: on the LUDB dev split V1's own PR (the cardiologists' V1 marks)
/// is 21 ± 20 ms shorter than the PR of all twelve leads' marks, and 11 of 96 records read on
/// V1 alone (2 on II alone, whose PR reads 106 and 114 ms against 142 and 134 ms) measured a
/// PR under 120 ms that is 133-162 ms on twelve leads.
const SHORT_PR_FEW_LEADS_MS: f64 = 100.0;

/// Ventricular-paced beats in a minority ([`paced_minority_statement`]).
pub(crate) const PACED_MINORITY: &str = "Ventricular-paced complexes";

/// AV conduction: second-degree block, blocked atrial premature complexes, first-degree,
/// 2:1, advanced and complete block.
fn av_conduction_statements(
    f: &Findings<'_>,
    c: &BeatCounts,
    mode: Option<&PacingMode>,
    out: &mut Vec<Statement>,
) {
    let BeatCounts { n, paced, .. } = *c;
    // Second-degree AV block: P waves that come on time and are not followed by a QRS.
    let (on_time, premature): (Vec<&NonConducted>, Vec<&NonConducted>) =
        f.blocked_p.iter().partition(|b| b.on_time());
    if let Some(first) = on_time.first() {
        let k = on_time.len();
        let lengthened = on_time
            .iter()
            .all(|b| b.pr_before_ms - b.pr_after_ms >= 20.0);
        let constant = on_time
            .iter()
            .all(|b| (b.pr_before_ms - b.pr_after_ms).abs() <= 10.0);
        let text = if lengthened {
            MOBITZ_I
        } else if constant {
            "Second-degree AV block, Mobitz II"
        } else {
            "Second-degree AV block"
        };
        out.push(st_on(
            text,
            format!(
                "{k} P wave(s) not followed by a QRS, on time (within {:.0} % of a whole sinus cycle; first at {:.2} s, correlation {:.2} with the median P); PR {:.0} ms before the pause, {:.0} ms after (Mobitz I: lengthens >= 20 ms before the pause; II: constant within 10 ms)",
                100.0 * ON_TIME_CYCLES,
                f.start_s + first.peak as f64 / f.fs_hz,
                first.r,
                first.pr_before_ms,
                first.pr_after_ms
            ),
            Vec::new(),
            on_time.iter().map(|b| b.beat_after).collect(),
        ));
    }
    // P waves not followed by a QRS that come early in the sinus cycle: non-conducted
    // (blocked) atrial premature complexes, no AV block (a premature P wave meets a
    // conduction system that has not recovered).
    if let Some(first) = premature.first() {
        out.push(st_on(
            "Non-conducted atrial premature complexes",
            format!(
                "{} P wave(s) not followed by a QRS, early: {:.0} % of the median RR after the P wave before (more than {:.0} % of the P-P interval across the pause from a whole cycle; first at {:.2} s, correlation {:.2} with the median P)",
                premature.len(),
                100.0 * first.of_median_cycle,
                100.0 * ON_TIME_CYCLES,
                f.start_s + first.peak as f64 / f.fs_hz,
                first.r,
            ),
            Vec::new(),
            premature.iter().map(|b| b.beat_after).collect(),
        ));
    }

    // 2:1 and third-degree AV block from the P waves found anywhere in the cycle.
    // Their evidence: the beats each ending an interval that holds the blocked P waves, or
    // whose P-to-QRS interval varies.
    match &f.av_block {
        Some(AvBlock::FixedRatio {
            ratio: 2,
            atrial_bpm,
            ventricular_bpm,
            pr_ms,
            pr_sd_ms,
            conducted,
        }) => out.push(st_on(
            "2:1 AV block",
            format!(
                "regular P waves at {atrial_bpm:.0}/min, every other one not followed by a QRS (ventricular rate {ventricular_bpm:.0}/min); conducted PR constant ({pr_ms:.0} ± {pr_sd_ms:.0} ms, P peak to QRS, SD <= 20)"
            ),
            Vec::new(),
            conducted.clone(),
        )),
        Some(AvBlock::FixedRatio {
            ratio,
            atrial_bpm,
            ventricular_bpm,
            pr_ms,
            pr_sd_ms,
            conducted,
        }) => out.push(st_on(
            format!("Advanced (high-grade) AV block, {ratio}:1 conduction"),
            format!(
                "regular P waves at {atrial_bpm:.0}/min, only one in {ratio} followed by a QRS (ventricular rate {ventricular_bpm:.0}/min); conducted PR constant ({pr_ms:.0} ± {pr_sd_ms:.0} ms, P peak to QRS, SD <= 20)"
            ),
            Vec::new(),
            conducted.clone(),
        )),
        Some(AvBlock::Complete(Dissociation {
            atrial_bpm,
            ventricular_bpm,
            pr_sd_ms,
            pr_range_ms,
            beats,
        })) => out.push(st_on(
            "Third-degree (complete) AV block",
            format!(
                "regular P waves at {atrial_bpm:.0}/min and a regular, slower ventricular rhythm at {ventricular_bpm:.0}/min (< 60) with no fixed relation: P to QRS varies by SD {pr_sd_ms:.0} ms, range {pr_range_ms:.0} ms (>= 60 / 150); atrial rate >= 1.3 x ventricular"
            ),
            Vec::new(),
            beats.clone(),
        )),
        None => {}
    }

    // AV conduction (only meaningful with P waves, and not under pacing, where the interval
    // from a P wave to a paced QRS is the pacemaker's programmed AV delay, nor after an atrial
    // stimulus, where it starts at a paced P). With several atrial foci the PR varies by
    // definition and the median beat's P is a blend of them: no PR statement (the
    // morphologies' intervals are in the rhythm statement's criterion). Nor in Mobitz I,
    // whose PR lengthens beat by beat up to the dropped one: the median beat's PR is a blend
    // of those, and the lengthening is in that statement's criterion.
    if !f.atrial_fibrillation
        && !out
            .iter()
            .any(|s| MULTIFOCAL_RHYTHMS.contains(&s.text.as_str()) || s.text == MOBITZ_I)
        && mode.is_none()
        && paced * 2 <= n
        && f.flutter.is_none()
        && f.p_fraction >= 0.8
        && !matches!(f.av_block, Some(AvBlock::Complete(_)))
        && let Some(pr) = f.m.pr
    {
        if pr.0 > 200.0 {
            out.push(st_on(
                "First-degree AV block",
                format!("PR {:.0} ms > 200", pr.0),
                f.interval_leads.pr.clone(),
                Vec::new(),
            ));
        } else if let (short, few) = short_bound(
            f.leads.len(),
            SHORT_PR_MS,
            SHORT_PR_FEW_LEADS_MS,
            "PR",
            "one lead's P wave may start after the atria's first activation",
        ) && pr.0 < short
            && !out
                .iter()
                .any(|s| JUNCTIONAL_RHYTHMS.contains(&s.text.as_str()))
        {
            // (A junctional rhythm's short PR is its criterion, not a finding of its own.)
            out.push(st_on(
                "Short PR interval",
                format!("PR {:.0} ms < {short:.0}{few}", pr.0),
                f.interval_leads.pr.clone(),
                Vec::new(),
            ));
        }
    }
}

/// Intraventricular conduction ([`crate::conduction`]).
fn intraventricular_statements(f: &Findings<'_>, c: &BeatCounts, out: &mut Vec<Statement>) {
    let BeatCounts { n, paced, .. } = *c;
    // Intraventricular conduction ([`crate::conduction`]); not in a paced rhythm.
    if let Some(qrs) = f.m.qrs
        && paced * 2 <= n
    {
        let conduction = crate::conduction::statements(&crate::conduction::Inputs {
            qrs_ms: qrs.0,
            axis: f.m.axis.qrs.map(|a| a.0),
            pr_ms: f.m.pr.map(|p| p.0).filter(|_| f.p_fraction >= 0.8),
            shapes: f.qrs_shapes,
            limb_gains_suspect: f.limb_residual.is_some(),
            atrial_waves_in_qrs: f.atrial_fibrillation
                || f.flutter.is_some()
                || f.half_rr_activity.is_some(),
            bounds: crate::conduction::QrsBounds::for_age(f.age_years),
        });
        // A wide-QRS tachycardia of unknown origin is no bundle-branch block: the pattern
        // its QRS matches is named in its criterion instead.
        match out.iter_mut().find(|s| s.text == WIDE_QRS_TACHYCARDIA) {
            Some(wide) if !conduction.is_empty() => {
                let names: Vec<&str> = conduction.iter().map(|s| s.text.as_str()).collect();
                if let Some(c) = wide.criterion.as_mut() {
                    c.push_str(&format!(
                        "; the QRS has the pattern of: {} (not stated as conduction disorders while the beats' origin is unknown)",
                        names.join(", ")
                    ));
                }
            }
            _ => out.extend(conduction),
        }
    }
}

/// The frontal QRS axis.
fn axis_statements(f: &Findings<'_>, out: &mut Vec<Statement>) {
    // Axis.
    if let Some(a) = f.m.axis.qrs {
        let d = a.0;
        if (-90.0..-30.0).contains(&d) {
            out.push(st_on(
                "Left axis deviation",
                format!("QRS axis {d:.0}° (-30..-90)"),
                present(f, &[LeadLabel::I, LeadLabel::AVF]),
                Vec::new(),
            ));
        } else if d > 90.0 && d <= 180.0 {
            out.push(st_on(
                "Right axis deviation",
                format!("QRS axis {d:.0}° (+90..+180)"),
                present(f, &[LeadLabel::I, LeadLabel::AVF]),
                Vec::new(),
            ));
        } else if d < -90.0 {
            out.push(st_on(
                "Extreme axis deviation",
                format!("QRS axis {d:.0}° (-90..-180)"),
                present(f, &[LeadLabel::I, LeadLabel::AVF]),
                Vec::new(),
            ));
        }
    }
}

/// The QT interval against its bounds.
fn qt_statements(f: &Findings<'_>, out: &mut Vec<Statement>) {
    // QT.
    // The rate the QTc was corrected for.
    let qt_hr = f
        .qtc_rr_ms
        .map(|rr| 60_000.0 / rr)
        .or(f.m.hr.map(|h| h.0))
        .map(f64::round);
    // A wave riding on the T wave's end that may be a P wave (`wave_on_t_unresolved`) can
    // lengthen the QT measured: at 80-100/min a PR of 300-420 ms read "Prolonged QT
    // interval" at QTc 490-570 ms for a QTc of 440.
    let qt_judged = f.wave_on_t_unresolved.is_none() && t_wave_measurable(f);
    let wide_qt =
        f.m.qrs
            .map(|q| q.0)
            .filter(|&q| q >= WIDE_QRS_MS)
            .zip(f.m.qt.map(|q| q.0))
            .zip(qt_hr);
    if let Some(((qrs, qt), h)) = wide_qt.filter(|_| qt_judged) {
        // A wide QRS lengthens the QT by its own widening, not by a longer repolarisation
        // (AHA/ACCF/HRS 2009 part IV: the JT interval in ventricular conduction defects):
        // judged by the JT index (Zhou, Wong, Rautaharju et al. 1992).
        let jt = qt - qrs;
        let jti = jt_index(qt, qrs, h);
        if jti > JT_INDEX_MAX {
            out.push(st_on(
                "Prolonged QT interval",
                format!(
                    "QRS {qrs:.0} ms >= {WIDE_QRS_MS:.0}, so judged by the JT index: JT {jt:.0} ms (QT {qt:.0} less QRS) x ({h:.0} + 100) / 518 = {jti:.0} > {JT_INDEX_MAX:.0}{}",
                    f.m.qtc
                        .bazett
                        .map_or(String::new(), |q| format!(" (QTc Bazett {:.0} ms)", q.0))
                ),
                f.interval_leads.qt.clone(),
                Vec::new(),
            ));
        }
    } else if let Some(qtc) = f.m.qtc.bazett.filter(|_| qt_judged) {
        let limit = if f.sex == Sex::Female { 460.0 } else { 450.0 };
        // Bazett's correction is exact at 60/min only: it overcorrects above (by 30 ms at
        // 90/min on a QT of 366 ms, so noise of 30 µV read "Prolonged QT" on a Fridericia QTc
        // of 420) and undercorrects below. The AHA/ACCF/HRS 2009 part IV recommends a
        // correction other than Bazett's: a QTc beyond a bound is stated only when
        // Fridericia's agrees.
        let fridericia = f.m.qtc.fridericia.map(|q| q.0);
        // The Fridericia text to add when it agrees (`beyond`), or `None`.
        let also = |beyond: &dyn Fn(f64) -> bool| -> Option<String> {
            match (qt_hr, fridericia) {
                (Some(h), Some(fr)) => beyond(fr).then(|| {
                    let side = match h.partial_cmp(&QTC_BAZETT_EXACT_BPM) {
                        Some(std::cmp::Ordering::Greater) => "over",
                        Some(std::cmp::Ordering::Less) => "under",
                        // At 60/min the two agree: Bazett's is named alone.
                        _ => return String::new(),
                    };
                    format!(
                        " and Fridericia {fr:.0} ms (at {h:.0}/min Bazett alone {side}corrects)"
                    )
                }),
                _ => Some(String::new()),
            }
        };
        if qtc.0 > limit {
            if let Some(fr) = also(&|q| q > limit) {
                out.push(st_on(
                    "Prolonged QT interval",
                    format!("QTc Bazett {:.0} ms{fr} > {limit:.0} ms", qtc.0),
                    f.interval_leads.qt.clone(),
                    Vec::new(),
                ));
            }
        } else {
            let (short, few) = short_bound(
                f.leads.len(),
                QTC_SHORT_MS,
                QTC_SHORT_FEW_LEADS_MS,
                "QT",
                "one lead's T wave may end before the others'",
            );
            if qtc.0 < short
                && let Some(fr) = also(&|q| q < short)
            {
                out.push(st_on(
                    "Short QT interval",
                    format!("QTc Bazett {:.0} ms{fr} < {short:.0} ms{few}", qtc.0),
                    f.interval_leads.qt.clone(),
                    Vec::new(),
                ));
            }
        }
    }
}

/// Left atrial abnormality from the P-wave duration.
fn left_atrial_abnormality(f: &Findings<'_>, out: &mut Vec<Statement>) {
    // Atrial abnormality from the P-wave duration (time criteria hold whatever the gains).
    if !f.atrial_fibrillation
        && f.flutter.is_none()
        && f.p_fraction >= 0.8
        && let Some(pd) = f.m.p_duration
        && pd.0 >= LAA_P_DURATION_MS
    {
        out.push(st_on(
            "Left atrial abnormality",
            format!(
                "P wave duration {:.0} ms >= {LAA_P_DURATION_MS:.0} (all-lead P onset to offset on the median beat)",
                pd.0
            ),
            f.interval_leads.p.clone(),
            Vec::new(),
        ));
    }
}

/// A QRS larger than this peak to peak (mV) in any lead is beyond what a human heart makes
/// at the body surface (the largest voltages of hypertrophy reach 6-8 mV in one lead): the
/// recording's calibration or unit is wrong (microvolts read as millivolts, a wrong gain in
/// a converted file), and its voltages are not criteria.
pub(crate) const QRS_BEYOND_PHYSIOLOGY_MV: f64 = 10.0;

/// Incomplete LBBB's LVH pattern is a voltage criterion: where voltages are not read, its
/// criterion names it as untested, and `why`.
fn lvh_pattern_untested(out: &mut [Statement], why: &str) {
    if let Some(s) = out.iter_mut().find(|s| s.text == INCOMPLETE_LBBB) {
        s.criterion = s.criterion.take().map(|c| {
            format!("{c}; the LVH pattern the AHA criteria also ask for is not tested ({why})")
        });
    }
}

/// Whether the leads' calibration is suspect: the limb leads fail the Einthoven check, or a
/// QRS is larger than any heart makes ([`QRS_BEYOND_PHYSIOLOGY_MV`]). A statement says so,
/// and no voltage criterion is applied.
fn calibration_suspect(f: &Findings<'_>, out: &mut Vec<Statement>) -> bool {
    let largest = f
        .amplitudes
        .iter()
        .filter_map(|a| mv(a.qrs_p2p).map(|v| (a.lead.clone(), v)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((lead, v)) = largest
        && v > QRS_BEYOND_PHYSIOLOGY_MV
    {
        lvh_pattern_untested(out, "calibration suspect");
        out.push(st_on(
            "QRS amplitude beyond the physiological range: calibration or unit suspect, voltage criteria not applied",
            format!(
                "QRS peak to peak {v:.1} mV in {lead} (> {QRS_BEYOND_PHYSIOLOGY_MV:.0} mV, larger than any heart makes at the body surface: check the recording's unit and gain)"
            ),
            vec![lead],
            Vec::new(),
        ));
        return true;
    }
    // Calibration: voltage criteria need leads on one calibration.
    // The limb leads the relations were checked in are its evidence: when one of them is
    // poor (off, saturated, noisy), the residual may be that lead's noise and not a gain, and
    // the quality step withholds the statement, naming why.
    if let Some(r) = f.limb_residual {
        lvh_pattern_untested(out, "lead gains suspect");
        out.push(st_on(
            "Limb leads inconsistent with Einthoven's law: lead gains suspect, voltage criteria not applied",
            format!(
                "III, aVR, aVL and aVF fitted on I and II over the averaged QRS depart from Einthoven's and Goldberger's relations by up to {:.0}% of the lead (> {:.0}%); the frontal axis uses the gain ratio of I to aVF fitted from aVF = a II + b I",
                100.0 * r,
                100.0 * crate::measure::EINTHOVEN_MAX_RESIDUAL
            ),
            present(f, &LeadLabel::STANDARD_12[..6]),
            Vec::new(),
        ));
        return true;
    }
    false
}

/// Voltage: low voltage, ventricular hypertrophy, the Romhilt-Estes score, right atrial
/// abnormality.
fn voltage_statements(
    f: &Findings<'_>,
    c: &BeatCounts,
    mode: Option<&PacingMode>,
    out: &mut Vec<Statement>,
) {
    let BeatCounts { n, paced, .. } = *c;
    // Voltage.
    let (limb, prec) = LeadLabel::STANDARD_12.split_at(6);
    let p2p = |ls: &[LeadLabel]| -> Option<f64> {
        let v: Vec<f64> = ls
            .iter()
            .filter_map(|l| of_lead(f.amplitudes, l).and_then(|a| mv(a.qrs_p2p)))
            .collect();
        (v.len() == ls.len()).then(|| v.iter().copied().fold(0.0, f64::max))
    };
    if let Some(mx) = p2p(limb)
        && mx < 0.5
    {
        out.push(st_on(
            "Low QRS voltage in limb leads",
            format!("largest limb-lead QRS {mx:.2} mV < 0.5 mV"),
            limb.to_vec(),
            Vec::new(),
        ));
    }
    if let Some(mx) = p2p(prec)
        && mx < 1.0
    {
        out.push(st_on(
            "Low QRS voltage in precordial leads",
            format!("largest precordial QRS {mx:.2} mV < 1.0 mV"),
            prec.to_vec(),
            Vec::new(),
        ));
    }
    let r = |l: LeadLabel| of_lead(f.amplitudes, &l).and_then(|a| mv(a.r));
    let s = |l: LeadLabel| {
        of_lead(f.amplitudes, &l)
            .and_then(|a| mv(a.s))
            .map(f64::abs)
    };
    let mut lvh = Vec::new();
    let mut lvh_leads: Vec<LeadLabel> = Vec::new();
    if let (Some(sv1), Some(rv5), Some(rv6)) =
        (s(LeadLabel::V1), r(LeadLabel::V5), r(LeadLabel::V6))
    {
        let v = sv1 + rv5.max(rv6);
        if v >= 3.5 {
            lvh.push(format!("Sokolow-Lyon S(V1)+R(V5/V6) {v:.2} mV >= 3.5"));
            let r_lead = if rv5 >= rv6 {
                LeadLabel::V5
            } else {
                LeadLabel::V6
            };
            lvh_leads.extend([LeadLabel::V1, r_lead]);
        }
    }
    if let (Some(ravl), Some(sv3)) = (r(LeadLabel::AVL), s(LeadLabel::V3)) {
        let v = ravl + sv3;
        let limit = if f.sex == Sex::Female { 2.0 } else { 2.8 };
        if v > limit {
            lvh.push(format!("Cornell R(aVL)+S(V3) {v:.2} mV > {limit:.1}"));
            lvh_leads.extend([LeadLabel::AVL, LeadLabel::V3]);
        }
    }
    // A limb-lead criterion: read also without V3 (a limb-lead recording, a chest lead off).
    if let Some(ravl) = r(LeadLabel::AVL)
        && ravl >= 1.1
    {
        lvh.push(format!("R(aVL) {ravl:.2} mV >= 1.1"));
        lvh_leads.push(LeadLabel::AVL);
    }
    // Incomplete LBBB (AHA 2009) needs the LVH pattern besides the QRS, the late lateral R and
    // no lateral q: with calibrated leads, LVH by voltage; without it the statement is
    // withdrawn (a QRS of 110-119 ms is below the non-specific delay's stated 120 ms).
    // A child's voltages are larger than an adult's: the adult LVH criteria cannot tell the
    // pattern ([`crate::paediatric`]), which is named as untested.
    if f.age_years.is_some_and(crate::paediatric::is_child) {
        lvh_pattern_untested(
            out,
            "the adult voltage criteria do not apply under 16 years",
        );
    } else if let Some(k) = out.iter().position(|s| s.text == INCOMPLETE_LBBB) {
        if lvh.is_empty() {
            out.remove(k);
        } else if let Some(c) = out[k].criterion.take() {
            out[k].criterion = Some(format!("{c}; LVH pattern: {}", lvh.join("; ")));
        }
    }
    // The Romhilt-Estes score, where its QRS, axis and ST-T points are not those of a
    // conduction disorder or pacing.
    let conduction_confounds = paced * 2 > n
        || out.iter().any(|s| {
            ROMHILT_ESTES_CONFOUNDERS
                .iter()
                .any(|c| s.text.starts_with(c))
        });
    let score = (!conduction_confounds).then(|| {
        crate::romhilt_estes::score(&crate::romhilt_estes::Inputs {
            amplitudes: f.amplitudes,
            shapes: f.qrs_shapes,
            axis: f.m.axis.qrs.map(|a| a.0),
            qrs_ms: f.m.qrs.map(|q| q.0),
        })
    });
    let scored = |min: u32| score.as_ref().filter(|s| s.points >= min);
    if !lvh.is_empty() || scored(crate::romhilt_estes::LVH_POINTS).is_some() {
        let text = if lvh.is_empty() {
            "Left ventricular hypertrophy by Romhilt-Estes score"
        } else {
            "Left ventricular hypertrophy by voltage criteria"
        };
        // The score is named beside the voltage criteria once it has points.
        if let Some(sc) = scored(1) {
            lvh.push(sc.text());
            lvh_leads.extend(sc.leads.iter().cloned());
        }
        out.push(st_on(
            text,
            lvh.join("; "),
            with_leads(Vec::new(), &lvh_leads),
            Vec::new(),
        ));
    }
    if let (Some(rv1), Some(sv1), Some(qrs)) = (r(LeadLabel::V1), s(LeadLabel::V1), f.m.qrs)
        && rv1 >= 0.7
        && rv1 > sv1
        && qrs.0 < 120.0
    {
        out.push(st_on(
            "Right ventricular hypertrophy by voltage criteria",
            format!(
                "R(V1) {rv1:.2} mV >= 0.7 with R > S in V1, QRS {:.0} ms",
                qrs.0
            ),
            vec![LeadLabel::V1],
            Vec::new(),
        ));
    }

    // Right atrial abnormality from the P-wave height (a voltage criterion: after the
    // calibration check), on an organised, unpaced atrial rhythm.
    if !f.atrial_fibrillation
        && f.flutter.is_none()
        && f.p_fraction >= 0.8
        && mode.is_none()
        && let Some(s) = right_atrial_abnormality(f)
    {
        out.push(s);
    }
}

/// Repolarisation and Q waves ([`crate::repolarisation`]).
fn repolarisation_statements(f: &Findings<'_>, c: &BeatCounts, out: &mut Vec<Statement>) {
    let BeatCounts { n, paced, .. } = *c;
    // Repolarisation and Q waves ([`crate::repolarisation`]); voltage thresholds, so only
    // here, after the calibration check.
    let repolarisation = crate::repolarisation::statements(&crate::repolarisation::Inputs {
        amplitudes: f.amplitudes,
        shapes: f.qrs_shapes,
        end_qrs: f.end_qrs,
        sex: f.sex,
        age_years: f.age_years,
        qrs_ms: f.m.qrs.map(|q| q.0),
        paced: paced * 2 > n,
        atrial_waves: f.atrial_fibrillation || f.flutter.is_some(),
        prior: out,
        residual_mv: f.residual_mv,
    });
    out.extend(repolarisation);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rhythm statement of a regular sinus rhythm at `hr` bpm (P before every beat).
    fn rhythm_at(hr: f64) -> (String, String) {
        let m = Measurements {
            hr: Some(ecg::Bpm(hr)),
            ..Default::default()
        };
        let fids: Vec<usize> = (0..8).map(|k| 100 + k * 500).collect();
        let out = derive(&Findings {
            p_fraction: 1.0,
            rr_irregularity: Some(0.01),
            rr_median_change: Some(0.01),
            p_sinus_polarity: Some(true),
            p_inferior_inverted: Some(false),
            ..Findings::for_rule_test(&m, &[BeatClass::Normal; 8], &fids, 500.0)
        });
        let s = out
            .into_iter()
            .find(|s| s.text.starts_with("Sinus"))
            .expect("a sinus statement");
        (s.text, s.criterion.unwrap_or_default())
    }

    #[test]
    fn a_short_pr_on_one_or_two_leads_is_below_100_ms() {
        // Sinus rhythm with P waves before every beat: PR 110 ms is short on twelve leads,
        // not on two; 92 ms is short on two, and the criterion gives the bound's reason.
        let fids: Vec<usize> = (0..9).map(|k| 100 + k * 430).collect();
        let twelve = [const { LeadLabel::II }; 12];
        let two = [LeadLabel::II, LeadLabel::V5];
        let short = |pr: f64, leads: &[LeadLabel]| {
            let m = Measurements {
                hr: Some(ecg::Bpm(70.0)),
                pr: Some(ecg::Millis(pr)),
                ..Default::default()
            };
            derive(&Findings {
                p_fraction: 1.0,
                pr_robust_sd_ms: Some(5.0),
                rr_irregularity: Some(0.01),
                rr_median_change: Some(0.01),
                p_sinus_polarity: Some(true),
                leads,
                ..Findings::for_rule_test(&m, &[BeatClass::Normal; 9], &fids, 500.0)
            })
            .into_iter()
            .find(|s| s.text == "Short PR interval")
            .and_then(|s| s.criterion)
        };
        assert_eq!(short(110.0, &twelve).as_deref(), Some("PR 110 ms < 120"));
        assert_eq!(short(110.0, &two), None);
        let c = short(92.0, &two).expect("short on two leads");
        assert!(c.starts_with("PR 92 ms < 100 (on 2 lead(s)"), "{c}");
    }

    #[test]
    fn on_one_or_two_leads_a_qt_is_short_below_310_and_judged_on_a_t_wave_that_shows() {
        // Sinus rhythm at 60/min (Bazett's and Fridericia's QTc equal the QT).
        let fids: Vec<usize> = (0..9).map(|k| 100 + k * 500).collect();
        let twelve = [const { LeadLabel::II }; 12];
        let two = [LeadLabel::II, LeadLabel::V5];
        let lead = |l: LeadLabel, t_mv: f64| crate::measure::LeadAmplitudes {
            r: Some(ecg::Microvolts(1000.0)),
            t: Some(ecg::Microvolts(t_mv * 1000.0)),
            qrs_p2p: Some(ecg::Microvolts(1000.0)),
            ..crate::measure::LeadAmplitudes::unmeasured(l)
        };
        let qt_text = |qt: f64, leads: &[LeadLabel], t_mv: f64| {
            let m = Measurements {
                hr: Some(ecg::Bpm(60.0)),
                qt: Some(ecg::Millis(qt)),
                qtc: ecg::QtcSet {
                    bazett: Some(ecg::Millis(qt)),
                    fridericia: Some(ecg::Millis(qt)),
                    ..Default::default()
                },
                ..Default::default()
            };
            let amps: Vec<_> = leads.iter().map(|l| lead(l.clone(), t_mv)).collect();
            derive(&Findings {
                p_fraction: 1.0,
                pr_robust_sd_ms: Some(5.0),
                rr_irregularity: Some(0.01),
                rr_median_change: Some(0.01),
                p_sinus_polarity: Some(true),
                leads,
                amplitudes: &amps,
                ..Findings::for_rule_test(&m, &[BeatClass::Normal; 9], &fids, 500.0)
            })
            .into_iter()
            .find(|s| s.text.contains("QT"))
            .map(|s| format!("{}: {}", s.text, s.criterion.unwrap_or_default()))
        };
        // QTc 330 ms: short on twelve leads, not on two; 300 ms on two, with the reason.
        assert_eq!(
            qt_text(330.0, &twelve, 0.3).as_deref(),
            Some("Short QT interval: QTc Bazett 330 ms < 340 ms")
        );
        assert_eq!(qt_text(330.0, &two, 0.3), None);
        let c = qt_text(300.0, &two, 0.3).expect("short on two leads");
        assert!(c.contains("< 310 ms (on 2 lead(s)"), "{c}");
        // QTc 500 ms: prolonged on two leads with a T wave of 0.3 mV (30 % of the QRS), not
        // judged with one of 0.05 mV (5 %); on twelve leads the T's size does not matter.
        assert!(qt_text(500.0, &two, 0.3).is_some_and(|t| t.starts_with("Prolonged QT")));
        assert_eq!(qt_text(500.0, &two, 0.05), None);
        assert!(qt_text(500.0, &twelve, 0.05).is_some_and(|t| t.starts_with("Prolonged QT")));
    }

    #[test]
    fn rate_classes_follow_the_printed_whole_bpm() {
        // 59.7 bpm prints as 60: not bradycardia; 59.4 prints as 59: bradycardia.
        for (hr, text, rate) in [
            (59.7, "Sinus rhythm", "rate 60 bpm (60-100)"),
            (59.4, "Sinus bradycardia", "rate 59 bpm < 60"),
            (100.4, "Sinus rhythm", "rate 100 bpm (60-100)"),
            (100.6, "Sinus tachycardia", "rate 101 bpm > 100"),
            (72.0, "Sinus rhythm", "rate 72 bpm (60-100)"),
        ] {
            let (t, c) = rhythm_at(hr);
            assert_eq!(t, text, "{hr}: {c}");
            assert!(c.ends_with(rate), "{hr}: {c}");
        }
    }

    #[test]
    fn a_childs_sinus_tachycardia_starts_above_the_ages_upper_bound() {
        let at = |bpm: f64, age: f64| {
            let s = sinus_at_rate(Some(bpm), "P before 100% of QRS", "rate", Some(age))
                .expect("a rate");
            (s.text, s.criterion.unwrap_or_default())
        };
        // 8 years: 120/min normal, 125 tachycardia; 13 years: the adult 100.
        let (t, c) = at(120.0, 8.0);
        assert_eq!(t, "Sinus rhythm", "{c}");
        assert!(
            c.ends_with("rate 120 bpm (60-120: the APLS upper bound of a child's resting rate at 5-11 years; a rate slow for the age is judged only below 60)"),
            "{c}"
        );
        let (t, c) = at(125.0, 8.0);
        assert_eq!(t, "Sinus tachycardia", "{c}");
        assert!(
            c.ends_with(
                "rate 125 bpm > 120 (the APLS upper bound of a child's resting rate at 5-11 years)"
            ),
            "{c}"
        );
        assert_eq!(at(105.0, 13.0).0, "Sinus tachycardia");
        // By age band: 140 at 3 years, 150 at 1, 160 under 1.
        assert_eq!(at(138.0, 3.0).0, "Sinus rhythm");
        assert_eq!(at(145.0, 3.0).0, "Sinus tachycardia");
        assert_eq!(at(148.0, 1.5).0, "Sinus rhythm");
        assert_eq!(at(158.0, 0.5).0, "Sinus rhythm");
        assert_eq!(at(165.0, 0.5).0, "Sinus tachycardia");
        // Below 60 is bradycardia at any age.
        assert_eq!(at(55.0, 8.0).0, "Sinus bradycardia");
    }

    #[test]
    fn p_waves_before_most_beats_at_a_steady_pr_name_the_rhythm() {
        // P waves before 60-79 % of the beats: sinus when they sit at a steady PR before a
        // regular QRS (LUDB 12 at 0.8 x its gain: 78 %, "Undetermined rhythm" before).
        let m = Measurements {
            hr: Some(ecg::Bpm(53.0)),
            ..Default::default()
        };
        let fids: Vec<usize> = (0..9).map(|k| 100 + k * 560).collect();
        let rhythm = |p_fraction: f64, pr_sd: Option<f64>, irr: f64| {
            let out = derive(&Findings {
                p_fraction,
                pr_robust_sd_ms: pr_sd,
                rr_irregularity: Some(irr),
                rr_median_change: Some(0.01),
                p_sinus_polarity: Some(true),
                p_inferior_inverted: Some(false),
                ..Findings::for_rule_test(&m, &[BeatClass::Normal; 9], &fids, 500.0)
            });
            let s = &out[0];
            (s.text.clone(), s.criterion.clone().unwrap_or_default())
        };
        let (t, c) = rhythm(0.78, Some(8.0), 0.04);
        assert_eq!(t, "Sinus bradycardia", "{c}");
        assert!(
            c.starts_with("P before 78% of the dominant rhythm's QRS")
                && c.contains(">= 60% at a steady PR, robust SD 8 ms <= 20")
                && c.contains("irregularity 0.04 <= 0.10"),
            "{c}"
        );
        assert_eq!(rhythm(0.6, Some(20.0), 0.10).0, "Sinus bradycardia");
        // Negatives: fewer P waves, a PR that varies, an irregular RR, or P waves that are
        // not organised (no PR SD given).
        for (p, sd, irr) in [
            (0.55, Some(8.0), 0.04),
            (0.78, Some(25.0), 0.04),
            (0.78, Some(8.0), 0.15),
            (0.78, None, 0.04),
        ] {
            let (t, c) = rhythm(p, sd, irr);
            assert_eq!(t, "Undetermined rhythm", "{p} {sd:?} {irr}: {c}");
        }
        // Nor above 100 bpm, where 2:1 or 3:1 flutter not found has one wave at a fixed
        // interval before each QRS.
        let fast = Measurements {
            hr: Some(ecg::Bpm(130.0)),
            ..Default::default()
        };
        let out = derive(&Findings {
            p_fraction: 0.78,
            pr_robust_sd_ms: Some(8.0),
            rr_irregularity: Some(0.04),
            rr_median_change: Some(0.01),
            p_sinus_polarity: Some(true),
            p_inferior_inverted: Some(false),
            ..Findings::for_rule_test(&fast, &[BeatClass::Normal; 9], &fids, 500.0)
        });
        assert_eq!(out[0].text, "Undetermined rhythm");
        // At 80 % and more the PR's steadiness is not asked for.
        let (t, c) = rhythm(0.8, Some(35.0), 0.15);
        assert_eq!(t, "Sinus bradycardia", "{c}");
        assert!(!c.contains("steady PR"), "{c}");
    }

    #[test]
    fn sinus_arrhythmia_is_a_phasic_variation() {
        // Cycles (ms) that lengthen and shorten (respiratory), with the AHA range > 160 ms.
        for rr in [
            vec![790.0, 680.0, 870.0, 720.0, 810.0, 780.0],
            vec![690.0, 670.0, 720.0, 810.0, 890.0, 910.0, 860.0, 720.0],
        ] {
            assert!(range_ms(&rr) > SINUS_ARRHYTHMIA_MS && phasic(&rr), "{rr:?}");
        }
        // A one-way change of rate (LUDB 58), and swings under 80 ms, are not phasic.
        assert!(!phasic(&[
            1000.0, 1006.0, 1004.0, 964.0, 962.0, 926.0, 838.0, 854.0
        ]));
        assert!(!phasic(&[800.0, 860.0, 790.0, 850.0, 800.0]));
        // Through `derive`: the same range, phasic or one way.
        assert!(states_sinus_arrhythmia(
            &[800.0, 700.0, 880.0, 720.0, 820.0, 780.0],
            &[]
        ));
        assert!(!states_sinus_arrhythmia(
            &[1000.0, 1000.0, 960.0, 920.0, 880.0, 830.0],
            &[]
        ));
    }

    /// Whether a sinus rhythm of normal beats at the RR intervals `rr` (ms, at 500 Hz), each
    /// beat after a P wave at the dominant PR or not (`at_dominant_pr`, empty: unknown),
    /// states sinus arrhythmia.
    fn states_sinus_arrhythmia(rr: &[f64], at_dominant_pr: &[bool]) -> bool {
        let mut fids = vec![100usize];
        for r in rr {
            fids.push(fids[fids.len() - 1] + (r / 2.0) as usize);
        }
        let m = Measurements {
            hr: Some(ecg::Bpm(70.0)),
            ..Default::default()
        };
        let classes = vec![BeatClass::Normal; fids.len()];
        derive(&Findings {
            p_fraction: 1.0,
            rr_irregularity: Some(0.05),
            rr_median_change: Some(0.04),
            p_sinus_polarity: Some(true),
            p_inferior_inverted: Some(false),
            at_dominant_pr,
            ..Findings::for_rule_test(&m, &classes, &fids, 500.0)
        })
        .into_iter()
        .any(|s| s.text == "Sinus arrhythmia")
    }

    #[test]
    fn a_beat_without_a_p_wave_at_the_dominant_pr_ends_and_starts_no_sinus_cycle() {
        // Sinus at 800 ms with one late ventricular beat the classification called normal
        // (at 600 ms, its pause 1000 ms): a range of 400 ms, phasic, from that beat alone.
        let rr = [800.0, 790.0, 810.0, 600.0, 1000.0, 800.0, 805.0, 795.0];
        // Every beat after a P wave at the dominant PR: read as a swing of the sinus cycle.
        assert!(states_sinus_arrhythmia(&rr, &[true; 9]));
        // The ventricular beat (the fifth) has none: no sinus cycle ends or starts at it.
        let mut at_pr = [true; 9];
        at_pr[4] = false;
        assert!(!states_sinus_arrhythmia(&rr, &at_pr));
    }
}
