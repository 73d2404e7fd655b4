//! The tests' pseudo-random numbers: a 64-bit linear congruential generator (Knuth's MMIX
//! constants), deterministic from its seed, so a test's noise is the same on every run and
//! machine.

/// Uniform values in [0, 1) from `seed`: the state's top 53 bits.
pub(crate) fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// [`uniform`] less 0.5: uniform values in [-0.5, 0.5).
pub(crate) fn centred(seed: u64) -> impl FnMut() -> f64 {
    let mut u = uniform(seed);
    move || u() - 0.5
}
