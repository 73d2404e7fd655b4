//! Min/max level-of-detail pyramid of one lead, for drawing hours of signal at any zoom.
//!
//! A trace drawn at `n` pixel columns needs, per column, the smallest and largest sample in
//! the column's time span (drawing a vertical line between them keeps every spike visible).
//! [`Pyramid`] precomputes those extremes for buckets of [`BASE_BUCKET`] samples and for
//! coarser levels, each [`FACTOR`] times wider, so a query costs about
//! `n_columns * (2*FACTOR*levels + 2*BASE_BUCKET)` operations however long the span is, and
//! returns exactly the min/max of the samples (not an approximation).
//!
//! Building reads the signal in chunks of [`BUILD_CHUNK`] samples through
//! [`ecg::Signal::read`], so a memory-mapped 24-h Holter is never decoded whole; the pyramid
//! itself takes `8 / BASE_BUCKET * 4/3` bytes per sample (about 11 MB for 24 h at 1 kHz).
//! NaN samples (gaps) are ignored; a column with no valid sample reports `(NaN, NaN)`.
//!
//! Stable API (the render crate uses it):
//! ```text
//! Pyramid::build(&Signal) -> Result<Pyramid, Error>
//! Pyramid::build_with_progress(&Signal, &mut dyn FnMut(f64) -> bool) -> Result<Option<Pyramid>, Error>
//! Pyramid::len(&self) -> usize
//! Pyramid::min_max(&self, start_sample, end_sample, n_columns) -> Vec<(f32, f32)>
//! Pyramid::try_min_max(&self, start_sample, end_sample, n_columns) -> Result<Vec<(f32, f32)>, Error>
//! Pyramid::range_min_max(&self, start_sample, end_sample) -> Result<(f32, f32), Error>
//! Pyramid::snapped_min_max(&self, start_sample, end_sample) -> Result<(f32, f32), Error>
//! ```
//!
//! ```
//! let s = ecg::Signal::from_physical((0..10_000).map(|i| (i as f32 * 0.01).sin()).collect::<Vec<_>>());
//! let p = signal::Pyramid::build(&s).unwrap();
//! let cols = p.min_max(0, 10_000, 100);
//! assert_eq!(cols.len(), 100);
//! assert!(cols.iter().all(|(lo, hi)| lo <= hi));
//! ```

use ecg::Signal;

use crate::error::Error;

/// Samples per bucket at the finest level.
pub const BASE_BUCKET: usize = 32;
/// How many buckets of one level make one bucket of the next.
pub const FACTOR: usize = 4;
/// Samples read per call while building.
pub const BUILD_CHUNK: usize = BASE_BUCKET * 4096;
/// Spans up to this many samples per column are answered from raw samples in one read.
const RAW_SAMPLES_PER_COLUMN: usize = 4 * BASE_BUCKET;

#[derive(Debug, Clone)]
struct Level {
    min: Vec<f32>,
    max: Vec<f32>,
}

/// Min/max pyramid over one lead's samples. Cheap to share behind an `Arc`; queries take
/// `&self` and may run from several threads.
#[derive(Debug, Clone)]
pub struct Pyramid {
    signal: Signal,
    len: usize,
    /// `levels[k]` has buckets of `BASE_BUCKET * FACTOR^k` samples; only whole buckets at the
    /// finest level (a partial tail is read raw).
    levels: Vec<Level>,
}

/// Folds one value into a NaN-ignoring (min, max).
#[inline]
fn fold(acc: (f32, f32), v: f32) -> (f32, f32) {
    if v.is_nan() {
        acc
    } else {
        (acc.0.min(v), acc.1.max(v))
    }
}

#[inline]
fn merge(a: (f32, f32), b: (f32, f32)) -> (f32, f32) {
    // f32::min/max ignore a NaN operand, so empty (NaN) buckets drop out.
    (a.0.min(b.0), a.1.max(b.1))
}

const EMPTY: (f32, f32) = (f32::INFINITY, f32::NEG_INFINITY);

fn finish(acc: (f32, f32)) -> (f32, f32) {
    if acc.0 > acc.1 {
        (f32::NAN, f32::NAN)
    } else {
        acc
    }
}

impl Pyramid {
    /// Builds the pyramid, reading the signal in chunks.
    pub fn build(signal: &Signal) -> Result<Pyramid, Error> {
        Ok(Self::build_with_progress(signal, &mut |_| true)?
            .expect("the progress callback never cancels"))
    }

