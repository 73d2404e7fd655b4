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
//! 4. one render pass draws grid, segments and text into an offscreen `Rgba8Unorm` texture
//!    (kept between frames of the same size);
//! 5. the texture is copied to a buffer whose rows are padded to
//!    `COPY_BYTES_PER_ROW_ALIGNMENT` (widths are arbitrary), mapped, and unpadded into the frame.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use ecg::SampleSource;
use serde::{Deserialize, Serialize};
use signal::Pyramid;

use crate::envelope::{self, PYRAMID_THRESHOLD, Trace, TraceError};
use crate::error::{Error, Result};
use crate::grid::GridPipeline;
use crate::layout::{self, Cell, PanelGeometry};
use crate::leads::mv_per_unit;
use crate::scene::Scene;
use crate::segments::SegmentPipeline;
use crate::strokes;
use crate::strokes::MarkGeometry;
use crate::text::TextLayer;

/// The offscreen format: 8-bit RGBA in gamma space, what egui-wgpu and PNG expect.
const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
/// Pyramids kept between frames (one per displayed long lead).
const PYRAMID_CACHE: usize = 32;

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

struct Target {
    width: u32,
    height: u32,
    texture: wgpu::Texture,
    view: wgpu::TextureView,
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
    segments: SegmentPipeline,
    text: TextLayer,
    target: Option<Target>,
    pyramids: HashMap<(String, Vec<usize>), CachedPyramid>,
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
        Ok(Self {
            grid: GridPipeline::new(&device, FORMAT),
            segments: SegmentPipeline::new(&device, FORMAT),
            text: TextLayer::new(&device, FORMAT),
            device,
            queue,
            adapter: summary,
            target: None,
            pyramids: HashMap::new(),
        })
    }

    /// The adapter in use.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.adapter
    }

    /// Draws the scene into a `viewport`-sized frame and reads it back.
    pub fn render(&mut self, scene: &Scene<'_>, viewport: Viewport) -> Result<Frame> {
        let (width, height) = (viewport.width, viewport.height);
        let max = self.device.limits().max_texture_dimension_2d;
        if width == 0 || height == 0 || width > max || height > max {
            return Err(Error::Viewport { width, height, max });
        }
        // (3)
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
                    g.baseline_y_px += f64::from(mv) * 1000.0 / g.microvolts_per_px;
                }
            }
        }
        let drawing = strokes::build(scene, &plan, &traces);
        let texts: Vec<_> = plan.texts.iter().chain(&drawing.texts).collect();

        // (4)
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        self.ensure_target(width, height);
        let target = self.target.as_ref().expect("ensure_target just set it");
        self.grid.prepare(&self.queue, scene, width, height);
        self.segments
            .prepare(&self.device, &self.queue, &drawing.segments, width, height);
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame encoder"),
            });
        self.text.prepare(
            &self.device,
            &self.queue,
            &mut encoder,
            scene,
            &texts,
            &plan.insets,
            width,
            height,
        );
        let paper = scene.colors.paper.to_f32();
        {
            let mut pass = encoder
                .begin_render_pass(&wgpu::RenderPassDescriptor {
                    label: Some("frame pass"),
                    color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                        view: &target.view,
                        depth_slice: None,
                        resolve_target: None,
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Clear(wgpu::Color {
                                r: f64::from(paper[0]),
                                g: f64::from(paper[1]),
                                b: f64::from(paper[2]),
                                a: 1.0,
                            }),
                            store: wgpu::StoreOp::Store,
                        },
                    })],
                    depth_stencil_attachment: None,
                    timestamp_writes: None,
                    occlusion_query_set: None,
                    multiview_mask: None,
                })
                .forget_lifetime(); // egui-wgpu records into a 'static pass
            self.grid.draw(&mut pass);
            self.segments.draw(&mut pass);
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
        self.text.finish();
        let rgba = self.read_back()?;
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::Gpu {
                stage: "drawing the frame",
                message: e.to_string(),
            });
        }
        Ok(Frame {
            rgba,
            width,
            height,
            panels: plan.cells.into_iter().map(|c| c.geometry).collect(),
            marks: drawing.marks,
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
        let texture = self.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("frame target"),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let view = texture.create_view(&wgpu::TextureViewDescriptor {
            label: Some("frame target view"),
            ..Default::default()
        });
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
            readback,
            padded_row,
        });
    }

    fn read_back(&self) -> Result<Vec<u8>> {
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
        Ok(rgba)
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
