//! Disturbances of each lead's own, shared by the examples that read statements under them
//! (`limb_noise`, `statement_stability`): white noise from [`crate::noise`]'s streams and a
//! breathing-like wander at a phase per lead, as leads digitised one by one carry them.

/// `rec` with, in lead k, white Gaussian noise of `noise_uv` µV RMS (the stream seeded
/// `SEED ^ (k + 1)`, as in `ludb_robustness`) and a 0.3 Hz sine of `wander_mv` mV at phase
/// k rad; an error naming a lead that cannot be read. Realisation `r` > 0 of the same
/// disturbance seeds lead k's stream `SEED ^ (k + 1) ^ (r << 32)` and shifts every phase by
/// `r` golden-angle turns (r = 0 is the one above).
pub fn per_lead(
    rec: &ecg::Recording,
    noise_uv: f64,
    wander_mv: f64,
    r: u64,
) -> Result<ecg::Recording, String> {
    // The golden angle: phases of successive realisations spread evenly over the turn.
    let shift = r as f64 * std::f64::consts::TAU * (1.0 - (5f64.sqrt() - 1.0) / 2.0);
    let leads = rec
        .leads
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let per_mv = 1000.0 / l.unit.to_uv_factor().unwrap_or(1000.0);
            let fs = l.sampling_rate_hz;
            let mut g =
                crate::noise::Gaussian::new(crate::noise::SEED ^ (k as u64 + 1) ^ (r << 32));
            let x: Vec<f32> = l
                .signal
                .to_vec()
                .map_err(|e| format!("{}: {e}", l.label))?
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    let t = i as f64 / fs;
                    let w = wander_mv * (std::f64::consts::TAU * 0.3 * t + k as f64 + shift).sin();
                    (f64::from(v) + (noise_uv / 1000.0 * g.next() + w) * per_mv) as f32
                })
                .collect();
            Ok(l.with_samples(fs, x))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(ecg::Recording::new(leads))
}
