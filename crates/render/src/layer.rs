//! The moving layer: traces, machine marks and annotation marks drawn on transparent into a
//! texture of their own, then composited over the paper. On a pan by whole pixels the
//! renderer copies the last frame's layer shifted and redraws only the rectangles where it
//! differs ([`dirty`]): the strip that came into view, each cell's clipped edges, marks that
//! appeared or went. The paper (grid), the fixed marks (calibration pulses, lead-change marks)
//! and all text are drawn in full every frame, over the layer, so a shifted frame is the
//! same pixels as a full one: the same segments, bit for bit, touch each pixel in the same
//! order (segments are matched within their group, whose order a pan keeps). The layer is
//! composited only over the tiles its segments reach ([`cover`]): elsewhere it is transparent.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::segments::Segment;

/// Side of the tiles dirty regions are rounded out to, in px.
const TILE: u32 = 16;

/// The composite and clear pipelines (`shaders/layer.wgsl`).
pub(crate) struct LayerPipeline {
    composite: wgpu::RenderPipeline,
    clear: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
}

impl LayerPipeline {
    pub(crate) fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let module = device.create_shader_module(wgpu::include_wgsl!("shaders/layer.wgsl"));
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("layer bind group layout"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Texture {
                    sample_type: wgpu::TextureSampleType::Float { filterable: false },
                    view_dimension: wgpu::TextureViewDimension::D2,
                    multisampled: false,
                },
                count: None,
            }],
        });
        let pipeline = |label, pipeline_layout: &wgpu::PipelineLayout, vs, fs, blend| {
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(label),
                layout: Some(pipeline_layout),
                vertex: wgpu::VertexState {
                    module: &module,
                    entry_point: Some(vs),
                    compilation_options: Default::default(),
                    buffers: &[],
                },
                fragment: Some(wgpu::FragmentState {
                    module: &module,
                    entry_point: Some(fs),
                    compilation_options: Default::default(),
                    targets: &[Some(wgpu::ColorTargetState {
                        format,
                        blend,
                        write_mask: wgpu::ColorWrites::ALL,
                    })],
                }),
                primitive: wgpu::PrimitiveState::default(),
                depth_stencil: None,
                multisample: wgpu::MultisampleState::default(),
                multiview_mask: None,
                cache: None,
            })
        };
        let with_layer = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("layer composite layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let empty = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("layer clear layout"),
            bind_group_layouts: &[],
            immediate_size: 0,
        });
        Self {
            composite: pipeline(
                "layer composite pipeline",
                &with_layer,
                "vs_main",
                "fs_composite",
                Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
            ),
            clear: pipeline("layer clear pipeline", &empty, "vs_main", "fs_clear", None),
            layout,
        }
    }

    /// The bind group that composites `view` (a layer texture).
    pub(crate) fn bind(&self, device: &wgpu::Device, view: &wgpu::TextureView) -> wgpu::BindGroup {
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("layer bind group"),
            layout: &self.layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(view),
            }],
        })
    }

    /// Records the layer drawn over what the pass holds, within `rects` (`[x0, y0, x1, y1)`
    /// px, see [`cover`]); leaves the pass's scissor rectangle at the whole `width` x `height`.
    pub(crate) fn composite(
        &self,
        pass: &mut wgpu::RenderPass<'_>,
        layer: &wgpu::BindGroup,
        rects: &[[u32; 4]],
        (width, height): (u32, u32),
    ) {
        if rects.is_empty() {
            return;
        }
        pass.set_pipeline(&self.composite);
        pass.set_bind_group(0, layer, &[]);
        for &[x0, y0, x1, y1] in rects {
            pass.set_scissor_rect(x0, y0, x1 - x0, y1 - y0);
            pass.draw(0..3, 0..1);
        }
        pass.set_scissor_rect(0, 0, width, height);
    }

    /// Records making the pass's scissor rectangle transparent.
    pub(crate) fn clear(&self, pass: &mut wgpu::RenderPass<'_>) {
        pass.set_pipeline(&self.clear);
        pass.draw(0..3, 0..1);
    }
}

/// A region of the layer to redraw: `rect` is `[x0, y0, x1, y1)` in px, `segments` the indices
/// (in drawing order) of the new frame's segments that touch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dirty {
    pub rect: [u32; 4],
    pub segments: Vec<u32>,
}

