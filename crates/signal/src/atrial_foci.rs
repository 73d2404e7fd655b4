//! Atrial foci: the P waves of the conducted beats grouped by morphology, for the wandering
//! atrial pacemaker (<= 100/min) and multifocal atrial tachycardia (> 100/min) statements.
//!
//! Definitions: a wandering atrial pacemaker shows P waves of at least three different
//! morphologies with a varying PR interval at a rate below 100/min (Surawicz & Knilans,
//! Chou's Electrocardiography in Clinical Practice, 6th ed., ch. 14); multifocal atrial
//! tachycardia the same above 100/min with irregular P-P, PR and RR intervals and an
//! isoelectric baseline between the P waves (Kastor, N Engl J Med 1990;322:1713-7). Neither
//! has a dominant pacemaker: sinus rhythm with atrial premature beats adds one morphology per
//! ectopic focus to a dominant sinus P.
//!
//! Method, on the 0.5-40 Hz analysis copy:
//! - **Beats**: the conducted beats (normal or supraventricular), at least
//!   [`MIN_BEATS`]; a P wave (global onset and offset before the QRS onset) must precede at
//!   least [`MIN_P_FRACTION`] of them (every, or nearly every, QRS preceded by a P wave).
//! - **Leads**: those of II, III, aVF, V1, I, aVL, aVR and V2 (where P waves are best seen)
//!   in which the P wave is clear of the lead's noise (its peak-to-peak over the beats, 75th
//!   percentile, at least [`MIN_P_SNR`] times the noise); at least [`MIN_LEADS`].
//! - **Noise** of a lead: the median over the beats of the RMS of the isoelectric segment
//!   before the P segment (up to the P segment's length, after the previous T wave), less
//!   the straight line between the levels at its ends as the P segments are compared, at
//!   least [`NOISE_FLOOR_MV`]. Measured as the P segments are, over as long a span, it holds
//!   the share of a 4-8 Hz limb tremor the P segments carry: a 60 ms segment less its
//!   fitted line hid most of it, and tremor of 0.03-0.2 mV read "Wandering atrial
//!   pacemaker" on sinus rhythms (8 of 144 synthetic tracings; 1 since, at 0.2 mV).
//! - **Shape**: each beat's P segment (the median P duration centred on the midpoint of its
//!   onset and offset, each taken at most 0.6 x that duration from the P peak: an onset can
//!   slip into the end of the T wave before it, and the peak of a notched P jumps between
//!   its humps), compared with another's at the best shift within ±[`MAX_SHIFT_MS`] (the
//!   centre's error: P waves of one focus match at some shift, those of another at none),
//!   each window less the straight line between the levels at its own two ends (baseline
//!   wander is no shape). The lines are drawn where the windows stand as aligned, so both at
//!   the same points of the wave: the onset and offset of a broad or notched P wave move by
//!   tens of ms with noise, and a line drawn at one beat's delineated ends would cut into
//!   that beat's P wave alone and give it a slope the other has not (an upright P read as
//!   biphasic). A beat's PR is then measured from where its P wave matches its
//!   group's first P wave (or, joining by a merge, the group's average) best, from the P
//!   centre to the QRS onset. A lead *differs* when the RMS difference exceeds
//!   [`NOISE_FACTOR`] times the difference two noisy copies of one wave would show
//!   (√2 × noise) and [`MIN_SHAPE_CHANGE`] of the larger P's RMS in that lead (a change of
//!   polarity or a wave appearing or vanishing, not a P that is somewhat smaller). Only
//!   shapes within one lead are compared, never amplitudes between leads (LUDB leads carry
//!   their own gains). Two P waves have different morphologies when at least
//!   [`MIN_DIFFERENT_LEADS`] leads differ: a new focus changes the P vector, which every
//!   lead sees; noise or an artefact in one lead does not.
//! - **Groups**: beats in order join the first group whose first beat they do not differ
//!   from, else start a group; then groups whose average P waves do not differ are merged
//!   (noise that pushed one P wave past the threshold starts no group). A morphology
//!   counts when at least [`MIN_GROUP_BEATS`] beats share it, and every such morphology
//!   must keep its PR within [`MAX_GROUP_PR_SPREAD_MS`] (one focus conducts at its own PR;
//!   the PR is measured from the P wave's centre to the QRS onset, the steadier mark): where
//!   one does not, the P waves cannot be placed reliably (a low, flat or notched P, or other
//!   waves taken for it) and nothing is said. A single odd P wave is no morphology.
//! - **Criteria**: at least [`MIN_FOCI`] morphologies, together covering at least
//!   [`MIN_COVERED`] of the beats with a P wave, the commonest below [`MAX_DOMINANT`] of
//!   them (no dominant pacemaker: sinus rhythm with two or three premature atrial beats in a
//!   10-s tracing keeps its sinus P in >= 75 % of the beats, and even a fourth of the beats
//!   premature leaves the sinus P above that share), and the PR differing between the
//!   morphologies by at least [`MIN_PR_RANGE_MS`] (the varying PR of both definitions).
//!
//! Atrial fibrillation and flutter, paced rhythms and rhythms without P waves before nearly
//! every beat are never looked at here (the caller decides); deflections of fibrillatory
//! waves taken for P waves have neither a reproducible shape nor a steady PR per shape.

