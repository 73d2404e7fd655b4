//! Sizes and encode/decode times of real frames (PNG files written by `heartlens render`, or
//! dumped from the app), each encoded alone and against the file before it (a pan or zoom):
//!
//! `cargo run -p heartlens-wire --example frame_sizes -- A.png B.png ...`
//!
//! Numbers for `bench/render/README.md`; not a test.

use std::time::Instant;

fn read_png(path: &str) -> Result<(u32, u32, Vec<u32>), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder.read_info().map_err(|e| format!("{path}: {e}"))?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("{path}: {e}"))?;
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return Err(format!("{path}: not 8-bit RGBA"));
    }
    buf.truncate(info.buffer_size());
    Ok((info.width, info.height, wire::pixels_from_rgba(&buf)))
}

/// Median of `reps` timings of `f`, in ms.
fn time_ms(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[reps / 2]
}

fn main() -> Result<(), String> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    let mut previous: Option<(String, Vec<u32>)> = None;
    println!("| frame | base | RGBA bytes | encoded bytes | ratio | encode ms | decode ms |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for path in &files {
        let (w, _height, pixels) = read_png(path)?;
        let bases: Vec<Option<&(String, Vec<u32>)>> = match &previous {
            Some(p) if p.1.len() == pixels.len() => vec![None, Some(p)],
            _ => vec![None],
        };
        for base in bases {
            let b = base.map(|(_, p)| &p[..]);
            let mut ops = Vec::new();
            let enc = time_ms(7, || {
                ops.clear();
                wire::encode(w as usize, &pixels, b, &mut ops);
            });
            let words = wire::pixels_from_rgba(&ops);
            let mut out = Vec::new();
            let dec = time_ms(7, || {
                out = wire::decode(&words, w as usize, pixels.len(), b).unwrap()
            });
            assert_eq!(out, pixels, "{path}: round trip");
            println!(
                "| {} | {} | {} | {} | {:.0}x | {enc:.2} | {dec:.2} |",
                path.rsplit('/').next().unwrap_or(path),
                base.map_or("none".to_string(), |(n, _)| n
                    .rsplit('/')
                    .next()
                    .unwrap_or(n)
                    .to_string()),
                pixels.len() * 4,
                ops.len(),
                (pixels.len() * 4) as f64 / ops.len() as f64
            );
        }
        previous = Some((path.clone(), pixels));
    }
    Ok(())
}
