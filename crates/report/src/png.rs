//! The PNG rasteriser: draws laid-out [`Page`]s with tiny-skia, glyph outlines taken from the
//! same embedded fonts and the same shaped glyphs the PDF uses, so the PNG and the PDF come
//! from one layout. (The GPU renderer in `render` draws the interactive viewer; a report page
//! has text, tables and a print layout the viewer does not have, so it is rasterised here from
//! its own display list rather than re-laid out for the GPU.)

use rustybuzz::ttf_parser;
use tiny_skia::{FillRule, LineCap, LineJoin, Mask, Paint, PathBuilder, Pixmap, Stroke, Transform};

use crate::drawing::{Item, Page, Rect, Rgb, TextRun};
use crate::error::Error;
use crate::text::Fonts;

/// The highest resolution accepted: an A4 page at 600 dpi is 7016 x 4961 px (139 MB RGBA).
pub const MAX_DPI: f32 = 600.0;

pub(crate) fn rasterise(page: &Page, fonts: &Fonts, dpi: f32) -> Result<Pixmap, Error> {
    if !(10.0..=MAX_DPI).contains(&dpi) {
        return Err(Error::Option {
            field: "dpi",
            message: format!("{dpi} is outside 10..={MAX_DPI}"),
        });
    }
    let scale = dpi / 25.4;
    let w = (page.width * scale).round() as u32;
    let h = (page.height * scale).round() as u32;
    let mut pixmap = Pixmap::new(w, h).ok_or_else(|| Error::Option {
        field: "dpi",
        message: format!("cannot allocate a {w} x {h} image"),
    })?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let transform = Transform::from_scale(scale, scale);
    draw_items(&mut pixmap, fonts, &page.items, transform, None);
    Ok(pixmap)
}

pub(crate) fn encode(pixmap: &Pixmap) -> Result<Vec<u8>, Error> {
    pixmap.encode_png().map_err(|e| Error::Png(e.to_string()))
}

fn paint(c: Rgb) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(c.0, c.1, c.2, 255);
    p.anti_alias = true;
    p
}

fn rect_path(r: &Rect) -> Option<tiny_skia::Path> {
    tiny_skia::Rect::from_xywh(r.x, r.y, r.w, r.h).map(PathBuilder::from_rect)
}

fn draw_items(
    pixmap: &mut Pixmap,
    fonts: &Fonts,
    items: &[Item],
    transform: Transform,
    mask: Option<&Mask>,
) {
    for item in items {
        match item {
            Item::Lines {
                subpaths,
                width,
                color,
            } => {
                let mut pb = PathBuilder::new();
                for sub in subpaths {
                    let mut points = sub.iter();
                    if let Some(&(x, y)) = points.next() {
                        pb.move_to(x, y);
                        for &(x, y) in points {
                            pb.line_to(x, y);
                        }
                    }
                }
                if let Some(path) = pb.finish() {
                    let stroke = Stroke {
                        width: *width,
                        line_cap: LineCap::Butt,
                        line_join: LineJoin::Round,
                        ..Stroke::default()
                    };
                    pixmap.stroke_path(&path, &paint(*color), &stroke, transform, mask);
                }
            }
            Item::Rect { rect, fill, stroke } => {
                if let Some(path) = rect_path(rect) {
                    if let Some(c) = fill {
                        pixmap.fill_path(&path, &paint(*c), FillRule::Winding, transform, mask);
                    }
                    if let Some((c, w)) = stroke {
                        let s = Stroke {
                            width: *w,
                            ..Stroke::default()
                        };
                        pixmap.stroke_path(&path, &paint(*c), &s, transform, mask);
                    }
                }
            }
            Item::Text(run) => draw_text(pixmap, fonts, run, transform, mask),
            Item::Clip { rect, items } => {
                let Some(path) = rect_path(rect) else {
                    continue;
                };
                let Some(mut clip) = Mask::new(pixmap.width(), pixmap.height()) else {
                    continue;
                };
                clip.fill_path(&path, FillRule::Winding, true, transform);
                // Nested clips are not produced by the layout; the inner one wins.
                draw_items(pixmap, fonts, items, transform, Some(&clip));
            }
        }
    }
}

/// Collects a glyph outline (font units, y up) into a tiny-skia path.
struct Outline(PathBuilder);

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.0.close();
    }
}

fn draw_text(
    pixmap: &mut Pixmap,
    fonts: &Fonts,
    run: &TextRun,
    transform: Transform,
    mask: Option<&Mask>,
) {
    let face = fonts.face(run.font);
    let upem = f32::from(face.units_per_em().max(1) as u16);
    let em = run.size / upem;
    let color = paint(run.color);
    let mut pen = run.x;
    for g in &run.glyphs {
        let mut outline = Outline(PathBuilder::new());
        if face
            .outline_glyph(ttf_parser::GlyphId(g.id), &mut outline)
            .is_some()
            && let Some(path) = outline.0.finish()
        {
            let gx = pen + g.x_offset * run.size;
            let gy = run.y - g.y_offset * run.size;
            let t = transform.pre_translate(gx, gy).pre_scale(em, -em);
            pixmap.fill_path(&path, &color, FillRule::Winding, t, mask);
        }
        pen += g.x_advance * run.size;
    }
}
