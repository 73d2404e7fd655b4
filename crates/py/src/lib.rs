//! `heartlens._heartlens`: the native half of the `heartlens` Python package (pyo3, built by
//! maturin from `crates/py/pyproject.toml`).
//!
//! Owns the boundary between Python and the Heartlens crates: opening a file
//! ([`formats::OpenOptions`]), copying samples into Python buffers, running the analysis
//! ([`signal::summary`], the same summary `heartlens analyze --json` prints), drawing PNGs
//! ([`render`], as `heartlens render` does) and running the Beat tokenizer ([`ai::tokenize`],
//! as `heartlens tokenize` does). It does not own numpy arrays or typed wrappers: the Python half
//! (`python/heartlens/__init__.py`) turns the buffers returned here into numpy arrays with
//! `numpy.frombuffer` (no copy) and the JSON into dicts, so this crate needs no numpy crate
//! tied to a numpy or pyo3 version.
//!
//! Rules at the boundary:
//! 1. Every error becomes a Python exception whose message names the file and the problem:
//!    [`InputError`] for bad input or arguments, [`RenderError`] for the GPU, [`ModelError`]
//!    for Beat weights, all subclasses of [`HeartlensError`].
//! 2. No panic crosses into Python: work runs in [`guarded`], which turns a panic into a
//!    [`HeartlensError`] naming the file and the step.
//! 3. Decoding-free work (analysis, rendering, the model) releases the GIL, so Python threads
//!    (and Ray's) keep running.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use ecg::{LeadLabel, Recording};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict};

create_exception!(
    _heartlens,
    HeartlensError,
    PyException,
    "Base of every Heartlens error; the message names the file and the problem."
);
create_exception!(
    _heartlens,
    InputError,
    HeartlensError,
    "The file is missing, unreadable or not a valid ECG, or an argument is out of range."
);
create_exception!(
    _heartlens,
    RenderError,
    HeartlensError,
    "The GPU renderer could not start or draw (no adapter: install mesa-vulkan-drivers)."
);
create_exception!(
    _heartlens,
    ModelError,
    HeartlensError,
    "Beat weights could not be loaded or the model failed."
);

/// A failure computed without the GIL, turned into an exception once it is held again.
#[derive(Debug)]
enum Fail {
    Input(String),
    Render(String),
    Model(String),
    Internal(String),
}

impl From<Fail> for PyErr {
    fn from(f: Fail) -> PyErr {
        match f {
            Fail::Input(m) => InputError::new_err(m),
            Fail::Render(m) => RenderError::new_err(m),
            Fail::Model(m) => ModelError::new_err(m),
            Fail::Internal(m) => HeartlensError::new_err(m),
        }
    }
}

/// Runs `f`, turning a panic into [`Fail::Internal`] naming `what` (rule 2 of the module doc).
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, Fail>) -> Result<T, Fail> {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(Fail::Internal(format!(
                "{what}: internal error in Heartlens (please report it): {msg}"
            )))
        }
    }
}

/// Opens an ECG file (any supported format, recognised from the content).
#[pyfunction]
#[pyo3(signature = (path, *, sampling_rate_hz=None, unit=None, strict=false))]
fn open(
    py: Python<'_>,
    path: PathBuf,
    sampling_rate_hz: Option<f64>,
    unit: Option<String>,
    strict: bool,
) -> PyResult<NativeRecording> {
    let what = path.display().to_string();
    let rec = py.detach(|| {
        guarded(&what, || {
            formats::OpenOptions::new()
                .strict(strict)
                .sampling_rate_hz(sampling_rate_hz)
                .unit(unit)
                .open(&path)
                // formats' errors already read "file: field at offset N: problem".
                .map_err(|e| Fail::Input(e.to_string()))
        })
    })?;
    Ok(NativeRecording { rec, path })
}

/// An opened recording (the Python `heartlens.Recording` wraps it).
#[pyclass(frozen, module = "heartlens._heartlens")]
struct NativeRecording {
    rec: Recording,
    path: PathBuf,
}

/// Size of the blocks samples are read in (bounded scratch memory per lead).
const BLOCK: usize = 1 << 16;

