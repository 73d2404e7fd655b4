//! From samples to what a cell draws, at the cell's pixel resolution.
//!
//! When a pixel column holds at most about one sample, the samples themselves are drawn as a
//! polyline ([`Trace::Polyline`]). When several samples fall on a column, each column gets the
//! minimum and maximum of its samples ([`Trace::Columns`]) and the trace is drawn as that
//! envelope, so no QRS peak is lost between pixels and the vertex count is bounded by the
//! cell width. Reading goes through fixed-size chunks: memory does not grow with the window.
//!
//! Cost: a window reads the samples it covers once. For the paper layouts that is the window
//! (10 s at 25 mm/s), whatever the record's length; the overview layout of a Holter file covers
//! hours per row, and there a [`signal::Pyramid`] (built once per lead and cached by the
//! renderer) answers each column from precomputed buckets instead, so the frame's cost depends
//! on pixels, not on hours. Column bounds are ours in both paths (sample `i` belongs to the
//! column holding time `i / fs`); the pyramid path moves each bound to the nearest bucket
//! boundary ([`signal::Pyramid::snapped_min_max`], at most `Pyramid::BUCKET / 2` samples, a
//! quarter of a pixel at the threshold) so that it reads no samples at all.

use ecg::{Lead, SampleError};
use signal::Pyramid;

/// Samples read per chunk (256 KiB of f32).
const CHUNK: usize = 65_536;
/// Above this many samples per column (two base buckets), a pyramid (when available) answers
/// instead of the samples.
pub(crate) const PYRAMID_THRESHOLD: f64 = 2.0 * Pyramid::BUCKET as f64;
/// What a cell draws, in pixels along x and millivolts along y.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Trace {
    /// Sample points: `[x_px from the cell's left edge, mV]`; NaN values are gaps.
    Polyline(Vec<[f32; 2]>),
    /// One `[min, max]` in mV per pixel column; a NaN pair is a column without samples.
    Columns(Vec<[f32; 2]>),
}

/// The median value of a trace in mV (column midpoints for [`Trace::Columns`]), ignoring
/// gaps; `None` for an empty or all-gap trace.
pub(crate) fn median_mv(trace: &Trace) -> Option<f32> {
    let mut v: Vec<f32> = match trace {
        Trace::Polyline(p) => p.iter().map(|q| q[1]).filter(|x| x.is_finite()).collect(),
        Trace::Columns(c) => c
            .iter()
            .map(|[lo, hi]| (lo + hi) / 2.0)
            .filter(|x| x.is_finite())
            .collect(),
    };
    if v.is_empty() {
        return None;
    }
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f32::total_cmp);
    Some(*m)
}

