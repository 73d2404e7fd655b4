//! Repolarisation and ischaemia statements: ST elevation, ST depression, T-wave inversion and
//! pathological Q waves, read per lead on the median beat and stated when two anatomically
//! contiguous leads meet the criterion, with the territory and the leads named.
//!
//! Criteria (Fourth Universal Definition of Myocardial Infarction, Thygesen et al. 2018,
//! "ECG manifestations of acute myocardial ischaemia (in absence of LVH and LBBB)" and "ECG
//! changes associated with prior myocardial infarction (in the absence of QRS confounders)"):
//! - ST elevation: new ST elevation at the J point in two contiguous leads, >= 0.1 mV
//!   ([`STE_MV`]) in all leads other than V2-V3; in V2-V3 >= 0.2 mV for men >= 40
//!   years, >= 0.25 mV for men < 40 years, >= 0.15 mV for women ([`STE_V2V3`]). With the sex, or a
//!   man's age, unknown the men >= 40 threshold (0.2 mV) is used and the criterion says so.
//!   Stated as "consider acute myocardial injury": the ECG alone does not make the diagnosis.
//! - ST elevation in the extra chest leads, where they were recorded: at least 0.05 mV
//!   ([`STE_EXTRA_MV`]) at the J point in two neighbouring posterior leads (V7-V8, V8-V9; at
//!   least 0.1 mV for men < 40 years), "ST elevation, posterior"; or in two neighbouring
//!   right-sided leads (V3R-V4R, V4R-V5R; at least 0.1 mV for men < 30 years), "ST
//!   elevation, right ventricular". With the sex, or a man's age, unknown the 0.05-mV
//!   threshold is used and the criterion says so. The twelve standard leads' criteria do not
//!   read these leads.
//! - ST depression: new horizontal or downsloping ST depression >= 0.05 mV ([`STD_MV`]) at
//!   the J point in two contiguous leads; horizontal or downsloping means the level 60 ms
//!   after J is not above the J level. Stated as "consider ischaemia"; beside a stated ST
//!   elevation the criterion notes that it may be reciprocal. In two or more of V1-V3,
//!   where V7-V9 were not recorded, the criterion adds that it may be posterior injury (an
//!   ST-elevation equivalent, the more so with an upright T) and that V7-V9 would show it
//!   ([`posterior_note`]).
//! - T-wave inversion: T inversion > 0.1 mV ([`TWI_MV`]) in two contiguous leads with a
//!   prominent R wave or R/S ratio > 1 (here: R larger than |S|). aVR and V1, where an inverted
//!   T is normal, never count; III counts only with a contiguous partner (II or aVF).
//! - Pathological Q waves (prior MI): any Q wave >= 20 ms ([`Q_V2V3_MS`]) or a QS complex in
//!   V2-V3 (here also >= 0.1 mV deep, [`Q_V2V3_MV`], stricter than the UDMI); a Q wave >= 30 ms ([`Q_MS`]) and >= 0.1 mV deep ([`Q_MV`]) or a QS complex in I,
//!   II, aVL, aVF or V4-V6; in two leads of one contiguous grouping (I, aVL; V1-V6; II, III,
//!   aVF). Stated as "consider prior myocardial infarction". The Q width is the first
//!   (negative) deflection of the QRS on the median beat from zero crossing to zero crossing
//!   ([`crate::conduction::QrsShape`]); a QS complex is a QRS with no positive deflection.
//!
//! Contiguous leads for the ST and T criteria: inferior II, III, aVF; lateral I, aVL, V5, V6;
//! septal V1, V2; anterior V3, V4; and neighbouring precordial leads (V1-V2, ..., V5-V6). aVR
//! is in no group. The territory named is the set of groups the stated leads fall in
//! (e.g. anteroseptal for V1-V4).
//!
//! Levels are the per-lead amplitudes of [`crate::measure`]: relative to the PR-segment (PQ)
//! level, read on a median of the beats each levelled on the line through its PQ level and
//! the next beat's ([`crate::measure::levelled_median`]: a wandering baseline moves them
//! alike), the J point
//! being where the QRS of the median beat ends ([`crate::measure::qrs_end`]:
//! past a terminal S or R' that outlasts the other leads, so ST is not read on the S wave). A lead without a
//! measurable J point (or QRS) never counts.
//!
//! When they are not stated:
//! - All four: when the lead gains are suspect (limb leads breaking Einthoven's law), since
//!   every threshold is an absolute voltage; the caller ([`crate::statements::derive`]) returns
//!   before this module then.
//! - ST elevation, ST depression, T inversion: in a paced rhythm, in complete LBBB or RBBB, or
//!   with QRS >= 120 ms for any reason ([`QRS_WIDE_MS`]), and with left ventricular
//!   hypertrophy by voltage. Abnormal ventricular depolarisation brings secondary ST-T changes
//!   (ST elevation with deep S waves in V1-V3 in LBBB and pacing, ST depression and T
//!   inversion in the leads with the terminal delay or the hypertrophied wall) that exceed
//!   these thresholds without ischaemia; the Fourth Universal Definition gives them for the
//!   absence of LVH and LBBB, and reading injury under these confounders needs other rules
//!   (e.g. Sgarbossa's) that this module does not apply.
//! - ST elevation in one lead: where the lead's median beat keeps noise beyond a quarter of
//!   the lead's threshold ([`STE_MAX_RESIDUAL_OF_LIMIT`], [`Inputs::residual_mv`]) and the
//!   level does not clear the threshold by twice that noise.
//! - Pathological Q waves: in a paced rhythm, in complete LBBB and in pre-excitation (the QRS
//!   confounders that change the initial QRS forces); RBBB leaves the initial forces and so
//!   the Q criteria intact. Nor with a QRS >= 120 ms and no atrial rhythm found (undetermined
//!   rhythm) without complete RBBB: a wide QRS with no P waves before it may be ventricular
//!   (an idioventricular or accelerated idioventricular rhythm), whose QS complexes are not
//!   infarct Q waves.
//!
//! Early repolarisation pattern (Macfarlane et al., "The Early Repolarization Pattern: A
//! Consensus Paper", JACC 2015;66:470-7): an end-QRS notch (a positive deflection inscribed on
//! the terminal QRS downslope, lying entirely above the baseline) or slur (an abrupt change in
//! slope of the terminal QRS downslope, beginning above the baseline) on the R-wave downslope,
//! its peak or onset (Jp) >= 0.1 mV ([`ER_JP_MV`]) in two contiguous leads other than V1-V3
//! (inferior II, III, aVF; lateral I, aVL, V4-V6; aVR never counts), with a QRS < 120 ms. The
//! ST segment after Jp is described as the consensus does: ascending when the level 100 ms
//! after Jp is more than 0.1 mV ([`ST_ASCENDING_MV`]) above Jp, horizontal/descending
//! otherwise. Stated as "consider in clinical context": a normal variant in most. Read on each
//! lead's median beat (the 0.5-40 Hz analysis copy, as the QRS shapes) against its PQ level by
//! [`end_qrs_notch_or_slur`]:
//! - notch: after the R peak (the QRS's largest positive value) the downslope reaches a local
//!   minimum still above the PQ level and in the lower half of the R, rises again by at least
//!   [`NOTCH_MIN_MV`] to Jp and falls by at least [`NOTCH_FALL_MIN_MV`] within 40 ms after it
//!   without going on into a negative wave within 20 ms (then it is an R-S-r' or a notched R,
//!   not an end-QRS notch);
//! - slur: the downslope's slope falls abruptly (below a third of its steepest) above the PQ
//!   level and in the lower half of the R, then the QRS keeps descending at a gentler, steady
//!   slope (at least 2 mV/s and a fifteenth of the steepest) for 12-50 ms and by at least
//!   [`SLUR_MIN_DROP_MV`], the second half of that stretch at least half as steep as the
//!   first, without going on into a negative wave within 20 ms: a smooth, rounded return of a
//!   Gaussian or exponential downslope into the ST segment is no slur, nor is an ST segment
//!   descending into an inverted T (longer than 50 ms).
//!
//! Jp may lie up to 40 ms past the lead's QRS end (the QRS end can fall at the notch's start).
//! Not stated: in a paced rhythm, in atrial fibrillation or flutter (their waves ride on the end
//! of the QRS: a flutter wave on the inferior R downslope is a slur or notch to this reading,
//! as on LUDB 52), with QRS >= 120 ms, beside a stated bundle-branch block or
//! pre-excitation, beside a stated ST elevation (then "consider acute myocardial injury" is the
//! reading offered, not a benign variant; the two are never stated together), when the gains
//! are suspect (as all the statements here), and (by [`crate::quality`], as every statement
//! resting on a poor lead) when one of its leads is noisy.

use ecg::{Evidence, LeadLabel, Sex, Statement, StatementState};

use crate::conduction::QrsShape;
use crate::delineate::ms;
use crate::measure::{LeadAmplitudes, baseline, mv, of_lead};