impl NativeRecording {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn input(&self, problem: impl std::fmt::Display) -> Fail {
        Fail::Input(format!("{}: {problem}", self.name()))
    }

    /// Index of a lead given by position or name.
    fn lead_index(&self, lead: &Bound<'_, PyAny>) -> PyResult<usize> {
        if let Ok(i) = lead.extract::<usize>() {
            if i < self.rec.leads.len() {
                return Ok(i);
            }
            return Err(self
                .input(format!(
                    "lead {i}: the recording has {} leads",
                    self.rec.leads.len()
                ))
                .into());
        }
        let name: String = lead.extract()?;
        let label = LeadLabel::parse(&name);
        self.rec
            .leads
            .iter()
            .position(|l| l.label == label || l.original_label == name)
            .ok_or_else(|| {
                self.input(format!(
                    "lead {name}: not in the recording (leads: {})",
                    self.rec
                        .leads
                        .iter()
                        .map(|l| l.label.name().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .into()
            })
    }

    /// Factor from a lead's unit to mV (`unit == "mV"`), or 1 for the stored values
    /// (`unit == "stored"`, and channels whose unit is not a voltage: blood pressure in mmHg,
    /// heart rate in bpm; their `units` entry says so, as `heartlens info` does).
    fn mv_factor(&self, i: usize, unit: &str) -> Result<f64, Fail> {
        let lead = &self.rec.leads[i];
        match unit {
            "stored" => Ok(1.0),
            "mV" => Ok(lead.unit.to_uv_factor().map_or(1.0, |f| f / 1000.0)),
            other => Err(Fail::Input(format!(
                "unit {other:?}: expected \"mV\" or \"stored\""
            ))),
        }
    }

    /// Leads x samples when every lead has the same rate and length.
    fn shape(&self) -> Result<(usize, usize), Fail> {
        let Some(first) = self.rec.leads.first() else {
            return Ok((0, 0));
        };
        for l in &self.rec.leads {
            if l.n_samples() != first.n_samples() || l.sampling_rate_hz != first.sampling_rate_hz {
                return Err(self.input(format!(
                    "leads differ in rate or length ({} at {} Hz, {} samples; {} at {} Hz, {} samples): read them one by one with lead_signal()",
                    first.label.name(),
                    first.sampling_rate_hz,
                    first.n_samples(),
                    l.label.name(),
                    l.sampling_rate_hz,
                    l.n_samples()
                )));
            }
        }
        Ok((self.rec.leads.len(), first.n_samples()))
    }

    /// Writes lead `i` (scaled by `factor`) into `out` as native-endian f32 or f64. f64 values of
    /// calibrated leads come from the ADC integers, `(digital - baseline) / gain`, as wfdb-python
    /// computes them; f32 values are the decoded samples.
    fn fill_lead(&self, i: usize, factor: f64, f64_out: bool, out: &mut [u8]) -> Result<(), Fail> {
        let signal = &self.rec.leads[i].signal;
        let n = signal.len();
        let size = if f64_out { 8 } else { 4 };
        let calibration = signal.calibration().filter(|_| f64_out);
        let mut phys = vec![0f32; BLOCK.min(n)];
        let mut digital = vec![
            0i32;
            if calibration.is_some() {
                BLOCK.min(n)
            } else {
                0
            }
        ];
        let sample_err = |e: ecg::SampleError| {
            self.input(format!("lead {}: {e}", self.rec.leads[i].label.name()))
        };
        let mut start = 0;
        while start < n {
            let len = BLOCK.min(n - start);
            let dst = &mut out[start * size..(start + len) * size];
            let exact = match calibration {
                Some(cal) => {
                    let d = &mut digital[..len];
                    if signal.read_digital(start, d).map_err(sample_err)? {
                        for (chunk, v) in dst.chunks_exact_mut(8).zip(d.iter()) {
                            chunk.copy_from_slice(&(cal.to_physical(*v) * factor).to_ne_bytes());
                        }
                        true
                    } else {
                        false
                    }
                }
                None => false,
            };
            if !exact {
                let p = &mut phys[..len];
                signal.read(start, p).map_err(sample_err)?;
                if f64_out {
                    for (chunk, v) in dst.chunks_exact_mut(8).zip(p.iter()) {
                        chunk.copy_from_slice(&(f64::from(*v) * factor).to_ne_bytes());
                    }
                } else {
                    // mV leads keep their exact f32 values (factor 1).
                    let f = factor as f32;
                    for (chunk, v) in dst.chunks_exact_mut(4).zip(p.iter()) {
                        chunk.copy_from_slice(&(*v * f).to_ne_bytes());
                    }
                }
            }
            start += len;
        }
        Ok(())
    }

    fn digital_lead(&self, i: usize, out: &mut [u8]) -> Result<bool, Fail> {
        let signal = &self.rec.leads[i].signal;
        let n = signal.len();
        let mut block = vec![0i32; BLOCK.min(n)];
        let mut start = 0;
        while start < n {
            let len = BLOCK.min(n - start);
            let d = &mut block[..len];
            let ok = signal
                .read_digital(start, d)
                .map_err(|e| self.input(format!("lead {}: {e}", self.rec.leads[i].label.name())))?;
            if !ok {
                return Ok(false);
            }
            for (chunk, v) in out[start * 4..(start + len) * 4]
                .chunks_exact_mut(4)
                .zip(d.iter())
            {
                chunk.copy_from_slice(&v.to_ne_bytes());
            }
            start += len;
        }
        Ok(true)
    }
}

fn bytes_len(rows: usize, cols: usize, size: usize) -> Result<usize, Fail> {
    rows.checked_mul(cols)
        .and_then(|n| n.checked_mul(size))
        .ok_or_else(|| Fail::Input(format!("{rows} x {cols} samples do not fit in memory")))
}

/// A Python float or `None`.
fn opt_f64(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

#[pymethods]
impl NativeRecording {
    /// The path the recording was opened from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// The format's name ("WFDB", "EDF+", ...).
    #[getter]
    fn format(&self) -> String {
        self.rec.source.format.clone()
    }

    /// Lead names, normalised (I, II, ..., V6, or the file's name when not standard).
    #[getter]
    fn leads(&self) -> Vec<String> {
        self.rec
            .leads
            .iter()
            .map(|l| l.label.name().to_string())
            .collect()
    }

    /// Lead names as written in the file.
    #[getter]
    fn original_labels(&self) -> Vec<String> {
        self.rec
            .leads
            .iter()
            .map(|l| l.original_label.clone())
            .collect()
    }

    /// Whether each lead was derived (III, aVR, aVL, aVF from I and II) rather than stored.
    #[getter]
    fn derived(&self) -> Vec<bool> {
        self.rec.leads.iter().map(|l| l.derived).collect()
    }

    /// Each lead's stored unit ("mV", "uV", ...).
    #[getter]
    fn units(&self) -> Vec<String> {
        self.rec
            .leads
            .iter()
            .map(|l| l.unit.symbol().to_string())
            .collect()
    }

    /// Each lead's sampling rate in Hz.
    #[getter]
    fn sampling_rates_hz(&self) -> Vec<f64> {
        self.rec.leads.iter().map(|l| l.sampling_rate_hz).collect()
    }

    /// Each lead's number of samples.
    #[getter]
    fn lead_samples(&self) -> Vec<usize> {
        self.rec.leads.iter().map(|l| l.n_samples()).collect()
    }

    /// Duration in seconds (the longest lead).
    #[getter]
    fn duration_s(&self) -> f64 {
        self.rec.duration_s()
    }

    /// Acquisition start as ISO 8601 text, when the file states it.
    #[getter]
    fn start_time(&self) -> Option<String> {
        self.rec.acquisition.start_time.map(|t| t.to_iso8601())
    }

    /// Warnings raised while reading (tolerated non-compliance), one line each.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.rec
            .source
            .warnings
            .iter()
            .map(|w| match w.offset {
                Some(o) => format!("{} at offset {o}: {}", w.field, w.message),
                None => format!("{}: {}", w.field, w.message),
            })
            .collect()
    }

    /// Patient facts as a dict (values `None` when not stated).
    fn patient<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = &self.rec.patient;
        let d = PyDict::new(py);
        d.set_item("id", p.id.clone())?;
        d.set_item("name", p.display_name())?;
        d.set_item("first_name", p.first_name.clone())?;
        d.set_item("last_name", p.last_name.clone())?;
        d.set_item("birth_date", p.birth_date.map(|b| b.to_string()))?;
        d.set_item("age_years", opt_f64(p.age_years))?;
        let sex = match p.sex {
            ecg::Sex::Male => Some("male"),
            ecg::Sex::Female => Some("female"),
            _ => None,
        };
        d.set_item("sex", sex)?;
        d.set_item("height_cm", opt_f64(p.height_cm))?;
        d.set_item("weight_kg", opt_f64(p.weight_kg))?;
        Ok(d)
    }

    /// Device and acquisition facts as a dict.
    fn acquisition<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let a = &self.rec.acquisition;
        let d = PyDict::new(py);
        d.set_item("start_time", a.start_time.map(|t| t.to_iso8601()))?;
        d.set_item("manufacturer", a.device.manufacturer.clone())?;
        d.set_item("model", a.device.model.clone())?;
        d.set_item("software", a.device.software.clone())?;
        d.set_item("institution", a.device.institution.clone())?;
        d.set_item("highpass_hz", opt_f64(a.filter_band.highpass_hz))?;
        d.set_item("lowpass_hz", opt_f64(a.filter_band.lowpass_hz))?;
        d.set_item("notch_hz", opt_f64(a.filter_band.notch_hz))?;
        d.set_item("comments", a.comments.clone())?;
        Ok(d)
    }

    /// All leads as one native-endian buffer of `rows x cols` f32 (`dtype="float32"`) or f64
    /// values, in mV (`unit="mV"`) or as stored (`unit="stored"`); returns
    /// `(buffer, rows, cols)`. Fails when leads differ in rate or length.
    #[pyo3(signature = (dtype="float32", unit="mV"))]
    fn signals_buffer<'py>(
        &self,
        py: Python<'py>,
        dtype: &str,
        unit: &str,
    ) -> PyResult<(Bound<'py, PyByteArray>, usize, usize)> {
        let f64_out = dtype_is_f64(dtype)?;
        let size = if f64_out { 8 } else { 4 };
        let (rows, cols) = self.shape()?;
        let factors = (0..rows)
            .map(|i| self.mv_factor(i, unit))
            .collect::<Result<Vec<f64>, Fail>>()?;
        let total = bytes_len(rows, cols, size)?;
        let mut failure = None;
        let buf = PyByteArray::new_with(py, total, |out| {
            let filled = guarded(&self.name(), || {
                for (i, f) in factors.iter().enumerate() {
                    let lead_bytes = cols * size;
                    self.fill_lead(
                        i,
                        *f,
                        f64_out,
                        &mut out[i * lead_bytes..(i + 1) * lead_bytes],
                    )?;
                }
                Ok(())
            });
            failure = filled.err();
            Ok(())
        })?;
        match failure {
            Some(f) => Err(f.into()),
            None => Ok((buf, rows, cols)),
        }
    }

