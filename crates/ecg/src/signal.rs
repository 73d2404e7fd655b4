//! Sample storage for one lead: [`Signal`] and the [`SampleSource`] trait behind it.
//!
//! A signal never promises that its samples are in memory. Readers hand over whatever is
//! cheapest for them: a decoded `Vec` ([`PhysicalSource`]), raw ADC values with their
//! calibration ([`DigitalSource`], which keeps the exact digital values for sample-exact
//! comparisons and writers), a memory-mapped file decoded on demand (formats' own sources),
//! or a lazy [`LinearCombination`] of other leads (derived III, aVR, aVL, aVF). Consumers read
//! ranges with [`Signal::read`]; nothing is copied twice.
//!
//! Physical values are `f32` in the lead's [`Unit`]. An `f32` holds every 24-bit ADC value
//! exactly; the digital path ([`Signal::read_digital`]) is there for exactness beyond that.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Physical unit of a lead's samples.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Unit {
    /// Microvolts (µV).
    Microvolt,
    /// Millivolts (mV).
    Millivolt,
    /// Volts (V).
    Volt,
    /// Nanovolts (nV).
    Nanovolt,
    /// No unit was stated (counts) or the unit is not a voltage; the original text is kept.
    Other(String),
}

impl Unit {
    /// Parses a unit string as found in files (`mV`, `mv`, `uV`, `µV`, `V`, `nV`...).
    pub fn parse(text: &str) -> Unit {
        let t = text.trim();
        match t {
            "uV" | "µV" | "μV" | "uv" | "microvolt" | "microvolts" | "MICROVOLTS" => {
                Unit::Microvolt
            }
            "mV" | "mv" | "MV" | "millivolt" | "millivolts" => Unit::Millivolt,
            "V" | "v" | "volt" | "volts" => Unit::Volt,
            "nV" | "nv" | "nanovolt" | "nanovolts" => Unit::Nanovolt,
            other => Unit::Other(other.to_string()),
        }
    }

    /// The factor that converts a value in this unit to microvolts, or `None` when the unit
    /// is not a voltage.
    pub fn to_uv_factor(&self) -> Option<f64> {
        match self {
            Unit::Microvolt => Some(1.0),
            Unit::Millivolt => Some(1_000.0),
            Unit::Volt => Some(1_000_000.0),
            Unit::Nanovolt => Some(0.001),
            Unit::Other(_) => None,
        }
    }

    /// The conventional symbol (`uV`, `mV`, `V`, `nV`) or the original text.
    pub fn symbol(&self) -> &str {
        match self {
            Unit::Microvolt => "uV",
            Unit::Millivolt => "mV",
            Unit::Volt => "V",
            Unit::Nanovolt => "nV",
            Unit::Other(s) => s,
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// How stored integers map to physical values: `physical = (digital - baseline) / gain`.
///
/// This is the WFDB convention (`gain` in ADC units per physical unit); EDF, SCP and DICOM
/// calibrations are converted to it by their readers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// ADC units per physical unit (e.g. 200 adu/mV).
    pub gain: f64,
    /// Digital value that corresponds to 0 physical units.
    pub baseline: f64,
    /// ADC resolution in bits, when the file states it.
    pub resolution_bits: Option<u32>,
}

impl Calibration {
    /// Converts one digital value to physical units.
    pub fn to_physical(&self, digital: i32) -> f64 {
        (f64::from(digital) - self.baseline) / self.gain
    }
}

/// An error while reading samples from a source (e.g. a memory-mapped file that turned out
/// shorter than its header said, or a range past the end).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SampleError {
    /// The requested range does not lie inside the signal.
    #[error("sample range {start}..{end} is outside the signal of {len} samples")]
    OutOfRange {
        /// First requested sample.
        start: usize,
        /// One past the last requested sample.
        end: usize,
        /// Number of samples in the signal.
        len: usize,
    },
    /// The underlying data could not be decoded.
    #[error("cannot decode samples: {0}")]
    Decode(String),
}

/// Anything that can produce a lead's samples on demand.
///
/// Implementations must be cheap to share (`Arc`) and safe to read from several threads.
pub trait SampleSource: Send + Sync + fmt::Debug {
    /// Number of samples.
    fn len(&self) -> usize;

    /// Whether the source holds no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes physical values of samples `start..start + out.len()` into `out`.
    /// Missing samples (gaps, WFDB invalid values) are `f32::NAN`.
    fn read(&self, start: usize, out: &mut [f32]) -> Result<(), SampleError>;

