//! Claim check: the clinical claims in a model's answer, each compared with the facts the model
//! was given.
//!
//! Owns [`Facts`] (what the grounded prompt told the model: measurements, statements with their
//! review state, annotations, recording facts), [`Claim`] and [`check`]. It does not know where the
//! facts came from (the CLI and the app build them from the same values as the prompt; a report
//! builds them from the reviewed session) and it never calls a model. Everything is plain string
//! scanning, so the same answer and facts always give the same claims.
//!
//! # What is a claim
//! 1. **Numbers with a unit** (bpm, beats per minute, /min, ms, s, mV, mm, °/degrees, Hz, years,
//!    leads), or without a unit right after a named interval ("PR interval is 160"). The quantity
//!    is the nearest name before the number in the same sentence (heart rate, RR, PR, QRS, QT,
//!    QTc with its formula when one is named within a few words, P duration, P/QRS/T axis,
//!    recording length, sampling rate, age), else the unit's usual quantity. Ranges ("95-105
//!    bpm", "between 95 and 105 bpm") and bounds ("above 100 bpm", "< 120 ms") are claims too,
//!    except in a sentence about normal or reference values ("a normal PR is 120-200 ms"), which
//!    is general knowledge, not a statement about this tracing.
//! 2. **Named findings**: rhythms (sinus rhythm, sinus bradycardia/tachycardia, sinus
//!    arrhythmia, bradycardia, tachycardia, atrial fibrillation, atrial flutter, junctional at
//!    any rate ("accelerated", "escape"), ectopic atrial, wandering atrial pacemaker ("wandering
//!    pacemaker", "multifocal atrial rhythm", "WAP"), multifocal atrial tachycardia ("MAT",
//!    "chaotic atrial tachycardia/rhythm"; "MAT" and "WAP" only in capitals, as they are also
//!    words), ventricular tachycardia, supraventricular tachycardia ("SVT", only in capitals),
//!    wide-QRS tachycardia ("wide complex tachycardia"), and paced rhythms by the
//!    chambers paced: atrial ("atrial pacing", "A-paced", "AAI"), ventricular ("ventricular
//!    pacing", "V-paced", "VVI", "VDD", "biventricular pacing"), dual-chamber ("dual-chamber
//!    pacing", "AV sequential pacing", "AV dual-paced", "DDD") or not named ("paced rhythm",
//!    "pacemaker rhythm", "paced", "pacing spikes", "evidence of pacing"); "A-paced" needs its
//!    hyphen, "a paced rhythm" being the article), AV blocks by degree, short PR,
//!    bundle-branch blocks (side, complete or not), fascicular blocks (anterior, posterior or
//!    not named, "hemiblock"), intraventricular conduction delay, pre-excitation ("WPW",
//!    "Wolff-Parkinson-White", "delta wave"), ST elevation/depression, T inversion, early
//!    repolarisation (either spelling; "J-point elevation" alone is not), pathological Q
//!    waves, ischaemia and infarction named as such (either spelling), LVH/RVH, atrial
//!    abnormality (left: "left atrial enlargement/overload", "LAE", "P mitrale"; right: the same
//!    with right, "RAE", "P pulmonale"; biatrial; or no side named), low QRS voltage (in the
//!    limb leads, the precordial leads, or not said where), premature complexes (ventricular,
//!    supraventricular), axis deviation, long/short QT, sinus pause ("sinus arrest",
//!    "sinoatrial pause").
//!    A finding is **negated** when "no", "not", "without", "absence of", "negative for",
//!    "rules out", "free of", "neither/nor" comes up to six words before it in the same clause, or
//!    "is not present", "absent", "not seen", "ruled out" right after it; a negation followed by a
//!    hedge ("not a definitive diagnosis of", "not only", "not necessarily") is not a denial.
//!
//! # Statuses and tolerances
//! Each claim is [`ClaimStatus::Supported`], [`ClaimStatus::Contradicted`] (with the fact, e.g.
//! "measured heart rate 61 bpm") or [`ClaimStatus::NotInFacts`]. Numbers are compared with the
//! values as the prompt printed them (rounded to a whole unit):
//! - heart rate: ±5 bpm or ±5 %, whichever is larger; RR: ±20 ms or ±5 %;
//! - PR, QRS, QT, QTc, P duration: ±10 ms; a QTc without a named formula is supported when any
//!   formula's value is within 10 ms, contradicted when none is;
//! - axes: ±10° (on the circle); recording length ±0.5 s; sampling rate ±0.5 Hz; age ±1 year;
//!   lead count exact;
//! - a range is supported when the fact lies inside it widened by the tolerance, a bound when the
//!   fact is on its side of it within the tolerance;
//! - amplitudes (mV, or mm at 10 mm/mV) and atrial rates have no measurement of their own: they
//!   are supported when a statement's criterion or an annotation states the same value
//!   (±0.05 mV, ±5/min), otherwise not in the facts. A number of milliseconds, degrees, seconds or
//!   hertz with no name is supported when some fact of that unit matches, otherwise not in facts.
//!
//! Findings are compared with statements (their own text read by the same scanner): a statement
//! naming the same finding supports it; one naming an exclusive alternative (another rhythm,
//! another AV-block degree, a short PR against a first-degree block, the other bundle branch,
//! the other fascicle, the other axis deviation) contradicts it; a statement the clinician
//! rejected contradicts it. On the device convention, a *statement* "Sinus rhythm" means a
//! sinus rhythm at 60-100 bpm (machines say "sinus bradycardia" below), while a *claim* "sinus
//! rhythm" means any sinus rhythm. Particular cases:
//! - rhythms exclude each other, paced and non-paced ones included (when the analysis names the
//!   atrial rhythm under ventricular pacing too, the statement that supports wins); sinus
//!   arrhythmia is a sinus rhythm at no named rate: its statement supports a "sinus rhythm"
//!   claim but not a rate class, and a sinus rhythm statement neither supports nor contradicts
//!   a "sinus arrhythmia" claim. A multifocal atrial tachycardia statement supports
//!   "tachycardia" and contradicts "bradycardia"; a wandering pacemaker one contradicts
//!   "tachycardia". A supraventricular or wide-QRS tachycardia statement (a regular
//!   tachycardia whose atrial activity the analysis does not see) supports "tachycardia" and
//!   its own name, contradicts "bradycardia", and neither supports nor contradicts another
//!   rhythm (its criterion names them as possible), except that a narrow one contradicts
//!   ventricular tachycardia.
//! - paced rhythms: a mode not named (claim or statement) matches every mode; an atrial or a
//!   ventricular claim is supported by a dual-chamber statement (that chamber is paced too); a
//!   dual-chamber claim is contradicted by a single-chamber statement, and atrial and
//!   ventricular contradict each other.
//! - early repolarisation, atrial abnormalities, low voltage, Q waves and pre-excitation
//!   exclude nothing: only their own statement (or its rejection) tells. Left and right atrial
//!   abnormality are independent; a biatrial claim is judged as a left and a right claim,
//!   supported when both are, contradicted when either is (a denial the other way round);
//!   a biatrial statement supports either side. Low voltage not said where is supported by
//!   either leads' statement; limb and precordial claims only by their own.
//! - premature complexes named without an origin match a statement of any origin; a claim
//!   naming ventricular or supraventricular ones is judged by a statement of that origin only
//!   (a statement of undetermined origin, the analysis' on one or two leads, neither supports
//!   nor contradicts it).
//! - ischaemia named as such is supported by an ST depression, T inversion or ST elevation
//!   statement (their criteria say "consider ischaemia" / "consider acute myocardial
//!   injury"), infarction by a pathological Q wave ("consider prior myocardial infarction")
//!   or ST elevation statement; the reverse does not hold.
//!
//! Then definitional thresholds on the measurements, applied to the rounded value without
//! tolerance: bradycardia < 60 bpm, tachycardia > 100 bpm, multifocal atrial tachycardia
//! contradicted at <= 100 bpm and a wandering atrial pacemaker above 100 bpm (AHA/ACCF/HRS 2009;
//! each 100 under 12 years the APLS upper bound of the age's rate, as the statements judge it),
//! first-degree AV block PR > 200 ms, short PR < 120 ms, complete bundle-branch block QRS of
//! at least 120 ms (contradicted below 110), incomplete 100-129 ms (under 16 years the
//! statements' children's bounds less the same 10 ms: `signal::bundle_branch_qrs_ms`), left axis deviation -30..-90°,
//! right +90..+180°, extreme -90..-180°, normal -30..+90°, left anterior fascicular block
//! contradicted outside -45..-90° and left posterior outside +90..+180° (AHA 2009 part III), QT
//! prolongation contradicted when every QTc is <= 440 ms and supported from Bazett and
//! Fridericia >= 470 ms
//! (with QRS >= 120 ms judged by the JT index as the statements judge it, > 112 prolonged;
//! not judged where a statement's criterion says the QT was not judged),
//! short QT supported below Bazett and Fridericia 340 ms and contradicted when every QTc is >= 360 ms. Matching
//! annotation text supports a finding. A negated
//! finding is contradicted by what would support the finding, and supported by what would
//! contradict it. When facts disagree (a device statement against the analysis), support wins.
//!
//! # What it cannot check
//! - Numbers written as words ("sixty"), lists that pair names with numbers by position ("PR and
//!   QRS are 160 and 90 ms": only the number next to a name is tied to it), and numbers whose name
//!   is more than ~48 characters before them: these fall back to their unit's usual quantity.
//! - Qualitative judgements of intervals without a number ("the PR interval is not normal") are not
//!   read, nor are claims about leads or waves outside the finding list.
//! - Negation across commas ("no AV block, LBBB or RBBB" negates only the AV block), double
//!   negation, hedges ("possible", "cannot exclude" count as a claim), conditionals, and
//!   negated numbers ("the rate is not 100 bpm" is read as a rate claim).
//! - Findings the facts never test (ST changes, early repolarisation, Q waves, ischaemia,
//!   infarction, hypertrophy, atrial abnormality, low voltage, pre-excitation, premature
//!   complexes without a statement): an absent statement is not evidence of absence, so these
//!   are not in the facts unless a statement or annotation names them. A negated AV block of
//!   second or third degree is not judged from the PR interval.
//! - Paced beats from a paced rhythm: the analysis' "Ventricular-paced complexes" (paced beats
//!   in a rhythm that is not a paced one) supports "ventricular paced rhythm" as it supports
//!   "ventricular pacing".
//! - A side named once for two findings ("right and left atrial enlargement" reads only the
//!   left one), and a mode named apart from the pacing ("pacing in the ventricle").
//! - Anything clinical outside the lists above (J-point elevation, morphology words such as
//!   "notched" or "slurred") is not a claim at all; spelling variants beyond the listed ones
//!   are missed.

use serde::Serialize;

use ecg::{Annotation, Measurements, QtcFormula, Statement, StatementState};

/// What the model was told about the tracing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Facts {
    /// Global measurements (device's or Heartlens analysis, after the clinician's overrides).
    pub measurements: Option<Measurements>,
    /// Statements with their review state. Rejected ones are kept: a claim of a finding the
    /// clinician rejected is contradicted.
    pub statements: Vec<Statement>,
    /// Annotations told to the model (user marks and notes).
    pub annotations: Vec<Annotation>,
    /// Number of leads.
    pub leads: Option<usize>,
    /// Recording length.
    pub duration_s: Option<f64>,
    /// Sampling rate.
    pub sampling_rate_hz: Option<f64>,
    /// Patient age.
    pub age_years: Option<f64>,
}

