//! Recording -> Beat codes: the HeartcareGPT input pipeline around [`Beat`].
//!
//! Owns the glue (lead selection, window choice, batching, reporting); the DSP is
//! `signal::beat_preprocess` (exact ports of the upstream SciPy/NeuroKit chain) and the model
//! is [`crate::models::beat`]. Steps, matching `my_ecg_process.py` @ b1dc8606:
//! 1. The twelve standard leads I..V6 in that order ([`LeadLabel::STANDARD_12`]). Limb leads that
//!    can be derived from I and II are derived; any lead still missing is zero-filled and
//!    reported in [`Tokenized::missing_leads`].
//! 2. Every lead converted to mV, resampled to 500 Hz if recorded at another rate (the
//!    reference data are 500 Hz), then `signal::beat_preprocess::clean_for_beat`: 500 -> 250 Hz
//!    `resample_poly`, NeuroKit `ecg_clean`, cast to f32.
//! 3. Window choice ([`WindowMode`]):
//!    - `Best` (upstream inference): one 6-s window (v3: 1500 samples, of which the model reads
//!      the first 1000; v1: 750/500) at the start maximising a signal-quality curve, or the
//!      centred crop when no quality can be computed. Upstream uses NeuroKit's
//!      `ecg_quality(method="averageQRS")`, which is not reproducible bit for bit; ours is the same
//!      idea ([`quality_curve`]): R peaks from `signal::analyze`, each beat's distance to the
//!      average beat on the quality lead, rescaled to 0..1 (1 = closest to the template) and
//!      interpolated over samples. The choice is reported in [`TokenWindow::choice`].
//!    - `Centred`: the upstream fallback crop. `Start(s)`: a caller-chosen start.
//!    - `Split`: the whole record in model windows (4 s for v3) from the right, the first
//!      left-padded with zeros (upstream `forward`, quirk 9), one set of codes per window.
//! 4. Normalisation: v3 = per-lead mean removed and one global std, over the model-input part;
//!    v1 = per-lead z-score (`signal::beat_preprocess::normalize_v3`/`normalize_v1`). In `Split`
//!    mode each window is normalised over its own recorded samples; padding stays zero.
//! 5. All windows go through the model as one batch.

use candle::Tensor;
use ecg::{LeadLabel, Recording};
use serde::Serialize;
use signal::beat_preprocess as bp;

use crate::models::beat::{Beat, Config, SAMPLE_RATE_HZ, Version};

/// Rate the reference preprocessing starts from.
pub const INPUT_RATE_HZ: u32 = 500;

/// Errors of the tokenization pipeline (the model's own errors arrive as [`TokenizeError::Model`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenizeError {
    /// None of the twelve standard leads is present as a voltage signal.
    #[error("no standard 12-lead ECG lead (I..V6) with a voltage unit in the recording")]
    NoLeads,
    /// A lead's unit is not a voltage.
    #[error("lead {lead}: unit {unit} is not a voltage")]
    NotVoltage {
        /// The lead.
        lead: String,
        /// Its unit symbol.
        unit: String,
    },
    /// A lead's sampling rate is not a positive whole number of Hz (needed for `resample_poly`).
    #[error("lead {lead}: sampling rate {fs_hz} Hz is not a positive whole number")]
    Rate {
        /// The lead.
        lead: String,
        /// Its rate.
        fs_hz: f64,
    },
    /// The recording is shorter than the preprocessing needs.
    #[error("recording of {found_s:.3} s is too short: {what} needs at least {needed_s:.3} s")]
    TooShort {
        /// What needed the samples.
        what: &'static str,
        /// Seconds needed.
        needed_s: f64,
        /// Seconds found.
        found_s: f64,
    },
    /// A caller-chosen window does not fit the recording.
    #[error(
        "window start {start} (at 250 Hz) + {len} samples exceeds the {available} samples available"
    )]
    WindowOutOfRange {
        /// Start sample at 250 Hz.
        start: usize,
        /// Window length.
        len: usize,
        /// Samples available at 250 Hz.
        available: usize,
    },
    /// Reading a lead's samples failed.
    #[error("lead {lead}: {source}")]
    Samples {
        /// The lead.
        lead: String,
        /// The source's error.
        source: ecg::SampleError,
    },
    /// The preprocessing failed.
    #[error("preprocessing: {0}")]
    Signal(#[from] signal::Error),
    /// The model failed.
    #[error("Beat model: {0}")]
    Model(#[from] candle::Error),
}

/// How the windows are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WindowMode {
    /// One window at the best quality, centred fallback (upstream inference).
    #[default]
    Best,
    /// One window, centred crop.
    Centred,
    /// One window starting at this sample (250 Hz, after cleaning).
    Start(usize),
    /// Every model window of the record from the right, first one left-padded.
    Split,
}

