//! Zero-phase IIR filtering of several equally long signals at once, in interleaved lanes.
//!
//! A recursive filter's cost is its recursion: every output waits for the one before, so one
//! lead keeps the floating-point units mostly idle. Here [`LANES`] leads run side by side
//! (sample `i` of lead `l` at `buf[i][l]`): the independent recursions fill the pipeline and the
//! per-lane arithmetic vectorises. Each lane executes exactly the scalar operation order of
//! SciPy's `sosfilt` / `lfilter` (transposed direct form II) from the same steady-state initial
//! conditions, so every lead's output is bit-identical to filtering it alone; [`crate::iir`]'s
//! `sosfiltfilt` and `filtfilt` are this with one lane in use. Groups of lanes run on the rayon
//! pool.

use rayon::prelude::*;

/// Leads filtered together.
pub(crate) const LANES: usize = 8;

/// One sample of every lane.
pub(crate) type Lane = [f64; LANES];

/// A recursive filter run over lanes from its steady state.
pub(crate) trait LaneFilter: Sync {
    /// Filters the samples `x` yields, in that order, in place, starting from the steady state
    /// of a constant input equal to `x0` (per lane), as SciPy's `zi * x0`.
    fn run<'a>(&self, x: impl Iterator<Item = &'a mut Lane>, x0: Lane);
}

/// Second-order sections `[b0, b1, b2, 1, a1, a2]` with their unit-step steady state
/// (`sosfilt_zi`).
pub(crate) struct SosLanes<'a> {
    pub sections: &'a [[f64; 6]],
    pub zi: &'a [[f64; 2]],
}

impl LaneFilter for SosLanes<'_> {
    #[inline(always)]
    fn run<'a>(&self, x: impl Iterator<Item = &'a mut Lane>, x0: Lane) {
        let mut z: Vec<[Lane; 2]> = self
            .zi
            .iter()
            .map(|zi| [x0.map(|v| zi[0] * v), x0.map(|v| zi[1] * v)])
            .collect();
        for v in x {
            let mut cur = *v;
            for (s, zs) in self.sections.iter().zip(z.iter_mut()) {
                // new = b0 x + z0; z0 = b1 x - a1 new + z1; z1 = b2 x - a2 new (per lane).
                let new = add(scale(cur, s[0]), zs[0]);
                zs[0] = add(sub(scale(cur, s[1]), scale(new, s[4])), zs[1]);
                zs[1] = sub(scale(cur, s[2]), scale(new, s[5]));
                cur = new;
            }
            *v = cur;
        }
    }
}

#[inline(always)]
fn scale(a: Lane, k: f64) -> Lane {
    a.map(|v| v * k)
}

#[inline(always)]
fn add(a: Lane, b: Lane) -> Lane {
    std::array::from_fn(|l| a[l] + b[l])
}

#[inline(always)]
fn sub(a: Lane, b: Lane) -> Lane {
    std::array::from_fn(|l| a[l] - b[l])
}

/// A transfer function `b / a`, normalised (`a[0] == 1`) and of equal lengths, with its
/// unit-step steady state (`lfilter_zi`, `b.len() - 1` values).
pub(crate) struct BaLanes<'a> {
    pub b: &'a [f64],
    pub a: &'a [f64],
    pub zi: &'a [f64],
}

impl LaneFilter for BaLanes<'_> {
    #[inline(always)]
    fn run<'a>(&self, x: impl Iterator<Item = &'a mut Lane>, x0: Lane) {
        let (b, a) = (self.b, self.a);
        let nb = b.len();
        if nb <= 1 {
            for v in x {
                *v = v.map(|xn| xn * b[0]);
            }
            return;
        }
        let mut z: Vec<Lane> = (0..nb - 1)
            .map(|k| {
                let zk = self.zi.get(k).copied().unwrap_or(0.0);
                x0.map(|v| zk * v)
            })
            .collect();
        for v in x {
            let xn = *v;
            let mut yn = [0.0; LANES];
            for l in 0..LANES {
                yn[l] = z[0][l] + b[0] * xn[l];
            }
            for k in 0..nb - 2 {
                for l in 0..LANES {
                    z[k][l] = z[k + 1][l] + xn[l] * b[k + 1] - yn[l] * a[k + 1];
                }
            }
            for l in 0..LANES {
                z[nb - 2][l] = xn[l] * b[nb - 1] - yn[l] * a[nb - 1];
            }
            *v = yn;
        }
    }
}

/// One sample of each lead of `group` (`value` picks it), zeros in the lanes beyond.
#[inline(always)]
fn lanes_at(group: &[&[f64]], value: impl Fn(&[f64]) -> f64) -> Lane {
    let mut v = [0.0; LANES];
    for (o, x) in v.iter_mut().zip(group) {
        *o = value(x);
    }
    v
}

/// The two passes over one group of lanes, compiled for the widest vector unit the CPU has
/// (AVX-512, AVX2 or SSE2). The lane arithmetic is the same in each and nothing is fused, so
/// the result does not depend on which one runs.
struct ForwardBackward<'a, F> {
    f: &'a F,
    buf: &'a mut [Lane],
}

impl<F: LaneFilter> pulp::WithSimd for ForwardBackward<'_, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let Self { f, buf } = self;
        let (Some(&x0), Some(_)) = (buf.first(), buf.last()) else {
            return;
        };
        f.run(buf.iter_mut(), x0);
        let y0 = buf[buf.len() - 1];
        f.run(buf.iter_mut().rev(), y0);
    }
}

/// Forward-backward filtering of each of `xs` (all `n` samples long, `n > edge`) with odd
/// extension by `edge` samples, as SciPy's `sosfiltfilt` / `filtfilt(method='pad')`: the
/// extended signal is filtered forward from the steady state of its first sample, then
/// backward from the steady state of the forward output's last sample, and the extension cut.
pub(crate) fn forward_backward(f: &impl LaneFilter, xs: &[&[f64]], edge: usize) -> Vec<Vec<f64>> {
    let Some(n) = xs.first().map(|x| x.len()) else {
        return Vec::new();
    };
    debug_assert!(xs.iter().all(|x| x.len() == n) && n > edge);
    let m = n + 2 * edge;
    let groups: Vec<Vec<Vec<f64>>> = xs
        .par_chunks(LANES)
        .map(|group| {
            // Sample-major in and out: one pass over the interleaved buffer each way.
            let mut buf: Vec<Lane> = Vec::with_capacity(m);
            // Odd extension: 2 x[0] - x[edge - i], then x, then 2 x[n-1] - x[n-2-i].
            // Lanes without a lead hold zeros and are not read back.
            for i in 0..edge {
                buf.push(lanes_at(group, |x| 2.0 * x[0] - x[edge - i]));
            }
            for i in 0..n {
                buf.push(lanes_at(group, |x| x[i]));
            }
            for i in 0..edge {
                buf.push(lanes_at(group, |x| 2.0 * x[n - 1] - x[n - 2 - i]));
            }
            pulp::Arch::new().dispatch(ForwardBackward { f, buf: &mut buf });
            let mut out: Vec<Vec<f64>> = group.iter().map(|_| Vec::with_capacity(n)).collect();
            for v in &buf[edge..edge + n] {
                for (o, &y) in out.iter_mut().zip(v) {
                    o.push(y);
                }
            }
            out
        })
        .collect();
    groups.into_iter().flatten().collect()
}