type Key = (u32, [u32; 4], u32, [u8; 4]);

/// A multiply-rotate hasher (the Fx hash of rustc) for [`Key`]s: their words are f32 bits and
/// small integers from our own frames, nothing adversarial, and std's SipHash was a third of
/// the time of matching a pan's ~6000 segments.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(4) {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u32(u32::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, v: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(v)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, v: usize) {
        self.write_u32(v as u32);
        self.write_u32((v as u64 >> 32) as u32);
    }
}

type KeyMap = HashMap<Key, u32, BuildHasherDefault<KeyHasher>>;

fn key(group: u32, s: &Segment, dx: f64) -> Option<Key> {
    // The old segment as it lands after the shift; exact in f64, and a match only if it is
    // also exact in f32 (so the shader sees the same numbers minus whole pixels).
    let x = |v: f32| {
        let shifted = f64::from(v) - dx;
        let f = shifted as f32;
        (f64::from(f) == shifted).then_some(f)
    };
    Some((
        group,
        [
            x(s.a[0])?.to_bits(),
            s.a[1].to_bits(),
            x(s.b[0])?.to_bits(),
            s.b[1].to_bits(),
        ],
        s.half_width.to_bits(),
        s.color,
    ))
}

/// Pixels a segment can touch, `[x0, y0, x1, y1]` (the shader's coverage ends half a pixel
/// beyond the half width; one more for safety), x moved left by `dx`.
fn bounds(s: &Segment, dx: f64) -> [f64; 4] {
    let m = f64::from(s.half_width) + 1.5;
    let (ax, bx) = (f64::from(s.a[0]) - dx, f64::from(s.b[0]) - dx);
    let (ay, by) = (f64::from(s.a[1]), f64::from(s.b[1]));
    [
        ax.min(bx) - m,
        ay.min(by) - m,
        ax.max(bx) + m,
        ay.max(by) + m,
    ]
}

/// A grid of [`TILE`]-px tiles over the frame, some marked.
struct Tiles {
    width: u32,
    height: u32,
    /// Tiles per row and per column.
    tw: usize,
    th: usize,
    marked: Vec<bool>,
}

impl Tiles {
    fn new(width: u32, height: u32) -> Self {
        let (tw, th) = (
            width.div_ceil(TILE) as usize,
            height.div_ceil(TILE) as usize,
        );
        Self {
            width,
            height,
            tw,
            th,
            marked: vec![false; tw * th],
        }
    }

    /// The tiles `[x0, x1] x [y0, y1]` of `b` reaches, clamped to the frame (`None` outside).
    fn span(&self, b: [f64; 4]) -> Option<([usize; 2], [usize; 2])> {
        if b[2] < 0.0
            || b[3] < 0.0
            || b[0] >= f64::from(self.width)
            || b[1] >= f64::from(self.height)
        {
            return None;
        }
        let clamp_x = |v: f64| (v.max(0.0) as usize / TILE as usize).min(self.tw - 1);
        let clamp_y = |v: f64| (v.max(0.0) as usize / TILE as usize).min(self.th - 1);
        Some((
            [clamp_x(b[0]), clamp_x(b[2])],
            [clamp_y(b[1]), clamp_y(b[3])],
        ))
    }

    /// Marks the tiles the pixels `b` (`[x0, y0, x1, y1]`, inclusive) reach.
    fn mark(&mut self, b: [f64; 4]) {
        if let Some(([x0, x1], [y0, y1])) = self.span(b) {
            for ty in y0..=y1 {
                self.marked[ty * self.tw + x0..=ty * self.tw + x1].fill(true);
            }
        }
    }