use ecg::LeadLabel;

use crate::classify::BeatClass;
use crate::delineate::{BeatWaves, ms};
use crate::detect::median;
use crate::measure::rms;

/// The noise of a lead is taken as at least this (mV: the digitisation step of common
/// recorders), so a noise-free synthetic lead still has a scale.
const NOISE_FLOOR_MV: f64 = 0.002;
/// At least this many conducted beats.
pub(crate) const MIN_BEATS: usize = 6;
/// A P wave before at least this fraction of the conducted beats: nearly every one, allowing
/// for a P wave the delineation misses where it meets the T wave at a fast rate (its P
/// sensitivity on LUDB, lead by lead, is 93-97 %).
pub(crate) const MIN_P_FRACTION: f64 = 0.85;
/// A lead is used when its P wave's peak-to-peak is at least this multiple of its noise ...
pub(crate) const MIN_P_SNR: f64 = 4.0;
/// ... and at least this many leads are.
pub(crate) const MIN_LEADS: usize = 3;
/// The P segments are compared at the best shift within this (ms): the delineated centre
/// of a low or notched P wave can be this far off, and a P wave of another focus matches
/// at no shift (its polarity differs in some leads).
pub(crate) const MAX_SHIFT_MS: f64 = 40.0;
/// A lead differs when the RMS difference exceeds this multiple of √2 × the lead's noise ...
pub(crate) const NOISE_FACTOR: f64 = 3.0;
/// ... and this fraction of the larger P wave's RMS in the lead.
pub(crate) const MIN_SHAPE_CHANGE: f64 = 0.5;
/// Two P waves differ in morphology when at least this many leads differ.
pub(crate) const MIN_DIFFERENT_LEADS: usize = 2;
/// A morphology counts with at least this many beats ...
pub(crate) const MIN_GROUP_BEATS: usize = 2;
/// ... whose PR intervals lie within this range (ms).
pub(crate) const MAX_GROUP_PR_SPREAD_MS: f64 = 40.0;
/// At least this many morphologies ...
pub(crate) const MIN_FOCI: usize = 3;
/// ... covering at least this fraction of the beats with a P wave ...
pub(crate) const MIN_COVERED: f64 = 0.75;
/// ... the commonest on less than this fraction of them ...
pub(crate) const MAX_DOMINANT: f64 = 0.7;
/// ... and their median PR intervals at least this far apart (ms, longest - shortest).
pub(crate) const MIN_PR_RANGE_MS: f64 = 20.0;

/// The leads P waves are looked at in, in order of preference.
const P_LEADS: [LeadLabel; 8] = [
    LeadLabel::II,
    LeadLabel::III,
    LeadLabel::AVF,
    LeadLabel::V1,
    LeadLabel::I,
    LeadLabel::AVL,
    LeadLabel::AVR,
    LeadLabel::V2,
];

/// A P wave's polarity in one lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polarity {
    Upright,
    Inverted,
    Biphasic,
    Flat,
}

impl Polarity {
    fn symbol(self) -> &'static str {
        match self {
            Polarity::Upright => "+",
            Polarity::Inverted => "-",
            Polarity::Biphasic => "+/-",
            Polarity::Flat => "flat",
        }
    }
}

/// One P-wave morphology (an atrial focus).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Focus {
    /// Its beats (indices into the beats of the recording).
    pub beats: Vec<usize>,
    /// Median P-centre-to-QRS-onset interval (ms): the PR measured from the P wave's centre.
    pub pr_ms: f64,
    /// The P wave's polarity per lead used (its first beat's).
    pub polarity: Vec<(LeadLabel, Polarity)>,
}

/// Three or more P-wave morphologies with no dominant one ([`find`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AtrialFoci {
    /// The morphologies, commonest first.
    pub foci: Vec<Focus>,
    /// The leads compared.
    pub leads: Vec<LeadLabel>,
    /// Conducted beats, and those with a P wave before them.
    pub conducted: usize,
    pub with_p: usize,
}