/// Options of [`tokenize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenizeOptions {
    /// Window choice.
    pub mode: WindowMode,
}

/// How a window was chosen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum WindowChoice {
    /// Maximum mean quality over the window.
    Quality {
        /// Mean quality (0..1) over the chosen window.
        mean_quality: f64,
        /// Beats the quality curve was built from.
        beats: usize,
    },
    /// The centred crop.
    Centred {
        /// Why: requested, or why the quality choice was not possible.
        reason: String,
    },
    /// Given by the caller.
    Requested,
    /// One of the consecutive windows of [`WindowMode::Split`].
    Split,
}

/// Codes of one model window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenWindow {
    /// Time of the window's first recorded sample from the recording start, in seconds.
    pub start_s: f64,
    /// `[m][levels]`: v3 gives 20 x 2 codes.
    pub codes: Vec<Vec<u32>>,
    /// Seconds of the model window the recording covers (4 s for v3 unless padded).
    pub duration_s: f64,
    /// Zero padding before the recorded samples, in seconds (only the first `Split` window).
    pub left_pad_s: f64,
    /// How the window was chosen.
    pub choice: WindowChoice,
}

/// The result of [`tokenize`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tokenized {
    /// Configuration used.
    #[serde(serialize_with = "ser_version")]
    pub version: Version,
    /// The windows, in time order.
    pub windows: Vec<TokenWindow>,
    /// Standard leads absent from the recording (zero-filled).
    pub missing_leads: Vec<String>,
    /// Standard leads computed from I and II because the file lacks them.
    pub derived_leads: Vec<String>,
    /// Sampling rate of the recording's leads in Hz.
    pub source_rate_hz: f64,
}

/// What `heartlens tokenize --json` prints (and the Python package's `beat_tokens()` returns):
/// `{"config": "v3", "windows": [{"start_s", "codes", "duration_s", "left_pad_s", "choice"}],
/// "missing_leads", "derived_leads", "source_rate_hz"}`. The first two keys are the issue's
/// contract, the rest are added after them.
#[derive(Debug, Serialize)]
pub struct TokenizedJson<'a> {
    /// `v3` or `v1`.
    pub config: &'static str,
    /// The windows, in time order.
    pub windows: &'a [TokenWindow],
    /// Standard leads absent from the recording (zero-filled).
    pub missing_leads: &'a [String],
    /// Standard leads computed from I and II.
    pub derived_leads: &'a [String],
    /// Sampling rate of the recording's leads in Hz.
    pub source_rate_hz: f64,
}

impl Tokenized {
    /// The JSON form front ends print ([`TokenizedJson`]).
    pub fn json(&self) -> TokenizedJson<'_> {
        TokenizedJson {
            config: self.version.name(),
            windows: &self.windows,
            missing_leads: &self.missing_leads,
            derived_leads: &self.derived_leads,
            source_rate_hz: self.source_rate_hz,
        }
    }
}

fn ser_version<S: serde::Serializer>(v: &Version, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.name())
}

/// The twelve cleaned leads at 250 Hz (f32), plus what was missing or derived.
#[derive(Debug, Clone)]
pub struct CleanedLeads {
    /// Twelve leads in standard order, equal lengths, 250 Hz.
    pub leads: Vec<Vec<f32>>,
    /// Standard leads zero-filled.
    pub missing: Vec<LeadLabel>,
    /// Standard leads derived from I and II.
    pub derived: Vec<LeadLabel>,
    /// Index (0..12) of the first recorded lead, used for the quality curve.
    pub quality_lead: usize,
    /// Rate of the source leads.
    pub source_rate_hz: f64,
    /// The selected source leads in mV at 500 Hz (for R-peak detection), `None` if missing.
    raw_500: Vec<Option<Vec<f32>>>,
}

