// The moving layer (traces and marks, premultiplied, on transparent) and its two uses:
// `fs_composite` draws it over the paper (one texel per pixel, premultiplied "over" blending
// set by the pipeline), `fs_clear` makes a scissored region of it transparent again before
// the strip that came into view on a pan is drawn there. One full-screen triangle each.

@group(0) @binding(0) var layer: texture_2d<f32>;

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    let x = f32((i << 1u) & 2u) * 2.0 - 1.0;
    let y = f32(i & 2u) * 2.0 - 1.0;
    return vec4<f32>(x, y, 0.0, 1.0);
}

@fragment
fn fs_composite(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    return textureLoad(layer, vec2<i32>(frag.xy), 0);
}

@fragment
fn fs_clear() -> @location(0) vec4<f32> {
    return vec4<f32>(0.0, 0.0, 0.0, 0.0);
}
