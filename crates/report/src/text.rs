//! Fonts and text: loads the embedded DejaVu Sans faces, cleans untrusted strings, resolves
//! bidirectional text (UAX #9 via `unicode-bidi`), shapes it (HarfBuzz rules via `rustybuzz`)
//! and wraps it into boxes of a given width and line count.
//!
//! Shaping happens here, once, so that the PDF and the PNG draw the same glyphs at the same
//! places. Every string that reaches a page goes through [`Fonts::wrap`] or [`Fonts::fit`], which
//! bound both its width and its number of lines: a hostile name or note cannot push the layout
//! out of its box. Characters the font lacks (emoji, CJK) are drawn as its visible `.notdef`
//! box, which keeps its advance, so layout stays correct.

use rustybuzz::{Direction, Face, UnicodeBuffer};
use unicode_bidi::BidiInfo;

use crate::drawing::{Glyph, Rgb, TextRun};
use crate::error::Error;

/// DejaVu Sans 2.37 (fonts-dejavu-core), Bitstream Vera licence: `assets/fonts/`.
pub(crate) static REGULAR_TTF: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/DejaVuSans.ttf"
));
/// DejaVu Sans Bold 2.37.
pub(crate) static BOLD_TTF: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/DejaVuSans-Bold.ttf"
));

/// DejaVu Sans hhea ascender 1901 and descender 483 over 2048 units per em, rounded up
/// (checked against the font by a test).
#[cfg(test)]
pub(crate) const ASCENT_DESCENT_EM: (f32, f32) = (0.93, 0.24);

/// The longest text kept from one field before layout. Boxes hold far fewer characters; the
/// cap bounds the shaping work a hostile multi-megabyte string could cause.
const MAX_FIELD_CHARS: usize = 20_000;

/// Millimetres per typographic point.
pub(crate) const MM_PER_PT: f32 = 25.4 / 72.0;

/// Which face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FontKind {
    Regular,
    Bold,
}

/// The two faces, parsed once per report.
pub(crate) struct Fonts {
    regular: Face<'static>,
    bold: Face<'static>,
}

impl Fonts {
    pub(crate) fn load() -> Result<Self, Error> {
        let regular = Face::from_slice(REGULAR_TTF, 0).ok_or(Error::Font("DejaVuSans.ttf"))?;
        let bold = Face::from_slice(BOLD_TTF, 0).ok_or(Error::Font("DejaVuSans-Bold.ttf"))?;
        Ok(Self { regular, bold })
    }

