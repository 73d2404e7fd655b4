//! Interaction latency of the real app (issue 19): from a pan or zoom key event to the new frame
//! painted in the webview, p50 and p95 over N pans and N zooms per file, split into the time
//! before the draw is asked for, scene building, GPU render and encoding (Rust), transfer of the
//! message (geometry and encoded pixels, one round trip) to the webview, decoding, and painting. A benchmark, not a test:
//! ignored by `cargo test`, run by `bench/render/app_latency.sh`, which names the files
//! (`HEARTLENS_LATENCY_FILES`, a PATH-style list) and where the JSON goes
//! (`HEARTLENS_LATENCY_OUT`). `HEARTLENS_LATENCY_N` sets N (default 100).

use std::time::Duration;

use serde_json::{Value, json};

use crate::webdriver::{AppSession, missing_prerequisite};

/// Dispatches one key event (`key`, with Ctrl when asked) and resolves with the next frame
/// record the viewer pushes (see `ui/src/viewer.ts`), plus the time of the event.
const ONE_EVENT: &str = r#"
const [key, ctrl, done] = arguments;
const frames = (window.heartlensFrames ??= []);
const n = frames.length;
const t0 = performance.now();
const target = ctrl ? window : document.body;
target.dispatchEvent(new KeyboardEvent('keydown', { key, ctrlKey: ctrl, bubbles: true }));
const poll = () => {
  if (frames.length > n) done(Object.assign({ event: t0 }, frames[frames.length - 1]));
  else requestAnimationFrame(poll);
};
requestAnimationFrame(poll);
"#;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// p50/p95 of each part of a list of frame records.
fn summary(records: &[Value]) -> Value {
    let part = |f: &dyn Fn(&Value) -> Option<f64>| -> Value {
        let mut v: Vec<f64> = records.iter().filter_map(f).collect();
        v.sort_by(f64::total_cmp);
        json!({ "p50": percentile(&v, 0.5), "p95": percentile(&v, 0.95) })
    };
    let num = |r: &Value, k: &str| r[k].as_f64();
    let rust = |r: &Value, k: &str| r["rust"][k].as_f64();
    // How the renderer made them: drawn whole, shifted (a pan), or not at all (unchanged).
    let updates: serde_json::Map<String, Value> = ["full", "shifted", "unchanged"]
        .iter()
        .map(|u| {
            let n = records.iter().filter(|r| r["rust"]["update"] == *u).count();
            (u.to_string(), json!(n))
        })
        .collect();
    json!({
        "n": records.len(),
        "total_ms": part(&|r| Some(num(r, "painted")? - num(r, "event")?)),
        "before_draw_ms": part(&|r| Some(num(r, "requested")? - num(r, "event")?)),
        "scene_ms": part(&|r| rust(r, "sceneMs")),
        "render_ms": part(&|r| rust(r, "renderMs")),
        "encode_ms": part(&|r| rust(r, "encodeMs")),
        "transfer_ms": part(&|r| {
            Some(
                num(r, "pixels")?
                    - num(r, "requested")?
                    - rust(r, "sceneMs")?
                    - rust(r, "renderMs")?
                    - rust(r, "encodeMs")?,
            )
        }),
        "decode_ms": part(&|r| Some(num(r, "decoded")? - num(r, "pixels")?)),
        "paint_ms": part(&|r| Some(num(r, "painted")? - num(r, "decoded")?)),
        "frame_bytes": records.first().and_then(|r| r["rust"]["bytes"].as_u64()),
        "wire_bytes": part(&|r| num(r, "wireBytes")),
        "encoded_on_a_base": records.iter().filter(|r| r["rust"]["baseFrame"].is_u64()).count(),
        "updates": updates,
        "redrawn_px": part(&|r| (r["rust"]["update"] == "shifted").then(|| rust(r, "redrawnPx")).flatten()),
    })
}

#[test]
#[ignore = "benchmark: run by bench/render/app_latency.sh"]
fn app_interaction_latency() {
    let app = crate::webdriver::app_binary();
    if let Some(why) = missing_prerequisite(&app) {
        panic!("cannot run the app: {why}");
    }
    let files: Vec<std::path::PathBuf> = std::env::var_os("HEARTLENS_LATENCY_FILES")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_else(|| vec![crate::util::data("wfdb/ludb/1.hea")]);
    let n: usize = std::env::var("HEARTLENS_LATENCY_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let mut results = Vec::new();
    for file in &files {
        let home = tempfile::tempdir().unwrap();
        let envs = [("HEARTLENS_HOME", home.path())];
        let s = AppSession::start(&app, &[file.display().to_string()], &envs);
        s.wait_for(
            "the first frame",
            "const c = document.querySelector('#tracing'); return c && c.dataset.panels ? true : null;",
            Duration::from_secs(120),
        );
        // The analysis runs once per recording when it opens; measure after it, not beside it.
        s.wait_for(
            "the analysis",
            "return document.querySelector('#review, #analysis-error') ? true : null;",
            Duration::from_secs(900),
        );
        s.execute("window.heartlensMeasure = true;", json!([]));
        let run =
            |key: &str, ctrl: bool| -> Value { s.execute_async(ONE_EVENT, json!([key, ctrl])) };
        // Warm-up: the display filter cache, the renderer's pipelines.
        for _ in 0..3 {
            run("ArrowRight", false);
            run("ArrowLeft", false);
        }
        // Pans alternate right and left (2.5 s each) so a 10-s record stays in view; zooms
        // alternate in and out one step. The viewer keeps its last frames, so from the third
        // event on each frame equals one it holds (the best case for `wire`'s base frames).
        let pans: Vec<Value> = (0..n)
            .map(|i| {
                run(
                    if i % 2 == 0 {
                        "ArrowRight"
                    } else {
                        "ArrowLeft"
                    },
                    false,
                )
            })
            .collect();
        let zooms: Vec<Value> = (0..n)
            .map(|i| run(if i % 2 == 0 { "=" } else { "-" }, true))
            .collect();
        // New pixels every frame: pans one way (half right, then half left), and zooms each after
        // a pan (the held frame at the same scale shows the grid, not the traces).
        let pans_onward: Vec<Value> = (0..n)
            .map(|i| run(if i < n / 2 { "ArrowRight" } else { "ArrowLeft" }, false))
            .collect();
        let zooms_after_pan: Vec<Value> = (0..n)
            .map(|i| {
                run("ArrowRight", false);
                run(if i % 2 == 0 { "=" } else { "-" }, true)
            })
            .collect();
        let size = s.execute(
            "const c = document.querySelector('#tracing'); return c.width + 'x' + c.height;",
            json!([]),
        );
        let r = json!({
            "file": file.display().to_string(),
            "canvas_px": size,
            "pan": summary(&pans),
            "zoom": summary(&zooms),
            "pan_onward": summary(&pans_onward),
            "zoom_after_pan": summary(&zooms_after_pan),
        });
        eprintln!("{}", serde_json::to_string_pretty(&r).unwrap());
        results.push(r);
    }
    if let Some(out) = std::env::var_os("HEARTLENS_LATENCY_OUT") {
        std::fs::write(out, serde_json::to_string_pretty(&results).unwrap() + "\n").unwrap();
    }
}
