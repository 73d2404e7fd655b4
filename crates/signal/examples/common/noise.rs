//! The stability check's white noise (`ludb_robustness`), shared with the signal tests that
//! reproduce what it found (`tests/noise_readings.rs`): standard normal deviates from a
//! xorshift64* stream through Box-Muller, one stream per lead seeded from [`SEED`] and the
//! lead's index.

/// The seed of lead 0's stream is `SEED ^ 1`, lead k's `SEED ^ (k + 1)`.
pub const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// Standard normal deviates from a xorshift64* stream (Box-Muller).
pub struct Gaussian(u64);

impl Gaussian {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let r = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        ((r >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    pub fn next(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}
