//! Causal attention over the KV cache on the CPU (issue 17): [`decode`] for one new token,
//! [`prefill`] for a chunk of new tokens.
//!
//! Owns `softmax(q K^T / sqrt(d) + causal mask) V` for every query head, reading the cache
//! buffers of [`super::layers`] in place (`[n_kv_head, capacity, head_dim]`, the first `len`
//! positions used) with grouped-query heads mapped to their KV head. candle's batched matmul
//! spends most of a decode step's attention packing a 3 x 64 by 64 x len product; a prefill
//! through candle also ran single-threaded between the parallel products (mask add, scale,
//! softmax copies, transposes: about a sixth of a SmolLM2 prefill on 1 thread). Here a decode
//! is two passes over the cache, and a prefill runs register tiles per (KV head, 16 tokens)
//! on every thread of [`super::parallel`], skipping the keys the mask hides.
//!
//! The scores and the weighted sums run on AVX-512 when the CPU has it (head widths a multiple
//! of 16), else in plain Rust (the reference the tests compare with); the softmax is
//! [`super::kernels::softmax_masked_in_place`] for both (a vectorised `exp` within 2 ulp).

/// An element of the KV cache: f32, or an IEEE half (the chat models' cache, as llama.cpp's:
/// a decode step over a long context reads the whole cache, so halves halve that traffic).
/// Every kernel widens to f32 on load and computes in f32.
#[allow(unsafe_code)]
pub trait KvValue: Copy + Send + Sync + 'static {
    /// The value as f32 (exact).
    fn to_f32(self) -> f32;
    /// 16 consecutive values from `p`, widened.
    ///
    /// # Safety
    /// `p` must have 16 readable values and the CPU must have AVX-512F (callers are compiled
    /// for it; the function is inlined into them).
    #[cfg(target_arch = "x86_64")]
    unsafe fn load16(p: *const Self) -> std::arch::x86_64::__m512;
}