    /// One lead (index or name) as a native-endian f32/f64 buffer, in mV or as stored.
    #[pyo3(signature = (lead, dtype="float32", unit="mV"))]
    fn lead_buffer<'py>(
        &self,
        py: Python<'py>,
        lead: &Bound<'py, PyAny>,
        dtype: &str,
        unit: &str,
    ) -> PyResult<Bound<'py, PyByteArray>> {
        let f64_out = dtype_is_f64(dtype)?;
        let size = if f64_out { 8 } else { 4 };
        let i = self.lead_index(lead)?;
        let factor = self.mv_factor(i, unit)?;
        let total = bytes_len(1, self.rec.leads[i].n_samples(), size)?;
        let mut failure = None;
        let buf = PyByteArray::new_with(py, total, |out| {
            failure = guarded(&self.name(), || self.fill_lead(i, factor, f64_out, out)).err();
            Ok(())
        })?;
        match failure {
            Some(f) => Err(f.into()),
            None => Ok(buf),
        }
    }

    /// The ADC integers of all leads (`rows x cols` native-endian int32) with each lead's
    /// `(gain, baseline)`, or `None` when a lead has no digital values (decoded-only formats,
    /// derived leads).
    #[allow(clippy::type_complexity)]
    fn digital_buffer<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<(Bound<'py, PyByteArray>, usize, usize, Vec<(f64, f64)>)>> {
        let (rows, cols) = self.shape()?;
        let mut cal = Vec::with_capacity(rows);
        for l in &self.rec.leads {
            match l.signal.calibration() {
                Some(c) => cal.push((c.gain, c.baseline)),
                None => return Ok(None),
            }
        }
        let total = bytes_len(rows, cols, 4)?;
        let mut result: Result<bool, Fail> = Ok(true);
        let buf = PyByteArray::new_with(py, total, |out| {
            result = guarded(&self.name(), || {
                for i in 0..rows {
                    if !self.digital_lead(i, &mut out[i * cols * 4..(i + 1) * cols * 4])? {
                        return Ok(false);
                    }
                }
                Ok(true)
            });
            Ok(())
        })?;
        match result {
            Ok(true) => Ok(Some((buf, rows, cols, cal))),
            Ok(false) => Ok(None),
            Err(f) => Err(f.into()),
        }
    }

    /// The analysis as the JSON text `heartlens analyze --json` prints (same options, same
    /// defaults; [`signal::summary`]).
    #[pyo3(signature = (filter="diagnostic", mains_hz=50.0, holter_min_s=600.0, pause_s=2.0, chunk_s=300.0))]
    fn analyze_json(
        &self,
        py: Python<'_>,
        filter: &str,
        mains_hz: f64,
        holter_min_s: f64,
        pause_s: f64,
        chunk_s: f64,
    ) -> PyResult<String> {
        let chain = match filter {
            "diagnostic" => signal::FilterChain::diagnostic(),
            "monitoring" => signal::FilterChain::monitoring(),
            other => {
                return Err(InputError::new_err(format!(
                    "filter {other:?}: expected \"diagnostic\" or \"monitoring\""
                )));
            }
        };
        let opts = signal::summary::SummaryOptions {
            analysis: signal::AnalysisOptions {
                filter: chain,
                mains_hz,
                ..Default::default()
            },
            holter_min_s,
            holter: signal::holter::HolterOptions {
                pause_s,
                chunk_s,
                ..Default::default()
            },
        };
        let name = self.name();
        let json = py.detach(|| {
            guarded(&name, || {
                let (_, summary) =
                    signal::summary::summarize(&self.rec, &opts, &|_| {}, &AtomicBool::new(false))
                        .map_err(|e| self.input(format!("analysis failed: {e}")))?;
                serde_json::to_string(&summary)
                    .map_err(|e| Fail::Internal(format!("{name}: analysis JSON: {e}")))
            })
        })?;
        Ok(json)
    }

    /// The recording drawn on calibrated paper as PNG bytes, with `heartlens render`'s
    /// options and defaults.
    #[pyo3(signature = (layout="3x4+1", rhythm=None, width=1600, height=900, dpi=96.0,
        speed=25.0, gain=10.0, cabrera=false, start_s=0.0, filter="off", marks="none",
        minor_grid=true, annotations=true, minutes_per_row=5.0, rows=None))]
    #[allow(clippy::too_many_arguments)]
    fn render_png<'py>(
        &self,
        py: Python<'py>,
        layout: &str,
        rhythm: Option<Vec<String>>,
        width: u32,
        height: u32,
        dpi: f64,
        speed: f64,
        gain: f64,
        cabrera: bool,
        start_s: f64,
        filter: &str,
        marks: &str,
        minor_grid: bool,
        annotations: bool,
        minutes_per_row: f64,
        rows: Option<u32>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let args = RenderArgs {
            layout,
            rhythm,
            width,
            height,
            dpi,
            speed,
            gain,
            cabrera,
            start_s,
            filter,
            marks,
            minor_grid,
            annotations,
            minutes_per_row,
            rows,
        };
        let png = py.detach(|| guarded(&self.name(), || self.render(&args)))?;
        Ok(PyBytes::new(py, &png))
    }
}

