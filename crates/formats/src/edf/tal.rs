//! EDF+ Time-stamped Annotation Lists (TALs), EDF+ specification section 2.2.2:
//!
//! ```text
//! TAL   = onset [0x15 duration] 0x14 (text 0x14)* 0x00
//! onset = ('+' | '-') digits ['.' digits]        seconds from the file's start time
//! ```
//!
//! The first TAL of every data record has no text: its onset is the record's start time
//! (time-keeping TAL). Texts are UTF-8.

/// One TAL.
#[derive(Debug, Clone, PartialEq)]
pub struct Tal {
    /// Onset in seconds from the header start time.
    pub onset_s: f64,
    /// Duration in seconds (0 when absent).
    pub duration_s: f64,
    /// Texts (empty for a time-keeping TAL).
    pub texts: Vec<String>,
    /// Byte offset of the TAL inside the annotation bytes given to [`parse`].
    pub offset: usize,
}

/// Parses an EDF+ number (`+12.5`, `-3`, `0.25`); EDF+ requires the sign on onsets but many
/// writers omit it, which we accept.
fn number(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?.trim();
    if s.is_empty() || s.len() > 40 {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Parses the TALs of one data record's annotation bytes. Malformed TALs are returned as
/// errors (message, offset) next to the good ones, so one bad TAL does not hide the others.
pub fn parse(bytes: &[u8]) -> (Vec<Tal>, Vec<(String, usize)>) {
    let mut tals = Vec::new();
    let mut errors = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        // Skip padding zeros between/after TALs.
        if bytes[pos] == 0 {
            pos += 1;
            continue;
        }
        let end = bytes[pos..]
            .iter()
            .position(|&b| b == 0)
            .map_or(bytes.len(), |e| pos + e);
        let tal = &bytes[pos..end];
        let mut parts = tal.split(|&b| b == 0x14);
        let time = parts.next().unwrap_or_default();
        let (onset, duration) = match time.iter().position(|&b| b == 0x15) {
            Some(i) => (&time[..i], Some(&time[i + 1..])),
            None => (time, None),
        };
        match (number(onset), duration.map(number)) {
            (Some(onset_s), None) | (Some(onset_s), Some(Some(_))) => {
                let duration_s = duration.and_then(number).unwrap_or(0.0).max(0.0);
                let texts = parts
                    .filter(|t| !t.is_empty())
                    .map(|t| String::from_utf8_lossy(t).into_owned())
                    .collect();
                tals.push(Tal {
                    onset_s,
                    duration_s,
                    texts,
                    offset: pos,
                });
            }
            _ => errors.push((
                format!(
                    "malformed TAL '{}'",
                    String::from_utf8_lossy(&tal[..tal.len().min(40)]).escape_debug()
                ),
                pos,
            )),
        }
        pos = end;
    }
    (tals, errors)
}

/// Encodes one TAL (`texts` empty = time-keeping TAL, written as `+onset\x14\x14\0`).
pub fn encode(onset_s: f64, duration_s: f64, texts: &[&str]) -> Vec<u8> {
    let mut out = format!("{onset_s:+}").into_bytes();
    if duration_s > 0.0 {
        out.push(0x15);
        out.extend(format!("{duration_s}").bytes());
    }
    out.push(0x14);
    if texts.is_empty() {
        out.push(0x14);
    }
    for t in texts {
        // 0x14 and 0x00 are delimiters: they cannot appear inside a text.
        out.extend(t.bytes().map(|b| {
            if b == 0x14 || b == 0 || b == 0x15 {
                b' '
            } else {
                b
            }
        }));
        out.push(0x14);
    }
    out.push(0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_keeping_and_text_tals_parse() {
        let (t, e) = parse(b"+0.3945312\x14\x14\x00+2.3457031\x14XLSpike\x14\x00\x00\x00");
        assert!(e.is_empty());
        assert_eq!(t.len(), 2);
        assert!(t[0].texts.is_empty());
        assert_eq!(t[1].texts, vec!["XLSpike"]);
        assert_eq!(t[1].offset, 13);
    }

    #[test]
    fn duration_utf8_and_several_texts() {
        let bytes = encode(30.5, 2.0, &["中文", "b"]);
        let (t, _) = parse(&bytes);
        assert_eq!(t[0].onset_s, 30.5);
        assert_eq!(t[0].duration_s, 2.0);
        assert_eq!(t[0].texts, vec!["中文", "b"]);
    }

    #[test]
    fn malformed_tal_is_reported_not_fatal() {
        let (t, e) = parse(b"abc\x14x\x14\x00+1\x14ok\x14\x00");
        assert_eq!(t.len(), 1);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].1, 0);
    }
}
