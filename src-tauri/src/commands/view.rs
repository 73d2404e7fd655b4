//! Drawing the tracing: the UI asks for a frame of the current viewport; the renderer draws it
//! offscreen with wgpu and we return raw RGBA bytes (`tauri::ipc::Response`, no JSON encoding
//! of megabytes) while the per-panel geometry is fetched as small JSON by `frame_geometry`.
//! Also saves the view state so the session restores exactly.

use std::time::Instant;

use serde::Serialize;
use tauri::State;
use tauri::ipc::Response;

use crate::error::{CommandError, ErrorCode};
use crate::ipc_types::ViewSettings;
use crate::state::{AppState, lock};

/// Renders one frame of `recording_id` as RGBA (width*height*4 bytes).
#[tauri::command]
pub async fn render_frame(
    recording_id: i64,
    view: ViewSettings,
    width: u32,
    height: u32,
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
    // Rendering blocks on the GPU readback: keep it off the async runtime.
    let (frame, timing) = tauri::async_runtime::spawn_blocking(
        move || -> Result<(render::Frame, FrameTiming), CommandError> {
            let t0 = Instant::now();
            let filtered = rec.filtered_for_display(view.filter);
            let recording = filtered.as_deref().unwrap_or(&rec.recording);
            let scene = view.to_scene(recording, annotations, analysis.as_deref())?;
            let t1 = Instant::now();
            let mut slot = lock(&renderer);
            let renderer =
                slot.get_or_insert_with(|| render::Renderer::new().map_err(|e| e.to_string()));
            let frame = match renderer {
                Ok(r) => r.render(
                    &scene,
                    render::Viewport::new(width.clamp(16, 8192), height.clamp(16, 8192)),
                )?,
                Err(msg) => {
                    return Err(CommandError::new(
                        ErrorCode::Render,
                        format!("no GPU renderer: {msg}"),
                    ));
                }
            };
            let timing = FrameTiming {
                scene_ms: (t1 - t0).as_secs_f64() * 1e3,
                render_ms: t1.elapsed().as_secs_f64() * 1e3,
                bytes: frame.rgba.len(),
            };
            Ok((frame, timing))
        },
    )
    .await
    .map_err(CommandError::task)??;
    *lock(&state.last_geometry) = frame.panels.clone();
    *lock(&state.last_marks) = frame.marks.clone();
    *lock(&state.last_frame_timing) = Some(timing);
    Ok(Response::new(frame.rgba))
}

/// Where the last frame's time went on the Rust side (the UI adds transfer and painting).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameTiming {
    /// Display filter (cached after the first frame) and scene building, ms.
    pub scene_ms: f64,
    /// GPU render and read-back of the RGBA pixels, ms.
    pub render_ms: f64,
    /// Size of the RGBA frame sent to the webview.
    pub bytes: usize,
}

/// The Rust-side timing of the last rendered frame (`None` before the first), for the
/// interaction-latency benchmark (`bench/render/app_latency.sh`).
#[tauri::command]
pub fn frame_timing(state: State<'_, AppState>) -> Option<FrameTiming> {
    *lock(&state.last_frame_timing)
}

/// Geometry of the last rendered frame's panels (pixel rect, lead, s/px, µV/px, baseline).
#[tauri::command]
pub fn frame_geometry(state: State<'_, AppState>) -> Vec<render::PanelGeometry> {
    lock(&state.last_geometry).clone()
}

/// Where the last frame drew its wave marks (lead, what, time, pixel position): the UI names a
/// mark when the pointer is over it, since marks are drawn without printed labels.
#[tauri::command]
pub fn frame_marks(state: State<'_, AppState>) -> Vec<render::MarkGeometry> {
    lock(&state.last_marks).clone()
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
