//! Clinical display and analysis filters, each able to state its band.
//!
//! A cardiologist reading ST levels must know whether the trace went through a 0.05 Hz or a
//! 0.5 Hz high-pass (AHA 2007 recommendations, Kligfield et al., Circulation 115:1306: 0.05 Hz
//! for diagnostic ST, 150 Hz low-pass for adults), so every filter here says what it did via
//! [`Filter::band`], and [`FilterChain`] summarises a chain as an [`ecg::FilterBand`].
//!
//! - [`Highpass`]: baseline-wander removal, Butterworth order 2, zero phase (`sosfiltfilt`),
//!   at 0.05 Hz (diagnostic) or 0.5 Hz (monitoring); any corner is accepted.
//! - [`Lowpass`]: Butterworth order 4, zero phase, at 40, 100 or 150 Hz.
//! - [`Notch`]: second-order IIR notch (`scipy.signal.iirnotch`, Q = 30) run forward-backward.
//! - [`PowerlineSubtraction`]: the subtraction procedure (Levkov et al. 2005, BioMed Eng
//!   OnLine 4:50; the method behind EDFbrowser's "powerline interference removal"): the
//!   interference is measured in linear stretches of the ECG and subtracted everywhere, so
//!   the QRS is not rung like a notch would.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::iir::{FilterKind, ba_stage, butter_sos, filtfilt_chain, sos_stage};
use crate::lanes::Stage;

/// A filter over one lead's samples at a given rate.
pub trait Filter {
    /// Filters `x` sampled at `fs_hz`; the output has the same length.
    fn apply(&self, x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error>;
    /// Filters each of several equally long leads sampled at `fs_hz`, as [`Filter::apply`] on
    /// each (the IIR filters run the leads together, which is several times faster).
    fn apply_many(&self, xs: &[&[f64]], fs_hz: f64) -> Result<Vec<Vec<f64>>, Error> {
        xs.iter().map(|x| self.apply(x, fs_hz)).collect()
    }
    /// Human-readable description of what the filter passes, e.g.
    /// `"high-pass 0.5 Hz (Butterworth order 2, zero-phase)"`.
    fn band(&self) -> String;
}

/// [`Filter::apply`] of a filter whose work is done in [`Filter::apply_many`].
fn apply_one(f: &impl Filter, x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error> {
    Ok(f.apply_many(&[x], fs_hz)?.remove(0))
}

/// Baseline-wander high-pass (Butterworth order 2, zero phase).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Highpass {
    /// Corner frequency in Hz (0.05 diagnostic, 0.5 monitoring).
    pub cutoff_hz: f64,
}

impl Highpass {
    /// 0.05 Hz: preserves ST segments (AHA diagnostic bandwidth).
    pub const DIAGNOSTIC: Highpass = Highpass { cutoff_hz: 0.05 };
    /// 0.5 Hz: removes respiration wander; may distort ST levels.
    pub const MONITORING: Highpass = Highpass { cutoff_hz: 0.5 };
}

impl Highpass {
    /// This filter as a stage of an IIR chain ([`filtfilt_chain`]).
    fn stage(&self, fs_hz: f64) -> Result<Stage, Error> {
        sos_stage(&butter_sos(2, self.cutoff_hz, fs_hz, FilterKind::Highpass)?)
    }
}

impl Filter for Highpass {
    fn apply(&self, x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error> {
        apply_one(self, x, fs_hz)
    }
    fn apply_many(&self, xs: &[&[f64]], fs_hz: f64) -> Result<Vec<Vec<f64>>, Error> {
        filtfilt_chain(vec![self.stage(fs_hz)?], xs, false)
    }
    fn band(&self) -> String {
        format!(
            "high-pass {} Hz (Butterworth order 2, zero-phase)",
            fmt_hz(self.cutoff_hz)
        )
    }
}

/// Low-pass (Butterworth order 4, zero phase).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Lowpass {
    /// Corner frequency in Hz (40, 100 or 150 are the usual choices).
    pub cutoff_hz: f64,
}

impl Lowpass {
    /// 40 Hz: monitoring / noisy tracings.
    pub const HZ40: Lowpass = Lowpass { cutoff_hz: 40.0 };
    /// 100 Hz.
    pub const HZ100: Lowpass = Lowpass { cutoff_hz: 100.0 };
    /// 150 Hz: AHA diagnostic bandwidth for adults.
    pub const HZ150: Lowpass = Lowpass { cutoff_hz: 150.0 };
}

impl Lowpass {
    /// This filter as a stage of an IIR chain ([`filtfilt_chain`]); `None` when the corner is
    /// at or above Nyquist (nothing there to remove: the band is already narrower).
    fn stage(&self, fs_hz: f64) -> Result<Option<Stage>, Error> {
        if self.cutoff_hz >= fs_hz / 2.0 {
            return Ok(None);
        }
        sos_stage(&butter_sos(4, self.cutoff_hz, fs_hz, FilterKind::Lowpass)?).map(Some)
    }
}

impl Filter for Lowpass {
    fn apply(&self, x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error> {
        apply_one(self, x, fs_hz)
    }
    fn apply_many(&self, xs: &[&[f64]], fs_hz: f64) -> Result<Vec<Vec<f64>>, Error> {
        filtfilt_chain(self.stage(fs_hz)?.into_iter().collect(), xs, false)
    }
    fn band(&self) -> String {
        format!(
            "low-pass {} Hz (Butterworth order 4, zero-phase)",
            fmt_hz(self.cutoff_hz)
        )
    }
}

/// Second-order IIR notch at the mains frequency, run forward-backward.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Notch {
    /// Mains frequency in Hz (50 or 60).
    pub freq_hz: f64,
    /// Quality factor (centre / -3 dB bandwidth); 30 by default.
    pub q: f64,
}

impl Notch {
    /// A notch at `freq_hz` with Q = 30.
    pub fn new(freq_hz: f64) -> Self {
        Self { freq_hz, q: 30.0 }
    }