impl KvValue for f32 {
    fn to_f32(self) -> f32 {
        self
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    #[allow(unsafe_code)]
    unsafe fn load16(p: *const Self) -> std::arch::x86_64::__m512 {
        // SAFETY: the caller's contract.
        unsafe { std::arch::x86_64::_mm512_loadu_ps(p) }
    }
}

impl KvValue for half::f16 {
    fn to_f32(self) -> f32 {
        half::f16::to_f32(self)
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    #[allow(unsafe_code)]
    unsafe fn load16(p: *const Self) -> std::arch::x86_64::__m512 {
        use std::arch::x86_64::*;

        // SAFETY: the caller's contract (16 halves are 32 bytes).
        unsafe { _mm512_cvtph_ps(_mm256_loadu_si256(p.cast())) }
    }
}

/// Sizes of one decode attention.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Query heads.
    pub n_head: usize,
    /// Key/value heads (`n_head` a multiple of it; consecutive query heads share one).
    pub n_kv_head: usize,
    /// Width of a head.
    pub head_dim: usize,
    /// Positions each KV head's buffer has room for.
    pub capacity: usize,
    /// Positions in use (the new token included).
    pub len: usize,
}

impl Shape {
    /// Panics unless the heads group evenly, the used positions fit the capacity and `k`, `v`
    /// hold every KV head's buffer (a programming error, not input).
    fn check_cache<T>(&self, k: &[T], v: &[T]) {
        let buffers = self.n_kv_head * self.capacity * self.head_dim;
        assert!(self.n_kv_head > 0 && self.n_head.is_multiple_of(self.n_kv_head));
        assert!(self.len <= self.capacity && k.len() >= buffers && v.len() >= buffers);
    }
}

/// `out[h] = softmax(q[h] . K[kv(h)]^T * scale) V[kv(h)]` for each query head `h`, where
/// `q` and `out` are `[n_head, head_dim]` and `k`, `v` are `[n_kv_head, capacity, head_dim]`.
///
/// # Panics
/// When the slices are shorter than `shape` says (a programming error, not input).
pub fn decode<T: KvValue>(q: &[f32], k: &[T], v: &[T], shape: Shape, scale: f32, out: &mut [f32]) {
    shape.check_cache(k, v);
    let Shape {
        n_head,
        n_kv_head,
        head_dim: hd,
        capacity,
        len,
    } = shape;
    assert!(q.len() >= n_head * hd && out.len() >= n_head * hd);
    let groups = n_head / n_kv_head;
    if n_head * len * hd >= DECODE_PARALLEL_MIN && super::parallel::threads() > 1 {
        // A long cache: query heads split over the threads (each reads its KV head's keys).
        let at = super::parallel::OutPtr::new(&mut out[..n_head * hd]);
        super::parallel::for_each_range(n_head, |heads| {
            let mut scores = vec![0f32; len];
            for qh in heads {
                let kv = qh / groups;
                let kh = &k[kv * capacity * hd..][..len * hd];
                let vh = &v[kv * capacity * hd..][..len * hd];
                scores_of(&q[qh * hd..][..hd], kh, hd, scale, &mut scores);
                softmax(&mut scores);
                // SAFETY: query head `qh`'s output is written by this part only.
                #[allow(unsafe_code)]
                let o = unsafe { at.range(qh * hd, (qh + 1) * hd) };
                weighted_sum(&scores, vh, hd, o);
            }
        });
        return;
    }
    let mut scores = vec![0f32; groups * len];
    for h in 0..n_kv_head {
        let kh = &k[h * capacity * hd..][..len * hd];
        let vh = &v[h * capacity * hd..][..len * hd];
        let qh = &q[h * groups * hd..][..groups * hd];
        let oh = &mut out[h * groups * hd..][..groups * hd];
        scores_of(qh, kh, hd, scale, &mut scores);
        for row in scores.chunks_exact_mut(len) {
            softmax(row);
        }
        weighted_sum(&scores, vh, hd, oh);
    }
}

/// Multiply-adds (`n_head * len * head_dim`) from which a decode step's attention is split
/// over the threads: below it the hand-off costs more than the second thread brings.
const DECODE_PARALLEL_MIN: usize = 1 << 16;

/// Tokens per prefill task: with the query heads of one KV head, the rows of one task.
const PREFILL_TOKENS: usize = 16;

/// Keys per panel of the transposed keys.
const PANEL: usize = 16;

thread_local! {
    /// Per-thread scratch of the prefill tasks (query rows, scores, outputs): reused, so a
    /// task neither allocates nor zeroes.
    static SCRATCH: std::cell::RefCell<[Vec<f32>; 3]> = const {
        std::cell::RefCell::new([Vec::new(), Vec::new(), Vec::new()])
    };
}

/// Causal attention of `t` new positions (the last `t` of `shape.len`) over the cache:
/// `q` is `[n_head, t, head_dim]`, `out` is `[t, n_head * head_dim]` (token-major, as the
/// output projection reads it). Position `offset + i` sees keys `0..=offset + i`.
///
/// # Panics
/// When the slices are shorter than `shape` says (a programming error, not input).
pub fn prefill<T: KvValue>(
    q: &[f32],
    k: &[T],
    v: &[T],
    shape: Shape,
    t: usize,
    scale: f32,
    out: &mut [f32],
) {
    shape.check_cache(k, v);
    let Shape {
        n_head,
        n_kv_head,
        head_dim: hd,
        capacity,
        len,
    } = shape;
    assert!(t <= len && q.len() >= n_head * t * hd && out.len() >= t * n_head * hd);
    // Every KV head's keys transposed once into `[panel][hd][16]` panels (zero past `len`),
    // shared by all tasks of the head.
    let panels = len.div_ceil(PANEL);
    let per_head = panels * hd * PANEL;
    let mut kt = vec![0f32; n_kv_head * per_head];
    let kt_at = super::parallel::OutPtr::new(&mut kt);
    super::parallel::for_each_dynamic(n_kv_head * panels, |i| {
        let (h, p) = (i / panels, i % panels);
        let (p0, n) = (p * PANEL, (len - p * PANEL).min(PANEL));
        // SAFETY: panel `p` of head `h` is written by this task only.
        #[allow(unsafe_code)]
        let panel = unsafe {
            kt_at.range(
                h * per_head + p * hd * PANEL,
                h * per_head + (p + 1) * hd * PANEL,
            )
        };
        let keys = &k[h * capacity * hd + p0 * hd..][..n * hd];
        for (j, kp) in keys.chunks_exact(hd).enumerate() {
            for (d, &x) in kp.iter().enumerate() {
                panel[d * PANEL + j] = x.to_f32();
            }
        }
    });
    let blocks = t.div_ceil(PREFILL_TOKENS);
    let out = super::parallel::OutPtr::new(&mut out[..t * n_head * hd]);
    let kt = &kt;
    // Later token blocks see more keys: hand tasks out from a shared cursor, the longest first.
    super::parallel::for_each_dynamic(n_kv_head * blocks, |task| {
        let (h, block) = (task % n_kv_head, blocks - 1 - task / n_kv_head);
        let kt = &kt[h * per_head..][..per_head];
        let vh = &v[h * capacity * hd..][..len * hd];
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let [qr, scores, y] = &mut *s;
            prefill_task(q, kt, vh, shape, t, scale, h, block, [qr, scores, y], out);
        });
    });
}

