//! Zero-phase IIR filtering of several equally long signals at once, in interleaved lanes.
//!
//! A recursive filter's cost is its recursion: every output waits for the one before, so one
//! lead keeps the floating-point units mostly idle. Here up to [`WIDEST`] leads run side by
//! side (sample `i` of lead `l` at `buf[i][l]`): the independent recursions fill the pipeline
//! and the per-lane arithmetic vectorises. Each lane executes exactly the scalar operation
//! order of SciPy's `sosfilt` / `lfilter` (transposed direct form II) from the same
//! steady-state initial conditions, so every lead's output is bit-identical to filtering it
//! alone, whatever the number of lanes; [`crate::iir`]'s `sosfiltfilt` and `filtfilt` are this
//! with one lane in use. Groups of lanes run on the rayon pool.
//!
//! A chain of filters ([`forward_backward_chain`], e.g. high-pass, notch, low-pass) runs all
//! its stages on one interleaved buffer: each stage's odd extension is built from the previous
//! stage's output lane by lane (the same arithmetic as extending each lead alone), so the leads
//! are interleaved once and taken apart once per chain instead of once per stage.

use rayon::prelude::*;

/// Lanes of a group of up to eight signals (a single lead, a 3-lead Holter, the eight
/// independent leads of a 12-lead ECG).
const NARROW: usize = 8;

/// Lanes of a group of more than eight signals: a standard 12-lead ECG in one group. The
/// recursion waits on its own latency, not on arithmetic throughput, so 16 lanes cost little
/// more than 8 per sample: one group of 16 instead of two of 8 takes a one-thread 12-lead
/// analysis from about 56 to 51 ms for the eight speed-table LUDB records (AVX-512 and AVX2
/// alike), and the default pool's takes no longer. Fewer signals keep [`NARROW`] lanes, so a
/// streamed Holter's buffer does not double.
pub(crate) const WIDEST: usize = 16;

/// Samples interleaved or taken apart at a time ([`forward_backward_chain`]): 4-8 KiB of
/// lanes.
const COPY_BLOCK: usize = 64;

/// One sample of every lane of an `N`-lane group.
pub(crate) type Lane<const N: usize> = [f64; N];

/// A recursive filter run over lanes from its steady state.
pub(crate) trait LaneFilter: Sync {
    /// Filters the samples `x` yields, in that order, in place, starting from the steady state
    /// of a constant input equal to `x0` (per lane), as SciPy's `zi * x0`.
    fn run<'a, const N: usize>(&self, x: impl Iterator<Item = &'a mut Lane<N>>, x0: Lane<N>);
}

/// Second-order sections `[b0, b1, b2, 1, a1, a2]` with their unit-step steady state
/// (`sosfilt_zi`).
pub(crate) struct SosLanes {
    pub sections: Vec<[f64; 6]>,
    pub zi: Vec<[f64; 2]>,
}

impl LaneFilter for SosLanes {
    #[inline(always)]
    fn run<'a, const N: usize>(&self, x: impl Iterator<Item = &'a mut Lane<N>>, x0: Lane<N>) {
        // The usual cascades (Butterworth orders 1-8) keep their state in registers; a state
        // in memory would put a store and a load into every section's recursion.
        match self.sections.len() {
            1 => self.run_fixed::<1, N>(x, x0),
            2 => self.run_fixed::<2, N>(x, x0),
            3 => self.run_fixed::<3, N>(x, x0),
            4 => self.run_fixed::<4, N>(x, x0),
            _ => self.run_any(x, x0),
        }
    }
}

impl SosLanes {
    /// [`LaneFilter::run`] of exactly `S` sections.
    #[inline(always)]
    fn run_fixed<'a, const S: usize, const N: usize>(
        &self,
        x: impl Iterator<Item = &'a mut Lane<N>>,
        x0: Lane<N>,
    ) {
        let sections: [[f64; 6]; S] = std::array::from_fn(|k| self.sections[k]);
        let mut z: [[Lane<N>; 2]; S] =
            std::array::from_fn(|k| [scale(x0, self.zi[k][0]), scale(x0, self.zi[k][1])]);
        for v in x {
            let mut cur = *v;
            for (s, zs) in sections.iter().zip(z.iter_mut()) {
                cur = section(s, zs, cur);
            }
            *v = cur;
        }
    }

    /// [`LaneFilter::run`] of any number of sections.
    #[inline(always)]
    fn run_any<'a, const N: usize>(&self, x: impl Iterator<Item = &'a mut Lane<N>>, x0: Lane<N>) {
        let mut z: Vec<[Lane<N>; 2]> = self
            .zi
            .iter()
            .map(|zi| [scale(x0, zi[0]), scale(x0, zi[1])])
            .collect();
        for v in x {
            let mut cur = *v;
            for (s, zs) in self.sections.iter().zip(z.iter_mut()) {
                cur = section(s, zs, cur);
            }
            *v = cur;
        }
    }
}