fn dtype_is_f64(dtype: &str) -> PyResult<bool> {
    match dtype {
        "float32" | "f4" => Ok(false),
        "float64" | "f8" => Ok(true),
        other => Err(InputError::new_err(format!(
            "dtype {other:?}: expected \"float32\" or \"float64\""
        ))),
    }
}

/// `render_png`'s arguments (those of `heartlens render`).
struct RenderArgs<'a> {
    layout: &'a str,
    rhythm: Option<Vec<String>>,
    width: u32,
    height: u32,
    dpi: f64,
    speed: f64,
    gain: f64,
    cabrera: bool,
    start_s: f64,
    filter: &'a str,
    marks: &'a str,
    minor_grid: bool,
    annotations: bool,
    minutes_per_row: f64,
    rows: Option<u32>,
}

/// One renderer per process: creating the device (lavapipe's especially) costs far more than a
/// frame, and a batch worker renders many files.
static RENDERER: Mutex<Option<render::Renderer>> = Mutex::new(None);

impl NativeRecording {
    fn render(&self, args: &RenderArgs<'_>) -> Result<Vec<u8>, Fail> {
        use render::{Gain, Layout, LeadOrder, PaperSpeed, Scene, Viewport};
        let speed = PaperSpeed::from_mm_per_s(args.speed).ok_or_else(|| {
            Fail::Input(format!(
                "speed {}: expected 12.5, 25 or 50 mm/s",
                args.speed
            ))
        })?;
        let gain = Gain::from_mm_per_mv(args.gain).ok_or_else(|| {
            Fail::Input(format!("gain {}: expected 5, 10 or 20 mm/mV", args.gain))
        })?;
        if !(args.dpi.is_finite() && (10.0..=5000.0).contains(&args.dpi)) {
            return Err(Fail::Input(format!("dpi {}: expected 10..=5000", args.dpi)));
        }
        let mut layout: Layout = args
            .layout
            .parse()
            .map_err(|e: render::Error| Fail::Input(e.to_string()))?;
        let leads: Option<Vec<LeadLabel>> = args
            .rhythm
            .as_ref()
            .map(|v| v.iter().map(|s| LeadLabel::parse(s)).collect());
        if !layout.with_options(leads, args.rows, args.minutes_per_row) {
            return Err(Fail::Input(format!(
                "rhythm does not apply to layout {}",
                args.layout
            )));
        }
        let filter: reading::display::DisplayFilter = args
            .filter
            .parse()
            .map_err(|e| Fail::Input(format!("filter {:?}: {e}", args.filter)))?;
        let marks: render::Marks = args
            .marks
            .parse()
            .map_err(|e| Fail::Input(format!("marks {:?}: {e}", args.marks)))?;
        let rec = reading::display::filtered(&self.rec, filter).map_err(|e| self.input(e))?;
        if args.rhythm.is_none() {
            layout.show_a_present_lead(&rec);
        }
        let analysis = match marks {
            render::Marks::Analysis => {
                Some(reading::analysis::compute(&rec).map_err(|e| self.input(e))?)
            }
            _ => None,
        };
        let mut scene = Scene::new(&rec)
            .with_dpi(args.dpi)
            .with_marks(marks, analysis.as_ref());
        scene.layout = layout;
        scene.speed = speed;
        scene.gain = gain;
        scene.order = if args.cabrera {
            LeadOrder::Cabrera
        } else {
            LeadOrder::Standard
        };
        scene.start_s = args.start_s;
        scene.center_traces = true;
        scene.grid.minor = args.minor_grid;
        if !args.annotations {
            scene.annotations.clear();
        }
        let file_name = self.path.file_name().map(|f| f.to_string_lossy());
        scene.header = Some(reading::display::paper_header(
            &rec,
            file_name.as_deref(),
            args.start_s,
            filter,
        ));
        // A poisoned lock only means an earlier render panicked; the renderer is rebuilt.
        let mut slot = RENDERER.lock().unwrap_or_else(|p| {
            let mut g = p.into_inner();
            *g = None;
            g
        });
        if slot.is_none() {
            *slot = Some(render::Renderer::new().map_err(|e| {
                Fail::Render(format!(
                    "{}: starting the GPU renderer: {e} (without a GPU, install mesa-vulkan-drivers and set WGPU_BACKEND=vulkan)",
                    self.name()
                ))
            })?);
        }
        let renderer = slot.as_mut().ok_or_else(|| {
            Fail::Internal("renderer missing right after it was created".to_string())
        })?;
        let frame = renderer
            .render(&scene, Viewport::new(args.width, args.height))
            .map_err(|e| match e {
                render::Error::Scene { .. }
                | render::Error::Layout { .. }
                | render::Error::Viewport { .. } => self.input(e),
                other => Fail::Render(format!("{}: {other}", self.name())),
            })?;
        let mut png = Vec::new();
        frame
            .write_png(&mut png, Some(scene.px_per_mm))
            .map_err(|e| Fail::Render(format!("{}: encoding PNG: {e}", self.name())))?;
        Ok(png)
    }
}

