//! Display filters: the presets a reader picks in the toolbar (as recorded, diagnostic
//! 0.05-150 Hz, monitoring 0.5-40 Hz with a 50 or 60 Hz notch) and a zero-phase filtered copy
//! of a recording to draw. The band of each preset is stated as reports state it.

use ecg::{Lead, Recording, Signal};
use serde::{Deserialize, Serialize};
use signal::{FilterChain, PowerlineMethod};

use crate::{Error, Result};

/// Most samples (all leads together) a filtered copy is made for: about 45 min of 12 leads
/// at 500 Hz, 80 MB of `f32`. Longer recordings are drawn as recorded.
pub const MAX_FILTERED_SAMPLES: usize = 16_000_000;

/// A display filter preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DisplayFilter {
    /// The samples as recorded.
    #[default]
    Off,
    /// 0.05-150 Hz (AHA diagnostic band).
    Diagnostic,
    /// 0.5-40 Hz with a 50 Hz notch.
    Monitoring50,
    /// 0.5-40 Hz with a 60 Hz notch.
    Monitoring60,
}

impl DisplayFilter {
    /// Every preset, in toolbar order.
    pub const ALL: [DisplayFilter; 4] = [
        DisplayFilter::Off,
        DisplayFilter::Diagnostic,
        DisplayFilter::Monitoring50,
        DisplayFilter::Monitoring60,
    ];

    /// The filter chain, `None` for [`DisplayFilter::Off`].
    pub fn chain(self) -> Option<FilterChain> {
        match self {
            DisplayFilter::Off => None,
            DisplayFilter::Diagnostic => Some(FilterChain::diagnostic()),
            DisplayFilter::Monitoring50 => Some(FilterChain::monitoring()),
            DisplayFilter::Monitoring60 => Some(FilterChain {
                mains_hz: 60.0,
                powerline: PowerlineMethod::Notch,
                ..FilterChain::monitoring()
            }),
        }
    }

    /// The band as shown to the reader ("as recorded", "0.5-40 Hz, notch 50 Hz").
    pub fn band(self) -> String {
        self.chain()
            .map_or_else(|| "as recorded".to_string(), |c| c.band())
    }

    /// The band as run on a recording whose slowest lead is sampled at `fs_hz`
    /// ([`chain_at_rate`]): the diagnostic preset on a 125-Hz recording is "0.05-62.5 Hz".
    pub fn band_at(self, fs_hz: f64) -> String {
        self.chain().map_or_else(
            || "as recorded".to_string(),
            |c| chain_at_rate(c, fs_hz).band_at(fs_hz),
        )
    }
}

/// `chain` as run on a lead sampled at `fs_hz`: a low-pass at or above 45 % of the rate is left
/// out (it would pass everything), and what the chain itself skips at that rate
/// ([`FilterChain::at_rate`]: a notch at or above the Nyquist frequency).
fn chain_at_rate(mut chain: FilterChain, fs_hz: f64) -> FilterChain {
    if chain.lowpass.is_some_and(|l| l.cutoff_hz >= 0.45 * fs_hz) {
        chain.lowpass = None;
    }
    chain.at_rate(fs_hz)
}

/// The slowest lead's sampling rate (Hz), the one whose filtered band is narrowest.
fn slowest_rate(recording: &Recording) -> Option<f64> {
    recording
        .leads
        .iter()
        .map(|l| l.sampling_rate_hz)
        .filter(|r| r.is_finite() && *r > 0.0)
        .reduce(f64::min)
}

/// The band a filtered copy shows: the device's band narrowed by the display filter as run on
/// leads sampled at `fs_hz` ([`chain_at_rate`]; the higher high-pass, the lower low-pass, the
/// display notch or else the device's).
pub fn combined_band(
    device: ecg::FilterBand,
    filter: DisplayFilter,
    fs_hz: f64,
) -> ecg::FilterBand {
    let Some(chain) = filter.chain() else {
        return device;
    };
    let display = chain_at_rate(chain, fs_hz).filter_band();
    let pick = |a: Option<f64>, b: Option<f64>, higher: bool| match (a, b) {
        (Some(x), Some(y)) => Some(if higher { x.max(y) } else { x.min(y) }),
        (x, y) => x.or(y),
    };
    ecg::FilterBand {
        highpass_hz: pick(device.highpass_hz, display.highpass_hz, true),
        lowpass_hz: pick(device.lowpass_hz, display.lowpass_hz, false),
        notch_hz: display.notch_hz.or(device.notch_hz),
    }
}

