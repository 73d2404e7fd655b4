//! The format registry: [`Format`] (probe + read), [`Confidence`], the static [`FORMATS`] slice
//! and [`probe`], which picks the most confident format for an input.

use ecg::Recording;

use crate::error::Error;
use crate::options::OpenOptions;
use crate::source::Input;

/// How sure a format is that an input is its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// Not this format.
    No,
    /// Could be (text formats whose grammar matches loosely).
    Maybe,
    /// Very likely (header grammar matches).
    Likely,
    /// Certain (magic bytes, XML root + namespace).
    Certain,
}

/// One file format.
pub trait Format: Sync {
    /// Short name ("WFDB", "EDF", "SCP-ECG"...).
    fn name(&self) -> &'static str;

    /// File extensions (lower case, no dot) that usually hold this format; used only to break
    /// ties between equally confident formats.
    fn extensions(&self) -> &'static [&'static str];

    /// Looks at the content (usually the first KiBs) and says how likely it is this format.
    fn probe(&self, input: &Input) -> Confidence;

    /// Decodes the input.
    fn read(&self, input: &Input, options: &OpenOptions) -> Result<Recording, Error>;
}

/// Every format Heartlens reads, in no particular order.
pub static FORMATS: &[&dyn Format] = &[
    &crate::wfdb::Wfdb,
    &crate::edf::Edf,
    &crate::csv::Csv,
    &crate::ishne::Ishne,
    &crate::scp::Scp,
    &crate::aecg::Aecg,
    &crate::dicom::Dicom,
    &crate::mortara::Mortara,
    &crate::muse::Muse,
    &crate::philips::Philips,
];

/// The most confident format for this input (ties broken by extension), if any says more than
/// [`Confidence::No`].
pub fn probe(input: &Input) -> Option<&'static dyn Format> {
    let ext = input.extension();
    let mut best: Option<(Confidence, bool, &'static dyn Format)> = None;
    for &f in FORMATS {
        let c = f.probe(input);
        if c == Confidence::No {
            continue;
        }
        let ext_match = ext.as_deref().is_some_and(|e| f.extensions().contains(&e));
        let better = match best {
            None => true,
            Some((bc, bext, _)) => (c, ext_match) > (bc, bext),
        };
        if better {
            best = Some((c, ext_match, f));
        }
    }
    best.map(|(_, _, f)| f)
}
