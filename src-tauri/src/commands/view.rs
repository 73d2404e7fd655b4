//! Drawing the tracing: the UI asks for a frame of the current viewport; the renderer draws it
//! offscreen with wgpu and we return one binary message (`tauri::ipc::Response`, no JSON
//! encoding of megabytes): the frame's panel geometry and marks as JSON plus its pixels encoded
//! by `wire` as copies from the row above or from a frame the webview still holds, and literal
//! pixels only where something changed (a pan sends ~2-3 % of the RGBA bytes). One round trip
//! per frame. The window is kept inside the recording (a pan past the end shows the last
//! stretch); when the view then draws exactly the frame the renderer drew last and the webview
//! holds it, nothing is drawn and the answer is `wire`'s "unchanged" message. A pan by whole
//! pixels redraws only what came into view (`render::Renderer::render_update`). Also saves
//! the view state so the session restores exactly.

use std::time::Instant;

use serde::Serialize;
use tauri::State;
use tauri::ipc::Response;

use crate::error::{CommandError, ErrorCode};
use crate::ipc_types::ViewSettings;
use crate::state::{AppState, lock};

/// Renders one frame of `recording_id` and returns it as a `wire` message (header, geometry
/// JSON `{width, height, panels, marks}`, pixel ops). `bases`: ids of the frames the webview
/// holds, which the ops may copy from.
#[tauri::command]
pub async fn render_frame(
    recording_id: i64,
    view: ViewSettings,
    width: u32,
    height: u32,
    bases: Option<Vec<u32>>,
    state: State<'_, AppState>,
) -> Result<Response, CommandError> {
    let rec = state.recording(recording_id)?;
    // Only the annotations the frame can show: a Holter session may hold 100k of them.
    let window = view.visible_seconds(width);
    let annotations = match state.store().await {
        Ok(store) => {
            let rows = match window {
                Some(w) => {
                    store
                        .annotations_in_range(
                            recording_id,
                            view.start_s - 1.0,
                            view.start_s + w + 1.0,
                        )
                        .await?
                }
                None => store.annotations(recording_id).await?,
            };
            rows.iter().map(|a| a.data.to_ecg()).collect()
        }
        Err(_) => Vec::new(),
    };
    // The analysis' marks need the analysis (computed once per recording, then cached).
    let analysis = match view.marks {
        render::Marks::Analysis => Some(state.analysis(recording_id).await?),
        _ => None,
    };
    let renderer = state.renderer.clone();
    let sent = state.sent_frames.clone();
    let bases = bases.unwrap_or_default();
    // Rendering blocks on the GPU readback: keep it off the async runtime.
    let (message, timing) = tauri::async_runtime::spawn_blocking(
        move || -> Result<(Vec<u8>, FrameTiming), CommandError> {
            let t0 = Instant::now();
            let filtered = rec.filtered_for_display(view.filter);
            let recording = filtered.as_deref().unwrap_or(&rec.recording);
            let mut scene = view.to_scene(recording, annotations, analysis.as_deref())?;
            let viewport = render::Viewport::new(width.clamp(16, 8192), height.clamp(16, 8192));
            render::keep_in_recording(&mut scene, viewport.width, viewport.height)?;
            let t1 = Instant::now();
            let mut slot = lock(&renderer);
            let renderer = match slot
                .get_or_insert_with(|| render::Renderer::new().map_err(|e| e.to_string()))
            {
                Ok(r) => r,
                Err(msg) => {
                    return Err(CommandError::new(
                        ErrorCode::Render,
                        format!("no GPU renderer: {msg}"),
                    ));
                }
            };
            let (frame, update) = match renderer.render_update(&scene, viewport)? {
                render::Update::Unchanged { drawn } => {
                    let mut sent = lock(&sent);
                    let held = sent.id_of_drawn(drawn).filter(|id| bases.contains(id));
                    match held.filter(|id| sent.touch(*id)) {
                        Some(id) => {
                            let timing = FrameTiming {
                                scene_ms: (t1 - t0).as_secs_f64() * 1e3,
                                render_ms: t1.elapsed().as_secs_f64() * 1e3,
                                encode_ms: 0.0,
                                bytes: viewport.width as usize * viewport.height as usize * 4,
                                wire_bytes: wire::HEADER_WORDS * 4,
                                base_frame: Some(id),
                                update: "unchanged",
                                redrawn_px: 0,
                            };
                            let message =
                                wire::encode_unchanged(id, viewport.width, viewport.height);
                            return Ok((message, timing));
                        }
                        // The webview no longer holds it: draw it again.
                        None => (renderer.render(&scene, viewport)?, ("full", 0)),
                    }
                }
                render::Update::Full(frame) => (frame, ("full", 0)),
                render::Update::Shifted { frame, rects, .. } => {
                    let px = rects
                        .iter()
                        .map(|[x0, y0, x1, y1]| u64::from(x1 - x0) * u64::from(y1 - y0))
                        .sum();
                    (frame, ("shifted", px))
                }
            };
            let id = {
                let mut sent = lock(&sent);
                let id = sent.next_id();
                sent.drawn_as(renderer.drawn(), id);
                id
            };
            drop(slot);
            let t2 = Instant::now();
            let pixels = wire::pixels_from_rgba(&frame.rgba);
            let held = lock(&sent).held(&bases);
            let candidates: Vec<&[u32]> = held.iter().map(|(_, p)| p.as_slice()).collect();
            let base = wire::choose_base(&pixels, &candidates).map(|k| (held[k].0, candidates[k]));
            let json = serde_json::to_vec(&frame).map_err(|e| {
                CommandError::new(ErrorCode::Render, format!("frame geometry: {e}"))
            })?;
            let message = wire::encode_message(id, frame.width, frame.height, &json, &pixels, base);
            lock(&sent).push(id, std::sync::Arc::new(pixels));
            let timing = FrameTiming {
                scene_ms: (t1 - t0).as_secs_f64() * 1e3,
                render_ms: (t2 - t1).as_secs_f64() * 1e3,
                encode_ms: t2.elapsed().as_secs_f64() * 1e3,
                bytes: frame.rgba.len(),
                wire_bytes: message.len(),
                base_frame: base.map(|(id, _)| id),
                update: update.0,
                redrawn_px: update.1,
            };
            Ok((message, timing))
        },
    )
    .await
    .map_err(CommandError::task)??;
    *lock(&state.last_frame_timing) = Some(timing);
    Ok(Response::new(message))
}

