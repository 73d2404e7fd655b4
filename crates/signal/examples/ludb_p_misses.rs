//! Where the P waves the analysis misses (and adds) are, against per-lead reference marks.
//!
//! `cargo run --release -p heartlens-signal --example ludb_p_misses -- DIR_OR_HEA... [--list]`
//!
//! For every reference P wave (LUDB's per-lead marks) that no detected P in the same lead
//! matches (peaks within 150 ms, as `ludb_eval` scores), it notes the record's rhythm label,
//! the lead, the P's size on the 0.5-40 Hz signal (peak minus the mean of its onset and offset
//! levels), how many leads the marks show that P in, how many of our leads found it, whether
//! the beat has a global P of ours, and whether it is the first or last marked P of the lead.
//! Prints a summary by cause and per record; `--list` prints every miss and every added P.

#[path = "common/args.rs"]
mod args;
#[path = "common/records.rs"]
mod records;

use std::collections::BTreeMap;
use std::path::PathBuf;

use ecg::{LeadLabel, WaveKind};
use signal::evaluate::{MarkedWave, analysis_global_waves, analysis_waves, reference_waves};
use signal::{Filter, Highpass, Lowpass};

/// Peaks within this match (s), as in `ludb_eval`.
const TOL_S: f64 = 0.15;

fn centre(w: &MarkedWave) -> Option<f64> {
    w.peak_s.or(match (w.onset_s, w.offset_s) {
        (Some(a), Some(b)) => Some(0.5 * (a + b)),
        _ => None,
    })
}

/// One lead's 0.5-40 Hz signal in mV.
fn band(rec: &ecg::Recording, lead: &LeadLabel) -> Option<(Vec<f64>, f64)> {
    let l = rec.lead(lead)?;
    let fs = l.sampling_rate_hz;
    let uv = l.read_uv(0, l.n_samples())?.ok()?;
    let mv: Vec<f64> = uv.iter().map(|v| v / 1000.0).collect();
    let hp = Highpass::MONITORING.apply(&mv, fs).ok()?;
    Some((Lowpass::HZ40.apply(&hp, fs).ok()?, fs))
}

fn at(x: &[f64], fs: f64, t: f64) -> Option<f64> {
    x.get((t * fs).round() as usize).copied()
}