fn whole_hz(lead: &ecg::Lead) -> Result<u32, TokenizeError> {
    let fs = lead.sampling_rate_hz;
    if fs.is_finite() && fs >= 1.0 && fs.fract() == 0.0 && fs <= f64::from(u32::MAX) {
        Ok(fs as u32)
    } else {
        Err(TokenizeError::Rate {
            lead: lead.label.name().to_string(),
            fs_hz: fs,
        })
    }
}

/// Steps 1-2: selects, converts, resamples and cleans the twelve standard leads.
pub fn clean_leads(rec: &Recording) -> Result<CleanedLeads, TokenizeError> {
    let mut rec = rec.clone();
    let derived = rec.derive_limb_leads();
    let mut selected = Vec::with_capacity(12);
    for label in LeadLabel::STANDARD_12.iter() {
        selected.push(rec.lead(label).filter(|l| l.n_samples() > 0));
    }
    let present: Vec<&ecg::Lead> = selected.iter().flatten().copied().collect();
    if present.is_empty() {
        return Err(TokenizeError::NoLeads);
    }
    // All leads are cut to the shortest recorded duration (leads may differ in rate).
    let duration_s = present
        .iter()
        .map(|l| l.duration_s())
        .fold(f64::INFINITY, f64::min);
    let n500 = (duration_s * f64::from(INPUT_RATE_HZ)).floor() as usize;
    let mut leads = Vec::with_capacity(12);
    let mut raw_500 = Vec::with_capacity(12);
    let mut missing = Vec::new();
    let mut quality_lead = None;
    let mut source_rate_hz = 0.0;
    for (i, lead) in selected.iter().enumerate() {
        let Some(lead) = lead else {
            missing.push(LeadLabel::STANDARD_12[i].clone());
            leads.push(None);
            raw_500.push(None);
            continue;
        };
        let fs = whole_hz(lead)?;
        source_rate_hz = f64::from(fs);
        let factor = lead
            .unit
            .to_uv_factor()
            .ok_or_else(|| TokenizeError::NotVoltage {
                lead: lead.label.name().to_string(),
                unit: lead.unit.symbol().to_string(),
            })?
            / 1000.0;
        let samples = lead
            .signal
            .to_vec()
            .map_err(|source| TokenizeError::Samples {
                lead: lead.label.name().to_string(),
                source,
            })?;
        let mv: Vec<f64> = samples.iter().map(|&v| f64::from(v) * factor).collect();
        let mut x500 = if fs == INPUT_RATE_HZ {
            mv
        } else {
            signal::resample_poly(&mv, INPUT_RATE_HZ as usize, fs as usize)?
        };
        x500.truncate(n500);
        if x500.len() < n500 {
            x500.resize(n500, f64::NAN);
        }
        let cleaned = bp::clean_for_beat(&x500, INPUT_RATE_HZ)?;
        quality_lead.get_or_insert(i);
        raw_500.push(Some(x500.iter().map(|&v| v as f32).collect()));
        leads.push(Some(cleaned));
    }
    let n250 = leads.iter().flatten().map(Vec::len).min().unwrap_or(0);
    let leads = leads
        .into_iter()
        .map(|l| match l {
            Some(mut v) => {
                v.truncate(n250);
                v
            }
            None => vec![0.0; n250],
        })
        .collect();
    Ok(CleanedLeads {
        leads,
        missing,
        derived,
        quality_lead: quality_lead.unwrap_or(0),
        source_rate_hz,
        raw_500,
    })
}

/// R peaks (sample indices at 250 Hz) from `signal::analyze` on the selected 500-Hz leads.
fn r_peaks_250(cl: &CleanedLeads) -> Result<Vec<usize>, String> {
    let leads: Vec<ecg::Lead> = cl
        .raw_500
        .iter()
        .enumerate()
        .filter_map(|(i, x)| {
            x.as_ref().map(|x| {
                ecg::Lead::new(
                    LeadLabel::STANDARD_12[i].name(),
                    f64::from(INPUT_RATE_HZ),
                    ecg::Unit::Millivolt,
                    ecg::Signal::from_physical(x.clone()),
                )
            })
        })
        .collect();
    let analysis = signal::analyze(&Recording::new(leads), &signal::AnalysisOptions::default())
        .map_err(|e| format!("beat detection failed: {e}"))?;
    let n = cl.leads.first().map_or(0, Vec::len);
    Ok(analysis
        .beats
        .iter()
        .map(|b| (b.r_s * SAMPLE_RATE_HZ).round() as usize)
        .filter(|&r| r < n)
        .collect())
}

