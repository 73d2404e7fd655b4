//! How well and how steadily the median beat's global boundaries are placed: its PR, P
//! duration, QRS duration and QT against the cardiologists' marks, and how far white noise
//! moves them.
//!
//! `cargo run --release -p heartlens-signal --example median_intervals -- DIR_OR_HEA... [--seeds N] [--noise UV] [--verbose]`
//!
//! For each LUDB-layout record (per-lead P/QRS/T marks in its annotation files) the analysis
//! reads the median beat's intervals; the marks give the same per beat from their global
//! waves (marked in 6+ leads): the earliest P onset to the earliest QRS onset (PR) and to the
//! latest P offset (P duration), the earliest QRS onset to the latest QRS offset (QRS) and to
//! the latest offset of the T wave after it (QT); the median over the beats. The record is
//! then read again under `--seeds` realisations of white noise of `--noise` µV RMS (its own
//! stream per lead and realisation, `common/disturb.rs`; the first is `ludb_robustness`'s).
//! Printed per interval: the error against the marks (mean ± SD and mean absolute error, as
//! read and under noise) and the shift noise causes (noisy minus as read); then how many
//! noisy readings cross a statement's bound that the reading as read did not (P duration
//! 120 ms for left atrial abnormality, PR 200 ms for first-degree AV block, QRS 120 ms for a
//! complete bundle-branch block), or the other way.

#[path = "common/args.rs"]
mod args;
#[path = "common/disturb.rs"]
mod disturb;
#[path = "common/noise.rs"]
mod noise;
#[path = "common/records.rs"]
mod records;

use std::path::PathBuf;

use ecg::WaveKind;
use signal::evaluate::{global_reference_waves, reference_waves};

/// The intervals compared, in the order of [`Intervals`].
const NAMES: [&str; 4] = ["PR", "P duration", "QRS", "QT"];

/// PR, P duration, QRS and QT (ms), where measured.
type Intervals = [Option<f64>; 4];

/// Statement bounds: (interval index, bound ms, whether the bound itself is beyond it, name).
const BOUNDS: [(usize, f64, bool, &str); 3] = [
    (1, 120.0, true, "left atrial abnormality (P >= 120 ms)"),
    (0, 200.0, false, "first-degree AV block (PR > 200 ms)"),
    (
        2,
        120.0,
        true,
        "complete bundle-branch block width (QRS >= 120 ms)",
    ),
];

/// The marks' median intervals (ms).
fn marked(annotations: &[ecg::Annotation]) -> Intervals {
    let g = global_reference_waves(&reference_waves(annotations), 0.12, 6);
    let mut per_beat: [Vec<f64>; 4] = Default::default();
    let of = |kind: WaveKind| g.iter().filter(move |w| w.kind == kind);
    for q in of(WaveKind::Qrs) {
        let Some(on) = q.onset_s else { continue };
        let p = of(WaveKind::P)
            .filter_map(|w| Some((w.onset_s?, w.offset_s)))
            .filter(|&(p, _)| p < on && on - p < 0.4)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((pon, poff)) = p {
            per_beat[0].push((on - pon) * 1000.0);
            if let Some(poff) = poff {
                per_beat[1].push((poff - pon) * 1000.0);
            }
        }
        if let Some(off) = q.offset_s {
            per_beat[2].push((off - on) * 1000.0);
            let t_end = of(WaveKind::T)
                .filter_map(|w| w.offset_s)
                .filter(|&t| t > off && t - on < 0.7)
                .min_by(f64::total_cmp);
            if let Some(t) = t_end {
                per_beat[3].push((t - on) * 1000.0);
            }
        }
    }
    per_beat.map(|mut v| {
        v.sort_by(f64::total_cmp);
        (!v.is_empty()).then(|| v[v.len() / 2])
    })
}

/// The analysis' global intervals of `rec` (none where it fails).
fn read(rec: &ecg::Recording) -> Intervals {
    match signal::analyze(rec, &signal::AnalysisOptions::default()) {
        Ok(a) => {
            let m = a.measurements;
            [m.pr, m.p_duration, m.qrs, m.qt].map(|v| v.map(|v| v.0))
        }
        Err(_) => [None; 4],
    }
}

/// Mean ± SD, mean absolute value and count of `v`.
fn spread(v: &[f64]) -> String {
    if v.is_empty() {
        return "-".into();
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let mae = v.iter().map(|x| x.abs()).sum::<f64>() / n;
    format!("{mean:+.1} ± {sd:.1} (MAE {mae:.1}, n {})", v.len())
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args::take_flag(&mut args, "--verbose");
    let seeds: u64 =
        args::take_value(&mut args, "--seeds", "N").map_or(3, |s| s.parse().expect("--seeds N"));
    let uv: f64 = args::take_value(&mut args, "--noise", "UV")
        .map_or(25.0, |s| s.parse().expect("--noise UV"));
    if args.is_empty() {
        eprintln!("usage: median_intervals DIR_OR_HEA... [--seeds N] [--noise UV] [--verbose]");
        std::process::exit(2);
    }
    let inputs: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    // Per interval: error as read, error under noise, shift under noise.
    let mut err: [Vec<f64>; 4] = Default::default();
    let mut err_noisy: [Vec<f64>; 4] = Default::default();
    let mut shift: [Vec<f64>; 4] = Default::default();
    let mut crossings = [0usize; BOUNDS.len()];
    let mut readings = 0usize;
    let diff = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a - b);
    for hea in records::wfdb_headers(&inputs) {
        let name = records::name_of(&hea);
        let rec = match records::open_labelled(&hea) {
            Ok((_, rec)) => rec,
            Err(e) => {
                println!("{name}: {e}");
                continue;
            }
        };
        let marks = marked(&rec.annotations);
        let as_read = read(&rec);
        let mut noisy = Vec::new();
        for s in 0..seeds {
            let noisy_rec = disturb::per_lead(&rec, uv, 0.0, s).unwrap_or_else(|e| panic!("{e}"));
            let n = read(&noisy_rec);
            for i in 0..4 {
                err_noisy[i].extend(diff(n[i], marks[i]));
                shift[i].extend(diff(n[i], as_read[i]));
            }
            for (c, &(i, bound, inclusive, _)) in crossings.iter_mut().zip(&BOUNDS) {
                let beyond = |v: Option<f64>| {
                    v.is_some_and(|v| if inclusive { v >= bound } else { v > bound })
                };
                *c += usize::from(beyond(as_read[i]) != beyond(n[i]));
            }
            readings += 1;
            noisy.push(n);
        }
        for i in 0..4 {
            err[i].extend(diff(as_read[i], marks[i]));
        }
        if verbose {
            let f = |v: &Intervals| {
                v.map(|x| x.map_or("-".to_string(), |x| format!("{x:.0}")))
                    .join("/")
            };
            let n: Vec<String> = noisy.iter().map(f).collect();
            println!(
                "{name}: {} marks {} read {} noisy {}",
                NAMES.join("/"),
                f(&marks),
                f(&as_read),
                n.join(" ")
            );
        }
    }
    println!("median-beat intervals (ms); noise {uv} uV RMS, {seeds} realisations per record");
    for (i, name) in NAMES.iter().enumerate() {
        println!("{name}:");
        println!("  against the marks, as read:   {}", spread(&err[i]));
        println!("  against the marks, noisy:     {}", spread(&err_noisy[i]));
        println!("  noisy minus as read:          {}", spread(&shift[i]));
    }
    for (c, (_, _, _, what)) in crossings.iter().zip(&BOUNDS) {
        println!("noisy readings across the bound of {what}: {c} of {readings}");
    }
}