    /// The marked tiles as rectangles (`[x0, y0, x1, y1)` px): runs of marked tiles per tile
    /// row, merged down while the next row has the same run. Also which rectangle owns each
    /// tile (`u32::MAX` for none).
    fn rects(&self) -> (Vec<[u32; 4]>, Vec<u32>) {
        let (tw, th) = (self.tw, self.th);
        let mut rects: Vec<[u32; 4]> = Vec::new();
        let mut owner = vec![u32::MAX; tw * th];
        let mut open: HashMap<(usize, usize), usize> = HashMap::new();
        for ty in 0..th {
            let mut next_open = HashMap::new();
            let mut tx = 0;
            while tx < tw {
                if !self.marked[ty * tw + tx] {
                    tx += 1;
                    continue;
                }
                let start = tx;
                while tx < tw && self.marked[ty * tw + tx] {
                    tx += 1;
                }
                let y1 = ((ty as u32 + 1) * TILE).min(self.height);
                let k = match open.get(&(start, tx)) {
                    Some(&k) => {
                        rects[k][3] = y1;
                        k
                    }
                    None => {
                        rects.push([
                            start as u32 * TILE,
                            ty as u32 * TILE,
                            (tx as u32 * TILE).min(self.width),
                            y1,
                        ]);
                        rects.len() - 1
                    }
                };
                owner[ty * tw + start..ty * tw + tx].fill(k as u32);
                next_open.insert((start, tx), k);
            }
            open = next_open;
        }
        (rects, owner)
    }
}

/// Where a layer drawn from `segments` can hold anything but transparent pixels, in tiles
/// merged into rectangles (`[x0, y0, x1, y1)` px): compositing the layer elsewhere leaves the
/// paper as it is ("over" with zero alpha), so only these are composited.
pub(crate) fn cover(segments: &[Segment], width: u32, height: u32) -> Vec<[u32; 4]> {
    let mut tiles = Tiles::new(width, height);
    for s in segments {
        tiles.mark(bounds(s, 0.0));
    }
    tiles.rects().0
}

