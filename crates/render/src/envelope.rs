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
//! hours per row, and there a [`MinMaxPyramid`] (built once per lead and cached by the
//! renderer) answers each column from precomputed blocks instead, so the frame's cost depends
//! on pixels, not on hours.
//!
//! This pyramid is the renderer's own until `signal::Pyramid` (issue #3) is published; the
//! column computation above it does not care which one answers.

use ecg::{Lead, SampleError, Signal};

/// Samples read per chunk (256 KiB of f32).
const CHUNK: usize = 65_536;
/// Above this many samples per column, a pyramid (when available) answers instead of the samples.
pub(crate) const PYRAMID_THRESHOLD: f64 = 256.0;
/// Samples summarised by one block of the pyramid's first level; each level is
/// [`FANOUT`] times coarser.
const LEVEL0_BLOCK: usize = 64;
const FANOUT: usize = 16;

/// What a cell draws, in pixels along x and millivolts along y.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Trace {
    /// Sample points: `[x_px from the cell's left edge, mV]`; NaN values are gaps.
    Polyline(Vec<[f32; 2]>),
    /// One `[min, max]` in mV per pixel column; a NaN pair is a column without samples.
    Columns(Vec<[f32; 2]>),
}

/// Min/max of consecutive blocks at several resolutions, for one signal.
#[derive(Debug, Clone)]
pub(crate) struct MinMaxPyramid {
    /// `levels[k]` holds `[min, max]` per block of `LEVEL0_BLOCK * FANOUT^k` samples; NaN
    /// samples are ignored, an all-NaN block is a NaN pair.
    levels: Vec<Vec<[f32; 2]>>,
    len: usize,
}

impl MinMaxPyramid {
    /// Builds the pyramid by reading the signal once, in chunks.
    pub(crate) fn build(signal: &Signal) -> Result<Self, SampleError> {
        let len = signal.len();
        let mut level0 = Vec::with_capacity(len / LEVEL0_BLOCK + 1);
        let mut buf = vec![0.0f32; CHUNK];
        let mut start = 0;
        while start < len {
            let n = CHUNK.min(len - start);
            signal.read(start, &mut buf[..n])?;
            for block in buf[..n].chunks(LEVEL0_BLOCK) {
                level0.push(min_max(block.iter().copied()));
            }
            start += n;
        }
        let mut levels = vec![level0];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let prev = levels.last().map(Vec::as_slice).unwrap_or_default();
            let next: Vec<[f32; 2]> = prev.chunks(FANOUT).map(merge_all).collect();
            levels.push(next);
        }
        Ok(Self { levels, len })
    }

    /// Min/max of samples `start..end`, from the coarsest blocks that fit plus samples read at
    /// the ragged edges. Reads at most about `2 * LEVEL0_BLOCK` samples and visits
    /// `2 * FANOUT` blocks per level.
    fn range(&self, signal: &Signal, start: usize, end: usize, buf: &mut Vec<f32>) -> Result<[f32; 2], SampleError> {
        let end = end.min(self.len);
        if start >= end {
            return Ok([f32::NAN, f32::NAN]);
        }
        let first_block = start.div_ceil(LEVEL0_BLOCK);
        let last_block = end / LEVEL0_BLOCK; // exclusive
        if first_block >= last_block {
            return read_min_max(signal, start, end, buf);
        }
        let mut acc = read_min_max(signal, start, first_block * LEVEL0_BLOCK, buf)?;
        acc = merge(acc, read_min_max(signal, last_block * LEVEL0_BLOCK, end, buf)?);
        acc = merge(acc, self.blocks(0, first_block, last_block));
        Ok(acc)
    }

    /// Min/max of level-`k` blocks `a..b`, recursing to coarser levels for the middle part.
    fn blocks(&self, k: usize, a: usize, b: usize) -> [f32; 2] {
        let level = &self.levels[k];
        let b = b.min(level.len());
        if a >= b {
            return [f32::NAN, f32::NAN];
        }
        if k + 1 < self.levels.len() {
            let (pa, pb) = (a.div_ceil(FANOUT), b / FANOUT);
            if pa < pb {
                let left = merge_all(&level[a..pa * FANOUT]);
                let right = merge_all(&level[pb * FANOUT..b]);
                return merge(merge(left, right), self.blocks(k + 1, pa, pb));
            }
        }
        merge_all(&level[a..b])
    }
}

fn min_max(values: impl Iterator<Item = f32>) -> [f32; 2] {
    let mut acc = [f32::NAN, f32::NAN];
    for v in values {
        if v.is_nan() {
            continue;
        }
        // f32::min/max ignore a NaN operand, so the first real value replaces the NaN start.
        acc = [acc[0].min(v), acc[1].max(v)];
    }
    acc
}

fn merge(a: [f32; 2], b: [f32; 2]) -> [f32; 2] {
    [a[0].min(b[0]), a[1].max(b[1])]
}

fn merge_all(blocks: &[[f32; 2]]) -> [f32; 2] {
    blocks.iter().fold([f32::NAN, f32::NAN], |a, b| merge(a, *b))
}

fn read_min_max(signal: &Signal, start: usize, end: usize, buf: &mut Vec<f32>) -> Result<[f32; 2], SampleError> {
    if start >= end {
        return Ok([f32::NAN, f32::NAN]);
    }
    buf.resize(end - start, 0.0);
    signal.read(start, buf)?;
    Ok(min_max(buf.iter().copied()))
}

/// The trace of `lead` for `n_cols` columns of `seconds_per_px` each, from `t0_s`, scaled to
/// mV by `mv_per_unit`. `pyramid`, when given, answers dense columns.
pub(crate) fn trace(
    lead: &Lead,
    t0_s: f64,
    seconds_per_px: f64,
    n_cols: usize,
    mv_per_unit: f32,
    pyramid: Option<&MinMaxPyramid>,
) -> Result<Trace, SampleError> {
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
            let mut buf = Vec::new();
            for (k, col) in cols.iter_mut().enumerate() {
                *col = scale(p.range(&lead.signal, bounds[k], bounds[k + 1], &mut buf)?);
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
mod tests {
    use super::*;
    use ecg::Unit;

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
    fn pyramid_columns_equal_direct_columns() {
        let v: Vec<f32> = (0..200_000)
            .map(|i| {
                if (50_000..50_100).contains(&i) {
                    f32::NAN
                } else {
                    ((i as f32) * 0.001).sin() * (1.0 + (i % 977) as f32 * 0.001)
                }
            })
            .collect();
        let l = lead(v, 100.0);
        let p = MinMaxPyramid::build(&l.signal).unwrap();
        for (t0, spp, n) in [(0.0, 10.0, 200), (13.37, 3.3, 333), (1500.0, 7.0, 80)] {
            let direct = trace(&l, t0, spp, n, 1.0, None).unwrap();
            let fast = trace(&l, t0, spp, n, 1.0, Some(&p)).unwrap();
            // Bitwise, so that NaN (no samples) equals NaN.
            let bits = |t: Trace| match t {
                Trace::Columns(c) => c.iter().map(|p| p.map(f32::to_bits)).collect::<Vec<_>>(),
                Trace::Polyline(_) => panic!("expected columns"),
            };
            assert_eq!(bits(direct), bits(fast), "t0 {t0} spp {spp}");
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