/// One sample through one second-order section (transposed direct form II), per lane:
/// new = b0 x + z0; z0 = b1 x - a1 new + z1; z1 = b2 x - a2 new.
#[inline(always)]
fn section<const N: usize>(s: &[f64; 6], zs: &mut [Lane<N>; 2], cur: Lane<N>) -> Lane<N> {
    let new = add(scale(cur, s[0]), zs[0]);
    zs[0] = add(sub(scale(cur, s[1]), scale(new, s[4])), zs[1]);
    zs[1] = sub(scale(cur, s[2]), scale(new, s[5]));
    new
}

#[inline(always)]
fn scale<const N: usize>(a: Lane<N>, k: f64) -> Lane<N> {
    a.map(|v| v * k)
}

#[inline(always)]
fn add<const N: usize>(a: Lane<N>, b: Lane<N>) -> Lane<N> {
    std::array::from_fn(|l| a[l] + b[l])
}

#[inline(always)]
fn sub<const N: usize>(a: Lane<N>, b: Lane<N>) -> Lane<N> {
    std::array::from_fn(|l| a[l] - b[l])
}

/// A transfer function `b / a`, normalised (`a[0] == 1`) and of equal lengths, with its
/// unit-step steady state (`lfilter_zi`, `b.len() - 1` values).
pub(crate) struct BaLanes {
    pub b: Vec<f64>,
    pub a: Vec<f64>,
    pub zi: Vec<f64>,
}

impl LaneFilter for BaLanes {
    #[inline(always)]
    fn run<'a, const N: usize>(&self, x: impl Iterator<Item = &'a mut Lane<N>>, x0: Lane<N>) {
        // A notch (three coefficients) keeps its state in registers.
        match self.b.len() {
            0 | 1 => {
                let b0 = self.b.first().copied().unwrap_or(0.0);
                for v in x {
                    *v = scale(*v, b0);
                }
            }
            3 => self.run_fixed::<2, N>(x, x0),
            _ => self.run_any(x, x0),
        }
    }
}

impl BaLanes {
    /// [`LaneFilter::run`] of exactly `S + 1` coefficients (`S` states).
    #[inline(always)]
    fn run_fixed<'a, const S: usize, const N: usize>(
        &self,
        x: impl Iterator<Item = &'a mut Lane<N>>,
        x0: Lane<N>,
    ) {
        let mut z: [Lane<N>; S] = std::array::from_fn(|k| {
            let zk = self.zi.get(k).copied().unwrap_or(0.0);
            x0.map(|v| zk * v)
        });
        let b: [f64; S] = std::array::from_fn(|k| self.b[k + 1]);
        let a: [f64; S] = std::array::from_fn(|k| self.a[k + 1]);
        let b0 = self.b[0];
        for v in x {
            let xn = *v;
            let yn = transfer_step(&mut z, &b, &a, b0, xn);
            *v = yn;
        }
    }

    /// [`LaneFilter::run`] of any number of coefficients (at least two).
    #[inline(always)]
    fn run_any<'a, const N: usize>(&self, x: impl Iterator<Item = &'a mut Lane<N>>, x0: Lane<N>) {
        let nb = self.b.len();
        let mut z: Vec<Lane<N>> = (0..nb - 1)
            .map(|k| {
                let zk = self.zi.get(k).copied().unwrap_or(0.0);
                x0.map(|v| zk * v)
            })
            .collect();
        let b0 = self.b[0];
        for v in x {
            let xn = *v;
            let yn = transfer_step(&mut z, &self.b[1..], &self.a[1..], b0, xn);
            *v = yn;
        }
    }
}

