//! The segment pipeline: anti-aliased line segments (`shaders/segments.wgsl`), one quad
//! each. Traces, min/max envelopes, calibration pulses, lead-change marks and annotation marks
//! all go through it, so a frame is one indexed draw whose size is bounded by pixels.
//!
//! Each segment is uploaded four times (one vertex per corner of its quad; the shader takes
//! the corner from the vertex index) and drawn through a fixed index pattern, not as one
//! instance each: software rasterisers (llvmpipe/lavapipe) run their whole vertex pipeline
//! once per instance, which for thousands of 2-triangle instances cost more than the pixels.
//! The triangles, their order and the shader's arithmetic are those of the instanced draw,
//! so the pixels are too.
//!
//! The vertex and index buffers live as long as the renderer and only grow (to the next power
//! of two) when a frame needs more segments than they hold: no buffer is created per frame.

use bytemuck::{Pod, Zeroable};

/// One segment as the shader sees it (per-instance vertex attributes).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub(crate) struct Segment {
    /// Start, in pixels from the frame's top-left.
    pub a: [f32; 2],
    /// End, in pixels.
    pub b: [f32; 2],
    /// Half the line width, in pixels.
    pub half_width: f32,
    /// sRGB colour with alpha (`Unorm8x4`).
    pub color: [u8; 4],
}

const _: () = assert!(std::mem::size_of::<Segment>() == 24);

/// Mirrors `struct View` in `segments.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct ViewUniform {
    viewport: [f32; 2],
    _pad: [f32; 2],
}

/// Pipeline, uniform and the growable vertex and index buffers.
pub(crate) struct SegmentPipeline {
    pipeline: wgpu::RenderPipeline,
    uniform: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    vertices: wgpu::Buffer,
    indices: wgpu::Buffer,
    /// Segments the buffers hold.
    capacity: u64,
    count: u32,
    /// The per-corner copies of the frame's segments, kept to reuse the allocation.
    corners: Vec<Segment>,
}

const INITIAL_CAPACITY: u64 = 16 * 1024;
/// Vertices per segment: the quad's corners.
const CORNERS: u64 = 4;
/// Indices per segment: two triangles, corners (0, 1, 2) and (0, 2, 3), the order the
/// instanced draw used.
const QUAD: [u32; 6] = [0, 1, 2, 0, 2, 3];

fn vertex_buffer(device: &wgpu::Device, capacity: u64) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("segment vertices"),
        size: capacity * CORNERS * std::mem::size_of::<Segment>() as u64,
        usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

/// The index buffer for `capacity` segments, filled once.
fn index_buffer(device: &wgpu::Device, capacity: u64) -> wgpu::Buffer {
    use wgpu::util::DeviceExt;
    let indices: Vec<u32> = (0..capacity as u32)
        .flat_map(|k| QUAD.map(|q| k * CORNERS as u32 + q))
        .collect();
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("segment indices"),
        contents: bytemuck::cast_slice(&indices),
        usage: wgpu::BufferUsages::INDEX,
    })
}

impl SegmentPipeline {
    pub(crate) fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let module = device.create_shader_module(wgpu::include_wgsl!("shaders/segments.wgsl"));
        let uniform = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("segment view uniform"),
            size: std::mem::size_of::<ViewUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("segment bind group layout"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            }],
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("segment bind group"),
            layout: &layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: uniform.as_entire_binding(),
            }],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("segment pipeline layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let attributes = wgpu::vertex_attr_array![
            0 => Float32x2,
            1 => Float32x2,
            2 => Float32,
            3 => Unorm8x4,
        ];
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("segment pipeline"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[Some(wgpu::VertexBufferLayout {
                    array_stride: std::mem::size_of::<Segment>() as u64,
                    step_mode: wgpu::VertexStepMode::Vertex,
                    attributes: &attributes,
                })],
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
            vertices: vertex_buffer(device, INITIAL_CAPACITY),
            indices: index_buffer(device, INITIAL_CAPACITY),
            capacity: INITIAL_CAPACITY,
            count: 0,
            corners: Vec::new(),
        }
    }

    /// Uploads the frame's segments, growing the buffers if needed.
    pub(crate) fn prepare(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        segments: &[Segment],
        width: u32,
        height: u32,
    ) {
        let u = ViewUniform {
            viewport: [width as f32, height as f32],
            _pad: [0.0; 2],
        };
        queue.write_buffer(&self.uniform, 0, bytemuck::bytes_of(&u));
        let n = segments.len() as u64;
        if n > self.capacity {
            self.capacity = n.next_power_of_two();
            self.vertices = vertex_buffer(device, self.capacity);
            self.indices = index_buffer(device, self.capacity);
        }
        if !segments.is_empty() {
            self.corners.clear();
            self.corners
                .extend(segments.iter().flat_map(|s| [*s; CORNERS as usize]));
            queue.write_buffer(&self.vertices, 0, bytemuck::cast_slice(&self.corners));
        }
        self.count = u32::try_from(segments.len()).unwrap_or(u32::MAX);
    }

    /// Records the draw of the prepared segments.
    pub(crate) fn draw(&self, pass: &mut wgpu::RenderPass<'_>) {
        self.draw_range(pass, 0..self.count);
    }

    /// Records the draw of the prepared segments `range` (segment indices).
    pub(crate) fn draw_range(&self, pass: &mut wgpu::RenderPass<'_>, range: std::ops::Range<u32>) {
        let range = range.start.min(self.count)..range.end.min(self.count);
        if range.is_empty() {
            return;
        }
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.set_vertex_buffer(0, self.vertices.slice(..));
        pass.set_index_buffer(self.indices.slice(..), wgpu::IndexFormat::Uint32);
        let per = QUAD.len() as u32;
        pass.draw_indexed(range.start * per..range.end * per, 0, 0..1);
    }
}
