//! Shared XML helpers for the XML ECG formats (HL7 aECG, GE MUSE, Philips, Mortara):
//! text decoding (UTF-8, UTF-16 LE/BE with or without BOM, ISO-8859-1 by declaration),
//! a small element tree built with `quick-xml`, root sniffing for probes, and number
//! parsing that accepts comma decimals.
//!
//! Offsets in errors are byte offsets in the decoded UTF-8 text; for UTF-8 and Latin-1
//! files of ASCII markup they equal file offsets.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::error::Error;
use crate::options::Limits;

/// Deepest element nesting accepted (guards the tree against stack exhaustion).
const MAX_DEPTH: usize = 256;

/// The text encoding a file was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Latin1,
}

impl Encoding {
    /// Detects the encoding from a BOM, the `<?` pattern of UTF-16 without BOM, or the XML
    /// declaration's `encoding` attribute.
    pub fn sniff(bytes: &[u8]) -> Encoding {
        match bytes {
            [0xff, 0xfe, ..] | [b'<', 0, ..] => Encoding::Utf16Le,
            [0xfe, 0xff, ..] | [0, b'<', ..] => Encoding::Utf16Be,
            _ => {
                let head = &bytes[..bytes.len().min(200)];
                let decl = String::from_utf8_lossy(head).to_ascii_lowercase();
                let decl = decl.split("?>").next().unwrap_or("");
                if decl.contains("iso-8859-1")
                    || decl.contains("latin1")
                    || decl.contains("latin-1")
                    || decl.contains("windows-1252")
                {
                    Encoding::Latin1
                } else {
                    Encoding::Utf8
                }
            }
        }
    }
}

/// Decodes a whole XML file to a `String`.
pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<(String, Encoding), Error> {
    if bytes.len() as u64 > limits.max_text_bytes {
        return Err(Error::limit(
            "file size",
            format!(
                "{} bytes exceed the text limit of {}",
                bytes.len(),
                limits.max_text_bytes
            ),
        ));
    }
    let enc = Encoding::sniff(bytes);
    let text = match enc {
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let body = match bytes {
                [0xff, 0xfe, rest @ ..] | [0xfe, 0xff, rest @ ..] => rest,
                _ => bytes,
            };
            let units = body.chunks_exact(2).map(|c| {
                if enc == Encoding::Utf16Le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            });
            let mut s = String::with_capacity(body.len() / 2);
            for (i, r) in char::decode_utf16(units).enumerate() {
                match r {
                    Ok(c) => s.push(c),
                    Err(_) => {
                        return Err(Error::format_at(
                            "text encoding",
                            (i * 2) as u64,
                            "invalid UTF-16 (unpaired surrogate)",
                        ));
                    }
                }
            }
            s
        }
        Encoding::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
        Encoding::Utf8 => {
            let body = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
            match std::str::from_utf8(body) {
                Ok(s) => s.to_string(),
                Err(e) => {
                    return Err(Error::format_at(
                        "text encoding",
                        e.valid_up_to() as u64,
                        "invalid UTF-8 and no other encoding declared",
                    ));
                }
            }
        }
    };
    Ok((text, enc))
}

/// Decodes the first bytes of a file leniently (for probes): a truncated UTF-16 unit or UTF-8
/// sequence at the end is dropped.
pub(crate) fn decode_head(head: &[u8]) -> String {
    match Encoding::sniff(head) {
        enc @ (Encoding::Utf16Le | Encoding::Utf16Be) => {
            let body = match head {
                [0xff, 0xfe, rest @ ..] | [0xfe, 0xff, rest @ ..] => rest,
                _ => head,
            };
            let units = body.chunks_exact(2).map(|c| {
                if enc == Encoding::Utf16Le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            });
            char::decode_utf16(units)
                .map(|r| r.unwrap_or('\u{fffd}'))
                .collect()
        }
        Encoding::Latin1 => head.iter().map(|&b| char::from(b)).collect(),
        Encoding::Utf8 => {
            let body = head.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(head);
            String::from_utf8_lossy(body).into_owned()
        }
    }
}

/// The root element's start tag (name without prefix, and the whole tag text for namespace
/// checks), skipping the declaration, comments, processing instructions and DOCTYPE.
pub(crate) fn root_tag(text: &str) -> Option<(String, String)> {
    let mut rest = text;
    loop {
        let i = rest.find('<')?;
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>")? + 2..];
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->")? + 3..];
        } else if let Some(r) = rest.strip_prefix("<!") {
            rest = &r[r.find('>')? + 1..];
        } else {
            let body = &rest[1..];
            let end = body.find('>').unwrap_or(body.len());
            let tag = &body[..end];
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or("");
            let local = name.rsplit(':').next().unwrap_or(name);
            if local.is_empty() {
                return None;
            }
            return Some((local.to_string(), tag.to_string()));
        }
    }
}

/// An element of the tree.
#[derive(Debug, Clone, Default)]
pub(crate) struct Element {
    /// Local name (namespace prefix removed).
    pub name: String,
    /// Attributes (local names, unescaped values).
    pub attrs: Vec<(String, String)>,
    /// Child elements in order.
    pub children: Vec<Element>,
    /// Concatenated character data directly inside this element.
    pub text: String,
    /// Offset of the start tag in the decoded text.
    pub offset: u64,
}

