//! Statement stability: how many scored statements change when a labelled recording is
//! disturbed in ways that must not change a reading.
//!
//! `cargo run --release -p heartlens-signal --example ludb_robustness -- DIR_OR_HEA... [--verbose]`
//!
//! `--verbose` also lists, per changed record and disturbance, the statements (with criteria)
//! that went and came, and every global interval that moved by 20 ms or more.
//!
//! Each record (`.hea`, LUDB or CinC labels as in `ludb_interpretation`) is analysed as read and
//! again after each disturbance below. For every disturbance it prints how many records changed
//! any scored class ([`signal::interpretation_eval::CLASSES`]), which classes were gained or lost
//! (with the records), and the true and false positives summed over the classes, so a
//! disturbance that costs accuracy shows apart from one that only moves borderline records;
//! then how far each global interval (PR, QRS, QT, P duration) moved, mean ± SD over the records.
//! A rule that flips on 10 µV of noise or a half-second shift of the window will not hold on
//! recordings it was not tuned on (the held-out split, other devices).
//!
//! Disturbances (all deterministic):
//! - `noise 10 uV`, `noise 25 uV`: white Gaussian noise of that RMS, its own stream per lead;
//! - `wander 0.3 mV 0.3 Hz`: respiratory baseline wander at each electrode (RA, LA, LL, V1-V6:
//!   a 0.3-Hz sine of half that amplitude, a different phase per electrode) seen by each lead
//!   as the difference of its electrodes, so the limb leads keep Einthoven's law;
//! - `mains 50 Hz 40 uV`: 50-Hz interference of 40 µV amplitude in every lead;
//! - `mains 60 Hz 40 uV`: the same at 60 Hz, read with the default 50-Hz notch (a recording
//!   from a 60-Hz country opened without `--mains 60`);
//! - `resampled 1000 Hz`, `resampled 250 Hz`: polyphase resampling (`signal::resample_poly`);
//! - `resampled 250 Hz + noise 25 uV`: both together (a low-rate recorder's noisy tracing:
//!   thinner QRS and pacing-stimulus samples under the same noise);
//! - `shifted 0.4 s`: the first 0.4 s dropped (other beats at the window's edges);
//! - `gain x0.8`: every lead scaled by 0.8 (amplitude criteria may move, nothing else should);
//! - `V4 off 3.0 s`: lead V4 stored as zero for its first 3 s (an electrode put on late, as a
//!   monitor stores it), every other lead as read.

#[path = "common/args.rs"]
mod args;
#[path = "common/noise.rs"]
mod noise;
#[path = "common/records.rs"]
mod records;

use std::collections::BTreeMap;
use std::path::PathBuf;

use ecg::{LeadLabel, Recording};
use signal::interpretation_eval::{Labels, Outcome, score_record};

/// One way of disturbing every lead of a recording.
#[derive(Clone, Copy)]
enum Disturbance {
    Noise {
        rms_uv: f64,
    },
    Wander {
        mv: f64,
        hz: f64,
    },
    Mains {
        uv: f64,
        hz: f64,
    },
    Resampled {
        hz: f64,
    },
    Shifted {
        s: f64,
    },
    Gain {
        factor: f64,
    },
    /// Lead V4 zero for the first `s` seconds.
    V4Off {
        s: f64,
    },
    /// Resampled to `hz`, then white noise of `rms_uv` added (as [`Self::Noise`]).
    ResampledNoise {
        hz: f64,
        rms_uv: f64,
    },
}

impl Disturbance {
    fn name(&self) -> String {
        match *self {
            Self::Noise { rms_uv } => format!("noise {rms_uv:.0} uV"),
            Self::Wander { mv, hz } => format!("wander {mv:.1} mV {hz:.1} Hz"),
            Self::Mains { uv, hz } => format!("mains {hz:.0} Hz {uv:.0} uV"),
            Self::Resampled { hz } => format!("resampled {hz:.0} Hz"),
            Self::Shifted { s } => format!("shifted {s:.1} s"),
            Self::Gain { factor } => format!("gain x{factor:.1}"),
            Self::V4Off { s } => format!("V4 off {s:.1} s"),
            Self::ResampledNoise { hz, rms_uv } => {
                format!("resampled {hz:.0} Hz + noise {rms_uv:.0} uV")
            }
        }
    }

