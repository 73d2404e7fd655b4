//! Frame times of the app's Holter canvas without the app: a lazily generated 24-h 3-lead
//! recording at 360 Hz in the `leads` layout on a 1003x652 canvas (what the viewer shows
//! beside the Holter map), timed for full frames (zooms to a new scale) and shifted pans
//! (2.5 s onward), with parts of the page switched off to see what each costs.
//!
//! `WGPU_BACKEND=vulkan cargo run --release -p heartlens-render --example canvas_frames -- [N] [DIR]`
//! prints p50 / p95 in ms per series, then per stage ([`render::FrameStages`]: CPU planning,
//! command recording, the adapter drawing until the readback is mapped, the row copy), and a
//! digest of all the frames of each series, so that two builds can be compared pixel for
//! pixel. With `DIR`, the first full frame at each scale and the 5th pan of the whole page
//! are written there as PNGs.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Instant;

use ecg::{Lead, LeadLabel, Recording, SampleError, SampleSource, Signal, Unit};
use render::{FrameStages, Layout, Renderer, Scene, Update, Viewport};

/// A lead without a single sample value (all gaps): the page without traces.
#[derive(Debug)]
struct Gaps {
    len: usize,
}

impl SampleSource for Gaps {
    fn len(&self) -> usize {
        self.len
    }

    fn read(&self, _start: usize, out: &mut [f32]) -> Result<(), SampleError> {
        out.fill(f32::NAN);
        Ok(())
    }
}

fn holter(traces: bool) -> Recording {
    let fs = 360.0;
    let len = (24.0 * 3600.0 * fs) as usize;
    let leads = [LeadLabel::I, LeadLabel::II, LeadLabel::V5]
        .iter()
        .enumerate()
        .map(|(k, label)| {
            let src: Arc<dyn SampleSource> = if traces {
                Arc::new(common::LazyEcg { lead: k, fs, len })
            } else {
                Arc::new(Gaps { len })
            };
            Lead::new(label.name(), fs, Unit::Millivolt, Signal::new(src))
        })
        .collect();
    Recording::new(leads)
}

