//! Intraventricular conduction: QRS morphology on the median beats and the bundle-branch,
//! fascicular-block, conduction-delay and pre-excitation statements read from it.
//!
//! Criteria (AHA/ACCF/HRS 2009 recommendations for the standardization and interpretation of
//! the ECG, part III: intraventricular conduction disturbances, Surawicz et al.):
//! - Complete RBBB: QRS >= 120 ms; rsr', rsR' or rSR' in V1 or V2, or a wide (often notched)
//!   R in V1 with R-peak time in V1 > 50 ms; S wave in I and V6 longer than the R wave or
//!   > 40 ms. Incomplete RBBB: the same morphology with QRS 110-119 ms.
//! - Complete LBBB: QRS >= 120 ms; broad notched or slurred R in I, aVL, V5, V6 (an RS in V5
//!   or V6 is allowed when the transition is displaced); no q in I, V5, V6 (a narrow q in aVL
//!   allowed); R-peak time > 60 ms in V5 and V6; V1 ending negative (QS or rS).
//!   Incomplete LBBB: QRS 110-119 ms, R-peak time > 60 ms in V4, V5, V6 and no q in I, V5,
//!   V6 (the LVH pattern the recommendations also ask for is named in the criterion, not
//!   tested: voltage cannot be trusted on every recording).
//! - Left anterior fascicular block: frontal QRS axis -45..-90°, qR in aVL, R-peak time in
//!   aVL >= 45 ms, rS in II, III and aVF (two of three), QRS < 120 ms.
//! - Left posterior fascicular block: axis +90..+180°, rS in I and aVL, qR in III and aVF,
//!   QRS < 120 ms; stated as "consider" since right ventricular hypertrophy, a vertical heart
//!   and lateral infarction give the same pattern.
//! - Non-specific intraventricular conduction delay: QRS > 110 ms without the criteria of a
//!   bundle-branch or fascicular block or pre-excitation.
//! - Ventricular pre-excitation (WPW pattern): PR < 120 ms, a delta wave (slowly rising first
//!   30 ms of the QRS) in at least two leads and QRS >= 120 ms.
//!
//! Morphology (per lead, on the 0.5-40 Hz median beat, relative to the PQ level): the QRS,
//! from the global onset to the global offset, is cut into lobes, runs of one sign larger than
//! 5 % of the lead's QRS peak-to-peak (at least 20 µV); a lobe that is still growing where the
//! window ends (20 ms past the offset) is the ST segment, not a wave. The R-peak time runs from
//! the global QRS onset to the last peak of the last positive lobe. Only shapes and timings
//! within a lead are compared (never amplitudes between leads), so the rules hold on
//! recordings whose leads carry their own gains.

use ecg::{Evidence, LeadLabel, Statement, StatementState};

use crate::delineate::ms;
use crate::measure::baseline;

/// QRS duration of a complete bundle-branch block and of pre-excitation (ms).
pub(crate) const QRS_COMPLETE_MS: f64 = 120.0;
/// QRS duration of an incomplete bundle-branch block / conduction delay (ms).
pub(crate) const QRS_INCOMPLETE_MS: f64 = 110.0;
/// R-peak time in V1 above which a dominant R in V1 is right bundle-branch block (ms).
const RBBB_V1_RPT_MS: f64 = 50.0;
/// Width of the S wave in I and V6 above which it is the wide S of RBBB (ms).
const RBBB_S_WIDE_MS: f64 = 40.0;
/// R-peak time in V5 / V6 above which the R is the late R of LBBB (ms).
const LBBB_RPT_MS: f64 = 60.0;
/// R-peak time in aVL of left anterior fascicular block (ms, at least).
const LAFB_AVL_RPT_MS: f64 = 45.0;
/// PR interval of pre-excitation (ms, below).
const WPW_PR_MS: f64 = 120.0;
/// A lobe counts when it reaches this fraction of the lead's QRS peak-to-peak ...
const LOBE_FRACTION: f64 = 0.05;
/// ... and at least this many mV.
const LOBE_MIN_MV: f64 = 0.02;