    /// `x` (lead `k` labelled `label`, in the lead's unit of `per_uv` units per µV, at `fs` Hz)
    /// disturbed, and its new rate.
    fn apply(
        &self,
        x: &[f64],
        (k, label): (usize, &LeadLabel),
        fs: f64,
        per_uv: f64,
    ) -> (Vec<f64>, f64) {
        let t = |i: usize| i as f64 / fs;
        match *self {
            Self::Noise { rms_uv } => {
                let mut g = noise::Gaussian::new(noise::SEED ^ (k as u64 + 1));
                let y = x.iter().map(|v| v + rms_uv * per_uv * g.next()).collect();
                (y, fs)
            }
            Self::Wander { mv, hz } => {
                let weights = electrode_weights(label, k);
                let a = 0.5 * mv * 1000.0 * per_uv;
                let y = x
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let w: f64 = weights
                            .iter()
                            .enumerate()
                            .map(|(e, c)| {
                                let phase = e as f64 * 2.1;
                                c * (std::f64::consts::TAU * hz * t(i) + phase).sin()
                            })
                            .sum();
                        v + a * w
                    })
                    .collect();
                (y, fs)
            }
            Self::Mains { uv, hz } => {
                let a = uv * per_uv;
                let y = x
                    .iter()
                    .enumerate()
                    .map(|(i, v)| v + a * (std::f64::consts::TAU * hz * t(i)).sin())
                    .collect();
                (y, fs)
            }
            Self::Resampled { hz } => {
                let (up, down) = ratio(hz, fs);
                let y = signal::resample_poly(x, up, down).expect("valid resampling ratio");
                (y, hz)
            }
            Self::Shifted { s } => {
                let skip = ((s * fs).round() as usize).min(x.len());
                (x[skip..].to_vec(), fs)
            }
            Self::Gain { factor } => (x.iter().map(|v| v * factor).collect(), fs),
            Self::V4Off { s } => {
                let mut y = x.to_vec();
                if *label == LeadLabel::V4 {
                    let off = ((s * fs).round() as usize).min(y.len());
                    y[..off].fill(0.0);
                }
                (y, fs)
            }
            Self::ResampledNoise { hz, rms_uv } => {
                let (y, fs) = Self::Resampled { hz }.apply(x, (k, label), fs, per_uv);
                Self::Noise { rms_uv }.apply(&y, (k, label), fs, per_uv)
            }
        }
    }
}

/// How lead `label` (index `k`) sees the electrodes RA, LA, LL, then one chest electrode per
/// chest lead (V1-V6, and any other lead as a chest lead of its own): the lead's weight on
/// each.
fn electrode_weights(label: &LeadLabel, k: usize) -> Vec<f64> {
    let third = 1.0 / 3.0;
    let chest = |j: usize| {
        let mut w = vec![-third, -third, -third];
        w.resize(3 + j, 0.0);
        w.push(1.0);
        w
    };
    match label {
        LeadLabel::I => vec![-1.0, 1.0, 0.0],
        LeadLabel::II => vec![-1.0, 0.0, 1.0],
        LeadLabel::III => vec![0.0, -1.0, 1.0],
        LeadLabel::AVR => vec![1.0, -0.5, -0.5],
        LeadLabel::AVL => vec![-0.5, 1.0, -0.5],
        LeadLabel::AVF => vec![-0.5, -0.5, 1.0],
        LeadLabel::V1 => chest(0),
        LeadLabel::V2 => chest(1),
        LeadLabel::V3 => chest(2),
        LeadLabel::V4 => chest(3),
        LeadLabel::V5 => chest(4),
        LeadLabel::V6 => chest(5),
        _ => chest(6 + k),
    }
}