    /// Builds the pyramid, calling `progress(fraction_done)` after each chunk. Returns
    /// `Ok(None)` when `progress` returns `false` (cancelled).
    pub fn build_with_progress(
        signal: &Signal,
        progress: &mut dyn FnMut(f64) -> bool,
    ) -> Result<Option<Pyramid>, Error> {
        let len = signal.len();
        let n0 = len / BASE_BUCKET;
        let mut l0 = Level {
            min: Vec::with_capacity(n0),
            max: Vec::with_capacity(n0),
        };
        let mut buf = vec![0.0f32; BUILD_CHUNK];
        let mut start = 0;
        let whole = n0 * BASE_BUCKET;
        while start < whole {
            let n = BUILD_CHUNK.min(whole - start);
            let chunk = &mut buf[..n];
            signal.read(start, chunk).map_err(|source| Error::Sample {
                lead: String::from("pyramid"),
                source,
            })?;
            for b in chunk.chunks_exact(BASE_BUCKET) {
                let (lo, hi) = finish(b.iter().fold(EMPTY, |a, &v| fold(a, v)));
                l0.min.push(lo);
                l0.max.push(hi);
            }
            start += n;
            if !progress(start as f64 / len.max(1) as f64) {
                return Ok(None);
            }
        }
        let mut levels = vec![l0];
        while let Some(last) = levels.last() {
            if last.min.len() < FACTOR {
                break;
            }
            let m = last.min.len() / FACTOR;
            let mut next = Level {
                min: Vec::with_capacity(m),
                max: Vec::with_capacity(m),
            };
            for k in 0..m {
                let r = k * FACTOR..(k + 1) * FACTOR;
                let lo = last.min[r.clone()]
                    .iter()
                    .fold(f32::INFINITY, |a, &v| a.min(v));
                let hi = last.max[r].iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
                let (lo, hi) = finish((lo, hi));
                next.min.push(lo);
                next.max.push(hi);
            }
            levels.push(next);
        }
        progress(1.0);
        Ok(Some(Pyramid {
            signal: signal.clone(),
            len,
            levels,
        }))
    }

    /// Samples per bucket at the finest level ([`BASE_BUCKET`]).
    pub const BUCKET: usize = BASE_BUCKET;