/// One sample through a transfer function (transposed direct form II, `lfilter`), per lane:
/// y = z0 + b0 x; z[k] = z[k+1] + x b[k+1] - y a[k+1]; the last z = x b[last] - y a[last].
/// `b` and `a` here are the coefficients after the first.
#[inline(always)]
fn transfer_step<const N: usize>(
    z: &mut [Lane<N>],
    b: &[f64],
    a: &[f64],
    b0: f64,
    xn: Lane<N>,
) -> Lane<N> {
    let s = z.len();
    let yn: Lane<N> = std::array::from_fn(|l| z[0][l] + b0 * xn[l]);
    for k in 0..s - 1 {
        z[k] = std::array::from_fn(|l| z[k + 1][l] + xn[l] * b[k] - yn[l] * a[k]);
    }
    z[s - 1] = std::array::from_fn(|l| xn[l] * b[s - 1] - yn[l] * a[s - 1]);
    yn
}

/// Second-order sections that differ from lane to lane (the same number in each lane):
/// `sections[k][c][l]` is coefficient `c` of section `k` in lane `l`, `zi` its `sosfilt_zi`
/// (for up to [`WIDEST`] lanes; a group of fewer runs on the first ones).
pub(crate) struct SosEachLanes {
    pub sections: Vec<[Lane<WIDEST>; 6]>,
    pub zi: Vec<[Lane<WIDEST>; 2]>,
}

impl LaneFilter for SosEachLanes {
    #[inline(always)]
    fn run<'a, const N: usize>(&self, x: impl Iterator<Item = &'a mut Lane<N>>, x0: Lane<N>) {
        let first = |c: &Lane<WIDEST>| -> Lane<N> { std::array::from_fn(|l| c[l]) };
        let sections: Vec<[Lane<N>; 6]> = self
            .sections
            .iter()
            .map(|s| s.each_ref().map(first))
            .collect();
        let mut z: Vec<[Lane<N>; 2]> = self
            .zi
            .iter()
            .map(|zi| [mul(x0, first(&zi[0])), mul(x0, first(&zi[1]))])
            .collect();
        match (sections.as_slice(), z.as_mut_slice()) {
            // One section (order 1-2, the usual band edges) with its state in registers.
            ([s], [zs]) => {
                let mut zs1 = *zs;
                for v in x {
                    *v = section_each(s, &mut zs1, *v);
                }
            }
            (sections, z) => {
                for v in x {
                    let mut cur = *v;
                    for (s, zs) in sections.iter().zip(z.iter_mut()) {
                        cur = section_each(s, zs, cur);
                    }
                    *v = cur;
                }
            }
        }
    }
}

/// [`section`] with per-lane coefficients.
#[inline(always)]
fn section_each<const N: usize>(s: &[Lane<N>; 6], zs: &mut [Lane<N>; 2], cur: Lane<N>) -> Lane<N> {
    let new = add(mul(cur, s[0]), zs[0]);
    zs[0] = add(sub(mul(cur, s[1]), mul(new, s[4])), zs[1]);
    zs[1] = sub(mul(cur, s[2]), mul(new, s[5]));
    new
}

#[inline(always)]
fn mul<const N: usize>(a: Lane<N>, b: Lane<N>) -> Lane<N> {
    std::array::from_fn(|l| a[l] * b[l])
}

/// One filter of a chain.
pub(crate) enum Recursion {
    /// Second-order sections (`sosfiltfilt`).
    Sos(SosLanes),
    /// A transfer function (`filtfilt`).
    Ba(BaLanes),
    /// Second-order sections of their own in each lane (`sosfiltfilt`).
    SosEach(SosEachLanes),
}

impl LaneFilter for Recursion {
    #[inline(always)]
    fn run<'a, const N: usize>(&self, x: impl Iterator<Item = &'a mut Lane<N>>, x0: Lane<N>) {
        match self {
            Recursion::Sos(f) => f.run(x, x0),
            Recursion::Ba(f) => f.run(x, x0),
            Recursion::SosEach(f) => f.run(x, x0),
        }
    }
}

/// One zero-phase stage of a chain: its filter and the odd extension (samples at each end)
/// it runs over.
pub(crate) struct Stage {
    pub filter: Recursion,
    pub edge: usize,
}

/// All stages over one group of lanes, compiled for the widest vector unit the CPU has
/// (AVX-512, AVX2 or SSE2). The lane arithmetic is the same in each and nothing is fused, so
/// the result does not depend on which one runs. `buf` holds the group's `n` samples at
/// `pad..pad + n`, with `pad` (at least every stage's edge) samples of room on either side for
/// the extensions; each stage filters them in place.
struct ChainRun<'a, const N: usize> {
    stages: &'a [Stage],
    buf: &'a mut [Lane<N>],
    pad: usize,
}

