//! A pan drawn by shifting the last frame (`Renderer::render_update`) is the same pixels as the
//! frame drawn whole (`Renderer::render`) for the same scene: paper layouts with and without
//! marks and notes, the envelope (min/max columns) and the polyline (zoomed in) paths, pans
//! both ways and chains of pans, a baseline that wanders (traces centred per window). And a
//! frame that would not change is not drawn again.
//!
//! Needs a wgpu adapter (CI: lavapipe, `WGPU_BACKEND=vulkan`); without one each test prints
//! why and returns.

mod common;

use ecg::{Annotation, AnnotationKind, Lead, LeadLabel, Recording, Signal, Unit, WaveKind};
use render::{Frame, Layout, Marks, Renderer, Scene, Update, Viewport};

fn renderers() -> Option<(Renderer, Renderer)> {
    match (Renderer::new(), Renderer::new()) {
        (Ok(a), Ok(b)) => Some((a, b)),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!(
                "SKIP: no GPU adapter ({e}); install mesa-vulkan-drivers and set WGPU_BACKEND=vulkan"
            );
            None
        }
    }
}

/// A 12-lead record of `seconds` whose baseline wanders by `drift_mv` (period 7 s), with a QRS
/// span mark per beat on lead II and a note and an interval.
fn recording(seconds: f64, drift_mv: f32) -> Recording {
    let fs = 500.0;
    let n = (seconds * fs) as usize;
    let mut rec = Recording::new(
        LeadLabel::STANDARD_12
            .iter()
            .enumerate()
            .map(|(k, label)| {
                let v: Vec<f32> = (0..n)
                    .map(|i| {
                        let t = i as f64 / fs;
                        common::ecg_value(k, t)
                            + drift_mv * (t * std::f64::consts::TAU / 7.0).sin() as f32
                    })
                    .collect();
                Lead::new(label.name(), fs, Unit::Millivolt, Signal::from_physical(v))
            })
            .collect(),
    );
    let mut t = 0.33;
    while t < seconds {
        rec.annotations.push(Annotation {
            onset_s: t,
            duration_s: 0.05,
            lead: Some(LeadLabel::II),
            kind: AnnotationKind::WaveSpan {
                wave: WaveKind::Qrs,
            },
            text: String::new(),
            source: ecg::AnnotationSource::File,
        });
        t += common::RR_S;
    }
    rec.annotations.push(Annotation::point(
        4.1,
        AnnotationKind::Other {
            code: "note".into(),
        },
        "check this beat",
    ));
    rec.annotations.push(Annotation {
        onset_s: 6.0,
        duration_s: 0.4,
        lead: Some(LeadLabel::V2),
        kind: AnnotationKind::Interval,
        text: "QT 400 ms".into(),
        source: ecg::AnnotationSource::User,
    });
    rec
}

fn frame_of(u: Update) -> (Frame, Option<i32>) {
    match u {
        Update::Full(f) => (f, None),
        Update::Shifted { frame, dx, .. } => (frame, Some(dx)),
        Update::Unchanged { .. } => panic!("a frame that changed came back unchanged"),
    }
}

/// Renders `scene` at each start (pixels from the previous frame's left edge: `px * spp`)
/// with `render_update` on one renderer and `render` on the other, and requires the same
/// pixels. Returns how many frames were shifted.
fn pans(
    (live, reference): &mut (Renderer, Renderer),
    scene: &mut Scene<'_>,
    viewport: Viewport,
    start_px: &[i64],
) -> usize {
    let spp = 1.0 / (scene.speed.mm_per_s() * scene.px_per_mm);
    let mut shifted = 0;
    for (k, &px) in start_px.iter().enumerate() {
        scene.start_s = px as f64 * spp;
        let (got, dx) = frame_of(live.render_update(scene, viewport).expect("frame"));
        let want = reference.render(scene, viewport).expect("frame");
        assert_eq!(got.panels, want.panels, "frame {k} (start {px} px)");
        assert_eq!(got.marks, want.marks, "frame {k} (start {px} px)");
        let differing = common::differing_pixels(&got, &want);
        assert_eq!(
            differing, 0,
            "frame {k} (start {px} px, shift {dx:?}): {differing} pixels differ from the full render"
        );
        if k > 0 && dx.is_some() {
            assert_eq!(dx, Some((px - start_px[k - 1]) as i32), "frame {k}");
            shifted += 1;
        }
    }
    shifted
}

