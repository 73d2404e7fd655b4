//! Statement stability on any recording: which statements come and go when each lead gets
//! disturbances of its own, as leads digitised one by one (scanned or converted archives)
//! carry them.
//!
//! `cargo run --release -p heartlens-signal --example statement_stability -- [--why]
//! [--realisations N] FILE...`
//!
//! Unlike `ludb_robustness` (labelled WFDB records, scored classes, disturbances at the
//! electrodes), it reads any format the readers open and needs no labels: for each file and
//! disturbance it prints each statement gained (+) or lost (-) against the recording as read,
//! with how many of the N realisations (default 1) changed it, and nothing when none did;
//! with `--why`, the criterion (the disturbed reading's for a gained statement, the
//! undisturbed one's for a lost one, from the first realisation that changed it). A last
//! line sums the changes over files, disturbances and realisations, per realisation.
//! Disturbances (deterministic, one stream per lead and realisation): white Gaussian noise
//! of 25 and 50 µV RMS (realisation 0 is `ludb_robustness`'s streams), and a 0.3 Hz sine of
//! 0.3 mV at a phase of its own per lead (breathing, lead by lead). Philips files end in a
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

fn statements(rec: &ecg::Recording) -> Result<Vec<ecg::Statement>, String> {
    signal::analyze(rec, &signal::AnalysisOptions::default())
        .map(|a| a.statements)
        .map_err(|e| e.to_string())
}

/// The statements of `of` whose text is not among `other`'s.
fn not_in<'a>(of: &'a [ecg::Statement], other: &[ecg::Statement]) -> Vec<&'a ecg::Statement> {
    of.iter()
        .filter(|s| !other.iter().any(|o| o.text == s.text))
        .collect()
}

/// One statement gained or lost under a disturbance: its sign, text, criterion (from the
/// first realisation that changed it) and in how many realisations it changed.
struct Change {
    sign: char,
    text: String,
    criterion: String,
    count: usize,
}

/// Counts `ss` (gained `+` or lost `-`) into `changes`.
fn tally(changes: &mut Vec<Change>, sign: char, ss: &[&ecg::Statement]) {
    for s in ss {
        match changes
            .iter_mut()
            .find(|c| c.sign == sign && c.text == s.text)
        {
            Some(c) => c.count += 1,
            None => changes.push(Change {
                sign,
                text: s.text.clone(),
                criterion: s.criterion.clone().unwrap_or_else(|| "-".into()),
                count: 1,
            }),
        }
    }
}

fn main() {
    let mut files = args::files_or_usage("statement_stability");
    let why = args::take_flag(&mut files, "--why");
    let n: u64 = match args::take_value(&mut files, "--realisations", "count").map(|v| v.parse()) {
        None => 1,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("--realisations needs a whole number above 0");
            std::process::exit(2);
        }
    };
    let mut total = 0;
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
            let mut changes = Vec::new();
            for r in 0..n {
                match disturb::per_lead(&rec, uv, wander, r).and_then(|r| statements(&r)) {
                    Ok(t) => {
                        tally(&mut changes, '+', &not_in(&t, &base));
                        tally(&mut changes, '-', &not_in(&base, &t));
                    }
                    Err(e) => println!("{f} {name} (realisation {r}): {e}"),
                }
            }
            if !changes.is_empty() {
                println!("{f} {name}:");
            }
            for c in &changes {
                println!("  {} {} ({}/{n})", c.sign, c.text, c.count);
                if why {
                    println!("      {}", c.criterion);
                }
                total += c.count;
            }
        }
    }
    println!(
        "statements gained or lost per realisation: {:.1} (over {n} realisation(s))",
        total as f64 / n as f64
    );
}