impl AtrialFoci {
    /// The share of the beats with a P wave that the commonest morphology has.
    pub fn dominant_share(&self) -> f64 {
        self.foci.first().map_or(0.0, |f| f.beats.len() as f64) / self.with_p.max(1) as f64
    }

    /// Shortest and longest median P-centre-to-QRS-onset interval of the morphologies (ms).
    pub fn pr_range(&self) -> (f64, f64) {
        let lo = self
            .foci
            .iter()
            .map(|f| f.pr_ms)
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .foci
            .iter()
            .map(|f| f.pr_ms)
            .fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }

    /// The criterion text of the statement: the morphologies with their beats, PR and
    /// polarities, and the thresholds.
    /// `tachycardia_above`: the rate (bpm) above which the rhythm is a tachycardia (100, or a
    /// child's bound for the age: [`crate::paediatric::sinus_tachycardia_above`]).
    pub fn criterion(&self, rate_bpm: f64, tachycardia_above: f64) -> String {
        let groups: Vec<String> = self
            .foci
            .iter()
            .enumerate()
            .map(|(g, f)| {
                let beats: Vec<String> = f.beats.iter().map(|b| (b + 1).to_string()).collect();
                let pol: Vec<String> = f
                    .polarity
                    .iter()
                    .map(|(l, p)| format!("{l} {}", p.symbol()))
                    .collect();
                format!(
                    "P{} on {} beats (#{}), P centre to QRS {:.0} ms, {}",
                    g + 1,
                    f.beats.len(),
                    beats.join(", "),
                    f.pr_ms,
                    pol.join(", ")
                )
            })
            .collect();
        let (lo, hi) = self.pr_range();
        format!(
            "{} P-wave morphologies (>= {MIN_FOCI}, each on >= {MIN_GROUP_BEATS} beats at a steady PR, within {MAX_GROUP_PR_SPREAD_MS:.0} ms; shapes compared lead by lead against the lead's noise, different in >= {MIN_DIFFERENT_LEADS} leads): {}; P before {} of {} conducted QRS (>= {:.0}%), the commonest morphology on {:.0}% of them (< {:.0}%: no dominant pacemaker), PR varying: P centre to QRS onset from {lo:.0} to {hi:.0} ms (>= {MIN_PR_RANGE_MS:.0} ms apart); rate {:.0} bpm (<= {tachycardia_above:.0} wandering atrial pacemaker, > {tachycardia_above:.0} multifocal atrial tachycardia{})",
            self.foci.len(),
            groups.join("; "),
            self.with_p,
            self.conducted,
            100.0 * MIN_P_FRACTION,
            100.0 * self.dominant_share(),
            100.0 * MAX_DOMINANT,
            rate_bpm.round(),
            crate::paediatric::child_rate_note(tachycardia_above)
        )
    }
}

/// One beat's P wave: where its segment starts and its P-centre-to-QRS-onset interval.
struct PBeat {
    beat: usize,
    onset: usize,
    pr_ms: f64,
}