/// Nanoseconds this process's threads (the app's and the adapter's) have run on a CPU, from
/// `/proc/self/task/*/schedstat` (0 where that is not available). Per frame it is the work
/// done, which a loaded machine stretches less than the wall-clock time.
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// FNV-1a over the frames' bytes, chained.
fn digest(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h = (*h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
}

/// p50 / p95 of each stage, in ms.
fn stage_line(stages: &[FrameStages]) -> String {
    let ms = |f: fn(&FrameStages) -> std::time::Duration| {
        percentiles(stages.iter().map(|s| f(s).as_secs_f64() * 1e3).collect())
    };
    let parts = [
        ("plan", ms(|s| s.plan)),
        ("encode", ms(|s| s.encode)),
        ("(text", ms(|s| s.text)),
        ("gpu", ms(|s| s.gpu)),
        ("copy", ms(|s| s.copy)),
    ];
    parts
        .iter()
        .map(|(name, (p50, p95))| {
            let close = if name.starts_with('(') { ")" } else { "" };
            format!("{name} {p50:.1}/{p95:.1}{close}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn percentiles(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95))
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let dump = std::env::args().nth(2).map(std::path::PathBuf::from);
    let mut renderer = match Renderer::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("SKIP: no GPU adapter ({e})");
            return;
        }
    };
    let (rec, blank) = (holter(true), holter(false));
    let vp = Viewport::new(1003, 652);
    let true_ppm = 96.0 / 25.4;
    type Tweak = fn(&mut Scene<'_>);
    let variants: [(&str, Tweak); 6] = [
        ("page", |_| {}),
        ("no traces", |_| {}),
        ("no grid", |s| {
            s.grid.minor = false;
            s.grid.major = false;
        }),
        ("no text", |s| s.lead_labels = false),
        ("no grid, no text", |s| {
            s.grid.minor = false;
            s.grid.major = false;
            s.lead_labels = false;
        }),
        ("paper only", |s| {
            s.grid.minor = false;
            s.grid.major = false;
            s.lead_labels = false;
        }),
    ];
    for (name, tweak) in variants {
        let traces = !matches!(name, "no traces" | "paper only");
        let mut scene = Scene::new(if traces { &rec } else { &blank });
        scene.layout = Layout::RecordingLeads;
        scene.center_traces = true;
        scene.start_s = 3600.0;
        tweak(&mut scene);
        // Full frames: zoom in and out between two scales (each frame a new scale for `render`).
        let mut cpu_full = 0;
        let (mut full, mut full_stages, mut full_digest) =
            (Vec::new(), Vec::new(), 0xcbf2_9ce4_8422_2325);
        for k in 0..n {
            scene.px_per_mm = true_ppm * if k % 2 == 0 { 1.0 } else { 1.25 };
            let t = Instant::now();
            let cpu = cpu_ns();
            let frame = renderer.render(&scene, vp).expect("frame");
            full.push(t.elapsed().as_secs_f64() * 1e3);
            cpu_full += cpu_ns() - cpu;
            full_stages.push(renderer.stages());
            digest(&mut full_digest, &frame.rgba);
            if let Some(dir) = dump.as_ref().filter(|_| name == "page" && k < 2) {
                let path = dir.join(format!("full_{k}.png"));
                frame.save_png(&path, Some(scene.px_per_mm)).expect("png");
            }
        }
        // Pans onward by 2.5 s at true scale (whole pixels, as the UI's arrow keys).
        scene.px_per_mm = true_ppm;
        let px_per_s = true_ppm * 25.0;
        let step_px = (2.5 * px_per_s).round();
        renderer.render_update(&scene, vp).expect("frame");
        let (mut pans, mut pan_stages, mut shifted) = (Vec::new(), Vec::new(), 0);
        let mut pan_digest = 0xcbf2_9ce4_8422_2325;
        let mut cpu_pan = 0;
        for k in 0..n {
            scene.start_s = 3600.0 + (k + 1) as f64 * step_px / px_per_s;
            let t = Instant::now();
            let cpu = cpu_ns();
            let u = renderer.render_update(&scene, vp).expect("frame");
            pans.push(t.elapsed().as_secs_f64() * 1e3);
            cpu_pan += cpu_ns() - cpu;
            pan_stages.push(renderer.stages());
            shifted += usize::from(matches!(u, Update::Shifted { .. }));
            let frame = match &u {
                Update::Full(f) | Update::Shifted { frame: f, .. } => Some(f),
                Update::Unchanged { .. } => None,
            };
            if let Some(f) = frame {
                digest(&mut pan_digest, &f.rgba);
                if let Some(dir) = dump.as_ref().filter(|_| name == "page" && k == 4) {
                    f.save_png(&dir.join("pan_4.png"), Some(scene.px_per_mm))
                        .expect("png");
                }
            }
        }
        let (f50, f95) = percentiles(full);
        let (p50, p95) = percentiles(pans);
        println!(
            "{name:>18}: full {f50:6.2} / {f95:6.2} ms   pan {p50:6.2} / {p95:6.2} ms ({shifted} of {n} shifted)"
        );
        let per_frame = |ns: u64| ns as f64 / 1e6 / n as f64;
        println!(
            "{:>18}  CPU time per frame (all threads, mean): full {:.2} ms, pan {:.2} ms",
            "",
            per_frame(cpu_full),
            per_frame(cpu_pan)
        );
        println!("{:>18}  full: {}", "", stage_line(&full_stages));
        println!("{:>18}  pan:  {}", "", stage_line(&pan_stages));
        println!(
            "{:>18}  digest full {full_digest:016x} pan {pan_digest:016x}",
            ""
        );
    }
}
