//! The streamed analysis' memory does not grow with the number of chunks: what it keeps from
//! one chunk to the next is the stitched beat list, and a chunk's working memory is the same at
//! the end of the recording as at its start. Measured with a counting global allocator (this test binary's own, so no
//! other test's allocations are counted) on a 3-lead Holter synthesised in memory, sample by
//! sample on demand (hours long without holding the recording): sinus rhythm with sinus
//! arrhythmia, isolated ventricular ectopics and an atrial fibrillation episode (irregular RR,
//! no P waves, fibrillatory baseline), the beat templates and lead model of
//! `bench/formats/generate_holter.py`.

#[path = "holter_memory/counting_alloc.rs"]
mod counting_alloc;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use counting_alloc::Counting;
use ecg::{Lead, Recording, SampleError, SampleSource, Signal, Unit};
use signal::holter::{HolterOptions, Progress, analyze_streamed};
use signal::{AnalysisOptions, BeatClass};

#[global_allocator]
static ALLOC: Counting = Counting;

/// Sampling rate of the synthetic Holter (Hz).
const FS: f64 = 250.0;
/// Its length (s): 3 h, 180 chunks of 60 s.
const DURATION_S: f64 = 3.0 * 3600.0;
/// The atrial fibrillation episode (s).
const AF_S: (f64, f64) = (0.45 * DURATION_S, 0.55 * DURATION_S);
/// One ventricular ectopic every this many sinus beats.
const VE_EVERY: usize = 150;
/// Bytes a stitched beat may keep between chunks: the beat (fiducial, R, class, P, PR,
/// different leads: 32 bytes) in a vector that at most doubles its capacity when it grows.
const RETAINED_PER_BEAT: usize = 64;
/// Slack for what is not per beat (per-chunk shares, the last batch's results, the pool).
const SLACK: usize = 512 * 1024;

/// A beat's kind in the synthetic recording.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Sinus,
    /// Conducted in atrial fibrillation: no P wave.
    Fibrillation,
    Ventricular,
}

/// A gaussian wave: centre (s from R), width (s), amplitude (mV), heart vector (x left,
/// y inferior, z anterior).
type Gauss = (f64, f64, f64, [f64; 3]);

const P: Gauss = (-0.16, 0.022, 0.15, [0.6, 0.8, 0.2]);
const QRS: [Gauss; 3] = [
    (-0.025, 0.009, 0.25, [-0.3, 0.1, 0.9]),
    (0.0, 0.012, 1.3, [0.8, 0.7, -0.5]),
    (0.025, 0.010, 0.35, [-0.4, -0.3, -0.6]),
];
const T: Gauss = (0.28, 0.05, 0.32, [0.7, 0.7, 0.3]);
const VENTRICULAR: [Gauss; 3] = [
    (-0.03, 0.025, 0.9, [-0.5, 0.9, 0.7]),
    (0.035, 0.025, -0.7, [0.6, -0.3, 0.8]),
    (0.3, 0.07, -0.45, [-0.6, 0.8, 0.6]),
];
/// Template span around R (s).
const PRE_S: f64 = 0.35;
const POST_S: f64 = 0.55;

