//! Dense f32 kernels for CPU inference of small models (Beat): a matrix product against
//! weights packed once into 32-column panels, with run-time dispatch to AVX-512 or AVX2+FMA
//! code on x86-64, plus the row-wise layer norm, softmax and exact (erf) GELU.
//!
//! Why not candle's matmul here: Beat's products are tiny (at most 60 x 128 x 1536), and the
//! general-purpose gemm repacks both operands and walks its blocking logic on every call, which
//! cost as much as the arithmetic itself. Packing the weights once at load and keeping the
//! accumulators of a 6 x 32 output block in registers does only the arithmetic.
//!
//! The products sum in a different order than torch (as candle's do); results agree with the
//! reference to ~1e-6 on Beat's O(1) activations (`tests/parity_beat.rs`).

use std::ops::Range;

use rayon::prelude::*;

/// Output columns per packed panel (two AVX-512 or four AVX2 registers).
pub const NR: usize = 32;

/// A weight matrix `W[k][n]` (k inputs, n outputs) stored as `ceil(n / NR)` panels of `k` rows
/// of `NR` columns each, zero-padded on the right: the layout the product kernel streams.
#[derive(Debug, Clone, Default)]
pub struct Panels {
    k: usize,
    n: usize,
    data: Vec<f32>,
}

impl Panels {
    /// Packs `n` rows of `k` inputs each, row `o` at `w[o * ld..][..k]`: the layout of a torch
    /// `Linear.weight` (`[out, in]`) and of attention keys (`[keys, dim_head]`).
    pub fn pack_out_in(&mut self, w: &[f32], n: usize, k: usize, ld: usize) {
        self.reset(k, n);
        for o in 0..n {
            let (panel, j) = (o / NR, o % NR);
            let row = &w[o * ld..o * ld + k];
            let base = panel * k * NR + j;
            for (p, &v) in row.iter().enumerate() {
                self.data[base + p * NR] = v;
            }
        }
    }

    /// Packs `k` rows of `n` outputs each, row `p` at `w[p * ld..][..n]`: the layout of
    /// attention values (`[keys, dim_head]` as the right operand of `probabilities x V`).
    pub fn pack_in_out(&mut self, w: &[f32], k: usize, n: usize, ld: usize) {
        self.reset(k, n);
        for p in 0..k {
            let row = &w[p * ld..p * ld + n];
            for (panel, chunk) in row.chunks(NR).enumerate() {
                let base = panel * k * NR + p * NR;
                self.data[base..base + chunk.len()].copy_from_slice(chunk);
            }
        }
    }

    /// A torch `Linear.weight` `[n, k]`, contiguous.
    pub fn from_linear(w: &[f32], n: usize, k: usize) -> Self {
        let mut panels = Self::default();
        panels.pack_out_in(w, n, k, k);
        panels
    }

    fn reset(&mut self, k: usize, n: usize) {
        self.k = k;
        self.n = n;
        self.data.clear();
        self.data.resize(n.div_ceil(NR) * k * NR, 0.0);
    }

    /// Inputs per output (`k`).
    pub fn inputs(&self) -> usize {
        self.k
    }

    /// Outputs (`n`).
    pub fn outputs(&self) -> usize {
        self.n
    }

    fn panel(&self, index: usize) -> &[f32] {
        &self.data[index * self.k * NR..(index + 1) * self.k * NR]
    }
}

/// One product `out[r][c] (+)= sum_p a[r][p] * W[p][c] + bias[c]`.
#[derive(Debug, Clone)]
pub struct Product<'a> {
    /// Left operand: row `r` at `a[r * lda..][..k]`.
    pub a: &'a [f32],
    /// Row stride of `a`.
    pub lda: usize,
    /// Rows of `a` (and of the output).
    pub rows: usize,
    /// Packed right operand.
    pub w: &'a Panels,
    /// Output columns to compute; must start on a panel boundary (a multiple of [`NR`]).
    pub cols: Range<usize>,
    /// Added to every row (indexed by output column).
    pub bias: Option<&'a [f32]>,
    /// Row stride of the output; column `c` of row `r` is `out[r * ldo + c]`.
    pub ldo: usize,
    /// `true`: add to the output (a residual connection); `false`: overwrite it.
    pub accumulate: bool,
}