    /// Number of samples covered.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the signal is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of levels (finest first).
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }

    /// Bytes held by the pyramid's levels.
    pub fn memory_bytes(&self) -> usize {
        self.levels.iter().map(|l| 8 * l.min.len()).sum()
    }

    /// `(min, max)` of the samples in `start..end` (NaN-aware), exact.
    pub fn range_min_max(&self, start: usize, end: usize) -> Result<(f32, f32), Error> {
        let end = end.min(self.len);
        if start >= end {
            return Ok((f32::NAN, f32::NAN));
        }
        let mut acc = EMPTY;
        let first_bucket = start.div_ceil(BASE_BUCKET);
        let last_bucket = end / BASE_BUCKET;
        if first_bucket >= last_bucket {
            acc = self.raw(start, end, acc)?;
        } else {
            acc = self.raw(start, first_bucket * BASE_BUCKET, acc)?;
            acc = self.buckets(0, first_bucket, last_bucket, acc);
            acc = self.raw(last_bucket * BASE_BUCKET, end, acc)?;
        }
        Ok(finish(acc))
    }

    /// `(min, max)` of `start..end` with both ends moved to the nearest base-bucket boundary
    /// (by at most `BASE_BUCKET / 2` samples), answered from the levels alone: no sample is
    /// read except in the partial bucket at the very end of the signal. For drawing columns
    /// that span several buckets, where moving an edge by half a bucket is a fraction of a
    /// pixel and exact edges would cost two sample reads per column. A span that rounds to no
    /// whole bucket falls back to [`Pyramid::range_min_max`].
    pub fn snapped_min_max(&self, start: usize, end: usize) -> Result<(f32, f32), Error> {
        let end = end.min(self.len);
        if start >= end {
            return Ok((f32::NAN, f32::NAN));
        }
        let whole_buckets = self.len / BASE_BUCKET;
        let first = ((start + BASE_BUCKET / 2) / BASE_BUCKET).min(whole_buckets);
        let last = ((end + BASE_BUCKET / 2) / BASE_BUCKET).min(whole_buckets);
        let tail = whole_buckets * BASE_BUCKET;
        if first >= last && end <= tail {
            return self.range_min_max(start, end);
        }
        let mut acc = self.buckets(0, first, last, EMPTY);
        if end > tail {
            acc = self.raw(start.max(tail), end, acc)?;
        }
        Ok(finish(acc))
    }

    fn raw(&self, start: usize, end: usize, acc: (f32, f32)) -> Result<(f32, f32), Error> {
        if start >= end {
            return Ok(acc);
        }
        let mut buf = [0.0f32; BASE_BUCKET];
        let mut acc = acc;
        let mut s = start;
        while s < end {
            let n = (end - s).min(BASE_BUCKET);
            self.read(s, &mut buf[..n])?;
            acc = buf[..n].iter().fold(acc, |a, &v| fold(a, v));
            s += n;
        }
        Ok(acc)
    }

    fn read(&self, start: usize, out: &mut [f32]) -> Result<(), Error> {
        self.signal
            .read(start, out)
            .map_err(|source| Error::Sample {
                lead: String::from("pyramid"),
                source,
            })
    }

    /// Folds buckets `i..j` of `level` into `acc`, climbing to coarser levels for the
    /// aligned middle.
    fn buckets(&self, level: usize, i: usize, j: usize, acc: (f32, f32)) -> (f32, f32) {
        let mut acc = acc;
        if i >= j {
            return acc;
        }
        let lv = &self.levels[level];
        if level + 1 < self.levels.len() {
            let i2 = i.div_ceil(FACTOR) * FACTOR;
            let j2 = j / FACTOR * FACTOR;
            if i2 < j2 {
                for k in (i..i2).chain(j2..j) {
                    acc = merge(acc, (lv.min[k], lv.max[k]));
                }
                return self.buckets(level + 1, i2 / FACTOR, j2 / FACTOR, acc);
            }
        }
        for k in i..j {
            acc = merge(acc, (lv.min[k], lv.max[k]));
        }
        acc
    }

    /// The column bounds used by [`Pyramid::min_max`]: column `c` covers
    /// `start + floor(c*span/n) .. max(start + floor((c+1)*span/n), that + 1)`, so each column
    /// holds at least one sample even when zoomed in beyond one sample per column.
    pub fn column_range(start: usize, end: usize, n_columns: usize, c: usize) -> (usize, usize) {
        let span = end.saturating_sub(start) as u128;
        let n = n_columns.max(1) as u128;
        let a = start + (c as u128 * span / n) as usize;
        let b = start + ((c as u128 + 1) * span / n) as usize;
        (a, b.max(a + 1))
    }

    /// Per-column `(min, max)` of `start_sample..end_sample` split into `n_columns` equal
    /// columns (see [`Pyramid::column_range`]). Samples past the end and unreadable samples
    /// count as missing: such a column is `(NaN, NaN)`.
    pub fn min_max(
        &self,
        start_sample: usize,
        end_sample: usize,
        n_columns: usize,
    ) -> Vec<(f32, f32)> {
        self.try_min_max(start_sample, end_sample, n_columns)
            .unwrap_or_else(|_| vec![(f32::NAN, f32::NAN); n_columns])
    }

    /// [`Pyramid::min_max`], reporting read errors instead of turning them into NaN.
    pub fn try_min_max(
        &self,
        start_sample: usize,
        end_sample: usize,
        n_columns: usize,
    ) -> Result<Vec<(f32, f32)>, Error> {
        if n_columns == 0 {
            return Ok(Vec::new());
        }
        let span = end_sample.saturating_sub(start_sample);
        // Zoomed in: one read of the visible samples is cheaper than per-column work.
        let visible_start = start_sample.min(self.len);
        if span <= n_columns.saturating_mul(RAW_SAMPLES_PER_COLUMN) {
            // The last column may reach one sample past `end_sample`.
            let read_end = (end_sample + 1).min(self.len);
            let raw = if visible_start < read_end {
                let mut v = vec![0.0f32; read_end - visible_start];
                self.read(visible_start, &mut v)?;
                v
            } else {
                Vec::new()
            };
            return Ok((0..n_columns)
                .map(|c| {
                    let (a, b) = Self::column_range(start_sample, end_sample, n_columns, c);
                    let (a, b) = (a.min(read_end), b.min(read_end));
                    if a >= b {
                        return (f32::NAN, f32::NAN);
                    }
                    finish(
                        raw[a - visible_start..b - visible_start]
                            .iter()
                            .fold(EMPTY, |acc, &v| fold(acc, v)),
                    )
                })
                .collect());
        }
        (0..n_columns)
            .map(|c| {
                let (a, b) = Self::column_range(start_sample, end_sample, n_columns, c);
                self.range_min_max(a, b)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(x: &[f32], a: usize, b: usize) -> (f32, f32) {
        let b = b.min(x.len());
        if a >= b {
            return (f32::NAN, f32::NAN);
        }
        finish(x[a..b].iter().fold(EMPTY, |acc, &v| fold(acc, v)))
    }

    fn same(a: (f32, f32), b: (f32, f32)) -> bool {
        let eq = |x: f32, y: f32| (x.is_nan() && y.is_nan()) || x == y;
        eq(a.0, b.0) && eq(a.1, b.1)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn snapped_spans_are_the_exact_min_max_of_the_rounded_span(
            x in proptest::collection::vec(prop_oneof![9 => -5.0f32..5.0, 1 => Just(f32::NAN)], 0..20_000),
            s in 0usize..21_000,
            w in 0usize..3_000,
        ) {
            let sig = Signal::from_physical(x.clone());
            let p = Pyramid::build(&sig).unwrap();
            let (e, len) = (s + w, x.len());
            let got = p.snapped_min_max(s, e).unwrap();
            let whole = len / BASE_BUCKET * BASE_BUCKET;
            let round = |i: usize| ((i + BASE_BUCKET / 2) / BASE_BUCKET * BASE_BUCKET).min(whole);
            let (a, b) = (round(s.min(len)), round(e.min(len)));
            let want = if s >= e.min(len) {
                (f32::NAN, f32::NAN)
            } else if a >= b && e.min(len) <= whole {
                brute(&x, s, e)
            } else {
                // Whole buckets a..b, plus the partial tail when the span reaches it.
                let tail = if e.min(len) > whole { brute(&x, s.max(whole), e) } else { (f32::NAN, f32::NAN) };
                let body = brute(&x, a, b);
                finish(fold(fold(fold(fold(EMPTY, body.0), body.1), tail.0), tail.1))
            };
            prop_assert!(same(got, want), "{s}..{e} of {len}: {got:?} vs {want:?}");
        }

        #[test]
        fn columns_are_the_exact_min_max_of_their_samples(
            x in proptest::collection::vec(prop_oneof![9 => -5.0f32..5.0, 1 => Just(f32::NAN)], 0..20_000),
            s in 0usize..21_000,
            w in 0usize..21_000,
            n in 1usize..400,
        ) {
            let sig = Signal::from_physical(x.clone());
            let p = Pyramid::build(&sig).unwrap();
            let e = s + w;
            let cols = p.try_min_max(s, e, n).unwrap();
            prop_assert_eq!(cols.len(), n);
            for (c, got) in cols.iter().enumerate() {
                let (a, b) = Pyramid::column_range(s, e, n, c);
                let want = brute(&x, a, b);
                prop_assert!(same(*got, want), "col {} {}..{}: {:?} vs {:?}", c, a, b, got, want);
                // Bounds: every sample lies inside its column's extremes.
                for &v in x.iter().take(b).skip(a) {
                    if !v.is_nan() {
                        prop_assert!(got.0 <= v && v <= got.1);
                    }
                }
            }
        }
    }

    #[test]
    fn long_spans_use_coarse_levels_and_stay_exact() {
        let x: Vec<f32> = (0..1_000_000usize)
            .map(|i| ((i * 7919) % 10007) as f32 - 5000.0)
            .collect();
        let p = Pyramid::build(&Signal::from_physical(x.clone())).unwrap();
        assert!(p.n_levels() >= 6);
        for (s, e, n) in [(0, 1_000_000, 800), (12_345, 987_654, 333), (31, 65, 1)] {
            for (c, got) in p.min_max(s, e, n).iter().enumerate() {
                let (a, b) = Pyramid::column_range(s, e, n, c);
                assert!(same(*got, brute(&x, a, b)));
            }
        }
        assert!(p.memory_bytes() < 1_000_000 * 8 / BASE_BUCKET * 2);
    }

    #[test]
    fn building_can_be_cancelled() {
        let s = Signal::from_physical(vec![0.0f32; BUILD_CHUNK * 3]);
        let mut calls = 0;
        let r = Pyramid::build_with_progress(&s, &mut |_| {
            calls += 1;
            false
        })
        .unwrap();
        assert!(r.is_none());
        assert_eq!(calls, 1);
    }
}