impl DisplayFilter {
    /// The name as stored and typed (`off`, `diagnostic`, `monitoring50`, `monitoring60`).
    pub fn name(self) -> &'static str {
        match self {
            DisplayFilter::Off => "off",
            DisplayFilter::Diagnostic => "diagnostic",
            DisplayFilter::Monitoring50 => "monitoring50",
            DisplayFilter::Monitoring60 => "monitoring60",
        }
    }
}

impl std::str::FromStr for DisplayFilter {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        DisplayFilter::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown display filter {s:?} (off, diagnostic, monitoring50, monitoring60)"
                )
            })
    }
}

/// A copy of `recording` with every lead filtered by `filter` (zero-phase), its stated
/// filter band narrowed accordingly ([`combined_band`] at the slowest lead's rate). A low-pass
/// at or above 45 % of a lead's sampling rate is left out for that lead (it would pass
/// everything).
/// Refuses recordings above [`MAX_FILTERED_SAMPLES`].
pub fn filtered(recording: &Recording, filter: DisplayFilter) -> Result<Recording> {
    let Some(chain) = filter.chain() else {
        return Ok(recording.clone());
    };
    let total: usize = recording.leads.iter().map(|l| l.signal.len()).sum();
    if total > MAX_FILTERED_SAMPLES {
        return Err(Error::Argument {
            field: "filter",
            message: format!(
                "display filters apply to recordings up to {MAX_FILTERED_SAMPLES} samples; this one has {total}, shown as recorded"
            ),
        });
    }
    let mut out = recording.clone();
    for lead in &mut out.leads {
        *lead = filtered_lead(lead, chain)?;
    }
    if let Some(fs) = slowest_rate(recording) {
        out.acquisition.filter_band = combined_band(recording.acquisition.filter_band, filter, fs);
    }
    Ok(out)
}

fn filtered_lead(lead: &Lead, chain: FilterChain) -> Result<Lead> {
    let fs = lead.sampling_rate_hz;
    let chain = chain_at_rate(chain, fs);
    let samples = lead.signal.to_vec().map_err(|e| Error::Argument {
        field: "lead",
        message: format!("{}: reading samples: {e}", lead.label.name()),
    })?;
    let x: Vec<f64> = samples.iter().map(|&v| f64::from(v)).collect();
    let y = chain.apply(&x, fs)?;
    let mut out = lead.clone();
    out.signal = Signal::from_physical(y.into_iter().map(|v| v as f32).collect::<Vec<f32>>());
    Ok(out)
}

/// The one-line header `heartlens render` and the Python package's `render_png` print above the
/// paper: patient name, acquisition time, file name, format, duration, window start (when not
/// 0) and the display filter's band as run on its slowest lead (when one is on), separated by
/// three spaces.
pub fn paper_header(
    rec: &Recording,
    file_name: Option<&str>,
    start_s: f64,
    filter: DisplayFilter,
) -> String {
    let mut parts = Vec::new();
    if let Some(name) = rec.patient.display_name() {
        parts.push(name);
    }
    if let Some(t) = rec.acquisition.start_time {
        parts.push(t.to_iso8601_marked());
    }
    parts.extend(file_name.map(str::to_string));
    if !rec.source.format.is_empty() {
        parts.push(rec.source.format.clone());
    }
    parts.push(format!("{:.1} s", rec.duration_s()));
    if start_s > 0.0 {
        parts.push(format!("from {start_s:.1} s"));
    }
    if filter != DisplayFilter::Off {
        let band = slowest_rate(rec).map_or_else(|| filter.band(), |fs| filter.band_at(fs));
        parts.push(format!("filter {band}"));
    }
    parts.join("   ")
}

#[cfg(test)]
mod tests {
    use ecg::Unit;