/// A NeuroKit-"averageQRS"-like quality curve over the samples of `x` (250 Hz): each beat
/// segment (-0.25 s..+0.40 s around its R peak) is compared with the average segment by
/// Euclidean distance; distances are rescaled to 0..1 and inverted (1 = closest to the
/// template) and linearly interpolated between R peaks (held constant at the ends). Beats
/// whose segment leaves the record get quality 0, as NeuroKit gives incomplete epochs.
/// `None` with fewer than two complete beats.
pub fn quality_curve(x: &[f32], r_peaks: &[usize]) -> Option<Vec<f64>> {
    let before = (0.25 * SAMPLE_RATE_HZ) as usize;
    let after = (0.40 * SAMPLE_RATE_HZ) as usize;
    let seg = |r: usize| -> Option<&[f32]> {
        let s = r.checked_sub(before)?;
        x.get(s..r.checked_add(after)?)
    };
    let complete: Vec<(usize, &[f32])> = r_peaks
        .iter()
        .enumerate()
        .filter_map(|(i, &r)| seg(r).map(|s| (i, s)))
        .collect();
    if complete.len() < 2 {
        return None;
    }
    let len = before + after;
    let mut template = vec![0.0f64; len];
    for (_, s) in &complete {
        for (t, &v) in template.iter_mut().zip(s.iter()) {
            *t += f64::from(v);
        }
    }
    for t in &mut template {
        *t /= complete.len() as f64;
    }
    let dist: Vec<(usize, f64)> = complete
        .iter()
        .map(|(i, s)| {
            let d = s
                .iter()
                .zip(&template)
                .map(|(&v, &t)| (f64::from(v) - t).powi(2))
                .sum::<f64>()
                .sqrt();
            (*i, d)
        })
        .collect();
    let (lo, hi) = dist
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &(_, d)| {
            (a.min(d), b.max(d))
        });
    let mut q = vec![0.0f64; r_peaks.len()];
    for (i, d) in dist {
        q[i] = if hi > lo {
            1.0 - (d - lo) / (hi - lo)
        } else {
            1.0
        };
    }
    // Interpolate over samples.
    let mut curve = vec![0.0f64; x.len()];
    for (n, c) in curve.iter_mut().enumerate() {
        let k = r_peaks.partition_point(|&r| r <= n);
        *c = if k == 0 {
            q[0]
        } else if k == r_peaks.len() {
            q[k - 1]
        } else {
            let (r0, r1) = (r_peaks[k - 1], r_peaks[k]);
            let t = (n - r0) as f64 / (r1 - r0) as f64;
            q[k - 1] + (q[k] - q[k - 1]) * t
        };
    }
    Some(curve)
}

/// One prepared model input window, lead-major `12 * T` normalised samples.
#[derive(Debug, Clone)]
pub struct PreparedWindow {
    /// Start sample at 250 Hz of the first recorded sample.
    pub start: usize,
    /// Zero samples before it.
    pub left_pad: usize,
    /// How it was chosen.
    pub choice: WindowChoice,
    /// `12 * T` model input.
    pub input: Vec<f32>,
}