/// The P-wave morphologies of the conducted beats when they meet the criteria of the module
/// doc. `leads` are the analysis copies, labelled by `labels`; `global` the beats' global
/// waves (P still present), `classes` their classes, `fids` their fiducials.
pub(crate) fn find(
    leads: &[&[f64]],
    labels: &[LeadLabel],
    fids: &[usize],
    global: &[BeatWaves],
    classes: &[BeatClass],
    fs: f64,
) -> Option<AtrialFoci> {
    let conducted: Vec<usize> = (0..fids.len().min(global.len()).min(classes.len()))
        .filter(|&i| matches!(classes[i], BeatClass::Normal | BeatClass::Supraventricular))
        .collect();
    if conducted.len() < MIN_BEATS {
        return None;
    }
    let n = leads.first().map_or(0, |x| x.len());
    let shift = ms(fs, MAX_SHIFT_MS);
    // The shifts are searched every 4 ms first (a P wave changes little over that).
    let step = ms(fs, 4.0);
    let h = ms(fs, 4.0);
    // (beat, P peak, onset, offset, QRS onset) of the beats with a whole P wave before the
    // QRS.
    let found: Vec<(usize, usize, usize, usize, usize)> = conducted
        .iter()
        .filter_map(|&i| {
            let p = global[i].p?;
            let (on, peak, off) = (p.on?, p.peak?, p.off?);
            let qrs_on = global[i].qrs.and_then(|q| q.on).unwrap_or(fids[i]);
            (on < peak && peak < off && off <= qrs_on).then_some((i, peak, on, off, qrs_on))
        })
        .collect();
    if (found.len() as f64) < MIN_P_FRACTION * conducted.len() as f64 {
        return None;
    }
    // The segments: the median P duration centred on each P wave's centre, the midpoint of
    // its onset and offset each taken at most 0.6 x that duration from the peak (the median
    // of the leads' P peaks): an onset can slip into the T wave before it, and the peak of a
    // notched P wave jumps between its humps from beat to beat.
    let len = (median(&found.iter().map(|f| (f.3 - f.2) as f64).collect::<Vec<_>>()).round()
        as usize)
        .clamp(ms(fs, 60.0), ms(fs, 160.0));
    let reach = 3 * len / 5;
    let p_beats: Vec<PBeat> = found
        .iter()
        .filter_map(|&(beat, peak, on, off, qrs_on)| {
            let centre = (on.max(peak.saturating_sub(reach)) + off.min(peak + reach)) / 2;
            let onset = centre.checked_sub(len / 2)?;
            (onset > shift + h + ms(fs, 20.0) && onset + len + shift + h < n).then(|| PBeat {
                beat,
                onset,
                pr_ms: (qrs_on - centre) as f64 * 1000.0 / fs,
            })
        })
        .collect();
    if (p_beats.len() as f64) < MIN_P_FRACTION * conducted.len() as f64 {
        return None;
    }
    // Per lead: the noise and whether the P wave stands clear of it.
    let used: Vec<(usize, f64)> = P_LEADS
        .iter()
        .filter_map(|l| labels.iter().position(|x| x == l))
        .filter_map(|k| {
            let x = leads[k];
            let noise = median(
                &p_beats
                    .iter()
                    .filter_map(|b| {
                        let prev_end = b.beat.checked_sub(1).map_or(0, |j| {
                            global[j]
                                .t
                                .and_then(|t| t.off)
                                .unwrap_or(fids[j] + ms(fs, 300.0))
                        });
                        let end = b.onset.checked_sub(ms(fs, 4.0))?;
                        // Levelled as the P windows are compared (less the line between
                        // the levels at its ends), over up to their length: a 60 ms window
                        // less its fitted line hid most of a 4-8 Hz limb tremor, whose
                        // share of the P windows then passed for other P-wave shapes.
                        let start = end.saturating_sub(len).max(prev_end).max(h);
                        (end >= start + ms(fs, 20.0) && end + h < x.len()).then(|| {
                            let l = end - start;
                            (leveled(x, start, l, h).map(|v| v * v).sum::<f64>() / l as f64).sqrt()
                        })
                    })
                    .collect::<Vec<_>>(),
            );
            let mut p2p: Vec<f64> = p_beats
                .iter()
                .map(|b| {
                    let s = &x[b.onset..b.onset + len];
                    let hi = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let lo = s.iter().copied().fold(f64::INFINITY, f64::min);
                    hi - lo
                })
                .collect();
            p2p.sort_by(f64::total_cmp);
            let p75 = p2p[(3 * p2p.len()) / 4];
            let noise = noise.max(NOISE_FLOOR_MV);
            (noise.is_finite() && p75 >= MIN_P_SNR * noise).then_some((k, noise))
        })
        .collect();
    if used.len() < MIN_LEADS {
        return None;
    }
    // The raw segments, `pad` samples either side of the P window (and its end sample): room
    // for the shifts and for the levels at a shifted window's ends. The baseline line is
    // drawn only when two P waves are compared, at the ends of the windows as aligned
    // ([`compare`]).
    let pad = shift + h;
    let segs: Vec<Vec<Vec<f64>>> = p_beats
        .iter()
        .map(|b| {
            used.iter()
                .map(|&(k, _)| leads[k][b.onset - pad..=b.onset + len + pad].to_vec())
                .collect()
        })
        .collect();
    // Greedy grouping against each group's first beat (with each beat's shift against it:
    // all of a group's P waves are placed in its first beat's frame) ...
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut offset = vec![shift; p_beats.len()];
    for i in 0..p_beats.len() {
        let joined = groups.iter_mut().find_map(|g| {
            let (differing, s) = compare(&segs[g[0]], &segs[i], &used, shift, h, len, step);
            (differing < MIN_DIFFERENT_LEADS).then_some((g, s))
        });
        match joined {
            Some((g, s)) => {
                g.push(i);
                offset[i] = s;
            }
            None => groups.push(vec![i]),
        }
    }
    // ... then groups whose average P waves (in the first beat's frame) do not differ are one
    // morphology: a P wave that noise pushed past the threshold against the first beat of
    // its group starts no focus of its own.
    let template = |g: &[usize], offset: &[usize]| -> Vec<Vec<f64>> {
        let mut t = vec![vec![0.0; len + 2 * pad + 1]; used.len()];
        for &i in g {
            for (tj, seg) in t.iter_mut().zip(&segs[i]) {
                for (j, v) in tj.iter_mut().enumerate() {
                    *v += seg[(j + offset[i]).saturating_sub(shift).min(seg.len() - 1)]
                        / g.len() as f64;
                }
            }
        }
        t
    };
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let mut templates: Vec<Vec<Vec<f64>>> = groups.iter().map(|g| template(g, &offset)).collect();
    let mut a = 0;
    while a < groups.len() {
        match (a + 1..groups.len()).find(|&b| {
            compare(&templates[a], &templates[b], &used, shift, h, len, step).0
                < MIN_DIFFERENT_LEADS
        }) {
            Some(b) => {
                let merged = groups.remove(b);
                templates.remove(b);
                for &m in &merged {
                    offset[m] = compare(&templates[a], &segs[m], &used, shift, h, len, step).1;
                }
                groups[a].extend(merged);
                templates[a] = template(&groups[a], &offset);
            }
            None => a += 1,
        }
    }
    // Every morphology on two or more beats must keep a steady PR: where one does not, its P
    // waves cannot be placed reliably (a low, flat or notched P, or the delineation taking
    // other waves for it), and nothing is said about foci.
    let mut foci: Vec<Focus> = groups
        .iter()
        .filter(|g| g.len() >= MIN_GROUP_BEATS)
        .map(|g| {
            // Each beat's PR from where its P wave sits in the group's frame.
            let pr: Vec<f64> = g
                .iter()
                .map(|&i| p_beats[i].pr_ms - (offset[i] as f64 - shift as f64) * 1000.0 / fs)
                .collect();
            let lo = pr.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = pr.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (hi - lo <= MAX_GROUP_PR_SPREAD_MS).then(|| Focus {
                beats: {
                    let mut beats: Vec<usize> = g.iter().map(|&i| p_beats[i].beat).collect();
                    beats.sort_unstable();
                    beats
                },
                pr_ms: median(&pr),
                polarity: used
                    .iter()
                    .zip(&segs[g[0]])
                    .map(|(&(k, noise), s)| {
                        let p: Vec<f64> = leveled(s, pad, len, h).collect();
                        (labels[k].clone(), polarity(&p, noise))
                    })
                    .collect(),
            })
        })
        .collect::<Option<Vec<Focus>>>()?;
    foci.sort_by_key(|f| std::cmp::Reverse(f.beats.len()));
    let covered: usize = foci.iter().map(|f| f.beats.len()).sum();
    let found = AtrialFoci {
        foci,
        leads: used.iter().map(|&(k, _)| labels[k].clone()).collect(),
        conducted: conducted.len(),
        with_p: p_beats.len(),
    };
    let (lo, hi) = found.pr_range();
    (found.foci.len() >= MIN_FOCI
        && covered as f64 >= MIN_COVERED * found.with_p as f64
        && found.dominant_share() < MAX_DOMINANT
        && hi - lo >= MIN_PR_RANGE_MS)
        .then_some(found)
}