    use super::*;

    #[test]
    fn monitoring_removes_baseline_wander_and_keeps_the_qrs_band() {
        let fs = 500.0;
        let n = 5000;
        // 0.2 Hz wander of 1 mV plus a 10 Hz component of 0.5 mV.
        let x: Vec<f32> = (0..n)
            .map(|i| {
                let t = i as f64 / fs;
                ((2.0 * std::f64::consts::PI * 0.2 * t).sin()
                    + 0.5 * (2.0 * std::f64::consts::PI * 10.0 * t).sin()) as f32
            })
            .collect();
        let rec = Recording::new(vec![Lead::new(
            "II",
            fs,
            Unit::Millivolt,
            Signal::from_physical(x),
        )]);
        let y = filtered(&rec, DisplayFilter::Monitoring50).unwrap().leads[0]
            .signal
            .to_vec()
            .unwrap();
        // Middle second: the wander is gone, the 10 Hz part stays (amplitude ~0.5).
        let mid = &y[2000..2500];
        let mean = mid.iter().sum::<f32>() / mid.len() as f32;
        let peak = mid.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(mean.abs() < 0.05, "wander left: mean {mean}");
        assert!((peak - 0.5).abs() < 0.05, "10 Hz peak {peak}");
        assert_eq!(
            filtered(&rec, DisplayFilter::Off).unwrap().leads[0]
                .signal
                .len(),
            n
        );
    }

    #[test]
    fn the_stated_band_narrows_to_the_display_filter() {
        let device = ecg::FilterBand {
            highpass_hz: Some(0.05),
            lowpass_hz: Some(100.0),
            notch_hz: None,
        };
        let b = combined_band(device, DisplayFilter::Monitoring60, 500.0);
        assert_eq!(
            (b.highpass_hz, b.lowpass_hz, b.notch_hz),
            (Some(0.5), Some(40.0), Some(60.0))
        );
        assert_eq!(combined_band(device, DisplayFilter::Off, 500.0), device);
        let b = combined_band(ecg::FilterBand::default(), DisplayFilter::Diagnostic, 500.0);
        assert_eq!((b.highpass_hz, b.lowpass_hz), (Some(0.05), Some(150.0)));
    }

    #[test]
    fn a_low_pass_or_notch_the_sampling_rate_leaves_out_is_not_stated() {
        // At 125 Hz the diagnostic 150-Hz low-pass is not run: the band stays the device's.
        let device = ecg::FilterBand {
            highpass_hz: Some(0.05),
            lowpass_hz: Some(40.0),
            notch_hz: None,
        };
        let b = combined_band(device, DisplayFilter::Diagnostic, 125.0);
        assert_eq!((b.highpass_hz, b.lowpass_hz), (Some(0.05), Some(40.0)));
        let b = combined_band(ecg::FilterBand::default(), DisplayFilter::Diagnostic, 125.0);
        assert_eq!(b.lowpass_hz, None);
        assert_eq!(DisplayFilter::Diagnostic.band_at(125.0), "0.05-62.5 Hz");
        assert_eq!(
            DisplayFilter::Diagnostic.band_at(500.0),
            DisplayFilter::Diagnostic.band()
        );
        // At 100 Hz the 60-Hz notch is above the Nyquist frequency; the 40-Hz low-pass runs.
        let b = combined_band(
            ecg::FilterBand::default(),
            DisplayFilter::Monitoring60,
            100.0,
        );
        assert_eq!((b.lowpass_hz, b.notch_hz), (Some(40.0), None));
    }

    #[test]
    fn bands_are_named() {
        for f in DisplayFilter::ALL {
            assert_eq!(f.name().parse::<DisplayFilter>(), Ok(f));
            assert_eq!(serde_json::to_value(f).unwrap(), f.name());
        }
        assert!("bogus".parse::<DisplayFilter>().is_err());
        assert_eq!(DisplayFilter::Off.band(), "as recorded");
        assert_eq!(DisplayFilter::Diagnostic.band(), "0.05-150 Hz");
        assert_eq!(DisplayFilter::Monitoring60.band(), "0.5-40 Hz, notch 60 Hz");
    }
}
