//! The text layer: lead labels, calibration text, headers and annotation labels with egui's
//! painter (each on a backdrop of the paper's colour, over the traces), and small analysis plots (RR tachogram, median beat) with egui_plot, drawn by
//! egui-wgpu into the same render pass as the paper.
//!
//! One `egui::Context` lives as long as the renderer, so the font atlas is built once and only
//! its changes are uploaded. egui runs with 1 pixel per point: every size the layout computed
//! in pixels (from millimetres) is used as is, and glyphs are rasterised at their final size.
//! The egui-wgpu renderer uses `RendererOptions::PREDICTABLE` (no dithering, texture filtering
//! in the shader) so golden images do not depend on the adapter's sampler.

use ecg::{AnnotationKind, Recording};
use egui::{Align2, Color32, FontId, Pos2, Rect, Stroke, UiBuilder, Vec2};
use egui_plot::{Line, Plot, PlotPoints};

use crate::layout::{Anchor, TextItem};
use crate::leads::{mv_per_unit, resolve};
use crate::scene::{InsetKind, Rgba, Scene};

fn color(c: Rgba) -> Color32 {
    let [r, g, b, a] = c.0;
    Color32::from_rgba_unmultiplied(r, g, b, a)
}

/// egui context, egui-wgpu renderer and the tessellated frame waiting to be drawn.
pub(crate) struct TextLayer {
    ctx: egui::Context,
    renderer: egui_wgpu::Renderer,
    jobs: Vec<egui::ClippedPrimitive>,
    screen: egui_wgpu::ScreenDescriptor,
    to_free: Vec<egui::TextureId>,
    max_texture_side: usize,
}

impl TextLayer {
    pub(crate) fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let ctx = egui::Context::default();
        ctx.set_visuals(egui::Visuals::light());
        let renderer =
            egui_wgpu::Renderer::new(device, format, egui_wgpu::RendererOptions::PREDICTABLE);
        Self {
            ctx,
            renderer,
            jobs: Vec::new(),
            screen: egui_wgpu::ScreenDescriptor {
                size_in_pixels: [1, 1],
                pixels_per_point: 1.0,
            },
            to_free: Vec::new(),
            max_texture_side: device.limits().max_texture_dimension_2d as usize,
        }
    }

    /// Lays out the text and plots, uploads glyph textures and buffers.
    #[allow(clippy::too_many_arguments)] // the pieces of one frame; bundling them would only rename them
    pub(crate) fn prepare(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        scene: &Scene<'_>,
        texts: &[&TextItem],
        insets: &[([f32; 4], InsetKind)],
        width: u32,
        height: u32,
    ) {
        let size = Vec2::new(width as f32, height as f32);
        let input = egui::RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, size)),
            max_texture_side: Some(self.max_texture_side),
            ..Default::default()
        };
        let mut output = self.ctx.run_ui(input, |ui| {
            let painter = ui.painter().clone();
            for t in texts {
                let anchor = match t.anchor {
                    Anchor::Left => Align2::LEFT_TOP,
                    Anchor::Right => Align2::RIGHT_TOP,
                };
                // On a backdrop of the paper's colour: a noisy or tall trace runs through a
                // panel's top-left corner, and drawn over it a lead name is unreadable.
                let galley = painter.layout_no_wrap(
                    t.text.clone(),
                    FontId::proportional(t.size_px.max(4.0)),
                    color(t.color),
                );
                let rect = anchor.anchor_size(Pos2::new(t.pos_px[0], t.pos_px[1]), galley.size());
                // A quarter of the font size either side: a lone "I" stays a letter, not a
                // piece of the trace beside it.
                let pad = Vec2::new(0.25 * t.size_px.max(4.0), 1.0);
                painter.rect_filled(rect.expand2(pad), 0.0, color(scene.colors.paper));
                painter.galley(rect.min, galley, color(t.color));
            }
            for (k, (rect, kind)) in insets.iter().enumerate() {
                let r =
                    Rect::from_min_size(Pos2::new(rect[0], rect[1]), Vec2::new(rect[2], rect[3]));
                ui.scope_builder(UiBuilder::new().max_rect(r), |ui| {
                    ui.painter().rect_filled(r, 0.0, Color32::WHITE);
                    inset_plot(ui, k, r, kind, scene);
                });
            }
        });
        for (id, deltas) in &output.textures_delta.set {
            for delta in deltas {
                self.renderer.update_texture(device, queue, *id, delta);
            }
        }
        self.to_free = output.textures_delta.free.iter().copied().collect();
        // Applied above (set) or after submission (free): egui asserts that deltas are handled.
        output.textures_delta.clear();
        let shapes = std::mem::take(&mut output.shapes);
        self.jobs = self.ctx.tessellate(shapes, output.pixels_per_point);
        self.screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: [width, height],
            pixels_per_point: output.pixels_per_point,
        };
        // Callback command buffers only come from paint callbacks, which we do not use.
        let _ = self
            .renderer
            .update_buffers(device, queue, encoder, &self.jobs, &self.screen);
    }

    /// Records the text draw into the frame's pass.
    pub(crate) fn draw(&self, pass: &mut wgpu::RenderPass<'static>) {
        self.renderer.render(pass, &self.jobs, &self.screen);
    }

    /// Frees textures egui no longer needs (after the frame was submitted).
    pub(crate) fn finish(&mut self) {
        for id in self.to_free.drain(..) {
            self.renderer.free_texture(&id);
        }
    }
}