/// Where the layer of a frame drawn from `new` differs from the layer of the frame drawn from
/// `old` shifted by `dx` px (new pixel x shows old pixel x + dx), in tiles merged into
/// rectangles, each with the new segments that touch it. Segments are matched by value within
/// their group (see `strokes::Drawing::groups`); every unmatched segment's pixels, old or new,
/// are dirty, and so are the columns the shift brings in from outside the old frame.
pub(crate) fn dirty(
    old: (&[Segment], &[u32]),
    new: (&[Segment], &[u32]),
    dx: i32,
    width: u32,
    height: u32,
) -> Vec<Dirty> {
    let mut tiles = Tiles::new(width, height);
    let d = f64::from(dx);
    let mut left = KeyMap::with_capacity_and_hasher(old.0.len(), Default::default());
    for (s, &g) in old.0.iter().zip(old.1) {
        match key(g, s, d) {
            Some(k) => *left.entry(k).or_default() += 1,
            None => tiles.mark(bounds(s, d)),
        }
    }
    for (s, &g) in new.0.iter().zip(new.1) {
        match key(g, s, 0.0)
            .and_then(|k| left.get_mut(&k))
            .filter(|n| **n > 0)
        {
            Some(n) => *n -= 1,
            None => tiles.mark(bounds(s, 0.0)),
        }
    }
    for (s, &g) in old.0.iter().zip(old.1) {
        if let Some(n) = key(g, s, d).and_then(|k| left.get_mut(&k))
            && *n > 0
        {
            *n -= 1;
            tiles.mark(bounds(s, d));
        }
    }
    // Columns with no source in the old frame.
    let w = f64::from(width);
    let h = f64::from(height) - 1.0;
    if dx > 0 {
        tiles.mark([w - d, 0.0, w - 1.0, h]);
    } else if dx < 0 {
        tiles.mark([0.0, 0.0, -d - 1.0, h]);
    }
    // Each dirty tile belongs to one rectangle.
    let (rects, owner) = tiles.rects();
    // Each new segment goes to every rectangle its pixels reach, in drawing order.
    let mut out: Vec<Dirty> = rects
        .into_iter()
        .map(|rect| Dirty {
            rect,
            segments: Vec::new(),
        })
        .collect();
    let mut reached: Vec<u32> = Vec::new();
    for (i, s) in new.0.iter().enumerate() {
        let Some(([x0, x1], [y0, y1])) = tiles.span(bounds(s, 0.0)) else {
            continue;
        };
        reached.clear();
        for ty in y0..=y1 {
            for tx in x0..=x1 {
                let k = owner[ty * tiles.tw + tx];
                if k != u32::MAX && !reached.contains(&k) {
                    reached.push(k);
                }
            }
        }
        for &k in &reached {
            out[k as usize].segments.push(i as u32);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(x: f32, y: f32) -> Segment {
        Segment {
            a: [x, y],
            b: [x, y + 4.0],
            half_width: 0.5,
            color: [0, 0, 0, 255],
        }
    }

    #[test]
    fn a_pan_redraws_the_new_strip_and_what_changed() {
        // A trace of vertical bars every pixel across 200 px, panned by 10 px: the old bar at
        // x + 10 is the new bar at x, except the last 10 px, which are new.
        let old: Vec<Segment> = (0..200).map(|x| seg(x as f32 + 0.5, 50.0)).collect();
        let mut new: Vec<Segment> = (0..200).map(|x| seg(x as f32 + 0.5, 50.0)).collect();
        // One bar in the middle changed height.
        new[100].b[1] += 3.0;
        let groups = vec![0; 200];
        let d = dirty((&old, &groups), (&new, &groups), 10, 200, 100);
        let covers = |x: u32, y: u32| {
            d.iter()
                .any(|r| (r.rect[0]..r.rect[2]).contains(&x) && (r.rect[1]..r.rect[3]).contains(&y))
        };
        assert!(covers(195, 0) && covers(195, 99), "the columns shifted in");
        assert!(covers(100, 52), "the changed bar");
        assert!(!covers(40, 52), "an unchanged bar");
        assert!(!covers(100, 10), "far from any change");
        // Every new segment touching a rectangle is drawn there, in order.
        for r in &d {
            assert!(r.segments.windows(2).all(|w| w[0] < w[1]));
        }
        let r = d.iter().find(|r| covers_rect(r, 100, 52)).unwrap();
        assert!(r.segments.contains(&100));
        // A different group never matches.
        let other = vec![1; 200];
        let d = dirty((&old, &groups), (&new, &other), 10, 200, 100);
        assert!(d.iter().any(|r| covers_rect(r, 40, 52)));
    }

    fn covers_rect(r: &Dirty, x: u32, y: u32) -> bool {
        (r.rect[0]..r.rect[2]).contains(&x) && (r.rect[1]..r.rect[3]).contains(&y)
    }

    #[test]
    fn the_cover_holds_every_pixel_a_segment_reaches_and_little_else() {
        // Vertical bars along y 100..104 at x 0.5..299.5, and one mark far below.
        let mut segments: Vec<Segment> = (0..300).map(|x| seg(x as f32 + 0.5, 100.0)).collect();
        segments.push(Segment {
            a: [150.0, 300.0],
            b: [160.0, 310.0],
            half_width: 1.0,
            color: [0, 128, 0, 255],
        });
        let cover = cover(&segments, 300, 400);
        let inside = |x: u32, y: u32| {
            cover
                .iter()
                .any(|r| (r[0]..r[2]).contains(&x) && (r[1]..r[3]).contains(&y))
        };
        for s in &segments {
            let [x0, y0, x1, y1] = bounds(s, 0.0);
            for y in (y0.max(0.0) as u32)..=(y1.min(399.0) as u32) {
                for x in (x0.max(0.0) as u32)..=(x1.min(299.0) as u32) {
                    assert!(inside(x, y), "({x}, {y}) of {s:?} is not composited");
                }
            }
        }
        assert!(!inside(10, 10) && !inside(10, 200) && !inside(20, 305));
        // One rectangle for the band of bars (its tile rows merged), one for the mark.
        assert_eq!(cover.len(), 2, "{cover:?}");
        let area: u32 = cover.iter().map(|r| (r[2] - r[0]) * (r[3] - r[1])).sum();
        assert!(area <= 300 * 32 + 32 * 32, "{area}");
        assert!(super::cover(&[], 300, 400).is_empty());
    }

    #[test]
    fn coordinates_off_the_subpixel_grid_never_match() {
        let old = vec![seg(10.1, 5.0)];
        let new = vec![seg(5.1, 5.0)];
        // 10.1 - 5 is not 5.1 in f32.
        assert!(f64::from(10.1f32) - 5.0 != f64::from(5.1f32));
        let d = dirty((&old, &[0]), (&new, &[0]), 5, 64, 64);
        assert!(d.iter().any(|r| covers_rect(r, 5, 7)));
    }
}