/// ST elevation at J in leads other than V2-V3 (mV, at least).
pub(crate) const STE_MV: f64 = 0.1;
/// A lead's ST level counts towards ST elevation where its median beat's residual noise
/// ([`Inputs::residual_mv`]) is at most this fraction of the lead's threshold (0.025 mV
/// against 0.1 mV; the dev split's leads keep at most 0.021, 99 % of them under 0.015), or
/// where the level clears the threshold by twice that noise.
pub(crate) const STE_MAX_RESIDUAL_OF_LIMIT: f64 = 0.25;
/// ST elevation at J in V2-V3, men >= 40 years (and unknown sex or age) (mV, at least).
pub(crate) const STE_V2V3_MEN_40_MV: f64 = 0.2;
/// ST elevation at J in V2-V3, men < 40 years (mV, at least).
pub(crate) const STE_V2V3_MEN_UNDER_40_MV: f64 = 0.25;
/// ST elevation at J in V2-V3, women (mV, at least).
pub(crate) const STE_V2V3_WOMEN_MV: f64 = 0.15;
/// ST elevation at J in the posterior (V7-V9) and right-sided (V3R-V5R) leads (mV, at least;
/// twice that for young men: [`EXTRA_STE_GROUPS`]).
pub(crate) const STE_EXTRA_MV: f64 = 0.05;
/// ST depression at J (mV, at least).
pub(crate) const STD_MV: f64 = 0.05;
/// T-wave inversion (mV, deeper than).
pub(crate) const TWI_MV: f64 = 0.1;
/// Q wave width in V2-V3 (ms, at least).
pub(crate) const Q_V2V3_MS: f64 = 20.0;
/// Q wave depth in V2-V3 (mV, at least). The UDMI counts any Q wave there; a small septal q
/// measured from zero crossing to zero crossing on the median beat can reach 20 ms (a Welch
/// Allyn file its device reads as a normal variant: V2 0.06 mV, V3 0.09 mV), so a Q must also
/// be 0.1 mV deep here, as in the other leads.
pub(crate) const Q_V2V3_MV: f64 = 0.1;
/// Q wave width in I, II, aVL, aVF, V4-V6 (ms, at least) ...
pub(crate) const Q_MS: f64 = 30.0;
/// ... and depth (mV, at least).
pub(crate) const Q_MV: f64 = 0.1;
/// QRS duration from which the ST-T criteria are not applied (ms).
pub(crate) const QRS_WIDE_MS: f64 = 120.0;

/// Jp of the early repolarisation pattern (mV, at least).
pub(crate) const ER_JP_MV: f64 = 0.1;
/// A notch rises from the dip before it by at least this (mV): half a millimetre at the
/// standard 10 mm/mV, the smallest deflection a reader sees on paper ...
pub(crate) const NOTCH_MIN_MV: f64 = 0.05;
/// ... and falls after its peak by at least this (mV), so it is a peak and not the ST segment
/// or T wave rising on.
pub(crate) const NOTCH_FALL_MIN_MV: f64 = 0.02;
/// A slur descends by at least this (mV) from Jp to its end.
pub(crate) const SLUR_MIN_DROP_MV: f64 = 0.05;
/// ST 100 ms after Jp more than this above Jp: an ascending ST segment (mV).
pub(crate) const ST_ASCENDING_MV: f64 = 0.1;
/// How far past a lead's QRS end Jp may lie (ms).
const JP_AFTER_QRS_END_MS: f64 = 40.0;
/// After a notch's peak the fall is looked for over this long (ms).
const NOTCH_FALL_MS: f64 = 40.0;
/// Within [`TERMINAL_WAVE_MS`] after a notch's peak or a slur's end the QRS must not go on
/// below the PQ level by more than this (mV): a negative wave there (R, notch, S) makes the
/// notch a mid-QRS one.
const TERMINAL_NEGATIVE_MV: f64 = 0.05;
/// See [`TERMINAL_NEGATIVE_MV`] (ms).
const TERMINAL_WAVE_MS: f64 = 20.0;
/// A slur begins where the downslope's slope falls below this fraction of its steepest ...
const SLUR_KNEE_FRACTION: f64 = 1.0 / 3.0;
/// ... and descends on at no less than this fraction of the steepest ...
const SLUR_MIN_FRACTION: f64 = 1.0 / 15.0;
/// ... and at least this slope (mV/s) ...
const SLUR_MIN_SLOPE_MV_S: f64 = 2.0;
/// ... for this long (ms, from-to).
const SLUR_MS: (f64, f64) = (12.0, 50.0);

/// How the terminal QRS downslope is interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndQrsKind {
    /// A positive deflection on the downslope, above the PQ level.
    Notch,
    /// An abrupt change to a gentler slope, beginning above the PQ level.
    Slur,
}

impl EndQrsKind {
    fn name(self) -> &'static str {
        match self {
            EndQrsKind::Notch => "notch",
            EndQrsKind::Slur => "slur",
        }
    }
}

/// An end-QRS notch or slur of one lead's median beat ([`end_qrs_notch_or_slur`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EndQrs {
    /// The lead.
    pub lead: LeadLabel,
    /// Notch or slur.
    pub kind: EndQrsKind,
    /// Jp, the notch's peak or the slur's onset: mV from the PQ level.
    pub jp_mv: f64,
    /// Jp: ms from the QRS onset.
    pub jp_ms: f64,
    /// ST level 100 ms after Jp (mV from the PQ level; `None` past the median beat's end).
    pub st_100_mv: Option<f64>,
}

impl EndQrs {
    /// The ST segment after Jp is ascending (more than [`ST_ASCENDING_MV`] above Jp 100 ms
    /// later); `None` when the level there is not known.
    pub fn ascending(&self) -> Option<bool> {
        self.st_100_mv.map(|s| s - self.jp_mv > ST_ASCENDING_MV)
    }
}

/// The end-QRS notch of the downslope of `y` from the R peak `r` (value `rv`), its Jp no
/// later than `lim`; `n` samples in all.
fn notch(
    y: &dyn Fn(usize) -> f64,
    r: usize,
    rv: f64,
    lim: usize,
    n: usize,
    fs: f64,
) -> Option<usize> {
    let fall = ms(fs, NOTCH_FALL_MS);
    let mut k = r;
    loop {
        // Down to the next local minimum.
        while k < lim && y(k + 1) <= y(k) {
            k += 1;
        }
        let dip = k;
        if dip >= lim || y(dip) <= 0.0 {
            // Back at the PQ level before any notch, or no minimum before the limit.
            return None;
        }
        // Up to the next local maximum.
        while k < n - 1 && y(k + 1) > y(k) {
            k += 1;
        }
        let jp = k;
        if jp > lim {
            // Still rising at the limit: the ST segment or the T wave.
            return None;
        }
        let low_over = |len: usize| {
            (jp..=(jp + len).min(n - 1))
                .map(y)
                .fold(f64::INFINITY, f64::min)
        };
        let (rise, drop) = (y(jp) - y(dip), y(jp) - low_over(fall));
        if rise >= NOTCH_MIN_MV && drop >= NOTCH_FALL_MIN_MV {
            // A notch: the end-QRS one when low on the R and not followed by a negative wave.
            let terminal = low_over(ms(fs, TERMINAL_WAVE_MS)) >= -TERMINAL_NEGATIVE_MV;
            return (y(dip) <= rv / 2.0 && terminal).then_some(jp);
        }
        if jp >= lim {
            return None;
        }
    }
}

