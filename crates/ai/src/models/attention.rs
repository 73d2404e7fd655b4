//! Attention of one new token over the KV cache, on the CPU (decode; issue 17).
//!
//! Owns the decode step's `softmax(q K^T / sqrt(d)) V` for every query head, reading the
//! cache buffers of [`super::layers`] in place (`[n_kv_head, capacity, head_dim]`, the first
//! `len` positions used) with grouped-query heads mapped to their KV head. candle's batched
//! matmul spends most of a decode step's attention packing a 3 x 64 by 64 x len product; this
//! is two passes over the cache. A prefill (many tokens) keeps candle's matmuls.
//!
//! The scores and the weighted sum run on AVX-512 when the CPU has it (head widths a multiple
//! of 16), else in plain Rust (the reference the tests compare with); the softmax is
//! [`super::kernels::softmax_masked_in_place`] for both (a vectorised `exp` within 2 ulp).

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

/// `out[h] = softmax(q[h] . K[kv(h)]^T * scale) V[kv(h)]` for each query head `h`, where
/// `q` and `out` are `[n_head, head_dim]` and `k`, `v` are `[n_kv_head, capacity, head_dim]`.
///
/// # Panics
/// When the slices are shorter than `shape` says (a programming error, not input).
pub fn decode(q: &[f32], k: &[f32], v: &[f32], shape: Shape, scale: f32, out: &mut [f32]) {
    let Shape {
        n_head,
        n_kv_head,
        head_dim: hd,
        capacity,
        len,
    } = shape;
    assert!(n_kv_head > 0 && n_head.is_multiple_of(n_kv_head) && len <= capacity);
    assert!(q.len() >= n_head * hd && out.len() >= n_head * hd);
    assert!(k.len() >= n_kv_head * capacity * hd && v.len() >= n_kv_head * capacity * hd);
    let groups = n_head / n_kv_head;
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

fn softmax(row: &mut [f32]) {
    super::kernels::softmax_masked_in_place(row)
}

/// `scores[g][p] = q[g] . k[p] * scale` for the query heads `g` of one KV head.
#[allow(unsafe_code)]
fn scores_of(q: &[f32], k: &[f32], hd: usize, scale: f32, scores: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if hd.is_multiple_of(16) && std::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has the features the function is compiled for.
        unsafe { x86::scores(q, k, hd, scale, scores) };
        return;
    }
    scores_scalar(q, k, hd, scale, scores)
}

fn scores_scalar(q: &[f32], k: &[f32], hd: usize, scale: f32, scores: &mut [f32]) {
    let len = k.len() / hd;
    for (qg, sg) in q.chunks_exact(hd).zip(scores.chunks_exact_mut(len)) {
        for (kp, s) in k.chunks_exact(hd).zip(sg.iter_mut()) {
            *s = qg.iter().zip(kp).map(|(a, b)| a * b).sum::<f32>() * scale;
        }
    }
}

/// `out[g] = sum_p att[g][p] v[p]` for the query heads `g` of one KV head.
#[allow(unsafe_code)]
fn weighted_sum(att: &[f32], v: &[f32], hd: usize, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if hd.is_multiple_of(16) && std::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has the features the function is compiled for.
        unsafe { x86::weighted_sum(att, v, hd, out) };
        return;
    }
    weighted_sum_scalar(att, v, hd, out)
}

fn weighted_sum_scalar(att: &[f32], v: &[f32], hd: usize, out: &mut [f32]) {
    let len = v.len() / hd;
    for (ag, og) in att.chunks_exact(len).zip(out.chunks_exact_mut(hd)) {
        og.fill(0.0);
        for (&a, vp) in ag.iter().zip(v.chunks_exact(hd)) {
            for (o, x) in og.iter_mut().zip(vp) {
                *o += a * x;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    use std::arch::x86_64::*;

    /// As `scores_scalar`; `hd` a multiple of 16.
    #[target_feature(enable = "avx512f")]
    pub(super) fn scores(q: &[f32], k: &[f32], hd: usize, scale: f32, scores: &mut [f32]) {
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
                            _mm512_loadu_ps(kp.as_ptr().add(c)),
                        )
                    };
                    acc = _mm512_fmadd_ps(a, b, acc);
                }
                scores[g * len + p] = _mm512_reduce_add_ps(acc) * scale;
            }
        }
    }

    /// As `weighted_sum_scalar`; `hd` a multiple of 16.
    #[target_feature(enable = "avx512f")]
    pub(super) fn weighted_sum(att: &[f32], v: &[f32], hd: usize, out: &mut [f32]) {
        let len = v.len() / hd;
        let groups = out.len() / hd;
        assert!(hd.is_multiple_of(16) && att.len() >= groups * len && v.len() == len * hd);
        for g in 0..groups {
            let ag = &att[g * len..][..len];
            for c in (0..hd).step_by(16) {
                let mut acc = _mm512_setzero_ps();
                for (p, &a) in ag.iter().enumerate() {
                    // SAFETY: `p < len` and `c + 16 <= hd`: inside `v`.
                    let x = unsafe { _mm512_loadu_ps(v.as_ptr().add(p * hd + c)) };
                    acc = _mm512_fmadd_ps(_mm512_set1_ps(a), x, acc);
                }
                // SAFETY: `g * hd + c + 16 <= out.len()`.
                unsafe { _mm512_storeu_ps(out.as_mut_ptr().add(g * hd + c), acc) };
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
    /// three query heads per KV head.
    #[test]
    fn decode_attention_matches_the_scalar_reference() {
        let shape = Shape {
            n_head: 6,
            n_kv_head: 2,
            head_dim: 32,
            capacity: 40,
            len: 27,
        };
        let q = values(6 * 32, 1);
        let k = values(2 * 40 * 32, 2);
        let v = values(2 * 40 * 32, 3);
        let scale = 1.0 / (32f32).sqrt();
        let mut fast = vec![0f32; 6 * 32];
        decode(&q, &k, &v, shape, scale, &mut fast);
        let mut want = vec![0f32; 6 * 32];
        for h in 0..6 {
            let kv = h / 3;
            let kh = &k[kv * 40 * 32..][..27 * 32];
            let vh = &v[kv * 40 * 32..][..27 * 32];
            let mut s = vec![0f32; 27];
            scores_scalar(&q[h * 32..][..32], kh, 32, scale, &mut s);
            softmax(&mut s);
            weighted_sum_scalar(&s, vh, 32, &mut want[h * 32..][..32]);
        }
        for (a, b) in fast.iter().zip(&want) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        // Weights of one row sum to one: the output is a convex mix of the values.
        let vmax = v.iter().fold(0f32, |a, x| a.max(x.abs()));
        assert!(fast.iter().all(|x| x.abs() <= vmax + 1e-5));
    }
}
