//! Statement stability on any recording: which statements come and go when each lead gets
//! disturbances of its own, as leads digitised one by one (scanned or converted archives)
//! carry them.
//!
//! `cargo run --release -p heartlens-signal --example statement_stability -- FILE...`
//!
//! Unlike `ludb_robustness` (labelled WFDB records, scored classes, disturbances at the
//! electrodes), it reads any format the readers open and needs no labels: for each file it
//! prints, per disturbance, the statements gained (+) and lost (-) against the recording as
//! read, and nothing when none changed. Disturbances (deterministic, one stream per lead):
//! white Gaussian noise of 25 and 50 µV RMS (`ludb_robustness`'s streams), and a 0.3 Hz sine
//! of 0.3 mV at a phase of its own per lead (breathing, lead by lead). Philips files end in a
//! calibration pulse that is cut only while it is clean: disturbed, it makes a beat there.

#[path = "common/args.rs"]
mod args;
#[path = "common/disturb.rs"]
mod disturb;
#[path = "common/noise.rs"]
mod noise;

/// (name, white noise µV RMS, wander mV at 0.3 Hz)
const DISTURBANCES: [(&str, f64, f64); 3] = [
    ("noise 25 uV", 25.0, 0.0),
    ("noise 50 uV", 50.0, 0.0),
    ("wander 0.3 mV 0.3 Hz per lead", 0.0, 0.3),
];

fn statements(rec: &ecg::Recording) -> Result<Vec<String>, String> {
    signal::analyze(rec, &signal::AnalysisOptions::default())
        .map(|a| a.statements.into_iter().map(|s| s.text).collect())
        .map_err(|e| e.to_string())
}

fn main() {
    let files = args::files_or_usage("statement_stability");
    for f in &files {
        let Some(rec) = args::open_or_say(f) else {
            continue;
        };
        let base = match statements(&rec) {
            Ok(s) => s,
            Err(e) => {
                println!("{f}: {e}");
                continue;
            }
        };
        for (name, uv, wander) in DISTURBANCES {
            match disturb::per_lead(&rec, uv, wander).and_then(|r| statements(&r)) {
                Ok(t) => {
                    let plus: Vec<&String> = t.iter().filter(|s| !base.contains(s)).collect();
                    let minus: Vec<&String> = base.iter().filter(|s| !t.contains(s)).collect();
                    if !plus.is_empty() || !minus.is_empty() {
                        println!("{f} {name}: + {plus:?} - {minus:?}");
                    }
                }
                Err(e) => println!("{f} {name}: {e}"),
            }
        }
    }
}