/// One deflection of the QRS: a run of one sign. Indices are samples from the QRS onset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Lobe {
    pub positive: bool,
    /// First sample (zero crossing or window start).
    pub start: usize,
    /// Last sample.
    pub end: usize,
    /// Sample of the largest magnitude.
    pub peak: usize,
    /// Signed extreme (mV from the PQ level).
    pub amp: f64,
    /// Local extrema of the lobe's sign of at least a quarter of its extreme, in order.
    pub humps: usize,
    /// Sample of the last such extreme.
    pub last_hump: usize,
}

/// The QRS of one lead's median beat, as the conduction criteria read it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QrsShape {
    pub lead: LeadLabel,
    pub fs: f64,
    pub lobes: Vec<Lobe>,
    /// QRS peak-to-peak (mV).
    pub p2p: f64,
    /// Slurred, slowly rising start of the QRS (delta wave).
    pub delta: bool,
}

impl QrsShape {
    fn to_ms(&self, samples: usize) -> f64 {
        samples as f64 * 1000.0 / self.fs
    }

    /// QRS onset to the last peak of the last positive lobe (ms).
    pub fn r_peak_time_ms(&self) -> Option<f64> {
        self.lobes
            .iter()
            .rev()
            .find(|l| l.positive)
            .map(|l| self.to_ms(l.last_hump))
    }

    /// Duration of a lobe (ms).
    pub fn width_ms(&self, l: &Lobe) -> f64 {
        self.to_ms(l.end + 1 - l.start)
    }

    /// The largest lobe.
    fn dominant(&self) -> Option<&Lobe> {
        self.lobes
            .iter()
            .max_by(|a, b| a.amp.abs().total_cmp(&b.amp.abs()))
    }

    /// Whether the lobes end with the signs in `tail` ('+' / '-').
    fn ends_with(&self, tail: &str) -> bool {
        let signs: String = self
            .lobes
            .iter()
            .map(|l| if l.positive { '+' } else { '-' })
            .collect();
        signs.ends_with(tail)
    }

    /// rsr', rsR' or rSR': a positive, a negative and a terminal positive deflection.
    fn rsr_prime(&self) -> bool {
        self.ends_with("+-+")
    }

    /// The last three lobes named as rsr', rsR', rSR', RSr'... (capital when at least a third
    /// of the lead's largest lobe).
    fn rsr_name(&self) -> String {
        let big = self.dominant().map_or(0.0, |d| d.amp.abs()) / 3.0;
        let n = self.lobes.len();
        ["r", "s", "r'"]
            .iter()
            .zip(&self.lobes[n.saturating_sub(3)..])
            .map(|(name, l)| {
                if l.amp.abs() >= big {
                    name.to_uppercase()
                } else {
                    name.to_string()
                }
            })
            .collect()
    }

    /// A dominant terminal R (R, qR, notched R): the last lobe positive and the largest.
    fn dominant_terminal_r(&self) -> bool {
        match (self.lobes.last(), self.dominant()) {
            (Some(l), Some(d)) => l.positive && l == d,
            _ => false,
        }
    }

    /// Widths (ms) of a terminal S and of the R before it.
    fn terminal_s(&self) -> Option<(f64, f64)> {
        let n = self.lobes.len();
        (n >= 2 && self.ends_with("+-"))
            .then(|| (self.width_ms(&self.lobes[n - 1]), self.width_ms(&self.lobes[n - 2])))
    }

    /// The QRS begins with a negative deflection (q, Q or QS).
    fn initial_q(&self) -> bool {
        self.lobes.first().is_some_and(|l| !l.positive)
    }

    /// Broad R: the largest deflection positive and lasting at least half the QRS.
    fn broad_r(&self, qrs_ms: f64) -> bool {
        self.dominant()
            .is_some_and(|d| d.positive && self.width_ms(d) >= qrs_ms / 2.0)
    }