/// How many leads the P segments `a` and `b` (per lead, `shift + h` samples either side of a
/// `len`-sample window) differ in at their best common shift ([`MAX_SHIFT_MS`], searched
/// every `step` samples and then next to the best), and that shift (`b`'s window starts
/// `h` samples after it; `shift` is none). Each window is compared less the straight line
/// between the levels (±`h` samples) at its own two ends: at the best shift both windows
/// cover the same part of the P wave, so both lines are drawn at the same points of it,
/// wherever the delineation put the segment (the onset and offset of a broad or notched P
/// wave move by tens of ms with noise, and a line drawn from where one beat's delineated
/// window ends would cut into the P wave of that beat alone).
fn compare(
    a: &[Vec<f64>],
    b: &[Vec<f64>],
    used: &[(usize, f64)],
    shift: usize,
    h: usize,
    len: usize,
    step: usize,
) -> (usize, usize) {
    let pad = shift + h;
    let fixed: Vec<Vec<f64>> = a
        .iter()
        .map(|x| leveled(x, pad, len, h).collect())
        .collect();
    let rms_diff = |j: usize, s: usize| -> f64 {
        let sq = fixed[j]
            .iter()
            .zip(leveled(&b[j], h + s, len, h))
            .map(|(p, q)| (p - q).powi(2))
            .sum::<f64>();
        (sq / len as f64).sqrt()
    };
    // The shift that makes the leads, each in units of its noise, agree best: every `step`
    // samples, then the samples either side of the best.
    let cost = |s: usize| -> f64 {
        used.iter()
            .enumerate()
            .map(|(j, &(_, noise))| (rms_diff(j, s) / noise).powi(2))
            .sum()
    };
    let lowest = |shifts: &mut dyn Iterator<Item = usize>| {
        shifts
            .map(|s| (s, cost(s)))
            .min_by(|x, y| x.1.total_cmp(&y.1))
            .map_or(shift, |(s, _)| s)
    };
    let coarse = lowest(&mut (0..=2 * shift).step_by(step.max(1)));
    let best = lowest(
        &mut (coarse.saturating_sub(step.saturating_sub(1))..=(coarse + step - 1).min(2 * shift)),
    );
    let differing = used
        .iter()
        .enumerate()
        .filter(|&(j, &(_, noise))| {
            let d = rms_diff(j, best);
            let size = rms(fixed[j].iter().copied()).max(rms(leveled(&b[j], h + best, len, h)));
            d > NOISE_FACTOR * std::f64::consts::SQRT_2 * noise && d > MIN_SHAPE_CHANGE * size
        })
        .count();
    (differing, best)
}