    /// Writes the stored digital values of `start..start + out.len()` into `out`, if this
    /// source has digital values. Returns `Ok(false)` when it has none.
    fn read_digital(&self, _start: usize, _out: &mut [i32]) -> Result<bool, SampleError> {
        Ok(false)
    }

    /// The calibration that maps this source's digital values to physical ones, if any.
    fn calibration(&self) -> Option<Calibration> {
        None
    }

    /// Hint that samples `start..start + n` will not be read again soon: a source decoded
    /// from a memory-mapped file drops their pages from the process's resident memory (they
    /// are read from the file again if they are needed after all). Streaming analyses call it
    /// on the parts they have finished with, so resident memory does not grow with the length
    /// of the recording. Out-of-range parts are ignored. The default does nothing.
    fn release(&self, _start: usize, _n: usize) {}
}

/// Checks that `start..start+n` lies inside `len` samples (without overflowing): the bounds
/// check every [`SampleSource`] makes before reading.
pub fn check_range(start: usize, n: usize, len: usize) -> Result<(), SampleError> {
    match start.checked_add(n) {
        Some(end) if end <= len => Ok(()),
        _ => Err(SampleError::OutOfRange {
            start,
            end: start.saturating_add(n),
            len,
        }),
    }
}

/// Decoded physical values held in memory.
#[derive(Debug, Clone)]
pub struct PhysicalSource {
    values: Arc<[f32]>,
}

impl PhysicalSource {
    /// Wraps decoded physical values.
    pub fn new(values: impl Into<Arc<[f32]>>) -> Self {
        Self {
            values: values.into(),
        }
    }
}

impl SampleSource for PhysicalSource {
    fn len(&self) -> usize {
        self.values.len()
    }

    fn read(&self, start: usize, out: &mut [f32]) -> Result<(), SampleError> {
        check_range(start, out.len(), self.values.len())?;
        let end = start + out.len();
        out.copy_from_slice(&self.values[start..end]);
        Ok(())
    }
}

/// Stored digital (ADC) values with their calibration. `invalid` marks the value a format
/// uses for "no sample" (WFDB: -32768 for format 16), which reads back as NaN.
#[derive(Debug, Clone)]
pub struct DigitalSource {
    values: Arc<[i32]>,
    calibration: Calibration,
    invalid: Option<i32>,
}

impl DigitalSource {
    /// Wraps digital values; `invalid` is the sentinel for a missing sample, if the format has one.
    pub fn new(
        values: impl Into<Arc<[i32]>>,
        calibration: Calibration,
        invalid: Option<i32>,
    ) -> Self {
        Self {
            values: values.into(),
            calibration,
            invalid,
        }
    }
}

impl SampleSource for DigitalSource {
    fn len(&self) -> usize {
        self.values.len()
    }

    fn read(&self, start: usize, out: &mut [f32]) -> Result<(), SampleError> {
        check_range(start, out.len(), self.values.len())?;
        let cal = self.calibration;
        let end = start + out.len();
        for (o, &d) in out.iter_mut().zip(&self.values[start..end]) {
            *o = if Some(d) == self.invalid {
                f32::NAN
            } else {
                cal.to_physical(d) as f32
            };
        }
        Ok(())
    }

    fn read_digital(&self, start: usize, out: &mut [i32]) -> Result<bool, SampleError> {
        check_range(start, out.len(), self.values.len())?;
        let end = start + out.len();
        out.copy_from_slice(&self.values[start..end]);
        Ok(true)
    }

    fn calibration(&self) -> Option<Calibration> {
        Some(self.calibration)
    }
}

/// A lead computed lazily from others: `sum(coefficient_k * term_k)`, sample by sample.
/// All terms must have the same length (checked on construction).
#[derive(Debug, Clone)]
pub struct LinearCombination {
    terms: Vec<(f32, Signal)>,
    len: usize,
}

impl LinearCombination {
    /// Builds the combination; returns `None` if `terms` is empty or lengths differ.
    pub fn new(terms: Vec<(f32, Signal)>) -> Option<Self> {
        let len = terms.first()?.1.len();
        if terms.iter().any(|(_, s)| s.len() != len) {
            return None;
        }
        Some(Self { terms, len })
    }
}

impl SampleSource for LinearCombination {
    fn len(&self) -> usize {
        self.len
    }