/// One KV head's query heads over tokens `16 * block..` of the chunk: `kt` are the head's key
/// panels, `v` its values.
#[allow(clippy::too_many_arguments)]
fn prefill_task<T: KvValue>(
    q: &[f32],
    kt: &[f32],
    v: &[T],
    shape: Shape,
    t: usize,
    scale: f32,
    h: usize,
    block: usize,
    [qr, scores, y]: [&mut Vec<f32>; 3],
    out: super::parallel::OutPtr,
) {
    let Shape {
        n_head,
        n_kv_head,
        head_dim: hd,
        len,
        ..
    } = shape;
    let groups = n_head / n_kv_head;
    let offset = len - t;
    let (i0, i1) = (
        block * PREFILL_TOKENS,
        ((block + 1) * PREFILL_TOKENS).min(t),
    );
    let nt = i1 - i0;
    // Keys any row of the task sees, and the width of its score rows (whole panels).
    let keys = offset + i1;
    let padded = keys.next_multiple_of(PANEL);
    // Rows `g * nt + ii`: query head `h * groups + g` at token `i0 + ii`.
    let rows = groups * nt;
    qr.clear();
    for g in 0..groups {
        qr.extend_from_slice(&q[((h * groups + g) * t + i0) * hd..][..nt * hd]);
    }
    scores.resize(rows * padded, 0.0);
    y.resize(rows * hd, 0.0);
    let (scores, y) = (&mut scores[..rows * padded], &mut y[..rows * hd]);
    block_scores(qr, kt, hd, padded, scale, scores);
    for (r, row) in scores.chunks_exact_mut(padded).enumerate() {
        let seen = offset + i0 + r % nt + 1;
        softmax(&mut row[..seen]);
        row[seen..].fill(0.0);
    }
    block_weighted_sums(scores, padded, &v[..keys * hd], hd, y);
    for (r, yr) in y.chunks_exact(hd).enumerate() {
        let (g, ii) = (r / nt, r % nt);
        let at = (i0 + ii) * n_head * hd + (h * groups + g) * hd;
        // SAFETY: each (token, query head) piece is written by exactly one task.
        #[allow(unsafe_code)]
        unsafe { out.range(at, at + hd) }.copy_from_slice(yr);
    }
}

/// `scores[r][p] = q[r] . k[p] * scale` for every row `r` of `q` (`[rows, hd]`) and key
/// `p < padded` of the key panels `kt` (`[panel][hd][16]`); `scores` is `[rows, padded]`.
#[allow(unsafe_code)]
fn block_scores(q: &[f32], kt: &[f32], hd: usize, padded: usize, scale: f32, scores: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if hd.is_multiple_of(16) && std::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has the features the function is compiled for.
        unsafe { x86::block_scores(q, kt, hd, padded, scale, scores) };
        return;
    }
    for (qr, sr) in q.chunks_exact(hd).zip(scores.chunks_exact_mut(padded)) {
        for (p, s) in sr.iter_mut().enumerate() {
            let panel = &kt[(p / PANEL) * hd * PANEL..][..hd * PANEL];
            let dot: f32 = (0..hd).map(|d| qr[d] * panel[d * PANEL + p % PANEL]).sum();
            *s = dot * scale;
        }
    }
}

/// `out[r] = sum_p att[r][p] v[p]` over the keys of `v` (`[keys, hd]`); `att` is
/// `[rows, padded]` (the columns from `keys` on are ignored), `out` is `[rows, hd]`.
#[allow(unsafe_code)]
fn block_weighted_sums<T: KvValue>(
    att: &[f32],
    padded: usize,
    v: &[T],
    hd: usize,
    out: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if hd.is_multiple_of(16) && std::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has the features the function is compiled for.
        unsafe { x86::block_weighted_sums(att, padded, v, hd, out) };
        return;
    }
    let keys = v.len() / hd;
    for (ar, or) in att.chunks_exact(padded).zip(out.chunks_exact_mut(hd)) {
        weighted_sum_scalar(&ar[..keys], v, hd, or);
    }
}