/// Step 3-4: the model input windows of cleaned leads.
pub fn prepare_windows(
    cl: &CleanedLeads,
    version: Version,
    mode: WindowMode,
) -> Result<Vec<PreparedWindow>, TokenizeError> {
    // The preprocessing window is 1.5 model windows: the model reads the first part, the rest
    // is the forecasting target (v3: 1500/1000, v1: 750/500).
    let model_len = Config::for_version(version).seq_len;
    let win = match version {
        Version::V3 => bp::V3_WINDOW,
        Version::V1 => bp::V1_WINDOW,
    };
    let n = cl.leads.first().map_or(0, Vec::len);
    let secs = |s: usize| s as f64 / SAMPLE_RATE_HZ;
    if mode == WindowMode::Split {
        if n == 0 {
            return Err(TokenizeError::TooShort {
                what: "a model window",
                needed_s: secs(1),
                found_s: 0.0,
            });
        }
        let count = n.div_ceil(model_len);
        let pad = count * model_len - n;
        let mut out = Vec::with_capacity(count);
        for w in 0..count {
            // Window w covers padded samples w*T..(w+1)*T; recorded samples start at `pad`.
            let lo = (w * model_len).saturating_sub(pad);
            let hi = (w + 1) * model_len - pad;
            let left_pad = model_len - (hi - lo);
            let crop = bp::crop_window(&cl.leads, lo, hi - lo)?;
            let data = normalise(version, &crop, hi - lo)?;
            let mut input = Vec::with_capacity(12 * model_len);
            for lead in &data {
                input.extend(std::iter::repeat_n(0.0, left_pad));
                input.extend_from_slice(&lead[..hi - lo]);
            }
            out.push(PreparedWindow {
                start: lo,
                left_pad,
                choice: WindowChoice::Split,
                input,
            });
        }
        return Ok(out);
    }
    if n < win {
        return Err(TokenizeError::TooShort {
            what: "the preprocessing window",
            needed_s: secs(win),
            found_s: secs(n),
        });
    }
    let (start, choice) = match mode {
        WindowMode::Start(s) => {
            if s.checked_add(win).is_none_or(|e| e > n) {
                return Err(TokenizeError::WindowOutOfRange {
                    start: s,
                    len: win,
                    available: n,
                });
            }
            (s, WindowChoice::Requested)
        }
        WindowMode::Centred => (
            bp::centred_window_start(n, win),
            WindowChoice::Centred {
                reason: "requested".into(),
            },
        ),
        _ => best_window(cl, win),
    };
    let crop = bp::crop_window(&cl.leads, start, win)?;
    let data = normalise(version, &crop, model_len)?;
    let mut input = Vec::with_capacity(12 * model_len);
    for lead in &data {
        input.extend_from_slice(&lead[..model_len]);
    }
    Ok(vec![PreparedWindow {
        start,
        left_pad: 0,
        choice,
        input,
    }])
}

fn normalise(
    version: Version,
    crop: &[Vec<f32>],
    stat_len: usize,
) -> Result<Vec<Vec<f32>>, TokenizeError> {
    Ok(match version {
        Version::V3 => bp::normalize_v3(crop, stat_len)?.data,
        Version::V1 => bp::normalize_v1(crop)?.data,
    })
}

fn best_window(cl: &CleanedLeads, win: usize) -> (usize, WindowChoice) {
    let n = cl.leads.first().map_or(0, Vec::len);
    let centred = |reason: String| {
        (
            bp::centred_window_start(n, win),
            WindowChoice::Centred { reason },
        )
    };
    let peaks = match r_peaks_250(cl) {
        Ok(p) => p,
        Err(e) => return centred(e),
    };
    let Some(curve) = quality_curve(&cl.leads[cl.quality_lead], &peaks) else {
        return centred(format!(
            "{} beats detected; quality needs two complete beats",
            peaks.len()
        ));
    };
    match bp::window_start_by_quality(&curve, win) {
        Some(s) => {
            let mean_quality = curve[s..s + win].iter().sum::<f64>() / win as f64;
            (
                s,
                WindowChoice::Quality {
                    mean_quality,
                    beats: peaks.len(),
                },
            )
        }
        None => centred("quality curve unusable".into()),
    }
}