    /// Predominantly negative with a terminal S: rS or QS.
    fn rs_or_qs(&self) -> bool {
        self.lobes.last().is_some_and(|l| !l.positive) && self.dominant() == self.lobes.last()
    }

    /// rS: a small initial r, then a larger S that ends the QRS.
    fn small_r_big_s(&self) -> bool {
        self.lobes.len() == 2 && self.ends_with("+-") && self.rs_or_qs()
    }

    /// qR: an initial q, then the dominant R; a terminal s smaller than half the R allowed.
    fn q_r(&self) -> bool {
        let l = &self.lobes;
        let r_ok = |r: &Lobe| r.positive && Some(r) == self.dominant();
        match l.len() {
            2 => !l[0].positive && r_ok(&l[1]),
            3 => !l[0].positive && r_ok(&l[1]) && l[2].amp.abs() < l[1].amp / 2.0,
            _ => false,
        }
    }

    /// Compact description for the dump: lobes as sign, width and RPT.
    pub fn dump(&self) -> String {
        let mut s = format!("{:?}:", self.lead);
        for l in &self.lobes {
            s.push_str(&format!(
                "{}{:.0}{}{}@{:.0} ",
                if l.positive { '+' } else { '-' },
                100.0 * l.amp.abs() / self.p2p.max(1e-9),
                if l.humps >= 2 { "~" } else { "" },
                format!("[{:.0}-{:.0}]", self.to_ms(l.start), self.to_ms(l.end)),
                self.to_ms(l.last_hump),
            ));
        }
        s.push_str(&format!(
            "rpt={}{}",
            self.r_peak_time_ms().map_or("-".into(), |v| format!("{v:.0}")),
            if self.delta { " DELTA" } else { "" }
        ));
        s
    }
}