/// The onset of an end-QRS slur on the downslope of `y` from the R peak `r` (value `rv`), no
/// later than `lim`; `n` samples in all.
fn slur(
    y: &dyn Fn(usize) -> f64,
    r: usize,
    rv: f64,
    lim: usize,
    n: usize,
    fs: f64,
) -> Option<usize> {
    let h = ms(fs, 2.0);
    if r < h || r + 2 * h >= n {
        return None;
    }
    // Slope (mV per sample, positive descending) over ±2 ms.
    let slope = |k: usize| (y(k - h) - y(k + h)) / (2 * h) as f64;
    let last = n - 1 - h;
    // The descent: from the R peak while falling, above the PQ level.
    let mut e = r;
    while e < last && y(e + 1) < y(e) && y(e) > 0.0 {
        e += 1;
    }
    let (steep, smax) = (r.max(h)..=e.min(last))
        .map(|k| (k, slope(k)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    if smax <= 0.0 {
        return None;
    }
    let knee = (steep..=e.min(last)).find(|&k| slope(k) <= SLUR_KNEE_FRACTION * smax)?;
    if knee > lim || y(knee) <= 0.0 || y(knee) > rv / 2.0 {
        return None;
    }
    let lo = (SLUR_MIN_FRACTION * smax).max(SLUR_MIN_SLOPE_MV_S / fs);
    let (min_len, max_len) = (ms(fs, SLUR_MS.0), ms(fs, SLUR_MS.1));
    let mut je = knee;
    while je < last && je - knee <= max_len && slope(je) >= lo {
        je += 1;
    }
    let len = je - knee;
    if len < min_len || len > max_len {
        return None;
    }
    // A steady slope: the second half of the slur at least half as steep as the first.
    let mid = knee + len / 2;
    let s1 = (y(knee) - y(mid)) / (mid - knee) as f64;
    let s2 = (y(mid) - y(je)) / (je - mid) as f64;
    let after = (je..=(je + ms(fs, TERMINAL_WAVE_MS)).min(n - 1))
        .map(y)
        .fold(f64::INFINITY, f64::min);
    (s2 >= 0.5 * s1 && y(knee) - y(je) >= SLUR_MIN_DROP_MV && after >= -TERMINAL_NEGATIVE_MV)
        .then_some(knee)
}

/// Reads an end-QRS notch or slur (Macfarlane et al. 2015; module doc) on the median beat `m`
/// (mV) of `lead`, its QRS from the global onset `on` to this lead's end `end`
/// ([`crate::measure::QrsEnd::leads`]); `None` without one.
pub(crate) fn end_qrs_notch_or_slur(
    lead: LeadLabel,
    m: &[f64],
    on: usize,
    end: usize,
    fs: f64,
) -> Option<EndQrs> {
    if on >= end || end >= m.len() {
        return None;
    }
    let b = baseline(m, on, fs);
    let y = |k: usize| m[k] - b;
    let n = m.len();
    let lim = (end + ms(fs, JP_AFTER_QRS_END_MS)).min(n - 1);
    let (r, rv) = (on..=end)
        .map(|k| (k, y(k)))
        .max_by(|a, c| a.1.total_cmp(&c.1))?;
    if rv <= 0.0 {
        return None;
    }
    let (kind, jp) = match notch(&y, r, rv, lim, n, fs) {
        Some(jp) => (EndQrsKind::Notch, jp),
        None => (EndQrsKind::Slur, slur(&y, r, rv, lim, n, fs)?),
    };
    Some(EndQrs {
        lead,
        kind,
        jp_mv: y(jp),
        jp_ms: (jp - on) as f64 * 1000.0 / fs,
        st_100_mv: m.get(jp + ms(fs, 100.0)).map(|v| v - b),
    })
}

/// What the repolarisation rules look at.
pub(crate) struct Inputs<'a> {
    /// Per-lead amplitudes on the median beat.
    pub amplitudes: &'a [LeadAmplitudes],
    /// QRS shapes of the median beats.
    pub shapes: &'a [QrsShape],
    /// End-QRS notches and slurs of the median beats (leads without one are absent).
    pub end_qrs: &'a [EndQrs],
    /// Patient sex.
    pub sex: Sex,
    /// Patient age (years).
    pub age_years: Option<f64>,
    /// Global QRS duration (ms).
    pub qrs_ms: Option<f64>,
    /// More than half the beats are paced.
    pub paced: bool,
    /// Fibrillation or flutter waves: they ride on the end of the QRS and the ST segment.
    pub atrial_waves: bool,
    /// The statements derived so far (conduction and hypertrophy are read from their texts).
    pub prior: &'a [Statement],
    /// Each lead's median-beat residual noise (mV; [`crate::quality::LeadQuality`]).
    pub residual_mv: &'a [(LeadLabel, f64)],
}

/// Standard lead order, for listing leads.
const ORDER: [LeadLabel; 12] = LeadLabel::STANDARD_12;

/// Contiguous groups for the ST and T criteria.
const ST_GROUPS: [&[LeadLabel]; 4] = [
    &[LeadLabel::II, LeadLabel::III, LeadLabel::AVF],
    &[LeadLabel::I, LeadLabel::AVL, LeadLabel::V5, LeadLabel::V6],
    &[LeadLabel::V1, LeadLabel::V2],
    &[LeadLabel::V3, LeadLabel::V4],
];

/// Contiguous groupings of the Q-wave criteria (Fourth Universal Definition).
const Q_GROUPS: [&[LeadLabel]; 3] = [
    &[LeadLabel::I, LeadLabel::AVL],
    &[
        LeadLabel::V1,
        LeadLabel::V2,
        LeadLabel::V3,
        LeadLabel::V4,
        LeadLabel::V5,
        LeadLabel::V6,
    ],
    &[LeadLabel::II, LeadLabel::III, LeadLabel::AVF],
];

fn precordial_index(l: &LeadLabel) -> Option<usize> {
    ORDER[6..].iter().position(|x| x == l)
}

/// Whether two leads are contiguous for the ST and T criteria.
fn st_contiguous(a: &LeadLabel, b: &LeadLabel) -> bool {
    if a == b {
        return false;
    }
    if let (Some(i), Some(j)) = (precordial_index(a), precordial_index(b))
        && i.abs_diff(j) == 1
    {
        return true;
    }
    ST_GROUPS.iter().any(|g| g.contains(a) && g.contains(b))
}

/// Whether two leads are in one grouping of the Q-wave criteria.
fn q_contiguous(a: &LeadLabel, b: &LeadLabel) -> bool {
    a != b && Q_GROUPS.iter().any(|g| g.contains(a) && g.contains(b))
}

/// The leads of `hits` with a contiguous partner among them, in standard order.
fn contiguous_hits(
    hits: &[LeadLabel],
    contiguous: fn(&LeadLabel, &LeadLabel) -> bool,
) -> Vec<LeadLabel> {
    ORDER
        .iter()
        .filter(|l| hits.contains(l) && hits.iter().any(|o| contiguous(l, o)))
        .cloned()
        .collect()
}

/// The territory of a set of leads: inferior, septal, anterior, lateral and their usual
/// combinations (anteroseptal, anterolateral, inferolateral, extensive anterior).
pub(crate) fn territory(leads: &[LeadLabel]) -> String {
    let has = |g: &[LeadLabel]| leads.iter().any(|l| g.contains(l));
    let inferior = has(ST_GROUPS[0]);
    let lateral = has(ST_GROUPS[1]);
    let septal = has(ST_GROUPS[2]);
    let anterior = has(ST_GROUPS[3]);
    let front = match (septal, anterior, lateral) {
        (true, true, true) => Some("extensive anterior"),
        (true, true, false) => Some("anteroseptal"),
        (false, true, true) => Some("anterolateral"),
        (true, false, true) => Some("septal and lateral"),
        (true, false, false) => Some("septal"),
        (false, true, false) => Some("anterior"),
        (false, false, true) => Some("lateral"),
        (false, false, false) => None,
    };
    match (inferior, front) {
        (true, Some("lateral")) => "inferolateral".into(),
        (true, Some(f)) => format!("inferior and {f}"),
        (true, None) => "inferior".into(),
        (false, Some(f)) => f.into(),
        (false, None) => String::new(),
    }
}

fn names(leads: &[LeadLabel]) -> String {
    leads
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn statement(kind: &str, leads: Vec<LeadLabel>, criterion: String) -> Statement {
    statement_in(kind, &territory(&leads), leads, criterion)
}

/// "`kind`, `territory` (leads)" with its criterion, resting on `leads`.
fn statement_in(
    kind: &str,
    territory: &str,
    leads: Vec<LeadLabel>,
    criterion: String,
) -> Statement {
    Statement {
        text: format!("{kind}, {territory} ({})", names(&leads)),
        criterion: Some(criterion),
        state: StatementState::Suggested,
        evidence: Evidence {
            leads,
            beats: Vec::new(),
        },
    }
}

/// An ST-elevation threshold at J that depends on the sex and a man's age (Fourth Universal
/// Definition of MI): for women, for men under `young_under` years, and for other men (also
/// taken when the sex, or a man's age, is unknown).
pub(crate) struct SteBySexAge {
    women: f64,
    young_men: f64,
    men: f64,
    young_under: f64,
}

/// V2-V3's threshold.
pub(crate) const STE_V2V3: SteBySexAge = SteBySexAge {
    women: STE_V2V3_WOMEN_MV,
    young_men: STE_V2V3_MEN_UNDER_40_MV,
    men: STE_V2V3_MEN_40_MV,
    young_under: 40.0,
};

impl SteBySexAge {
    /// The threshold (mV) for a patient, and how it was chosen.
    pub(crate) fn mv(&self, sex: Sex, age_years: Option<f64>) -> (f64, String) {
        let y = self.young_under;
        match (sex, age_years) {
            (Sex::Female, _) => (self.women, "women".into()),
            (Sex::Male, Some(a)) if a < y => (self.young_men, format!("men < {y:.0} years")),
            (Sex::Male, Some(_)) => (self.men, format!("men >= {y:.0} years")),
            (Sex::Male, None) => (
                self.men,
                format!("men >= {y:.0} years, used as the age is unknown"),
            ),
            (Sex::Unknown, _) => (
                self.men,
                format!("men >= {y:.0} years, used as the sex is unknown"),
            ),
        }
    }
}

/// Whether lead `l`'s ST level `v` counts against the elevation threshold `limit`: its median
/// beat's residual noise ([`Inputs::residual_mv`]) is at most [`STE_MAX_RESIDUAL_OF_LIMIT`] of
/// the threshold, or the level clears the threshold by twice that noise.
fn clears_its_noise(residual_mv: &[(LeadLabel, f64)], l: &LeadLabel, v: f64, limit: f64) -> bool {
    residual_mv
        .iter()
        .find(|(x, _)| x == l)
        .is_none_or(|&(_, r)| r <= STE_MAX_RESIDUAL_OF_LIMIT * limit || v - 2.0 * r >= limit)
}

/// The extra chest leads' ST-elevation territories: the leads in their order around the
/// chest (neighbours are contiguous), the territory named, and the threshold: 0.05 mV
/// ([`STE_EXTRA_MV`]), 0.1 mV for men under 30 years on the right and under 40 posteriorly
/// (Fourth Universal Definition of MI).
const EXTRA_STE_GROUPS: [(&[LeadLabel], &str, SteBySexAge); 2] = [
    (
        &[LeadLabel::V3R, LeadLabel::V4R, LeadLabel::V5R],
        "right ventricular",
        SteBySexAge {
            women: STE_EXTRA_MV,
            young_men: 2.0 * STE_EXTRA_MV,
            men: STE_EXTRA_MV,
            young_under: 30.0,
        },
    ),
    (
        &[LeadLabel::V7, LeadLabel::V8, LeadLabel::V9],
        "posterior",
        SteBySexAge {
            women: STE_EXTRA_MV,
            young_men: 2.0 * STE_EXTRA_MV,
            men: STE_EXTRA_MV,
            young_under: 40.0,
        },
    ),
];

/// Lead values formatted as "V2 0.21, V3 0.25".
fn values(leads: &[LeadLabel], v: &dyn Fn(&LeadLabel) -> Option<f64>, unit: &str) -> String {
    leads
        .iter()
        .filter_map(|l| v(l).map(|x| format!("{l} {x:.2}{unit}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The early repolarisation pattern (module doc), unless the rhythm is paced, fibrillation or
/// flutter waves ride on the QRS, the QRS is confounded (`confounded`: a bundle-branch block or
/// pre-excitation stated, or QRS >= 120 ms) or an ST elevation is among the statements so far
/// (`so_far`).
fn early_repolarisation(
    i: &Inputs<'_>,
    confounded: bool,
    so_far: &[Statement],
) -> Option<Statement> {
    if i.paced
        || i.atrial_waves
        || confounded
        || so_far.iter().any(|s| s.text.starts_with("ST elevation"))
    {
        return None;
    }
    let qrs = i.qrs_ms?;
    let at = |l: &LeadLabel| i.end_qrs.iter().find(|e| &e.lead == l);
    let hits: Vec<LeadLabel> = ORDER
        .iter()
        .filter(|l| {
            !matches!(
                l,
                LeadLabel::AVR | LeadLabel::V1 | LeadLabel::V2 | LeadLabel::V3
            )
        })
        .filter(|l| at(l).is_some_and(|e| e.jp_mv >= ER_JP_MV - 1e-9))
        .cloned()
        .collect();
    let leads = contiguous_hits(&hits, st_contiguous);
    if leads.is_empty() {
        return None;
    }
    let inferior = leads.iter().any(|l| ST_GROUPS[0].contains(l));
    let lateral = leads.iter().any(|l| !ST_GROUPS[0].contains(l));
    let region = match (inferior, lateral) {
        (true, true) => "inferolateral",
        (true, false) => "inferior",
        _ => "lateral",
    };
    let each: Vec<String> = leads
        .iter()
        .filter_map(at)
        .map(|e| format!("{} {} Jp {:.2} mV", e.lead, e.kind.name(), e.jp_mv))
        .collect();
    let slope_of = |ascending: bool| -> Vec<LeadLabel> {
        leads
            .iter()
            .filter(|l| at(l).and_then(EndQrs::ascending) == Some(ascending))
            .cloned()
            .collect()
    };
    let mut st = Vec::new();
    for (ascending, name) in [(true, "ascending"), (false, "horizontal/descending")] {
        let these = slope_of(ascending);
        if !these.is_empty() {
            let levels = values(
                &these,
                &|l: &LeadLabel| at(l).and_then(|e| e.st_100_mv),
                " mV",
            );
            st.push(format!("{name} in {}", levels));
        }
    }
    let st = if st.is_empty() {
        String::new()
    } else {
        format!(
            "; ST segment after Jp {} (ST 100 ms after Jp; ascending when more than {ST_ASCENDING_MV:.1} mV above Jp)",
            st.join(", ")
        )
    };
    let crit = format!(
        "consider in clinical context; end-QRS notch or slur on the R-wave downslope with Jp >= {ER_JP_MV:.2} mV in two contiguous leads other than V1-V3 (Macfarlane et al. 2015 consensus), {region}: {}{st}; QRS {qrs:.0} ms < {QRS_WIDE_MS:.0}; a normal variant in most",
        each.join(", "),
    );
    Some(Statement {
        text: EARLY_REPOLARISATION.into(),
        criterion: Some(crit),
        state: StatementState::Suggested,
        evidence: Evidence {
            leads,
            beats: Vec::new(),
        },
    })
}

/// The early repolarisation statement's text.
pub(crate) const EARLY_REPOLARISATION: &str = "Early repolarisation pattern";

/// What ST depression in V1-V3 adds (Fourth Universal Definition of MI): it may be
/// posterior injury, an ST-elevation equivalent the more so with an upright terminal T, which
/// ST elevation of at least 0.05 mV in V7-V9 confirms. `std` are the leads with the ST
/// depression, `t` a lead's T amplitude (mV) and `recorded` whether a lead was recorded.
/// Empty when fewer than two of V1-V3 carry it or V7-V9 were recorded (their own ST
/// elevation is then read: [`EXTRA_STE_GROUPS`]).
fn posterior_note(
    std: &[LeadLabel],
    t: &dyn Fn(&LeadLabel) -> Option<f64>,
    recorded: &dyn Fn(&LeadLabel) -> bool,
) -> String {
    let right: Vec<LeadLabel> = std
        .iter()
        .filter(|l| matches!(l, LeadLabel::V1 | LeadLabel::V2 | LeadLabel::V3))
        .cloned()
        .collect();
    let posterior_recorded = [LeadLabel::V7, LeadLabel::V8, LeadLabel::V9]
        .iter()
        .any(recorded);
    if right.len() < 2 || posterior_recorded {
        return String::new();
    }
    let upright: Vec<LeadLabel> = right
        .iter()
        .filter(|l| t(l).is_some_and(|t| t > 0.0))
        .cloned()
        .collect();
    let t_txt = if upright.is_empty() {
        String::new()
    } else {
        format!(
            " (upright T in {}: an ST-elevation equivalent)",
            names(&upright)
        )
    };
    format!(
        "; ST depression in {}{t_txt} may be posterior injury: consider recording V7-V9 (ST elevation >= {STE_EXTRA_MV:.2} mV there confirms it)",
        names(&right)
    )
}

/// The repolarisation and Q-wave statements.
pub(crate) fn statements(i: &Inputs<'_>) -> Vec<Statement> {
    let mut out = Vec::new();
    let prior = |prefix: &str| i.prior.iter().any(|s| s.text.starts_with(prefix));
    let lbbb = prior("Complete left bundle branch block");
    let rbbb = prior("Complete right bundle branch block");
    let wpw = prior("Ventricular pre-excitation");
    let lvh = prior("Left ventricular hypertrophy");
    let wide = i.qrs_ms.is_some_and(|q| q >= QRS_WIDE_MS);
    let amp = |l: &LeadLabel| of_lead(i.amplitudes, l);
    let leads: Vec<LeadLabel> = ORDER.iter().filter(|l| amp(l).is_some()).cloned().collect();

    let st_t_confounded = i.paced || lbbb || rbbb || wide || lvh;
    if !st_t_confounded {
        // ST elevation.
        let (v23, v23_why) = STE_V2V3.mv(i.sex, i.age_years);
        let limit = |l: &LeadLabel| {
            if matches!(l, LeadLabel::V2 | LeadLabel::V3) {
                v23
            } else {
                STE_MV
            }
        };
        let j = |l: &LeadLabel| amp(l).and_then(|a| mv(a.st_j));
        // Where a lead's median beat keeps noise beyond a quarter of the threshold, one
        // instant of it shows an elevation only when it clears the threshold by twice that
        // noise (a 0.2 mV limb tremor leaves 0.03-0.05 mV in II and III: "ST elevation,
        // inferior" at 0.13-0.16 mV).
        let clear = |l: &LeadLabel, v: f64| clears_its_noise(i.residual_mv, l, v, limit(l));
        let hits: Vec<LeadLabel> = leads
            .iter()
            .filter(|l| j(l).is_some_and(|v| v >= limit(l) - 1e-9 && clear(l, v)))
            .cloned()
            .collect();
        let ste = contiguous_hits(&hits, st_contiguous);
        let mut stated_ste = !ste.is_empty();
        if stated_ste {
            let crit = format!(
                "consider acute myocardial injury; meets the Fourth Universal Definition of MI ST-elevation thresholds at the J point in two contiguous leads ({}; >= {STE_MV:.2} mV, V2-V3 >= {v23:.2} mV for {v23_why}); clinical context required",
                values(&ste, &j, " mV"),
            );
            out.push(statement("ST elevation", ste, crit));
        }
        // ST elevation in the right-sided and posterior leads, where they were recorded.
        for (group, territory, threshold) in EXTRA_STE_GROUPS {
            let (limit, why) = threshold.mv(i.sex, i.age_years);
            let hit = |l: &LeadLabel| {
                j(l).is_some_and(|v| {
                    v >= limit - 1e-9 && clears_its_noise(i.residual_mv, l, v, limit)
                })
            };
            let ste: Vec<LeadLabel> = (0..group.len())
                .filter(|&k| {
                    hit(&group[k])
                        && ((k > 0 && hit(&group[k - 1])) || group.get(k + 1).is_some_and(&hit))
                })
                .map(|k| group[k].clone())
                .collect();
            if !ste.is_empty() {
                stated_ste = true;
                let crit = format!(
                    "consider acute myocardial injury; meets the Fourth Universal Definition of MI ST-elevation threshold for the {territory} leads at the J point in two neighbouring leads ({}; >= {limit:.2} mV for {why}); clinical context required",
                    values(&ste, &j, " mV"),
                );
                out.push(statement_in("ST elevation", territory, ste, crit));
            }
        }

        // ST depression, horizontal or downsloping.
        let j60 = |l: &LeadLabel| amp(l).and_then(|a| mv(a.st_j60));
        let hits: Vec<LeadLabel> = leads
            .iter()
            .filter(|l| match (j(l), j60(l)) {
                (Some(a), Some(b)) => a <= -STD_MV + 1e-9 && b <= a,
                _ => false,
            })
            .cloned()
            .collect();
        let std = contiguous_hits(&hits, st_contiguous);
        if !std.is_empty() {
            let reciprocal = if stated_ste {
                "; may be reciprocal to the ST elevation"
            } else {
                ""
            };
            let posterior = posterior_note(&std, &|l| amp(l).and_then(|a| mv(a.t)), &|l| {
                amp(l).is_some()
            });
            let crit = format!(
                "consider ischaemia; horizontal or downsloping ST depression >= {STD_MV:.2} mV at the J point (J+60 ms not above J) in two contiguous leads ({}){reciprocal}{posterior}",
                values(&std, &j, " mV"),
            );
            out.push(statement("ST depression", std, crit));
        }

        // T-wave inversion with a dominant R.
        let t = |l: &LeadLabel| amp(l).and_then(|a| mv(a.t));
        let hits: Vec<LeadLabel> = leads
            .iter()
            .filter(|l| !matches!(l, LeadLabel::AVR | LeadLabel::V1))
            .filter(|l| {
                let Some(a) = amp(l) else { return false };
                let (r, s) = (mv(a.r).unwrap_or(0.0), mv(a.s).unwrap_or(0.0).abs());
                t(l).is_some_and(|t| t < -TWI_MV) && r > s
            })
            .cloned()
            .collect();
        let twi = contiguous_hits(&hits, st_contiguous);
        if !twi.is_empty() {
            let crit = format!(
                "T inversion deeper than {TWI_MV:.1} mV with R/S > 1 in two contiguous leads ({}; aVR and V1 not counted); consider ischaemia, clinical context required",
                values(&twi, &t, " mV"),
            );
            out.push(statement("T-wave inversion", twi, crit));
        }
    }

    if let Some(er) = early_repolarisation(i, lbbb || rbbb || wpw || wide, &out) {
        out.push(er);
    }

    // Pathological Q waves.
    let maybe_ventricular = wide
        && ((!rbbb && prior(crate::statements::UNDETERMINED_RHYTHM))
            || prior(crate::statements::WIDE_QRS_TACHYCARDIA));
    if !(i.paced || lbbb || wpw || maybe_ventricular) {
        let shape = |l: &LeadLabel| i.shapes.iter().find(|s| &s.lead == l);
        // (Q width ms, depth mV) or None for a QS complex.
        let q_of = |l: &LeadLabel| -> Option<Option<(f64, f64)>> {
            let s = shape(l)?;
            let first = s.lobes.first()?;
            if first.positive {
                return None;
            }
            if s.lobes.iter().all(|x| !x.positive) {
                return Some(None);
            }
            Some(Some((s.width_ms(first), first.amp.abs())))
        };
        let hits: Vec<LeadLabel> = leads
            .iter()
            .filter(|l| match (l, q_of(l)) {
                (_, None) => false,
                (LeadLabel::V2 | LeadLabel::V3, Some(q)) => {
                    q.is_none_or(|(w, d)| w >= Q_V2V3_MS - 1e-9 && d >= Q_V2V3_MV - 1e-9)
                }
                (
                    LeadLabel::I
                    | LeadLabel::II
                    | LeadLabel::AVL
                    | LeadLabel::AVF
                    | LeadLabel::V4
                    | LeadLabel::V5
                    | LeadLabel::V6,
                    Some(q),
                ) => q.is_none_or(|(w, d)| w >= Q_MS - 1e-9 && d >= Q_MV - 1e-9),
                _ => false,
            })
            .cloned()
            .collect();
        let q = contiguous_hits(&hits, q_contiguous);
        if !q.is_empty() {
            let desc: Vec<String> = q
                .iter()
                .map(|l| match q_of(l) {
                    Some(Some((w, d))) => format!("{l} Q {w:.0} ms {d:.2} mV"),
                    _ => format!("{l} QS"),
                })
                .collect();
            let crit = format!(
                "consider prior myocardial infarction; Fourth Universal Definition of MI: Q >= {Q_V2V3_MS:.0} ms (and >= {Q_V2V3_MV:.1} mV deep) or QS in V2-V3, Q >= {Q_MS:.0} ms and >= {Q_MV:.1} mV deep or QS in I, II, aVL, aVF, V4-V6, in two leads of one contiguous grouping (I, aVL; V1-V6; II, III, aVF): {}",
                desc.join(", "),
            );
            out.push(statement("Pathological Q waves", q, crit));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conduction::Lobe;

    const FS: f64 = 500.0;

    fn uv(mv: f64) -> Option<ecg::Microvolts> {
        Some(ecg::Microvolts(mv * 1000.0))
    }

    /// A normal lead: R 1.0 mV, S -0.2 mV, isoelectric ST, upright T.
    fn normal(lead: LeadLabel) -> LeadAmplitudes {
        LeadAmplitudes {
            lead,
            p: uv(0.1),
            p_up: uv(0.1),
            p_terminal_depth: None,
            p_terminal_ms: None,
            q: uv(0.0),
            r: uv(1.0),
            s: uv(-0.2),
            r_prime: None,
            st_j: uv(0.0),
            st_j60: uv(0.05),
            st_j80: uv(0.1),
            t: uv(0.3),
            qrs_p2p: uv(1.2),
            qrs_terminal_positive: Some(false),
        }
    }

    fn all_normal() -> Vec<LeadAmplitudes> {
        ORDER.iter().cloned().map(normal).collect()
    }

    fn set(a: &mut [LeadAmplitudes], l: LeadLabel, f: impl Fn(&mut LeadAmplitudes)) {
        f(a.iter_mut().find(|x| x.lead == l).unwrap());
    }

    fn lobe(positive: bool, start: usize, end: usize, amp: f64) -> Lobe {
        Lobe {
            positive,
            start,
            end,
            peak: (start + end) / 2,
            amp,
            humps: 1,
            last_hump: (start + end) / 2,
            settled: end,
        }
    }

    /// qR or Rs shapes (`q_ms` wide and `q_mv` deep initial q when given).
    fn shape(lead: LeadLabel, q: Option<(f64, f64)>) -> QrsShape {
        let mut lobes = Vec::new();
        let mut at = 0;
        if let Some((w, d)) = q {
            let n = (w * FS / 1000.0) as usize;
            lobes.push(lobe(false, 0, n - 1, -d));
            at = n;
        }
        lobes.push(lobe(true, at, at + 20, 1.0));
        lobes.push(lobe(false, at + 21, at + 35, -0.2));
        QrsShape {
            lead,
            fs: FS,
            lobes,
            p2p: 1.2,
            delta: false,
            end: at + 35,
            common_end: at + 35,
        }
    }

    fn qs(lead: LeadLabel) -> QrsShape {
        QrsShape {
            lead,
            fs: FS,
            lobes: vec![lobe(false, 0, 40, -1.0)],
            p2p: 1.0,
            delta: false,
            end: 40,
            common_end: 40,
        }
    }

    fn normal_shapes() -> Vec<QrsShape> {
        ORDER.iter().map(|l| shape(l.clone(), None)).collect()
    }

    fn put(s: &mut Vec<QrsShape>, new: QrsShape) {
        s.retain(|x| x.lead != new.lead);
        s.push(new);
    }

    struct Case {
        amps: Vec<LeadAmplitudes>,
        shapes: Vec<QrsShape>,
        end_qrs: Vec<EndQrs>,
        sex: Sex,
        age: Option<f64>,
        qrs: f64,
        paced: bool,
        atrial_waves: bool,
        prior: Vec<&'static str>,
    }

    impl Case {
        fn new() -> Self {
            Case {
                amps: all_normal(),
                shapes: normal_shapes(),
                end_qrs: Vec::new(),
                sex: Sex::Male,
                age: Some(60.0),
                qrs: 90.0,
                paced: false,
                atrial_waves: false,
                prior: Vec::new(),
            }
        }

        fn run(&self) -> Vec<Statement> {
            let prior: Vec<Statement> = self
                .prior
                .iter()
                .map(|t| Statement {
                    text: (*t).into(),
                    criterion: None,
                    state: StatementState::Suggested,
                    evidence: Evidence::default(),
                })
                .collect();
            statements(&Inputs {
                amplitudes: &self.amps,
                shapes: &self.shapes,
                end_qrs: &self.end_qrs,
                sex: self.sex,
                age_years: self.age,
                qrs_ms: Some(self.qrs),
                paced: self.paced,
                atrial_waves: self.atrial_waves,
                prior: &prior,
                residual_mv: &[],
            })
        }

        fn texts(&self) -> Vec<String> {
            self.run().into_iter().map(|s| s.text).collect()
        }
    }

    fn elevate(c: &mut Case, leads: &[LeadLabel], mv: f64) {
        for l in leads {
            set(&mut c.amps, l.clone(), |a| {
                a.st_j = uv(mv);
                a.st_j60 = uv(mv + 0.05);
            });
        }
    }

    #[test]
    fn posterior_and_right_sided_st_elevation_by_their_own_thresholds() {
        use LeadLabel::*;
        let with_extra = |elevated: &[LeadLabel], mv: f64, age: f64| -> Vec<Statement> {
            let mut c = Case::new();
            for l in [V3R, V4R, V5R, V7, V8, V9] {
                c.amps.push(normal(l));
            }
            elevate(&mut c, elevated, mv);
            c.age = Some(age);
            c.run()
        };
        let texts = |s: &[Statement]| s.iter().map(|s| s.text.clone()).collect::<Vec<_>>();
        let out = with_extra(&[V7, V8], 0.06, 60.0);
        assert_eq!(texts(&out), ["ST elevation, posterior (V7, V8)"]);
        let c = out[0].criterion.as_deref().unwrap();
        assert!(
            c.contains("(V7 0.06 mV, V8 0.06 mV; >= 0.05 mV for men >= 40 years)"),
            "{c}"
        );
        assert_eq!(out[0].evidence.leads, [V7, V8]);
        // A man under 40 needs 0.1 mV there; one lead, or two that are not neighbours, is none.
        assert!(with_extra(&[V7, V8], 0.06, 35.0).is_empty());
        assert_eq!(
            texts(&with_extra(&[V8, V9], 0.12, 35.0)),
            ["ST elevation, posterior (V8, V9)"]
        );
        assert!(with_extra(&[V7], 0.3, 60.0).is_empty());
        assert!(with_extra(&[V7, V9], 0.3, 60.0).is_empty());
        // Right-sided: 0.05 mV, 0.1 mV for a man under 30.
        assert_eq!(
            texts(&with_extra(&[V3R, V4R], 0.06, 60.0)),
            ["ST elevation, right ventricular (V3R, V4R)"]
        );
        assert!(with_extra(&[V3R, V4R], 0.06, 25.0).is_empty());
        assert_eq!(
            texts(&with_extra(&[V4R, V5R], 0.06, 35.0)),
            ["ST elevation, right ventricular (V4R, V5R)"]
        );
    }

    #[test]
    fn normal_leads_give_no_statement() {
        assert!(Case::new().run().is_empty());
    }

    #[test]
    fn inferior_st_elevation_in_two_contiguous_leads() {
        use LeadLabel::*;
        let mut c = Case::new();
        elevate(&mut c, &[II, III, AVF], 0.15);
        let out = c.run();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].text, "ST elevation, inferior (II, III, aVF)");
        assert_eq!(out[0].evidence.leads, vec![II, III, AVF]);
        let crit = out[0].criterion.as_deref().unwrap();
        assert!(
            crit.starts_with("consider acute myocardial injury"),
            "{crit}"
        );
        assert!(crit.contains("clinical context required"), "{crit}");
    }

    #[test]
    fn st_elevation_in_one_lead_or_non_contiguous_leads_is_not_stated() {
        use LeadLabel::*;
        let mut c = Case::new();
        elevate(&mut c, &[III], 0.3);
        assert!(c.texts().is_empty());
        // III and V5 are not contiguous, nor are I and II.
        elevate(&mut c, &[V5, I], 0.3);
        let t = c.texts();
        // I and V5 are (lateral group); III stays alone.
        assert_eq!(t, ["ST elevation, lateral (I, V5)"]);
        // Just below the threshold in II.
        elevate(&mut c, &[II], 0.09);
        assert_eq!(c.texts(), ["ST elevation, lateral (I, V5)"]);
    }

    #[test]
    fn v2_v3_thresholds_by_sex_and_age() {
        use LeadLabel::*;
        let mut c = Case::new();
        elevate(&mut c, &[V2, V3], 0.18);
        // Man >= 40: 0.2 mV, not met.
        assert!(c.texts().is_empty());
        // Woman: 0.15 mV, met.
        c.sex = Sex::Female;
        assert_eq!(c.texts(), ["ST elevation, anteroseptal (V2, V3)"]);
        // Man < 40: 0.25 mV.
        c.sex = Sex::Male;
        c.age = Some(30.0);
        elevate(&mut c, &[V2, V3], 0.22);
        assert!(c.texts().is_empty());
        c.age = Some(45.0);
        assert_eq!(c.texts().len(), 1);
        // Unknown sex: the men >= 40 threshold, said so.
        c.sex = Sex::Unknown;
        c.age = None;
        let out = c.run();
        assert_eq!(out.len(), 1);
        let crit = out[0].criterion.as_deref().unwrap();
        assert!(crit.contains("0.20 mV for men >= 40 years, used as the sex is unknown"));
        // V2-V3 thresholds do not apply to V4: 0.12 mV in V3 (woman) and V4 is elevation.
        c.sex = Sex::Female;
        elevate(&mut c, &[V2, V3], 0.0);
        elevate(&mut c, &[V3], 0.16);
        elevate(&mut c, &[V4], 0.12);
        assert_eq!(c.texts(), ["ST elevation, anterior (V3, V4)"]);
    }

    #[test]
    fn st_elevation_not_stated_under_confounders() {
        use LeadLabel::*;
        let mut base = Case::new();
        elevate(&mut base, &[V1, V2, V3], 0.4);
        assert_eq!(base.texts(), ["ST elevation, anteroseptal (V1, V2, V3)"]);
        let mut paced = Case::new();
        paced.amps = base.amps.clone();
        paced.paced = true;
        assert!(paced.texts().is_empty());
        let mut wide = Case::new();
        wide.amps = base.amps.clone();
        wide.qrs = 130.0;
        assert!(wide.texts().is_empty());
        for p in [
            "Complete left bundle branch block",
            "Complete right bundle branch block",
            "Left ventricular hypertrophy by voltage criteria",
        ] {
            let mut c = Case::new();
            c.amps = base.amps.clone();
            c.prior = vec![p];
            assert!(c.texts().is_empty(), "{p}");
        }
        // No J point: no statement.
        let mut c = Case::new();
        c.amps = base.amps.clone();
        for a in c.amps.iter_mut() {
            a.st_j = None;
        }
        assert!(c.texts().is_empty());
    }

    #[test]
    fn st_depression_horizontal_or_downsloping_only() {
        use LeadLabel::*;
        let mut c = Case::new();
        for l in [V4, V5, V6] {
            set(&mut c.amps, l, |a| {
                a.st_j = uv(-0.1);
                a.st_j60 = uv(-0.12);
            });
        }
        let out = c.run();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].text, "ST depression, anterolateral (V4, V5, V6)");
        assert!(
            out[0]
                .criterion
                .as_deref()
                .unwrap()
                .starts_with("consider ischaemia")
        );
        // Upsloping (J+60 above J): not stated.
        for l in [V4, V5, V6] {
            set(&mut c.amps, l, |a| a.st_j60 = uv(0.0));
        }
        assert!(c.texts().is_empty());
        // 0.04 mV horizontal: below the threshold.
        for l in [V4, V5, V6] {
            set(&mut c.amps, l, |a| {
                a.st_j = uv(-0.04);
                a.st_j60 = uv(-0.04);
            });
        }
        assert!(c.texts().is_empty());
    }

    #[test]
    fn st_depression_in_v1_to_v3_names_posterior_injury_unless_v7_to_v9_were_recorded() {
        use LeadLabel::*;
        let depressed = |leads: &[LeadLabel], t_mv: f64, extra: bool| -> Vec<Statement> {
            let mut c = Case::new();
            if extra {
                for l in [V7, V8, V9] {
                    c.amps.push(normal(l));
                }
            }
            for l in leads {
                set(&mut c.amps, l.clone(), |a| {
                    a.st_j = uv(-0.1);
                    a.st_j60 = uv(-0.1);
                    a.t = uv(t_mv);
                });
            }
            c.run()
        };
        let crit = |out: &[Statement]| out[0].criterion.clone().unwrap_or_default();
        // V1-V3 with upright T: an ST-elevation equivalent; record V7-V9.
        let out = depressed(&[V1, V2, V3], 0.3, false);
        assert_eq!(out[0].text, "ST depression, anteroseptal (V1, V2, V3)");
        let c = crit(&out);
        assert!(
            c.contains(
                "; ST depression in V1, V2, V3 (upright T in V1, V2, V3: an ST-elevation equivalent) may be posterior injury: consider recording V7-V9 (ST elevation >= 0.05 mV there confirms it)"
            ),
            "{c}"
        );
        // Inverted T: the note without the equivalent.
        let c = crit(&depressed(&[V2, V3], -0.2, false));
        assert!(
            c.contains("; ST depression in V2, V3 may be posterior injury"),
            "{c}"
        );
        // V7-V9 recorded (their own ST elevation is read), or the depression lateral: no note.
        assert!(!crit(&depressed(&[V1, V2, V3], 0.3, true)).contains("posterior"));
        assert!(!crit(&depressed(&[V4, V5, V6], 0.3, false)).contains("posterior"));
    }

    #[test]
    fn st_depression_with_st_elevation_is_named_reciprocal_and_withheld_in_bbb() {
        use LeadLabel::*;
        let mut c = Case::new();
        elevate(&mut c, &[II, III, AVF], 0.2);
        for l in [I, AVL] {
            set(&mut c.amps, l, |a| {
                a.st_j = uv(-0.1);
                a.st_j60 = uv(-0.1);
            });
        }
        let out = c.run();
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[1].text, "ST depression, lateral (I, aVL)");
        assert!(out[1].criterion.as_deref().unwrap().contains("reciprocal"));
        c.prior = vec!["Complete right bundle branch block"];
        assert!(c.texts().is_empty());
        c.prior = Vec::new();
        c.paced = true;
        assert!(c.texts().is_empty());
    }

    #[test]
    fn t_wave_inversion_needs_a_dominant_r_and_skips_avr_and_v1() {
        use LeadLabel::*;
        let mut c = Case::new();
        for l in [V2, V3, V4] {
            set(&mut c.amps, l, |a| a.t = uv(-0.3));
        }
        let out = c.run();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].text, "T-wave inversion, anteroseptal (V2, V3, V4)");
        assert_eq!(out[0].evidence.leads, vec![V2, V3, V4]);
        // Normal inverted T in aVR and V1, and III alone.
        let mut c = Case::new();
        for l in [AVR, V1, III] {
            set(&mut c.amps, l, |a| a.t = uv(-0.3));
        }
        assert!(c.texts().is_empty());
        // Both leads of a pair with rS (R/S < 1): not counted.
        let mut c = Case::new();
        for l in [III, AVF] {
            set(&mut c.amps, l, |a| {
                a.t = uv(-0.3);
                a.r = uv(0.2);
                a.s = uv(-0.8);
            });
        }
        assert!(c.texts().is_empty());
        // Only 0.1 mV deep: not deeper than 0.1.
        let mut c = Case::new();
        for l in [V5, V6] {
            set(&mut c.amps, l, |a| a.t = uv(-0.1));
        }
        assert!(c.texts().is_empty());
        // Not in LBBB.
        let mut c = Case::new();
        for l in [V5, V6] {
            set(&mut c.amps, l, |a| a.t = uv(-0.4));
        }
        assert_eq!(c.texts(), ["T-wave inversion, lateral (V5, V6)"]);
        c.prior = vec!["Complete left bundle branch block"];
        assert!(c.texts().is_empty());
    }

    #[test]
    fn pathological_q_waves_by_the_universal_definition() {
        use LeadLabel::*;
        let mut c = Case::new();
        put(&mut c.shapes, shape(II, Some((40.0, 0.3))));
        put(&mut c.shapes, shape(AVF, Some((32.0, 0.15))));
        let out = c.run();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].text, "Pathological Q waves, inferior (II, aVF)");
        let crit = out[0].criterion.as_deref().unwrap();
        assert!(
            crit.starts_with("consider prior myocardial infarction"),
            "{crit}"
        );
        assert!(crit.contains("II Q 40 ms 0.30 mV"), "{crit}");
        // Narrow (20 ms) or shallow (0.05 mV) Q in aVF: only II left, not stated.
        put(&mut c.shapes, shape(AVF, Some((20.0, 0.3))));
        assert!(c.texts().is_empty());
        put(&mut c.shapes, shape(AVF, Some((40.0, 0.05))));
        assert!(c.texts().is_empty());
        // III does not count (a Q in III is often normal).
        put(&mut c.shapes, shape(III, Some((40.0, 0.5))));
        assert!(c.texts().is_empty());

        // V2-V3: a Q >= 20 ms and >= 0.1 mV deep, or QS; a shallow septal q is not.
        let mut c = Case::new();
        put(&mut c.shapes, shape(V2, Some((25.0, 0.06))));
        put(&mut c.shapes, shape(V3, Some((23.0, 0.09))));
        assert!(c.texts().is_empty());
        put(&mut c.shapes, shape(V2, Some((20.0, 0.15))));
        put(&mut c.shapes, qs(V3));
        let out = c.run();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].text, "Pathological Q waves, anteroseptal (V2, V3)");
        assert!(out[0].criterion.as_deref().unwrap().contains("V3 QS"));
        // A 20 ms Q in V4 is not enough there (30 ms needed), but V2-V4 groups as V1-V6.
        let mut c = Case::new();
        put(&mut c.shapes, shape(V2, Some((20.0, 0.15))));
        put(&mut c.shapes, shape(V4, Some((20.0, 0.3))));
        assert!(c.texts().is_empty());
        put(&mut c.shapes, shape(V5, Some((36.0, 0.3))));
        assert_eq!(
            c.texts(),
            ["Pathological Q waves, septal and lateral (V2, V5)"]
        );
        // Not under pacing, LBBB or pre-excitation; RBBB leaves them.
        c.prior = vec!["Complete right bundle branch block"];
        c.qrs = 140.0;
        assert_eq!(c.texts().len(), 1);
        for p in [
            "Complete left bundle branch block",
            "Ventricular pre-excitation (WPW pattern)",
        ] {
            c.prior = vec![p];
            assert!(c.texts().is_empty(), "{p}");
        }
        // Nor in a wide-QRS rhythm without P waves (perhaps ventricular: an idioventricular
        // rhythm's QS complexes read "extensive anterior" Q waves), unless it is RBBB; with a
        // sinus rhythm the same wide QRS keeps them.
        c.prior = vec!["Undetermined rhythm"];
        assert!(c.texts().is_empty());
        c.prior = vec!["Undetermined rhythm", "Complete right bundle branch block"];
        assert_eq!(c.texts().len(), 1);
        c.prior = vec!["Sinus rhythm"];
        assert_eq!(c.texts().len(), 1);
        c.qrs = 110.0;
        c.prior = vec!["Undetermined rhythm"];
        assert_eq!(c.texts().len(), 1);
        c.qrs = 140.0;
        c.prior = Vec::new();
        c.paced = true;
        assert!(c.texts().is_empty());
    }

    fn er(lead: LeadLabel, kind: EndQrsKind, jp_mv: f64, st_100_mv: f64) -> EndQrs {
        EndQrs {
            lead,
            kind,
            jp_mv,
            jp_ms: 80.0,
            st_100_mv: Some(st_100_mv),
        }
    }

    #[test]
    fn early_repolarisation_in_two_contiguous_leads_other_than_v1_to_v3() {
        use EndQrsKind::*;
        use LeadLabel::*;
        let mut c = Case::new();
        c.end_qrs = vec![
            er(II, Notch, 0.15, 0.35),
            er(AVF, Slur, 0.12, 0.15),
            er(V2, Notch, 0.3, 0.5),
        ];
        let out = c.run();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].text, EARLY_REPOLARISATION);
        assert_eq!(out[0].evidence.leads, vec![II, AVF]);
        let crit = out[0].criterion.as_deref().unwrap();
        assert!(crit.starts_with("consider in clinical context; "), "{crit}");
        assert!(
            crit.contains("inferior: II notch Jp 0.15 mV, aVF slur Jp 0.12 mV"),
            "{crit}"
        );
        assert!(
            crit.contains("ascending in II 0.35 mV, horizontal/descending in aVF 0.15 mV"),
            "{crit}"
        );
        // Just under 0.1 mV in aVF: II alone.
        c.end_qrs[1].jp_mv = 0.09;
        assert!(c.texts().is_empty());
        // V1-V3 and aVR never count; I and II are not contiguous; V4 and V5 are, and I with
        // V5 (lateral).
        c.end_qrs = vec![
            er(V1, Notch, 0.3, 0.3),
            er(V2, Notch, 0.3, 0.3),
            er(V3, Notch, 0.3, 0.3),
            er(AVR, Notch, 0.3, 0.3),
            er(I, Notch, 0.3, 0.3),
            er(II, Notch, 0.3, 0.3),
        ];
        assert!(c.texts().is_empty());
        c.end_qrs.push(er(V4, Slur, 0.2, 0.2));
        c.end_qrs.push(er(V5, Slur, 0.2, 0.2));
        let out = c.run();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].evidence.leads, vec![I, V4, V5]);
        assert!(out[0].criterion.as_deref().unwrap().contains("lateral: "));
        // Beside LVH by voltage it stays (no QRS confounder of the notch or slur).
        c.prior = vec!["Left ventricular hypertrophy by voltage criteria"];
        assert_eq!(c.texts(), [EARLY_REPOLARISATION]);
    }

    #[test]
    fn early_repolarisation_not_stated_under_confounders_or_beside_st_elevation() {
        use EndQrsKind::*;
        use LeadLabel::*;
        let base = || {
            let mut c = Case::new();
            c.end_qrs = vec![er(II, Notch, 0.2, 0.4), er(III, Notch, 0.2, 0.4)];
            c
        };
        assert_eq!(base().texts(), [EARLY_REPOLARISATION]);
        let mut c = base();
        c.paced = true;
        assert!(c.texts().is_empty());
        let mut c = base();
        c.atrial_waves = true;
        assert!(c.texts().is_empty());
        let mut c = base();
        c.qrs = 120.0;
        assert!(c.texts().is_empty());
        for p in [
            "Complete left bundle branch block",
            "Complete right bundle branch block",
            "Ventricular pre-excitation (WPW pattern)",
        ] {
            let mut c = base();
            c.prior = vec![p];
            assert!(c.texts().is_empty(), "{p}");
        }
        // ST elevation in the same leads, or in others: only the ST elevation.
        for leads in [[II, III], [V5, V6]] {
            let mut c = base();
            elevate(&mut c, &leads, 0.15);
            let t = c.texts();
            assert_eq!(t.len(), 1, "{t:?}");
            assert!(t[0].starts_with("ST elevation"), "{t:?}");
        }
    }

    /// A median beat at [`FS`]: 100 ms of PQ level, then `f(ms from the QRS onset)` for 500 ms.
    fn beat(f: &dyn Fn(f64) -> f64) -> Vec<f64> {
        (0..300)
            .map(|k| {
                let t = (k as f64 - 50.0) * 1000.0 / FS;
                if t < 0.0 { 0.0 } else { f(t) }
            })
            .collect()
    }

    fn gauss(t: f64, centre: f64, sd: f64, mv: f64) -> f64 {
        mv * (-((t - centre) / sd).powi(2) / 2.0).exp()
    }

    /// The QRS of [`beat`]: onset at sample 50, R 1.2 mV peaking 40 ms later (SD 10 ms).
    fn read(f: &dyn Fn(f64) -> f64, end_ms: f64) -> Option<EndQrs> {
        let m = beat(f);
        end_qrs_notch_or_slur(
            LeadLabel::II,
            &m,
            50,
            50 + (end_ms * FS / 1000.0) as usize,
            FS,
        )
    }

    #[test]
    fn end_qrs_notches_and_slurs_on_the_downslope_and_not_elsewhere() {
        let r = |t: f64| gauss(t, 40.0, 10.0, 1.2);
        // A J wave of 0.2 mV 35 ms after the R peak: a notch, Jp about 0.2 mV, 75 ms from the
        // onset, the ST flat after it.
        let e = read(&|t| r(t) + gauss(t, 75.0, 6.0, 0.2), 90.0).unwrap();
        assert_eq!(e.kind, EndQrsKind::Notch);
        assert!((e.jp_mv - 0.2).abs() < 0.02, "{e:?}");
        assert!((e.jp_ms - 75.0).abs() <= 2.0, "{e:?}");
        assert_eq!(e.ascending(), Some(false));
        // The same with the QRS end put at the notch's start: Jp is still found.
        assert_eq!(
            read(&|t| r(t) + gauss(t, 75.0, 6.0, 0.2), 65.0).map(|e| e.kind),
            Some(EndQrsKind::Notch)
        );
        // The R alone, an R coming down exponentially (time constant 10 ms), and an R with
        // an elevated, flat ST: no notch, no slur.
        assert_eq!(read(&r, 80.0), None);
        let exp_tail = |t: f64| {
            if t < 40.0 {
                r(t)
            } else {
                1.2 * (-(t - 40.0) / 10.0).exp()
            }
        };
        assert_eq!(read(&exp_tail, 90.0), None);
        let st = |t: f64| {
            r(t) + if t > 60.0 {
                0.15
            } else {
                0.15 * (t - 20.0).max(0.0) / 40.0
            }
        };
        assert_eq!(read(&st, 70.0), None);
        // A notch after an S wave below the PQ level (R, S, r'), and a notch high on the R
        // (a notched R): not end-QRS notches.
        assert_eq!(
            read(
                &|t| r(t) - gauss(t, 62.0, 5.0, 0.4) + gauss(t, 78.0, 6.0, 0.3),
                95.0
            ),
            None
        );
        assert_eq!(read(&|t| r(t) + gauss(t, 62.0, 6.0, 0.8), 90.0), None);
        // A notch followed at once by a negative wave.
        assert_eq!(
            read(
                &|t| r(t) + gauss(t, 75.0, 6.0, 0.2) - gauss(t, 92.0, 5.0, 0.3),
                100.0
            ),
            None
        );
        // A slur: the R comes down steeply to 0.25 mV, then by 0.2 mV in 25 ms (8 mV/s).
        let slurred = |t: f64| {
            let down = 1.2 - 0.95 * ((t - 40.0) / 20.0);
            match t {
                t if t < 40.0 => r(t),
                t if t < 60.0 => down,
                t if t < 85.0 => 0.25 - 0.2 * (t - 60.0) / 25.0,
                _ => 0.05,
            }
        };
        // (smoothed as the analysis copy's 40 Hz low-pass would)
        let smooth = |t: f64| (-3..=3).map(|d| slurred(t + d as f64)).sum::<f64>() / 7.0;
        let e = read(&smooth, 86.0).unwrap();
        assert_eq!(e.kind, EndQrsKind::Slur);
        assert!((e.jp_mv - 0.25).abs() < 0.05, "{e:?}");
        // The same line on to an inverted T (descending for 150 ms): an ST segment, no slur.
        let into_t = |t: f64| match t {
            t if t < 60.0 => slurred(t),
            t => 0.25 - 0.2 * (t - 60.0) / 25.0,
        };
        let smooth = |t: f64| (-3..=3).map(|d| into_t(t + d as f64)).sum::<f64>() / 7.0;
        assert_eq!(read(&smooth, 62.0), None);
        // A QRS without a positive deflection: nothing to read.
        assert_eq!(read(&|t| -r(t), 80.0), None);
    }

    #[test]
    fn territories() {
        use LeadLabel::*;
        assert_eq!(territory(&[V1, V2, V3, V4]), "anteroseptal");
        assert_eq!(
            territory(&[V1, V2, V3, V4, V5, V6, I, AVL]),
            "extensive anterior"
        );
        assert_eq!(territory(&[II, III, AVF, V5, V6]), "inferolateral");
        assert_eq!(territory(&[II, III, AVF, V3, V4]), "inferior and anterior");
        assert_eq!(territory(&[I, AVL]), "lateral");
    }

    #[test]
    fn withheld_when_the_lead_gains_are_suspect() {
        use LeadLabel::*;
        let mut c = Case::new();
        elevate(&mut c, &[II, III, AVF], 0.3);
        put(&mut c.shapes, shape(II, Some((40.0, 0.3))));
        put(&mut c.shapes, shape(AVF, Some((40.0, 0.3))));
        let m = ecg::Measurements {
            qrs: Some(ecg::Millis(90.0)),
            ..Default::default()
        };
        let leads: Vec<LeadLabel> = ORDER.to_vec();
        let run = |residual: Option<f64>| -> Vec<String> {
            crate::statements::derive(&crate::statements::Findings {
                p_fraction: 1.0,
                amplitudes: &c.amps,
                sex: Sex::Male,
                age_years: Some(60.0),
                limb_residual: residual,
                qrs_shapes: &c.shapes,
                leads: &leads,
                ..crate::statements::Findings::for_rule_test(
                    &m,
                    &[crate::classify::BeatClass::Normal; 8],
                    &[100, 500, 900, 1300, 1700, 2100, 2500, 2900],
                    FS,
                )
            })
            .into_iter()
            .map(|s| s.text)
            .collect()
        };
        let ok = run(None);
        assert!(
            ok.iter()
                .any(|t| t == "ST elevation, inferior (II, III, aVF)"),
            "{ok:?}"
        );
        assert!(
            ok.iter()
                .any(|t| t == "Pathological Q waves, inferior (II, aVF)"),
            "{ok:?}"
        );
        let suspect = run(Some(0.3));
        assert!(
            !suspect
                .iter()
                .any(|t| t.starts_with("ST ") || t.starts_with("Pathological Q")),
            "{suspect:?}"
        );
        assert!(
            suspect
                .iter()
                .any(|t| t.starts_with("Limb leads inconsistent"))
        );
    }
}
