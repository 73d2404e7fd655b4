//! Median (representative) beats: the sample-wise median of the dominant beats of each lead,
//! aligned on the QRS fiducial. Clinical carts measure global intervals and amplitudes on
//! these because noise and single odd beats drop out.

use serde::{Deserialize, Serialize};

use crate::detect::median_in;

/// One lead's median beat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedianBeat {
    /// The lead.
    pub lead: ecg::LeadLabel,
    /// Sampling rate in Hz.
    pub fs_hz: f64,
    /// Samples in mV, filtered with the analysis' display chain.
    pub samples_mv: Vec<f32>,
    /// Index of the QRS fiducial inside `samples_mv`.
    pub fiducial_sample: usize,
    /// How many beats went into the median.
    pub n_beats: usize,
}

/// Sample-wise median of `x[f - pre .. f + post]` over the fiducials that fit, using at most
/// `max_beats` beats evenly spread over the record.
pub(crate) fn median_beat(
    x: &[f64],
    fids: &[usize],
    pre: usize,
    post: usize,
    max_beats: usize,
) -> Option<(Vec<f64>, usize)> {
    let fit: Vec<usize> = fids
        .iter()
        .copied()
        .filter(|&f| f >= pre && f + post <= x.len())
        .collect();
    if fit.is_empty() {
        return None;
    }
    let step = fit.len().div_ceil(max_beats.max(1)).max(1);
    let used: Vec<usize> = fit.iter().step_by(step).copied().collect();
    // Neighbouring samples of the beats are ranked almost alike, so each column is sorted
    // by insertion starting from the previous column's order: a few swaps per sample instead
    // of a sort. The median only depends on the sorted values, so it is the same as
    // `median` of the column (which columns holding a non-finite value fall back to).
    let mut order: Vec<usize> = (0..used.len()).collect();
    let mut col = vec![0.0f64; used.len()];
    let mut scratch = Vec::with_capacity(used.len());
    let m = used.len();
    let out = (0..pre + post)
        .map(|k| {
            for (c, &f) in col.iter_mut().zip(&used) {
                *c = x[f - pre + k];
            }
            if col.iter().any(|v| !v.is_finite()) {
                return median_in(&mut scratch, col.iter().copied());
            }
            for i in 1..m {
                let o = order[i];
                let mut j = i;
                while j > 0 && col[order[j - 1]].total_cmp(&col[o]).is_gt() {
                    order[j] = order[j - 1];
                    j -= 1;
                }
                order[j] = o;
            }
            if m % 2 == 1 {
                col[order[m / 2]]
            } else {
                0.5 * (col[order[m / 2 - 1]] + col[order[m / 2]])
            }
        })
        .collect();
    Some((out, used.len()))
}
