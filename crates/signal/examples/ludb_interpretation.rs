//! Interpretation accuracy: the analysis' statements against the cardiologists' diagnoses.
//!
//! `cargo run --release -p heartlens-signal --example ludb_interpretation -- DIR_OR_HEA... [--json FILE] [--verbose]`
//!
//! Reads every WFDB record (`.hea`) given or found in the folders given, analyses it and scores
//! each statement class against the record's labels ([`signal::interpretation_eval`]): LUDB
//! diagnoses in the header comments (`#Rhythm: Sinus rhythm.`, `#Complete right bundle branch
//! block.`, ...) or PhysioNet/CinC 2021 SNOMED-CT codes (`#Dx: 426783006,...`). Rate
//! statements are judged on the rate of the cardiologists' QRS marks by the AHA cut-offs
//! (< 60, > 100 bpm) when the record has marks, as the held-out scoring does. Prints per-class counts,
//! sensitivity and PPV, then every miss and false statement with the record's statements;
//! `--json FILE` writes the same per record and class for comparing two rule sets.

#[path = "common/args.rs"]
mod args;
#[path = "common/records.rs"]
mod records;

use std::path::PathBuf;

use signal::interpretation_eval::{ClassScore, Labels, score_record};

fn records(args: &[String]) -> Vec<PathBuf> {
    let inputs: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    records::wfdb_headers(&inputs)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let json = args::take_value(&mut args, "--json", "FILE");
    let verbose = args::take_flag(&mut args, "--verbose");
    if args.is_empty() {
        eprintln!("usage: ludb_interpretation DIR_OR_HEA... [--json FILE] [--verbose]");
        std::process::exit(2);
    }
    let mut totals: Vec<ClassScore> = Vec::new();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut n_records = 0usize;
    for path in records(&args) {
        let name = records::name_of(&path);
        let (header, rec) = match records::open_labelled(&path) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let labels = Labels::from_header(&header, &rec.annotations);
        let a = match signal::analyze(&rec, &signal::AnalysisOptions::default()) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{name}: analysis: {e}"));
                continue;
            }
        };
        n_records += 1;
        let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
        let outcomes = score_record(&labels, &texts);
        if verbose {
            let pr = marked_pr_ms(&rec.annotations);
            println!(
                "{name}: PR ours {} marked {} QRS ours {} | rate {} | labels: {} | statements: {}",
                a.measurements
                    .pr
                    .map_or("-".to_string(), |v| format!("{:.0}", v.0)),
                pr.map_or("-".to_string(), |v| format!("{v:.0}")),
                a.measurements
                    .qrs
                    .map_or("-".to_string(), |v| format!("{:.0}", v.0)),
                labels
                    .marked_rate_bpm
                    .map_or("-".to_string(), |r| format!("{r:.0}")),
                labels.diagnoses.join("; "),
                texts.join("; ")
            );
        }
        for (class, outcome) in &outcomes {
            let t = match totals.iter_mut().find(|t| t.class == *class) {
                Some(t) => t,
                None => {
                    totals.push(ClassScore::new(class));
                    totals.last_mut().expect("just pushed")
                }
            };
            t.add(*outcome, &name);
            rows.push(format!(
                "{{\"record\":\"{name}\",\"class\":\"{class}\",\"outcome\":\"{outcome:?}\"}}"
            ));
        }
        // A high-grade AV block on a sinus-rhythm record without a labelled block is listed.
        if labels.sinus
            && !signal::interpretation_eval::labelled(&labels, "third-degree AV block")
            && texts.iter().any(|t| {
                t.starts_with("2:1 AV block")
                    || t.starts_with("Advanced (high-grade) AV block")
                    || t.starts_with("Third-degree")
            })
        {
            println!(
                "!! {name}: high-grade AV block stated on a sinus-rhythm record: {}",
                texts.join("; ")
            );
        }
    }
    println!("{n_records} records analysed");
    println!(
        "{:<40} {:>5} {:>4} {:>4} {:>4} {:>7} {:>7}",
        "class", "true", "TP", "FN", "FP", "Se %", "PPV %"
    );
    for t in &totals {
        println!(
            "{:<40} {:>5} {:>4} {:>4} {:>4} {:>7} {:>7}",
            t.class,
            t.tp + t.fn_,
            t.tp,
            t.fn_,
            t.fp,
            pct(t.sensitivity()),
            pct(t.ppv())
        );
    }
    for t in &totals {
        if !t.missed.is_empty() || !t.false_records.is_empty() {
            println!(
                "{}: missed [{}] false [{}]",
                t.class,
                t.missed.join(" "),
                t.false_records.join(" ")
            );
        }
    }
    for f in &failures {
        println!("failed: {f}");
    }
    if let Some(f) = json {
        let body = format!("[\n{}\n]\n", rows.join(",\n"));
        std::fs::write(&f, body).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
}

/// Median PR of the cardiologists' marks: earliest QRS onset minus the earliest onset of the
/// P wave before it (global marks in 6+ leads).
fn marked_pr_ms(annotations: &[ecg::Annotation]) -> Option<f64> {
    use signal::evaluate::{global_reference_waves, reference_waves};
    let g = global_reference_waves(&reference_waves(annotations), 0.12, 6);
    let mut prs: Vec<f64> = g
        .iter()
        .filter(|w| w.kind == ecg::WaveKind::Qrs)
        .filter_map(|q| {
            let on = q.onset_s?;
            let p = g
                .iter()
                .filter(|w| w.kind == ecg::WaveKind::P)
                .filter_map(|w| w.onset_s)
                .filter(|&pon| pon < on && on - pon < 0.4)
                .fold(None, |acc: Option<f64>, v| {
                    Some(acc.map_or(v, |a| a.max(v)))
                })?;
            Some((on - p) * 1000.0)
        })
        .collect();
    prs.sort_by(f64::total_cmp);
    (!prs.is_empty()).then(|| prs[prs.len() / 2])
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |x| format!("{:.1}", 100.0 * x))
}
