//! Zero-phase IIR filtering of several equally long signals at once, in interleaved lanes.
//!
//! A recursive filter's cost is its recursion: every output waits for the one before, so one
//! lead keeps the floating-point units mostly idle. Here [`LANES`] leads run side by side
//! (sample `i` of lead `l` at `buf[i][l]`): the independent recursions fill the pipeline and the
//! per-lane arithmetic vectorises. Each lane executes exactly the scalar operation order of
//! SciPy's `sosfilt` / `lfilter` (transposed direct form II) from the same steady-state initial
//! conditions, so every lead's output is bit-identical to filtering it alone; [`crate::iir`]'s
//! `sosfiltfilt` and `filtfilt` are this with one lane in use.

/// Leads filtered together.
pub(crate) const LANES: usize = 4;

/// One sample of every lane.
pub(crate) type Lane = [f64; LANES];

/// A recursive filter run over lanes from its steady state.
pub(crate) trait LaneFilter {
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
    fn run<'a>(&self, x: impl Iterator<Item = &'a mut Lane>, x0: Lane) {
        let mut z: Vec<[Lane; 2]> = self
            .zi
            .iter()
            .map(|zi| [x0.map(|v| zi[0] * v), x0.map(|v| zi[1] * v)])
            .collect();
        for v in x {
            let mut cur = *v;
            for (s, zs) in self.sections.iter().zip(z.iter_mut()) {
                let mut new = [0.0; LANES];
                for l in 0..LANES {
                    new[l] = s[0] * cur[l] + zs[0][l];
                    zs[0][l] = s[1] * cur[l] - s[4] * new[l] + zs[1][l];
                    zs[1][l] = s[2] * cur[l] - s[5] * new[l];
                }
                cur = new;
            }
            *v = cur;
        }
    }
}

/// A transfer function `b / a`, normalised (`a[0] == 1`) and of equal lengths, with its
/// unit-step steady state (`lfilter_zi`, `b.len() - 1` values).
pub(crate) struct BaLanes<'a> {
    pub b: &'a [f64],
    pub a: &'a [f64],
    pub zi: &'a [f64],
}

impl LaneFilter for BaLanes<'_> {
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
    let mut buf: Vec<Lane> = vec![[0.0; LANES]; m];
    let mut out = Vec::with_capacity(xs.len());
    for group in xs.chunks(LANES) {
        for (l, x) in group.iter().enumerate() {
            let (first, last) = (x[0], x[n - 1]);
            for (i, b) in buf[..edge].iter_mut().enumerate() {
                b[l] = 2.0 * first - x[edge - i];
            }
            for (b, &v) in buf[edge..edge + n].iter_mut().zip(x.iter()) {
                b[l] = v;
            }
            for (i, b) in buf[edge + n..].iter_mut().enumerate() {
                b[l] = 2.0 * last - x[n - 2 - i];
            }
        }
        // Lanes without a lead hold zeros (finite, no denormals) from the first group or a
        // copy of a previous group's lead; neither is read back.
        let x0 = buf[0];
        f.run(buf.iter_mut(), x0);
        let y0 = buf[m - 1];
        f.run(buf.iter_mut().rev(), y0);
        for l in 0..group.len() {
            out.push(buf[edge..edge + n].iter().map(|v| v[l]).collect());
        }
    }
    out
}
