// Anti-aliased line segments (traces, envelopes, calibration pulses, marks).
//
// Each segment a -> b with a half width and a colour comes as four vertices (the same
// values; `vertex_index & 3` is the corner, see segments.rs). The vertex shader expands it
// to a quad that covers the capsule plus one pixel of margin; the fragment shader
// computes the distance from the pixel centre to the segment and turns it into coverage
// (half width + 0.5 - distance, clamped): a 1-px analytic box filter, the same on every
// adapter, with no MSAA. Output is premultiplied.

struct View {
    viewport: vec2<f32>,
    _pad: vec2<f32>,
};

@group(0) @binding(0) var<uniform> view: View;

// Per-segment values are flat: interpolating a constant could still round differently.
struct VsOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) @interpolate(flat) a: vec2<f32>,
    @location(1) @interpolate(flat) b: vec2<f32>,
    @location(2) @interpolate(flat) half_width: f32,
    @location(3) @interpolate(flat) color: vec4<f32>,
};

@vertex
fn vs_main(
    @builtin(vertex_index) vi: u32,
    @location(0) a: vec2<f32>,
    @location(1) b: vec2<f32>,
    @location(2) half_width: f32,
    @location(3) color: vec4<f32>,
) -> VsOut {
    // The quad's corners (u along, v across) in {0,1} x {-1,1}; the index buffer makes the
    // triangles (0, 1, 2) and (0, 2, 3).
    var us = array<f32, 4>(0.0, 1.0, 1.0, 0.0);
    var vs = array<f32, 4>(-1.0, -1.0, 1.0, 1.0);
    let corner = vi & 3u;
    let u = us[corner];
    let v = vs[corner];
    let d = b - a;
    let len = length(d);
    var dir = vec2<f32>(1.0, 0.0);
    if (len > 1e-6) {
        dir = d / len;
    }
    let n = vec2<f32>(-dir.y, dir.x);
    let r = half_width + 1.0;
    let p = mix(a, b, u) + dir * (u * 2.0 - 1.0) * r + n * v * r;
    var out: VsOut;
    out.pos = vec4<f32>(p.x / view.viewport.x * 2.0 - 1.0, 1.0 - p.y / view.viewport.y * 2.0, 0.0, 1.0);
    out.a = a;
    out.b = b;
    out.half_width = half_width;
    out.color = color;
    return out;
}

@fragment
fn fs_main(in: VsOut) -> @location(0) vec4<f32> {
    let p = in.pos.xy;
    let ab = in.b - in.a;
    let l2 = dot(ab, ab);
    var h = 0.0;
    if (l2 > 1e-12) {
        h = clamp(dot(p - in.a, ab) / l2, 0.0, 1.0);
    }
    let dist = length(p - in.a - ab * h);
    let cov = clamp(in.half_width + 0.5 - dist, 0.0, 1.0) * in.color.a;
    if (cov <= 0.0) {
        discard;
    }
    return vec4<f32>(in.color.rgb * cov, cov);
}