/// I, II and V5 as directions of the heart vector.
fn lead_directions() -> [(&'static str, [f64; 3]); 3] {
    let v5 = 30f64.to_radians();
    [
        ("I", [1.0, 0.0, 0.0]),
        ("II", [0.5, 3f64.sqrt() / 2.0, 0.0]),
        ("V5", [v5.cos(), 0.15, v5.sin()]),
    ]
}

/// Beats (R time in s, kind) over the recording: sinus at 72 bpm with 3 % sinus arrhythmia,
/// a ventricular ectopic (60 % coupling, compensatory pause) every [`VE_EVERY`] beats, RR
/// uniform in 0.42-1.05 s in atrial fibrillation.
fn schedule() -> Vec<(f64, Kind)> {
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let mut uniform = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut beats = Vec::new();
    let mut t = 0.6;
    while t < DURATION_S - 1.0 {
        let rr = 60.0 / 72.0 * (1.0 + 0.03 * (2.0 * std::f64::consts::PI * t / 4.0).sin());
        if (AF_S.0..AF_S.1).contains(&t) {
            beats.push((t, Kind::Fibrillation));
            t += 0.42 + 0.63 * uniform();
            continue;
        }
        beats.push((t, Kind::Sinus));
        if beats.len() % VE_EVERY == 0 {
            beats.push((t + 0.6 * rr, Kind::Ventricular));
            t += 2.0 * rr;
        } else {
            t += rr;
        }
    }
    beats
}

/// One lead of the synthetic Holter, computed sample by sample when read.
#[derive(Debug)]
struct Synthetic {
    beats: Arc<Vec<(f64, Kind)>>,
    /// Per kind (sinus, fibrillation, ventricular): this lead's beat template (mV), one value
    /// per sample from R - [`PRE_S`].
    templates: [Vec<f64>; 3],
    direction: [f64; 3],
    n: usize,
}

impl Synthetic {
    fn new(beats: Arc<Vec<(f64, Kind)>>, direction: [f64; 3]) -> Self {
        let len = ((PRE_S + POST_S) * FS) as usize;
        let template = |waves: &[Gauss]| -> Vec<f64> {
            (0..len)
                .map(|i| {
                    let t = i as f64 / FS - PRE_S;
                    waves
                        .iter()
                        .map(|&(c, w, a, v)| {
                            let proj: f64 = v.iter().zip(&direction).map(|(x, y)| x * y).sum();
                            a * proj * (-0.5 * ((t - c) / w).powi(2)).exp()
                        })
                        .sum()
                })
                .collect()
        };
        let sinus = [P, QRS[0], QRS[1], QRS[2], T];
        let fibrillation = [QRS[0], QRS[1], QRS[2], T];
        Self {
            beats,
            templates: [
                template(&sinus),
                template(&fibrillation),
                template(&VENTRICULAR),
            ],
            direction,
            n: (DURATION_S * FS) as usize,
        }
    }

    fn value(&self, i: usize) -> f64 {
        let t = i as f64 / FS;
        let first = self.beats.partition_point(|&(r, _)| r < t - POST_S);
        let mut v = 0.0;
        for &(r, kind) in self.beats[first..]
            .iter()
            .take_while(|&&(r, _)| r <= t + PRE_S)
        {
            let k = ((t - r + PRE_S) * FS).round() as usize;
            let tpl = &self.templates[kind as usize];
            v += tpl.get(k).copied().unwrap_or(0.0);
        }
        if (AF_S.0..AF_S.1).contains(&t) {
            let gain = self.direction[1].abs() + 0.3;
            v += gain
                * (0..4)
                    .map(|k| {
                        let f = 4.0 + 0.7 * f64::from(k);
                        0.02 * (2.0 * std::f64::consts::PI * f * t + 1.3 * f64::from(k)).sin()
                    })
                    .sum::<f64>();
        }
        // Baseline wander and 10 uV of deterministic noise.
        let mut h = (i as u64 ^ 0x2545_f491_4f6c_dd1d).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^= h >> 29;
        let noise = (h % 2001) as f64 / 1000.0 - 1.0;
        v + 0.1 * (2.0 * std::f64::consts::PI * 0.15 * t).sin() + 0.01 * noise
    }
}

impl SampleSource for Synthetic {
    fn len(&self) -> usize {
        self.n
    }
    fn read(&self, start: usize, out: &mut [f32]) -> Result<(), SampleError> {
        ecg::check_range(start, out.len(), self.n)?;
        for (k, o) in out.iter_mut().enumerate() {
            *o = self.value(start + k) as f32;
        }
        Ok(())
    }
}

/// What the counting allocator saw while a chunk was analysed and stitched.
#[derive(Debug, Clone, Copy)]
struct ChunkHeap {
    /// The recording's beats up to the chunk's end (about as many as have been stitched).
    beats: usize,
    /// Live bytes once the chunk was stitched, above those before the analysis.
    retained: usize,
    /// Peak of the live bytes since the previous chunk, above those before the analysis.
    peak: usize,
}

#[test]
fn streamed_analysis_keeps_only_the_beats_from_chunk_to_chunk() {
    let beats = Arc::new(schedule());
    let rec = Recording::new(
        lead_directions()
            .into_iter()
            .map(|(name, dir)| {
                let src = Synthetic::new(Arc::clone(&beats), dir);
                Lead::new(name, FS, Unit::Millivolt, Signal::new(Arc::new(src)))
            })
            .collect(),
    );
    let hopts = HolterOptions {
        chunk_s: 60.0,
        margin_s: 10.0,
        representative_s: 60.0,
        ..HolterOptions::default()
    };
    let n_chunks = (DURATION_S / hopts.chunk_s).ceil() as usize;
    // Beats of the recording up to each chunk's end.
    let beats_by_chunk: Vec<usize> = (1..=n_chunks)
        .map(|k| beats.partition_point(|&(r, _)| r < k as f64 * hopts.chunk_s))
        .collect();
    let heap = Mutex::new(Vec::with_capacity(n_chunks + 1));
    let progress = |p: Progress| {
        let (live, peak) = (counting_alloc::live(), counting_alloc::peak());
        counting_alloc::reset_peak();
        heap.lock().unwrap().push((p.done, live, peak));
    };
    // One thread: the chunks are analysed one after the other in the same order on every run,
    // so a chunk's peak does not depend on whether two chunks' analyses happened to overlap.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    let before = counting_alloc::live();
    counting_alloc::reset_peak();
    let s = pool
        .install(|| {
            analyze_streamed(
                &rec,
                &AnalysisOptions::default(),
                &hopts,
                &progress,
                &AtomicBool::new(false),
            )
        })
        .expect("streamed analysis");
    let heap = heap.into_inner().unwrap();

    // The synthetic Holter is analysed as made: every beat, the ectopics, the AF episode.
    let found = &s.analysis.beats;
    assert!(
        found.len().abs_diff(beats.len()) * 200 <= beats.len(),
        "{} beats found of {}",
        found.len(),
        beats.len()
    );
    let ventricular = |b: &&signal::Beat| b.class == BeatClass::Ventricular;
    let true_ventricular = beats.iter().filter(|b| b.1 == Kind::Ventricular).count();
    let found_ventricular = found.iter().filter(ventricular).count();
    assert!(
        found_ventricular.abs_diff(true_ventricular) * 20 <= true_ventricular,
        "{found_ventricular} ventricular beats found of {true_ventricular}"
    );
    let episodes = &s.holter.af_episodes;
    assert!(
        episodes
            .iter()
            .any(|e| (e.start_s - AF_S.0).abs() < 60.0 && (e.end_s - AF_S.1).abs() < 60.0),
        "AF episodes {episodes:?}, truth {AF_S:?}"
    );

    // One progress call per chunk, then the representative window's.
    assert_eq!(heap.len(), n_chunks + 1);
    let chunks: Vec<ChunkHeap> = heap[..n_chunks]
        .iter()
        .zip(&beats_by_chunk)
        .enumerate()
        .map(|(k, (&(done, live, peak), &b))| {
            assert_eq!(done, k + 1, "progress in chunk order");
            ChunkHeap {
                beats: b,
                retained: live.saturating_sub(before),
                peak: peak.saturating_sub(before),
            }
        })
        .collect();
    // The counter sees the chunks' analyses (otherwise the bounds below would say nothing).
    let first_peak = chunks[..4].iter().map(|c| c.peak).max().unwrap();
    assert!(
        first_peak > 1 << 20,
        "peak while the first chunks were analysed: {first_peak} bytes"
    );
    // What is kept from chunk to chunk is the beat list.
    for c in &chunks {
        assert!(
            c.retained <= c.beats * RETAINED_PER_BEAT + SLACK,
            "{} bytes kept after {} beats ({} a beat)",
            c.retained,
            c.beats,
            c.retained / c.beats.max(1)
        );
    }
    // A chunk's own working memory (its peak above what is kept) is the same at the end of
    // the recording as at its start.
    let working = |c: &ChunkHeap| c.peak.saturating_sub(c.retained);
    let quarter = n_chunks / 4;
    let early = chunks[..quarter].iter().map(working).max().unwrap();
    for (k, c) in chunks.iter().enumerate().skip(n_chunks - quarter) {
        assert!(
            working(c) <= early + SLACK,
            "chunk {k}: {} bytes of working memory, at most {early} in the first quarter",
            working(c)
        );
    }
}
