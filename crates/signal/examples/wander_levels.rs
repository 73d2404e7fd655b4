//! ST and T levels under baseline wander on any recording: how far each lead's ST level at
//! the J point and its T amplitude move when every lead gets a breathing-like wander of its
//! own (a 0.3 Hz sine at a phase per lead, as leads digitised one by one carry it).
//!
//! `cargo run --release -p heartlens-signal --example wander_levels -- FILE...`
//!
//! Per file and wander size (0.1, 0.3 and 0.5 mV), the largest change over the leads of the
//! ST level at J and of the T amplitude (µV, with its lead), against the recording as read;
//! then over all files the median and the largest of those. `statement_stability` shows which
//! statements such changes move.

#[path = "common/args.rs"]
mod args;
#[path = "common/disturb.rs"]
mod disturb;
#[path = "common/noise.rs"]
mod noise;

/// Wander sizes (mV) at 0.3 Hz.
const WANDER_MV: [f64; 3] = [0.1, 0.3, 0.5];

/// One lead's levels (µV).
struct Levels {
    lead: String,
    st_j: Option<f64>,
    t: Option<f64>,
}

/// Each lead's levels as the analysis reads them.
fn levels(rec: &ecg::Recording) -> Result<Vec<Levels>, String> {
    let a = signal::analyze(rec, &signal::AnalysisOptions::default()).map_err(|e| e.to_string())?;
    Ok(a.amplitudes
        .iter()
        .map(|l| Levels {
            lead: l.lead.name().to_string(),
            st_j: l.st_j.map(|v| v.0),
            t: l.t.map(|v| v.0),
        })
        .collect())
}

/// The largest |change| between two readings of the same leads, with its lead.
fn largest(
    base: &[Levels],
    moved: &[Levels],
    pick: fn(&Levels) -> Option<f64>,
) -> Option<(f64, String)> {
    base.iter()
        .filter_map(|b| {
            let m = moved.iter().find(|m| m.lead == b.lead)?;
            Some(((pick(m)? - pick(b)?).abs(), b.lead.clone()))
        })
        .max_by(|x, y| x.0.total_cmp(&y.0))
}

fn main() {
    let files = args::files_or_usage("wander_levels");
    let mut worst: Vec<Vec<(f64, f64)>> = vec![Vec::new(); WANDER_MV.len()];
    for f in &files {
        let Some(rec) = args::open_or_say(f) else {
            continue;
        };
        let base = match levels(&rec) {
            Ok(x) => x,
            Err(e) => {
                println!("{f}: {e}");
                continue;
            }
        };
        for (w, mv) in WANDER_MV.iter().enumerate() {
            match disturb::per_lead(&rec, 0.0, *mv, 0).and_then(|r| levels(&r)) {
                Ok(moved) => {
                    let st = largest(&base, &moved, |l| l.st_j);
                    let t = largest(&base, &moved, |l| l.t);
                    let show = |x: &Option<(f64, String)>| {
                        x.as_ref()
                            .map_or("-".to_string(), |(v, l)| format!("{v:.0} ({l})"))
                    };
                    println!(
                        "{f} wander {mv} mV: ST at J {} µV, T {} µV",
                        show(&st),
                        show(&t)
                    );
                    worst[w].push((st.map_or(0.0, |x| x.0), t.map_or(0.0, |x| x.0)));
                }
                Err(e) => println!("{f} wander {mv} mV: {e}"),
            }
        }
    }
    for (w, mv) in WANDER_MV.iter().enumerate() {
        let mut st: Vec<f64> = worst[w].iter().map(|x| x.0).collect();
        let mut t: Vec<f64> = worst[w].iter().map(|x| x.1).collect();
        if st.is_empty() {
            continue;
        }
        st.sort_by(f64::total_cmp);
        t.sort_by(f64::total_cmp);
        println!(
            "all {} files, wander {mv} mV: largest ST change per file median {:.0}, max {:.0} µV; T median {:.0}, max {:.0} µV",
            st.len(),
            st[st.len() / 2],
            st[st.len() - 1],
            t[t.len() / 2],
            t[t.len() - 1]
        );
    }
}