/// Reads the QRS of a median beat `m` (mV) between the global QRS `on` and `off`.
pub(crate) fn shape(lead: LeadLabel, m: &[f64], on: usize, off: usize, fs: f64) -> Option<QrsShape> {
    if on >= off || off >= m.len() {
        return None;
    }
    let b = baseline(m, on, fs);
    let end = (off + ms(fs, 20.0)).min(m.len() - 1);
    let y: Vec<f64> = m[on..=end].iter().map(|v| v - b).collect();
    let qrs_len = off - on + 1;
    let (lo, hi) = y[..qrs_len]
        .iter()
        .fold((0.0f64, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let p2p = hi - lo;
    let thr = (LOBE_FRACTION * p2p).max(LOBE_MIN_MV);
    // Cores: runs beyond the threshold; same-sign cores merge (the dip between is a notch).
    let mut cores: Vec<(bool, usize, usize)> = Vec::new();
    for (k, &v) in y.iter().enumerate() {
        if v.abs() < thr {
            continue;
        }
        let pos = v > 0.0;
        match cores.last_mut() {
            Some(c) if c.0 == pos => c.2 = k,
            _ => {
                if k >= qrs_len {
                    break;
                }
                cores.push((pos, k, k));
            }
        }
    }
    let mut lobes = Vec::with_capacity(cores.len());
    for (i, &(pos, cs, ce)) in cores.iter().enumerate() {
        let sgn = if pos { 1.0 } else { -1.0 };
        // Extend to the zero crossings, not past the neighbouring cores.
        let lo_lim = if i == 0 { 0 } else { cores[i - 1].2 + 1 };
        let hi_lim = cores.get(i + 1).map_or(y.len() - 1, |c| c.1 - 1);
        let mut s = cs;
        while s > lo_lim && y[s - 1] * sgn > 0.0 {
            s -= 1;
        }
        let mut e = ce;
        while e < hi_lim && y[e + 1] * sgn > 0.0 {
            e += 1;
        }
        let (peak, amp) = (s..=e)
            .map(|k| (k, y[k]))
            .max_by(|a, b| (a.1 * sgn).total_cmp(&(b.1 * sgn)))
            .unwrap_or((cs, y[cs]));
        // Humps: local extrema of the lobe's sign of >= 1/4 of the extreme, separated by a
        // dip of at least the lobe threshold's half and 10 % of the smaller one.
        let mut humps: Vec<usize> = Vec::new();
        let mut dip = f64::INFINITY;
        for k in s.max(1)..=e.min(y.len() - 2) {
            let v = y[k] * sgn;
            dip = dip.min(v);
            let is_max = v >= y[k - 1] * sgn && v > y[k + 1] * sgn;
            if !is_max || v < amp.abs() / 4.0 {
                continue;
            }
            match humps.last_mut() {
                Some(h) => {
                    let prev = y[*h] * sgn;
                    let need = (thr / 2.0).max(0.1 * prev.min(v));
                    if prev.min(v) - dip >= need {
                        humps.push(k);
                    } else if v > prev {
                        *h = k;
                    } else {
                        continue;
                    }
                }
                None => humps.push(k),
            }
            dip = v;
        }
        if humps.is_empty() {
            humps.push(peak);
        }
        lobes.push(Lobe {
            positive: pos,
            start: s,
            end: e.min(qrs_len - 1),
            peak,
            amp,
            humps: humps.len(),
            last_hump: *humps.last().unwrap_or(&peak),
        });
    }
    // A last lobe whose extreme is the end of the window is the ST segment.
    if let Some(l) = lobes.last()
        && lobes.len() > 1
        && l.peak + 1 >= y.len() - 1
    {
        lobes.pop();
    }
    // Lobes that peak only after the QRS offset are not QRS waves either.
    lobes.retain(|l| l.peak < qrs_len || l.start < qrs_len.saturating_sub(ms(fs, 10.0)));
    // Delta wave: the first lobe is the QRS's main deflection and its first 30 ms rise at
    // less than a third of the lobe's steepest slope, yet leave the baseline (>= 10 % of the
    // lobe), before the steep part.
    let delta = lobes.first().is_some_and(|l| {
        let sgn = if l.positive { 1.0 } else { -1.0 };
        let main = lobes
            .iter()
            .all(|o| o.amp.abs() <= l.amp.abs());
        let n = ms(fs, 30.0);
        let start = (l.start..=l.peak).find(|&k| y[k] * sgn >= thr / 2.0);
        match start {
            Some(st) if main && st + n < l.peak => {
                let steepest = (st..l.peak)
                    .map(|k| (y[k + 1] - y[k]) * sgn)
                    .fold(0.0, f64::max);
                let rise = (y[st + n] - y[st]) * sgn;
                steepest > 0.0
                    && rise / n as f64 <= steepest / 3.0
                    && y[st + n] * sgn >= 0.1 * l.amp.abs()
            }
            _ => false,
        }
    });
    Some(QrsShape {
        lead,
        fs,
        lobes,
        p2p,
        delta,
    })
}

/// What the conduction rules look at.
pub(crate) struct Inputs<'a> {
    /// QRS duration of the median beat (ms).
    pub qrs_ms: f64,
    /// Frontal QRS axis (degrees).
    pub axis: Option<f64>,
    /// PR interval (ms), when P waves precede the QRS.
    pub pr_ms: Option<f64>,
    /// Shapes of the leads present.
    pub shapes: &'a [QrsShape],
}

fn st(text: &str, criterion: String, leads: &[LeadLabel]) -> Statement {
    Statement {
        text: text.into(),
        criterion: Some(criterion),
        state: StatementState::Suggested,
        evidence: Evidence {
            leads: leads.to_vec(),
            beats: Vec::new(),
        },
    }
}

/// Finds a lead's shape.
type Get<'a> = dyn Fn(LeadLabel) -> Option<&'a QrsShape> + 'a;

fn join(leads: &[LeadLabel]) -> String {
    leads
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Right bundle-branch block morphology: the criterion text and the leads it rests on.
fn rbbb_morphology(get: &Get<'_>) -> Option<(String, Vec<LeadLabel>)> {
    // V1 or V2: rsr' / rsR' / rSR', or a dominant (often notched) R with R-peak time > 50 ms.
    let right = [LeadLabel::V1, LeadLabel::V2].into_iter().find_map(|l| {
        let sh = get(l.clone())?;
        if sh.rsr_prime() {
            Some((l, sh.rsr_name()))
        } else if sh.dominant_terminal_r()
            && let Some(rpt) = sh.r_peak_time_ms()
            && rpt > RBBB_V1_RPT_MS
        {
            Some((l, format!("dominant R, R-peak time {rpt:.0} ms > {RBBB_V1_RPT_MS:.0}")))
        } else {
            None
        }
    })?;
    // I and V6: S longer than the R or > 40 ms.
    let mut s_txt = Vec::new();
    for l in [LeadLabel::I, LeadLabel::V6] {
        let (sw, rw) = get(l.clone())?.terminal_s()?;
        if !(sw > rw || sw > RBBB_S_WIDE_MS) {
            return None;
        }
        s_txt.push(format!("{sw:.0} ms in {l}"));
    }
    Some((
        format!(
            "{} in {} (rsr', rsR' or rSR', or a dominant R with R-peak time > {RBBB_V1_RPT_MS:.0} ms); wide S in I and V6 ({}; longer than the R or > {RBBB_S_WIDE_MS:.0} ms)",
            right.1,
            right.0,
            s_txt.join(", ")
        ),
        vec![right.0, LeadLabel::I, LeadLabel::V6],
    ))
}

/// Left bundle-branch block morphology at QRS >= 120 ms.
fn lbbb_morphology(
    get: &Get<'_>,
    qrs_ms: f64,
) -> Option<(String, Vec<LeadLabel>)> {
    let (i, v1) = (get(LeadLabel::I)?, get(LeadLabel::V1)?);
    let lateral: Vec<&QrsShape> = [LeadLabel::V5, LeadLabel::V6]
        .into_iter()
        .filter_map(get)
        .collect();
    if lateral.is_empty() || !v1.rs_or_qs() {
        return None;
    }
    // No q in I, V5, V6.
    if i.initial_q() || lateral.iter().any(|s| s.initial_q()) {
        return None;
    }
    // Broad R in I and in aVL, V5 or V6.
    let others: Vec<LeadLabel> = [LeadLabel::AVL, LeadLabel::V5, LeadLabel::V6]
        .into_iter()
        .filter(|l| get(l.clone()).is_some_and(|s| s.broad_r(qrs_ms)))
        .collect();
    if !i.broad_r(qrs_ms) || others.is_empty() {
        return None;
    }
    // R-peak time > 60 ms in V5 and V6; in I or aVL when V5 and V6 show the RS of a
    // displaced transition.
    let rpt = |s: &QrsShape| s.r_peak_time_ms().unwrap_or(0.0);
    let rs_lateral = lateral.iter().all(|s| s.terminal_s().is_some());
    let (rpt_leads, rpt_ok): (Vec<&QrsShape>, bool) = if rs_lateral {
        let il: Vec<&QrsShape> = [LeadLabel::I, LeadLabel::AVL]
            .into_iter()
            .filter_map(get)
            .collect();
        let ok = il.iter().any(|s| rpt(s) > LBBB_RPT_MS);
        (il, ok)
    } else {
        (lateral.clone(), lateral.iter().all(|s| rpt(s) > LBBB_RPT_MS))
    };
    if !rpt_ok {
        return None;
    }
    let rpt_txt = rpt_leads
        .iter()
        .map(|s| format!("{:.0} ms in {}", rpt(s), s.lead))
        .collect::<Vec<_>>()
        .join(", ");
    let mut leads = vec![LeadLabel::V1, LeadLabel::I];
    leads.extend(others.iter().cloned());
    leads.extend(lateral.iter().map(|s| s.lead.clone()));
    let mut uniq: Vec<LeadLabel> = Vec::new();
    for l in leads {
        if !uniq.contains(&l) {
            uniq.push(l);
        }
    }
    Some((
        format!(
            "V1 QS/rS; broad R (>= half the QRS) in I and {}; no q in I, V5, V6; R-peak time {rpt_txt} (> {LBBB_RPT_MS:.0}{})",
            join(&others),
            if rs_lateral { "; RS in V5/V6 from a displaced transition" } else { "" }
        ),
        uniq,
    ))
}

/// Incomplete left bundle-branch block morphology at QRS 110-119 ms.
fn incomplete_lbbb_morphology(
    get: &Get<'_>,
) -> Option<(String, Vec<LeadLabel>)> {
    let i = get(LeadLabel::I)?;
    if !get(LeadLabel::V1)?.rs_or_qs() || i.initial_q() {
        return None;
    }
    let mut txt = Vec::new();
    let mut leads = vec![LeadLabel::V1, LeadLabel::I];
    for l in [LeadLabel::V4, LeadLabel::V5, LeadLabel::V6] {
        let sh = get(l.clone())?;
        let rpt = sh.r_peak_time_ms()?;
        if rpt <= LBBB_RPT_MS || (l != LeadLabel::V4 && sh.initial_q()) {
            return None;
        }
        txt.push(format!("{rpt:.0} ms in {l}"));
        leads.push(l);
    }
    Some((
        format!(
            "V1 QS/rS; R-peak time {} (> {LBBB_RPT_MS:.0}); no q in I, V5, V6 (the LVH pattern the AHA criteria also name is not tested)",
            txt.join(", ")
        ),
        leads,
    ))
}

/// Left anterior fascicular block morphology (the axis and QRS checked by the caller).
fn lafb_morphology(get: &Get<'_>) -> Option<(String, Vec<LeadLabel>)> {
    let avl = get(LeadLabel::AVL)?;
    let rpt = avl.r_peak_time_ms()?;
    if !avl.q_r() || rpt < LAFB_AVL_RPT_MS {
        return None;
    }
    let inferior: Vec<LeadLabel> = [LeadLabel::II, LeadLabel::III, LeadLabel::AVF]
        .into_iter()
        .filter(|l| get(l.clone()).is_some_and(QrsShape::rs_or_qs))
        .collect();
    if inferior.len() < 2 {
        return None;
    }
    let mut leads = vec![LeadLabel::AVL];
    leads.extend(inferior.iter().cloned());
    Some((
        format!(
            "qR in aVL with R-peak time {rpt:.0} ms (>= {LAFB_AVL_RPT_MS:.0}); rS/QS in {}",
            join(&inferior)
        ),
        leads,
    ))
}

/// Left posterior fascicular block morphology (axis and QRS checked by the caller).
fn lpfb_morphology(get: &Get<'_>) -> Option<(String, Vec<LeadLabel>)> {
    let rs = [LeadLabel::I, LeadLabel::AVL]
        .into_iter()
        .all(|l| get(l).is_some_and(QrsShape::small_r_big_s));
    let qr = [LeadLabel::III, LeadLabel::AVF]
        .into_iter()
        .all(|l| get(l).is_some_and(QrsShape::q_r));
    (rs && qr).then(|| {
        (
            "rS in I and aVL, qR in III and aVF".to_string(),
            vec![LeadLabel::I, LeadLabel::AVL, LeadLabel::III, LeadLabel::AVF],
        )
    })
}

/// Intraventricular conduction statements (none in a paced rhythm: the caller checks).
pub(crate) fn statements(x: &Inputs<'_>) -> Vec<Statement> {
    let get = |l: LeadLabel| x.shapes.iter().find(|s| s.lead == l);
    let mut out = Vec::new();
    if std::env::var_os("HEARTLENS_IVCD_DEBUG").is_some() {
        eprintln!("DUMP qrs={:.0} axis={:?} pr={:?}", x.qrs_ms, x.axis, x.pr_ms);
        for s in x.shapes {
            eprintln!("DUMP   {}", s.dump());
        }
    }
    let q = x.qrs_ms;
    let complete = q >= QRS_COMPLETE_MS;
    let incomplete = (QRS_INCOMPLETE_MS..QRS_COMPLETE_MS).contains(&q);

    // Pre-excitation first: its wide QRS is not a bundle-branch block.
    if let Some(pr) = x.pr_ms
        && pr < WPW_PR_MS
        && complete
    {
        let delta: Vec<LeadLabel> = x
            .shapes
            .iter()
            .filter(|s| s.delta)
            .map(|s| s.lead.clone())
            .collect();
        if delta.len() >= 2 {
            out.push(st(
                "Ventricular pre-excitation (WPW pattern)",
                format!(
                    "PR {pr:.0} ms < {WPW_PR_MS:.0}; QRS {q:.0} ms >= {QRS_COMPLETE_MS:.0}; delta wave (first 30 ms of the QRS rising at < 1/3 of its steepest slope) in {}",
                    join(&delta)
                ),
                &delta,
            ));
            return out;
        }
    }

    let mut bbb = false;
    let mut rbbb = false;
    if complete || incomplete {
        let (kind, bound) = if complete {
            ("Complete", format!("QRS {q:.0} ms >= {QRS_COMPLETE_MS:.0}"))
        } else {
            (
                "Incomplete",
                format!("QRS {q:.0} ms ({QRS_INCOMPLETE_MS:.0}-{:.0})", QRS_COMPLETE_MS - 1.0),
            )
        };
        if let Some((why, leads)) = rbbb_morphology(&get) {
            out.push(st(
                &format!("{kind} right bundle branch block"),
                format!("{bound}; {why}"),
                &leads,
            ));
            bbb = true;
            rbbb = true;
        } else if let Some((why, leads)) = if complete {
            lbbb_morphology(&get, q)
        } else {
            incomplete_lbbb_morphology(&get)
        } {
            out.push(st(
                &format!("{kind} left bundle branch block"),
                format!("{bound}; {why}"),
                &leads,
            ));
            bbb = true;
        }
    }

    // Fascicular blocks: QRS < 120 ms, or beside a right bundle-branch block (bifascicular).
    let mut fascicular = false;
    if (!complete || rbbb) && !(bbb && !rbbb) {
        let qrs_txt = if complete {
            format!("QRS {q:.0} ms with right bundle branch block (bifascicular)")
        } else {
            format!("QRS {q:.0} ms < {QRS_COMPLETE_MS:.0}")
        };
        if let Some(a) = x.axis {
            if (-90.0..=-45.0).contains(&a)
                && let Some((why, leads)) = lafb_morphology(&get)
            {
                out.push(st(
                    "Left anterior fascicular block",
                    format!("QRS axis {a:.0}° (-45..-90); {why}; {qrs_txt}"),
                    &leads,
                ));
                fascicular = true;
            } else if a > 90.0
                && a <= 180.0
                && let Some((why, leads)) = lpfb_morphology(&get)
            {
                out.push(st(
                    "Left posterior fascicular block",
                    format!(
                        "consider: QRS axis {a:.0}° (+90..+180); {why}; {qrs_txt}; exclude right ventricular hypertrophy, lateral infarction and a vertical heart"
                    ),
                    &leads,
                ));
                fascicular = true;
            }
        }
    }

    if q > QRS_INCOMPLETE_MS && !bbb && !fascicular {
        out.push(st(
            "Non-specific intraventricular conduction delay",
            format!(
                "QRS {q:.0} ms > {QRS_INCOMPLETE_MS:.0} without the criteria of a bundle-branch or fascicular block or pre-excitation"
            ),
            &[],
        ));
    }
    if std::env::var_os("HEARTLENS_IVCD_DEBUG").is_some() {
        for s in &out {
            eprintln!("DUMP STMT {} :: {} :: {:?}", s.text, s.criterion.as_deref().unwrap_or(""), s.evidence.leads);
        }
    }
    out
}