#[test]
fn a_shifted_pan_is_the_full_frame() {
    let Some(mut r) = renderers() else { return };
    let rec = recording(60.0, 0.0);
    let vp = Viewport::new(1003, 824);
    for (layout, marks) in [
        ("3x4+1", Marks::None),
        ("12x1", Marks::File),
        ("6x2", Marks::File),
    ] {
        let mut scene = Scene::new(&rec).with_marks(marks, None);
        scene.layout = layout.parse().unwrap();
        scene.center_traces = true;
        // Right by 40, 1 and 100 px, back left by 77 and 30 px (less than a 3x4 cell, 236 px).
        let shifted = pans(
            &mut r,
            &mut scene,
            vp,
            &[2000, 2040, 2041, 2141, 2064, 2034],
        );
        eprintln!("{layout}: {shifted} of 5 pans shifted");
        assert!(
            shifted >= 4,
            "{layout}: only {shifted} of 5 pans were shifted"
        );
        // Pans wider than a cell (drawn whole in 3x4) and than the frame.
        pans(&mut r, &mut scene, vp, &[2334, 1834, 834]);
    }
}

#[test]
fn zoomed_in_polylines_and_a_wandering_baseline_shift_too() {
    let Some(mut r) = renderers() else { return };
    // 15 px/mm: 375 px per second at 25 mm/s, fewer than 1.5 samples per pixel (polylines).
    let rec = recording(30.0, 0.0);
    let mut scene = Scene::new(&rec).with_dpi(15.0 * 25.4);
    scene.layout = Layout::RecordingLeads;
    scene.center_traces = true;
    let shifted = pans(
        &mut r,
        &mut scene,
        Viewport::new(900, 1400),
        &[3000, 3100, 2950],
    );
    assert!(shifted >= 1, "{shifted}");
    // A wandering baseline moves the centred traces up and down between windows: what moved
    // is redrawn (or all of it), never left stale.
    let rec = recording(60.0, 0.4);
    let mut scene = Scene::new(&rec);
    scene.layout = Layout::RecordingLeads;
    scene.center_traces = true;
    pans(
        &mut r,
        &mut scene,
        Viewport::new(1003, 824),
        &[0, 236, 472, 708, 500, 2000, 2013],
    );
}

#[test]
fn an_unchanged_view_is_not_drawn_again() {
    let Some((mut live, _)) = renderers() else {
        return;
    };
    let rec = recording(10.0, 0.0);
    let mut scene = Scene::new(&rec);
    scene.center_traces = true;
    let vp = Viewport::new(1003, 824);
    let (first, _) = frame_of(live.render_update(&scene, vp).unwrap());
    let first_no = live.drawn();
    let same = Update::Unchanged { drawn: first_no };
    assert_eq!(live.render_update(&scene, vp).unwrap(), same);
    // A pan clamped back to the same window, as the app does at the record's end.
    scene.start_s = 2.5;
    render::keep_in_recording(&mut scene, vp.width, vp.height).unwrap();
    assert_eq!(scene.start_s, 0.0, "the 10-s page holds the whole record");
    assert_eq!(live.render_update(&scene, vp).unwrap(), same);
    // Anything that changes the pixels or the geometry draws again.
    scene.gain = render::Gain::Mm20;
    let (other, _) = frame_of(live.render_update(&scene, vp).unwrap());
    assert_ne!(other.rgba, first.rgba);
    assert_eq!(live.drawn(), first_no + 1);
    // Back to the frame before: one of the recent frames, not drawn again.
    scene.gain = render::Gain::Mm10;
    assert_eq!(live.render_update(&scene, vp).unwrap(), same);
    let (again, _) = frame_of(
        live.render_update(&scene, Viewport::new(1000, 824))
            .unwrap(),
    );
    assert_eq!(again.width, 1000);
    // `render` always draws.
    assert_eq!(
        live.render(&scene, Viewport::new(1000, 824)).unwrap(),
        again
    );
}