impl Element {
    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this local name.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follows a path of child names.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        let mut e = self;
        for n in names {
            e = e.child(n)?;
        }
        Some(e)
    }

    /// Trimmed text of the child at `names`, if present and non-empty.
    pub fn text_at(&self, names: &[&str]) -> Option<String> {
        let t = self.path(names)?.text.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// An attribute value by local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every descendant (depth first, self excluded) with this local name.
    pub fn descendants<'a>(&'a self, name: &'a str) -> Vec<&'a Element> {
        let mut out = Vec::new();
        let mut stack: Vec<&Element> = self.children.iter().rev().collect();
        while let Some(e) = stack.pop() {
            if e.name == name {
                out.push(e);
            }
            stack.extend(e.children.iter().rev());
        }
        out
    }

    /// The first descendant with this local name.
    pub fn find(&self, name: &str) -> Option<&Element> {
        let mut stack: Vec<&Element> = self.children.iter().rev().collect();
        while let Some(e) = stack.pop() {
            if e.name == name {
                return Some(e);
            }
            stack.extend(e.children.iter().rev());
        }
        None
    }
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or("").to_string()
}

fn xml_err(e: impl std::fmt::Display, pos: u64) -> Error {
    Error::format_at("XML", pos, format!("not well-formed: {e}"))
}

/// Parses XML text into an element tree; returns the root element.
pub(crate) fn parse(text: &str) -> Result<Element, Error> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = vec![Element {
        name: String::new(),
        ..Element::default()
    }];
    loop {
        let pos = reader.buffer_position();
        let ev = reader.read_event().map_err(|e| xml_err(e, pos))?;
        match ev {
            Event::Start(s) | Event::Empty(s) if stack.len() > MAX_DEPTH => {
                let _ = s;
                return Err(Error::format_at(
                    "XML",
                    pos,
                    format!("elements nested deeper than {MAX_DEPTH}"),
                ));
            }
            Event::Start(s) => {
                let el = start_element(&s, pos)?;
                stack.push(el);
            }
            Event::Empty(s) => {
                let el = start_element(&s, pos)?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(el);
                }
            }
            Event::End(_) => {
                if stack.len() < 2 {
                    return Err(xml_err("unexpected end tag", pos));
                }
                let done = stack
                    .pop()
                    .expect("stack has at least two elements (checked)");
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(done);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => match &*r.xml10_content() {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                    Err(e) => return Err(xml_err(e, pos)),
                };
                if let (Some(c), Some(top)) = (resolved, stack.last_mut()) {
                    top.text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(Error::format_at(
            "XML",
            text.len() as u64,
            format!(
                "document ends inside <{}>",
                stack.last().map_or("", |e| e.name.as_str())
            ),
        ));
    }
    let mut doc = stack.pop().expect("document node (checked above)");
    let root = doc
        .children
        .drain(..)
        .next()
        .ok_or_else(|| Error::format_at("XML", 0, "no root element"))?;
    Ok(root)
}

fn start_element(s: &quick_xml::events::BytesStart<'_>, pos: u64) -> Result<Element, Error> {
    let mut attrs = Vec::new();
    for a in s.attributes() {
        let a = a.map_err(|e| xml_err(e, pos))?;
        let v = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| xml_err(e, pos))?;
        attrs.push((local(a.key.as_ref()), v.into_owned()));
    }
    Ok(Element {
        name: local(s.name().as_ref()),
        attrs,
        children: Vec::new(),
        text: String::new(),
        offset: pos,
    })
}

/// Parses a number that may use a comma as the decimal separator ("4,88").
pub(crate) fn number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>()
        .ok()
        .or_else(|| t.replace(',', ".").parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// Parses a whitespace-separated list of integers (aECG digits, Philips text waveforms).
pub(crate) fn integers(text: &str, field: &str, offset: u64) -> Result<Vec<i32>, Error> {
    text.split_ascii_whitespace()
        .enumerate()
        .map(|(i, w)| {
            w.parse::<i32>().map_err(|_| {
                Error::format_at(
                    field.to_string(),
                    offset,
                    format!("value {} is not an integer: '{w}'", i + 1),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_both_byte_orders_decode_to_the_same_text() {
        let s = "<?xml version=\"1.0\"?><a x=\"1\">é</a>";
        let le: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain(s.encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        let be: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let l = Limits::default();
        assert_eq!(decode(&le, &l).unwrap().0, s);
        assert_eq!(decode(&be, &l).unwrap(), (s.to_string(), Encoding::Utf16Be));
    }

    #[test]
    fn latin1_declaration_is_honoured() {
        let b = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>";
        let (t, e) = decode(b, &Limits::default()).unwrap();
        assert_eq!(e, Encoding::Latin1);
        assert_eq!(parse(&t).unwrap().text, "é");
    }

    #[test]
    fn root_tag_skips_prolog() {
        let t = "<?xml version='1.0'?>\n<!-- c --><!DOCTYPE R SYSTEM \"r.dtd\"><ns:Root xmlns:ns=\"urn:x\">";
        let (name, tag) = root_tag(t).unwrap();
        assert_eq!(name, "Root");
        assert!(tag.contains("urn:x"));
    }

    #[test]
    fn tree_has_text_attributes_and_entities() {
        let r = parse("<r><a k=\"v&amp;w\">1 &lt; 2</a><b/><a>x</a></r>").unwrap();
        assert_eq!(r.child("a").unwrap().attr("k"), Some("v&w"));
        assert_eq!(r.child("a").unwrap().text, "1 < 2");
        assert_eq!(r.children("a").count(), 2);
        assert_eq!(r.descendants("b").len(), 1);
    }

    #[test]
    fn malformed_and_deep_xml_fail_cleanly() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
        let deep = "<a>".repeat(10_000);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn comma_decimals_parse() {
        assert_eq!(number("4,88"), Some(4.88));
        assert_eq!(number(" 5 "), Some(5.0));
        assert_eq!(number("x"), None);
    }
}
