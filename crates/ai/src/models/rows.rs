//! RMSNorm and the rotary embedding on the CPU in f32, split over the model thread pool
//! (issue 17).
//!
//! Owns [`rms_norm`] and [`rope`]: the same arithmetic, in the same order, as candle_nn's CPU
//! ops (`ops::RmsNorm`, `rotary_emb::rope` / `rope_i`), so results are bit-identical (tests).
//! Why our own: candle_nn runs them on rayon's pool for a prefill, and rayon's workers then
//! competed for the cores with the spinning workers of [`super::parallel`].

use super::parallel;

/// Rows shorter than this many values in total run on the calling thread.
const PARALLEL_MIN: usize = 1 << 15;

/// `x / sqrt(mean(x^2) + eps) * alpha` per row of `alpha.len()` values.
///
/// # Panics
/// When `x` is not whole rows (a programming error).
pub fn rms_norm(x: &[f32], alpha: &[f32], eps: f32) -> Vec<f32> {
    let n = alpha.len();
    assert!(n > 0 && x.len().is_multiple_of(n), "rms_norm: partial row");
    let mut out = vec![0f32; x.len()];
    parallel::for_each_rows(&mut out, n, PARALLEL_MIN, |rows, o| {
        let src = &x[rows.start * n..rows.end * n];
        for (src, dst) in src.chunks_exact(n).zip(o.chunks_exact_mut(n)) {
            let sum2 = src.iter().map(|&v| v * v).sum::<f32>();
            let m = (sum2 / n as f32 + eps).sqrt();
            for ((d, &s), &a) in dst.iter_mut().zip(src).zip(alpha) {
                *d = s / m * a;
            }
        }
    });
    out
}

/// The rotary embedding of `x` (`[heads, t, d]`) with `cos` and `sin` (`[t, d / 2]`, the
/// positions' rows): rotate-half pairs `(i, i + d/2)`, or adjacent pairs `(2i, 2i + 1)` when
/// `interleaved`.
///
/// # Panics
/// When the sizes disagree (a programming error).
pub fn rope(
    x: &[f32],
    cos: &[f32],
    sin: &[f32],
    t: usize,
    d: usize,
    interleaved: bool,
) -> Vec<f32> {
    assert!(d >= 2 && d.is_multiple_of(2) && x.len().is_multiple_of(t * d));
    assert!(cos.len() >= t * d / 2 && sin.len() >= t * d / 2);
    let mut out = vec![0f32; x.len()];
    let half = d / 2;
    // Rows of the split are heads (`t * d` values each).
    parallel::for_each_rows(&mut out, t * d, PARALLEL_MIN, |heads, o| {
        let src = &x[heads.start * t * d..heads.end * t * d];
        for (row, (s, dst)) in src.chunks_exact(d).zip(o.chunks_exact_mut(d)).enumerate() {
            let cs = (row % t) * half;
            let (c, sn) = (&cos[cs..cs + half], &sin[cs..cs + half]);
            for i in 0..half {
                let (a, b) = if interleaved {
                    (2 * i, 2 * i + 1)
                } else {
                    (i, i + half)
                };
                dst[a] = s[a] * c[i] - s[b] * sn[i];
                dst[b] = s[a] * sn[i] + s[b] * c[i];
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle::{Device, Tensor};

    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2654435761) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 4000) as f32 / 1000.0 - 2.0
            })
            .collect()
    }

    /// Bit-identical to candle_nn, on one row (serial) and on a prefill (split over threads).
    #[test]
    fn rms_norm_equals_candle_nn() {
        let dev = Device::Cpu;
        for rows in [1usize, 100] {
            let n = 576;
            let x = values(rows * n, 1);
            let alpha = values(n, 2);
            let want = candle_nn::ops::rms_norm(
                &Tensor::from_vec(x.clone(), (rows, n), &dev).unwrap(),
                &Tensor::from_vec(alpha.clone(), n, &dev).unwrap(),
                1e-5,
            )
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
            assert_eq!(rms_norm(&x, &alpha, 1e-5), want, "{rows} rows");
        }
    }

    #[test]
    fn rope_equals_candle_nn_in_both_pair_orders() {
        let dev = Device::Cpu;
        for (h, t) in [(3usize, 1usize), (9, 40)] {
            let d = 64;
            let x = values(h * t * d, 3);
            let cos = values(t * d / 2, 4);
            let sin = values(t * d / 2, 5);
            let xt = Tensor::from_vec(x.clone(), (1, h, t, d), &dev).unwrap();
            let ct = Tensor::from_vec(cos.clone(), (t, d / 2), &dev).unwrap();
            let st = Tensor::from_vec(sin.clone(), (t, d / 2), &dev).unwrap();
            for interleaved in [false, true] {
                let want = if interleaved {
                    candle_nn::rotary_emb::rope_i(&xt, &ct, &st)
                } else {
                    candle_nn::rotary_emb::rope(&xt, &ct, &st)
                }
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
                assert_eq!(
                    rope(&x, &cos, &sin, t, d, interleaved),
                    want,
                    "{h}x{t} {interleaved}"
                );
            }
        }
    }
}
