//! Annotated ECG reports: a vector PDF a cardiologist can sign, a PNG of the tracing page and
//! a CSV of measurements and annotations.
//!
//! A [`ReportInput`] gathers plain values: the [`ecg::Recording`], its [`ecg::Measurements`],
//! statements with who reviewed them, annotations, chosen chat exchanges, the signature and
//! [`ReportOptions`] (paper, layout, de-identification, chat). [`Report::new`] lays it out once
//! into pages of millimetre-positioned paths and shaped glyphs; [`Report::pdf`] writes them
//! with krilla (vector paths, embedded subset fonts, extractable text) and [`Report::png`]
//! rasterises the same pages with tiny-skia. Page 1 draws the leads at true 25 mm/s and
//! 10 mm/mV on a 1-mm/5-mm grid with 1-mV calibration pulses.
//!
//! ```
//! use ecg::{Lead, Recording, Signal, Unit};
//! use report::{Report, ReportInput};
//!
//! let beat: Vec<f32> = (0..5000).map(|i| if i % 500 < 20 { 1.0 } else { 0.0 }).collect();
//! let leads = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
//!     .iter()
//!     .map(|n| Lead::new(n, 500.0, Unit::Millivolt, Signal::from_physical(beat.clone())))
//!     .collect();
//! let input = ReportInput::from_recording(Recording::new(leads));
//! let report = Report::new(&input).unwrap();
//! let pdf = report.pdf().unwrap();
//! assert!(pdf.starts_with(b"%PDF"));
//! let png = report.png(0, 50.0).unwrap();
//! assert!(png.starts_with(b"\x89PNG"));
//! assert!(report.csv().starts_with("section,"));
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod auto;
mod csv;
mod drawing;
mod error;
mod input;
mod layout;
mod pdf;
mod png;
mod text;
mod tracing;

pub use error::Error;
pub use input::{
    ChatExchange, ClaimCheck, Layout, Paper, ReportInput, ReportOptions, ReportStatement,
    Signature, Strip,
};
pub use png::MAX_DPI;

use drawing::Page;
use text::Fonts;

/// A laid-out report, ready to be written as PDF, PNG or CSV.
pub struct Report {
    pages: Vec<Page>,
    csv: String,
    fonts: Fonts,
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Report")
            .field("pages", &self.pages.len())
            .finish_non_exhaustive()
    }
}

impl Report {
    /// Lays out the report. Fails only when samples cannot be read.
    pub fn new(input: &ReportInput) -> Result<Self, Error> {
        let fonts = Fonts::load()?;
        let pages = layout::pages(input, &fonts)?;
        Ok(Self {
            pages,
            csv: csv::write(input),
            fonts,
        })
    }

    /// Number of pages (page 0 is the tracing page).
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// The whole report as PDF bytes.
    pub fn pdf(&self) -> Result<Vec<u8>, Error> {
        pdf::write(&self.pages)
    }

    /// One page (0 = the tracing page) as PNG bytes at `dpi` (10..=[`MAX_DPI`]).
    pub fn png(&self, page: usize, dpi: f32) -> Result<Vec<u8>, Error> {
        let p = self.pages.get(page).ok_or_else(|| Error::Option {
            field: "page",
            message: format!("page {page} of {}", self.pages.len()),
        })?;
        png::encode(&png::rasterise(p, &self.fonts, dpi)?)
    }

    /// Measurements and annotations as CSV (see the column list in the crate's `csv` module).
    pub fn csv(&self) -> &str {
        &self.csv
    }
}
