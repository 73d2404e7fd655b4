//! [`OpenOptions`] (strictness, laziness, [`Limits`]) and the path-level open logic.

use std::path::Path;

use ecg::Recording;

use crate::error::{Error, ErrorKind};
use crate::source::Input;
use crate::{plausible, registry};

/// Bounds on allocations driven by untrusted header values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most samples (all leads together) a reader may decode into memory.
    pub max_samples: u64,
    /// Most leads a file may declare.
    pub max_leads: usize,
    /// Largest text/XML file read into memory, in bytes.
    pub max_text_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // 24 h x 12 leads x 1 kHz = 1.04 G samples; allow that much for lazily decoded files.
            max_samples: 2_000_000_000,
            max_leads: 4096,
            max_text_bytes: 1 << 30,
        }
    }
}

/// How to open a file.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Promote warnings to errors.
    pub strict: bool,
    /// Prefer lazy (memory-mapped) decoding where the format allows it.
    pub lazy: bool,
    /// Allocation bounds.
    pub limits: Limits,
    /// Sampling rate for formats that do not store one (CSV), in Hz.
    pub sampling_rate_hz: Option<f64>,
    /// Unit for formats that do not store one (CSV), e.g. "mV".
    pub unit: Option<String>,
}

impl OpenOptions {
    /// Default options: tolerant, eager, default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets strict mode.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Sets lazy decoding.
    pub fn lazy(mut self, lazy: bool) -> Self {
        self.lazy = lazy;
        self
    }

    /// Sets limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the sampling rate for formats that lack one.
    pub fn sampling_rate_hz(mut self, fs: Option<f64>) -> Self {
        self.sampling_rate_hz = fs;
        self
    }

    /// Sets the unit for formats that lack one.
    pub fn unit(mut self, unit: Option<String>) -> Self {
        self.unit = unit;
        self
    }

    /// Opens a file.
    pub fn open(&self, path: impl AsRef<Path>) -> Result<Recording, Error> {
        let path = path.as_ref();
        let input = Input::from_path(path).map_err(|e| e.with_path(path))?;
        self.read_input(&input)
            .map_err(|e| e.with_path(path))
            .map(|mut rec| {
                rec.source.path = Some(path.to_path_buf());
                rec
            })
    }

    /// Decodes bytes in memory.
    pub fn read(&self, bytes: &[u8], name_hint: Option<&str>) -> Result<Recording, Error> {
        let input = Input::from_bytes(bytes.to_vec(), name_hint);
        self.read_input(&input)
    }

    fn read_input(&self, input: &Input) -> Result<Recording, Error> {
        let format = registry::probe(input).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownFormat,
                None,
                Some(0),
                "not a recognised ECG file (no reader matched its content)",
            )
        })?;
        let mut rec = format.read(input, self)?;
        plausible::warn_implausible_dates_and_age(&mut rec);
        if self.strict
            && let Some(w) = rec.source.warnings.first()
        {
            return Err(Error::new(
                ErrorKind::Format,
                Some(w.field.clone()),
                w.offset,
                format!("{} (strict mode)", w.message),
            ));
        }
        Ok(rec)
    }
}
