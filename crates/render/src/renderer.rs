//! [`Renderer`]: the GPU side. Built once (instance, adapter, device, queue, the three
//! pipelines); each [`Renderer::render`] turns a [`Scene`] into a [`Frame`].
//!
//! Points of interest, in the order a frame runs (markers `// (n)` in the code):
//! 1. the adapter comes from `WGPU_BACKEND`/`WGPU_ADAPTER_NAME` when set (tests use
//!    `WGPU_BACKEND=vulkan` to get lavapipe), else the best available; with none, the fallback
//!    (software) adapter is tried before giving up with [`Error::NoAdapter`];
//! 2. the device asks for downlevel limits raised only to the adapter's texture size, so the
//!    same code runs on lavapipe, old GL drivers and real GPUs;
//! 3. the page is placed on the CPU ([`crate::layout`]) and each cell's samples are reduced to
//!    at most one min/max pair per pixel column ([`crate::envelope`]), from a cached
//!    [`signal::Pyramid`] when a column covers many samples (long-record overview);
//! 4. a first pass draws the moving segments (traces, marks) into a transparent layer; the
//!    paper with its grid (kept per size and scale, [`crate::grid`]) is copied into an offscreen
//!    `Rgba8Unorm` texture, and a second pass draws over it that layer (only the tiles its
//!    segments reach, [`layer::cover`]), the fixed segments (pulses, lead-change marks) and text
//!    (textures and buffers kept between frames of the same size);
//!    [`Renderer::render_update`] skips a frame identical to a recent one, and on a pan by whole
//!    pixels shifts the last layer and redraws only where it differs ([`crate::layer`]);
//! 5. the texture is copied to a buffer whose rows are padded to
//!    `COPY_BYTES_PER_ROW_ALIGNMENT` (widths are arbitrary), mapped, and unpadded into the frame.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use ecg::SampleSource;
use serde::{Deserialize, Serialize};
use signal::Pyramid;

use crate::envelope::{self, PYRAMID_THRESHOLD, Trace, TraceError};
use crate::error::{Error, Result};
use crate::grid::{GridPipeline, GridUniform};
use crate::layer::{self, LayerPipeline};
use crate::layout::{self, Cell, PanelGeometry, TextItem};
use crate::leads::mv_per_unit;
use crate::scene::{Rgba, Scene};
use crate::segments::{Segment, SegmentPipeline};
use crate::strokes;
use crate::strokes::MarkGeometry;
use crate::text::TextLayer;
use crate::textures::texture_2d;

/// The offscreen format: 8-bit RGBA in gamma space, what egui-wgpu and PNG expect.
const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
/// Pyramids kept between frames (one per displayed long lead).
const PYRAMID_CACHE: usize = 32;
/// Above this many dirty rectangles a pan is drawn whole.
const MAX_DIRTY_RECTS: usize = 1024;

/// The size of the frame to draw, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewport {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Viewport {
    /// A viewport of `width` x `height` pixels.
    pub fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }
}

/// One drawn frame: tightly packed RGBA rows (top row first) and where each cell is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// `width * height * 4` bytes, RGBA, 8 bits per channel, sRGB.
    #[serde(skip)]
    pub rgba: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Geometry of every cell, in layout order.
    pub panels: Vec<PanelGeometry>,
    /// Where the wave marks were drawn, for hover labels in the UI.
    pub marks: Vec<MarkGeometry>,
}

impl Frame {
    /// The RGBA value at `(x, y)`, if inside.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        self.rgba.get(i..i + 4).and_then(|p| p.try_into().ok())
    }
}

/// Where the last drawn frame's time went (wall clock), for profiling: see
/// `examples/canvas_frames.rs`. A frame not drawn ([`Update::Unchanged`]) leaves it as it was.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameStages {
    /// Layout, traces, segments, the comparison with recent frames and the dirty tiles (CPU).
    pub plan: Duration,
    /// Uploads and command recording (text included), up to the submit (CPU).
    pub encode: Duration,
    /// Of `encode`, laying out, tessellating and uploading the text (egui).
    pub text: Duration,
    /// From the submit until the readback buffer is mapped: the adapter drawing the frame.
    pub gpu: Duration,
    /// Copying the mapped rows into the frame (CPU).
    pub copy: Duration,
}

