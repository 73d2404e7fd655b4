//! The display list: a laid-out page as millimetre-positioned paths, rectangles and shaped
//! glyph runs ([`Page`], [`Item`]).
//!
//! Layout happens once and produces these pages; the PDF writer (`pdf.rs`, krilla) and the PNG
//! rasteriser (`png.rs`, tiny-skia) only translate them. So the PNG shows exactly what the PDF
//! shows (same positions, same glyphs), and tests can check geometry without parsing output.
//! Coordinates are millimetres from the page's top-left corner, y pointing down.

use std::ops::Range;

use crate::text::FontKind;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub(crate) const BLACK: Rgb = Rgb(0, 0, 0);
    /// The paper under a lead name.
    pub(crate) const WHITE: Rgb = Rgb(255, 255, 255);
    pub(crate) const GREY: Rgb = Rgb(90, 90, 90);
    /// Contradicted claims of a chat answer.
    pub(crate) const ALERT: Rgb = Rgb(190, 20, 20);
    /// 1-mm grid lines: light red, the colour of ECG paper.
    pub(crate) const GRID_MINOR: Rgb = Rgb(250, 200, 200);
    /// 5-mm grid lines.
    pub(crate) const GRID_MAJOR: Rgb = Rgb(235, 130, 130);
    /// Annotation marks and numbers.
    pub(crate) const ANNOTATION: Rgb = Rgb(0, 80, 200);
    /// Wave marks (P/QRS/T onsets and offsets) on the trace.
    pub(crate) const FIDUCIAL: Rgb = Rgb(0, 140, 70);
}

/// An axis-aligned rectangle in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub(crate) fn new(x: f32, y: f32, w: f32, h: f32) -> Self {
        Self { x, y, w, h }
    }
    pub(crate) fn right(&self) -> f32 {
        self.x + self.w
    }
    pub(crate) fn bottom(&self) -> f32 {
        self.y + self.h
    }
    /// True when `other` lies inside this rectangle, allowing `tol` mm of slack.
    #[cfg(test)]
    pub(crate) fn contains(&self, other: &Rect, tol: f32) -> bool {
        other.x >= self.x - tol
            && other.y >= self.y - tol
            && other.right() <= self.right() + tol
            && other.bottom() <= self.bottom() + tol
    }
    #[cfg(test)]
    pub(crate) fn intersects(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }
}

/// One shaped glyph. Advances and offsets are in em (font units / units per em), as krilla wants.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Glyph {
    pub id: u16,
    pub x_advance: f32,
    pub x_offset: f32,
    pub y_offset: f32,
    /// The bytes of [`TextRun::text`] this glyph's cluster covers (for text extraction).
    pub range: Range<usize>,
}

/// A line of shaped text, already in visual order (bidi resolved).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TextRun {
    /// Left end of the baseline.
    pub x: f32,
    pub y: f32,
    /// Font size in mm (1 pt = 25.4/72 mm).
    pub size: f32,
    pub font: FontKind,
    pub color: Rgb,
    pub glyphs: Vec<Glyph>,
    /// The logical text (what a copy or `pdftotext` gives back).
    pub text: String,
}

impl TextRun {
    /// Width in mm.
    #[cfg(test)]
    pub(crate) fn width(&self) -> f32 {
        self.glyphs.iter().map(|g| g.x_advance).sum::<f32>() * self.size
    }

    /// The run's box: advance width by the font's ascent and descent.
    #[cfg(test)]
    pub(crate) fn bounds(&self) -> Rect {
        let (asc, desc) = crate::text::ASCENT_DESCENT_EM;
        Rect::new(
            self.x,
            self.y - asc * self.size,
            self.width(),
            (asc + desc) * self.size,
        )
    }
}

/// One drawing operation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// Stroked open polylines (each inner vector one subpath of at least 2 points).
    Lines {
        subpaths: Vec<Vec<(f32, f32)>>,
        width: f32,
        color: Rgb,
    },
    /// A rectangle, filled and/or stroked.
    Rect {
        rect: Rect,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    /// A line of text.
    Text(TextRun),
    /// Items drawn clipped to a rectangle.
    Clip { rect: Rect, items: Vec<Item> },
}

/// One laid-out page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    pub width: f32,
    pub height: f32,
    pub items: Vec<Item>,
    /// Where the ECG grid is on this page, if it has one (tests check nothing else enters it).
    pub grids: Vec<Rect>,
}

impl Page {
    pub(crate) fn new(width: f32, height: f32) -> Self {
        Self {
            width,
            height,
            items: Vec::new(),
            grids: Vec::new(),
        }
    }

    /// Every text run on the page, including those inside clips, with whether it is clipped.
    #[cfg(test)]
    pub(crate) fn texts(&self) -> Vec<(&TextRun, Option<Rect>)> {
        fn walk<'a>(
            items: &'a [Item],
            clip: Option<Rect>,
            out: &mut Vec<(&'a TextRun, Option<Rect>)>,
        ) {
            for item in items {
                match item {
                    Item::Text(t) => out.push((t, clip)),
                    Item::Clip { rect, items } => walk(items, Some(*rect), out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.items, None, &mut out);
        out
    }
}