/// `to / from` as a reduced fraction of whole numbers (rates in whole Hz).
fn ratio(to: f64, from: f64) -> (usize, usize) {
    let (a, b) = (to.round() as usize, from.round() as usize);
    let g = gcd(a, b);
    (a / g, b / g)
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// `rec` with every lead disturbed (metadata kept: age and sex enter the ST thresholds).
fn disturbed(rec: &Recording, d: Disturbance) -> Recording {
    let mut out = rec.clone();
    out.leads = rec
        .leads
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let x: Vec<f64> = l
                .signal
                .to_vec()
                .unwrap_or_else(|e| panic!("{}: {e}", l.original_label))
                .into_iter()
                .map(f64::from)
                .collect();
            let per_uv = 1.0 / l.unit.to_uv_factor().unwrap_or(1000.0);
            let (y, fs) = d.apply(&x, (k, &l.label), l.sampling_rate_hz, per_uv);
            l.with_samples(fs, y.into_iter().map(|v| v as f32).collect())
        })
        .collect();
    out
}

/// The scored classes a recording's statements fall in, and the true / false positives.
fn stated(labels: &Labels, rec: &Recording) -> Result<Stated, String> {
    let a = signal::analyze(rec, &signal::AnalysisOptions::default()).map_err(|e| e.to_string())?;
    let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
    let mut classes = Vec::new();
    let (mut tp, mut fp) = (0, 0);
    for (class, outcome) in score_record(labels, &texts) {
        match outcome {
            Outcome::TruePositive => {
                tp += 1;
                classes.push(class);
            }
            Outcome::FalsePositive => {
                fp += 1;
                classes.push(class);
            }
            _ => {}
        }
    }
    let beats: Vec<String> = a
        .beats
        .iter()
        .map(|b| format!("{}@{:.2}", b.class.code(), b.r_s))
        .collect();
    let axis = a
        .measurements
        .axis
        .qrs
        .map_or("-".to_string(), |d| format!("{:.0}", d.0));
    let read = std::iter::once(format!("beats {}; QRS axis {axis}", beats.join(" ")))
        .chain(
            a.statements
                .iter()
                .map(|s| format!("{} [{}]", s.text, s.criterion.as_deref().unwrap_or(""))),
        )
        .collect();
    Ok((classes, tp, fp, read, intervals(&a.measurements)))
}

/// The scored classes stated, the true and false positives, every statement with its
/// criterion, and the global intervals.
type Stated = (
    Vec<&'static str>,
    usize,
    usize,
    Vec<String>,
    [Option<f64>; 4],
);

/// What one disturbance did over all records.
#[derive(Default)]
struct Tally {
    changed: Vec<String>,
    gained: BTreeMap<&'static str, Vec<String>>,
    lost: BTreeMap<&'static str, Vec<String>>,
    tp: usize,
    fp: usize,
    /// Per global interval ([`INTERVALS`]), disturbed minus as read (ms), where both are measured.
    interval_change: [Vec<f64>; 4],
}

/// `--verbose` names each record whose interval moved by this much (ms).
const INTERVAL_SHOWN_MS: f64 = 20.0;

/// The global intervals whose change is reported.
const INTERVALS: [&str; 4] = ["PR", "QRS", "QT", "P duration"];

/// The [`INTERVALS`] of an analysis (ms).
fn intervals(m: &ecg::Measurements) -> [Option<f64>; 4] {
    [m.pr, m.qrs, m.qt, m.p_duration].map(|v| v.map(|v| v.0))
}

