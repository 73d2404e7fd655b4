//! Fuzz target: arbitrary bytes named `x.xml` through `formats::read` (the mortara reader once the
//! probe accepts them); must never panic. Seeds: `fuzz/corpus/mortara` and `tests/data/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rec) = formats::read(data, Some("x.xml")) {
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