/// How a claim compares with the facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// A fact agrees (within the documented tolerance).
    Supported,
    /// A fact disagrees; [`Claim::fact`] names it.
    Contradicted,
    /// Nothing in the facts says either way.
    NotInFacts,
}

impl ClaimStatus {
    /// The status as shown to users ("supported", "contradicted", "not in the facts").
    pub fn label(self) -> &'static str {
        match self {
            ClaimStatus::Supported => "supported",
            ClaimStatus::Contradicted => "contradicted",
            ClaimStatus::NotInFacts => "not in the facts",
        }
    }
}

/// One clinical claim found in an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claim {
    /// The claim's text, `answer[start..end]`.
    pub text: String,
    /// Byte offset of the claim in the answer (UTF-8).
    pub start: usize,
    /// Byte offset of the claim's end.
    pub end: usize,
    /// The verdict.
    pub status: ClaimStatus,
    /// The fact that supports or contradicts it ("measured heart rate 61 bpm").
    pub fact: Option<String>,
    /// What kind of claim ("heart_rate", "pr", "rhythm", "av_block", ...).
    pub kind: &'static str,
}

/// Finds the clinical claims in `answer` and checks each against `facts`, in text order.
pub fn check(answer: &str, facts: &Facts) -> Vec<Claim> {
    let norm = normalize(answer);
    let mut out = Vec::new();
    let findings = scan_findings(answer, &norm);
    for f in &findings {
        let (status, fact) = judge_finding(f, facts);
        out.push(make_claim(
            answer,
            f.start,
            f.end,
            status,
            fact,
            f.finding.kind(),
        ));
    }
    for n in scan_numbers(&norm) {
        let (status, fact) = judge_number(&n, facts);
        let mut start = n.span_start;
        if findings.iter().any(|f| f.start < n.end && start < f.end) {
            start = n.num_start;
        }
        out.push(make_claim(
            answer,
            start,
            n.end,
            status,
            fact,
            n.quantity.kind(),
        ));
    }
    out.sort_by_key(|c| (c.start, c.end));
    out
}

/// A one-line summary of claim checks for reports: "2 supported, 1 contradicted (heart rate
/// 102 bpm: measured heart rate 61 bpm), 1 not in the facts".
pub fn summary(claims: &[Claim]) -> String {
    if claims.is_empty() {
        return "no clinical claims found".to_string();
    }
    let count = |s| claims.iter().filter(|c| c.status == s).count();
    let mut parts = Vec::new();
    let sup = count(ClaimStatus::Supported);
    if sup > 0 {
        parts.push(format!("{sup} supported"));
    }
    let contra: Vec<String> = claims
        .iter()
        .filter(|c| c.status == ClaimStatus::Contradicted)
        .map(|c| format!("\"{}\": {}", c.text, c.fact.as_deref().unwrap_or("")))
        .collect();
    if !contra.is_empty() {
        parts.push(format!(
            "{} contradicted ({})",
            contra.len(),
            contra.join("; ")
        ));
    }
    let nif = count(ClaimStatus::NotInFacts);
    if nif > 0 {
        parts.push(format!("{nif} not in the facts"));
    }
    parts.join(", ")
}

fn make_claim(
    answer: &str,
    start: usize,
    end: usize,
    status: ClaimStatus,
    fact: Option<String>,
    kind: &'static str,
) -> Claim {
    Claim {
        text: answer.get(start..end).unwrap_or_default().to_string(),
        start,
        end,
        status,
        fact,
        kind,
    }
}

// ---------------------------------------------------------------------------------------------
// Text scanning helpers. `norm` is the answer with ASCII letters lowercased and a hyphen between
// two letters turned into a space ("first-degree" -> "first degree"), except after a one-letter
// word before "pac" ("A-paced", "V-pacing" keep theirs: "a paced" is the article); it has the
// same byte offsets as the answer.

fn normalize(text: &str) -> Vec<u8> {
    let mut b: Vec<u8> = text.bytes().map(|c| c.to_ascii_lowercase()).collect();
    for i in 1..b.len().saturating_sub(1) {
        if b[i] == b'-' && b[i - 1].is_ascii_alphabetic() && b[i + 1].is_ascii_alphabetic() {
            let one_letter = i < 2 || !is_word(b[i - 2]);
            if !(one_letter && b[i + 1..].starts_with(b"pac")) {
                b[i] = b' ';
            }
        }
    }
    b
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

/// `pat` at `i` on word boundaries (a plural `s`/`es` is allowed after a final letter); the end.
fn match_at(norm: &[u8], i: usize, pat: &str) -> Option<usize> {
    let p = pat.as_bytes();
    if !norm.get(i..)?.starts_with(p) {
        return None;
    }
    if i > 0 && p.first().is_some_and(|c| is_word(*c)) && is_word(norm[i - 1]) {
        return None;
    }
    let mut e = i + p.len();
    if p.last().is_some_and(|c| c.is_ascii_alphabetic()) {
        if norm.get(e) == Some(&b's') && !norm.get(e + 1).is_some_and(|c| is_word(*c)) {
            e += 1;
        } else if norm.get(e..e + 2) == Some(b"es") && !norm.get(e + 2).is_some_and(|c| is_word(*c))
        {
            e += 2;
        }
    }
    if p.last().is_some_and(|c| is_word(*c)) && norm.get(e).is_some_and(|c| is_word(*c)) {
        return None;
    }
    Some(e)
}

/// Start of the sentence/clause holding `i` (after `.`, `!`, `?`, `;`, newline; a `.` between
/// digits is a decimal point).
fn clause_start(norm: &[u8], i: usize) -> usize {
    let mut j = i;
    while j > 0 {
        let c = norm[j - 1];
        if is_sentence_end(norm, j - 1, c) {
            return j;
        }
        j -= 1;
    }
    0
}

fn clause_end(norm: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < norm.len() {
        if is_sentence_end(norm, j, norm[j]) {
            return j;
        }
        j += 1;
    }
    norm.len()
}

fn is_sentence_end(norm: &[u8], at: usize, c: u8) -> bool {
    match c {
        b'!' | b'?' | b';' | b'\n' => true,
        b'.' => {
            let digit_before = at > 0 && norm[at - 1].is_ascii_digit();
            let digit_after = norm.get(at + 1).is_some_and(|c| c.is_ascii_digit());
            !(digit_before && digit_after)
        }
        _ => false,
    }
}

/// Finds the last occurrence of any of `pats` (on word boundaries) in `norm[from..to]`.
fn last_match(norm: &[u8], from: usize, to: usize, pats: &[&str]) -> Option<(usize, usize)> {
    let mut best = None;
    for i in from..to {
        for p in pats {
            if let Some(e) = match_at(norm, i, p)
                && e <= to
            {
                best = Some((i, e));
            }
        }
    }
    best
}

fn skip_spaces(norm: &[u8], mut i: usize) -> usize {
    while norm.get(i).is_some_and(|c| *c == b' ' || *c == b'\t') {
        i += 1;
    }
    i
}

// ---------------------------------------------------------------------------------------------
// Findings.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RateClass {
    Any,
    Normal,
    Brady,
    Tachy,
}

/// The chambers a paced rhythm paces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PacedChambers {
    /// "Paced rhythm", "pacemaker rhythm": mode not named.
    Any,
    Atrial,
    Ventricular,
    /// Dual-chamber (AV sequential).
    Dual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rhythm {
    Sinus(RateClass),
    /// A sinus rhythm whose cycle varies (at any rate).
    SinusArrhythmia,
    Af,
    Flutter,
    Paced(PacedChambers),
    EctopicAtrial,
    WanderingPacemaker,
    MultifocalAtrialTachycardia,
    Junctional,
    Vt,
    /// A regular narrow-QRS tachycardia whose atrial activity is not seen.
    Svt,
    /// A regular wide-QRS tachycardia whose atrial activity is not seen.
    WideQrsTachycardia,
    Undetermined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fascicle {
    Any,
    Anterior,
    Posterior,
}

/// Which atrium an atrial abnormality (enlargement, overload) is named for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Atria {
    Any,
    Left,
    Right,
    /// Biatrial: judged as a left and a right claim, both needed.
    Both,
}