    pub(crate) fn face(&self, kind: FontKind) -> &Face<'static> {
        match kind {
            FontKind::Regular => &self.regular,
            FontKind::Bold => &self.bold,
        }
    }

    /// Shapes one line (no line breaks inside) into glyphs in visual order.
    pub(crate) fn shape(&self, kind: FontKind, text: &str) -> Vec<Glyph> {
        let face = self.face(kind);
        let upem = f32::from(face.units_per_em().max(1) as u16);
        let mut glyphs = Vec::new();
        if text.is_empty() {
            return glyphs;
        }
        let info = BidiInfo::new(text, None);
        for para in &info.paragraphs {
            let (levels, runs) = info.visual_runs(para, para.range.clone());
            for run in runs {
                let Some(slice) = text.get(run.clone()) else {
                    continue;
                };
                let rtl = levels.get(run.start).is_some_and(|l| l.is_rtl());
                let mut buffer = UnicodeBuffer::new();
                buffer.push_str(slice);
                buffer.guess_segment_properties();
                buffer.set_direction(if rtl {
                    Direction::RightToLeft
                } else {
                    Direction::LeftToRight
                });
                let out = rustybuzz::shape(face, &[], buffer);
                let mut clusters: Vec<usize> = out
                    .glyph_infos()
                    .iter()
                    .map(|g| g.cluster as usize)
                    .collect();
                clusters.sort_unstable();
                clusters.dedup();
                for (info, pos) in out.glyph_infos().iter().zip(out.glyph_positions()) {
                    let start = info.cluster as usize;
                    let end = clusters
                        .iter()
                        .copied()
                        .find(|&c| c > start)
                        .unwrap_or(slice.len());
                    glyphs.push(Glyph {
                        id: u16::try_from(info.glyph_id).unwrap_or(0),
                        x_advance: pos.x_advance as f32 / upem,
                        x_offset: pos.x_offset as f32 / upem,
                        y_offset: pos.y_offset as f32 / upem,
                        range: run.start + start..run.start + end,
                    });
                }
            }
        }
        glyphs
    }

    /// Width in mm of one line at `size` mm.
    pub(crate) fn width(&self, kind: FontKind, size: f32, text: &str) -> f32 {
        self.shape(kind, text)
            .iter()
            .map(|g| g.x_advance)
            .sum::<f32>()
            * size
    }

    /// A shaped run with its baseline starting at (x, y). `text` must be one clean line.
    pub(crate) fn run(
        &self,
        kind: FontKind,
        size: f32,
        color: Rgb,
        (x, y): (f32, f32),
        text: &str,
    ) -> TextRun {
        TextRun {
            x,
            y,
            size,
            font: kind,
            color,
            glyphs: self.shape(kind, text),
            text: text.to_string(),
        }
    }

    /// One line that fits `max_w`: the cleaned text, ellipsised if needed.
    pub(crate) fn fit(&self, kind: FontKind, size: f32, text: &str, max_w: f32) -> String {
        self.wrap(kind, size, &clean_line(text), max_w, 1)
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    /// Wraps text (newlines start paragraphs) into at most `max_lines` lines no wider than
    /// `max_w` mm. Words longer than a line are broken between characters. When text is left
    /// over, the last line ends with an ellipsis.
    pub(crate) fn wrap(
        &self,
        kind: FontKind,
        size: f32,
        text: &str,
        max_w: f32,
        max_lines: usize,
    ) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut overflow = false;
        let capped: String = text.chars().take(MAX_FIELD_CHARS).collect();
        if capped.len() < text.len() {
            overflow = true;
        }
        // Line width = sum of word widths + spaces: widths do not depend on bidi order, and
        // DejaVu has no kerning across a space, so each word is shaped once.
        let space_w = self.width(kind, size, " ");
        'paragraphs: for para in capped.split('\n') {
            let para = clean_line(para);
            let mut line = String::new();
            let mut line_w = 0.0f32;
            for word in para.split(' ').filter(|w| !w.is_empty()) {
                let word_w = self.width_bounded(kind, size, word, max_w);
                let candidate_w = if line.is_empty() {
                    word_w
                } else {
                    line_w + space_w + word_w
                };
                if candidate_w <= max_w {
                    if !line.is_empty() {
                        line.push(' ');
                    }
                    line.push_str(word);
                    line_w = candidate_w;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    if lines.len() > max_lines {
                        break 'paragraphs;
                    }
                }
                let mut rest = word;
                let mut rest_w = word_w;
                while rest_w > max_w {
                    let cut = self.longest_prefix(kind, size, rest, max_w);
                    let (head, tail) = rest.split_at(cut);
                    lines.push(head.to_string());
                    if lines.len() > max_lines {
                        break 'paragraphs;
                    }
                    rest = tail;
                    rest_w = self.width_bounded(kind, size, rest, max_w);
                }
                line = rest.to_string();
                line_w = rest_w;
            }
            lines.push(line);
            if lines.len() > max_lines {
                break;
            }
        }
        // Trailing empty paragraphs carry nothing.
        while lines.len() > 1 && lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        if lines.len() > max_lines {
            lines.truncate(max_lines);
            overflow = true;
        }
        if overflow && let Some(last) = lines.last_mut() {
            *last = self.ellipsise(kind, size, last, max_w);
        }
        lines
    }

    /// The most characters a line `max_w` wide can hold: no DejaVu glyph with an advance is
    /// narrower than 0.1 em.
    fn max_chars(size: f32, max_w: f32) -> usize {
        (max_w / (0.1 * size)).ceil().max(1.0) as usize + 1
    }

    /// Like [`Fonts::width`], but infinite without shaping when `text` has more characters than
    /// a line can hold, so a huge word costs no more than a line.
    fn width_bounded(&self, kind: FontKind, size: f32, text: &str, max_w: f32) -> f32 {
        if text.chars().nth(Self::max_chars(size, max_w)).is_some() {
            f32::INFINITY
        } else {
            self.width(kind, size, text)
        }
    }

    /// The byte length of the longest prefix of `text` (at least one character) that fits.
    /// Shapes the longest possible line once and walks its advances in logical order, then
    /// checks the cut by shaping it (a join or ligature at the cut can change a width).
    fn longest_prefix(&self, kind: FontKind, size: f32, text: &str, max_w: f32) -> usize {
        let first = text.chars().next().map_or(text.len(), char::len_utf8);
        let end = text
            .char_indices()
            .nth(Self::max_chars(size, max_w))
            .map_or(text.len(), |(i, _)| i);
        let head = text.get(..end).unwrap_or(text);
        let mut glyphs = self.shape(kind, head);
        glyphs.sort_by_key(|g| g.range.start);
        let mut cut = head.len();
        let mut acc = 0.0f32;
        for g in &glyphs {
            acc += g.x_advance * size;
            if acc > max_w {
                cut = g.range.start;
                break;
            }
        }
        let mut cut = cut.max(first);
        while cut > first && self.width(kind, size, text.get(..cut).unwrap_or(text)) > max_w {
            cut = text
                .get(..cut)
                .and_then(|t| t.char_indices().next_back())
                .map_or(first, |(i, _)| i.max(first));
        }
        cut
    }

    fn ellipsise(&self, kind: FontKind, size: f32, line: &str, max_w: f32) -> String {
        let mut base = line.trim_end().to_string();
        loop {
            let candidate = format!("{base}…");
            if base.is_empty() || self.width(kind, size, &candidate) <= max_w {
                return candidate;
            }
            base.pop();
        }
    }
}

