//! Reads every record of a folder on its twelve leads and on lead subsets a monitor, a Holter
//! or a single-lead device records (I; II; V1; II + V1; II + V5; I + II + V1), and lists the
//! statements each subset adds to or drops from the twelve-lead reading, then counts the
//! additions by subset and statement: a subset's extra statement is most often one the
//! fewer leads cannot support.
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
}
