//! The second check of issue #16: our statements against the devices' own interpretations.
//!
//! `cargo run --release -p heartlens-signal --example device_statements -- ../shared/ecg-samples [--markdown]`
//!
//! Walks the folders (or files) given and keeps every file whose reader returns device
//! statements (MUSE diagnosis, Philips `<interpretation>`, SCP-ECG sections 8 and 11, HL7
//! aECG, DICOM, Mortara) and every WFDB header with diagnosis labels (PhysioNet/CinC 2021
//! SNOMED-CT `Dx:` codes, PTB's clinical `Reason for admission` / `Acute infarction` lines;
//! LUDB's cardiologists' diagnoses are left to `ludb_interpretation`). For each it prints the
//! device's statements (rejected ones left out), the device's PR / QRS / QT / QRS axis against
//! ours, our statements with their criteria, and per topic ([`signal::device_check`]) the two
//! sides' findings and whether they agree. `--markdown` prints instead one table row per file
//! with each topic's verdict. `--qrs` adds, per file, each lead's QRS onset and
//! offset (median over the beats, ms from the beat's all-lead QRS onset), our median beat's
//! QRS boundaries, the device's median-beat fiducials when its reader gives them, and the
//! median beat of every lead every 4 ms from 20 ms before the QRS onset to 60 ms after its end
//! (to see where a slurred terminal part ends).

#[path = "common/args.rs"]
mod args;

use std::path::{Path, PathBuf};

use signal::device_check::{Verdict, compare, snomed_text};

/// Files a reader can take as one recording: WFDB records by their header only.
fn candidate(p: &Path) -> bool {
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(ext.as_str(), "hea" | "xml" | "scp" | "dcm")
}

fn walk(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        v.sort();
        for q in v {
            walk(&q, out);
        }
    } else if candidate(p) {
        out.push(p.to_path_buf());
    }
}