/// One line of untrusted text made safe to shape: control characters and line or paragraph
/// separators become spaces, explicit bidi controls are dropped, runs of spaces collapse, and
/// the length is capped.
pub(crate) fn clean_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_FIELD_CHARS));
    let mut last_space = false;
    for c in text.chars().take(MAX_FIELD_CHARS) {
        // Explicit bidi embeddings, overrides and isolates are dropped: an override can show
        // "evil" as "live". Right-to-left text still reads right via the bidi algorithm.
        if matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
            continue;
        }
        let c = if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if last_space {
                continue;
            }
            last_space = true;
        } else {
            last_space = false;
        }
        out.push(c);
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascent_and_descent_constants_cover_the_font() {
        let fonts = Fonts::load().unwrap();
        for kind in [FontKind::Regular, FontKind::Bold] {
            let face = fonts.face(kind);
            let upem = f32::from(face.units_per_em() as u16);
            assert!(f32::from(face.ascender()) / upem <= ASCENT_DESCENT_EM.0);
            assert!(-f32::from(face.descender()) / upem <= ASCENT_DESCENT_EM.1);
        }
    }

    #[test]
    fn hebrew_and_arabic_have_real_glyphs_and_rtl_runs_are_reversed() {
        let fonts = Fonts::load().unwrap();
        let glyphs = fonts.shape(FontKind::Regular, "שלום abc");
        assert!(glyphs.iter().all(|g| g.id != 0), "{glyphs:?}");
        // The first strong character is Hebrew, so the paragraph is right-to-left: "abc" is
        // drawn leftmost, then the Hebrew word with its last letter first.
        assert_eq!(glyphs.first().unwrap().range.start, "שלום ".len());
        let hebrew: Vec<usize> = glyphs
            .iter()
            .map(|g| g.range.start)
            .filter(|&s| s < 8)
            .collect();
        assert_eq!(hebrew, vec![6, 4, 2, 0]);
        let arabic = fonts.shape(FontKind::Regular, "مرحبا");
        assert!(arabic.iter().all(|g| g.id != 0), "{arabic:?}");
    }

    #[test]
    fn emoji_fall_back_to_a_visible_box_with_an_advance() {
        let fonts = Fonts::load().unwrap();
        // U+1FAC0 ANATOMICAL HEART (Unicode 13) is not in DejaVu 2.37.
        let glyphs = fonts.shape(FontKind::Regular, "🫀");
        assert_eq!(glyphs.len(), 1);
        assert_eq!(glyphs[0].id, 0);
        assert!(glyphs[0].x_advance > 0.3);
    }

    #[test]
    fn wrapping_bounds_width_and_lines_and_marks_overflow() {
        let fonts = Fonts::load().unwrap();
        let long = "W".repeat(5000) + " and more words here";
        let lines = fonts.wrap(FontKind::Regular, 3.0, &long, 50.0, 3);
        assert_eq!(lines.len(), 3);
        for l in &lines {
            assert!(fonts.width(FontKind::Regular, 3.0, l) <= 50.0 + 1e-3, "{l}");
        }
        assert!(lines[2].ends_with('…'));
        let short = fonts.wrap(FontKind::Regular, 3.0, "Sinus rhythm", 50.0, 3);
        assert_eq!(short, vec!["Sinus rhythm".to_string()]);
    }

    #[test]
    fn clean_line_removes_controls_and_separators() {
        assert_eq!(clean_line("a\u{0}\tb\r\n\u{2029}c"), "a b c");
        assert_eq!(clean_line("\u{202E}evil\u{2066}x\u{2069}"), "evilx");
    }
}
