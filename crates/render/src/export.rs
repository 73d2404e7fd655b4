//! PNG export of a [`Frame`]: 8-bit RGBA with a `pHYs` chunk carrying the resolution, so
//! viewers and printers that honour it reproduce 25 mm/s and 10 mm/mV on paper.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::renderer::Frame;
use crate::scene::MM_PER_INCH;

impl Frame {
    /// Encodes the frame as PNG. `px_per_mm`, when given, is stored as pixels per metre.
    pub fn write_png<W: Write>(&self, out: W, px_per_mm: Option<f64>) -> Result<()> {
        let mut enc = png::Encoder::new(out, self.width, self.height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_source_srgb(png::SrgbRenderingIntent::Perceptual);
        // Paper grids compress well with per-row adaptive filters; export is not a hot path.
        enc.set_compression(png::Compression::Best);
        enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        if let Some(ppm) = px_per_mm.filter(|p| p.is_finite() && *p > 0.0) {
            let per_metre = (ppm * 1000.0).round() as u32;
            enc.set_pixel_dims(Some(png::PixelDimensions {
                xppu: per_metre,
                yppu: per_metre,
                unit: png::Unit::Meter,
            }));
        }
        let mut writer = enc.write_header()?;
        writer.write_image_data(&self.rgba)?;
        writer.finish()?;
        Ok(())
    }

    /// Writes the frame to a PNG file.
    pub fn save_png(&self, path: &Path, px_per_mm: Option<f64>) -> Result<()> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::create(path).map_err(io)?;
        let mut buf = std::io::BufWriter::new(file);
        self.write_png(&mut buf, px_per_mm)?;
        buf.flush().map_err(io)
    }
}

/// Pixels per millimetre for a resolution in dots per inch.
pub fn px_per_mm_from_dpi(dpi: f64) -> f64 {
    dpi / MM_PER_INCH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trips_pixels_and_resolution() {
        let frame = Frame {
            rgba: (0..4 * 3 * 2).map(|i| i as u8).collect(),
            width: 3,
            height: 2,
            panels: Vec::new(),
            marks: Vec::new(),
        };
        let mut bytes = Vec::new();
        frame
            .write_png(&mut bytes, Some(px_per_mm_from_dpi(254.0)))
            .unwrap();
        let dec = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = dec.read_info().unwrap();
        let dims = reader.info().pixel_dims.unwrap();
        assert_eq!(dims.xppu, 10_000);
        let mut out = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut out).unwrap();
        assert_eq!(out, frame.rgba);
    }
}
