//! Fuzz target: arbitrary bytes named `x.scp` through `formats::read` (the scp reader once the
//! probe accepts them); must never panic. Seeds: `fuzz/corpus/scp` and `tests/data/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rec) = formats::read(data, Some("x.scp")) {
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
