//! The PDF writer: translates laid-out [`Page`]s into a PDF with krilla. Paths stay paths
//! (the tracing is vector), text is embedded as subset DejaVu glyphs with its Unicode text so
//! it can be searched and copied.

use krilla::Data;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, LineCap, LineJoin, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, metadata::Metadata};

use crate::drawing::{Item, Page, Rect, Rgb, TextRun};
use crate::error::Error;
use crate::text::{BOLD_TTF, FontKind, MM_PER_PT, REGULAR_TTF};

struct PdfFonts {
    regular: Font,
    bold: Font,
}

pub(crate) fn write(pages: &[Page]) -> Result<Vec<u8>, Error> {
    let fonts = PdfFonts {
        regular: Font::new(Data::from(REGULAR_TTF), 0).ok_or(Error::Font("DejaVuSans.ttf"))?,
        bold: Font::new(Data::from(BOLD_TTF), 0).ok_or(Error::Font("DejaVuSans-Bold.ttf"))?,
    };
    let mut doc = Document::new();
    // No patient data in the metadata: it survives de-identification otherwise.
    doc.set_metadata(
        Metadata::new()
            .title("ECG report".to_string())
            .creator("Heartlens".to_string()),
    );
    for page in pages {
        let size = Size::from_wh(page.width / MM_PER_PT, page.height / MM_PER_PT).ok_or(
            Error::Option {
                field: "paper",
                message: format!("page size {} x {} mm", page.width, page.height),
            },
        )?;
        let mut pdf_page = doc.start_page_with(PageSettings::new(size));
        let mut surface = pdf_page.surface();
        surface.push_transform(&Transform::from_scale(1.0 / MM_PER_PT, 1.0 / MM_PER_PT));
        draw_items(&mut surface, &fonts, &page.items);
        surface.pop();
        surface.finish();
        pdf_page.finish();
    }
    doc.finish().map_err(|e| Error::Pdf(e.to_string()))
}

fn color(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: color(c).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn rect_path(r: &Rect) -> Option<krilla::geom::Path> {
    let mut pb = PathBuilder::new();
    pb.push_rect(krilla::geom::Rect::from_xywh(r.x, r.y, r.w, r.h)?);
    pb.finish()
}

fn draw_items(surface: &mut Surface<'_>, fonts: &PdfFonts, items: &[Item]) {
    for item in items {
        match item {
            Item::Lines {
                subpaths,
                width,
                color: c,
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
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: color(*c).into(),
                        width: *width,
                        line_cap: LineCap::Butt,
                        line_join: LineJoin::Round,
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                }
            }
            Item::Rect {
                rect,
                fill: f,
                stroke,
            } => {
                if let Some(path) = rect_path(rect) {
                    surface.set_fill(f.map(fill));
                    surface.set_stroke(stroke.map(|(c, w)| Stroke {
                        paint: color(c).into(),
                        width: w,
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                }
            }
            Item::Text(run) => draw_text(surface, fonts, run),
            Item::Clip { rect, items } => {
                if let Some(path) = rect_path(rect) {
                    surface.push_clip_path(&path, &FillRule::NonZero);
                    draw_items(surface, fonts, items);
                    surface.pop();
                }
            }
        }
    }
}

fn draw_text(surface: &mut Surface<'_>, fonts: &PdfFonts, run: &TextRun) {
    if run.glyphs.is_empty() {
        return;
    }
    let glyphs: Vec<KrillaGlyph> = run
        .glyphs
        .iter()
        .map(|g| {
            KrillaGlyph::new(
                GlyphId::new(u32::from(g.id)),
                g.x_advance,
                g.x_offset,
                // y-up like the font; krilla subtracts it in its y-down page space.
                g.y_offset,
                0.0,
                g.range.clone(),
                None,
            )
        })
        .collect();
    let font = match run.font {
        FontKind::Regular => fonts.regular.clone(),
        FontKind::Bold => fonts.bold.clone(),
    };
    surface.set_stroke(None);
    surface.set_fill(Some(fill(run.color)));
    surface.draw_glyphs(
        Point::from_xy(run.x, run.y),
        &glyphs,
        font,
        &run.text,
        run.size,
        false,
    );
}
