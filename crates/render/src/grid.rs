//! The grid pipeline: ECG paper's 1-mm and 5-mm lines, drawn per pixel by
//! `shaders/grid.wgsl` from one full-screen triangle (cost: one fragment per pixel, whatever
//! the pitch). [`GridPipeline::new`] builds it once; [`GridPipeline::paper`] gives a texture
//! holding the paper colour with the grid over it for a frame's size and grid, drawn the first
//! time and kept for the next frames with the same (the last [`PAPERS`], up to `PAPER_BYTES`):
//! a pan or a zoom back to a recent scale copies it instead of running the shader for every
//! pixel again.

use bytemuck::{Pod, Zeroable};

use crate::scene::{Rgba, Scene};

/// Minor line width in mm (drawn at least 1 px wide).
const MINOR_WIDTH_MM: f64 = 0.1;
/// Major line width in mm (drawn at least 1.4 px wide).
const MAJOR_WIDTH_MM: f64 = 0.2;

/// Mirrors `struct Grid` in `grid.wgsl` (std140-compatible: vec4 fields on 16-byte offsets).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub(crate) struct GridUniform {
    viewport: [f32; 2],
    px_per_mm: f32,
    flags: u32,
    minor_color: [f32; 4],
    major_color: [f32; 4],
    minor_width: f32,
    major_width: f32,
    minor_fade: f32,
    _pad: f32,
}

const _: () = assert!(std::mem::size_of::<GridUniform>() == 64);

/// Papers kept (size and grid): as many as the frames the renderer remembers...
pub(crate) const PAPERS: usize = crate::renderer::RECENT;
/// ...as long as they hold at most this many bytes together (the newest is always kept): four
/// papers of the app's canvas (2.6 MB each at 1003x652) or of a 1600x900 page, but not of a
/// large PNG export, whose frames are drawn once.
const PAPER_BYTES: u64 = 64 << 20;

/// One drawn paper and what it was drawn for.
struct Paper {
    key: (u32, u32, GridUniform, Rgba),
    texture: wgpu::Texture,
}

/// The grid's pipeline, uniform buffer and bind group, created once per renderer, and the
/// papers drawn last (newest first).
pub(crate) struct GridPipeline {
    pipeline: wgpu::RenderPipeline,
    uniform: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    format: wgpu::TextureFormat,
    papers: std::collections::VecDeque<Paper>,
}

impl GridPipeline {
    pub(crate) fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let module = device.create_shader_module(wgpu::include_wgsl!("shaders/grid.wgsl"));
        let uniform = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("grid uniform"),
            size: std::mem::size_of::<GridUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("grid bind group layout"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            }],
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("grid bind group"),
            layout: &layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: uniform.as_entire_binding(),
            }],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("grid pipeline layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("grid pipeline"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend: Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            multiview_mask: None,
            cache: None,
        });
        Self {
            pipeline,
            uniform,
            bind_group,
            format,
            papers: std::collections::VecDeque::new(),
        }
    }

    /// This frame's grid parameters.
    pub(crate) fn uniform(scene: &Scene<'_>, width: u32, height: u32) -> GridUniform {
        let ppm = scene.px_per_mm;
        let flags = u32::from(scene.grid.minor) | (u32::from(scene.grid.major) << 1);
        // Below ~2.5 px/mm the 1-mm lines merge into a tint; fade them out towards 1.5 px/mm.
        let minor_fade = ((ppm - 1.5) / 1.0).clamp(0.0, 1.0) as f32;
        GridUniform {
            viewport: [width as f32, height as f32],
            px_per_mm: ppm as f32,
            flags,
            minor_color: scene.colors.minor.to_f32(),
            major_color: scene.colors.major.to_f32(),
            minor_width: (MINOR_WIDTH_MM * ppm).max(1.0) as f32,
            major_width: (MAJOR_WIDTH_MM * ppm).max(1.4) as f32,
            minor_fade,
            _pad: 0.0,
        }
    }

    /// A `width` x `height` texture (`COPY_SRC`) holding `paper` with the grid `u` over it:
    /// one kept from an earlier frame, or a new one drawn by commands recorded into `encoder`
    /// (the paper cleared to its colour, then the grid blended over it, the same operations
    /// whether the result is kept or not, so a kept paper is the same pixels).
    pub(crate) fn paper(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        (width, height): (u32, u32),
        u: &GridUniform,
        paper: Rgba,
    ) -> &wgpu::Texture {
        let key = (width, height, *u, paper);
        if let Some(k) = self.papers.iter().position(|p| p.key == key) {
            let p = self.papers.remove(k).expect("position found it");
            self.papers.push_front(p);
            return &self.papers[0].texture;
        }
        let texture = crate::textures::texture_2d(
            device,
            "paper",
            (width, height),
            self.format,
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        );
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        queue.write_buffer(&self.uniform, 0, bytemuck::bytes_of(u));
        let [r, g, b, _] = paper.to_f32();
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("paper pass"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color {
                            r: f64::from(r),
                            g: f64::from(g),
                            b: f64::from(b),
                            a: 1.0,
                        }),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.draw(0..3, 0..1);
        }
        self.papers.push_front(Paper { key, texture });
        let bytes = |p: &Paper| u64::from(p.key.0) * u64::from(p.key.1) * 4;
        while self.papers.len() > PAPERS
            || (self.papers.len() > 1 && self.papers.iter().map(bytes).sum::<u64>() > PAPER_BYTES)
        {
            self.papers.pop_back();
        }
        &self.papers[0].texture
    }
}
