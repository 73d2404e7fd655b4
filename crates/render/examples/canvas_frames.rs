//! Frame times of the app's Holter canvas without the app: a lazily generated 24-h 3-lead
//! recording at 360 Hz in the `leads` layout on a 1003x652 canvas (what the viewer shows
//! beside the Holter map), timed for full frames (zooms to a new scale) and shifted pans
//! (2.5 s onward), with parts of the page switched off to see what each costs.
//!
//! `WGPU_BACKEND=vulkan cargo run --release -p heartlens-render --example canvas_frames -- [N]`
//! prints p50 / p95 in ms per series.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Instant;

use ecg::{Lead, LeadLabel, Recording, Signal, Unit};
use render::{Layout, Renderer, Scene, Update, Viewport};

fn holter() -> Recording {
    let fs = 360.0;
    let len = (24.0 * 3600.0 * fs) as usize;
    let leads = [LeadLabel::I, LeadLabel::II, LeadLabel::V5]
        .iter()
        .enumerate()
        .map(|(k, label)| {
            let src = common::LazyEcg { lead: k, fs, len };
            Lead::new(
                label.name(),
                fs,
                Unit::Millivolt,
                Signal::new(Arc::new(src)),
            )
        })
        .collect();
    Recording::new(leads)
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
    let mut renderer = match Renderer::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("SKIP: no GPU adapter ({e})");
            return;
        }
    };
    let rec = holter();
    let vp = Viewport::new(1003, 652);
    let true_ppm = 96.0 / 25.4;
    type Tweak = fn(&mut Scene<'_>);
    let variants: [(&str, Tweak); 4] = [
        ("page", |_| {}),
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
    ];
    for (name, tweak) in variants {
        let mut scene = Scene::new(&rec);
        scene.layout = Layout::RecordingLeads;
        scene.center_traces = true;
        scene.start_s = 3600.0;
        tweak(&mut scene);
        // Full frames: zoom in and out between two scales (each frame a new scale for `render`).
        let mut full = Vec::new();
        for k in 0..n {
            scene.px_per_mm = true_ppm * if k % 2 == 0 { 1.0 } else { 1.25 };
            let t = Instant::now();
            renderer.render(&scene, vp).expect("frame");
            full.push(t.elapsed().as_secs_f64() * 1e3);
        }
        // Pans onward by 2.5 s at true scale (whole pixels, as the UI's arrow keys).
        scene.px_per_mm = true_ppm;
        let px_per_s = true_ppm * 25.0;
        let step_px = (2.5 * px_per_s).round();
        renderer.render_update(&scene, vp).expect("frame");
        let (mut pans, mut shifted) = (Vec::new(), 0);
        for k in 0..n {
            scene.start_s = 3600.0 + (k + 1) as f64 * step_px / px_per_s;
            let t = Instant::now();
            let u = renderer.render_update(&scene, vp).expect("frame");
            pans.push(t.elapsed().as_secs_f64() * 1e3);
            shifted += usize::from(matches!(u, Update::Shifted { .. }));
        }
        let (f50, f95) = percentiles(full);
        let (p50, p95) = percentiles(pans);
        println!(
            "{name:>18}: full {f50:6.2} / {f95:6.2} ms   pan {p50:6.2} / {p95:6.2} ms ({shifted} of {n} shifted)"
        );
    }
}