/// RR intervals (s) at each beat's time (s), from the beat marks shown, else the recording's
/// own beat annotations (the tachogram does not need the marks drawn).
pub(crate) fn rr_series(scene: &Scene<'_>) -> Vec<[f64; 2]> {
    let shown = scene
        .marks
        .iter()
        .any(|a| matches!(a.kind, AnnotationKind::Beat { .. }));
    let source = if shown {
        &scene.marks
    } else {
        &scene.recording.annotations
    };
    let mut beats: Vec<f64> = source
        .iter()
        .filter(|a| matches!(a.kind, AnnotationKind::Beat { .. }) && a.lead.is_none())
        .map(|a| a.onset_s)
        .collect();
    beats.sort_by(f64::total_cmp);
    beats.windows(2).map(|w| [w[1], w[1] - w[0]]).collect()
}

/// The median beat of one lead as (ms, mV).
fn median_series(rec: &Recording, label: &ecg::LeadLabel, derive: bool) -> Vec<[f64; 2]> {
    let Some(m) = &rec.median_beats else {
        return Vec::new();
    };
    let Some(lead) = resolve(&m.leads, label, derive) else {
        return Vec::new();
    };
    let scale = mv_per_unit(&lead);
    let fs = lead.sampling_rate_hz;
    match lead.signal.to_vec() {
        Ok(v) if fs > 0.0 => v
            .iter()
            .enumerate()
            .filter(|(_, y)| y.is_finite())
            .map(|(i, &y)| [i as f64 * 1000.0 / fs, f64::from(y) * scale])
            .collect(),
        _ => Vec::new(),
    }
}

fn inset_plot(ui: &mut egui::Ui, k: usize, r: Rect, kind: &InsetKind, scene: &Scene<'_>) {
    let (name, points, x_label, y_label) = match kind {
        InsetKind::RrTachogram => ("RR", rr_series(scene), "time (s)", "RR (s)"),
        InsetKind::MedianBeat(label) => (
            label.name(),
            median_series(scene.recording, label, scene.derive_leads),
            "ms",
            "mV",
        ),
    };
    let stroke = Stroke::new(1.5, color(scene.colors.trace));
    Plot::new(("heartlens inset", k))
        .width(r.width())
        .height(r.height())
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_x(false)
        .show_y(false)
        .include_y(0.0)
        .x_axis_label(x_label)
        .y_axis_label(y_label)
        .show(ui, |p| {
            p.line(Line::new(name, PlotPoints::from(points)).stroke(stroke));
        });
}
