//! Delineation and beat-detection accuracy on WFDB records with reference marks.
//!
//! `cargo run --release -p heartlens-signal --example ludb_eval -- [DIR_OR_HEA...]`
//! (default: the eight LUDB records in `tests/data/wfdb/ludb`). Prints per-record and total
//! Se / PPV / mean ± SD (ms) for P, QRS and T, the analysis time per record, and, with
//! `--csv FILE`, one row per record and wave for the benchmark tables. `--repeat N` analyses
//! each record N times and reports the median time (the VM this is benchmarked on is shared).

#[path = "common/args.rs"]
mod args;
#[path = "common/records.rs"]
mod records;

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use signal::evaluate::{
    DelineationReport, analysis_global_waves, analysis_waves, evaluate_delineation,
    global_reference_waves, reference_waves,
};

/// Marks of one wave in different leads lie within this of each other (s).
const GLOBAL_CLUSTER_S: f64 = 0.12;
/// A global reference wave needs marks in this many leads.
const GLOBAL_MIN_LEADS: usize = 6;

fn records(args: &[String]) -> Vec<PathBuf> {
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/wfdb/ludb");
    let inputs: Vec<PathBuf> = if args.is_empty() {
        vec![PathBuf::from(default)]
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    records::wfdb_headers(&inputs)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let csv = args::take_value(&mut args, "--csv", "FILE");
    let repeat = args::take_value(&mut args, "--repeat", "count").map_or(1, |v| {
        v.parse::<usize>()
            .unwrap_or_else(|_| panic!("--repeat {v}: not a whole number"))
            .max(1)
    });
    let mut csv = csv.map(|f| {
        let mut w = std::fs::File::create(&f).expect("writable CSV");
        writeln!(w, "tool,record,wave,n_ref,n_det,tp,se,ppv,on_mean,on_sd,peak_mean,peak_sd,off_mean,off_sd,seconds").unwrap();
        w
    });
    let mut total = DelineationReport::empty();
    let mut total_global = DelineationReport::empty();
    let mut total_s = 0.0;
    for path in records(&args) {
        let rec = formats::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut times = Vec::with_capacity(repeat);
        let mut analysis = None;
        for _ in 0..repeat {
            let t0 = Instant::now();
            let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis");
            times.push(t0.elapsed().as_secs_f64());
            analysis = Some(a);
        }
        let a = analysis.expect("analysed at least once");
        times.sort_by(f64::total_cmp);
        let secs = times[times.len() / 2];
        total_s += secs;
        let reference = reference_waves(&rec.annotations);
        let rep = evaluate_delineation(&reference, &analysis_waves(&a), 0.15);
        let global = evaluate_delineation(
            &global_reference_waves(&reference, GLOBAL_CLUSTER_S, GLOBAL_MIN_LEADS),
            &analysis_global_waves(&a),
            0.15,
        );
        total_global.merge(&global);
        let name = records::name_of(&path);
        println!("== {name}: {} beats, {:.1} ms", a.beats.len(), secs * 1e3);
        println!("{rep}");
        if let Some(w) = csv.as_mut() {
            for s in &rep.waves {
                writeln!(
                    w,
                    "heartlens,{name},{:?},{},{},{},{:.4},{:.4},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2},{:.6}",
                    s.kind, s.n_reference, s.n_detected, s.true_positives, s.sensitivity(), s.ppv(),
                    s.onset.mean(), s.onset.sd(), s.peak.mean(), s.peak.sd(), s.offset.mean(), s.offset.sd(), secs
                )
                .unwrap();
            }
        }
        total.merge(&rep);
    }
    println!(
        "== all records ({:.1} ms analysis in total)\n{total}",
        total_s * 1e3
    );
    println!(
        "== global (all-lead) waves per beat against the earliest onset / median peak / latest \
         offset of the cardiologist's marks in the {GLOBAL_MIN_LEADS}+ leads that mark the wave\n{total_global}"
    );
}
