//! How well and how steadily the median beat's global P boundaries are placed: the PR interval
//! and P-wave duration against the cardiologists' marks, and how far white noise moves them.
//!
//! `cargo run --release -p heartlens-signal --example p_boundaries -- DIR_OR_HEA... [--seeds N] [--noise UV] [--verbose]`
//!
//! For each LUDB-layout record (per-lead P/QRS marks in its annotation files) the analysis
//! reads the median beat's PR and P duration; the marks give the same per beat (the earliest
//! P onset marked in any lead to the earliest QRS onset, and to the latest P offset; median
//! over the beats marked in 6+ leads). The record is then read again under `--seeds`
//! realisations of white noise of `--noise` µV RMS (its own stream per lead and realisation).
//! Printed: the error against the marks (mean ± SD, as read and under noise), the shift noise
//! causes (noisy minus as read), and how many readings cross the statement bounds (P duration
//! 120 ms for left atrial abnormality, PR 200 ms for first-degree AV block) under noise.

#[path = "common/args.rs"]
mod args;
#[path = "common/noise.rs"]
mod noise;
#[path = "common/records.rs"]
mod records;

use std::path::PathBuf;

use signal::evaluate::{global_reference_waves, reference_waves};

/// The P duration (ms) at and above which left atrial abnormality is stated.
const LAA_MS: f64 = 120.0;
/// The PR (ms) above which first-degree AV block is stated.
const AVB1_MS: f64 = 200.0;

/// The marks' median PR and P duration (ms).
fn marked(annotations: &[ecg::Annotation]) -> (Option<f64>, Option<f64>) {
    let g = global_reference_waves(&reference_waves(annotations), 0.12, 6);
    let mut prs = Vec::new();
    let mut pds = Vec::new();
    for q in g.iter().filter(|w| w.kind == ecg::WaveKind::Qrs) {
        let Some(on) = q.onset_s else { continue };
        let p = g
            .iter()
            .filter(|w| w.kind == ecg::WaveKind::P)
            .filter(|w| w.onset_s.is_some_and(|p| p < on && on - p < 0.4))
            .max_by(|a, b| a.onset_s.unwrap().total_cmp(&b.onset_s.unwrap()));
        if let Some(p) = p {
            let pon = p.onset_s.unwrap();
            prs.push((on - pon) * 1000.0);
            if let Some(poff) = p.offset_s {
                pds.push((poff - pon) * 1000.0);
            }
        }
    }
    let med = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (!v.is_empty()).then(|| v[v.len() / 2])
    };
    (med(prs), med(pds))
}

fn with_noise(rec: &ecg::Recording, uv: f64, seed: u64) -> ecg::Recording {
    let mut out = rec.clone();
    out.leads = rec
        .leads
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let per_uv = 1.0 / l.unit.to_uv_factor().unwrap_or(1000.0);
            let mut g = noise::Gaussian::new(seed ^ (k as u64 + 1));
            let y: Vec<f32> = l
                .signal
                .to_vec()
                .unwrap_or_else(|e| panic!("{}: {e}", l.original_label))
                .into_iter()
                .map(|v| (f64::from(v) + uv * per_uv * g.next()) as f32)
                .collect();
            l.with_samples(l.sampling_rate_hz, y)
        })
        .collect();
    out
}

fn pr_pd(rec: &ecg::Recording) -> (Option<f64>, Option<f64>) {
    match signal::analyze(rec, &signal::AnalysisOptions::default()) {
        Ok(a) => (
            a.measurements.pr.map(|v| v.0),
            a.measurements.p_duration.map(|v| v.0),
        ),
        Err(_) => (None, None),
    }
}

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
    let inputs: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let (mut pr_err, mut pd_err, mut pr_err_n, mut pd_err_n) = (vec![], vec![], vec![], vec![]);
    let (mut pr_shift, mut pd_shift) = (vec![], vec![]);
    let (mut laa_flips, mut avb_flips, mut readings) = (0, 0, 0);
    for hea in records::wfdb_headers(&inputs) {
        let name = records::name_of(&hea);
        let Ok((_, rec)) = records::open_labelled(&hea) else {
            continue;
        };
        let (mpr, mpd) = marked(&rec.annotations);
        let (pr, pd) = pr_pd(&rec);
        let d = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a - b);
        if let Some(e) = d(pr, mpr) {
            pr_err.push(e);
        }
        if let Some(e) = d(pd, mpd) {
            pd_err.push(e);
        }
        let mut noisy = Vec::new();
        for s in 0..seeds {
            let (npr, npd) = pr_pd(&with_noise(&rec, uv, noise::SEED.wrapping_add(s * 7919)));
            noisy.push((npr, npd));
            if let Some(e) = d(npr, mpr) {
                pr_err_n.push(e);
            }
            if let Some(e) = d(npd, mpd) {
                pd_err_n.push(e);
            }
            if let Some(e) = d(npr, pr) {
                pr_shift.push(e);
            }
            if let Some(e) = d(npd, pd) {
                pd_shift.push(e);
            }
            readings += 1;
            let crosses = |a: Option<f64>, b: Option<f64>, bound: f64, ge: bool| {
                let st =
                    |v: Option<f64>| v.is_some_and(|v| if ge { v >= bound } else { v > bound });
                st(a) != st(b)
            };
            laa_flips += usize::from(crosses(pd, npd, LAA_MS, true));
            avb_flips += usize::from(crosses(pr, npr, AVB1_MS, false));
        }
        if verbose {
            let f = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0}"));
            let n: Vec<String> = noisy
                .iter()
                .map(|(a, b)| format!("{}/{}", f(*a), f(*b)))
                .collect();
            println!(
                "{name}: PR/Pdur marks {}/{} read {}/{} noisy {}",
                f(mpr),
                f(mpd),
                f(pr),
                f(pd),
                n.join(" ")
            );
        }
    }
    println!(
        "error against the marks (ms), as read: PR {}",
        spread(&pr_err)
    );
    println!(
        "                                      P duration {}",
        spread(&pd_err)
    );
    println!(
        "error against the marks under {uv} uV: PR {}",
        spread(&pr_err_n)
    );
    println!(
        "                                      P duration {}",
        spread(&pd_err_n)
    );
    println!("shift under noise: PR {}", spread(&pr_shift));
    println!("                   P duration {}", spread(&pd_shift));
    println!(
        "readings under noise crossing a bound: LAA (P >= {LAA_MS}) {laa_flips}, first-degree AV block (PR > {AVB1_MS}) {avb_flips}, of {readings}"
    );
}