/// What [`Renderer::render_update`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// The frame would be a frame drawn before, pixel for pixel and with the same geometry:
    /// nothing was drawn or read back. `drawn` is that frame's number ([`Renderer::drawn`]
    /// gave it when it was drawn).
    Unchanged {
        /// The number of the frame it would be.
        drawn: u64,
    },
    /// Drawn whole.
    Full(Frame),
    /// The last frame's traces and marks shifted by `dx` px (the new pixel at x shows what the
    /// last frame showed at x + dx: a pan to a later time has `dx > 0`), with only `rects`
    /// (`[x0, y0, x1, y1)` px) of them redrawn; paper, fixed marks and text drawn whole.
    Shifted {
        /// The frame, the same pixels [`Renderer::render`] gives.
        frame: Frame,
        /// The shift in px.
        dx: i32,
        /// The regions of the moving layer that were redrawn.
        rects: Vec<[u32; 4]>,
    },
}

/// The whole-pixel shift from the cells of one frame to those of the next (`None` unless they
/// are the same cells at the same scale, each moved by the same whole number of pixels).
fn pan_pixels(old: &[PanelGeometry], new: &[PanelGeometry]) -> Option<i32> {
    if old.len() != new.len() || old.is_empty() {
        return None;
    }
    let mut dx = None;
    for (a, b) in old.iter().zip(new) {
        if a.rect_px != b.rect_px || a.seconds_per_px != b.seconds_per_px || a.lead != b.lead {
            return None;
        }
        let px = (b.t0_s - a.t0_s) / a.seconds_per_px;
        let whole = px.round();
        if !whole.is_finite() || (px - whole).abs() > 1e-6 || dx.is_some_and(|d| d != whole) {
            return None;
        }
        dx = Some(whole);
    }
    dx.filter(|d| d.abs() < f64::from(i32::MAX))
        .map(|d| d as i32)
}

/// Frames remembered to recognise an unchanged view (the webview holds as many).
pub const RECENT: usize = 4;

/// What a recent frame was drawn from, to recognise an unchanged frame or a pan.
struct Last {
    /// Its number ([`Renderer::drawn`]).
    seq: u64,
    width: u32,
    height: u32,
    grid: GridUniform,
    paper: Rgba,
    moving: Vec<Segment>,
    groups: Vec<u32>,
    fixed: Vec<Segment>,
    texts: Vec<TextItem>,
    panels: Vec<PanelGeometry>,
    marks: Vec<MarkGeometry>,
    insets: bool,
    /// Which of the target's layers holds its moving segments (only the last frame drawn's).
    layer: Option<usize>,
}

/// What the renderer runs on, for logs and test reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdapterSummary {
    /// Adapter name (e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`).
    pub name: String,
    /// Backend (`Vulkan`, `Gl`, `Metal`, `Dx12`).
    pub backend: String,
    /// Device type (`Cpu` for software rasterisers).
    pub device_type: String,
    /// Driver and version.
    pub driver: String,
}

struct Layer {
    texture: wgpu::Texture,
    view: wgpu::TextureView,
    bind_group: wgpu::BindGroup,
}

struct Target {
    width: u32,
    height: u32,
    texture: wgpu::Texture,
    view: wgpu::TextureView,
    /// The moving layer of the last frame and of the next (they alternate).
    layers: [Layer; 2],
    readback: wgpu::Buffer,
    padded_row: u32,
}

struct CachedPyramid {
    sources: Vec<Weak<dyn SampleSource>>,
    pyramid: Arc<Pyramid>,
}

/// Device, queue and pipelines, created once; see the module docs for a frame's steps.
pub struct Renderer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    adapter: AdapterSummary,
    grid: GridPipeline,
    /// The moving segments (into the layer).
    segments: SegmentPipeline,
    /// The fixed segments (over the layer).
    fixed: SegmentPipeline,
    layer: LayerPipeline,
    text: TextLayer,
    target: Option<Target>,
    /// The last frames drawn, newest first.
    recent: std::collections::VecDeque<Last>,
    seq: u64,
    pyramids: HashMap<(String, Vec<usize>), CachedPyramid>,
    stages: FrameStages,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("adapter", &self.adapter)
            .finish_non_exhaustive()
    }
}

impl Renderer {
    /// Creates the device and pipelines (blocking). Fails with [`Error::NoAdapter`] when the
    /// machine has neither a GPU nor a software rasteriser.
    pub fn new() -> Result<Self> {
        pollster::block_on(Self::new_async())
    }

