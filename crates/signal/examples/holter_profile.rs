//! Times `analyze_streamed` on a file and prints a digest of its beats and Holter outputs
//! (profiling aid: two builds must print the same digest): `--example holter_profile -- FILE`.
//!
//! It also counts the heap through a global allocator that wraps the system one: the peak of
//! the live bytes, and the live bytes after the first and the last chunk (what the streamed
//! analysis keeps from chunk to chunk). A resident heap (`RssAnon`) far above the live peak is
//! the allocator's (free memory not given back), not the analysis's.
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

#[path = "../tests/holter_memory/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::Counting;

#[global_allocator]
static ALLOC: Counting = Counting;

const MB: f64 = 1e6;

fn main() {
    let p = std::env::args().nth(1).expect("FILE");
    let rec = formats::open(std::path::Path::new(&p)).expect("open");
    let t = std::time::Instant::now();
    // Live bytes after each chunk (the progress callback runs once a chunk is stitched).
    let after_chunk = Mutex::new(Vec::new());
    let progress = |_: signal::holter::Progress| {
        after_chunk.lock().unwrap().push(counting_alloc::live());
    };
    let s = signal::holter::analyze_streamed(
        &rec,
        &signal::AnalysisOptions::default(),
        &signal::holter::HolterOptions::default(),
        &progress,
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
    let after_chunk = after_chunk.into_inner().unwrap();
    // The last progress call is the representative window's: the chunks' are the ones before.
    let chunks = &after_chunk[..after_chunk.len().saturating_sub(1)];
    eprintln!(
        "heap: live peak {:.1} MB; live after chunk 1 {:.1} MB, after chunk {} {:.1} MB, most {:.1} MB",
        counting_alloc::peak() as f64 / MB,
        chunks.first().copied().unwrap_or(0) as f64 / MB,
        chunks.len(),
        chunks.last().copied().unwrap_or(0) as f64 / MB,
        chunks.iter().max().copied().unwrap_or(0) as f64 / MB,
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