/// The `len` samples of `x` from `start`, less the straight line between the levels (mean
/// over ±`h` samples) at `start` and `start + len`: the P window with the baseline under
/// it (wander included) taken away.
fn leveled(x: &[f64], start: usize, len: usize, h: usize) -> impl Iterator<Item = f64> + '_ {
    let level = |c: usize| x[c - h..=c + h].iter().sum::<f64>() / (2 * h + 1) as f64;
    let (l0, l1) = (level(start), level(start + len));
    let slope = (l1 - l0) / len as f64;
    x[start..start + len]
        .iter()
        .enumerate()
        .map(move |(j, v)| v - (l0 + slope * j as f64))
}

/// The polarity of a baseline-corrected P segment: a deflection counts beyond 3 x the
/// lead's noise (and 0.02 mV); both ways, the smaller at least 30 % of the larger, is
/// biphasic.
fn polarity(s: &[f64], noise: f64) -> Polarity {
    let hi = s.iter().copied().fold(0.0, f64::max);
    let lo = -s.iter().copied().fold(0.0, f64::min);
    let floor = (3.0 * noise).max(0.02);
    match (hi > floor, lo > floor) {
        (true, true) if hi.min(lo) >= 0.3 * hi.max(lo) => Polarity::Biphasic,
        (true, true) if hi > lo => Polarity::Upright,
        (true, true) => Polarity::Inverted,
        (true, false) => Polarity::Upright,
        (false, true) => Polarity::Inverted,
        (false, false) => Polarity::Flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delineate::Points;

    const FS: f64 = 500.0;

    /// How the synthetic P waves look and how they are delineated (samples at [`FS`]).
    struct PWave {
        /// The humps: offset from the P wave's centre, SD, and height relative to the
        /// shape's size, per lead.
        humps: &'static [(f64, f64, [f64; 8])],
        /// The delineated P duration ...
        duration: usize,
        /// ... and how far at most (either way, uniformly) each beat's delineated P wave
        /// (onset and offset together) is displaced; its peak sits on one of the humps, at
        /// random.
        jitter: usize,
    }

    /// A smooth P wave of 100 ms (a Gaussian of SD 20 ms), delineated exactly.
    const NARROW: PWave = PWave {
        humps: &[(0.0, 10.0, [1.0; 8])],
        duration: 50,
        jitter: 0,
    };

    /// A broad notched P wave of 160 ms (two humps of SD 20 ms 70 ms apart, the second the
    /// lower, and in V1 a deep terminal negative one: left atrial abnormality), delineated
    /// up to ±30 ms off with its peak on either hump, as noise moves the delineation of such
    /// a wave.
    const BROAD_NOTCHED: PWave = PWave {
        humps: &[
            (-17.5, 10.0, [1.0; 8]),
            (17.5, 10.0, [0.8, 0.8, 0.8, -1.5, 0.8, 0.8, 0.8, 0.8]),
        ],
        duration: 80,
        jitter: 15,
    };

    /// A pseudo-random stream (a linear congruential generator), uniform in [0, 1).
    fn uniform(state: &mut u64) -> f64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Twelve-ish leads (the eight P leads) with beats every `rr` samples; beat `i`'s P wave
    /// (`wave`) has the per-lead sizes `shapes[kind[i]]` and PR `pr[kind[i]]` (samples, P
    /// onset to QRS onset), plus a QRS spike; uniform noise of `noise_mv` peak-to-peak
    /// (the stream `seed`).
    fn tracing(
        kinds: &[usize],
        shapes: &[[f64; 8]],
        pr: &[usize],
        wave: &PWave,
        noise_mv: f64,
        seed: u64,
    ) -> (Vec<Vec<f64>>, Vec<usize>, Vec<BeatWaves>) {
        let rr = 430;
        let n = rr * (kinds.len() + 1);
        let mut leads = vec![vec![0.0; n]; 8];
        let mut fids = Vec::new();
        let mut global = Vec::new();
        let mut state = 7u64 + seed;
        let mut delineation = 11u64 + seed;
        let off_by = |state: &mut u64| (uniform(state) * (2 * wave.jitter + 1) as f64) as usize;
        for (i, &k) in kinds.iter().enumerate() {
            let qrs_on = rr * (i + 1);
            let p_on = qrs_on - pr[k];
            let centre = p_on as f64 + wave.duration as f64 / 2.0;
            for (l, x) in leads.iter_mut().enumerate() {
                for (t, v) in x
                    .iter_mut()
                    .enumerate()
                    .skip(p_on.saturating_sub(60))
                    .take(wave.duration + 120)
                {
                    *v += wave
                        .humps
                        .iter()
                        .map(|&(at, sd, height)| {
                            shapes[k][l]
                                * height[l]
                                * (-((t as f64 - centre - at) / sd).powi(2) / 2.0).exp()
                        })
                        .sum::<f64>();
                }
                for v in &mut x[qrs_on..qrs_on + 40] {
                    *v += 1.0;
                }
            }
            let hump = wave.humps
                [(uniform(&mut delineation) * wave.humps.len() as f64) as usize % wave.humps.len()];
            let on = p_on + off_by(&mut delineation) - wave.jitter;
            fids.push(qrs_on + 20);
            global.push(BeatWaves {
                p: Some(Points {
                    on: Some(on),
                    peak: Some((centre + hump.0).round() as usize),
                    off: Some(on + wave.duration),
                }),
                qrs: Some(Points {
                    on: Some(qrs_on),
                    peak: Some(qrs_on + 20),
                    off: Some(qrs_on + 40),
                }),
                t: None,
            });
        }
        for x in &mut leads {
            for v in x.iter_mut() {
                *v += noise_mv * (uniform(&mut state) - 0.5);
            }
        }
        (leads, fids, global)
    }

    fn run_with(
        kinds: &[usize],
        shapes: &[[f64; 8]],
        pr: &[usize],
        wave: &PWave,
        noise: f64,
        seed: u64,
    ) -> Option<AtrialFoci> {
        let (leads, fids, global) = tracing(kinds, shapes, pr, wave, noise, seed);
        let refs: Vec<&[f64]> = leads.iter().map(Vec::as_slice).collect();
        let classes = vec![BeatClass::Normal; fids.len()];
        find(&refs, &P_LEADS, &fids, &global, &classes, FS)
    }

    fn run(kinds: &[usize], shapes: &[[f64; 8]], pr: &[usize], noise: f64) -> Option<AtrialFoci> {
        run_with(kinds, shapes, pr, &NARROW, noise, 0)
    }

    const SINUS: [f64; 8] = [0.15, 0.08, 0.12, 0.05, 0.08, 0.0, -0.11, 0.06];
    const LOW_ATRIAL: [f64; 8] = [-0.12, -0.1, -0.11, 0.04, 0.03, 0.08, 0.05, 0.04];
    const LEFT: [f64; 8] = [0.0, -0.05, -0.02, -0.08, 0.1, -0.1, -0.05, -0.07];
    /// A sinus P with low waves in aVL and V2, where noise weighs most.
    const LAA_SINUS: [f64; 8] = [0.15, 0.08, 0.12, 0.06, 0.08, 0.03, -0.11, 0.03];
    const UPPER: [f64; 8] = [0.1, -0.05, 0.15, 0.1, -0.12, 0.03, 0.1, 0.1];

    #[test]
    fn three_rotating_morphologies_are_three_foci() {
        let kinds = [0, 0, 1, 2, 2, 0, 1, 1, 2, 0, 1, 2];
        let f =
            run(&kinds, &[SINUS, LOW_ATRIAL, LEFT], &[80, 60, 70], 0.01).expect("three foci found");
        assert_eq!(f.foci.len(), 3, "{f:?}");
        assert!(f.foci.iter().all(|g| g.beats.len() == 4), "{f:?}");
        assert_eq!(f.pr_range(), (70.0, 110.0));
        let ii = |g: &Focus| g.polarity[0].1;
        let mut kinds_ii: Vec<Polarity> = f.foci.iter().map(ii).collect();
        kinds_ii.sort_by_key(|p| *p as u8);
        assert_eq!(
            kinds_ii,
            vec![Polarity::Upright, Polarity::Inverted, Polarity::Flat]
        );
        assert!(f.criterion(72.0, 100.0).contains("3 P-wave morphologies"));
    }

    #[test]
    fn one_morphology_in_noise_and_a_few_ectopic_p_waves_are_no_foci() {
        // Sinus P waves in uniform noise of 0.05 mV peak-to-peak (about a fifth of the P
        // wave's RMS in II, at every sample): one shape.
        let sinus = [0; 12];
        assert!(run(&sinus, &[SINUS], &[80], 0.05).is_none());
        // Sinus with two premature atrial beats of two foci: a dominant P (83 %).
        let pacs = [0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0];
        assert!(run(&pacs, &[SINUS, LOW_ATRIAL, LEFT], &[80, 60, 70], 0.01).is_none());
        // Three morphologies but one on 10 of 14 beats (71 %): dominant; on 8 of 12 (67 %)
        // it is not.
        let dominant = [0, 0, 1, 0, 0, 2, 0, 0, 1, 0, 0, 2, 0, 0];
        assert!(run(&dominant, &[SINUS, LOW_ATRIAL, LEFT], &[80, 60, 70], 0.01).is_none());
        let not_dominant = [0, 0, 1, 0, 0, 2, 0, 0, 1, 0, 2, 0];
        assert!(
            run(
                &not_dominant,
                &[SINUS, LOW_ATRIAL, LEFT],
                &[80, 60, 70],
                0.01
            )
            .is_some()
        );
        // Three morphologies at one PR: the PR does not vary.
        let kinds = [0, 0, 1, 2, 2, 0, 1, 1, 2, 0, 1, 2];
        assert!(run(&kinds, &[SINUS, LOW_ATRIAL, LEFT], &[80, 80, 80], 0.01).is_none());
        // Four morphologies, three on three beats each at a steady PR: foci; but when the
        // fourth (the sinus P, three beats) has one beat 60 ms further from the QRS, its P
        // waves cannot be placed and nothing is said.
        let kinds = [0, 1, 2, 4, 0, 1, 2, 4, 3, 1, 2, 4];
        let shapes = [SINUS, LOW_ATRIAL, LEFT, SINUS, UPPER];
        assert!(run(&kinds, &shapes, &[80, 60, 70, 80, 90], 0.01).is_some());
        assert!(run(&kinds, &shapes, &[80, 60, 70, 110, 90], 0.01).is_none());
    }

    #[test]
    fn a_broad_notched_sinus_p_in_noise_is_one_focus_and_three_foci_stay_three() {
        // White noise of 10 and 25 µV RMS added to a 500-Hz recording keeps √(39.5 / 250)
        // of its RMS in the 0.5-40 Hz analysis copy these leads stand for: 4 and 10 µV, here
        // at every sample (uniform: peak-to-peak = RMS × √12), six noise streams each.
        let noise_levels =
            [0.010, 0.025].map(|rms: f64| rms * (39.5f64 / 250.0).sqrt() * 12f64.sqrt());
        // A sinus P of 160 ms with two humps, PR 216 ms, its delineated onset, offset and
        // peak moving from beat to beat: one morphology, whatever part of it each beat's
        // window covers.
        let sinus = [0; 12];
        for &noise in &noise_levels {
            for seed in 0..6 {
                let f = run_with(&sinus, &[LAA_SINUS], &[108], &BROAD_NOTCHED, noise, seed);
                assert!(f.is_none(), "noise {noise} seed {seed}: {f:?}");
            }
        }
        // Three rotating foci under the same noise are still three.
        let kinds = [0, 0, 1, 2, 2, 0, 1, 1, 2, 0, 1, 2];
        let shapes = [SINUS, LOW_ATRIAL, LEFT];
        for &noise in &noise_levels {
            for seed in 0..6 {
                let f = run_with(&kinds, &shapes, &[80, 60, 70], &NARROW, noise, seed);
                let f = f.unwrap_or_else(|| panic!("noise {noise} seed {seed}: three foci"));
                assert_eq!(f.foci.len(), 3, "noise {noise} seed {seed}: {f:?}");
                let (lo, hi) = f.pr_range();
                assert!(
                    (lo - 70.0).abs() <= 4.0 && (hi - 110.0).abs() <= 4.0,
                    "noise {noise} seed {seed}: PR {lo}-{hi}"
                );
            }
        }
    }
}
