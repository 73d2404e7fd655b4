//! Times `analyze_streamed` on a file and prints a digest of its beats and Holter outputs
//! (profiling aid: two builds must print the same digest): `--example holter_profile -- FILE`.
use std::hash::{Hash, Hasher};
fn main() {
    let p = std::env::args().nth(1).expect("FILE");
    let rec = formats::open(std::path::Path::new(&p)).expect("open");
    let t = std::time::Instant::now();
    let s = signal::holter::analyze_streamed(
        &rec,
        &signal::AnalysisOptions::default(),
        &signal::holter::HolterOptions::default(),
        &|_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .expect("analysis");
    let el = t.elapsed().as_secs_f64();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for b in &s.analysis.beats {
        (b.fiducial_sample, b.r_sample, b.class.code()).hash(&mut h);
    }
    serde_json::to_string(&s.holter).unwrap().hash(&mut h);
    serde_json::to_string(&s.analysis.measurements)
        .unwrap()
        .hash(&mut h);
    eprintln!(
        "{} beats in {el:.2} s, digest {:016x}, counts {:?}",
        s.analysis.beats.len(),
        h.finish(),
        s.holter.counts
    );
    // The events, to compare with a synthetic file's `*.truth.json`.
    let h = &s.holter;
    for e in &h.af_episodes {
        eprintln!("AF {:.3}-{:.3} s", e.start_s, e.end_s);
    }
    eprintln!("AF burden {:.4}", h.af_burden);
    for r in &h.runs {
        eprintln!(
            "run {:?} {:.3}-{:.3} s, {} beats, {} bpm",
            r.kind, r.start_s, r.end_s, r.beats, r.rate_bpm
        );
    }
}