/// Tokenizes a recording with a loaded model: steps 1-5.
pub fn tokenize(
    model: &Beat,
    rec: &Recording,
    opts: &TokenizeOptions,
) -> Result<Tokenized, TokenizeError> {
    let cl = clean_leads(rec)?;
    let version = model.config().version;
    let windows = prepare_windows(&cl, version, opts.mode)?;
    let cfg = model.config();
    let mut flat = Vec::with_capacity(windows.len() * cfg.channels * cfg.seq_len);
    for w in &windows {
        flat.extend_from_slice(&w.input);
    }
    let x = Tensor::from_vec(
        flat,
        (windows.len(), cfg.channels, cfg.seq_len),
        model.device(),
    )?;
    let codes = model.forward(&x)?.codes.to_vec3::<u32>()?;
    let secs = |s: usize| s as f64 / SAMPLE_RATE_HZ;
    let windows = windows
        .into_iter()
        .zip(codes)
        .map(|(w, codes)| TokenWindow {
            start_s: secs(w.start),
            codes,
            duration_s: secs(cfg.seq_len - w.left_pad),
            left_pad_s: secs(w.left_pad),
            choice: w.choice,
        })
        .collect();
    Ok(Tokenized {
        version,
        windows,
        missing_leads: cl.missing.iter().map(|l| l.name().to_string()).collect(),
        derived_leads: cl.derived.iter().map(|l| l.name().to_string()).collect(),
        source_rate_hz: cl.source_rate_hz,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_prefers_beats_close_to_the_template() {
        // Beats every 200 samples; the one at 1000 is distorted.
        let mut x = vec![0.0f32; 2000];
        let peaks: Vec<usize> = (1..10).map(|k| k * 200).collect();
        for &r in &peaks {
            for (d, v) in x[r..r + 10].iter_mut().enumerate() {
                *v = 1.0 - d as f32 * 0.1;
            }
        }
        for v in &mut x[1000..1100] {
            *v += 2.0;
        }
        let q = quality_curve(&x, &peaks).unwrap();
        assert_eq!(q.len(), 2000);
        assert!(q[1000] < 0.01, "{}", q[1000]);
        assert!(q[400] > 0.9);
        assert!(q[1100] > q[1000] && q[1100] < q[1200]);
        assert!(quality_curve(&x, &[200]).is_none());
    }

    fn cleaned(n: usize) -> CleanedLeads {
        CleanedLeads {
            leads: (0..12)
                .map(|c| (0..n).map(|i| ((i + c) as f32 * 0.05).sin()).collect())
                .collect(),
            missing: Vec::new(),
            derived: Vec::new(),
            quality_lead: 0,
            source_rate_hz: 500.0,
            raw_500: vec![None; 12],
        }
    }

    #[test]
    fn split_windows_cover_the_record_from_the_right() {
        let w = prepare_windows(&cleaned(2500), Version::V3, WindowMode::Split).unwrap();
        assert_eq!(w.len(), 3);
        assert_eq!((w[0].start, w[0].left_pad), (0, 500));
        assert_eq!((w[1].start, w[1].left_pad), (500, 0));
        assert_eq!((w[2].start, w[2].left_pad), (1500, 0));
        assert!(w.iter().all(|w| w.input.len() == 12 * 1000));
        assert!(w[0].input[..500].iter().all(|&v| v == 0.0));
        assert!(w[0].input[500..1000].iter().any(|&v| v != 0.0));
    }

    #[test]
    fn windows_that_do_not_fit_are_errors() {
        let cl = cleaned(1400);
        assert!(matches!(
            prepare_windows(&cl, Version::V3, WindowMode::Centred),
            Err(TokenizeError::TooShort { .. })
        ));
        let cl = cleaned(2500);
        assert!(matches!(
            prepare_windows(&cl, Version::V3, WindowMode::Start(1001)),
            Err(TokenizeError::WindowOutOfRange { start: 1001, .. })
        ));
        let w = prepare_windows(&cl, Version::V1, WindowMode::Start(1750)).unwrap();
        assert_eq!(w[0].input.len(), 12 * 500);
        // No beats in a sine: the quality choice falls back to the centred crop.
        let w = prepare_windows(&cl, Version::V3, WindowMode::Best).unwrap();
        assert_eq!(w[0].start, 500);
        assert!(matches!(w[0].choice, WindowChoice::Centred { .. }));
    }

    #[test]
    fn a_recording_without_ecg_leads_is_an_error() {
        let rec = Recording::new(vec![ecg::Lead::new(
            "PLETH",
            500.0,
            ecg::Unit::Millivolt,
            ecg::Signal::from_physical(vec![0.0; 5000]),
        )]);
        assert!(matches!(clean_leads(&rec), Err(TokenizeError::NoLeads)));
        let rec = Recording::new(vec![ecg::Lead::new(
            "II",
            499.5,
            ecg::Unit::Millivolt,
            ecg::Signal::from_physical(vec![0.0; 5000]),
        )]);
        assert!(matches!(clean_leads(&rec), Err(TokenizeError::Rate { .. })));
    }
}