/// Why a trace could not be computed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TraceError {
    /// Reading samples failed.
    #[error(transparent)]
    Samples(#[from] SampleError),
    /// The pyramid could not answer (it reads the edges of each span from the signal).
    #[error(transparent)]
    Pyramid(#[from] signal::Error),
}

/// The trace of `lead` for `n_cols` columns of `seconds_per_px` each, from `t0_s`, scaled to
/// mV by `mv_per_unit`. `pyramid`, when given, answers dense columns.
pub(crate) fn trace(
    lead: &Lead,
    t0_s: f64,
    seconds_per_px: f64,
    n_cols: usize,
    mv_per_unit: f32,
    pyramid: Option<&Pyramid>,
) -> Result<Trace, TraceError> {
    let fs = lead.sampling_rate_hz;
    let len = lead.n_samples();
    if !(fs.is_finite() && fs > 0.0) || len == 0 || n_cols == 0 {
        return Ok(Trace::Columns(Vec::new()));
    }
    let samples_per_px = fs * seconds_per_px;
    // Sample i sits at time i / fs, i.e. at x = (i / fs - t0) / spp from the cell's left edge.
    // The 1e-9 keeps 0.33 * 1000 = 330.00000000000006 from rounding up to the next sample.
    let index_at = |x: f64| {
        ((t0_s + x * seconds_per_px) * fs - 1e-9)
            .ceil()
            .clamp(0.0, len as f64) as usize
    };
    if samples_per_px <= 1.5 {
        // One sample either side beyond the edges, so the line runs to the border.
        let first = index_at(0.0).saturating_sub(1);
        let last = (index_at(n_cols as f64) + 1).min(len);
        let values = lead.signal.read_range(first, last.saturating_sub(first))?;
        let points = values
            .iter()
            .enumerate()
            .map(|(k, &v)| {
                let t = (first + k) as f64 / fs;
                [((t - t0_s) / seconds_per_px) as f32, v * mv_per_unit]
            })
            .collect();
        return Ok(Trace::Polyline(points));
    }
    let mut cols = vec![[f32::NAN, f32::NAN]; n_cols];
    let bounds: Vec<usize> = (0..=n_cols).map(|k| index_at(k as f64)).collect();
    let scale = |[lo, hi]: [f32; 2]| [lo * mv_per_unit, hi * mv_per_unit];
    match pyramid {
        Some(p) if samples_per_px > PYRAMID_THRESHOLD => {
            for (k, col) in cols.iter_mut().enumerate() {
                let (lo, hi) = p.snapped_min_max(bounds[k], bounds[k + 1])?;
                *col = scale([lo, hi]);
            }
        }
        _ => {
            let (first, last) = (bounds[0], bounds[n_cols]);
            let mut buf = vec![0.0f32; CHUNK.min(last.saturating_sub(first))];
            let mut col = 0;
            let mut start = first;
            while start < last {
                let n = buf.len().min(last - start);
                lead.signal.read(start, &mut buf[..n])?;
                for (j, &v) in buf[..n].iter().enumerate() {
                    let i = start + j;
                    while col + 1 < n_cols && i >= bounds[col + 1] {
                        col += 1;
                    }
                    if !v.is_nan() {
                        let c = &mut cols[col];
                        *c = [c[0].min(v), c[1].max(v)];
                    }
                }
                start += n;
            }
            for c in &mut cols {
                *c = scale(*c);
            }
        }
    }
    Ok(Trace::Columns(cols))
}

#[cfg(test)]
mod median_tests {
    use super::*;

    #[test]
    fn median_ignores_gaps_and_uses_column_midpoints() {
        let p = Trace::Polyline(vec![[0.0, 5.0], [1.0, f32::NAN], [2.0, 5.2], [3.0, 9.0]]);
        assert_eq!(median_mv(&p), Some(5.2));
        let c = Trace::Columns(vec![[1.0, 3.0], [f32::NAN, f32::NAN], [2.0, 2.0]]);
        assert_eq!(median_mv(&c), Some(2.0));
        assert_eq!(median_mv(&Trace::Columns(vec![[f32::NAN, f32::NAN]])), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecg::{Signal, Unit};

    fn lead(values: Vec<f32>, fs: f64) -> Lead {
        Lead::new("II", fs, Unit::Millivolt, Signal::from_physical(values))
    }

    #[test]
    fn sparse_samples_become_a_polyline_at_their_times() {
        let l = lead((0..100).map(|i| i as f32).collect(), 10.0);
        // 0.05 s per px: 0.5 samples per px.
        let Trace::Polyline(p) = trace(&l, 1.0, 0.05, 40, 1.0, None).unwrap() else {
            panic!("expected a polyline")
        };
        // Sample 10 (t = 1 s) is at x = 0; sample 9 precedes it at x = -2.
        assert_eq!(p[0], [-2.0, 9.0]);
        assert_eq!(p[1], [0.0, 10.0]);
        assert_eq!(p.last().unwrap(), &[40.0, 30.0]);
    }

    #[test]
    fn dense_samples_become_min_max_columns_keeping_every_peak() {
        let mut v = vec![0.0f32; 1000];
        v[333] = 5.0;
        v[667] = -3.0;
        let l = lead(v, 1000.0);
        let Trace::Columns(c) = trace(&l, 0.0, 0.01, 100, 2.0, None).unwrap() else {
            panic!("expected columns")
        };
        assert_eq!(c.len(), 100);
        assert_eq!(c[33], [0.0, 10.0]);
        assert_eq!(c[66], [-6.0, 0.0]);
        assert_eq!(c[50], [0.0, 0.0]);
    }

    #[test]
    fn pyramid_columns_are_the_samples_between_bucket_snapped_bounds() {
        let v: Vec<f32> = (0..200_000)
            .map(|i| {
                if (50_000..50_100).contains(&i) {
                    f32::NAN
                } else {
                    ((i as f32) * 0.001).sin() * (1.0 + (i % 977) as f32 * 0.001)
                }
            })
            .collect();
        let fs = 100.0;
        let l = lead(v.clone(), fs);
        let p = Pyramid::build(&l.signal).unwrap();
        let bucket = Pyramid::BUCKET;
        let snap = |i: usize| (i + bucket / 2) / bucket * bucket;
        for (t0, spp, n) in [(0.0, 10.0, 200), (13.37, 3.3, 333), (1500.0, 7.0, 80)] {
            let Trace::Columns(fast) = trace(&l, t0, spp, n, 1.0, Some(&p)).unwrap() else {
                panic!("expected columns")
            };
            for (k, col) in fast.iter().enumerate() {
                // The bounds `trace` uses, then snapped to the nearest bucket boundary.
                let at =
                    |x: f64| (((t0 + x * spp) * fs - 1e-9).ceil().max(0.0) as usize).min(v.len());
                let (a, b) = (snap(at(k as f64)), snap(at(k as f64 + 1.0)).min(v.len()));
                let want = v[a.min(b)..b]
                    .iter()
                    .filter(|x| !x.is_nan())
                    .fold([f32::NAN, f32::NAN], |[lo, hi], &x| [lo.min(x), hi.max(x)]);
                // Bitwise, so that NaN (no samples) equals NaN.
                assert_eq!(
                    col.map(f32::to_bits),
                    want.map(f32::to_bits),
                    "t0 {t0} spp {spp} col {k}"
                );
            }
            // And within a quarter pixel of the exact columns: each exact column's range lies
            // within the range of this column and its neighbours (the two outermost columns
            // have no outer neighbour: up to half a bucket at the window's edges is not drawn).
            let Trace::Columns(exact) = trace(&l, t0, spp, n, 1.0, None).unwrap() else {
                panic!("expected columns")
            };
            for k in 1..n - 1 {
                if exact[k][0].is_nan() {
                    continue;
                }
                let near = &fast[k.saturating_sub(1)..(k + 2).min(n)];
                let lo = near.iter().map(|c| c[0]).fold(f32::NAN, f32::min);
                let hi = near.iter().map(|c| c[1]).fold(f32::NAN, f32::max);
                assert!(lo <= exact[k][0] && exact[k][1] <= hi, "col {k}");
            }
        }
    }

    #[test]
    fn windows_past_the_end_are_empty_columns_not_errors() {
        let l = lead(vec![1.0; 100], 100.0);
        let Trace::Columns(c) = trace(&l, 5.0, 0.1, 10, 1.0, None).unwrap() else {
            panic!("expected columns")
        };
        assert!(c.iter().all(|p| p[0].is_nan()));
    }
}