/// Mean, SD and the largest absolute value of `v` (NaN for none).
fn spread(v: &[f64]) -> (f64, f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    (mean, sd, v.iter().fold(0.0f64, |a, x| a.max(x.abs())))
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args::take_flag(&mut args, "--verbose");
    if args.is_empty() {
        eprintln!("usage: ludb_robustness DIR_OR_HEA... [--verbose]");
        std::process::exit(2);
    }
    let disturbances = [
        Disturbance::Noise { rms_uv: 10.0 },
        Disturbance::Noise { rms_uv: 25.0 },
        Disturbance::Wander { mv: 0.3, hz: 0.3 },
        Disturbance::Mains { uv: 40.0, hz: 50.0 },
        Disturbance::Mains { uv: 40.0, hz: 60.0 },
        Disturbance::Resampled { hz: 1000.0 },
        Disturbance::Resampled { hz: 250.0 },
        Disturbance::Shifted { s: 0.4 },
        Disturbance::Gain { factor: 0.8 },
        Disturbance::V4Off { s: 3.0 },
        Disturbance::ResampledNoise {
            hz: 250.0,
            rms_uv: 25.0,
        },
    ];
    let inputs: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let mut tallies: Vec<Tally> = disturbances.iter().map(|_| Tally::default()).collect();
    let (mut base_tp, mut base_fp, mut n) = (0, 0, 0);
    for path in records::wfdb_headers(&inputs) {
        let name = records::name_of(&path);
        let (header, rec) = match records::open_labelled(&path) {
            Ok(r) => r,
            Err(e) => {
                println!("failed: {name}: {e}");
                continue;
            }
        };
        let labels = Labels::from_header(&header, &rec.annotations);
        let (base, tp, fp, base_read, base_iv) = match stated(&labels, &rec) {
            Ok(s) => s,
            Err(e) => {
                println!("failed: {name}: analysis: {e}");
                continue;
            }
        };
        n += 1;
        base_tp += tp;
        base_fp += fp;
        for (d, tally) in disturbances.iter().zip(&mut tallies) {
            let (now, tp, fp, read, iv) = match stated(&labels, &disturbed(&rec, *d)) {
                Ok(s) => s,
                Err(e) => {
                    println!("failed: {name} ({}): analysis: {e}", d.name());
                    continue;
                }
            };
            tally.tp += tp;
            tally.fp += fp;
            for (((change, was), is), name_iv) in tally
                .interval_change
                .iter_mut()
                .zip(base_iv)
                .zip(iv)
                .zip(INTERVALS)
            {
                if let (Some(was), Some(is)) = (was, is) {
                    change.push(is - was);
                    if verbose && (is - was).abs() >= INTERVAL_SHOWN_MS {
                        println!("{name} ({}): {name_iv} {was:.0} -> {is:.0} ms", d.name());
                    }
                }
            }
            let gained: Vec<&str> = now.iter().filter(|c| !base.contains(c)).copied().collect();
            let lost: Vec<&str> = base.iter().filter(|c| !now.contains(c)).copied().collect();
            if gained.is_empty() && lost.is_empty() {
                continue;
            }
            tally.changed.push(name.clone());
            for c in &gained {
                tally.gained.entry(c).or_default().push(name.clone());
            }
            for c in &lost {
                tally.lost.entry(c).or_default().push(name.clone());
            }
            if verbose {
                println!(
                    "{name} ({}): gained [{}] lost [{}]",
                    d.name(),
                    gained.join(", "),
                    lost.join(", ")
                );
                for s in base_read.iter().filter(|s| !read.contains(s)) {
                    println!("    - {s}");
                }
                for s in read.iter().filter(|s| !base_read.contains(s)) {
                    println!("    + {s}");
                }
            }
        }
    }
    println!("{n} records; as read: {base_tp} true and {base_fp} false positives over the classes");
    println!(
        "{:<32} {:>8} {:>5} {:>5}",
        "disturbance", "changed", "TP", "FP"
    );
    for (d, t) in disturbances.iter().zip(&tallies) {
        println!(
            "{:<32} {:>8} {:>5} {:>5}",
            d.name(),
            t.changed.len(),
            t.tp,
            t.fp
        );
    }
    println!("interval change against the recording as read (ms): mean ± SD (largest)");
    println!(
        "{:<32} {}",
        "disturbance",
        INTERVALS.map(|n| format!("{n:>20}")).join("")
    );
    for (d, t) in disturbances.iter().zip(&tallies) {
        let cells = t.interval_change.iter().map(|v| {
            let (mean, sd, max) = spread(v);
            format!("{:>20}", format!("{mean:+.1} ± {sd:.1} ({max:.0})"))
        });
        println!("{:<32} {}", d.name(), cells.collect::<String>());
    }
    for (d, t) in disturbances.iter().zip(&tallies) {
        for (c, recs) in &t.gained {
            println!("{}: + {c} [{}]", d.name(), recs.join(" "));
        }
        for (c, recs) in &t.lost {
            println!("{}: - {c} [{}]", d.name(), recs.join(" "));
        }
    }
}