impl<const N: usize> pulp::WithSimd for ChainRun<'_, N> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let Self { stages, buf, pad } = self;
        let n = buf.len() - 2 * pad;
        for Stage { filter, edge } in stages {
            let edge = *edge;
            // Odd extension: 2 x[0] - x[edge - i], then x, then 2 x[n-1] - x[n-2-i].
            let (first, last) = (buf[pad], buf[pad + n - 1]);
            for i in 0..edge {
                buf[pad - edge + i] = odd(first, &buf[pad + edge - i]);
                buf[pad + n + i] = odd(last, &buf[pad + n - 2 - i]);
            }
            // Forward from the steady state of the first sample, backward from that of the
            // forward output's last sample; the extension is then dropped (overwritten by the
            // next stage's).
            let ext = &mut buf[pad - edge..pad + n + edge];
            let x0 = ext[0];
            filter.run(ext.iter_mut(), x0);
            let y0 = ext[ext.len() - 1];
            filter.run(ext.iter_mut().rev(), y0);
        }
    }
}

/// `2 end - v` per lane (SciPy's odd extension).
#[inline(always)]
fn odd<const N: usize>(end: Lane<N>, v: &Lane<N>) -> Lane<N> {
    std::array::from_fn(|l| 2.0 * end[l] - v[l])
}

/// Forward-backward filtering of each of `xs` (all `n` samples long, `n > edge` of every
/// stage) through `stages` in order, each as SciPy's `sosfiltfilt` / `filtfilt(method='pad')`
/// of the previous stage's output: the signal, extended oddly by the stage's `edge` samples,
/// is filtered forward from the steady state of its first sample, then backward from the
/// steady state of the forward output's last sample, and the extension cut.
pub(crate) fn forward_backward_chain(stages: &[Stage], xs: &[&[f64]]) -> Vec<Vec<f64>> {
    let Some(n) = xs.first().map(|x| x.len()) else {
        return Vec::new();
    };
    debug_assert!(
        xs.iter().all(|x| x.len() == n) && stages.iter().all(|s| n > s.edge),
        "equally long signals, longer than every stage's extension"
    );
    if stages.is_empty() {
        return xs.iter().map(|x| x.to_vec()).collect();
    }
    if xs.len() > NARROW {
        chain_in_groups::<WIDEST>(stages, xs, n)
    } else {
        chain_in_groups::<NARROW>(stages, xs, n)
    }
}

/// [`forward_backward_chain`] of `n`-sample signals, `N` of them at a time.
fn chain_in_groups<const N: usize>(stages: &[Stage], xs: &[&[f64]], n: usize) -> Vec<Vec<f64>> {
    let pad = stages.iter().map(|s| s.edge).max().unwrap_or(0);
    let groups: Vec<Vec<Vec<f64>>> = xs
        .par_chunks(N)
        .map(|group| {
            // Sample-major: lanes without a lead hold zeros and are not read back. The leads
            // are interleaved and taken apart a block of samples at a time, so the block's
            // lanes stay in the cache while each lead is written or read (lead by lead over
            // the whole buffer, every lead would fetch every line of it again).
            let mut buf: Vec<Lane<N>> = vec![[0.0; N]; n + 2 * pad];
            for (rows, from) in buf[pad..pad + n]
                .chunks_mut(COPY_BLOCK)
                .zip((0..).step_by(COPY_BLOCK))
            {
                for (l, x) in group.iter().enumerate() {
                    for (c, &v) in rows.iter_mut().zip(&x[from..]) {
                        c[l] = v;
                    }
                }
            }
            pulp::Arch::new().dispatch(ChainRun {
                stages,
                buf: &mut buf,
                pad,
            });
            let mut leads: Vec<Vec<f64>> = vec![vec![0.0; n]; group.len()];
            for (rows, from) in buf[pad..pad + n]
                .chunks(COPY_BLOCK)
                .zip((0..).step_by(COPY_BLOCK))
            {
                for (l, lead) in leads.iter_mut().enumerate() {
                    for (y, c) in lead[from..].iter_mut().zip(rows) {
                        *y = c[l];
                    }
                }
            }
            leads
        })
        .collect();
    groups.into_iter().flatten().collect()
}