fn softmax(row: &mut [f32]) {
    super::kernels::softmax_masked_in_place(row)
}

/// `scores[g][p] = q[g] . k[p] * scale` for the query heads `g` of one KV head.
#[allow(unsafe_code)]
fn scores_of<T: KvValue>(q: &[f32], k: &[T], hd: usize, scale: f32, scores: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if hd.is_multiple_of(16) && std::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has the features the function is compiled for.
        unsafe { x86::scores(q, k, hd, scale, scores) };
        return;
    }
    scores_scalar(q, k, hd, scale, scores)
}

fn scores_scalar<T: KvValue>(q: &[f32], k: &[T], hd: usize, scale: f32, scores: &mut [f32]) {
    let len = k.len() / hd;
    for (qg, sg) in q.chunks_exact(hd).zip(scores.chunks_exact_mut(len)) {
        for (kp, s) in k.chunks_exact(hd).zip(sg.iter_mut()) {
            *s = qg.iter().zip(kp).map(|(a, b)| a * b.to_f32()).sum::<f32>() * scale;
        }
    }
}

/// `out[g] = sum_p att[g][p] v[p]` for the query heads `g` of one KV head.
#[allow(unsafe_code)]
fn weighted_sum<T: KvValue>(att: &[f32], v: &[T], hd: usize, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if hd.is_multiple_of(16) && std::is_x86_feature_detected!("avx512f") {
        // The prefill's register tiles with the score rows `len` apart: every column chunk of
        // a value row in one pass, independent accumulators (the same sums in the same order).
        // SAFETY: the CPU has the features the function is compiled for.
        unsafe { x86::block_weighted_sums(att, v.len() / hd, v, hd, out) };
        return;
    }
    weighted_sum_scalar(att, v, hd, out)
}

