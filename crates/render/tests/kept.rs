//! What a renderer keeps between frames (the papers it drew, its grown segment buffers, the
//! moving layer it composites only where traces are) gives the pixels a new renderer gives
//! for the same scene: zooms away and back to a scale, other sizes and paper colours, a frame
//! with more segments than the buffers held followed by a small one.
//!
//! Needs a wgpu adapter (CI: lavapipe, `WGPU_BACKEND=vulkan`); without one each test prints
//! why and returns.

mod common;

use render::{Frame, Layout, Renderer, Rgba, Scene, Viewport};

fn renderer() -> Option<Renderer> {
    match Renderer::new() {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!(
                "SKIP: no GPU adapter ({e}); install mesa-vulkan-drivers and set WGPU_BACKEND=vulkan"
            );
            None
        }
    }
}

fn assert_same_pixels(got: &Frame, want: &Frame, what: &str) {
    assert_eq!((got.width, got.height), (want.width, want.height), "{what}");
    let differing = common::differing_pixels(got, want);
    assert_eq!(differing, 0, "{what}: {differing} pixels differ");
}

#[test]
fn kept_papers_are_the_papers_drawn_anew() {
    let Some(mut live) = renderer() else { return };
    let rec = common::twelve_lead(10.0, 500.0);
    let base = Scene::new(&rec);
    let ppm = base.px_per_mm;
    // Scales, sizes and paper colours in turn, then each again (its paper kept, or drawn
    // again once more than the kept number came between).
    // The 4200x4000 frame alone is more than the bytes papers may hold together.
    let steps: [(f64, Viewport, Option<Rgba>); 10] = [
        (ppm, Viewport::new(900, 700), None),
        (ppm * 1.25, Viewport::new(900, 700), None),
        (ppm, Viewport::new(900, 700), None),
        (ppm, Viewport::new(640, 480), None),
        (ppm, Viewport::new(900, 700), Some(Rgba::rgb(250, 250, 240))),
        (ppm * 1.5, Viewport::new(900, 700), None),
        (ppm * 2.0, Viewport::new(900, 700), None),
        (ppm, Viewport::new(900, 700), None),
        (ppm, Viewport::new(4200, 4000), None),
        (ppm, Viewport::new(900, 700), None),
    ];
    for (k, (px_per_mm, vp, paper)) in steps.into_iter().enumerate() {
        let mut scene = Scene::new(&rec);
        scene.px_per_mm = px_per_mm;
        if let Some(p) = paper {
            scene.colors.paper = p;
        }
        let got = live.render(&scene, vp).expect("frame");
        let want = renderer()
            .expect("adapter")
            .render(&scene, vp)
            .expect("frame");
        assert_same_pixels(
            &got,
            &want,
            &format!("step {k} ({px_per_mm:.2} px/mm, {vp:?})"),
        );
    }
}

#[test]
fn grown_segment_buffers_draw_only_the_frame_s_segments() {
    let Some(mut live) = renderer() else { return };
    // 12 rows of 10 s at 4000 px: two segments per column and lead, more than the 16 Ki
    // segments the buffers start with.
    let rec = common::twelve_lead(10.0, 1000.0);
    let mut dense = Scene::new(&rec);
    dense.layout = Layout::RecordingLeads;
    dense.px_per_mm = 16.0;
    let big = Viewport::new(4000, 2400);
    let got = live.render(&dense, big).expect("frame");
    let want = renderer()
        .expect("adapter")
        .render(&dense, big)
        .expect("frame");
    assert_same_pixels(&got, &want, "the dense frame");
    // Then a frame with few segments: nothing of the dense one may show.
    let small = Scene::new(&rec);
    let vp = Viewport::new(1003, 824);
    let got = live.render(&small, vp).expect("frame");
    let want = renderer()
        .expect("adapter")
        .render(&small, vp)
        .expect("frame");
    assert_same_pixels(&got, &want, "the small frame after the dense one");
}