impl Product<'_> {
    /// All columns of `w`, overwriting, no bias.
    pub fn new<'a>(
        a: &'a [f32],
        lda: usize,
        rows: usize,
        w: &'a Panels,
        ldo: usize,
    ) -> Product<'a> {
        Product {
            a,
            lda,
            rows,
            w,
            cols: 0..w.n,
            bias: None,
            ldo,
            accumulate: false,
        }
    }

    /// Runs the product into `out`, on the fastest kernel this CPU has.
    ///
    /// # Panics
    /// When the operands do not have the sizes described (a programming error, not input).
    // The only unsafe code: calling a function compiled for CPU features after checking that the
    // CPU has them.
    pub fn run(&self, out: &mut [f32]) {
        self.check(out);
        let tasks = self.parallel_tasks();
        if tasks <= 1 {
            return self.run_serial(out);
        }
        // Row bands (whole register blocks) on rayon's pool; each band's output rows are one
        // contiguous stretch of `out`.
        let band = self.rows.div_ceil(tasks).next_multiple_of(6);
        out.par_chunks_mut(band * self.ldo)
            .enumerate()
            .for_each(|(i, out)| {
                let r0 = i * band;
                if r0 < self.rows {
                    Product {
                        a: &self.a[r0 * self.lda..],
                        rows: band.min(self.rows - r0),
                        cols: self.cols.clone(),
                        ..*self
                    }
                    .run_serial(out);
                }
            });
    }

    /// How many row bands to compute in parallel: one unless the product is large enough
    /// (a million multiply-adds) for the split to pay for itself.
    fn parallel_tasks(&self) -> usize {
        let threads = rayon::current_num_threads();
        let work = self.rows * self.w.k * self.cols.len();
        if threads <= 1 || work < 1 << 20 || self.rows < 12 {
            1
        } else {
            threads.min(self.rows / 6)
        }
    }

    #[allow(unsafe_code)]
    fn run_serial(&self, out: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU has the features the function is compiled for.
                unsafe { run_avx512(self, out) };
                return;
            }
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                // SAFETY: as above.
                unsafe { run_avx2(self, out) };
                return;
            }
        }
        // aarch64 always has fused multiply-add; elsewhere an unfused multiply and add (a
        // software `fma` call per element would be far slower).
        run_portable::<4, { cfg!(target_arch = "aarch64") }>(self, out);
    }

    fn check(&self, out: &[f32]) {
        let k = self.w.k;
        assert!(
            self.cols.start.is_multiple_of(NR) && self.cols.end <= self.w.n,
            "column range"
        );
        if self.rows == 0 || self.cols.is_empty() {
            return;
        }
        assert!(self.lda >= k, "lda {} < k {k}", self.lda);
        assert!(
            (self.rows - 1) * self.lda + k <= self.a.len(),
            "left operand too short"
        );
        assert!(
            (self.rows - 1) * self.ldo + self.cols.end <= out.len(),
            "output too short"
        );
        if let Some(bias) = self.bias {
            assert!(bias.len() >= self.cols.end, "bias too short");
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn run_avx512(p: &Product, out: &mut [f32]) {
    for_each_block::<6>(p, out, |rows, panel, acc| {
        x86::block_avx512(rows, panel, acc)
    });
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn run_avx2(p: &Product, out: &mut [f32]) {
    for_each_block::<3>(p, out, |rows, panel, acc| x86::block_avx2(rows, panel, acc));
}

/// Portable kernel: `FUSED` chooses `mul_add` (where the CPU has it) or a multiply and an add.
fn run_portable<const MR: usize, const FUSED: bool>(p: &Product, out: &mut [f32]) {
    for_each_block::<MR>(p, out, |rows, panel, acc| {
        acc.iter_mut().for_each(|a| *a = [0.0; NR]);
        for (i, w) in panel.chunks_exact(NR).enumerate() {
            for (row, acc) in rows.iter().zip(acc.iter_mut()) {
                let x = row[i];
                for (a, &w) in acc.iter_mut().zip(w) {
                    *a = if FUSED { x.mul_add(w, *a) } else { *a + x * w };
                }
            }
        }
    });
}

/// Walks the output panel by panel (the panel stays in cache), up to `MR` rows at a time;
/// `kernel(rows, panel, acc)` computes `rows.len()` rows (each `k` long) against a panel
/// (`k x NR`) and overwrites `acc` with the sums, which is then stored with the bias and the accumulate mode.
#[inline(always)]
fn for_each_block<const MR: usize>(
    p: &Product,
    out: &mut [f32],
    mut kernel: impl FnMut(&[&[f32]], &[f32], &mut [[f32; NR]]),
) {
    if p.rows == 0 || p.cols.is_empty() {
        return;
    }
    let k = p.w.k;
    let mut acc = [[0f32; NR]; MR];
    for panel_index in p.cols.start / NR..p.cols.end.div_ceil(NR) {
        let panel = p.w.panel(panel_index);
        let c0 = panel_index * NR;
        let width = NR.min(p.cols.end - c0);
        let mut r0 = 0;
        while r0 < p.rows {
            let mr = MR.min(p.rows - r0);
            let rows: [&[f32]; MR] =
                std::array::from_fn(|r| &p.a[(r0 + r.min(mr - 1)) * p.lda..][..k]);
            let acc = &mut acc[..mr];
            kernel(&rows[..mr], panel, acc);
            for (r, acc) in acc.iter().enumerate() {
                let row = &mut out[(r0 + r) * p.ldo + c0..][..width];
                let acc = &acc[..width];
                match (p.bias.map(|b| &b[c0..c0 + width]), p.accumulate) {
                    (Some(b), true) => {
                        for ((o, a), b) in row.iter_mut().zip(acc).zip(b) {
                            *o += a + b;
                        }
                    }
                    (Some(b), false) => {
                        for ((o, a), b) in row.iter_mut().zip(acc).zip(b) {
                            *o = a + b;
                        }
                    }
                    (None, true) => row.iter_mut().zip(acc).for_each(|(o, a)| *o += a),
                    (None, false) => row.copy_from_slice(acc),
                }
            }
            r0 += mr;
        }
    }
}

/// Register-blocked kernels with explicit intrinsics (auto-vectorisation kept spilling the
/// accumulators).
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    use std::arch::x86_64::*;

    use super::NR;

    /// Up to 6 rows x 32 columns: 12 AVX-512 accumulators.
    #[inline]
    #[target_feature(enable = "avx512f,fma")]
    pub(super) fn block_avx512(rows: &[&[f32]], panel: &[f32], acc: &mut [[f32; NR]]) {
        match rows.len() {
            6 => avx512::<6>(rows, panel, acc),
            5 => avx512::<5>(rows, panel, acc),
            4 => avx512::<4>(rows, panel, acc),
            3 => avx512::<3>(rows, panel, acc),
            2 => avx512::<2>(rows, panel, acc),
            1 => avx512::<1>(rows, panel, acc),
            n => unreachable!("{n} rows per block"),
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f,fma")]
    fn avx512<const MR: usize>(rows: &[&[f32]], panel: &[f32], acc: &mut [[f32; NR]]) {
        let k = panel.len() / NR;
        assert!(rows.len() == MR && acc.len() == MR && rows.iter().all(|r| r.len() >= k));
        let mut lo = [_mm512_setzero_ps(); MR];
        let mut hi = [_mm512_setzero_ps(); MR];
        let w = panel.as_ptr();
        for i in 0..k {
            // SAFETY: `i * NR + 32 <= panel.len()` and `i < rows[r].len()` (asserted above).
            unsafe {
                let w0 = _mm512_loadu_ps(w.add(i * NR));
                let w1 = _mm512_loadu_ps(w.add(i * NR + 16));
                for r in 0..MR {
                    let x = _mm512_set1_ps(*rows[r].get_unchecked(i));
                    lo[r] = _mm512_fmadd_ps(x, w0, lo[r]);
                    hi[r] = _mm512_fmadd_ps(x, w1, hi[r]);
                }
            }
        }
        for r in 0..MR {
            // SAFETY: `acc[r]` holds 32 floats.
            unsafe {
                _mm512_storeu_ps(acc[r].as_mut_ptr(), lo[r]);
                _mm512_storeu_ps(acc[r].as_mut_ptr().add(16), hi[r]);
            }
        }
    }

    /// Up to 3 rows x 32 columns: 12 AVX2 accumulators.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn block_avx2(rows: &[&[f32]], panel: &[f32], acc: &mut [[f32; NR]]) {
        match rows.len() {
            3 => avx2::<3>(rows, panel, acc),
            2 => avx2::<2>(rows, panel, acc),
            1 => avx2::<1>(rows, panel, acc),
            n => unreachable!("{n} rows per block"),
        }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn avx2<const MR: usize>(rows: &[&[f32]], panel: &[f32], acc: &mut [[f32; NR]]) {
        let k = panel.len() / NR;
        assert!(rows.len() == MR && acc.len() == MR && rows.iter().all(|r| r.len() >= k));
        let mut a = [[_mm256_setzero_ps(); 4]; MR];
        let w = panel.as_ptr();
        for i in 0..k {
            // SAFETY: as in `avx512`.
            unsafe {
                let ws = [
                    _mm256_loadu_ps(w.add(i * NR)),
                    _mm256_loadu_ps(w.add(i * NR + 8)),
                    _mm256_loadu_ps(w.add(i * NR + 16)),
                    _mm256_loadu_ps(w.add(i * NR + 24)),
                ];
                for (r, acc) in a.iter_mut().enumerate() {
                    let x = _mm256_set1_ps(*rows[r].get_unchecked(i));
                    for (acc, w) in acc.iter_mut().zip(ws) {
                        *acc = _mm256_fmadd_ps(x, w, *acc);
                    }
                }
            }
        }
        for (out, a) in acc.iter_mut().zip(&a) {
            for (chunk, &v) in out.chunks_exact_mut(8).zip(a) {
                // SAFETY: each chunk holds 8 floats.
                unsafe { _mm256_storeu_ps(chunk.as_mut_ptr(), v) };
            }
        }
    }
}

/// Layer norm of each `dim`-wide row of `x` into `out`: `(x - mean) / sqrt(var + eps) * scale`
/// (biased variance, no bias term: x-transformers' LayerNorm).
pub fn layer_norm_rows(x: &[f32], dim: usize, scale: &[f32], eps: f32, out: &mut [f32]) {
    for (row, o) in x.chunks_exact(dim).zip(out.chunks_exact_mut(dim)) {
        let mean = row.iter().sum::<f32>() / dim as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / dim as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((o, &v), &s) in o.iter_mut().zip(row).zip(scale) {
            *o = (v - mean) * inv * s;
        }
    }
}

/// Softmax of one row in place (`exp(x - max) / sum`).
pub fn softmax_in_place(row: &mut [f32]) {
    elementwise(row, softmax_body, softmax_avx512, softmax_avx2)
}

/// `up * silu(gate)` per row of `gu` (`[rows, 2 * n]`, gate first): the gated MLP of the
/// language models, `silu(g) = g / (1 + e^-g)` with [`exp`]. Returns `[rows, n]`.
pub fn swiglu_rows(gu: &[f32], n: usize) -> Vec<f32> {
    // The gate halves first (no zero-filled buffer), then rows in parallel for a prefill.
    let mut out = Vec::with_capacity(gu.len() / 2);
    for row in gu.chunks_exact(2 * n) {
        out.extend_from_slice(&row[..n]);
    }
    super::parallel::for_each_rows(&mut out, n, 1 << 16, |rows, block| {
        for (r, gate) in rows.zip(block.chunks_exact_mut(n)) {
            swiglu_in_place(gate, &gu[r * 2 * n + n..][..n]);
        }
    });
    out
}

/// `gate[i] = up[i] * gate[i] / (1 + e^-gate[i])`.
fn swiglu_in_place(gate: &mut [f32], up: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has the features the function is compiled for.
        unsafe { swiglu_avx512(gate, up) };
        return;
    }
    swiglu_body(gate, up)
}

#[inline(always)]
fn swiglu_body(gate: &mut [f32], up: &[f32]) {
    for (g, &u) in gate.iter_mut().zip(up) {
        *g = u * (*g / (1.0 + exp(-*g)));
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn swiglu_avx512(gate: &mut [f32], up: &[f32]) {
    swiglu_body(gate, up)
}

/// Softmax of one attention row in place, where masked keys hold `-inf`: as
/// [`softmax_in_place`], but a weight whose exponent is below `-87.3` (below `f32`'s normal
/// range) is exactly 0, so masked keys get 0 (not denormal weights that would make the next
/// matrix product crawl).
pub fn softmax_masked_in_place(row: &mut [f32]) {
    elementwise(row, masked_body, masked_avx512, masked_avx2)
}

#[inline(always)]
fn masked_body(row: &mut [f32]) {
    let max = reduce_lanes(row, f32::NEG_INFINITY, f32::max);
    row.iter_mut().for_each(|v| {
        let x = *v - max;
        *v = if x < -87.3 { 0.0 } else { exp(x) };
    });
    let sum = reduce_lanes(row, 0.0, |a, b| a + b);
    let inv = 1.0 / sum;
    row.iter_mut().for_each(|v| *v *= inv);
}

/// Exact GELU in place: `x / 2 * (1 + erf(x / sqrt(2)))` (torch `nn.GELU()`).
pub fn gelu_erf_in_place(x: &mut [f32]) {
    elementwise(x, gelu_body, gelu_avx512, gelu_avx2)
}

#[inline(always)]
fn softmax_body(row: &mut [f32]) {
    let max = reduce_lanes(row, f32::NEG_INFINITY, f32::max);
    row.iter_mut().for_each(|v| *v = exp(*v - max));
    let sum = reduce_lanes(row, 0.0, |a, b| a + b);
    let inv = 1.0 / sum;
    row.iter_mut().for_each(|v| *v *= inv);
}

/// Reduces over 16 independent lanes, then across them: a strict left-to-right reduction of
/// floats cannot be vectorised (the compiler must keep its rounding order).
#[inline(always)]
fn reduce_lanes(x: &[f32], init: f32, f: impl Fn(f32, f32) -> f32) -> f32 {
    const LANES: usize = 16;
    let mut lanes = [init; LANES];
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l = f(*l, v);
        }
    }
    let mut acc = lanes.into_iter().fold(init, &f);
    for &v in rest {
        acc = f(acc, v);
    }
    acc
}

#[inline(always)]
fn gelu_body(x: &mut [f32]) {
    for v in x.iter_mut() {
        *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// Compiles an in-place slice function for AVX-512 and AVX2 too (wider vectors than the
/// baseline SSE2), and picks the widest the CPU has.
macro_rules! multiversion {
    ($body:ident => $avx512:ident, $avx2:ident) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,fma")]
        fn $avx512(x: &mut [f32]) {
            $body(x)
        }
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn $avx2(x: &mut [f32]) {
            $body(x)
        }
        #[cfg(not(target_arch = "x86_64"))]
        fn $avx512(x: &mut [f32]) {
            $body(x)
        }
        #[cfg(not(target_arch = "x86_64"))]
        fn $avx2(x: &mut [f32]) {
            $body(x)
        }
    };
}
multiversion!(softmax_body => softmax_avx512, softmax_avx2);
multiversion!(gelu_body => gelu_avx512, gelu_avx2);
multiversion!(masked_body => masked_avx512, masked_avx2);

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
#[inline(always)]
fn elementwise(
    x: &mut [f32],
    portable: fn(&mut [f32]),
    avx512: unsafe fn(&mut [f32]),
    avx2: unsafe fn(&mut [f32]),
) {
    if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has the features `avx512` is compiled for.
        unsafe { avx512(x) }
    } else if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: as above.
        unsafe { avx2(x) }
    } else {
        portable(x)
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn elementwise(x: &mut [f32], portable: fn(&mut [f32]), _: fn(&mut [f32]), _: fn(&mut [f32])) {
    portable(x)
}

/// `e^x` without branches, calls or table lookups, so loops over it vectorise: Cephes `expf`
/// (range reduction by `ln 2` in two parts, degree-6 polynomial), within 2 ulp of the true
/// value for `x` in `[-87.3, 88]` (clamped outside; `e^-87.3` ~ 1e-38 stands in for 0).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.3, 88.0);
    // Round to nearest by the 1.5 * 2^23 trick: `floor`/`round` are library calls on
    // baseline x86-64 and would stop the loop from vectorising.
    const ROUND: f32 = 12_582_912.0;
    let n = (x * std::f32::consts::LOG2_E + ROUND) - ROUND;
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let p = 1.987_569_1e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    // 2^n from the bits of `n + 127 + 2^23`, whose low mantissa bits hold the biased exponent
    // (an `as i32` conversion would add saturation branches).
    let biased = n + 127.0 + 8_388_608.0;
    y * f32::from_bits(biased.to_bits() << 23)
}

/// `erf(x)` within 5e-7 absolute (Abramowitz & Stegun 7.1.26, 1.5e-7, plus f32 rounding),
/// branch-free like [`exp`].
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152_1 + t * 1.061_405_4))));
    (1.0 - poly * exp(-a * a)).copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swiglu_matches_up_times_silu_of_gate() {
        let n = 37;
        let gu: Vec<f32> = (0..3 * 2 * n)
            .map(|i| (i as f32 * 0.37).sin() * 9.0)
            .collect();
        let out = swiglu_rows(&gu, n);
        assert_eq!(out.len(), 3 * n);
        for (r, row) in gu.chunks_exact(2 * n).enumerate() {
            for i in 0..n {
                let (g, u) = (f64::from(row[i]), f64::from(row[n + i]));
                let want = u * g / (1.0 + (-g).exp());
                let got = f64::from(out[r * n + i]);
                assert!(
                    (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                    "{got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn masked_softmax_gives_masked_keys_exactly_zero() {
        let mut row = vec![
            0.5f32,
            -1.0,
            f32::NEG_INFINITY,
            2.0,
            f32::NEG_INFINITY,
            -100.0,
        ];
        let mut plain = row.clone();
        softmax_masked_in_place(&mut row);
        softmax_in_place(&mut plain);
        assert_eq!(row[2], 0.0);
        assert_eq!(row[4], 0.0);
        assert_eq!(row[5], 0.0, "below the normal range: no denormal weight");
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        for (a, b) in row.iter().zip(&plain) {
            assert!((a - b).abs() < 1e-6);
        }
    }

    /// Deterministic pseudo-random values in [-1, 1).
    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s as f32 / u32::MAX as f32) * 2.0 - 1.0
            })
            .collect()
    }

    fn naive(a: &[f32], rows: usize, k: usize, w_out_in: &[f32], n: usize) -> Vec<f32> {
        let mut out = vec![0f32; rows * n];
        for r in 0..rows {
            for c in 0..n {
                out[r * n + c] = (0..k)
                    .map(|p| a[r * k + p] as f64 * w_out_in[c * k + p] as f64)
                    .sum::<f64>() as f32;
            }
        }
        out
    }

    #[test]
    fn product_matches_the_definition_on_ragged_shapes() {
        for &(rows, k, n) in &[
            (1, 1, 1),
            (7, 13, 33),
            (60, 128, 96),
            (20, 300, 129),
            (13, 64, 60),
        ] {
            let a = values(rows * k, 1);
            let w = values(n * k, 2);
            let bias = values(n, 3);
            let want = naive(&a, rows, k, &w, n);
            let panels = Panels::from_linear(&w, n, k);
            let mut out = vec![0f32; rows * n];
            Product::new(&a, k, rows, &panels, n).run(&mut out);
            for (g, e) in out.iter().zip(&want) {
                assert!((g - e).abs() < 1e-4, "{rows}x{k}x{n}: {g} vs {e}");
            }
            // With bias, accumulating onto a residual.
            let mut acc = vec![1.5f32; rows * n];
            Product {
                bias: Some(&bias),
                accumulate: true,
                ..Product::new(&a, k, rows, &panels, n)
            }
            .run(&mut acc);
            for (i, (g, e)) in acc.iter().zip(&want).enumerate() {
                let e = e + bias[i % n] + 1.5;
                assert!((g - e).abs() < 1e-4, "{g} vs {e}");
            }
        }
    }

    #[test]
    fn column_ranges_strides_and_both_packings_agree() {
        let (rows, k, n, lda) = (9, 40, 70, 48);
        let a = values(rows * lda, 4);
        let w_out_in = values(n * k, 5);
        // The same matrix given input-major.
        let mut w_in_out = vec![0f32; k * n];
        for o in 0..n {
            for p in 0..k {
                w_in_out[p * n + o] = w_out_in[o * k + p];
            }
        }
        let dense_a: Vec<f32> = (0..rows)
            .flat_map(|r| a[r * lda..r * lda + k].to_vec())
            .collect();
        let want = naive(&dense_a, rows, k, &w_out_in, n);
        let mut by_in = Panels::default();
        by_in.pack_in_out(&w_in_out, k, n, n);
        let by_out = Panels::from_linear(&w_out_in, n, k);
        for w in [&by_in, &by_out] {
            let mut out = vec![f32::NAN; rows * n];
            // Two calls: columns 0..32 and 32..70.
            for cols in [0..32, 32..70] {
                Product {
                    cols,
                    ..Product::new(&a, lda, rows, w, n)
                }
                .run(&mut out);
            }
            for (g, e) in out.iter().zip(&want) {
                assert!((g - e).abs() < 1e-4, "{g} vs {e}");
            }
        }
    }

    #[test]
    fn row_bands_on_several_threads_equal_one_thread() {
        let (rows, k, n) = (61, 128, 300);
        let a = values(rows * k, 8);
        let w = Panels::from_linear(&values(n * k, 9), n, k);
        let bias = values(n, 10);
        let p = Product {
            bias: Some(&bias),
            accumulate: true,
            ..Product::new(&a, k, rows, &w, n + 3)
        };
        let mut serial = values(rows * (n + 3), 11);
        let mut banded = serial.clone();
        p.run_serial(&mut serial);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        pool.install(|| {
            assert!(p.parallel_tasks() > 1);
            p.run(&mut banded)
        });
        assert_eq!(serial, banded);
    }

    #[test]
    fn portable_kernels_agree_with_the_dispatched_one() {
        let (rows, k, n) = (11, 50, 45);
        let a = values(rows * k, 6);
        let w = Panels::from_linear(&values(n * k, 7), n, k);
        let p = Product::new(&a, k, rows, &w, n);
        let mut fast = vec![0f32; rows * n];
        p.run(&mut fast);
        let mut others = vec![vec![0f32; rows * n]; 2];
        run_portable::<4, false>(&p, &mut others[0]);
        run_portable::<5, true>(&p, &mut others[1]);
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            let mut avx2 = vec![0f32; rows * n];
            #[allow(unsafe_code)]
            // SAFETY: the CPU has AVX2 and FMA.
            unsafe {
                run_avx2(&p, &mut avx2)
            };
            others.push(avx2);
        }
        for other in &others {
            for (f, s) in fast.iter().zip(other) {
                assert!((f - s).abs() < 1e-5, "{f} vs {s}");
            }
        }
    }

    #[test]
    fn row_ops_follow_their_definitions() {
        let mut row = vec![1.0f32, 2.0, 3.0];
        softmax_in_place(&mut row);
        let e: Vec<f32> = [1.0f32, 2.0, 3.0].iter().map(|v| v.exp()).collect();
        let s: f32 = e.iter().sum();
        for (g, e) in row.iter().zip(&e) {
            assert!((g - e / s).abs() < 1e-6);
        }
        for i in -2000..=2000 {
            let x = i as f32 * 0.04;
            let want = (x as f64).exp();
            let got = exp(x) as f64;
            assert!(
                (got - want).abs() <= 3e-7 * want,
                "exp({x}) {got} vs {want}"
            );
            let x = i as f32 * 0.005;
            let got = erf(x) as f64;
            assert!((got - libm::erf(x as f64)).abs() < 5e-7, "erf({x}) {got}");
        }
        assert!(exp(-1e4) < 1.3e-38 && exp(-1e4) >= 0.0);
        assert_eq!(erf(f32::INFINITY), 1.0);
        let mut g = vec![-1.0f32, 0.0, 2.0];
        gelu_erf_in_place(&mut g);
        // torch.nn.functional.gelu(torch.tensor([-1., 0., 2.]))
        for (g, e) in g.iter().zip([-0.158_655_26f32, 0.0, 1.954_499_7]) {
            assert!((g - e).abs() < 1e-6, "{g} vs {e}");
        }
        let x = [1.0f32, 3.0, 1.0, 3.0];
        let mut out = [0f32; 4];
        layer_norm_rows(&x, 2, &[1.0, 2.0], 0.0, &mut out);
        assert_eq!(out, [-1.0, 2.0, -1.0, 2.0]);
    }
}