/// Diagnosis labels in WFDB header comments: CinC SNOMED-CT codes as text, PTB's clinical
/// diagnosis lines. LUDB headers (`<diagnoses>:`) are scored by `ludb_interpretation`.
fn header_labels(comments: &[String]) -> Option<Vec<String>> {
    if comments.iter().any(|c| c.starts_with("<diagnoses>")) {
        return None;
    }
    let mut out = Vec::new();
    for c in comments {
        if let Some(codes) = c.strip_prefix("Dx:") {
            for code in codes.split(',').map(str::trim) {
                out.push(match snomed_text(code) {
                    Some(t) => format!("{t} [SNOMED {code}]"),
                    None => format!("SNOMED {code} (not in the table)"),
                });
            }
        }
        for key in [
            "Reason for admission:",
            "Acute infarction (localization):",
            "Former infarction (localization):",
        ] {
            if let Some(v) = c.strip_prefix(key) {
                let v = v.trim();
                if !v.is_empty() && v != "no" && v != "n/a" {
                    let v = if key.starts_with("Acute") {
                        format!("Acute infarction, {v}")
                    } else if key.starts_with("Former") {
                        format!("Former infarction, {v}")
                    } else {
                        v.to_string()
                    };
                    out.push(format!("{v} [{}]", key.trim_end_matches(':')));
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The device statements the topic mapping reads: up to a comparison with an earlier ECG
/// ("When compared with ECG of ...", whose "change in the axis" is no finding of this ECG),
/// without the bracketed source of header labels.
fn topic_texts(device: &[String]) -> Vec<String> {
    device
        .iter()
        .take_while(|s| {
            let l = s.to_lowercase();
            !(l.starts_with("when compared") || l.starts_with("compared with"))
        })
        .map(|s| s.split(" [").next().unwrap_or(s).to_string())
        .collect()
}

fn ms(v: Option<ecg::Millis>) -> String {
    v.map_or("-".into(), |v| format!("{:.0}", v.0))
}

fn deg(v: Option<ecg::Degrees>) -> String {
    v.map_or("-".into(), |v| format!("{:.0}", v.0))
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Per-lead QRS boundaries against the all-lead ones, and the median beat around the QRS.
fn print_qrs_boundaries(rec: &ecg::Recording, a: &signal::Analysis) {
    let to_ms = |s: f64| s * 1000.0 / a.fs_hz;
    let global: Vec<Option<(usize, usize)>> = (0..a.beats.len())
        .map(|b| {
            a.global_waves
                .iter()
                .find(|w| w.beat == b && w.kind == ecg::WaveKind::Qrs)
                .and_then(|w| Some((w.onset_sample?, w.offset_sample?)))
        })
        .collect();
    println!(
        "  per lead (median over beats, ms from the all-lead QRS onset): QRS onset / offset / duration, T peak / offset"
    );
    for lw in &a.waves {
        let (mut on, mut off, mut t_peak, mut t_off) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for w in &lw.waves {
            let Some(Some((gon, _))) = global.get(w.beat) else {
                continue;
            };
            let rel = |s: usize| to_ms(s as f64 - *gon as f64);
            match w.kind {
                ecg::WaveKind::Qrs => {
                    if let (Some(o), Some(f)) = (w.onset_sample, w.offset_sample) {
                        on.push(rel(o));
                        off.push(rel(f));
                    }
                }
                ecg::WaveKind::T => {
                    t_peak.extend(w.peak_sample.map(rel));
                    t_off.extend(w.offset_sample.map(rel));
                }
                _ => {}
            }
        }
        let show = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0}"));
        if let (Some(o), Some(f)) = (median(on), median(off)) {
            println!(
                "    {:<4} {:>5.0} / {:>5.0} / {:>4.0}, {:>5} / {:>5}",
                lw.lead.to_string(),
                o,
                f,
                f - o,
                show(median(t_peak)),
                show(median(t_off))
            );
        }
    }
    let beat_durations: Vec<f64> = global
        .iter()
        .flatten()
        .map(|(on, off)| to_ms(*off as f64 - *on as f64))
        .collect();
    // The median beat's samples are at its own rate.
    let med_ms = |s: f64| s * 1000.0 / a.median_fs_hz();
    let q = a
        .median_waves
        .iter()
        .find(|w| w.kind == ecg::WaveKind::Qrs)
        .and_then(|w| Some((w.onset_sample?, w.offset_sample?)));
    if let Some((on, off)) = q {
        println!(
            "  all-lead QRS: median beat {:.0} ms (samples {on}-{off}, {} beats in the median); beats {:.0} ms (median of {})",
            med_ms((off - on) as f64),
            a.medians.first().map_or(0, |m| m.n_beats),
            median(beat_durations.clone()).unwrap_or(f64::NAN),
            beat_durations.len()
        );
    }
    if let Some((on, _)) = q {
        let marks: Vec<String> = a
            .median_waves
            .iter()
            .map(|w| {
                let rel = |s: Option<usize>| {
                    s.map_or("-".to_string(), |s| {
                        format!("{:.0}", med_ms(s as f64 - on as f64))
                    })
                };
                format!(
                    "{:?} {} / {} / {}",
                    w.kind,
                    rel(w.onset_sample),
                    rel(w.peak_sample),
                    rel(w.offset_sample)
                )
            })
            .collect();
        println!(
            "  median-beat waves, onset / peak / offset, ms from the QRS onset (RR {} ms): {}",
            ms(a.measurements.rr),
            marks.join("; ")
        );
    }
    let amp =
        |v: Option<ecg::Microvolts>| v.map_or("-".to_string(), |v| format!("{:.2}", v.0 / 1000.0));
    println!("  median-beat amplitudes, mV: lead P / Q / R / S / ST at J / T / QRS peak-to-peak");
    for l in &a.amplitudes {
        println!(
            "    {:<4} {} / {} / {} / {} / {} / {} / {}",
            l.lead.to_string(),
            amp(l.p),
            amp(l.q),
            amp(l.r),
            amp(l.s),
            amp(l.st_j),
            amp(l.t),
            amp(l.qrs_p2p)
        );
    }
    if let Some(mb) = &rec.median_beats {
        let marks: Vec<String> = mb
            .fiducials
            .iter()
            .map(|f| format!("{} {:.0} ms", f.text, f.onset_s * 1000.0))
            .collect();
        if !marks.is_empty() {
            println!("  device median-beat fiducials: {}", marks.join(", "));
        }
    }
    let Some((on, off)) = q else {
        return;
    };
    let fs_m = a.median_fs_hz();
    let step = ((fs_m * 0.004).round() as usize).max(1);
    let from = on.saturating_sub((fs_m * 0.020).round() as usize);
    let to = off + (fs_m * 0.060).round() as usize;
    let names: Vec<String> = a
        .medians
        .iter()
        .map(|m| format!("{:>6}", m.lead.to_string()))
        .collect();
    println!(
        "  median beat, mV (ms from the all-lead QRS onset):\n     ms {}",
        names.join("")
    );
    let mut i = from;
    while i <= to {
        let vals: Vec<String> = a
            .medians
            .iter()
            .map(|m| {
                m.samples_mv
                    .get(i)
                    .map_or("     -".to_string(), |v| format!("{v:>6.2}"))
            })
            .collect();
        let mark = if i == on {
            " <- onset"
        } else if i == off {
            " <- offset"
        } else {
            ""
        };
        println!(
            "  {:>5.0} {}{mark}",
            med_ms(i as f64 - on as f64),
            vals.join("")
        );
        i += step;
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let markdown = args::take_flag(&mut args, "--markdown");
    let per_lead_qrs = args::take_flag(&mut args, "--qrs");
    if args.is_empty() {
        eprintln!("usage: device_statements DIR_OR_FILE... [--markdown] [--qrs]");
        std::process::exit(2);
    }
    let root_of = |p: &Path| -> String {
        // Print paths relative to the folder given, so no machine path is printed.
        for a in &args {
            if let Ok(rel) = p.strip_prefix(a) {
                let r = rel.display().to_string();
                if !r.is_empty() {
                    return r;
                }
            }
        }
        p.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    let mut files = Vec::new();
    for a in &args {
        walk(Path::new(a), &mut files);
    }
    let mut tally: Vec<(String, [usize; 6])> = Vec::new();
    if markdown {
        let topics: Vec<&str> = signal::device_check::Topic::ALL
            .iter()
            .map(|t| t.name())
            .collect();
        println!("| file | {} |", topics.join(" | "));
        println!("|---|{}", "---|".repeat(topics.len()));
    }
    for path in files {
        let Ok(rec) = formats::open(&path) else {
            continue;
        };
        let device: Vec<String> = if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("hea"))
        {
            match header_labels(&rec.acquisition.comments) {
                Some(v) => v,
                None => continue,
            }
        } else {
            rec.device_statements
                .iter()
                .filter(|s| s.state != ecg::StatementState::Rejected)
                .map(|s| match &s.criterion {
                    Some(c) if !c.is_empty() => format!("{} [{c}]", s.text),
                    _ => s.text.clone(),
                })
                .collect()
        };
        if device.is_empty() {
            continue;
        }
        let name = root_of(&path);
        let a = match signal::analyze(&rec, &signal::AnalysisOptions::default()) {
            Ok(a) => a,
            Err(e) => {
                println!("{name}: analysis: {e}");
                continue;
            }
        };
        let device_topic = topic_texts(&device);
        let device_refs: Vec<&str> = device_topic.iter().map(String::as_str).collect();
        let ours: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
        let rows = compare(&device_refs, &ours);
        for r in &rows {
            let i = match r.verdict {
                Verdict::Agree => 0,
                Verdict::Partly => 1,
                Verdict::Disagree => 2,
                Verdict::DeviceOnly => 3,
                Verdict::OursOnly => 4,
                Verdict::Neither => 5,
            };
            let name = r.topic.name().to_string();
            match tally.iter_mut().find(|(t, _)| *t == name) {
                Some((_, c)) => c[i] += 1,
                None => {
                    let mut c = [0; 6];
                    c[i] = 1;
                    tally.push((name, c));
                }
            }
        }
        if markdown {
            // Agreement on an overall "normal" is printed as "(normal)".
            let cells: Vec<String> = rows
                .iter()
                .map(|r| {
                    if r.verdict == Verdict::Agree && r.device == ["normal"] {
                        "(normal)".to_string()
                    } else if r.verdict == Verdict::Agree || r.verdict == Verdict::Neither {
                        r.verdict.to_string()
                    } else {
                        format!("**{}**", r.verdict)
                    }
                })
                .collect();
            println!("| {name} | {} |", cells.join(" | "));
            continue;
        }
        println!("== {name}");
        for s in &device {
            println!("  device: {s}");
        }
        let dm = rec.device_measurements.clone().unwrap_or_default();
        let m = &a.measurements;
        println!(
            "  PR / QRS / QT ms, QRS axis: device {} / {} / {}, {} | ours {} / {} / {}, {}",
            ms(dm.pr),
            ms(dm.qrs),
            ms(dm.qt),
            deg(dm.axis.qrs),
            ms(m.pr),
            ms(m.qrs),
            ms(m.qt),
            deg(m.axis.qrs)
        );
        for s in &a.statements {
            println!(
                "  ours:   {} [{}]",
                s.text,
                s.criterion.as_deref().unwrap_or("")
            );
        }
        if per_lead_qrs {
            print_qrs_boundaries(&rec, &a);
        }
        for r in rows.iter().filter(|r| r.verdict != Verdict::Neither) {
            println!(
                "    {:<26} {:<11} device: {} | ours: {}",
                r.topic.name(),
                r.verdict.to_string(),
                if r.device.is_empty() {
                    "-".into()
                } else {
                    r.device.join(", ")
                },
                if r.ours.is_empty() {
                    "-".into()
                } else {
                    r.ours.join(", ")
                }
            );
        }
    }
    if !markdown {
        println!("\nper topic: agree / partly / disagree / device-only / ours-only (files)");
        for (t, c) in &tally {
            println!(
                "  {t:<26} {} / {} / {} / {} / {}",
                c[0], c[1], c[2], c[3], c[4]
            );
        }
    }
}
