//! Shared by every subcommand that takes a recording: the `FILE [--fs HZ] [--unit U]` arguments
//! and opening the file through `formats`.

use std::path::PathBuf;

use anyhow::Result;
use ecg::Recording;

/// Arguments naming an input recording.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// The ECG file (any supported format; for WFDB give the .hea file).
    pub file: PathBuf,
    /// Sampling rate in Hz, for files that do not store one (CSV).
    #[arg(long = "fs")]
    pub sampling_rate_hz: Option<f64>,
    /// Physical unit of the samples, for files that do not store one (CSV): uV, mV or V.
    #[arg(long)]
    pub unit: Option<String>,
    /// Refuse files that only open with warnings.
    #[arg(long)]
    pub strict: bool,
}

impl InputArgs {
    /// Opens the recording; errors name the file and the problem.
    pub fn open(&self) -> Result<Recording> {
        let rec = formats::OpenOptions::new()
            .strict(self.strict)
            .sampling_rate_hz(self.sampling_rate_hz)
            .unit(self.unit.clone())
            .open(&self.file)?;
        Ok(rec)
    }
}
