//! Limb-lead calibration under noise: whether the Einthoven check ("Limb leads inconsistent
//! with Einthoven's law: lead gains suspect") holds on calibrated recordings when each lead
//! gets white noise of its own, as leads digitised one by one do.
//!
//! `cargo run --release -p heartlens-signal --example limb_noise -- FILE...`
//!
//! For each file (any format the readers open) and each noise level (0, 25, 50 and 100 µV
//! RMS, Gaussian, one stream per lead as in `ludb_robustness`), it prints the departure the
//! check reports when it states the statement ("-" when it does not) and the voltage
//! statements read (hypertrophy, low voltage, atrial abnormality by height), which the
//! statement withholds. A calibrated file should read "-" at every level.

#[path = "common/args.rs"]
mod args;
#[path = "common/disturb.rs"]
mod disturb;
#[path = "common/noise.rs"]
mod noise;

const LEVELS_UV: [f64; 4] = [0.0, 25.0, 50.0, 100.0];

fn main() {
    let files = args::files_or_usage("limb_noise");
    println!(
        "{:<48} {:>8} {:>10}  voltage statements",
        "file", "noise uV", "departure"
    );
    for f in &files {
        let Some(rec) = args::open_or_say(f) else {
            continue;
        };
        for uv in LEVELS_UV {
            let disturbed = match disturb::per_lead(&rec, uv, 0.0, 0) {
                Ok(r) => r,
                Err(e) => {
                    println!("{f}: {e}");
                    break;
                }
            };
            let a = match signal::analyze(&disturbed, &signal::AnalysisOptions::default()) {
                Ok(a) => a,
                Err(e) => {
                    println!("{f}: {e}");
                    break;
                }
            };
            let departure = a
                .statements
                .iter()
                .find(|s| s.text.starts_with("Limb leads inconsistent"))
                .and_then(|s| s.criterion.as_deref())
                .and_then(|c| c.split("by up to ").nth(1))
                .and_then(|c| c.split('%').next())
                .map_or("-".to_string(), |p| format!("{p} %"));
            let voltage: Vec<&str> = a
                .statements
                .iter()
                .map(|s| s.text.as_str())
                .filter(|t| {
                    t.contains("hypertrophy")
                        || t.contains("voltage") && !t.contains("Einthoven")
                        || t.starts_with("Right atrial abnormality")
                })
                .collect();
            let name = std::path::Path::new(f)
                .file_name()
                .map_or(f.clone(), |n| n.to_string_lossy().into_owned());
            println!(
                "{name:<48} {uv:>8.0} {departure:>10}  {}",
                voltage.join("; ")
            );
        }
    }
}