/// Where low QRS voltage is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VoltageLeads {
    Any,
    Limb,
    Precordial,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Any,
    Left,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Completeness {
    Unspecified,
    Complete,
    Incomplete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Any,
    Ventricular,
    Supraventricular,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AxisClass {
    Normal,
    Left,
    Right,
    Extreme,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Finding {
    Rhythm(Rhythm),
    /// Bradycardia/tachycardia without a rhythm.
    Rate(RateClass),
    /// AV block by degree (0 = unspecified).
    Av(u8),
    /// Short PR interval (< 120 ms).
    ShortPr,
    Bbb(Side, Completeness),
    Fascicular(Fascicle),
    Ivcd,
    /// Ventricular pre-excitation (WPW pattern).
    PreExcitation,
    StElevation,
    StDepression,
    TInversion,
    EarlyRepolarisation,
    PathologicalQ,
    /// Ischaemia named as such: ST-T statements ("consider ischaemia") support it.
    Ischaemia,
    /// Infarction named as such: Q-wave and ST-elevation statements support it.
    Infarction,
    Lvh,
    Rvh,
    AtrialAbnormality(Atria),
    LowVoltage(VoltageLeads),
    Premature(Origin),
    Axis(AxisClass),
    LongQt,
    ShortQt,
    /// A sinus pause (sinus arrest, sinoatrial pause).
    SinusPause,
}

impl Finding {
    fn kind(self) -> &'static str {
        match self {
            Finding::Rhythm(_) | Finding::Rate(_) => "rhythm",
            Finding::Av(_) => "av_block",
            Finding::ShortPr => "av_conduction",
            Finding::Bbb(..) | Finding::Fascicular(_) | Finding::Ivcd | Finding::PreExcitation => {
                "conduction"
            }
            Finding::StElevation
            | Finding::StDepression
            | Finding::TInversion
            | Finding::EarlyRepolarisation => "st_t",
            Finding::PathologicalQ | Finding::Ischaemia | Finding::Infarction => {
                "ischaemia_infarction"
            }
            Finding::Lvh | Finding::Rvh => "hypertrophy",
            Finding::AtrialAbnormality(_) => "atrial_abnormality",
            Finding::LowVoltage(_) => "low_voltage",
            Finding::Premature(_) => "premature_complexes",
            Finding::Axis(_) => "axis",
            Finding::LongQt | Finding::ShortQt => "qt",
            Finding::SinusPause => "pause",
        }
    }
}

/// Phrases (normalized: lowercase, hyphens between letters as spaces), longest tried first.
const FINDINGS: &[(&str, Finding)] = {
    use self::Rhythm as R;
    use Completeness::*;
    use Finding::*;
    use RateClass::*;
    &[
        ("normal sinus rhythm", Rhythm(R::Sinus(Normal))),
        ("nsr", Rhythm(R::Sinus(Normal))),
        ("sinus bradycardia", Rhythm(R::Sinus(Brady))),
        ("sinus tachycardia", Rhythm(R::Sinus(Tachy))),
        ("sinus arrhythmia", Rhythm(R::SinusArrhythmia)),
        ("respiratory sinus arrhythmia", Rhythm(R::SinusArrhythmia)),
        ("sinus rhythm", Rhythm(R::Sinus(Any))),
        ("rhythm is sinus", Rhythm(R::Sinus(Any))),
        ("atrial fibrillation", Rhythm(R::Af)),
        ("afib", Rhythm(R::Af)),
        ("a fib", Rhythm(R::Af)),
        ("af", Rhythm(R::Af)),
        ("atrial flutter", Rhythm(R::Flutter)),
        ("aflutter", Rhythm(R::Flutter)),
        ("paced rhythm", Rhythm(R::Paced(PacedChambers::Any))),
        ("pacemaker rhythm", Rhythm(R::Paced(PacedChambers::Any))),
        ("pacing rhythm", Rhythm(R::Paced(PacedChambers::Any))),
        ("paced", Rhythm(R::Paced(PacedChambers::Any))),
        ("evidence of pacing", Rhythm(R::Paced(PacedChambers::Any))),
        ("signs of pacing", Rhythm(R::Paced(PacedChambers::Any))),
        ("electronic pacing", Rhythm(R::Paced(PacedChambers::Any))),
        ("cardiac pacing", Rhythm(R::Paced(PacedChambers::Any))),
        ("pacemaker activity", Rhythm(R::Paced(PacedChambers::Any))),
        ("pacemaker spike", Rhythm(R::Paced(PacedChambers::Any))),
        ("pacemaker stimulus", Rhythm(R::Paced(PacedChambers::Any))),
        ("pacer spike", Rhythm(R::Paced(PacedChambers::Any))),
        ("pacing spike", Rhythm(R::Paced(PacedChambers::Any))),
        ("pacing stimulus", Rhythm(R::Paced(PacedChambers::Any))),
        (
            "atrial paced rhythm",
            Rhythm(R::Paced(PacedChambers::Atrial)),
        ),
        ("atrial paced", Rhythm(R::Paced(PacedChambers::Atrial))),
        ("atrially paced", Rhythm(R::Paced(PacedChambers::Atrial))),
        ("atrial pacing", Rhythm(R::Paced(PacedChambers::Atrial))),
        ("a-paced", Rhythm(R::Paced(PacedChambers::Atrial))),
        ("a-pacing", Rhythm(R::Paced(PacedChambers::Atrial))),
        ("aai pacing", Rhythm(R::Paced(PacedChambers::Atrial))),
        ("aai", Rhythm(R::Paced(PacedChambers::Atrial))),
        (
            "ventricular paced rhythm",
            Rhythm(R::Paced(PacedChambers::Ventricular)),
        ),
        (
            "ventricular paced",
            Rhythm(R::Paced(PacedChambers::Ventricular)),
        ),
        (
            "ventricularly paced",
            Rhythm(R::Paced(PacedChambers::Ventricular)),
        ),
        (
            "ventricular pacing",
            Rhythm(R::Paced(PacedChambers::Ventricular)),
        ),
        (
            "biventricular pacing",
            Rhythm(R::Paced(PacedChambers::Ventricular)),
        ),
        (
            "biventricular paced",
            Rhythm(R::Paced(PacedChambers::Ventricular)),
        ),
        ("v-paced", Rhythm(R::Paced(PacedChambers::Ventricular))),
        ("v-pacing", Rhythm(R::Paced(PacedChambers::Ventricular))),
        ("v paced", Rhythm(R::Paced(PacedChambers::Ventricular))),
        ("v pacing", Rhythm(R::Paced(PacedChambers::Ventricular))),
        ("vvi pacing", Rhythm(R::Paced(PacedChambers::Ventricular))),
        ("vvi", Rhythm(R::Paced(PacedChambers::Ventricular))),
        ("vdd pacing", Rhythm(R::Paced(PacedChambers::Ventricular))),
        ("vdd", Rhythm(R::Paced(PacedChambers::Ventricular))),
        (
            "dual chamber (av sequential) paced rhythm",
            Rhythm(R::Paced(PacedChambers::Dual)),
        ),
        (
            "dual chamber paced rhythm",
            Rhythm(R::Paced(PacedChambers::Dual)),
        ),
        ("dual chamber paced", Rhythm(R::Paced(PacedChambers::Dual))),
        ("dual chamber pacing", Rhythm(R::Paced(PacedChambers::Dual))),
        (
            "av dual paced rhythm",
            Rhythm(R::Paced(PacedChambers::Dual)),
        ),
        ("dual paced", Rhythm(R::Paced(PacedChambers::Dual))),
        (
            "av sequential paced rhythm",
            Rhythm(R::Paced(PacedChambers::Dual)),
        ),
        ("av sequential paced", Rhythm(R::Paced(PacedChambers::Dual))),
        (
            "av sequential pacing",
            Rhythm(R::Paced(PacedChambers::Dual)),
        ),
        (
            "atrioventricular sequential pacing",
            Rhythm(R::Paced(PacedChambers::Dual)),
        ),
        ("sequential pacing", Rhythm(R::Paced(PacedChambers::Dual))),
        ("av paced", Rhythm(R::Paced(PacedChambers::Dual))),
        ("a v paced", Rhythm(R::Paced(PacedChambers::Dual))),
        (
            "a v sequential pacing",
            Rhythm(R::Paced(PacedChambers::Dual)),
        ),
        ("ddd pacing", Rhythm(R::Paced(PacedChambers::Dual))),
        ("ddd", Rhythm(R::Paced(PacedChambers::Dual))),
        ("ectopic atrial rhythm", Rhythm(R::EctopicAtrial)),
        ("wandering atrial pacemaker", Rhythm(R::WanderingPacemaker)),
        ("wandering pacemaker", Rhythm(R::WanderingPacemaker)),
        ("multifocal atrial rhythm", Rhythm(R::WanderingPacemaker)),
        ("wap", Rhythm(R::WanderingPacemaker)),
        (
            "multifocal atrial tachycardia",
            Rhythm(R::MultifocalAtrialTachycardia),
        ),
        (
            "chaotic atrial tachycardia",
            Rhythm(R::MultifocalAtrialTachycardia),
        ),
        (
            "chaotic atrial rhythm",
            Rhythm(R::MultifocalAtrialTachycardia),
        ),
        ("mat", Rhythm(R::MultifocalAtrialTachycardia)),
        ("junctional rhythm", Rhythm(R::Junctional)),
        ("accelerated junctional rhythm", Rhythm(R::Junctional)),
        ("junctional escape rhythm", Rhythm(R::Junctional)),
        ("junctional escape", Rhythm(R::Junctional)),
        ("junctional tachycardia", Rhythm(R::Junctional)),
        ("ventricular tachycardia", Rhythm(R::Vt)),
        ("supraventricular tachycardia", Rhythm(R::Svt)),
        ("svt", Rhythm(R::Svt)),
        ("wide qrs tachycardia", Rhythm(R::WideQrsTachycardia)),
        ("wide complex tachycardia", Rhythm(R::WideQrsTachycardia)),
        (
            "wide qrs complex tachycardia",
            Rhythm(R::WideQrsTachycardia),
        ),
        ("undetermined rhythm", Rhythm(R::Undetermined)),
        ("bradycardia", Rate(Brady)),
        ("bradycardic", Rate(Brady)),
        ("tachycardia", Rate(Tachy)),
        ("tachycardic", Rate(Tachy)),
        ("first degree av block", Av(1)),
        ("first degree atrioventricular block", Av(1)),
        ("first degree heart block", Av(1)),
        ("1st degree av block", Av(1)),
        ("1st degree heart block", Av(1)),
        ("first degree", Av(1)),
        ("second degree av block", Av(2)),
        ("second degree atrioventricular block", Av(2)),
        ("second degree heart block", Av(2)),
        ("2nd degree av block", Av(2)),
        ("2nd degree heart block", Av(2)),
        ("second degree", Av(2)),
        ("mobitz type ii", Av(2)),
        ("mobitz type i", Av(2)),
        ("mobitz ii", Av(2)),
        ("mobitz i", Av(2)),
        ("mobitz", Av(2)),
        ("wenckebach", Av(2)),
        ("2:1 av block", Av(2)),
        ("high grade av block", Av(2)),
        ("advanced (high grade) av block", Av(2)),
        ("advanced av block", Av(2)),
        ("third degree av block", Av(3)),
        ("third degree atrioventricular block", Av(3)),
        ("third degree heart block", Av(3)),
        ("3rd degree av block", Av(3)),
        ("3rd degree heart block", Av(3)),
        ("third degree (complete) av block", Av(3)),
        ("third degree", Av(3)),
        ("complete heart block", Av(3)),
        ("complete av block", Av(3)),
        ("av block", Av(0)),
        ("atrioventricular block", Av(0)),
        ("heart block", Av(0)),
        (
            "incomplete right bundle branch block",
            Bbb(Side::Right, Incomplete),
        ),
        (
            "incomplete left bundle branch block",
            Bbb(Side::Left, Incomplete),
        ),
        (
            "complete right bundle branch block",
            Bbb(Side::Right, Complete),
        ),
        (
            "complete left bundle branch block",
            Bbb(Side::Left, Complete),
        ),
        ("right bundle branch block", Bbb(Side::Right, Unspecified)),
        ("left bundle branch block", Bbb(Side::Left, Unspecified)),
        ("incomplete rbbb", Bbb(Side::Right, Incomplete)),
        ("incomplete lbbb", Bbb(Side::Left, Incomplete)),
        ("rbbb", Bbb(Side::Right, Unspecified)),
        ("lbbb", Bbb(Side::Left, Unspecified)),
        ("bundle branch block", Bbb(Side::Any, Unspecified)),
        (
            "left anterior fascicular block",
            Fascicular(Fascicle::Anterior),
        ),
        (
            "left posterior fascicular block",
            Fascicular(Fascicle::Posterior),
        ),
        ("left anterior hemiblock", Fascicular(Fascicle::Anterior)),
        ("left posterior hemiblock", Fascicular(Fascicle::Posterior)),
        ("lafb", Fascicular(Fascicle::Anterior)),
        ("lpfb", Fascicular(Fascicle::Posterior)),
        ("fascicular block", Fascicular(Fascicle::Any)),
        ("hemiblock", Fascicular(Fascicle::Any)),
        ("intraventricular conduction delay", Ivcd),
        ("intraventricular conduction defect", Ivcd),
        ("intraventricular conduction disorder", Ivcd),
        ("ivcd", Ivcd),
        ("ventricular pre excitation", PreExcitation),
        ("ventricular preexcitation", PreExcitation),
        ("pre excitation", PreExcitation),
        ("preexcitation", PreExcitation),
        ("wolff parkinson white", PreExcitation),
        ("wpw", PreExcitation),
        ("delta wave", PreExcitation),
        ("short pr interval", ShortPr),
        ("short pr", ShortPr),
        ("shortened pr interval", ShortPr),
        ("shortened pr", ShortPr),
        ("st segment elevation", StElevation),
        ("st elevation", StElevation),
        ("elevated st segment", StElevation),
        ("stemi", StElevation),
        ("st segment depression", StDepression),
        ("st depression", StDepression),
        ("depressed st segment", StDepression),
        ("t wave inversion", TInversion),
        ("inverted t wave", TInversion),
        ("t inversion", TInversion),
        ("early repolarization", EarlyRepolarisation),
        ("early repolarisation", EarlyRepolarisation),
        ("pathological q wave", PathologicalQ),
        ("pathologic q wave", PathologicalQ),
        ("abnormal q wave", PathologicalQ),
        ("significant q wave", PathologicalQ),
        ("q wave abnormal", PathologicalQ),
        ("ischemia", Ischaemia),
        ("ischaemia", Ischaemia),
        ("ischemic", Ischaemia),
        ("ischaemic", Ischaemia),
        ("myocardial infarction", Infarction),
        ("infarction", Infarction),
        ("infarct", Infarction),
        ("left ventricular hypertrophy", Lvh),
        ("lvh", Lvh),
        ("right ventricular hypertrophy", Rvh),
        ("rvh", Rvh),
        ("left atrial abnormality", AtrialAbnormality(Atria::Left)),
        ("left atrial enlargement", AtrialAbnormality(Atria::Left)),
        ("left atrial overload", AtrialAbnormality(Atria::Left)),
        ("left atrial hypertrophy", AtrialAbnormality(Atria::Left)),
        ("left atrial dilatation", AtrialAbnormality(Atria::Left)),
        ("lae", AtrialAbnormality(Atria::Left)),
        ("p mitrale", AtrialAbnormality(Atria::Left)),
        ("right atrial abnormality", AtrialAbnormality(Atria::Right)),
        ("right atrial enlargement", AtrialAbnormality(Atria::Right)),
        ("right atrial overload", AtrialAbnormality(Atria::Right)),
        ("right atrial hypertrophy", AtrialAbnormality(Atria::Right)),
        ("right atrial dilatation", AtrialAbnormality(Atria::Right)),
        ("rae", AtrialAbnormality(Atria::Right)),
        ("p pulmonale", AtrialAbnormality(Atria::Right)),
        ("biatrial abnormality", AtrialAbnormality(Atria::Both)),
        ("biatrial enlargement", AtrialAbnormality(Atria::Both)),
        ("biatrial overload", AtrialAbnormality(Atria::Both)),
        ("biatrial hypertrophy", AtrialAbnormality(Atria::Both)),
        ("atrial abnormality", AtrialAbnormality(Atria::Any)),
        ("atrial enlargement", AtrialAbnormality(Atria::Any)),
        ("atrial overload", AtrialAbnormality(Atria::Any)),
        (
            "low qrs voltage in limb leads",
            LowVoltage(VoltageLeads::Limb),
        ),
        (
            "low qrs voltage in the limb leads",
            LowVoltage(VoltageLeads::Limb),
        ),
        ("low voltage in limb leads", LowVoltage(VoltageLeads::Limb)),
        (
            "low voltage in the limb leads",
            LowVoltage(VoltageLeads::Limb),
        ),
        ("low limb lead voltage", LowVoltage(VoltageLeads::Limb)),
        (
            "low qrs voltage in precordial leads",
            LowVoltage(VoltageLeads::Precordial),
        ),
        (
            "low qrs voltage in the precordial leads",
            LowVoltage(VoltageLeads::Precordial),
        ),
        (
            "low voltage in precordial leads",
            LowVoltage(VoltageLeads::Precordial),
        ),
        (
            "low voltage in the precordial leads",
            LowVoltage(VoltageLeads::Precordial),
        ),
        (
            "low voltage in the chest leads",
            LowVoltage(VoltageLeads::Precordial),
        ),
        (
            "low precordial voltage",
            LowVoltage(VoltageLeads::Precordial),
        ),
        ("low qrs voltage", LowVoltage(VoltageLeads::Any)),
        ("low voltage qrs", LowVoltage(VoltageLeads::Any)),
        ("low voltage", LowVoltage(VoltageLeads::Any)),
        (
            "premature ventricular complex",
            Premature(Origin::Ventricular),
        ),
        (
            "premature ventricular contraction",
            Premature(Origin::Ventricular),
        ),
        ("premature ventricular beat", Premature(Origin::Ventricular)),
        ("sinus pauses", SinusPause),
        ("sinus pause", SinusPause),
        ("sinus arrest", SinusPause),
        ("sinoatrial pause", SinusPause),
        (
            "ventricular premature complex",
            Premature(Origin::Ventricular),
        ),
        (
            "ventricular premature contraction",
            Premature(Origin::Ventricular),
        ),
        ("ventricular premature beat", Premature(Origin::Ventricular)),
        ("ventricular extrasystole", Premature(Origin::Ventricular)),
        ("ventricular ectopic", Premature(Origin::Ventricular)),
        ("ventricular ectopy", Premature(Origin::Ventricular)),
        ("pvc", Premature(Origin::Ventricular)),
        (
            "premature atrial complex",
            Premature(Origin::Supraventricular),
        ),
        (
            "premature atrial contraction",
            Premature(Origin::Supraventricular),
        ),
        ("premature atrial beat", Premature(Origin::Supraventricular)),
        (
            "atrial premature complex",
            Premature(Origin::Supraventricular),
        ),
        (
            "atrial premature contraction",
            Premature(Origin::Supraventricular),
        ),
        ("atrial premature beat", Premature(Origin::Supraventricular)),
        (
            "supraventricular premature complex",
            Premature(Origin::Supraventricular),
        ),
        (
            "supraventricular premature beat",
            Premature(Origin::Supraventricular),
        ),
        (
            "supraventricular extrasystole",
            Premature(Origin::Supraventricular),
        ),
        ("atrial ectopic", Premature(Origin::Supraventricular)),
        ("pac", Premature(Origin::Supraventricular)),
        ("premature complex", Premature(Origin::Any)),
        ("premature beat", Premature(Origin::Any)),
        ("premature contraction", Premature(Origin::Any)),
        ("extrasystole", Premature(Origin::Any)),
        ("ectopic beat", Premature(Origin::Any)),
        ("left axis deviation", Axis(AxisClass::Left)),
        ("right axis deviation", Axis(AxisClass::Right)),
        ("extreme axis deviation", Axis(AxisClass::Extreme)),
        ("normal axis", Axis(AxisClass::Normal)),
        ("axis is normal", Axis(AxisClass::Normal)),
        ("prolonged qtc", LongQt),
        ("prolonged qt interval", LongQt),
        ("prolonged qt", LongQt),
        ("qt prolongation", LongQt),
        ("qtc prolongation", LongQt),
        ("long qt", LongQt),
        ("short qt interval", ShortQt),
        ("short qt", ShortQt),
    ]
};

#[derive(Debug, Clone, Copy)]
struct FoundFinding {
    start: usize,
    end: usize,
    finding: Finding,
    negated: bool,
}

fn sorted_findings() -> Vec<(&'static str, Finding)> {
    let mut v = FINDINGS.to_vec();
    v.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    v
}

/// Abbreviations that are also English words ("a mat", "wap"), or read as one ("svt"): a
/// finding only when written in
/// capitals in the answer ("MAT"), as clinicians write them.
const CAPITALS_ONLY: &[&str] = &["mat", "wap", "svt"];

/// The findings named in `text` (`norm` is its [`normalize`]d form).
fn scan_findings(text: &str, norm: &[u8]) -> Vec<FoundFinding> {
    let table = sorted_findings();
    let original = text.as_bytes();
    let written_as_found = |p: &str, i: usize| {
        !CAPITALS_ONLY.contains(&p)
            || original
                .get(i..i + p.len())
                .is_some_and(|w| w.iter().all(u8::is_ascii_uppercase))
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < norm.len() {
        let hit = table.iter().find_map(|(p, f)| {
            match_at(norm, i, p)
                .filter(|_| written_as_found(p, i))
                .map(|e| (e, *f))
        });
        match hit {
            Some((e, finding)) => {
                out.push(FoundFinding {
                    start: i,
                    end: e,
                    finding,
                    negated: is_negated(norm, i, e),
                });
                i = e;
            }
            None => i += 1,
        }
    }
    out
}

const NEG_BEFORE: &[&str] = &[
    "no",
    "not",
    "without",
    "absence of",
    "absent",
    "negative for",
    "rule out",
    "rules out",
    "ruled out",
    "free of",
    "neither",
    "nor",
    "isn't",
    "aren't",
    "doesn't",
    "does not",
    "lack of",
    "excludes",
];
const NEG_AFTER: &[&str] = &[
    "is not present",
    "are not present",
    "not present",
    "is absent",
    "are absent",
    "absent",
    "not seen",
    "is not seen",
    "is ruled out",
    "ruled out",
    "is not observed",
    "not observed",
    "is excluded",
];
/// Words after a negation that make it a hedge ("not a definitive diagnosis of ...").
const HEDGES: &[&str] = &[
    "definitive",
    "definite",
    "certain",
    "conclusive",
    "clear",
    "necessarily",
    "only",
    "just",
    "sure",
];
const SCOPE_BREAK: &[&str] = &[
    "but", "however", "although", "though", "while", "whereas", "yet", "except",
];

fn is_negated(norm: &[u8], start: usize, end: usize) -> bool {
    // Before: back to the clause start, a comma or a scope breaker, at most six words.
    let cs = clause_start(norm, start);
    let mut from = cs;
    if let Some(c) = norm[cs..start].iter().rposition(|c| *c == b',') {
        from = cs + c + 1;
    }
    if let Some((_, e)) = last_match(norm, from, start, SCOPE_BREAK) {
        from = e;
    }
    let words_from = {
        let mut words = 0;
        let mut j = start;
        while j > from {
            j -= 1;
            if norm[j] == b' ' && j > from && norm[j - 1] != b' ' {
                words += 1;
                if words > 6 {
                    break;
                }
            }
        }
        j.max(from)
    };
    if let Some((_, e)) = last_match(norm, words_from, start, NEG_BEFORE) {
        // "not a definitive diagnosis of AF" hedges; it does not deny.
        return last_match(norm, e, start, HEDGES).is_none();
    }
    let after = skip_spaces(norm, end);
    let ce = clause_end(norm, after).min(after + 24);
    NEG_AFTER
        .iter()
        .any(|p| (after..ce.max(after)).any(|i| i <= after + 6 && match_at(norm, i, p).is_some()))
}

enum Relation {
    Same,
    Conflicts,
    Unrelated,
}

fn relation(claim: Finding, fact: Finding) -> Relation {
    use Finding as F;
    let same = |b: bool| {
        if b {
            Relation::Same
        } else {
            Relation::Conflicts
        }
    };
    match (claim, fact) {
        (F::Rhythm(Rhythm::Undetermined), _) | (_, F::Rhythm(Rhythm::Undetermined)) => {
            Relation::Unrelated
        }
        (F::Rhythm(Rhythm::Sinus(a)), F::Rhythm(Rhythm::Sinus(b))) => {
            same(a == RateClass::Any || b == RateClass::Any || a == b)
        }
        // Sinus arrhythmia is a sinus rhythm at a rate it does not name; a sinus rhythm
        // statement does not say whether the cycle varies.
        (F::Rhythm(Rhythm::SinusArrhythmia), F::Rhythm(Rhythm::Sinus(_))) => Relation::Unrelated,
        (F::Rhythm(Rhythm::Sinus(a)), F::Rhythm(Rhythm::SinusArrhythmia)) => {
            if a == RateClass::Any {
                Relation::Same
            } else {
                Relation::Unrelated
            }
        }
        (F::Rhythm(Rhythm::Paced(a)), F::Rhythm(Rhythm::Paced(b))) => paced_relation(a, b),
        // A regular tachycardia whose atrial activity is not seen names its mechanisms as
        // possible; only a narrow QRS excludes a ventricular tachycardia.
        (F::Rhythm(Rhythm::Vt), F::Rhythm(Rhythm::Svt))
        | (F::Rhythm(Rhythm::Svt), F::Rhythm(Rhythm::Vt)) => Relation::Conflicts,
        (F::Rhythm(a), F::Rhythm(b))
            if a != b
                && [a, b]
                    .iter()
                    .any(|r| matches!(r, Rhythm::Svt | Rhythm::WideQrsTachycardia)) =>
        {
            Relation::Unrelated
        }
        (F::Rate(a), F::Rhythm(Rhythm::Svt | Rhythm::WideQrsTachycardia)) => {
            same(a == RateClass::Tachy)
        }
        (F::Rhythm(a), F::Rhythm(b)) => same(a == b),
        (F::Rate(a), F::Rhythm(Rhythm::Sinus(b)) | F::Rate(b)) => {
            if b == RateClass::Any {
                Relation::Unrelated
            } else {
                same(a == b)
            }
        }
        // Multifocal atrial tachycardia is over 100/min; the wandering pacemaker at most 100.
        (F::Rate(a), F::Rhythm(Rhythm::MultifocalAtrialTachycardia)) => same(a == RateClass::Tachy),
        (F::Rate(RateClass::Tachy), F::Rhythm(Rhythm::WanderingPacemaker)) => Relation::Conflicts,
        (F::Rhythm(Rhythm::Sinus(a)), F::Rate(b)) if a != RateClass::Any => same(a == b),
        (F::Av(a), F::Av(b)) => same(a == 0 || b == 0 || a == b),
        // A short PR and a first-degree AV block (PR > 200 ms) exclude each other.
        (F::ShortPr, F::Av(1)) | (F::Av(1), F::ShortPr) => Relation::Conflicts,
        (F::Fascicular(a), F::Fascicular(b)) => {
            same(a == Fascicle::Any || b == Fascicle::Any || a == b)
        }
        (F::AtrialAbnormality(a), F::AtrialAbnormality(b)) => match (a, b) {
            (Atria::Any, _) => Relation::Same,
            (a, b) if a == b => Relation::Same,
            (Atria::Left | Atria::Right, Atria::Both) => Relation::Same,
            // Left and right are not exclusive; a biatrial claim is judged side by side
            // ([`judge_finding`]).
            _ => Relation::Unrelated,
        },
        (F::LowVoltage(a), F::LowVoltage(b)) => {
            if a == VoltageLeads::Any || a == b {
                Relation::Same
            } else {
                Relation::Unrelated
            }
        }
        // The repolarisation statements' criteria say "consider ischaemia" (ST depression,
        // T inversion) and "consider acute myocardial injury" (ST elevation), the Q-wave one
        // "consider prior myocardial infarction".
        (F::Ischaemia, F::StDepression | F::TInversion | F::StElevation) => Relation::Same,
        (F::Infarction, F::PathologicalQ | F::StElevation) => Relation::Same,
        (F::Bbb(s, c), F::Bbb(s2, c2)) => {
            let side = s == Side::Any || s2 == Side::Any || s == s2;
            let comp = !matches!(
                (c, c2),
                (Completeness::Complete, Completeness::Incomplete)
                    | (Completeness::Incomplete, Completeness::Complete)
            );
            same(side && comp)
        }
        // A claim of premature beats naming no origin matches any; one naming an origin
        // matches that origin only: a fact naming none (the analysis' "Premature complexes of
        // undetermined origin" on one or two leads, a device's "premature ectopic complexes")
        // neither supports nor contradicts it.
        (F::Premature(a), F::Premature(b)) => {
            if a == Origin::Any || a == b {
                Relation::Same
            } else {
                Relation::Unrelated
            }
        }
        (F::Axis(a), F::Axis(b)) => same(a == b),
        (F::LongQt, F::ShortQt) | (F::ShortQt, F::LongQt) => Relation::Conflicts,
        (a, b) if a == b => Relation::Same,
        _ => Relation::Unrelated,
    }
}

/// Paced rhythms by the chambers paced: a mode not named matches any; a single chamber is
/// paced in a dual-chamber rhythm too; otherwise different modes exclude each other.
fn paced_relation(claim: PacedChambers, fact: PacedChambers) -> Relation {
    use PacedChambers as P;
    match (claim, fact) {
        (P::Any, _) | (_, P::Any) => Relation::Same,
        (a, b) if a == b => Relation::Same,
        (P::Atrial | P::Ventricular, P::Dual) => Relation::Same,
        _ => Relation::Conflicts,
    }
}

fn statement_fact(st: &Statement) -> String {
    let state = match st.state {
        StatementState::Confirmed => "confirmed by the clinician",
        StatementState::Edited => "edited by the clinician",
        StatementState::Rejected => "rejected by the clinician",
        StatementState::Suggested => "suggested, not reviewed",
    };
    format!("statement \"{}\" ({state})", st.text)
}

fn annotation_fact(a: &Annotation) -> String {
    format!("annotation at {:.2} s: {}", a.onset_s, a.text)
}

/// Evidence about a finding: (supports, fact) pairs in priority order.
struct Evidence {
    support: Option<String>,
    against: Option<String>,
}

impl Evidence {
    fn new() -> Self {
        Self {
            support: None,
            against: None,
        }
    }
    fn support(&mut self, f: String) {
        self.support.get_or_insert(f);
    }
    fn against(&mut self, f: String) {
        self.against.get_or_insert(f);
    }
}

/// What the statements and annotations say about `finding` (read positively).
fn textual_evidence(finding: Finding, facts: &Facts) -> Evidence {
    let mut ev = Evidence::new();
    for st in &facts.statements {
        let norm = normalize(&st.text);
        for sf in scan_findings(&st.text, &norm) {
            // A statement "Sinus rhythm" means a normal rate (device convention).
            let fact_finding = match sf.finding {
                Finding::Rhythm(Rhythm::Sinus(RateClass::Any)) => {
                    Finding::Rhythm(Rhythm::Sinus(RateClass::Normal))
                }
                f => f,
            };
            let asserted = !sf.negated && st.state != StatementState::Rejected;
            let rel = relation(finding, fact_finding);
            match (rel, asserted) {
                (Relation::Same, true) => ev.support(statement_fact(st)),
                (Relation::Same, false) => ev.against(statement_fact(st)),
                (Relation::Conflicts, true) => ev.against(statement_fact(st)),
                _ => {}
            }
        }
    }
    for a in &facts.annotations {
        let norm = normalize(&a.text);
        for sf in scan_findings(&a.text, &norm) {
            if matches!(relation(finding, sf.finding), Relation::Same) && !sf.negated {
                ev.support(annotation_fact(a));
            }
        }
    }
    ev
}

fn rounded(v: f64) -> f64 {
    v.round()
}

fn hr_fact(m: &Measurements) -> Option<f64> {
    m.hr.map(|v| rounded(v.0))
        .or_else(|| m.rr.filter(|r| r.0 > 0.0).map(|r| rounded(60_000.0 / r.0)))
}

/// What the measurements say about `finding`: `Some(true, fact)` supports, `Some(false, fact)`
/// contradicts.
/// How far (ms) a QRS duration may fall short of a bundle-branch block's bound before a
/// claim of that block is contradicted: readers and programs measure it 10 ms apart.
const BBB_TOLERANCE_MS: f64 = 10.0;

fn measured_evidence(finding: Finding, facts: &Facts) -> Option<(bool, String)> {
    let m = facts.measurements.as_ref()?;
    // A child's tachycardia starts above the age's bound, as the statements judge it.
    let tachy_above = signal::sinus_tachycardia_above(facts.age_years);
    let rate = |class: RateClass, can_support: bool| -> Option<(bool, String)> {
        let hr = hr_fact(m)?;
        let fact = format!("measured heart rate {hr:.0} bpm");
        let inside = match class {
            RateClass::Brady => hr < 60.0,
            RateClass::Tachy => hr > tachy_above,
            RateClass::Normal => (60.0..=tachy_above).contains(&hr),
            RateClass::Any => return None,
        };
        if !inside {
            Some((false, fact))
        } else if can_support {
            Some((true, fact))
        } else {
            None
        }
    };
    match finding {
        Finding::Rhythm(Rhythm::Sinus(c)) => rate(c, false),
        Finding::Rhythm(Rhythm::MultifocalAtrialTachycardia) => rate(RateClass::Tachy, false),
        Finding::Rhythm(Rhythm::WanderingPacemaker) => {
            let hr = hr_fact(m)?;
            (hr > tachy_above).then(|| (false, format!("measured heart rate {hr:.0} bpm")))
        }
        Finding::Rate(c) => rate(c, true),
        Finding::Av(1) => {
            let pr = rounded(m.pr?.0);
            Some((pr > 200.0, format!("measured PR {pr:.0} ms")))
        }
        Finding::ShortPr => {
            let pr = rounded(m.pr?.0);
            Some((pr < 120.0, format!("measured PR {pr:.0} ms")))
        }
        Finding::Fascicular(f) if f != Fascicle::Any => {
            let a = rounded(m.axis.qrs?.0);
            let inside = match f {
                Fascicle::Anterior => (-90.0..=-45.0).contains(&a),
                _ => a > 90.0 && a <= 180.0,
            };
            (!inside).then(|| (false, format!("measured QRS axis {a:.0}°")))
        }
        Finding::Bbb(..) | Finding::Ivcd => {
            let qrs = rounded(m.qrs?.0);
            let fact = format!("measured QRS {qrs:.0} ms");
            let c = match finding {
                Finding::Bbb(_, c) => c,
                _ => Completeness::Incomplete,
            };
            // The statements' bounds for the age (an adult's 110 and 120 ms, a child's
            // shorter), less the 10 ms a QRS duration can differ by between readers.
            let (incomplete, complete) = signal::bundle_branch_qrs_ms(facts.age_years);
            let wide_enough = match c {
                Completeness::Incomplete => qrs >= incomplete - BBB_TOLERANCE_MS,
                Completeness::Complete | Completeness::Unspecified => {
                    qrs >= complete - BBB_TOLERANCE_MS
                }
            };
            (!wide_enough).then_some((false, fact))
        }
        Finding::Axis(class) => {
            let a = rounded(m.axis.qrs?.0);
            let fact = format!("measured QRS axis {a:.0}°");
            let inside = match class {
                AxisClass::Normal => (-30.0..=90.0).contains(&a),
                AxisClass::Left => (-90.0..=-30.0).contains(&a),
                AxisClass::Right => (90.0..=180.0).contains(&a),
                AxisClass::Extreme => a <= -90.0 || a > 180.0,
            };
            Some((inside, fact))
        }
        Finding::LongQt | Finding::ShortQt => {
            // The statements judged no QT here (a wave rides on the T wave's end): neither
            // does the check.
            if facts.statements.iter().any(|s| {
                s.criterion
                    .as_deref()
                    .is_some_and(|c| c.contains(signal::QT_NOT_JUDGED))
            }) {
                return None;
            }
            let all: Vec<(QtcFormula, f64)> = QtcFormula::ALL
                .iter()
                .filter_map(|f| m.qtc.get(*f).map(|v| (*f, rounded(v.0))))
                .collect();
            if all.is_empty() {
                return None;
            }
            let bazett = m.qtc.bazett.map(|v| rounded(v.0));
            let list = qtc_list(&all);
            // A wide QRS lengthens the QT by itself: the statements judge its QT by the JT
            // index instead (signal r29), and so does the check (a QTc of 490 ms from a left
            // bundle-branch block's QRS supported a "prolonged QT" claim).
            let wide = m
                .qrs
                .zip(m.qt)
                .zip(m.hr)
                .filter(|((q, _), _)| q.0 >= signal::WIDE_QRS_MS);
            if finding == Finding::LongQt
                && let Some(((qrs, qt), hr)) = wide
            {
                let jti = signal::jt_index(qt.0, qrs.0, hr.0);
                return Some((
                    jti > signal::JT_INDEX_MAX,
                    format!(
                        "measured QRS {:.0} ms, so the QT is judged by the JT index: {jti:.0} (prolonged above {:.0})",
                        rounded(qrs.0),
                        signal::JT_INDEX_MAX
                    ),
                ));
            }
            // The statements state a QTc beyond its bound only when Fridericia's agrees with
            // Bazett's (which overcorrects above 60/min, undercorrects below): so does the
            // support here (Bazett 480 ms at 90/min is Fridericia 449).
            let fridericia = m.qtc.fridericia.map(|v| rounded(v.0));
            let both = |beyond: &dyn Fn(f64) -> bool| {
                bazett.is_some_and(beyond) && fridericia.is_none_or(beyond)
            };
            if finding == Finding::LongQt {
                if all.iter().all(|(_, v)| *v <= 440.0) {
                    Some((false, list))
                } else if both(&|q| q >= 470.0) {
                    Some((true, list))
                } else {
                    None
                }
            } else if all.iter().all(|(_, v)| *v >= 360.0) {
                Some((false, list))
            } else if both(&|q| q < 340.0) {
                Some((true, list))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn qtc_list(all: &[(QtcFormula, f64)]) -> String {
    let parts: Vec<String> = all
        .iter()
        .map(|(f, v)| format!("{} {v:.0} ms", f.name()))
        .collect();
    format!("measured QTc {}", parts.join(", "))
}

fn judge_finding(f: &FoundFinding, facts: &Facts) -> (ClaimStatus, Option<String>) {
    if f.finding == Finding::AtrialAbnormality(Atria::Both) {
        return judge_biatrial(f, facts);
    }
    judge_one(f, facts)
}

/// A biatrial abnormality is a left and a right one: supported when the facts support both
/// sides, contradicted when they contradict either; a denial the other way round.
fn judge_biatrial(f: &FoundFinding, facts: &Facts) -> (ClaimStatus, Option<String>) {
    let side = |atria| {
        let claim = FoundFinding {
            finding: Finding::AtrialAbnormality(atria),
            negated: false,
            ..*f
        };
        judge_one(&claim, facts)
    };
    let (left, right) = (side(Atria::Left), side(Atria::Right));
    let (status, fact) = match (left, right) {
        ((ClaimStatus::Supported, Some(l)), (ClaimStatus::Supported, Some(r))) => {
            let fact = if l == r { l } else { format!("{l}; {r}") };
            (ClaimStatus::Supported, Some(fact))
        }
        ((ClaimStatus::Contradicted, fact), _) | (_, (ClaimStatus::Contradicted, fact)) => {
            (ClaimStatus::Contradicted, fact)
        }
        _ => (ClaimStatus::NotInFacts, None),
    };
    match (f.negated, status) {
        (false, _) | (true, ClaimStatus::NotInFacts) => (status, fact),
        (true, ClaimStatus::Supported) => (ClaimStatus::Contradicted, fact),
        (true, ClaimStatus::Contradicted) => (ClaimStatus::Supported, fact),
    }
}

fn judge_one(f: &FoundFinding, facts: &Facts) -> (ClaimStatus, Option<String>) {
    let text = textual_evidence(f.finding, facts);
    let measured = measured_evidence(f.finding, facts);
    // Read positively: what supports the finding, what contradicts it.
    let (pos, neg) = {
        let mut pos = text.support.clone();
        let mut neg = text.against.clone();
        if let Some((ok, fact)) = measured {
            if ok {
                pos = pos.or(Some(fact));
            } else {
                neg = neg.or(Some(fact));
            }
        }
        (pos, neg)
    };
    if !f.negated {
        if let Some(p) = text.support {
            return (ClaimStatus::Supported, Some(p));
        }
        if let Some(n) = neg {
            return (ClaimStatus::Contradicted, Some(n));
        }
        if let Some(p) = pos {
            return (ClaimStatus::Supported, Some(p));
        }
    } else {
        // "No X": contradicted by what supports X, supported by what contradicts it.
        if let Some(p) = pos {
            return (ClaimStatus::Contradicted, Some(p));
        }
        if let Some(n) = neg {
            return (ClaimStatus::Supported, Some(n));
        }
    }
    (ClaimStatus::NotInFacts, None)
}

// ---------------------------------------------------------------------------------------------
// Numbers.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Quantity {
    Rate,
    AtrialRate,
    Rr,
    Pr,
    Qrs,
    Qt,
    Qtc(Option<QtcFormula>),
    PDuration,
    PAxis,
    QrsAxis,
    TAxis,
    RecordingLength,
    SamplingRate,
    Age,
    Leads,
    Amplitude,
    /// A duration in ms with no name.
    AnyInterval,
    /// An angle with no name.
    AnyAngle,
    /// Seconds with no name.
    AnySeconds,
}

impl Quantity {
    fn kind(self) -> &'static str {
        match self {
            Quantity::Rate => "heart_rate",
            Quantity::AtrialRate => "atrial_rate",
            Quantity::Rr => "rr",
            Quantity::Pr => "pr",
            Quantity::Qrs => "qrs",
            Quantity::Qt => "qt",
            Quantity::Qtc(_) => "qtc",
            Quantity::PDuration => "p_duration",
            Quantity::PAxis => "p_axis",
            Quantity::QrsAxis => "qrs_axis",
            Quantity::TAxis => "t_axis",
            Quantity::RecordingLength => "recording_length",
            Quantity::SamplingRate => "sampling_rate",
            Quantity::Age => "age",
            Quantity::Leads => "leads",
            Quantity::Amplitude => "amplitude",
            Quantity::AnyInterval => "interval",
            Quantity::AnyAngle => "angle",
            Quantity::AnySeconds => "time",
        }
    }

    fn unit(self) -> Unit {
        match self {
            Quantity::Rate | Quantity::AtrialRate => Unit::Bpm,
            Quantity::Rr
            | Quantity::Pr
            | Quantity::Qrs
            | Quantity::Qt
            | Quantity::Qtc(_)
            | Quantity::PDuration
            | Quantity::AnyInterval => Unit::Ms,
            Quantity::PAxis | Quantity::QrsAxis | Quantity::TAxis | Quantity::AnyAngle => Unit::Deg,
            Quantity::RecordingLength | Quantity::AnySeconds => Unit::S,
            Quantity::SamplingRate => Unit::Hz,
            Quantity::Age => Unit::Years,
            Quantity::Leads => Unit::Leads,
            Quantity::Amplitude => Unit::Mv,
        }
    }

    /// Plausible values for a number without a unit (so "PR in 2 of 10 beats" is no claim).
    fn plausible_unitless(self, v: f64) -> bool {
        match self {
            Quantity::Rate | Quantity::AtrialRate => (20.0..=350.0).contains(&v),
            Quantity::Rr => (200.0..=3000.0).contains(&v),
            Quantity::Pr | Quantity::PDuration => (40.0..=500.0).contains(&v),
            Quantity::Qrs => (40.0..=250.0).contains(&v),
            Quantity::Qt | Quantity::Qtc(_) => (150.0..=800.0).contains(&v),
            Quantity::PAxis | Quantity::QrsAxis | Quantity::TAxis => {
                (-180.0..=360.0).contains(&v) && v.abs() >= 1.0
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Bpm,
    Ms,
    S,
    Mv,
    Mm,
    Deg,
    Hz,
    Years,
    Leads,
    /// Paper speed or gain (mm/s, mm/mV): not a claim about the tracing.
    Skip,
}

const UNITS: &[(&str, Unit)] = &[
    ("beats per minute", Unit::Bpm),
    ("beats a minute", Unit::Bpm),
    ("beats/min", Unit::Bpm),
    ("beats / min", Unit::Bpm),
    ("bpm", Unit::Bpm),
    ("/min", Unit::Bpm),
    ("per minute", Unit::Bpm),
    ("milliseconds", Unit::Ms),
    ("millisecond", Unit::Ms),
    ("msec", Unit::Ms),
    ("ms", Unit::Ms),
    ("seconds", Unit::S),
    ("second", Unit::S),
    ("sec", Unit::S),
    ("s", Unit::S),
    ("millivolts", Unit::Mv),
    ("millivolt", Unit::Mv),
    ("mv", Unit::Mv),
    ("mm/s", Unit::Skip),
    ("mm/mv", Unit::Skip),
    ("mm", Unit::Mm),
    ("millimeters", Unit::Mm),
    ("millimetres", Unit::Mm),
    ("degrees", Unit::Deg),
    ("degree", Unit::Deg),
    ("deg", Unit::Deg),
    ("\u{b0}", Unit::Deg),
    ("hz", Unit::Hz),
    ("years old", Unit::Years),
    ("year old", Unit::Years),
    ("years", Unit::Years),
    ("leads", Unit::Leads),
    ("lead", Unit::Leads),
];

const KEYWORDS: &[(&str, Quantity)] = &[
    ("heart rate", Quantity::Rate),
    ("ventricular rate", Quantity::Rate),
    ("pulse rate", Quantity::Rate),
    ("rate", Quantity::Rate),
    ("hr", Quantity::Rate),
    ("pulse", Quantity::Rate),
    ("atrial rate", Quantity::AtrialRate),
    ("rr interval", Quantity::Rr),
    ("r r interval", Quantity::Rr),
    ("rr", Quantity::Rr),
    ("pr interval", Quantity::Pr),
    ("p r interval", Quantity::Pr),
    ("pq interval", Quantity::Pr),
    ("pr", Quantity::Pr),
    ("pq", Quantity::Pr),
    ("qrs duration", Quantity::Qrs),
    ("qrs complex", Quantity::Qrs),
    ("qrs width", Quantity::Qrs),
    ("qrs interval", Quantity::Qrs),
    ("qrs", Quantity::Qrs),
    ("qt interval", Quantity::Qt),
    ("qt", Quantity::Qt),
    ("qtc interval", Quantity::Qtc(None)),
    ("qtc", Quantity::Qtc(None)),
    ("qtcb", Quantity::Qtc(Some(QtcFormula::Bazett))),
    ("qtcf", Quantity::Qtc(Some(QtcFormula::Fridericia))),
    ("corrected qt interval", Quantity::Qtc(None)),
    ("corrected qt", Quantity::Qtc(None)),
    ("qt corrected", Quantity::Qtc(None)),
    ("p wave duration", Quantity::PDuration),
    ("p duration", Quantity::PDuration),
    ("p axis", Quantity::PAxis),
    ("p wave axis", Quantity::PAxis),
    ("qrs axis", Quantity::QrsAxis),
    ("electrical axis", Quantity::QrsAxis),
    ("cardiac axis", Quantity::QrsAxis),
    ("frontal axis", Quantity::QrsAxis),
    ("axis", Quantity::QrsAxis),
    ("t axis", Quantity::TAxis),
    ("t wave axis", Quantity::TAxis),
    ("recording", Quantity::RecordingLength),
    ("duration", Quantity::RecordingLength),
    ("long", Quantity::RecordingLength),
    ("length", Quantity::RecordingLength),
    ("lasts", Quantity::RecordingLength),
    ("sampling rate", Quantity::SamplingRate),
    ("sampling frequency", Quantity::SamplingRate),
    ("sample rate", Quantity::SamplingRate),
    ("sampled", Quantity::SamplingRate),
    ("age", Quantity::Age),
    ("aged", Quantity::Age),
    ("amplitude", Quantity::Amplitude),
    ("voltage", Quantity::Amplitude),
    ("elevation", Quantity::Amplitude),
    ("depression", Quantity::Amplitude),
];

const COMPARATORS: &[(&str, Bound)] = &[
    (">=", Bound::AtLeast),
    (">", Bound::AtLeast),
    ("\u{2265}", Bound::AtLeast),
    ("<=", Bound::AtMost),
    ("<", Bound::AtMost),
    ("\u{2264}", Bound::AtMost),
    ("above", Bound::AtLeast),
    ("over", Bound::AtLeast),
    ("greater than", Bound::AtLeast),
    ("more than", Bound::AtLeast),
    ("higher than", Bound::AtLeast),
    ("faster than", Bound::AtLeast),
    ("exceeds", Bound::AtLeast),
    ("exceeding", Bound::AtLeast),
    ("at least", Bound::AtLeast),
    ("below", Bound::AtMost),
    ("under", Bound::AtMost),
    ("less than", Bound::AtMost),
    ("lower than", Bound::AtMost),
    ("slower than", Bound::AtMost),
    ("shorter than", Bound::AtMost),
    ("longer than", Bound::AtLeast),
    ("at most", Bound::AtMost),
    ("up to", Bound::AtMost),
];

const REFERENCE_WORDS: &[&str] = &[
    "normal",
    "normally",
    "typical",
    "typically",
    "usual",
    "usually",
    "reference",
    "limit",
    "defined",
    "cutoff",
    "threshold",
    "considered",
    "should",
    "range",
    "criteria",
    "criterion",
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    Exact,
    AtLeast,
    AtMost,
    Range(f64),
}

#[derive(Debug, Clone)]
struct FoundNumber {
    /// Where the claim text starts (the quantity's name when it comes first).
    span_start: usize,
    num_start: usize,
    end: usize,
    /// In the quantity's unit (seconds of an interval already in ms, mm in mV).
    value: f64,
    bound: Bound,
    quantity: Quantity,
}

/// Reads a number at `i` (digits, optional decimals); returns (value, end).
fn read_number(norm: &[u8], i: usize) -> Option<(f64, usize)> {
    let mut e = i;
    while norm.get(e).is_some_and(|c| c.is_ascii_digit()) {
        e += 1;
    }
    if e == i {
        return None;
    }
    if norm.get(e) == Some(&b'.') && norm.get(e + 1).is_some_and(|c| c.is_ascii_digit()) {
        e += 1;
        while norm.get(e).is_some_and(|c| c.is_ascii_digit()) {
            e += 1;
        }
    }
    let s = std::str::from_utf8(&norm[i..e]).ok()?;
    Some((s.parse().ok()?, e))
}

/// A unit right after `i` (spaces or one hyphen allowed before it).
fn read_unit(norm: &[u8], i: usize) -> Option<(Unit, usize)> {
    let mut j = skip_spaces(norm, i);
    if norm.get(j) == Some(&b'-') && norm.get(j + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
        j += 1;
    }
    UNITS.iter().find_map(|(p, u)| {
        let pb = p.as_bytes();
        if !norm.get(j..)?.starts_with(pb) {
            return None;
        }
        let e = j + pb.len();
        // Letter units end on a word boundary; "°" and "/min" need not.
        if pb.last().is_some_and(|c| c.is_ascii_alphabetic())
            && norm.get(e).is_some_and(|c| is_word(*c))
        {
            return None;
        }
        Some((*u, e))
    })
}

/// A second number of a range after `i`: "-105", " - 105", " to 105", "–105".
fn read_range_end(norm: &[u8], i: usize) -> Option<(f64, usize)> {
    let j = skip_spaces(norm, i);
    let k = if norm.get(j) == Some(&b'-') {
        j + 1
    } else if norm.get(j..j + 3) == Some("\u{2013}".as_bytes()) {
        j + 3
    } else if match_at(norm, j, "to").is_some() || match_at(norm, j, "and").is_some() {
        j + if norm[j] == b't' { 2 } else { 3 }
    } else {
        return None;
    };
    read_number(norm, skip_spaces(norm, k))
}

fn scan_numbers(norm: &[u8]) -> Vec<FoundNumber> {
    let mut out = Vec::new();
    let kw_table = {
        let mut v = KEYWORDS.to_vec();
        v.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        v
    };
    let mut i = 0;
    while i < norm.len() {
        let c = norm[i];
        let starts = c.is_ascii_digit()
            && (i == 0 || !(is_word(norm[i - 1]) || norm[i - 1] == b'.' || norm[i - 1] == b':'));
        if !starts {
            i += 1;
            continue;
        }
        let Some((mut value, mut e)) = read_number(norm, i) else {
            i += 1;
            continue;
        };
        // Sign: "-30°", "−30°", "+90°" (not a range's hyphen).
        let mut num_start = i;
        if i >= 1 && (norm[i - 1] == b'-' || norm[i - 1] == b'+') {
            let before = if i >= 2 { norm[i - 2] } else { b' ' };
            if !before.is_ascii_digit() && !is_word(before) {
                if norm[i - 1] == b'-' {
                    value = -value;
                }
                num_start = i - 1;
            }
        } else if i >= 3 && norm[i - 3..i] == *"\u{2212}".as_bytes() {
            value = -value;
            num_start = i - 3;
        }
        // Ratios, fractions, percentages, ordinals and words like "12th": not claims.
        let next = norm.get(e).copied().unwrap_or(b' ');
        if (next == b':' || next == b'/') && norm.get(e + 1).is_some_and(|c| c.is_ascii_digit())
            || next == b'%'
            || next.is_ascii_alphabetic() && read_unit(norm, e).is_none()
        {
            i = e;
            while norm.get(i).is_some_and(|c| is_word(*c)) {
                i += 1;
            }
            continue;
        }
        // Range?
        let mut bound = Bound::Exact;
        let lo = value;
        if let Some((hi, he)) = read_range_end(norm, e) {
            let between = last_match(
                norm,
                clause_start(norm, i).max(i.saturating_sub(10)),
                i,
                &["between", "from"],
            )
            .is_some();
            let hyphen_or_to = norm[skip_spaces(norm, e)] != b'a';
            if between || hyphen_or_to {
                bound = Bound::Range(hi);
                e = he;
            }
        }
        let unit = read_unit(norm, e);
        let mut end = e;
        let unit = match unit {
            Some((Unit::Skip, ue)) => {
                i = ue;
                continue;
            }
            Some((u, ue)) => {
                end = ue;
                Some(u)
            }
            None => None,
        };
        // Comparator right before the number.
        let cs = clause_start(norm, i);
        if bound == Bound::Exact {
            let mut k = num_start;
            while k > cs && norm[k - 1] == b' ' {
                k -= 1;
            }
            if let Some((_, b)) = COMPARATORS
                .iter()
                .find(|(p, _)| k >= cs + p.len() && match_at(norm, k - p.len(), p) == Some(k))
            {
                bound = *b;
            }
        }
        // Reference values (normal ranges, thresholds) are general knowledge.
        if bound != Bound::Exact {
            let ce = clause_end(norm, end);
            if last_match(norm, cs, ce, REFERENCE_WORDS).is_some() {
                i = end.max(i + 1);
                continue;
            }
        }
        // The quantity: the nearest compatible name before (or right after) the number.
        let mut candidates: Vec<(usize, usize, Quantity)> = Vec::new();
        let window_from = cs.max(num_start.saturating_sub(48));
        let mut k = window_from;
        while k < num_start {
            if let Some((ke, q)) = kw_table
                .iter()
                .find_map(|(p, q)| match_at(norm, k, p).map(|e| (e, *q)))
                && ke <= num_start
            {
                candidates.push((k, ke, q));
                k = ke;
            } else {
                k += 1;
            }
        }
        // No other number between a name and this number.
        candidates.retain(|(_, ke, _)| !norm[*ke..num_start].iter().any(|c| c.is_ascii_digit()));
        let compatible = |q: Quantity| match unit {
            Some(u) => {
                q.unit() == u
                    || (u == Unit::S && q.unit() == Unit::Ms)
                    || (u == Unit::Mm && q.unit() == Unit::Mv)
            }
            None => true,
        };
        let mut chosen = candidates
            .iter()
            .rev()
            .find(|(_, _, q)| compatible(*q))
            .map(|(s, _, q)| (*s, *q));
        if chosen.is_none() {
            // "a 160 ms PR interval"
            let a = skip_spaces(norm, end);
            if let Some((_, q)) = kw_table
                .iter()
                .find_map(|(p, q)| match_at(norm, a, p).map(|e| (e, *q)))
                && compatible(q)
            {
                chosen = Some((num_start, q));
            }
        }
        let quantity = match (chosen, unit) {
            (Some((_, q)), _) => Some(q),
            (None, Some(Unit::Bpm)) => Some(Quantity::Rate),
            (None, Some(Unit::Ms)) => Some(Quantity::AnyInterval),
            (None, Some(Unit::S)) => Some(Quantity::AnySeconds),
            (None, Some(Unit::Mv | Unit::Mm)) => Some(Quantity::Amplitude),
            (None, Some(Unit::Deg)) => Some(Quantity::AnyAngle),
            (None, Some(Unit::Hz)) => Some(Quantity::SamplingRate),
            (None, Some(Unit::Years)) => Some(Quantity::Age),
            (None, Some(Unit::Leads)) => Some(Quantity::Leads),
            (None, Some(Unit::Skip)) | (None, None) => None,
        };
        let Some(mut quantity) = quantity else {
            i = end.max(i + 1);
            continue;
        };
        // "12-lead" or "12 lead ECG" is the recording's lead count; "in 3 leads" is not.
        if quantity == Quantity::Leads {
            let hyphen = norm.get(e) == Some(&b'-');
            let a = skip_spaces(norm, end);
            let noun = ["ecg", "recording", "tracing", "electrocardiogram", "ekg"]
                .iter()
                .any(|w| match_at(norm, a, w).is_some());
            if !hyphen && !noun {
                i = end.max(i + 1);
                continue;
            }
        }
        // A unitless number needs a close name and a plausible value, and no count word after.
        if unit.is_none() {
            let close = chosen.is_some_and(|(s, _)| num_start - s <= 32);
            let a = skip_spaces(norm, end);
            let count_word = ["of", "out", "beats", "times", "complexes", "waves", "and"]
                .iter()
                .any(|w| match_at(norm, a, w).is_some());
            if !close || count_word || !quantity.plausible_unitless(value) {
                i = end.max(i + 1);
                continue;
            }
        }
        // Units: seconds of an interval to ms, mm to mV (10 mm/mV).
        let mut scale = 1.0;
        if unit == Some(Unit::S) && quantity.unit() == Unit::Ms {
            scale = 1000.0;
        }
        if unit == Some(Unit::Mm) {
            scale = 0.1;
        }
        if let Quantity::Qtc(None) = quantity {
            quantity = Quantity::Qtc(formula_near(norm, num_start, end));
        }
        // The claim's text starts at its name unless a comma or an open bracket separates them.
        let span_start = chosen.map_or(num_start, |(s, _)| {
            let between = &norm[s..num_start];
            let open = between.iter().filter(|c| **c == b'(').count();
            let close = between.iter().filter(|c| **c == b')').count();
            if between.contains(&b',') || open != close {
                num_start
            } else {
                s.min(num_start)
            }
        });
        let bound = match bound {
            Bound::Range(hi) => Bound::Range(hi * scale),
            b => b,
        };
        out.push(FoundNumber {
            span_start,
            num_start,
            end,
            value: lo * scale,
            bound,
            quantity,
        });
        i = end.max(i + 1);
    }
    out
}

/// A QTc formula named within a few words of the number, the nearest one.
fn formula_near(norm: &[u8], start: usize, end: usize) -> Option<QtcFormula> {
    let from = clause_start(norm, start).max(start.saturating_sub(30));
    let to = clause_end(norm, end).min(end + 24);
    let names = [
        ("bazett", QtcFormula::Bazett),
        ("fridericia", QtcFormula::Fridericia),
        ("framingham", QtcFormula::Framingham),
        ("hodges", QtcFormula::Hodges),
    ];
    let mut best: Option<(usize, QtcFormula)> = None;
    for i in from..to {
        for (p, f) in names {
            if match_at(norm, i, p).is_some()
                || norm.get(i..).is_some_and(|s| s.starts_with(p.as_bytes()))
                    && (i == 0 || !is_word(norm[i - 1]))
            {
                let d = if i < start {
                    start - i
                } else {
                    i.saturating_sub(end)
                };
                if best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, f));
                }
            }
        }
    }
    best.map(|(_, f)| f)
}

fn within(claim: &FoundNumber, fact: f64, tol: f64) -> bool {
    match claim.bound {
        Bound::Exact => (claim.value - fact).abs() <= tol + 1e-9,
        Bound::Range(hi) => {
            let (lo, hi) = if claim.value <= hi {
                (claim.value, hi)
            } else {
                (hi, claim.value)
            };
            fact >= lo - tol - 1e-9 && fact <= hi + tol + 1e-9
        }
        Bound::AtLeast => fact >= claim.value - tol - 1e-9,
        Bound::AtMost => fact <= claim.value + tol + 1e-9,
    }
}

fn angle_within(claim: &FoundNumber, fact: f64, tol: f64) -> bool {
    let d = (claim.value - fact).rem_euclid(360.0);
    matches!(claim.bound, Bound::Exact) && d.min(360.0 - d) <= tol || within(claim, fact, tol)
}

fn verdict(ok: bool, fact: String) -> (ClaimStatus, Option<String>) {
    if ok {
        (ClaimStatus::Supported, Some(fact))
    } else {
        (ClaimStatus::Contradicted, Some(fact))
    }
}

/// All numbers of `unit` written in statement criteria and annotation texts, with their fact.
fn textual_numbers(facts: &Facts, unit: Unit) -> Vec<(f64, String)> {
    let mut out = Vec::new();
    let mut scan = |text: &str, fact: String| {
        let norm = normalize(text);
        let mut i = 0;
        while i < norm.len() {
            if norm[i].is_ascii_digit()
                && (i == 0 || !is_word(norm[i - 1]) && norm[i - 1] != b'.')
                && let Some((v, e)) = read_number(&norm, i)
            {
                if let Some((u, _)) = read_unit(&norm, e) {
                    let v = if u == Unit::Mm { v * 0.1 } else { v };
                    let u = if u == Unit::Mm { Unit::Mv } else { u };
                    if u == unit {
                        out.push((v, fact.clone()));
                    }
                }
                i = e;
            } else {
                i += 1;
            }
        }
    };
    for st in facts
        .statements
        .iter()
        .filter(|s| s.state != StatementState::Rejected)
    {
        let text = match &st.criterion {
            Some(c) => format!("{}: {c}", st.text),
            None => st.text.clone(),
        };
        scan(&text, statement_fact(st));
    }
    for a in &facts.annotations {
        scan(&a.text, annotation_fact(a));
    }
    out
}

fn judge_number(n: &FoundNumber, facts: &Facts) -> (ClaimStatus, Option<String>) {
    let none = (ClaimStatus::NotInFacts, None);
    let m = facts.measurements.as_ref();
    let interval = |v: Option<ecg::Millis>, name: &str| -> (ClaimStatus, Option<String>) {
        match v {
            Some(v) => {
                let f = rounded(v.0);
                verdict(within(n, f, 10.0), format!("measured {name} {f:.0} ms"))
            }
            None => (ClaimStatus::NotInFacts, None),
        }
    };
    let axis = |v: Option<ecg::Degrees>, name: &str| -> (ClaimStatus, Option<String>) {
        match v {
            Some(v) => {
                let f = rounded(v.0);
                verdict(angle_within(n, f, 10.0), format!("measured {name} {f:.0}°"))
            }
            None => (ClaimStatus::NotInFacts, None),
        }
    };
    let textual = |unit: Unit, tol: f64| -> (ClaimStatus, Option<String>) {
        textual_numbers(facts, unit)
            .into_iter()
            .find(|(v, _)| within(n, *v, tol))
            .map_or((ClaimStatus::NotInFacts, None), |(_, f)| {
                (ClaimStatus::Supported, Some(f))
            })
    };
    match n.quantity {
        Quantity::Rate => match m.and_then(hr_fact) {
            Some(hr) => verdict(
                within(n, hr, (0.05 * hr).max(5.0)),
                format!("measured heart rate {hr:.0} bpm"),
            ),
            None => none,
        },
        Quantity::Rr => match m.and_then(|m| m.rr) {
            Some(rr) => {
                let f = rounded(rr.0);
                verdict(
                    within(n, f, (0.05 * f).max(20.0)),
                    format!("measured RR {f:.0} ms"),
                )
            }
            None => none,
        },
        Quantity::Pr => interval(m.and_then(|m| m.pr), "PR"),
        Quantity::Qrs => interval(m.and_then(|m| m.qrs), "QRS"),
        Quantity::Qt => interval(m.and_then(|m| m.qt), "QT"),
        Quantity::PDuration => interval(m.and_then(|m| m.p_duration), "P duration"),
        Quantity::Qtc(Some(f)) => {
            interval(m.and_then(|m| m.qtc.get(f)), &format!("QTc ({})", f.name()))
        }
        Quantity::Qtc(None) => {
            let Some(m) = m else { return none };
            let all: Vec<(QtcFormula, f64)> = QtcFormula::ALL
                .iter()
                .filter_map(|f| m.qtc.get(*f).map(|v| (*f, rounded(v.0))))
                .collect();
            if all.is_empty() {
                return none;
            }
            match all.iter().find(|(_, v)| within(n, *v, 10.0)) {
                Some((f, v)) => (
                    ClaimStatus::Supported,
                    Some(format!("measured QTc ({}) {v:.0} ms", f.name())),
                ),
                None => (ClaimStatus::Contradicted, Some(qtc_list(&all))),
            }
        }
        Quantity::PAxis => axis(m.and_then(|m| m.axis.p), "P axis"),
        Quantity::QrsAxis => axis(m.and_then(|m| m.axis.qrs), "QRS axis"),
        Quantity::TAxis => axis(m.and_then(|m| m.axis.t), "T axis"),
        Quantity::AnyInterval => {
            let Some(m) = m else { return none };
            let mut all: Vec<(String, f64)> = vec![];
            let mut add = |name: String, v: Option<ecg::Millis>| {
                if let Some(v) = v {
                    all.push((name, rounded(v.0)));
                }
            };
            add("RR".into(), m.rr);
            add("PR".into(), m.pr);
            add("QRS".into(), m.qrs);
            add("QT".into(), m.qt);
            add("P duration".into(), m.p_duration);
            for f in QtcFormula::ALL {
                add(format!("QTc ({})", f.name()), m.qtc.get(f));
            }
            match all.iter().find(|(_, v)| within(n, *v, 10.0)) {
                Some((name, v)) => (
                    ClaimStatus::Supported,
                    Some(format!("measured {name} {v:.0} ms")),
                ),
                None => textual(Unit::Ms, 10.0),
            }
        }
        Quantity::AnyAngle => {
            let Some(m) = m else { return none };
            let all = [
                ("P axis", m.axis.p),
                ("QRS axis", m.axis.qrs),
                ("T axis", m.axis.t),
            ];
            match all
                .iter()
                .filter_map(|(k, v)| v.map(|v| (k, rounded(v.0))))
                .find(|(_, v)| angle_within(n, *v, 10.0))
            {
                Some((k, v)) => (
                    ClaimStatus::Supported,
                    Some(format!("measured {k} {v:.0}°")),
                ),
                None => none,
            }
        }
        Quantity::RecordingLength | Quantity::AnySeconds => {
            for a in &facts.annotations {
                for t in [a.onset_s, a.end_s()] {
                    if within(n, t, 0.05) {
                        return (ClaimStatus::Supported, Some(annotation_fact(a)));
                    }
                }
            }
            match facts.duration_s {
                Some(d) => {
                    let fact = format!("the recording lasts {d:.1} s");
                    if n.quantity == Quantity::RecordingLength {
                        verdict(within(n, d, 0.5), fact)
                    } else if within(n, d, 0.5) {
                        (ClaimStatus::Supported, Some(fact))
                    } else {
                        none
                    }
                }
                None => none,
            }
        }
        Quantity::SamplingRate => match facts.sampling_rate_hz {
            Some(f) => {
                let fact = format!("sampled at {f:.0} Hz");
                if within(n, f, 0.5) {
                    (ClaimStatus::Supported, Some(fact))
                } else {
                    // A frequency could be a filter's; only a named sampling rate is contradicted.
                    let named = n.span_start < n.num_start;
                    if named {
                        (ClaimStatus::Contradicted, Some(fact))
                    } else {
                        none
                    }
                }
            }
            None => none,
        },
        Quantity::Age => match facts.age_years.map(f64::floor) {
            // Whole years, as ages are said (an age counted from the birth date has a fraction).
            Some(a) => verdict(within(n, a, 1.0), format!("patient age {a:.0} years")),
            None => none,
        },
        Quantity::Leads => match facts.leads {
            Some(l) => verdict(
                within(n, l as f64, 0.0),
                format!("the recording has {l} leads"),
            ),
            None => none,
        },
        Quantity::Amplitude => textual(Unit::Mv, 0.05),
        Quantity::AtrialRate => textual(Unit::Bpm, 5.0),
    }
}