/// Beat tokenizer weights loaded once (the Python `heartlens.BeatModel` wraps it).
#[pyclass(frozen, module = "heartlens._heartlens")]
struct NativeBeat {
    model: ai::models::beat::Beat,
}

#[pymethods]
impl NativeBeat {
    /// Loads Beat weights (`.safetensors` or PyTorch `.pth`, later files' tensors win) for
    /// configuration `v3` or `v1`.
    #[new]
    #[pyo3(signature = (weights, config="v3"))]
    fn new(py: Python<'_>, weights: Vec<PathBuf>, config: &str) -> PyResult<Self> {
        use ai::models::beat::{Beat, Config, Version};
        let version = Version::parse(config).ok_or_else(|| {
            InputError::new_err(format!("config {config:?}: expected \"v3\" or \"v1\""))
        })?;
        let names = weights
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let model = py.detach(|| {
            guarded(&names, || {
                Beat::load(
                    &Config::for_version(version),
                    &weights,
                    &candle::Device::Cpu,
                )
                .map_err(|e| {
                    Fail::Model(format!(
                        "loading Beat {} weights from {names}: {e}",
                        version.name()
                    ))
                })
            })
        })?;
        Ok(Self { model })
    }

    /// The Beat codes of a recording as the JSON `heartlens tokenize --json` prints.
    #[pyo3(signature = (recording, windows="split"))]
    fn tokenize_json(
        &self,
        py: Python<'_>,
        recording: &NativeRecording,
        windows: &str,
    ) -> PyResult<String> {
        use ai::tokenize::{TokenizeError, TokenizeOptions, WindowMode};
        let mode = match windows {
            "split" => WindowMode::Split,
            "best" => WindowMode::Best,
            "centred" | "centered" => WindowMode::Centred,
            other => {
                return Err(InputError::new_err(format!(
                    "windows {other:?}: expected \"split\", \"best\" or \"centred\""
                )));
            }
        };
        let name = recording.name();
        let json = py.detach(|| {
            guarded(&name, || {
                let t =
                    ai::tokenize::tokenize(&self.model, &recording.rec, &TokenizeOptions { mode })
                        .map_err(|e| match e {
                            e @ TokenizeError::Model(_) => Fail::Model(format!("{name}: {e}")),
                            e => recording.input(e),
                        })?;
                serde_json::to_string(&t.json())
                    .map_err(|e| Fail::Internal(format!("{name}: tokens JSON: {e}")))
            })
        })?;
        Ok(json)
    }
}

/// The signal crate's analysis version (changes whenever analysis output may change).
fn analysis_version() -> &'static str {
    signal::ANALYSIS_VERSION
}

#[pymodule]
fn _heartlens(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_function(wrap_pyfunction!(open, m)?)?;
    m.add_class::<NativeRecording>()?;
    m.add_class::<NativeBeat>()?;
    m.add("HeartlensError", py.get_type::<HeartlensError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("RenderError", py.get_type::<RenderError>())?;
    m.add("ModelError", py.get_type::<ModelError>())?;
    m.add("ANALYSIS_VERSION", analysis_version())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
