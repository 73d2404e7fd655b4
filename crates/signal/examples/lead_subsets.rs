//! Reads every record of a folder on its twelve leads and on lead subsets a monitor, a Holter
//! or a single-lead device records (I; II; V1; II + V1; II + V5; I + II + V1), and lists the
//! statements each subset adds to or drops from the twelve-lead reading, then counts the
//! additions by subset and statement: a subset's extra statement is most often one the
//! fewer leads cannot support.
//!
//! Where the records carry QRS marks (LUDB's per-lead marks, a QRS where six leads or more mark
//! one), each subset's detected beats are also scored against them (a beat within 150 ms of a
//! mark), and the sensitivity and positive predictive value per subset close the output.
//!
//! `cargo run --release -p heartlens-signal --example lead_subsets -- ../shared/ludb-dev`
//! (any folder of WFDB headers, or header paths); `--detail 'II'` also prints the beats and
//! criteria of that subset's readings (leads joined by `+`, e.g. `II+V5`).
use std::collections::BTreeMap;

const SUBSETS: [&[&str]; 6] = [
    &["I"],
    &["II"],
    &["V1"],
    &["II", "V1"],
    &["II", "V5"],
    &["I", "II", "V1"],
];

/// The QRS complexes the record's marks agree on (six leads or more within 120 ms), in
/// seconds; empty without marks.
fn marked_qrs(rec: &ecg::Recording) -> Vec<f64> {
    use signal::evaluate::{global_reference_waves, reference_waves};
    global_reference_waves(&reference_waves(&rec.annotations), 0.12, 6)
        .iter()
        .filter(|w| w.kind == ecg::WaveKind::Qrs)
        .filter_map(|w| w.peak_s.or(w.onset_s))
        .collect()
}

/// Detected beats against the marks between the first and the last mark (LUDB leaves the
/// beats outside that stretch unmarked): true positives, false negatives, false positives.
fn score_beats(a: &signal::Analysis, marks: &[f64]) -> (usize, usize, usize) {
    let (Some(&first), Some(&last)) = (marks.first(), marks.last()) else {
        return (0, 0, 0);
    };
    let near = |x: f64, ys: &[f64]| ys.iter().any(|&y| (x - y).abs() <= 0.15);
    let found: Vec<f64> = a
        .beats
        .iter()
        .map(|b| b.r_s)
        .filter(|&t| t >= first - 0.15 && t <= last + 0.15)
        .collect();
    let tp = marks.iter().filter(|&&m| near(m, &found)).count();
    let fp = found.iter().filter(|&&f| !near(f, marks)).count();
    (tp, marks.len() - tp, fp)
}

fn texts(a: &signal::Analysis) -> Vec<String> {
    a.statements.iter().map(|s| s.text.clone()).collect()
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let detail = args.iter().position(|a| a == "--detail").map(|i| {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        args.drain(i..(i + 2).min(args.len()));
        v
    });
    let mut paths: Vec<std::path::PathBuf> = Vec::new();
    for a in &args {
        let p = std::path::PathBuf::from(a);
        if p.is_dir() {
            let mut heas: Vec<_> = std::fs::read_dir(&p)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "hea"))
                .collect();
            heas.sort_by_key(|p| {
                let stem = p
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                (stem.parse::<u64>().unwrap_or(u64::MAX), stem)
            });
            paths.extend(heas);
        } else {
            paths.push(p);
        }
    }
    let mut added: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut detection: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for p in &paths {
        let name = p
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let rec = match formats::open(p) {
            Ok(r) => r,
            Err(e) => {
                println!("{}: {e}", p.display());
                continue;
            }
        };
        let full = match signal::analyze(&rec, &signal::AnalysisOptions::default()) {
            Ok(a) => texts(&a),
            Err(e) => {
                println!("{}: analysis: {e}", p.display());
                continue;
            }
        };
        println!("== {name}\n  12 leads: {}", full.join("; "));
        let marks = marked_qrs(&rec);
        for sub in SUBSETS {
            let key = sub.join("+");
            let mut r = rec.clone();
            r.leads.retain(|l| {
                sub.iter()
                    .any(|s| l.label.to_string().eq_ignore_ascii_case(s))
            });
            if r.leads.len() != sub.len() {
                println!("  {key}: leads missing");
                continue;
            }
            match signal::analyze(&r, &signal::AnalysisOptions::default()) {
                Ok(a) => {
                    if !marks.is_empty() {
                        let (tp, fn_, fp) = score_beats(&a, &marks);
                        let d = detection.entry(key.clone()).or_default();
                        (d.0, d.1, d.2) = (d.0 + tp, d.1 + fn_, d.2 + fp);
                    }
                    if detail.as_deref() == Some(key.as_str()) {
                        let beats: Vec<String> = a
                            .beats
                            .iter()
                            .map(|b| format!("{}@{:.2}", b.class.code(), b.r_s))
                            .collect();
                        println!("    {}", beats.join(" "));
                        for s in &a.statements {
                            println!("    {} [{}]", s.text, s.criterion.as_deref().unwrap_or(""));
                        }
                    }
                    let t = texts(&a);
                    let plus: Vec<&String> = t.iter().filter(|x| !full.contains(x)).collect();
                    let minus: Vec<&String> = full.iter().filter(|x| !t.contains(x)).collect();
                    println!("  {key}: + {plus:?} - {minus:?}");
                    for s in plus {
                        added
                            .entry((key.clone(), s.clone()))
                            .or_default()
                            .push(name.clone());
                    }
                }
                Err(e) => println!("  {key}: analysis: {e}"),
            }
        }
    }
    println!("\nstatements a subset adds (subset, statement: records)");
    let mut rows: Vec<_> = added.into_iter().collect();
    rows.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    for ((sub, s), recs) in rows {
        println!("  {:>3}  {sub}: {s}: {}", recs.len(), recs.join(" "));
    }
    if !detection.is_empty() {
        println!("\nQRS detection against the marks (subset: Se, PPV; missed, extra of marked)");
        for (sub, (tp, fn_, fp)) in &detection {
            let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
            println!(
                "  {sub}: Se {:.2} %, PPV {:.2} %; {fn_} missed, {fp} extra of {}",
                pct(*tp, tp + fn_),
                pct(*tp, tp + fp),
                tp + fn_
            );
        }
    }
}