/// Closest-first one-to-one matching of reference and detected centres within [`TOL_S`]:
/// which references and which detections were matched.
fn matched(r: &[f64], d: &[f64]) -> (Vec<bool>, Vec<bool>) {
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (i, a) in r.iter().enumerate() {
        for (j, b) in d.iter().enumerate() {
            if (a - b).abs() <= TOL_S {
                pairs.push(((a - b).abs(), i, j));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut ur, mut ud) = (vec![false; r.len()], vec![false; d.len()]);
    for (_, i, j) in pairs {
        if !ur[i] && !ud[j] {
            ur[i] = true;
            ud[j] = true;
        }
    }
    (ur, ud)
}

#[derive(Default)]
struct Tally {
    n: usize,
    amp: Vec<f64>,
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let list = args::take_flag(&mut args, "--list");
    if args.is_empty() {
        eprintln!("usage: ludb_p_misses DIR_OR_HEA... [--list]");
        std::process::exit(2);
    }
    let inputs: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let mut causes: BTreeMap<&str, Tally> = BTreeMap::new();
    let (mut n_ref, mut n_fn, mut n_fp) = (0usize, 0usize, 0usize);
    let mut per_record = Vec::new();
    let mut cluster_sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for path in records::wfdb_headers(&inputs) {
        let name = records::name_of(&path);
        let header = std::fs::read_to_string(&path).unwrap_or_default();
        let rhythm = header
            .lines()
            .find_map(|l| l.strip_prefix("#Rhythm:"))
            .unwrap_or("?")
            .trim()
            .trim_end_matches('.')
            .to_string();
        let rec = match formats::open(&path) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{name}: {e}");
                continue;
            }
        };
        let a = match signal::analyze(&rec, &signal::AnalysisOptions::default()) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("{name}: analysis: {e}");
                continue;
            }
        };
        let state = if a.atrial_fibrillation {
            "AF"
        } else if a.atrial_flutter {
            "flutter"
        } else if a.global_waves.iter().any(|w| w.kind == WaveKind::P) {
            "P"
        } else {
            "no P"
        };
        let refs: Vec<MarkedWave> = reference_waves(&rec.annotations)
            .into_iter()
            .filter(|w| w.kind == WaveKind::P)
            .collect();
        let ours: Vec<MarkedWave> = analysis_waves(&a)
            .into_iter()
            .filter(|w| w.kind == WaveKind::P)
            .collect();
        let global: Vec<f64> = analysis_global_waves(&a)
            .iter()
            .filter(|w| w.kind == WaveKind::P)
            .filter_map(centre)
            .collect();
        let all_ref: Vec<f64> = refs.iter().filter_map(centre).collect();
        let all_ours: Vec<f64> = ours.iter().filter_map(centre).collect();
        let mut leads: Vec<LeadLabel> = Vec::new();
        for w in &refs {
            if let Some(l) = &w.lead
                && !leads.contains(l)
            {
                leads.push(l.clone());
            }
        }
        let (mut r_fn, mut r_fp, mut r_ref) = (0usize, 0usize, 0usize);
        for lead in &leads {
            let r: Vec<&MarkedWave> = refs
                .iter()
                .filter(|w| w.lead.as_ref() == Some(lead))
                .collect();
            let rc: Vec<f64> = r.iter().filter_map(|w| centre(w)).collect();
            // The lead's marked stretch (any wave kind), as the scoring counts added waves.
            let stretch: Vec<f64> = reference_waves(&rec.annotations)
                .iter()
                .filter(|w| w.lead.as_ref() == Some(lead))
                .flat_map(|w| [w.onset_s, w.offset_s])
                .flatten()
                .collect();
            let (lo, hi) = (
                stretch.iter().copied().fold(f64::INFINITY, f64::min),
                stretch.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            );
            let dc: Vec<f64> = ours
                .iter()
                .filter(|w| w.lead.as_ref() == Some(lead))
                .filter_map(centre)
                .filter(|c| *c >= lo - TOL_S && *c <= hi + TOL_S)
                .collect();
            let (ur, ud) = matched(&rc, &dc);
            let sig = band(&rec, lead);
            r_ref += rc.len();
            for (i, w) in r.iter().enumerate() {
                if ur[i] {
                    continue;
                }
                r_fn += 1;
                let c = rc[i];
                let amp = sig.as_ref().and_then(|(x, fs)| {
                    let pk = at(x, *fs, w.peak_s?)?;
                    let base = 0.5 * (at(x, *fs, w.onset_s?)? + at(x, *fs, w.offset_s?)?);
                    Some(pk - base)
                });
                let ref_leads = all_ref.iter().filter(|v| (*v - c).abs() <= 0.06).count();
                let our_leads = all_ours.iter().filter(|v| (*v - c).abs() <= TOL_S).count();
                let has_global = global.iter().any(|g| (g - c).abs() <= TOL_S);
                let edge = if i == 0 {
                    "first"
                } else if i + 1 == r.len() {
                    "last"
                } else {
                    ""
                };
                let cause = match state {
                    "AF" | "flutter" => "record: AF/flutter called",
                    "no P" => "record: P not organised (all dropped)",
                    _ if has_global => "beat has our P, lead missed",
                    _ if our_leads > 0 => "beat: P in too few leads",
                    _ => "beat: no P in any lead",
                };
                let t = causes.entry(cause).or_default();
                t.n += 1;
                t.amp.extend(amp);
                if list {
                    println!(
                        "FN {name:>3} {rhythm:<28} {:<4} {c:7.3}s amp {:>7} ref-leads {ref_leads:>2} our-leads {our_leads:>2} global {} {edge:<5} [{cause}]",
                        lead.to_string(),
                        amp.map_or("-".into(), |v| format!("{v:+.3}")),
                        if has_global { "y" } else { "n" },
                    );
                }
            }
            for (j, c) in dc.iter().enumerate() {
                if ud[j] || *c < lo || *c > hi {
                    continue;
                }
                r_fp += 1;
                if list {
                    println!("FP {name:>3} {rhythm:<28} {:<4} {c:7.3}s", lead.to_string());
                }
            }
        }
        // How many leads the marks show each P in (clusters of marked P centres within 60 ms).
        let mut sorted = all_ref.clone();
        sorted.sort_by(f64::total_cmp);
        let mut i = 0;
        while i < sorted.len() {
            let mut j = i;
            while j < sorted.len() && sorted[j] - sorted[i] <= 0.06 {
                j += 1;
            }
            *cluster_sizes.entry(j - i).or_insert(0usize) += 1;
            i = j;
        }
        n_ref += r_ref;
        n_fn += r_fn;
        n_fp += r_fp;
        per_record.push((name, rhythm, state, r_ref, r_fn, r_fp));
    }
    println!("\nreference P waves (per lead): {n_ref}, missed {n_fn}, added {n_fp}");
    println!("marked P waves by the number of leads marking them: {cluster_sizes:?}");
    println!("missed by cause (count, median |size| mV of the marked P on 0.5-40 Hz):");
    for (cause, t) in &causes {
        let mut a: Vec<f64> = t.amp.iter().map(|v| v.abs()).collect();
        a.sort_by(f64::total_cmp);
        let med = a.get(a.len() / 2).copied().unwrap_or(f64::NAN);
        let small = a.iter().filter(|v| **v < 0.025).count();
        println!(
            "  {cause:<40} {:>5}  median {med:.3}  under 0.025 mV: {small}",
            t.n
        );
    }
    println!(
        "\nrecords with misses or additions (record, rhythm label, our P state, ref, missed, added):"
    );
    per_record.sort_by_key(|r| std::cmp::Reverse(r.4));
    for (name, rhythm, state, r, f, p) in per_record.iter().filter(|r| r.4 + r.5 > 0) {
        println!("  {name:>3} {rhythm:<40} {state:<8} {r:>4} {f:>4} {p:>4}");
    }
}
