//! Beat classification: normal, supraventricular, ventricular, paced, unknown.
//!
//! Rules on three features per beat, in the spirit of the AAMI EC57 classes (N, S, V, paced,
//! Q/unknown):
//! - **Morphology**: correlation of the beat (all leads, -50..+100 ms around the fiducial) with
//!   the record's dominant template (sample-wise median of all beats). A conducted beat
//!   resembles the dominant beat, a ventricular ectopic does not.
//! - **Width**: the beat's global QRS duration against the dominant width.
//! - **Prematurity**: the preceding RR against the median RR of the 16 surrounding beats.
//! - **Pacing**: a pacemaker spike within 60 ms before the QRS onset.
//!
//! Order: paced, then ventricular (correlation < 0.6; or > 130 ms and 30 ms wider than the
//! dominant beat; or premature with correlation < 0.85), then supraventricular (premature by more than 15 % with dominant
//! morphology, never in atrial fibrillation where every RR is "premature"), then normal.

use serde::{Deserialize, Serialize};

use crate::delineate::ms;
use crate::detect::median;

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

/// Per-beat inputs.
/// Below this correlation with the dominant beat a beat is ventricular whatever its timing.
const VERY_DIFFERENT: f64 = 0.6;
/// Below this correlation a premature beat is ventricular.
const DIFFERENT: f64 = 0.85;

pub(crate) struct BeatFeatures {
    pub fid: usize,
    pub qrs_ms: Option<f64>,
    pub qrs_on: Option<usize>,
}

pub(crate) struct ClassifyInput<'a> {
    pub leads: &'a [Vec<f64>],
    pub fs: f64,
    pub beats: &'a [BeatFeatures],
    pub spikes: &'a [usize],
    pub atrial_fibrillation: bool,
}

/// Correlation of each beat with the dominant template (None at the edges).
pub(crate) fn template_correlations(
    leads: &[Vec<f64>],
    fs: f64,
    fids: &[usize],
) -> Vec<Option<f64>> {
    let pre = ms(fs, 50.0);
    let post = ms(fs, 100.0);
    let n = leads.first().map_or(0, Vec::len);
    let w = pre + post;
    let windows: Vec<Option<Vec<f64>>> = fids
        .iter()
        .map(|&f| {
            if f < pre || f + post > n {
                return None;
            }
            let mut v = Vec::with_capacity(w * leads.len());
            for l in leads {
                let seg = &l[f - pre..f + post];
                let m = seg.iter().sum::<f64>() / w as f64;
                v.extend(seg.iter().map(|x| x - m));
            }
            Some(v)
        })
        .collect();
    let valid: Vec<&Vec<f64>> = windows.iter().flatten().collect();
    if valid.is_empty() {
        return vec![None; fids.len()];
    }
    let len = valid[0].len();
    // Sample-wise median over at most 200 evenly spaced beats (bounded cost on Holters).
    let step = valid.len().div_ceil(200).max(1);
    let picked: Vec<&Vec<f64>> = valid.iter().step_by(step).copied().collect();
    let template: Vec<f64> = (0..len)
        .map(|k| median(&picked.iter().map(|v| v[k]).collect::<Vec<_>>()))
        .collect();
    windows
        .iter()
        .map(|w| w.as_ref().map(|v| pearson(v, &template)))
        .collect()
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

pub(crate) fn classify(input: &ClassifyInput<'_>) -> Vec<BeatClass> {
    let fs = input.fs;
    let fids: Vec<usize> = input.beats.iter().map(|b| b.fid).collect();
    let corr = template_correlations(input.leads, fs, &fids);
    let widths: Vec<f64> = input.beats.iter().filter_map(|b| b.qrs_ms).collect();
    let dom_width = median(&widths);
    let rr: Vec<Option<f64>> = (0..fids.len())
        .map(|i| (i > 0).then(|| (fids[i] - fids[i - 1]) as f64))
        .collect();
    let mut out = Vec::with_capacity(fids.len());
    for (i, b) in input.beats.iter().enumerate() {
        let on = b.qrs_on.unwrap_or(b.fid.saturating_sub(ms(fs, 50.0)));
        let spike_lo = on.saturating_sub(ms(fs, 60.0));
        let paced = input.spikes.iter().any(|&s| s >= spike_lo && s <= b.fid);
        if paced {
            out.push(BeatClass::Paced);
            continue;
        }
        let Some(c) = corr[i] else {
            out.push(BeatClass::Unknown);
            continue;
        };
        let wide = b.qrs_ms.is_some_and(|w| w > 130.0 && w > dom_width + 30.0);
        let lo = i.saturating_sub(8);
        let hi = (i + 9).min(rr.len());
        let local: Vec<f64> = rr[lo..hi].iter().flatten().copied().collect();
        let local_rr = median(&local);
        let premature = rr[i].is_some_and(|r| local_rr > 0.0 && r < 0.85 * local_rr);
        if c < VERY_DIFFERENT || wide || (c < DIFFERENT && premature) {
            out.push(BeatClass::Ventricular);
            continue;
        }
        if premature && !input.atrial_fibrillation {
            out.push(BeatClass::Supraventricular);
        } else {
            out.push(BeatClass::Normal);
        }
    }
    out
}