    /// `(b, a)` as `scipy.signal.iirnotch(freq, q, fs)`.
    pub fn coefficients(&self, fs_hz: f64) -> Result<([f64; 3], [f64; 3]), Error> {
        if !(self.freq_hz > 0.0 && self.freq_hz < fs_hz / 2.0) {
            return Err(Error::invalid(
                "freq_hz",
                format!(
                    "notch at {} Hz needs a sampling rate above {} Hz",
                    self.freq_hz,
                    2.0 * self.freq_hz
                ),
            ));
        }
        if self.q.is_nan() || self.q <= 0.0 {
            return Err(Error::invalid("q", "must be positive"));
        }
        let w0 = 2.0 * self.freq_hz / fs_hz;
        let bw = w0 / self.q * std::f64::consts::PI;
        let w0 = w0 * std::f64::consts::PI;
        let gb = 1.0 / 2f64.sqrt();
        let beta = ((1.0 - gb * gb).sqrt() / gb) * (bw / 2.0).tan();
        let gain = 1.0 / (1.0 + beta);
        let c = w0.cos();
        Ok((
            [gain, -2.0 * c * gain, gain],
            [1.0, -2.0 * gain * c, 2.0 * gain - 1.0],
        ))
    }
}

impl Notch {
    /// This filter as a stage of an IIR chain ([`filtfilt_chain`]).
    fn stage(&self, fs_hz: f64) -> Result<Stage, Error> {
        let (b, a) = self.coefficients(fs_hz)?;
        ba_stage(&b, &a)
    }
}

impl Filter for Notch {
    fn apply(&self, x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error> {
        apply_one(self, x, fs_hz)
    }
    fn apply_many(&self, xs: &[&[f64]], fs_hz: f64) -> Result<Vec<Vec<f64>>, Error> {
        filtfilt_chain(vec![self.stage(fs_hz)?], xs, false)
    }
    fn band(&self) -> String {
        format!(
            "notch {} Hz (IIR Q {}, zero-phase)",
            fmt_hz(self.freq_hz),
            fmt_hz(self.q)
        )
    }
}

/// Power-line interference subtraction (Levkov et al. 2005).
///
/// With `n = fs / mains` samples per mains period (the rate must be an integer multiple of the
/// mains frequency, within 0.1 %):
/// 1. A sample is in a *linear* stretch when the second difference across one period,
///    `|x[i-n] - 2x[i] + x[i+n]|`, is below `linearity_threshold` (the interference cancels in
///    it, the ECG does not unless it is locally linear).
/// 2. There, the interference at phase `i mod n` is `x[i]` minus the one-period moving average
///    (which removes the interference exactly and keeps a linear ECG), and is remembered.
/// 3. Everywhere, the remembered interference for the sample's phase is subtracted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PowerlineSubtraction {
    /// Mains frequency in Hz (50 or 60).
    pub freq_hz: f64,
    /// Linearity criterion in the signal's unit (0.1 for mV).
    pub linearity_threshold: f64,
}

impl PowerlineSubtraction {
    /// Subtraction at `freq_hz` with a 0.1 mV linearity threshold (signal in mV).
    pub fn new(freq_hz: f64) -> Self {
        Self {
            freq_hz,
            linearity_threshold: 0.1,
        }
    }

