// ECG paper grid: 1-mm (minor) and 5-mm (major) lines, computed per pixel from the pitch.
//
// Drawn as one full-screen triangle, so its cost is one fragment per pixel whatever the
// pitch. Line k sits at x = k * px_per_mm (y likewise) from the frame's top-left corner; each
// pixel's coverage is the exact overlap of its 1-px box with the line's width (a box filter),
// so a line's intensity-weighted centre lands exactly on k * px_per_mm. Output is
// premultiplied: minor lines first, major lines over them.

struct Grid {
    viewport: vec2<f32>,
    px_per_mm: f32,
    // bit 0: minor lines, bit 1: major lines
    flags: u32,
    minor_color: vec4<f32>,
    major_color: vec4<f32>,
    minor_width: f32,
    major_width: f32,
    minor_fade: f32,
    _pad: f32,
};

@group(0) @binding(0) var<uniform> grid: Grid;

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    // A triangle covering the viewport: (-1,-1), (3,-1), (-1,3).
    let x = f32((i << 1u) & 2u) * 2.0 - 1.0;
    let y = f32(i & 2u) * 2.0 - 1.0;
    return vec4<f32>(x, y, 0.0, 1.0);
}

// Coverage of the pixel box [p - 0.5, p + 0.5] by the nearest line of period `pitch` and
// width `w`, along one axis.
fn line_coverage(p: f32, pitch: f32, w: f32) -> f32 {
    let c = round(p / pitch) * pitch;
    let lo = max(p - 0.5, c - 0.5 * w);
    let hi = min(p + 0.5, c + 0.5 * w);
    return clamp(hi - lo, 0.0, 1.0);
}

fn both_axes(p: vec2<f32>, pitch: f32, w: f32) -> f32 {
    let cx = line_coverage(p.x, pitch, w);
    let cy = line_coverage(p.y, pitch, w);
    return cx + cy - cx * cy;
}

@fragment
fn fs_main(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let p = frag.xy;
    var minor = 0.0;
    var major = 0.0;
    if ((grid.flags & 1u) != 0u) {
        minor = both_axes(p, grid.px_per_mm, grid.minor_width) * grid.minor_fade * grid.minor_color.a;
    }
    if ((grid.flags & 2u) != 0u) {
        major = both_axes(p, grid.px_per_mm * 5.0, grid.major_width) * grid.major_color.a;
    }
    // Major over minor, premultiplied.
    let rgb = grid.major_color.rgb * major + grid.minor_color.rgb * minor * (1.0 - major);
    let a = major + minor * (1.0 - major);
    return vec4<f32>(rgb, a);
}