    fn read(&self, start: usize, out: &mut [f32]) -> Result<(), SampleError> {
        check_range(start, out.len(), self.len)?;
        out.fill(0.0);
        let mut buf = vec![0.0f32; out.len()];
        for (coef, sig) in &self.terms {
            sig.read(start, &mut buf)?;
            for (o, v) in out.iter_mut().zip(&buf) {
                *o += coef * v;
            }
        }
        Ok(())
    }

    fn release(&self, start: usize, n: usize) {
        for (_, sig) in &self.terms {
            sig.release(start, n);
        }
    }
}

/// One lead's samples, shared cheaply (`Clone` is an `Arc` clone).
#[derive(Clone)]
pub struct Signal {
    source: Arc<dyn SampleSource>,
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").field("len", &self.len()).finish()
    }
}

impl Signal {
    /// A signal over any source.
    pub fn new(source: Arc<dyn SampleSource>) -> Self {
        Self { source }
    }

    /// A signal over decoded physical values.
    pub fn from_physical(values: impl Into<Arc<[f32]>>) -> Self {
        Self::new(Arc::new(PhysicalSource::new(values)))
    }

    /// A signal over digital values and their calibration.
    pub fn from_digital(
        values: impl Into<Arc<[i32]>>,
        calibration: Calibration,
        invalid: Option<i32>,
    ) -> Self {
        Self::new(Arc::new(DigitalSource::new(values, calibration, invalid)))
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.source.len()
    }

    /// Whether the signal has no samples.
    pub fn is_empty(&self) -> bool {
        self.source.is_empty()
    }

    /// Reads physical values of `start..start + out.len()`.
    pub fn read(&self, start: usize, out: &mut [f32]) -> Result<(), SampleError> {
        self.source.read(start, out)
    }

    /// Reads digital values if the source keeps them (`Ok(false)` otherwise).
    pub fn read_digital(&self, start: usize, out: &mut [i32]) -> Result<bool, SampleError> {
        self.source.read_digital(start, out)
    }

    /// The calibration behind [`Signal::read_digital`], if any.
    pub fn calibration(&self) -> Option<Calibration> {
        self.source.calibration()
    }

    /// Hint that `start..start + n` will not be read again soon ([`SampleSource::release`]).
    pub fn release(&self, start: usize, n: usize) {
        self.source.release(start, n);
    }

    /// Reads `start..start+n` into a new vector (clamped to the signal's end).
    pub fn read_range(&self, start: usize, n: usize) -> Result<Vec<f32>, SampleError> {
        let n = n.min(self.len().saturating_sub(start));
        let mut out = vec![0.0; n];
        self.read(start, &mut out)?;
        Ok(out)
    }

    /// All samples as a vector. For long lazily-decoded recordings prefer [`Signal::read`]
    /// over chunks.
    pub fn to_vec(&self) -> Result<Vec<f32>, SampleError> {
        self.read_range(0, self.len())
    }

    /// The underlying source.
    pub fn source(&self) -> &Arc<dyn SampleSource> {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digital_source_applies_wfdb_calibration_and_invalid_sentinel() {
        let cal = Calibration {
            gain: 200.0,
            baseline: 1024.0,
            resolution_bits: Some(11),
        };
        let s = Signal::from_digital(vec![995, 1011, -32768], cal, Some(-32768));
        let v = s.to_vec().unwrap();
        assert!((v[0] - (-0.145)).abs() < 1e-6);
        assert!((v[1] - (-0.065)).abs() < 1e-6);
        assert!(v[2].is_nan());
        let mut d = [0; 2];
        assert!(s.read_digital(0, &mut d).unwrap());
        assert_eq!(d, [995, 1011]);
    }

    #[test]
    fn reading_past_the_end_is_an_error_not_a_panic() {
        let s = Signal::from_physical(vec![1.0, 2.0]);
        let mut out = [0.0; 3];
        assert!(matches!(
            s.read(0, &mut out),
            Err(SampleError::OutOfRange { .. })
        ));
        assert!(matches!(
            s.read(usize::MAX, &mut out),
            Err(SampleError::OutOfRange { .. })
        ));
        assert_eq!(s.read_range(1, 10).unwrap(), vec![2.0]);
    }

    #[test]
    fn unit_parsing_accepts_common_spellings() {
        assert_eq!(Unit::parse("mv"), Unit::Millivolt);
        assert_eq!(Unit::parse("µV"), Unit::Microvolt);
        assert_eq!(Unit::parse("mmHg"), Unit::Other("mmHg".into()));
        assert_eq!(Unit::Millivolt.to_uv_factor(), Some(1000.0));
    }
}