    /// Samples per mains period, if the rate is an integer multiple of the mains frequency.
    pub fn period_samples(&self, fs_hz: f64) -> Option<usize> {
        let r = fs_hz / self.freq_hz;
        let n = r.round();
        (n >= 2.0 && (r - n).abs() <= 1e-3 * r).then_some(n as usize)
    }
}

impl Filter for PowerlineSubtraction {
    fn apply(&self, x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error> {
        let n = self.period_samples(fs_hz).ok_or_else(|| {
            Error::invalid(
                "fs_hz",
                format!(
                    "powerline subtraction needs a rate that is a multiple of {} Hz, got {fs_hz} Hz",
                    self.freq_hz
                ),
            )
        })?;
        let len = x.len();
        if len < 2 * n + 1 {
            return Ok(x.to_vec());
        }
        // One-period moving average; for even n the window is n+1 long with half-weight ends
        // so that it is centred and still cancels the mains period exactly.
        let half = n / 2;
        let ma = |i: usize| -> f64 {
            if n % 2 == 1 {
                x[i - half..=i + half].iter().sum::<f64>() / n as f64
            } else {
                let inner: f64 = x[i - half + 1..i + half].iter().sum();
                (inner + 0.5 * (x[i - half] + x[i + half])) / n as f64
            }
        };
        let mut interference = vec![0.0f64; n];
        let mut learned = vec![false; n];
        let mut y = x.to_vec();
        for (i, yi) in y.iter_mut().enumerate() {
            let phase = i % n;
            if i >= n && i + n < len {
                let fd = x[i - n] - 2.0 * x[i] + x[i + n];
                if fd.abs() < self.linearity_threshold {
                    interference[phase] = x[i] - ma(i);
                    learned[phase] = true;
                }
            }
            if learned[phase] {
                *yi = x[i] - interference[phase];
            }
        }
        Ok(y)
    }
    fn band(&self) -> String {
        format!(
            "powerline subtraction {} Hz (Levkov, linear-segment threshold {})",
            fmt_hz(self.freq_hz),
            self.linearity_threshold
        )
    }
}

/// How mains interference is removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PowerlineMethod {
    /// Not removed.
    #[default]
    Off,
    /// IIR notch.
    Notch,
    /// Levkov subtraction (falls back to the notch when the rate is not a multiple of the mains).
    Subtraction,
}

/// A chain of the filters above, in the order high-pass, powerline, low-pass.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FilterChain {
    /// Baseline-wander high-pass, if any.
    pub highpass: Option<Highpass>,
    /// Mains frequency in Hz (50 or 60) for the powerline filter.
    pub mains_hz: f64,
    /// How mains interference is removed.
    pub powerline: PowerlineMethod,
    /// Low-pass, if any.
    pub lowpass: Option<Lowpass>,
}

impl Default for FilterChain {
    /// The AHA diagnostic band: 0.05-150 Hz, no powerline filter.
    fn default() -> Self {
        Self::diagnostic()
    }
}

impl FilterChain {
    /// 0.05-150 Hz, no powerline filter.
    pub fn diagnostic() -> Self {
        Self {
            highpass: Some(Highpass::DIAGNOSTIC),
            mains_hz: 50.0,
            powerline: PowerlineMethod::Off,
            lowpass: Some(Lowpass::HZ150),
        }
    }

    /// 0.5-40 Hz with a 50 Hz notch: the monitoring band.
    pub fn monitoring() -> Self {
        Self {
            highpass: Some(Highpass::MONITORING),
            mains_hz: 50.0,
            powerline: PowerlineMethod::Notch,
            lowpass: Some(Lowpass::HZ40),
        }
    }