/// Where the last frame's time went on the Rust side (the UI adds transfer and painting).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameTiming {
    /// Display filter (cached after the first frame) and scene building, ms.
    pub scene_ms: f64,
    /// GPU render and read-back of the RGBA pixels, ms.
    pub render_ms: f64,
    /// Encoding the message for the webview (`wire`), ms.
    pub encode_ms: f64,
    /// Size of the frame as RGBA.
    pub bytes: usize,
    /// Size of the message sent to the webview (geometry JSON and encoded pixels).
    pub wire_bytes: usize,
    /// The frame the pixels were encoded against, if any (for "unchanged", the frame shown).
    pub base_frame: Option<u32>,
    /// How the renderer made it: `full`, `shifted` (a pan: the last frame's traces moved and
    /// only `redrawn_px` of them drawn) or `unchanged` (nothing drawn or sent but the header).
    pub update: &'static str,
    /// Pixels of the moving layer redrawn for a `shifted` frame.
    pub redrawn_px: u64,
}

/// [`FrameTiming`] of the last frame plus the digest of its pixels.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastFrame {
    /// Where its time went.
    #[serde(flatten)]
    pub timing: FrameTiming,
    /// `wire::digest` of its pixels: the E2E test compares it with the painted canvas.
    pub digest: u32,
}

/// The Rust-side timing of the last rendered frame and the digest of its pixels (`None` before
/// the first), for the interaction-latency benchmark (`bench/render/app_latency.sh`) and the
/// test that the canvas shows exactly the frame rendered.
#[tauri::command]
pub fn frame_timing(state: State<'_, AppState>) -> Option<LastFrame> {
    let timing = (*lock(&state.last_frame_timing))?;
    let pixels = lock(&state.sent_frames).newest()?;
    Some(LastFrame {
        timing,
        digest: wire::digest(&pixels),
    })
}

/// Saves the view so reopening the recording restores it.
#[tauri::command]
pub async fn save_view(
    recording_id: i64,
    view: ViewSettings,
    state: State<'_, AppState>,
) -> Result<(), CommandError> {
    let store = state.store().await?;
    store.save_view(recording_id, &view.to_store()).await?;
    Ok(())
}
