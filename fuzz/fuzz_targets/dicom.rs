//! Fuzz target: arbitrary bytes named `x.dcm` through `formats::read` (the dicom reader once the
//! probe accepts them); must never panic. Seeds: `fuzz/corpus/dicom` and `tests/data/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rec) = formats::read(data, Some("x.dcm")) {
        for lead in &rec.leads {
            let _ = lead.signal.to_vec();
        }
        if let Some(mb) = &rec.median_beats {
            for lead in &mb.leads {
                let _ = lead.signal.to_vec();
            }
        }
    }
});