    /// Runs the chain. Short inputs that a stage cannot pad are passed through that stage.
    pub fn apply(&self, x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error> {
        Ok(self.apply_many(&[x], fs_hz)?.remove(0))
    }

    /// [`FilterChain::apply`] on each of several equally long leads, run together: the IIR
    /// stages one after the other on one interleaved copy of the leads ([`filtfilt_chain`]),
    /// each with the output of [`Filter::apply_many`] of its filter, bit for bit.
    pub fn apply_many(&self, xs: &[&[f64]], fs_hz: f64) -> Result<Vec<Vec<f64>>, Error> {
        let mut stages = Vec::new();
        if let Some(hp) = self.highpass {
            stages.push(hp.stage(fs_hz)?);
        }
        let notch = Notch::new(self.mains_hz);
        // Levkov subtraction is no IIR stage: the chain is run up to it, then continued.
        let mut subtracted = None;
        match self.powerline {
            PowerlineMethod::Off => {}
            _ if self.mains_hz >= fs_hz / 2.0 => {}
            PowerlineMethod::Notch => stages.push(notch.stage(fs_hz)?),
            PowerlineMethod::Subtraction => {
                let sub = PowerlineSubtraction::new(self.mains_hz);
                if sub.period_samples(fs_hz).is_some() {
                    let ys = filtfilt_chain(std::mem::take(&mut stages), xs, true)?;
                    subtracted = Some(sub.apply_many(&views(&ys), fs_hz)?);
                } else {
                    stages.push(notch.stage(fs_hz)?);
                }
            }
        }
        if let Some(lp) = self.lowpass {
            stages.extend(lp.stage(fs_hz)?);
        }
        match subtracted {
            Some(ys) => filtfilt_chain(stages, &views(&ys), true),
            None => filtfilt_chain(stages, xs, true),
        }
    }

    /// The band as stated in reports: e.g. `"0.05-150 Hz"`, `"0.5-40 Hz, notch 50 Hz"`.
    pub fn band(&self) -> String {
        let lo = self
            .highpass
            .map_or("DC".to_string(), |h| fmt_hz(h.cutoff_hz));
        let hi = self
            .lowpass
            .map_or("Nyquist".to_string(), |l| fmt_hz(l.cutoff_hz));
        let mut s = format!("{lo}-{hi} Hz");
        match self.powerline {
            PowerlineMethod::Off => {}
            PowerlineMethod::Notch => s.push_str(&format!(", notch {} Hz", fmt_hz(self.mains_hz))),
            PowerlineMethod::Subtraction => s.push_str(&format!(
                ", powerline subtraction {} Hz",
                fmt_hz(self.mains_hz)
            )),
        }
        s
    }

    /// The chain as it runs at `fs_hz`: a low-pass or mains filter at or above the Nyquist
    /// frequency is skipped ([`FilterChain::apply`]), so left out.
    pub fn at_rate(&self, fs_hz: f64) -> FilterChain {
        let nyquist = fs_hz / 2.0;
        FilterChain {
            lowpass: self.lowpass.filter(|l| l.cutoff_hz < nyquist),
            powerline: if self.mains_hz < nyquist {
                self.powerline
            } else {
                PowerlineMethod::Off
            },
            ..*self
        }
    }

    /// The band as run on a recording at `fs_hz` ([`FilterChain::at_rate`]): the upper edge
    /// is the low-pass or, when there is none below the Nyquist frequency, that frequency (a
    /// 125-Hz recording is "0.05-62.5 Hz" under the 150-Hz diagnostic low-pass); a mains
    /// filter at or above it is not stated.
    pub fn band_at(&self, fs_hz: f64) -> String {
        let nyquist = fs_hz / 2.0;
        let band = self.at_rate(fs_hz).band();
        if nyquist.is_finite() && nyquist > 0.0 {
            band.replacen("Nyquist", &fmt_hz(nyquist), 1)
        } else {
            band
        }
    }

    /// Each stage's own description, in order.
    pub fn stages(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(h) = self.highpass {
            v.push(h.band());
        }
        match self.powerline {
            PowerlineMethod::Off => {}
            PowerlineMethod::Notch => v.push(Notch::new(self.mains_hz).band()),
            PowerlineMethod::Subtraction => v.push(PowerlineSubtraction::new(self.mains_hz).band()),
        }
        if let Some(l) = self.lowpass {
            v.push(l.band());
        }
        v
    }

    /// The chain as the `ecg` vocabulary's [`ecg::FilterBand`].
    pub fn filter_band(&self) -> ecg::FilterBand {
        ecg::FilterBand {
            highpass_hz: self.highpass.map(|h| h.cutoff_hz),
            lowpass_hz: self.lowpass.map(|l| l.cutoff_hz),
            notch_hz: (self.powerline != PowerlineMethod::Off).then_some(self.mains_hz),
        }
    }
}

/// Borrowed views of owned leads.
pub(crate) fn views(ys: &[Vec<f64>]) -> Vec<&[f64]> {
    ys.iter().map(Vec::as_slice).collect()
}

/// `0.05`, `0.5`, `40`: no trailing zeros.
fn fmt_hz(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(f: f64, fs: f64, n: usize, amp: f64) -> Vec<f64> {
        (0..n)
            .map(|i| amp * (2.0 * std::f64::consts::PI * f * i as f64 / fs).sin())
            .collect()
    }

    fn rms(x: &[f64]) -> f64 {
        (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn bands_are_stated_as_run_at_the_recordings_rate() {
        let d = FilterChain::diagnostic();
        assert_eq!(d.band_at(500.0), "0.05-150 Hz");
        assert_eq!(d.band_at(125.0), "0.05-62.5 Hz");
        let m = FilterChain::monitoring();
        assert_eq!(m.band_at(250.0), "0.5-40 Hz, notch 50 Hz");
        assert_eq!(m.band_at(100.0), "0.5-40 Hz");
        let open = FilterChain { lowpass: None, ..d };
        assert_eq!(open.band_at(125.0), "0.05-62.5 Hz");
    }

    #[test]
    fn bands_are_stated() {
        assert_eq!(FilterChain::diagnostic().band(), "0.05-150 Hz");
        assert_eq!(FilterChain::monitoring().band(), "0.5-40 Hz, notch 50 Hz");
        assert_eq!(
            Highpass::MONITORING.band(),
            "high-pass 0.5 Hz (Butterworth order 2, zero-phase)"
        );
        assert_eq!(
            Lowpass::HZ40.band(),
            "low-pass 40 Hz (Butterworth order 4, zero-phase)"
        );
        assert_eq!(FilterChain::monitoring().filter_band().notch_hz, Some(50.0));
    }

    #[test]
    fn notch_and_subtraction_remove_mains_and_keep_slow_waves() {
        let fs = 500.0;
        let slow = sine(1.2, fs, 5000, 1.0);
        let mains = sine(50.0, fs, 5000, 0.2);
        let x: Vec<f64> = slow.iter().zip(&mains).map(|(a, b)| a + b).collect();
        for f in [
            &Notch::new(50.0) as &dyn Filter,
            &PowerlineSubtraction::new(50.0) as &dyn Filter,
        ] {
            let y = f.apply(&x, fs).unwrap();
            let err: Vec<f64> = y[500..4500]
                .iter()
                .zip(&slow[500..4500])
                .map(|(a, b)| a - b)
                .collect();
            assert!(rms(&err) < 0.01, "{}: {}", f.band(), rms(&err));
        }
        assert!(PowerlineSubtraction::new(60.0).apply(&x, 500.0).is_err());
    }

    #[test]
    fn highpass_removes_wander_and_lowpass_removes_hf() {
        let fs = 500.0;
        let wander = sine(0.1, fs, 10_000, 1.0);
        let ecgish = sine(5.0, fs, 10_000, 0.5);
        let x: Vec<f64> = wander.iter().zip(&ecgish).map(|(a, b)| a + b).collect();
        let y = Highpass::MONITORING.apply(&x, fs).unwrap();
        let err: Vec<f64> = y.iter().zip(&ecgish).map(|(a, b)| a - b).collect();
        assert!(rms(&err[1000..9000]) < 0.05);
        let hf = sine(120.0, fs, 10_000, 1.0);
        let z = Lowpass::HZ40.apply(&hf, fs).unwrap();
        assert!(rms(&z[100..9900]) < 0.01);
        let w = Lowpass::HZ150.apply(&ecgish, fs).unwrap();
        let err: Vec<f64> = w.iter().zip(&ecgish).map(|(a, b)| a - b).collect();
        assert!(rms(&err) < 1e-3);
    }
}
