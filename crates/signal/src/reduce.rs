//! Reductions that reproduce NumPy's floating-point summation order bit for bit.
//!
//! NumPy sums float arrays with a pairwise scheme (`numpy/_core/src/umath/loops_utils.h.src`,
//! `pairwise_sum`): blocks of up to 128 values are summed with eight interleaved accumulators,
//! longer arrays are split in halves (rounded down to a multiple of 8). Parity with SciPy's
//! `firwin` normalisation and NumPy's `mean`/`std` depends on the same order, so it lives here
//! once instead of being approximated by a plain loop.

/// `numpy.sum` of an `f64` slice (contiguous), same rounding as NumPy.
pub(crate) fn pairwise_sum_f64(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        // NumPy starts from -0.0 so that an all-(-0.0) sum keeps its sign.
        let mut res = -0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= BLOCK {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum_f64(&a[..n2]) + pairwise_sum_f64(&a[n2..])
    }
}

/// `numpy.sum` of an `f32` slice with an `f32` accumulator, same rounding as NumPy.
pub(crate) fn pairwise_sum_f32(a: &[f32]) -> f32 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        let mut res = -0.0f32;
        for &v in a {
            res += v;
        }
        res
    } else if n <= BLOCK {
        let mut r = [0.0f32; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum_f32(&a[..n2]) + pairwise_sum_f32(&a[n2..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_equals_exact_sum_on_integers() {
        for n in [0usize, 1, 7, 8, 9, 127, 128, 129, 1000, 4097] {
            let a: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let want = (n * n.saturating_sub(1) / 2) as f64;
            assert_eq!(pairwise_sum_f64(&a), want, "n={n}");
            let b: Vec<f32> = (0..n.min(1000)).map(|i| (i % 7) as f32).collect();
            let want_b: f32 = b.iter().map(|&v| v as f64).sum::<f64>() as f32;
            assert_eq!(pairwise_sum_f32(&b), want_b, "n={n}");
        }
    }
}