fn weighted_sum_scalar<T: KvValue>(att: &[f32], v: &[T], hd: usize, out: &mut [f32]) {
    let len = v.len() / hd;
    for (ag, og) in att.chunks_exact(len).zip(out.chunks_exact_mut(hd)) {
        og.fill(0.0);
        for (&a, vp) in ag.iter().zip(v.chunks_exact(hd)) {
            for (o, x) in og.iter_mut().zip(vp) {
                *o += a * x.to_f32();
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    use std::arch::x86_64::*;

    use super::KvValue;

    /// As `scores_scalar`; `hd` a multiple of 16.
    #[target_feature(enable = "avx512f")]
    pub(super) fn scores<T: KvValue>(
        q: &[f32],
        k: &[T],
        hd: usize,
        scale: f32,
        scores: &mut [f32],
    ) {
        let len = k.len() / hd;
        let groups = q.len() / hd;
        assert!(hd.is_multiple_of(16) && scores.len() >= groups * len && k.len() == len * hd);
        for p in 0..len {
            let kp = &k[p * hd..][..hd];
            for g in 0..groups {
                let qg = &q[g * hd..][..hd];
                let mut acc = _mm512_setzero_ps();
                for c in (0..hd).step_by(16) {
                    // SAFETY: `c + 16 <= hd`, the length of both slices.
                    let (a, b) = unsafe {
                        (
                            _mm512_loadu_ps(qg.as_ptr().add(c)),
                            T::load16(kp.as_ptr().add(c)),
                        )
                    };
                    acc = _mm512_fmadd_ps(a, b, acc);
                }
                scores[g * len + p] = _mm512_reduce_add_ps(acc) * scale;
            }
        }
    }

    /// Rows of `q` per register tile of the prefill kernels.
    const ROWS: usize = 4;

    /// As `super::block_scores`; `hd` a multiple of 16. A tile is 4 rows x 2 panels (32 keys,
    /// 8 accumulators fed by broadcasts of the rows), or 1 panel at an odd end.
    #[target_feature(enable = "avx512f")]
    pub(super) fn block_scores(
        q: &[f32],
        kt: &[f32],
        hd: usize,
        padded: usize,
        scale: f32,
        scores: &mut [f32],
    ) {
        let rows = q.len() / hd;
        let panels = padded / 16;
        assert!(hd.is_multiple_of(16) && padded.is_multiple_of(16));
        assert!(
            scores.len() >= rows * padded && q.len() == rows * hd && kt.len() >= panels * hd * 16
        );
        let mut p = 0;
        while p < panels {
            let np = (panels - p).min(2);
            let kp = &kt[p * hd * 16..];
            let mut r0 = 0;
            while r0 < rows {
                let nr = (rows - r0).min(ROWS);
                let (qt, st) = (&q[r0 * hd..], &mut scores[r0 * padded + p * 16..]);
                match (nr, np) {
                    (4, 2) => scores_tile::<4, 2>(qt, kp, hd, padded, scale, st),
                    (3, 2) => scores_tile::<3, 2>(qt, kp, hd, padded, scale, st),
                    (2, 2) => scores_tile::<2, 2>(qt, kp, hd, padded, scale, st),
                    (_, 2) => scores_tile::<1, 2>(qt, kp, hd, padded, scale, st),
                    (4, _) => scores_tile::<4, 1>(qt, kp, hd, padded, scale, st),
                    (3, _) => scores_tile::<3, 1>(qt, kp, hd, padded, scale, st),
                    (2, _) => scores_tile::<2, 1>(qt, kp, hd, padded, scale, st),
                    (_, _) => scores_tile::<1, 1>(qt, kp, hd, padded, scale, st),
                }
                r0 += nr;
            }
            p += np;
        }
    }

    /// `R` rows of `q` against `P` consecutive `[hd, 16]` key panels, into
    /// `scores[rr * padded..][..16 * P]`.
    #[target_feature(enable = "avx512f")]
    fn scores_tile<const R: usize, const P: usize>(
        q: &[f32],
        kt: &[f32],
        hd: usize,
        padded: usize,
        scale: f32,
        scores: &mut [f32],
    ) {
        assert!(scores.len() >= (R - 1) * padded + 16 * P);
        let acc = outer_tile::<R, P, f32>(q, hd, kt, 16, hd * 16, hd);
        let s = _mm512_set1_ps(scale);
        for (rr, ar) in acc.iter().enumerate() {
            for (j, a) in ar.iter().enumerate() {
                // SAFETY: `rr * padded + 16 * j + 16 <= scores.len()` (asserted).
                unsafe {
                    _mm512_storeu_ps(
                        scores.as_mut_ptr().add(rr * padded + 16 * j),
                        _mm512_mul_ps(*a, s),
                    )
                };
            }
        }
    }

    /// The register tile both prefill products share: `acc[r][c] = sum_k a[r * a_row + k] *
    /// b[k * b_k + c * b_c..][..16]` for `R` rows of `a` and `C` 16-wide columns of `b`, over
    /// `k < depth` (scores: `a` the queries, `b` the key panels; weighted sums: `a` the
    /// weights, `b` the values).
    #[target_feature(enable = "avx512f")]
    fn outer_tile<const R: usize, const C: usize, B: KvValue>(
        a: &[f32],
        a_row: usize,
        b: &[B],
        b_k: usize,
        b_c: usize,
        depth: usize,
    ) -> [[__m512; C]; R] {
        let mut acc = [[_mm512_setzero_ps(); C]; R];
        if depth == 0 {
            return acc;
        }
        assert!(a.len() >= (R - 1) * a_row + depth);
        assert!(b.len() >= (depth - 1) * b_k + (C - 1) * b_c + 16);
        for k in 0..depth {
            // SAFETY: `k < depth`: the `C` loads of `b` and the `R` values of `a` are inside
            // the lengths asserted above.
            unsafe {
                let mut x = [_mm512_setzero_ps(); C];
                for (c, xc) in x.iter_mut().enumerate() {
                    *xc = B::load16(b.as_ptr().add(k * b_k + c * b_c));
                }
                for (r, ar) in acc.iter_mut().enumerate() {
                    let av = _mm512_set1_ps(*a.get_unchecked(r * a_row + k));
                    for (acc, xc) in ar.iter_mut().zip(&x) {
                        *acc = _mm512_fmadd_ps(av, *xc, *acc);
                    }
                }
            }
        }
        acc
    }

    /// As `super::block_weighted_sums`; `hd` a multiple of 16. Tiles of 4 rows x 64 columns
    /// (16 accumulators) meet each value row once.
    #[target_feature(enable = "avx512f")]
    pub(super) fn block_weighted_sums<T: KvValue>(
        att: &[f32],
        padded: usize,
        v: &[T],
        hd: usize,
        out: &mut [f32],
    ) {
        let rows = out.len() / hd;
        assert!(hd.is_multiple_of(16) && padded >= v.len() / hd && att.len() >= rows * padded);
        let mut r0 = 0;
        while r0 < rows {
            let nr = (rows - r0).min(ROWS);
            for c0 in (0..hd).step_by(64) {
                let (a, o) = (&att[r0 * padded..], &mut out[r0 * hd + c0..]);
                let vc = &v[c0..];
                match (nr, ((hd - c0) / 16).min(4)) {
                    (4, 4) => sums_tile::<4, 4, T>(a, padded, vc, hd, o),
                    (4, 3) => sums_tile::<4, 3, T>(a, padded, vc, hd, o),
                    (4, 2) => sums_tile::<4, 2, T>(a, padded, vc, hd, o),
                    (4, _) => sums_tile::<4, 1, T>(a, padded, vc, hd, o),
                    (3, 4) => sums_tile::<3, 4, T>(a, padded, vc, hd, o),
                    (3, 3) => sums_tile::<3, 3, T>(a, padded, vc, hd, o),
                    (3, 2) => sums_tile::<3, 2, T>(a, padded, vc, hd, o),
                    (3, _) => sums_tile::<3, 1, T>(a, padded, vc, hd, o),
                    (2, 4) => sums_tile::<2, 4, T>(a, padded, vc, hd, o),
                    (2, 3) => sums_tile::<2, 3, T>(a, padded, vc, hd, o),
                    (2, 2) => sums_tile::<2, 2, T>(a, padded, vc, hd, o),
                    (2, _) => sums_tile::<2, 1, T>(a, padded, vc, hd, o),
                    (_, 4) => sums_tile::<1, 4, T>(a, padded, vc, hd, o),
                    (_, 3) => sums_tile::<1, 3, T>(a, padded, vc, hd, o),
                    (_, 2) => sums_tile::<1, 2, T>(a, padded, vc, hd, o),
                    (_, _) => sums_tile::<1, 1, T>(a, padded, vc, hd, o),
                }
            }
            r0 += nr;
        }
    }

    /// `R` rows of weights times `W` 16-wide columns of every value row (`v` starts at the
    /// first column; rows are `hd` apart), into `out[rr * hd..][..16 * W]`.
    #[target_feature(enable = "avx512f")]
    fn sums_tile<const R: usize, const W: usize, T: KvValue>(
        att: &[f32],
        padded: usize,
        v: &[T],
        hd: usize,
        out: &mut [f32],
    ) {
        let keys = v.len().div_ceil(hd);
        assert!(out.len() >= (R - 1) * hd + 16 * W);
        let acc = outer_tile::<R, W, T>(att, padded, v, hd, 16, keys);
        for (rr, ar) in acc.iter().enumerate() {
            for (c, a) in ar.iter().enumerate() {
                // SAFETY: `rr * hd + 16 * c + 16 <= out.len()` (asserted).
                unsafe { _mm512_storeu_ps(out.as_mut_ptr().add(rr * hd + 16 * c), *a) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(747796405) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 2000) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    /// The dispatched kernels against the scalar code, on a cache with unused capacity and
    /// three query heads per KV head; a short cache (one thread) and a long one (heads split
    /// over the threads).
    #[test]
    fn decode_attention_matches_the_scalar_reference() {
        for (capacity, len) in [(40usize, 27usize), (512, 400)] {
            let shape = Shape {
                n_head: 6,
                n_kv_head: 2,
                head_dim: 32,
                capacity,
                len,
            };
            let q = values(6 * 32, 1);
            let k = values(2 * capacity * 32, 2);
            let v = values(2 * capacity * 32, 3);
            let scale = 1.0 / (32f32).sqrt();
            let mut fast = vec![0f32; 6 * 32];
            decode(&q, &k, &v, shape, scale, &mut fast);
            let mut want = vec![0f32; 6 * 32];
            for h in 0..6 {
                let kv = h / 3;
                let kh = &k[kv * capacity * 32..][..len * 32];
                let vh = &v[kv * capacity * 32..][..len * 32];
                let mut s = vec![0f32; len];
                scores_scalar(&q[h * 32..][..32], kh, 32, scale, &mut s);
                softmax(&mut s);
                weighted_sum_scalar(&s, vh, 32, &mut want[h * 32..][..32]);
            }
            for (a, b) in fast.iter().zip(&want) {
                assert!((a - b).abs() < 1e-5, "len {len}: {a} vs {b}");
            }
            // Weights of one row sum to one: the output is a convex mix of the values.
            let vmax = v.iter().fold(0f32, |a, x| a.max(x.abs()));
            assert!(fast.iter().all(|x| x.abs() <= vmax + 1e-5));
        }
    }

    /// A half cache: decode and prefill read the halves widened, so they give the bits the f32
    /// kernels give on the widened values (short and long decode caches, a prefill chunk).
    #[test]
    fn a_half_cache_attends_as_its_widened_values() {
        let (n_head, n_kv_head, hd) = (6, 2, 64);
        for (capacity, len, t) in [(40usize, 27usize, 1usize), (512, 400, 1), (64, 45, 19)] {
            let shape = Shape {
                n_head,
                n_kv_head,
                head_dim: hd,
                capacity,
                len,
            };
            let half_of = |v: Vec<f32>| v.into_iter().map(half::f16::from_f32).collect::<Vec<_>>();
            let (k16, v16) = (
                half_of(values(n_kv_head * capacity * hd, 2)),
                half_of(values(n_kv_head * capacity * hd, 3)),
            );
            let widen = |v: &[half::f16]| v.iter().map(|x| x.to_f32()).collect::<Vec<_>>();
            let (k32, v32) = (widen(&k16), widen(&v16));
            let q = values(n_head * t * hd, 1);
            let scale = 1.0 / (hd as f32).sqrt();
            let (mut from_half, mut from_f32) =
                (vec![0f32; t * n_head * hd], vec![1f32; t * n_head * hd]);
            if t == 1 {
                decode(&q, &k16, &v16, shape, scale, &mut from_half);
                decode(&q, &k32, &v32, shape, scale, &mut from_f32);
            } else {
                prefill(&q, &k16, &v16, shape, t, scale, &mut from_half);
                prefill(&q, &k32, &v32, shape, t, scale, &mut from_f32);
            }
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&from_half), bits(&from_f32), "len {len}, {t} tokens");
        }
    }

    /// The prefill kernels against the scalar decode reference, token by token: grouped heads,
    /// a cache with earlier positions and unused capacity, a partial last token block, and
    /// head widths of one and of 1.5 column tiles (32, 96).
    #[test]
    fn prefill_attention_matches_decoding_each_token() {
        for hd in [32usize, 96] {
            let (n_head, n_kv_head, capacity, offset, t) = (6, 2, 48, 10, 21);
            let shape = Shape {
                n_head,
                n_kv_head,
                head_dim: hd,
                capacity,
                len: offset + t,
            };
            let q = values(n_head * t * hd, 4);
            let k = values(n_kv_head * capacity * hd, 5);
            let v = values(n_kv_head * capacity * hd, 6);
            let scale = 1.0 / (hd as f32).sqrt();
            let mut fast = vec![f32::NAN; t * n_head * hd];
            prefill(&q, &k, &v, shape, t, scale, &mut fast);
            for i in 0..t {
                // Token i as its own decode step over the keys it may see.
                let qi: Vec<f32> = (0..n_head)
                    .flat_map(|h| q[(h * t + i) * hd..][..hd].to_vec())
                    .collect();
                let mut want = vec![0f32; n_head * hd];
                let step = Shape {
                    len: offset + i + 1,
                    ..shape
                };
                for h in 0..n_head {
                    let kv = h / (n_head / n_kv_head);
                    let kh = &k[kv * capacity * hd..][..step.len * hd];
                    let vh = &v[kv * capacity * hd..][..step.len * hd];
                    let mut s = vec![0f32; step.len];
                    scores_scalar(&qi[h * hd..][..hd], kh, hd, scale, &mut s);
                    softmax(&mut s);
                    weighted_sum_scalar(&s, vh, hd, &mut want[h * hd..][..hd]);
                }
                let got = &fast[i * n_head * hd..][..n_head * hd];
                for (a, b) in got.iter().zip(&want) {
                    assert!((a - b).abs() < 1e-5, "hd {hd} token {i}: {a} vs {b}");
                }
            }
        }
    }
}
