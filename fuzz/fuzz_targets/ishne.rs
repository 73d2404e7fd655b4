//! Fuzz target (formats-a): arbitrary bytes named `x.ecg` through the probe and reader, with
//! the same bytes offered as the companion `x.dat` (so WFDB headers reach the sample
//! decoders); every sample is read. Must never panic. Seeds: `fuzz/corpus/ishne`.
#![no_main]

use formats::{Input, OpenOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input =
        Input::from_bytes(data.to_vec(), Some("x.ecg")).with_companion("x.dat", data.to_vec());
    let options = OpenOptions::new()
        .sampling_rate_hz(Some(500.0))
        .unit(Some("mV".into()));
    if let Some(format) = formats::probe(&input)
        && let Ok(rec) = format.read(&input, &options)
    {
        for lead in &rec.leads {
            let n = lead.n_samples().min(1 << 16);
            let _ = lead.signal.read_range(0, n);
            let mut d = vec![0; n];
            let _ = lead.signal.read_digital(0, &mut d);
        }
    }
});