    async fn new_async() -> Result<Self> {
        // (1)
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let power_preference =
            wgpu::PowerPreference::from_env().unwrap_or(wgpu::PowerPreference::HighPerformance);
        let mut adapter = None;
        let mut last_error = String::from("no adapter found");
        for force_fallback_adapter in [false, true] {
            match instance
                .request_adapter(&wgpu::RequestAdapterOptions {
                    power_preference,
                    force_fallback_adapter,
                    compatible_surface: None,
                    apply_limit_buckets: false,
                })
                .await
            {
                Ok(a) => {
                    adapter = Some(a);
                    break;
                }
                Err(e) => last_error = e.to_string(),
            }
        }
        let adapter = adapter.ok_or(Error::NoAdapter(last_error))?;
        let info = adapter.get_info();
        // (2)
        let limits = wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits());
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("heartlens render device"),
                required_features: wgpu::Features::empty(),
                required_limits: limits,
                experimental_features: wgpu::ExperimentalFeatures::disabled(),
                memory_hints: wgpu::MemoryHints::MemoryUsage,
                trace: wgpu::Trace::Off,
            })
            .await
            .map_err(|e| Error::Device(e.to_string()))?;
        // Errors outside our error scopes (there should be none) are logged, not a panic.
        device.on_uncaptured_error(Arc::new(|e| tracing::error!("uncaptured wgpu error: {e}")));
        let summary = AdapterSummary {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_string(),
        };
        tracing::info!(adapter = ?summary, "render device ready");
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let layer = LayerPipeline::new(&device, FORMAT);
        if let Some(e) = scope.pop().await {
            return Err(Error::Gpu {
                stage: "building the layer pipelines",
                message: e.to_string(),
            });
        }
        Ok(Self {
            grid: GridPipeline::new(&device, FORMAT),
            segments: SegmentPipeline::new(&device, FORMAT),
            fixed: SegmentPipeline::new(&device, FORMAT),
            layer,
            text: TextLayer::new(&device, FORMAT),
            device,
            queue,
            adapter: summary,
            target: None,
            recent: std::collections::VecDeque::new(),
            seq: 0,
            pyramids: HashMap::new(),
            stages: FrameStages::default(),
        })
    }

    /// The number of the last frame drawn (1 for the first; [`Update::Unchanged`] names one).
    pub fn drawn(&self) -> u64 {
        self.seq
    }

    /// Where the last drawn frame's time went.
    pub fn stages(&self) -> FrameStages {
        self.stages
    }

    /// The adapter in use.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.adapter
    }

    /// Draws the scene into a `viewport`-sized frame and reads it back.
    pub fn render(&mut self, scene: &Scene<'_>, viewport: Viewport) -> Result<Frame> {
        match self.draw(scene, viewport, false)? {
            Update::Full(frame) | Update::Shifted { frame, .. } => Ok(frame),
            Update::Unchanged { .. } => unreachable!("draw without reuse always draws"),
        }
    }

    /// Like [`Renderer::render`], but reuses the frames this renderer drew: returns
    /// [`Update::Unchanged`] (nothing drawn or read back) when the new frame would be the same
    /// pixels with the same geometry as one of the last [`RECENT`] frames drawn (zooming back
    /// to the scale before, a pan clamped at the record's end), and [`Update::Shifted`] when the
    /// tracing moved by whole
    /// pixels (a pan): the last frame's moving layer is shifted and only where it differs is
    /// redrawn. The pixels are those [`Renderer::render`] gives for the same scene.
    pub fn render_update(&mut self, scene: &Scene<'_>, viewport: Viewport) -> Result<Update> {
        self.draw(scene, viewport, true)
    }

    fn draw(&mut self, scene: &Scene<'_>, viewport: Viewport, reuse: bool) -> Result<Update> {
        let (width, height) = (viewport.width, viewport.height);
        let max = self.device.limits().max_texture_dimension_2d;
        if width == 0 || height == 0 || width > max || height > max {
            return Err(Error::Viewport { width, height, max });
        }
        // (3)
        let started = Instant::now();
        let mut plan = layout::plan(scene, width, height)?;
        let traces = plan
            .cells
            .iter()
            .map(|cell| self.trace(cell))
            .collect::<Result<Vec<_>>>()?;
        if scene.center_traces {
            for (cell, trace) in plan.cells.iter_mut().zip(&traces) {
                if let Some(mv) = trace.as_ref().and_then(envelope::median_mv) {
                    let g = &mut cell.geometry;
                    // In whole millimetres: the baseline stays on a 1-mm line (the grid reads
                    // in mV), and a pan that barely moves the median leaves the trace (and the
                    // frame, which can then be shifted) where it was.
                    let ppm = scene.px_per_mm;
                    let mm = f64::from(mv) * 1000.0 / g.microvolts_per_px / ppm;
                    g.baseline_y_px += mm.round() * ppm;
                }
            }
        }
        let drawing = strokes::build(scene, &plan, &traces);
        let texts: Vec<TextItem> = plan.texts.iter().chain(&drawing.texts).cloned().collect();
        let grid = GridPipeline::uniform(scene, width, height);
        let panels: Vec<PanelGeometry> = plan.cells.into_iter().map(|c| c.geometry).collect();
        if reuse
            && plan.insets.is_empty()
            && let Some(same) = self.recent.iter().find(|l| {
                l.width == width
                    && l.height == height
                    && l.grid == grid
                    && l.paper == scene.colors.paper
                    && !l.insets
                    && l.moving == drawing.segments
                    && l.groups == drawing.groups
                    && l.fixed == drawing.fixed
                    && l.texts == texts
                    && l.panels == panels
                    && l.marks == drawing.marks
            })
        {
            return Ok(Update::Unchanged { drawn: same.seq });
        }
        // Only the frame drawn last has its layer in a texture.
        let last = self.recent.front().filter(|l| l.layer.is_some());
        // A pan: every cell at the same scale, its start moved by whole pixels.
        let shift = last
            .as_ref()
            .filter(|l| reuse && l.width == width && l.height == height)
            .and_then(|l| pan_pixels(&l.panels, &panels))
            .filter(|dx| dx.unsigned_abs() < width)
            .and_then(|dx| {
                let l = last.as_ref()?;
                let dirty = layer::dirty(
                    (&l.moving, &l.groups),
                    (&drawing.segments, &drawing.groups),
                    dx,
                    width,
                    height,
                );
                // Redrawing most of the layer in pieces costs more than drawing it once.
                let work: usize = dirty.iter().map(|d| d.segments.len()).sum();
                (dirty.len() <= MAX_DIRTY_RECTS && work * 10 <= drawing.segments.len() * 7)
                    .then_some((dx, l.layer?, dirty))
            });
        let current = last.and_then(|l| l.layer).map_or(0, |k| 1 - k);

        // (4)
        let planned = Instant::now();
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        self.ensure_target(width, height);
        let target = self.target.as_ref().expect("ensure_target just set it");
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame encoder"),
            });
        // The moving layer: drawn whole, or the last one shifted with its dirty rectangles
        // redrawn.
        let mut ranges = Vec::new();
        match &shift {
            None => {
                self.segments
                    .prepare(&self.device, &self.queue, &drawing.segments, width, height)
            }
            Some((dx, previous, dirty)) => {
                let mut list = Vec::new();
                for d in dirty {
                    let start = list.len() as u32;
                    list.extend(d.segments.iter().map(|&i| drawing.segments[i as usize]));
                    ranges.push((d.rect, start..list.len() as u32));
                }
                self.segments
                    .prepare(&self.device, &self.queue, &list, width, height);
                let (from, to) = if *dx >= 0 {
                    (dx.unsigned_abs(), 0)
                } else {
                    (0, dx.unsigned_abs())
                };
                encoder.copy_texture_to_texture(
                    wgpu::TexelCopyTextureInfo {
                        texture: &target.layers[*previous].texture,
                        mip_level: 0,
                        origin: wgpu::Origin3d {
                            x: from,
                            y: 0,
                            z: 0,
                        },
                        aspect: wgpu::TextureAspect::All,
                    },
                    wgpu::TexelCopyTextureInfo {
                        texture: &target.layers[current].texture,
                        mip_level: 0,
                        origin: wgpu::Origin3d { x: to, y: 0, z: 0 },
                        aspect: wgpu::TextureAspect::All,
                    },
                    wgpu::Extent3d {
                        width: width - dx.unsigned_abs(),
                        height,
                        depth_or_array_layers: 1,
                    },
                );
            }
        }
        {
            let load = if shift.is_some() {
                wgpu::LoadOp::Load
            } else {
                wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT)
            };
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("layer pass"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &target.layers[current].view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load,
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            if shift.is_some() {
                for ([x0, y0, x1, y1], range) in &ranges {
                    pass.set_scissor_rect(*x0, *y0, x1 - x0, y1 - y0);
                    self.layer.clear(&mut pass);
                    self.segments.draw_range(&mut pass, range.clone());
                }
            } else {
                self.segments.draw(&mut pass);
            }
        }
        // The page: paper and grid (kept from a recent frame or drawn now), the layer, fixed
        // marks, text.
        let paper = self.grid.paper(
            &self.device,
            &self.queue,
            &mut encoder,
            (width, height),
            &grid,
            scene.colors.paper,
        );
        encoder.copy_texture_to_texture(
            paper.as_image_copy(),
            target.texture.as_image_copy(),
            wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
        );
        self.fixed
            .prepare(&self.device, &self.queue, &drawing.fixed, width, height);
        let text_refs: Vec<&TextItem> = texts.iter().collect();
        let text_started = Instant::now();
        self.text.prepare(
            &self.device,
            &self.queue,
            &mut encoder,
            scene,
            &text_refs,
            &plan.insets,
            width,
            height,
        );
        let text_time = text_started.elapsed();
        {
            let mut pass = encoder
                .begin_render_pass(&wgpu::RenderPassDescriptor {
                    label: Some("frame pass"),
                    color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                        view: &target.view,
                        depth_slice: None,
                        resolve_target: None,
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Load,
                            store: wgpu::StoreOp::Store,
                        },
                    })],
                    depth_stencil_attachment: None,
                    timestamp_writes: None,
                    occlusion_query_set: None,
                    multiview_mask: None,
                })
                .forget_lifetime(); // egui-wgpu records into a 'static pass
            let cover = layer::cover(&drawing.segments, width, height);
            self.layer.composite(
                &mut pass,
                &target.layers[current].bind_group,
                &cover,
                (width, height),
            );
            self.fixed.draw(&mut pass);
            self.text.draw(&mut pass);
        }
        // (5)
        encoder.copy_texture_to_buffer(
            target.texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &target.readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(target.padded_row),
                    rows_per_image: None,
                },
            },
            wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
        );
        self.queue.submit([encoder.finish()]);
        let submitted = Instant::now();
        self.text.finish();
        let (rgba, mapped) = self.read_back()?;
        self.stages = FrameStages {
            plan: planned - started,
            encode: submitted - planned,
            text: text_time,
            gpu: mapped - submitted,
            copy: mapped.elapsed(),
        };
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::Gpu {
                stage: "drawing the frame",
                message: e.to_string(),
            });
        }
        let frame = Frame {
            rgba,
            width,
            height,
            panels,
            marks: drawing.marks,
        };
        self.seq += 1;
        for l in &mut self.recent {
            l.layer = None;
        }
        self.recent.push_front(Last {
            seq: self.seq,
            width,
            height,
            grid,
            paper: scene.colors.paper,
            moving: drawing.segments,
            groups: drawing.groups,
            fixed: drawing.fixed,
            texts,
            panels: frame.panels.clone(),
            marks: frame.marks.clone(),
            insets: !plan.insets.is_empty(),
            layer: Some(current),
        });
        self.recent.truncate(RECENT);
        Ok(match shift {
            Some((dx, _, dirty)) => Update::Shifted {
                frame,
                dx,
                rects: dirty.into_iter().map(|d| d.rect).collect(),
            },
            None => Update::Full(frame),
        })
    }

    fn ensure_target(&mut self, width: u32, height: u32) {
        if self
            .target
            .as_ref()
            .is_some_and(|t| t.width == width && t.height == height)
        {
            return;
        }
        // A new size: no layer of the frames before can be reused.
        for l in &mut self.recent {
            l.layer = None;
        }
        let texture = texture_2d(
            &self.device,
            "frame target",
            (width, height),
            FORMAT,
            wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::COPY_SRC
                | wgpu::TextureUsages::COPY_DST,
        );
        let view = texture.create_view(&wgpu::TextureViewDescriptor {
            label: Some("frame target view"),
            ..Default::default()
        });
        let layer = |label| {
            let texture = texture_2d(
                &self.device,
                label,
                (width, height),
                FORMAT,
                wgpu::TextureUsages::RENDER_ATTACHMENT
                    | wgpu::TextureUsages::TEXTURE_BINDING
                    | wgpu::TextureUsages::COPY_SRC
                    | wgpu::TextureUsages::COPY_DST,
            );
            let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
            let bind_group = self.layer.bind(&self.device, &view);
            Layer {
                texture,
                view,
                bind_group,
            }
        };
        let layers = [layer("moving layer 0"), layer("moving layer 1")];
        let padded_row = padded_bytes_per_row(width);
        let readback = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("frame readback"),
            size: u64::from(padded_row) * u64::from(height),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.target = Some(Target {
            width,
            height,
            texture,
            view,
            layers,
            readback,
            padded_row,
        });
    }

    /// The frame's RGBA rows and when the buffer was mapped.
    fn read_back(&self) -> Result<(Vec<u8>, Instant)> {
        let target = self
            .target
            .as_ref()
            .expect("read_back runs after ensure_target");
        let (tx, rx) = std::sync::mpsc::channel();
        target
            .readback
            .map_async(wgpu::MapMode::Read, .., move |r| {
                let _ = tx.send(r);
            });
        let gpu = |message: String| Error::Gpu {
            stage: "reading the frame back",
            message,
        };
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| gpu(e.to_string()))?;
        rx.recv()
            .map_err(|e| gpu(e.to_string()))?
            .map_err(|e| gpu(e.to_string()))?;
        let mapped = Instant::now();
        let row = target.width as usize * 4;
        let mut rgba = Vec::with_capacity(row * target.height as usize);
        {
            let view = target
                .readback
                .get_mapped_range(..)
                .map_err(|e| gpu(e.to_string()))?;
            for line in view
                .chunks(target.padded_row as usize)
                .take(target.height as usize)
            {
                rgba.extend_from_slice(&line[..row]);
            }
        }
        target.readback.unmap();
        Ok((rgba, mapped))
    }

    /// The cell's trace, using (and filling) the pyramid cache for dense long-record columns.
    fn trace(&mut self, cell: &Cell) -> Result<Option<Trace>> {
        let Some(lead) = &cell.lead else {
            return Ok(None);
        };
        let g = &cell.geometry;
        let n_cols = g.rect_px[2].max(0.0).round() as usize;
        let dense = lead.sampling_rate_hz * g.seconds_per_px > PYRAMID_THRESHOLD;
        let pyramid = if dense { self.pyramid(cell)? } else { None };
        let samples = |e: TraceError| match e {
            TraceError::Samples(source) => Error::Samples {
                lead: g.lead.clone(),
                source,
            },
            TraceError::Pyramid(source) => Error::Pyramid {
                lead: g.lead.clone(),
                source,
            },
        };
        envelope::trace(
            lead,
            g.t0_s,
            g.seconds_per_px,
            n_cols,
            mv_per_unit(lead) as f32,
            pyramid.as_deref(),
        )
        .map(Some)
        .map_err(samples)
    }

    fn pyramid(&mut self, cell: &Cell) -> Result<Option<Arc<Pyramid>>> {
        let Some(lead) = &cell.lead else {
            return Ok(None);
        };
        let sources = &cell.basis;
        let key_sources: Vec<usize> = sources
            .iter()
            .map(|s| Arc::as_ptr(s).cast::<()>() as usize)
            .collect();
        let key = (cell.geometry.lead.clone(), key_sources);
        if let Some(c) = self.pyramids.get(&key)
            && c.sources.iter().all(|w| w.strong_count() > 0)
        {
            return Ok(Some(c.pyramid.clone()));
        }
        let pyramid = Arc::new(
            Pyramid::build(&lead.signal).map_err(|source| Error::Pyramid {
                lead: cell.geometry.lead.clone(),
                source,
            })?,
        );
        if self.pyramids.len() >= PYRAMID_CACHE {
            self.pyramids
                .retain(|_, c| c.sources.iter().all(|w| w.strong_count() > 0));
            if self.pyramids.len() >= PYRAMID_CACHE {
                self.pyramids.clear();
            }
        }
        self.pyramids.insert(
            key,
            CachedPyramid {
                sources: sources.iter().map(Arc::downgrade).collect(),
                pyramid: pyramid.clone(),
            },
        );
        Ok(Some(pyramid))
    }
}

/// Bytes per row of the readback buffer: `width * 4` rounded up to
/// `COPY_BYTES_PER_ROW_ALIGNMENT` (256), as `copy_texture_to_buffer` requires.
pub(crate) fn padded_bytes_per_row(width: u32) -> u32 {
    let align = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
    (width * 4).div_ceil(align) * align
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readback_rows_are_padded_to_256_bytes() {
        assert_eq!(padded_bytes_per_row(64), 256);
        assert_eq!(padded_bytes_per_row(65), 512);
        assert_eq!(padded_bytes_per_row(1601), 6656);
    }
}
