//! Section-by-section SCP-ECG parsing into a [`Recording`].

use std::collections::BTreeMap;

use ecg::{
    Acquisition, Annotation, AnnotationKind, Axis, Bpm, Calibration, Date, DateTime, Degrees, Lead,
    MedianBeats, Millis, Patient, Recording, Sex, Signal, Statement, StatementState, TimeOfDay,
    Unit, Warning, WaveKind, WavePoint,
};

use super::huffman::{self, Table};
use crate::error::Error;
use crate::options::OpenOptions;

/// One section: its file offset and the data area after the 16-byte section header.
#[derive(Debug, Clone, Copy)]
struct Section<'a> {
    /// File offset of the section header.
    offset: u64,
    /// Data area (after the header).
    data: &'a [u8],
    /// Section version byte.
    version: u8,
}

impl Section<'_> {
    fn data_offset(&self) -> u64 {
        self.offset + 16
    }
    fn u8(&self, pos: usize, field: &str) -> Result<u8, Error> {
        self.data
            .get(pos)
            .copied()
            .ok_or_else(|| self.short(pos, field))
    }
    fn u16(&self, pos: usize, field: &str) -> Result<u16, Error> {
        match self.data.get(pos..pos.saturating_add(2)) {
            Some(b) => Ok(u16::from_le_bytes([b[0], b[1]])),
            None => Err(self.short(pos, field)),
        }
    }
    fn u32(&self, pos: usize, field: &str) -> Result<u32, Error> {
        match self.data.get(pos..pos.saturating_add(4)) {
            Some(b) => Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            None => Err(self.short(pos, field)),
        }
    }
    fn short(&self, pos: usize, field: &str) -> Error {
        Error::format_at(
            field.to_string(),
            self.data_offset() + pos as u64,
            "section ends before this field",
        )
    }
}

fn le16(b: &[u8], pos: usize) -> Option<u16> {
    let s = b.get(pos..pos.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn le32(b: &[u8], pos: usize) -> Option<u32> {
    let s = b.get(pos..pos.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// CRC-CCITT (polynomial 0x1021, initial 0xFFFF) as EN 1064 section 5.3.
pub(crate) fn crc_ccitt(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Decodes SCP text: up to the first NUL, UTF-8 when valid, else ISO-8859-1.
fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let b = &bytes[..end];
    match std::str::from_utf8(b) {
        Ok(s) => s.trim().to_string(),
        Err(_) => b
            .iter()
            .map(|&c| char::from(c))
            .collect::<String>()
            .trim()
            .to_string(),
    }
}

/// SCP lead identifiers (EN 1064 table 14; names as WFDB `parsescp`).
fn lead_name(id: u8) -> String {
    const NAMES: [&str; 70] = [
        "Unspecified",
        "I",
        "II",
        "V1",
        "V2",
        "V3",
        "V4",
        "V5",
        "V6",
        "V7",
        "V2R",
        "V3R",
        "V4R",
        "V5R",
        "V6R",
        "V7R",
        "X",
        "Y",
        "Z",
        "CC5",
        "CM5",
        "Left Arm",
        "Right Arm",
        "Left Leg",
        "I (Frank)",
        "E",
        "C",
        "A",
        "M",
        "F",
        "H",
        "I-cal",
        "II-cal",
        "V1-cal",
        "V2-cal",
        "V3-cal",
        "V4-cal",
        "V5-cal",
        "V6-cal",
        "V7-cal",
        "V2R-cal",
        "V3R-cal",
        "V4R-cal",
        "V5R-cal",
        "V6R-cal",
        "V7R-cal",
        "X-cal",
        "Y-cal",
        "Z-cal",
        "CC5-cal",
        "CM5-cal",
        "Left Arm-cal",
        "Right Arm-cal",
        "Left Leg-cal",
        "I-cal (Frank)",
        "E-cal",
        "C-cal",
        "A-cal",
        "M-cal",
        "F-cal",
        "H-cal",
        "III",
        "aVR",
        "aVL",
        "aVF",
        "-aVR",
        "V8",
        "V9",
        "V8R",
        "V9R",
    ];
    NAMES
        .get(usize::from(id))
        .map_or_else(|| format!("SCP lead {id}"), |s| (*s).to_string())
}

/// Manufacturer codes of section 1 tag 14 (EN 1064 table 8), used when the text is empty.
fn manufacturer(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "Burdick",
        2 => "Cambridge Heart",
        3 => "Compumed",
        4 => "Datamed",
        5 => "Fukuda",
        6 => "Hewlett-Packard",
        7 => "Marquette Electronics",
        8 => "Mortara Instruments",
        9 => "Nihon Kohden",
        10 => "Okin",
        11 => "Quinton",
        12 => "Siemens",
        13 => "Spacelabs",
        14 => "Telemed",
        15 => "Hellige",
        16 => "ESA-OTE",
        17 => "Schiller",
        18 => "Picker-Schwarzer",
        19 => "Elettronic-Trentina",
        20 => "Zwönitz",
        _ => return None,
    })
}

/// A lead of section 3.
#[derive(Debug, Clone)]
struct LeadDef {
    name: String,
    /// First sample number (1-based, section 3).
    start: u32,
    n_samples: usize,
}

/// Section 4 contents.
#[derive(Debug, Clone, Default)]
struct QrsInfo {
    /// Reference beat length in ms.
    ref_len_ms: u16,
    /// Fiducial sample in the reference beat (1-based).
    fiducial: u16,
    /// Subtraction zones: (type, start, fiducial, end), 1-based sample numbers.
    zones: Vec<(u16, u32, u32, u32)>,
    /// Protected zones (start, end), 1-based.
    protected: Vec<(u32, u32)>,
}

/// Header of section 5 or 6.
#[derive(Debug, Clone, Copy)]
struct DataHeader {
    avm_nv: u32,
    interval_us: u32,
    difference: u8,
    bimodal: bool,
}

struct Ctx {
    warnings: Vec<Warning>,
}

impl Ctx {
    fn warn(&mut self, field: &str, offset: u64, message: impl Into<String>) {
        self.warnings.push(Warning::at(field, offset, message));
    }
}

/// Decodes a whole SCP-ECG file.
pub(crate) fn read_bytes(bytes: &[u8], options: &OpenOptions) -> Result<Recording, Error> {
    let mut ctx = Ctx {
        warnings: Vec::new(),
    };
    if bytes.len() < 6 + 16 {
        return Err(Error::format_at(
            "file header",
            0,
            format!("{} bytes: too short for an SCP-ECG file", bytes.len()),
        ));
    }
    let file_crc = le16(bytes, 0).unwrap_or(0);
    let declared = le32(bytes, 2).unwrap_or(0) as u64;
    let actual = bytes.len() as u64;
    let len = if declared > actual {
        return Err(Error::format_at(
            "file length",
            2,
            format!(
                "declares {declared} bytes but the file has {actual}: the file is truncated or \
                 is not a compliant SCP-ECG file (e.g. a Healforce handheld export, whose length \
                 fields do not follow EN 1064)"
            ),
        ));
    } else if declared < 22 {
        return Err(Error::format_at(
            "file length",
            2,
            format!("declares {declared} bytes, less than the file and section 0 headers"),
        ));
    } else {
        if declared < actual {
            ctx.warn(
                "file length",
                2,
                format!(
                    "declares {declared} bytes; {} trailing bytes ignored",
                    actual - declared
                ),
            );
        }
        declared as usize
    };
    let bytes = &bytes[..len];
    let crc = crc_ccitt(&bytes[2..]);
    if crc != file_crc {
        ctx.warn(
            "file CRC",
            0,
            format!("stored {file_crc:#06x}, computed {crc:#06x}"),
        );
    }

    let sections = read_section_table(bytes, &mut ctx)?;
    let get = |id: u16| sections.get(&id).copied();

    // Section 1: demographics.
    let mut patient = Patient::default();
    let mut acquisition = Acquisition::default();
    if let Some(s) = get(1) {
        parse_section1(&s, &mut patient, &mut acquisition, &mut ctx);
    }

    // Section 2: Huffman tables (absent = no Huffman coding).
    let tables: Option<Vec<Table>> = match get(2) {
        Some(s) => {
            let t = huffman::parse_tables(s.data, s.data_offset())?;
            Some(if t.is_empty() {
                vec![Table::default_table()]
            } else {
                t
            })
        }
        None => None,
    };

    // Section 3: leads.
    let s3 = get(3).ok_or_else(|| {
        Error::format("section 3", "lead definition section is missing (required)")
    })?;
    let (leads_def, flags) = parse_section3(&s3, options)?;
    let ref_subtraction = flags & 1 != 0;

    // Section 4: QRS locations.
    let qrs = match get(4) {
        Some(s) => Some(parse_section4(&s, &mut ctx)?),
        None => None,
    };

    // Section 5: reference beat.
    let mut ref_beat: Option<(DataHeader, Vec<Vec<i32>>)> = None;
    if let Some(s) = get(5) {
        let hdr = data_header(&s, 5)?;
        let n = match &qrs {
            Some(q) if hdr.interval_us > 0 => {
                (u64::from(q.ref_len_ms) * 1000 / u64::from(hdr.interval_us)) as usize
            }
            _ => 0,
        };
        if n > 0 {
            let data = decode_leads(&s, 5, &hdr, &vec![n; leads_def.len()], &tables, &mut ctx)?;
            ref_beat = Some((hdr, data));
        } else {
            ctx.warn(
                "section 5",
                s.offset,
                "reference beat length unknown (section 4 missing or sample interval 0); median beat skipped",
            );
        }
    }

    // Section 6: rhythm (or residual).
    let s6 = get(6).ok_or_else(|| {
        Error::format(
            "section 6",
            "rhythm data section is missing: no signal to read",
        )
    })?;
    let mut hdr6 = data_header(&s6, 6)?;
    if hdr6.interval_us == 0 {
        ctx.warn(
            "section 6 sample interval",
            s6.data_offset() + 2,
            "0 µs; assuming 500 Hz as WFDB parsescp does for Burdick carts",
        );
        hdr6.interval_us = 2000;
    }
    if hdr6.avm_nv == 0 {
        ctx.warn(
            "section 6 amplitude multiplier",
            s6.data_offset(),
            "0 nV; assuming 5000 nV (5 µV) as WFDB parsescp does for Burdick carts",
        );
        hdr6.avm_nv = 5000;
    }
    let counts: Vec<usize> = leads_def.iter().map(|l| l.n_samples).collect();
    let mut fs_interval = hdr6.interval_us;
    let mut residual = if hdr6.bimodal {
        // Bimodal compression: outside the protected zones of section 4 the residual is stored
        // decimated by (section 6 interval / section 5 interval), 1 to 4.
        let at = s6.data_offset() + 5;
        let (Some(q), Some((h5, _))) = (&qrs, &ref_beat) else {
            return Err(Error::format_at(
                "section 6 bimodal compression",
                at,
                "bimodal compression needs the protected zones of section 4 and the sample interval of section 5",
            ));
        };
        let rate = (h5.interval_us > 0 && hdr6.interval_us % h5.interval_us == 0)
            .then(|| hdr6.interval_us / h5.interval_us)
            .filter(|r| (1..=4).contains(r))
            .ok_or_else(|| {
                Error::format_at(
                    "section 6 bimodal compression",
                    at,
                    format!(
                        "decimation {} µs / {} µs is not a whole factor of 1 to 4",
                        hdr6.interval_us, h5.interval_us
                    ),
                )
            })? as usize;
        fs_interval = h5.interval_us;
        let stored = decode_leads_opt(&s6, 6, &hdr6, &counts, &tables, true, &mut ctx)?;
        let mut out = Vec::with_capacity(stored.len());
        for (i, (v, def)) in stored.iter().zip(&leads_def).enumerate() {
            let (lead, short) = expand_bimodal(v, def.n_samples, def.start, rate, &q.protected);
            if short {
                ctx.warn(
                    &format!("section 6 lead {}", i + 1),
                    at,
                    "bimodal data ended before the lead length of section 3; the lead is cut there",
                );
            }
            out.push(lead);
        }
        out
    } else {
        decode_leads(&s6, 6, &hdr6, &counts, &tables, &mut ctx)?
    };

    // Combine residual and reference beat in the finest amplitude unit of the two.
    let mut unit_nv = hdr6.avm_nv;
    let use_ref = ref_subtraction && ref_beat.is_some() && qrs.is_some();
    if ref_subtraction && !use_ref {
        ctx.warn(
            "section 3 flags",
            s3.data_offset() + 1,
            "reference beat subtraction is flagged but section 4 or 5 is missing; the residual is shown as is",
        );
    }
    if use_ref && let Some((h5, _)) = &ref_beat {
        unit_nv = gcd(hdr6.avm_nv, h5.avm_nv.max(1));
    }
    let scale6 = i32::try_from(hdr6.avm_nv / unit_nv).unwrap_or(1);
    for lead in &mut residual {
        for v in lead.iter_mut() {
            *v = v.saturating_mul(scale6);
        }
    }
    if use_ref && let (Some((h5, beats)), Some(q)) = (&ref_beat, &qrs) {
        let scale5 = i32::try_from(h5.avm_nv.max(1) / unit_nv).unwrap_or(1);
        add_reference_beats(&mut residual, beats, scale5, q, &s6, &mut ctx);
    }

    let fs = rate_hz(fs_interval);
    let cal = Calibration {
        gain: 1000.0 / f64::from(unit_nv),
        baseline: 0.0,
        resolution_bits: None,
    };
    let mut leads = Vec::with_capacity(leads_def.len());
    for (def, values) in leads_def.iter().zip(residual) {
        leads.push(Lead::new(
            &def.name,
            fs,
            Unit::Microvolt,
            Signal::from_digital(values, cal, None),
        ));
    }
    let mut rec = Recording::new(leads);
    rec.derive_limb_leads();
    rec.patient = patient;
    rec.acquisition = acquisition;

    // Median beats.
    if let Some((h5, beats)) = ref_beat {
        let fs5 = rate_hz(h5.interval_us);
        let cal5 = Calibration {
            gain: 1000.0 / f64::from(h5.avm_nv.max(1)),
            baseline: 0.0,
            resolution_bits: None,
        };
        let mleads: Vec<Lead> = leads_def
            .iter()
            .zip(beats)
            .map(|(d, v)| {
                Lead::new(
                    &d.name,
                    fs5,
                    Unit::Microvolt,
                    Signal::from_digital(v, cal5, None),
                )
            })
            .collect();
        let mut mb = MedianBeats {
            sampling_rate_hz: fs5,
            leads: mleads,
            fiducials: Vec::new(),
        };
        if let Some(q) = &qrs
            && q.fiducial > 0
        {
            mb.fiducials.push(Annotation::point(
                f64::from(q.fiducial - 1) / fs5,
                AnnotationKind::Other {
                    code: "QRS fiducial".into(),
                },
                "SCP section 4 reference-beat fiducial",
            ));
        }
        rec.median_beats = Some(mb);
    }

    // QRS locations as annotations.
    if let Some(q) = &qrs {
        for &(ty, _, fid, _) in &q.zones {
            if fid > 0 {
                rec.annotations.push(Annotation::point(
                    f64::from(fid - 1) / fs,
                    AnnotationKind::Other { code: "QRS".into() },
                    format!("SCP QRS fiducial, reference beat type {ty}"),
                ));
            }
        }
    }

    // Section 7: global measurements.
    if let Some(s) = get(7) {
        parse_section7(&s, &mut rec, &mut ctx);
    }
    // Section 8: interpretation statements.
    if let Some(s) = get(8) {
        parse_section8(&s, &mut rec, &mut ctx);
    }
    // Section 11: universal statement codes (SCP-ECG v2); statements not already in section 8.
    if let Some(s) = get(11) {
        parse_section11(&s, &mut rec, &mut ctx);
    }

    rec.source.format = "SCP-ECG".into();
    rec.source.version = Some(format!("protocol {}", s3.version.max(1)));
    if let Some(s0) = get(0) {
        rec.source.version = Some(format!("protocol {}", s0.version));
    }
    rec.source.warnings = ctx.warnings;
    Ok(rec)
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// Sampling rate from an interval in µs, snapped to a whole number of Hz when the interval was
/// rounded to a whole µs (1667 µs -> 600 Hz).
fn rate_hz(interval_us: u32) -> f64 {
    let fs = 1e6 / f64::from(interval_us.max(1));
    let r = fs.round();
    if r > 0.0 && (1e6 / r - f64::from(interval_us)).abs() < 0.5 {
        r
    } else {
        fs
    }
}

fn read_section_table<'a>(
    bytes: &'a [u8],
    ctx: &mut Ctx,
) -> Result<BTreeMap<u16, Section<'a>>, Error> {
    let mut out = BTreeMap::new();
    let s0 = section_at(bytes, 6, 0, ctx)?;
    out.insert(0, s0);
    let n = s0.data.len() / 10;
    for i in 0..n {
        let p = i * 10;
        let (Some(id), Some(len), Some(index)) =
            (le16(s0.data, p), le32(s0.data, p + 2), le32(s0.data, p + 6))
        else {
            break;
        };
        if id == 0 || len == 0 || index == 0 {
            continue;
        }
        let start = u64::from(index) - 1;
        let at = s0.data_offset() + p as u64;
        if start + u64::from(len) > bytes.len() as u64 {
            ctx.warn(
                &format!("section 0 pointer to section {id}"),
                at,
                format!(
                    "section of {len} bytes at byte {index} runs past the end of the file; skipped"
                ),
            );
            continue;
        }
        match section_at(bytes, start as usize, id, ctx) {
            Ok(s) => {
                out.insert(id, s);
            }
            Err(e) if id > 11 => ctx.warn(
                &format!("section {id}"),
                start,
                format!("manufacturer section skipped: {}", e.message),
            ),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

fn section_at<'a>(
    bytes: &'a [u8],
    start: usize,
    expected_id: u16,
    ctx: &mut Ctx,
) -> Result<Section<'a>, Error> {
    let field = format!("section {expected_id} header");
    let hdr = bytes.get(start..start.saturating_add(16)).ok_or_else(|| {
        Error::format_at(
            field.clone(),
            start as u64,
            "section header past end of file",
        )
    })?;
    let crc = u16::from_le_bytes([hdr[0], hdr[1]]);
    let id = u16::from_le_bytes([hdr[2], hdr[3]]);
    let len = u32::from_le_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]) as usize;
    if id != expected_id {
        return Err(Error::format_at(
            field,
            start as u64 + 2,
            format!("section id {id} where section {expected_id} was expected"),
        ));
    }
    if len < 16 {
        return Err(Error::format_at(
            field,
            start as u64 + 4,
            format!("section length {len} is shorter than the 16-byte header"),
        ));
    }
    let end = start.checked_add(len).filter(|&e| e <= bytes.len());
    let Some(end) = end else {
        return Err(Error::format_at(
            field,
            start as u64 + 4,
            format!(
                "section length {len} runs past the end of the file ({} bytes)",
                bytes.len()
            ),
        ));
    };
    let computed = crc_ccitt(&bytes[start + 2..end]);
    if computed != crc {
        ctx.warn(
            &format!("section {id} CRC"),
            start as u64,
            format!("stored {crc:#06x}, computed {computed:#06x}"),
        );
    }
    Ok(Section {
        offset: start as u64,
        data: &bytes[start + 16..end],
        version: hdr[8],
    })
}

fn parse_section1(s: &Section<'_>, p: &mut Patient, a: &mut Acquisition, ctx: &mut Ctx) {
    let mut pos = 0usize;
    let mut date: Option<Date> = None;
    let mut time: Option<TimeOfDay> = None;
    while pos + 3 <= s.data.len() {
        let tag = s.data[pos];
        if tag == 255 {
            break;
        }
        let len = usize::from(le16(s.data, pos + 1).unwrap_or(0));
        let Some(v) = s.data.get(pos + 3..pos + 3 + len) else {
            ctx.warn(
                &format!("section 1 tag {tag}"),
                s.data_offset() + pos as u64,
                format!("length {len} runs past the section end; remaining tags ignored"),
            );
            break;
        };
        let nonempty = |t: String| if t.is_empty() { None } else { Some(t) };
        match tag {
            0 => p.last_name = nonempty(text(v)),
            1 => p.first_name = nonempty(text(v)),
            2 => p.id = nonempty(text(v)),
            4 if len >= 3 => {
                let age = f64::from(u16::from_le_bytes([v[0], v[1]]));
                p.age_years = match v[2] {
                    1 => Some(age),
                    2 => Some(age / 12.0),
                    3 => Some(age / 52.1775),
                    4 => Some(age / 365.25),
                    5 => Some(age / 8766.0),
                    _ if age > 0.0 => Some(age),
                    _ => None,
                };
            }
            5 if len >= 4 => {
                p.birth_date = Date::new(i32::from(u16::from_le_bytes([v[0], v[1]])), v[2], v[3]);
            }
            6 if len >= 3 => {
                let h = f64::from(u16::from_le_bytes([v[0], v[1]]));
                p.height_cm = match v[2] {
                    1 => Some(h),
                    2 => Some(h * 2.54),
                    3 => Some(h / 10.0),
                    _ => None,
                }
                .filter(|&x| x > 0.0);
            }
            7 if len >= 3 => {
                let w = f64::from(u16::from_le_bytes([v[0], v[1]]));
                p.weight_kg = match v[2] {
                    1 => Some(w),
                    2 => Some(w / 1000.0),
                    3 => Some(w * 0.453_592_37),
                    4 => Some(w * 0.028_349_523),
                    _ => None,
                }
                .filter(|&x| x > 0.0);
            }
            8 if len >= 1 => {
                p.sex = match v[0] {
                    1 => Sex::Male,
                    2 => Sex::Female,
                    _ => Sex::Unknown,
                };
            }
            13 | 30 | 35 => {
                let t = text(v);
                if !t.is_empty() {
                    a.comments.push(t);
                }
            }
            14 if len >= 14 => {
                let model = text(&v[8..14]);
                if !model.is_empty() {
                    a.device.model = Some(model);
                }
                // Variable strings after the 35 fixed bytes and a length byte: analysing
                // program revision, serial number, system software, SCP implementation
                // software, manufacturer.
                if let Some(rest) = v.get(36..) {
                    let strings: Vec<String> = rest.split(|&b| b == 0).map(text).collect();
                    if let Some(sw) = strings.get(2).filter(|s| !s.is_empty()) {
                        a.device.software = Some(sw.clone());
                    }
                    if let Some(m) = strings.get(4).filter(|s| !s.is_empty()) {
                        a.device.manufacturer = Some(m.clone());
                    }
                }
                if a.device.manufacturer.is_none() {
                    a.device.manufacturer = manufacturer(v[7]).map(str::to_string);
                }
            }
            16 => {
                let t = text(v);
                if !t.is_empty() {
                    a.device.institution = Some(t);
                }
            }
            25 if len >= 4 => {
                date = Date::new(i32::from(u16::from_le_bytes([v[0], v[1]])), v[2], v[3]);
            }
            26 if len >= 3 => time = TimeOfDay::new(v[0], v[1], f64::from(v[2])),
            27 if len >= 2 => {
                let hp = f64::from(u16::from_le_bytes([v[0], v[1]])) / 100.0;
                if hp > 0.0 {
                    a.filter_band.highpass_hz = Some(hp);
                }
            }
            28 if len >= 2 => {
                let lp = f64::from(u16::from_le_bytes([v[0], v[1]]));
                if lp > 0.0 {
                    a.filter_band.lowpass_hz = Some(lp);
                }
            }
            29 if len >= 1 => {
                if v[0] & 1 != 0 {
                    a.filter_band.notch_hz = Some(60.0);
                } else if v[0] & 2 != 0 {
                    a.filter_band.notch_hz = Some(50.0);
                }
            }
            _ => {}
        }
        pos += 3 + len;
    }
    if let Some(time) = time {
        a.start_time = Some(DateTime { date, time });
    }
}

fn parse_section3(s: &Section<'_>, options: &OpenOptions) -> Result<(Vec<LeadDef>, u8), Error> {
    let n = usize::from(s.u8(0, "section 3 number of leads")?);
    let flags = s.u8(1, "section 3 flags")?;
    if n == 0 {
        return Err(Error::format_at(
            "section 3 number of leads",
            s.data_offset(),
            "0 leads",
        ));
    }
    if n > options.limits.max_leads {
        return Err(Error::limit(
            "section 3 number of leads",
            format!("{n} leads exceed the limit of {}", options.limits.max_leads),
        ));
    }
    let mut leads = Vec::with_capacity(n);
    let mut total: u64 = 0;
    for i in 0..n {
        let p = 2 + i * 9;
        let field = format!("section 3 lead {}", i + 1);
        let start = s.u32(p, &field)?;
        let end = s.u32(p + 4, &field)?;
        let id = s.u8(p + 8, &field)?;
        if end < start || start == 0 {
            return Err(Error::format_at(
                field,
                s.data_offset() + p as u64,
                format!("sample range {start}..{end} is empty or not 1-based"),
            ));
        }
        let ns = u64::from(end - start) + 1;
        total += ns;
        if total > options.limits.max_samples {
            return Err(Error::limit(
                field,
                format!(
                    "{total} samples exceed the limit of {}",
                    options.limits.max_samples
                ),
            ));
        }
        leads.push(LeadDef {
            name: lead_name(id),
            start,
            n_samples: ns as usize,
        });
    }
    Ok((leads, flags))
}

fn parse_section4(s: &Section<'_>, ctx: &mut Ctx) -> Result<QrsInfo, Error> {
    let mut q = QrsInfo {
        ref_len_ms: s.u16(0, "section 4 reference beat length")?,
        fiducial: s.u16(2, "section 4 fiducial")?,
        ..QrsInfo::default()
    };
    let n = usize::from(s.u16(4, "section 4 number of QRS")?);
    let mut pos = 6usize;
    if s.data.len() >= pos + n * 14 {
        for _ in 0..n {
            let mut ty = le16(s.data, pos).unwrap_or(0);
            let t0 = le32(s.data, pos + 2).unwrap_or(0);
            let t1 = le32(s.data, pos + 6).unwrap_or(0);
            let t2 = le32(s.data, pos + 10).unwrap_or(0);
            if ty == 0 && t2 == 0 {
                // parsescp: a type-0 beat without a zone is not subtracted.
                ty = 9;
            }
            q.zones.push((ty, t0, t1, t2));
            pos += 14;
        }
    } else if n > 0 {
        ctx.warn(
            "section 4 subtraction zones",
            s.data_offset() + 6,
            format!("{n} QRS declared but the section is too short for their zones"),
        );
        return Ok(q);
    }
    if s.data.len() >= pos + n * 8 {
        for _ in 0..n {
            let a = le32(s.data, pos).unwrap_or(0);
            let b = le32(s.data, pos + 4).unwrap_or(0);
            q.protected.push((a, b));
            pos += 8;
        }
    }
    Ok(q)
}

fn data_header(s: &Section<'_>, id: u16) -> Result<DataHeader, Error> {
    let f = format!("section {id} header");
    Ok(DataHeader {
        avm_nv: u32::from(s.u16(0, &f)?),
        interval_us: u32::from(s.u16(2, &f)?),
        difference: s.u8(4, &f)?,
        bimodal: id == 6 && s.u8(5, &f)? == 1,
    })
}

/// Rebuilds a full-rate lead from bimodal data: inside protected zones (1-based sample
/// numbers of section 4) one stored value per sample; elsewhere one stored value per `rate`
/// samples, interpolated linearly towards the next stored value (the inverse of the averaging
/// encoder of ECG Toolkit's `SCPSection6.EncodeData`). Returns the lead and whether the data
/// ran out early (the lead is then shorter than `n`).
fn expand_bimodal(
    stored: &[i32],
    n: usize,
    start: u32,
    rate: usize,
    zones: &[(u32, u32)],
) -> (Vec<i32>, bool) {
    let mut out = Vec::with_capacity(n.min(stored.len().saturating_mul(rate)));
    let mut k = 0usize;
    while out.len() < n && k < stored.len() {
        let p = u64::from(start) + out.len() as u64;
        let protected = zones
            .iter()
            .any(|&(a, b)| a > 0 && u64::from(a) <= p && p <= u64::from(b));
        let v = stored[k];
        if protected || rate == 1 {
            out.push(v);
        } else {
            let next = stored.get(k + 1).copied().unwrap_or(v);
            for i in 0..rate {
                if out.len() >= n {
                    break;
                }
                let step = i64::from(next - v) * i as i64 / rate as i64;
                out.push((i64::from(v) + step) as i32);
            }
        }
        k += 1;
    }
    let short = out.len() < n;
    (out, short)
}

/// Decodes every lead of section 5 or 6 into amplitude units of the section's AVM.
fn decode_leads(
    s: &Section<'_>,
    id: u16,
    hdr: &DataHeader,
    counts: &[usize],
    tables: &Option<Vec<Table>>,
    ctx: &mut Ctx,
) -> Result<Vec<Vec<i32>>, Error> {
    decode_leads_opt(s, id, hdr, counts, tables, false, ctx)
}

/// As [`decode_leads`]; `short_ok` accepts leads that end before `counts` (bimodal data).
fn decode_leads_opt(
    s: &Section<'_>,
    id: u16,
    hdr: &DataHeader,
    counts: &[usize],
    tables: &Option<Vec<Table>>,
    short_ok: bool,
    ctx: &mut Ctx,
) -> Result<Vec<Vec<i32>>, Error> {
    let nleads = counts.len();
    let mut lens = Vec::with_capacity(nleads);
    for i in 0..nleads {
        lens.push(usize::from(s.u16(
            6 + 2 * i,
            &format!("section {id} lead {} byte count", i + 1),
        )?));
    }
    let data_start = 6 + 2 * nleads;
    let avail = s.data.len().saturating_sub(data_start);
    if tables.is_none() {
        // Uncompressed: 2 bytes per sample. A 16-bit byte count overflows for leads longer
        // than 32767 samples (Contec exports); recompute it from section 3.
        for (i, l) in lens.iter_mut().enumerate() {
            let want = counts[i].saturating_mul(2);
            if *l != want && want > 0xffff && want % 0x10000 == *l {
                ctx.warn(
                    &format!("section {id} lead {} byte count", i + 1),
                    s.data_offset() + 6 + 2 * i as u64,
                    format!(
                        "16-bit field holds {} but the lead has {} samples ({} bytes): the count \
                         overflowed; using {}",
                        *l, counts[i], want, want
                    ),
                );
                *l = want;
            }
        }
    }
    let total: usize = lens.iter().sum();
    if total > avail {
        return Err(Error::format_at(
            format!("section {id} lead byte counts"),
            s.data_offset() + 6,
            format!("the leads declare {total} bytes but the section holds {avail}"),
        ));
    }
    let mut out = Vec::with_capacity(nleads);
    let mut pos = data_start;
    for (i, (&len, &n)) in lens.iter().zip(counts).enumerate() {
        let bytes = &s.data[pos..pos + len];
        let at = s.data_offset() + pos as u64;
        let field = format!("section {id} lead {}", i + 1);
        let mut values = match tables {
            Some(t) => {
                let d = huffman::decode(bytes, n, t, at, &field)?;
                if d.short && !short_ok {
                    ctx.warn(
                        &field,
                        at,
                        format!(
                            "{} of {n} samples decoded before the data ended; the lead is cut there",
                            d.values.len()
                        ),
                    );
                }
                d.values
            }
            None => {
                let v: Vec<i32> = bytes
                    .chunks_exact(2)
                    .take(n)
                    .map(|c| i32::from(i16::from_le_bytes([c[0], c[1]])))
                    .collect();
                if v.len() < n && !short_ok {
                    ctx.warn(
                        &field,
                        at,
                        format!(
                            "the byte count holds {} of the {n} samples section 3 declares; \
                             the lead is cut there",
                            v.len()
                        ),
                    );
                }
                v
            }
        };
        undo_differences(&mut values, hdr.difference, &field, at, ctx);
        out.push(values);
        pos += len;
    }
    Ok(out)
}

/// Reverses first- or second-difference encoding (EN 1064 section 5.5.2.2 and 5.5.2.3).
fn undo_differences(v: &mut [i32], kind: u8, field: &str, at: u64, ctx: &mut Ctx) {
    match kind {
        0 => {}
        1 => {
            for i in 1..v.len() {
                v[i] = v[i].wrapping_add(v[i - 1]);
            }
        }
        2 => {
            for i in 2..v.len() {
                v[i] = v[i]
                    .wrapping_add(v[i - 1].wrapping_mul(2))
                    .wrapping_sub(v[i - 2]);
            }
        }
        other => {
            ctx.warn(
                field,
                at,
                format!("difference encoding {other} is undefined; values taken as amplitudes"),
            );
        }
    }
}

/// Adds the reference beat back into the residual over each type-0 subtraction zone, after
/// smoothing the residual outside the protected zones (the reconstruction of WFDB `parsescp`,
/// which matches the Spacelabs/Burdick encoder).
fn add_reference_beats(
    residual: &mut [Vec<i32>],
    beats: &[Vec<i32>],
    scale5: i32,
    q: &QrsInfo,
    s6: &Section<'_>,
    ctx: &mut Ctx,
) {
    let fcm = i64::from(q.fiducial);
    for lead in residual.iter_mut() {
        let n = lead.len();
        if n < 3 {
            continue;
        }
        let input = lead.clone();
        for j in 1..n - 1 {
            let v = input[j - 1] + input[j] + input[j + 1];
            lead[j] = if v > 0 {
                (v + 2) / 3
            } else if v < 0 {
                (v - 2) / 3
            } else {
                0
            };
        }
        for &(ty, t0, _, t2) in &q.zones {
            if ty != 0 {
                continue;
            }
            let from = i64::from(t0) - 1;
            let to = i64::from(t2) + 1;
            for j in from.max(0)..=to.min(n as i64 - 1) {
                lead[j as usize] = input[j as usize];
            }
        }
    }
    let mut bad = 0usize;
    for &(ty, t0, t1, t2) in &q.zones {
        if ty != 0 {
            continue;
        }
        let m0 = fcm - i64::from(t1) + i64::from(t0) - 1;
        for (lead, beat) in residual.iter_mut().zip(beats) {
            if i64::from(t2) - i64::from(t0) + 1 > beat.len() as i64 || m0 < 0 || t0 == 0 {
                bad += 1;
                continue;
            }
            for (m, j) in (m0 as usize..).zip((t0 - 1)..t2) {
                let (Some(x), Some(&r)) = (lead.get_mut(j as usize), beat.get(m)) else {
                    break;
                };
                *x = x.saturating_add(r.saturating_mul(scale5));
            }
        }
    }
    if bad > 0 {
        ctx.warn(
            "section 4 subtraction zones",
            s6.offset,
            format!("{bad} lead-zones do not fit the reference beat; left as residual"),
        );
    }
}

const NOT_COMPUTED: [u16; 3] = [29999, 29998, 19999];

fn parse_section7(s: &Section<'_>, rec: &mut Recording, ctx: &mut Ctx) {
    let d = s.data;
    let (Some(&nmb), Some(&nps)) = (d.first(), d.get(1)) else {
        ctx.warn("section 7", s.offset, "too short for global measurements");
        return;
    };
    let val = |pos: usize| le16(d, pos).filter(|v| !NOT_COMPUTED.contains(v));
    let mut m = ecg::Measurements::default();
    if let Some(rr) = val(2).filter(|&v| v > 0) {
        m.rr = Some(Millis(f64::from(rr)));
        m.hr = Some(Bpm((60_000.0 / f64::from(rr)).round()));
    }
    if nmb > 0 && d.len() >= 6 + 16 {
        let q = 6;
        let (pon, pend, qon, qend, tend) = (val(q), val(q + 2), val(q + 4), val(q + 6), val(q + 8));
        let diff = |a: Option<u16>, b: Option<u16>| match (a, b) {
            (Some(a), Some(b)) if b > a && a > 0 => Some(Millis(f64::from(b - a))),
            _ => None,
        };
        m.pr = diff(pon, qon);
        m.p_duration = diff(pon, pend);
        m.qrs = diff(qon, qend);
        m.qt = diff(qon, tend);
        let axis = |pos: usize| {
            le16(d, pos)
                .map(|v| v as i16)
                .filter(|&v| v != 999 && (-180..=360).contains(&v))
                .map(|v| Degrees(f64::from(v)))
        };
        m.axis = Axis {
            p: axis(q + 10),
            qrs: axis(q + 12),
            t: axis(q + 14),
        };
        // Fiducials on the median beat (ms from the beat start).
        if let Some(mb) = rec.median_beats.as_mut() {
            let points = [
                (pon, WaveKind::P, WavePoint::Onset),
                (pend, WaveKind::P, WavePoint::Offset),
                (qon, WaveKind::Qrs, WavePoint::Onset),
                (qend, WaveKind::Qrs, WavePoint::Offset),
                (tend, WaveKind::T, WavePoint::Offset),
            ];
            for (v, wave, point) in points {
                if let Some(v) = v.filter(|&v| v > 0) {
                    mb.fiducials.push(Annotation::point(
                        f64::from(v) / 1000.0,
                        AnnotationKind::Wave { wave, point },
                        "SCP section 7",
                    ));
                }
            }
        }
    }
    // After the blocks: pacemaker spikes (4 + 6 bytes each), QRS type list (2 + n bytes), then
    // ventricular rate, atrial rate, QTc and its formula (EN 1064 section 5.9.4).
    let mut pos = 6 + 16 * usize::from(nmb) + 10 * usize::from(nps);
    if let Some(nq) = le16(d, pos) {
        pos += 2 + usize::from(nq);
        if let (Some(vr), Some(qtc)) = (le16(d, pos), le16(d, pos + 4)) {
            if (1..400).contains(&vr) {
                m.hr = Some(Bpm(f64::from(vr)));
            }
            if (100..1000).contains(&qtc) {
                match d.get(pos + 6) {
                    Some(1) => m.qtc.bazett = Some(Millis(f64::from(qtc))),
                    Some(2) => m.qtc.hodges = Some(Millis(f64::from(qtc))),
                    other => ctx.warn(
                        "section 7 QTc formula",
                        s.data_offset() + pos as u64 + 6,
                        format!(
                            "QTc {qtc} ms with formula code {other:?} (unspecified); not assigned to a formula"
                        ),
                    ),
                }
            }
        }
    }
    if m != ecg::Measurements::default() {
        rec.device_measurements = Some(m);
    }
}

/// Section 11 (EN 1064:2005 5.13): the same 9-byte preamble as section 8 (confirmation,
/// date, time, count), then per statement a sequence number (1 byte), a length (2 bytes) and
/// that many bytes: a type (1 = coded acronyms, 2 = full text, 3 = statement logic) followed by
/// NUL-separated strings. Coded and full-text statements become device statements; statement
/// logic is skipped. Texts already read from section 8 are not repeated.
fn parse_section11(s: &Section<'_>, rec: &mut Recording, ctx: &mut Ctx) {
    let d = s.data;
    if d.is_empty() {
        return;
    }
    if d.len() < 9 {
        ctx.warn("section 11", s.offset, "too short for a statement header");
        return;
    }
    let state = match d[0] {
        1 => StatementState::Confirmed,
        2 => StatementState::Edited,
        _ => StatementState::Suggested,
    };
    let n = usize::from(d[8]);
    let mut pos = 9;
    for i in 0..n {
        let Some(len) = le16(d, pos + 1) else {
            ctx.warn(
                "section 11 statements",
                s.data_offset() + pos as u64,
                format!("statement {} header runs past the section end", i + 1),
            );
            break;
        };
        let start = pos + 3;
        let Some(body) = d.get(start..start + usize::from(len)) else {
            ctx.warn(
                "section 11 statements",
                s.data_offset() + pos as u64,
                format!("statement {} runs past the section end", i + 1),
            );
            break;
        };
        pos = start + usize::from(len);
        let Some((&kind, rest)) = body.split_first() else {
            continue;
        };
        if kind != 1 && kind != 2 {
            continue;
        }
        let parts: Vec<String> = rest
            .split(|&b| b == 0)
            .map(text)
            .filter(|t| !t.is_empty())
            .collect();
        if parts.is_empty() {
            continue;
        }
        let t = parts.join(" ");
        if rec.device_statements.iter().any(|st| st.text == t) {
            continue;
        }
        let mut st = Statement::from_device(t);
        if kind == 1 {
            st.criterion = Some("SCP section 11 coded statement".into());
        }
        st.state = state;
        rec.device_statements.push(st);
    }
}

fn parse_section8(s: &Section<'_>, rec: &mut Recording, ctx: &mut Ctx) {
    let d = s.data;
    if d.len() < 9 {
        ctx.warn("section 8", s.offset, "too short for a statement header");
        return;
    }
    let state = match d[0] {
        1 => StatementState::Confirmed,
        2 => StatementState::Edited,
        _ => StatementState::Suggested,
    };
    let n = usize::from(d[8]);
    let mut pos = 9;
    for i in 0..n {
        let Some(len) = le16(d, pos + 1) else {
            break;
        };
        let Some(t) = d.get(pos + 3..pos + 3 + usize::from(len)) else {
            ctx.warn(
                "section 8 statements",
                s.data_offset() + pos as u64,
                format!("statement {} runs past the section end", i + 1),
            );
            break;
        };
        let t = text(t);
        if !t.is_empty() {
            let mut st = Statement::from_device(t);
            st.state = state;
            rec.device_statements.push(st);
        }
        pos += 3 + usize::from(len);
    }
}

/// Per-lead measurements from SCP-ECG section 10 (EN 1064:2005 5.12, "lead measurement
/// block"). Durations and intervals in ms, amplitudes in µV; `None` where the device wrote a
/// "not computed" (29999), "rejected" (29998) or "wave not present" (19999) code, or the lead
/// block is too short to hold the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScpLeadMeasurements {
    /// SCP lead identifier (1 = I, 2 = II, 61 = III, ...; EN 1064 table 6).
    pub lead_id: u16,
    /// P duration (ms).
    pub p_duration_ms: Option<i16>,
    /// PR interval (ms).
    pub pr_interval_ms: Option<i16>,
    /// QRS duration (ms).
    pub qrs_duration_ms: Option<i16>,
    /// QT interval (ms).
    pub qt_interval_ms: Option<i16>,
    /// Q wave amplitude (µV).
    pub q_amplitude_uv: Option<i16>,
    /// R wave amplitude (µV).
    pub r_amplitude_uv: Option<i16>,
    /// S wave amplitude (µV).
    pub s_amplitude_uv: Option<i16>,
    /// J point amplitude (µV).
    pub j_amplitude_uv: Option<i16>,
    /// Every stored value in table order (P duration, PR, QRS, QT, Q/R/S/R'/S' durations,
    /// Q/R/S/R'/S'/J amplitudes, P+/P-/T+/T- amplitudes, ST slope, ...), codes kept.
    pub raw: Vec<i16>,
}

/// Reads section 10 of an SCP-ECG file: one [`ScpLeadMeasurements`] per lead, in file order;
/// empty when the file has no section 10.
pub fn scp_lead_measurements(bytes: &[u8]) -> Result<Vec<ScpLeadMeasurements>, Error> {
    let mut ctx = Ctx {
        warnings: Vec::new(),
    };
    if bytes.len() < 6 + 16 {
        return Err(Error::format_at(
            "file header",
            0,
            format!("{} bytes: too short for an SCP-ECG file", bytes.len()),
        ));
    }
    let sections = read_section_table(bytes, &mut ctx)?;
    let Some(s) = sections.get(&10) else {
        return Ok(Vec::new());
    };
    let d = s.data;
    if d.is_empty() {
        return Ok(Vec::new());
    }
    let n = le16(d, 0).ok_or_else(|| s.short(0, "section 10 lead count"))?;
    let mut out = Vec::new();
    let mut pos = 4;
    for i in 0..n {
        let (Some(lead_id), Some(len)) = (le16(d, pos), le16(d, pos + 2)) else {
            return Err(Error::format_at(
                "section 10 lead block",
                s.data_offset() + pos as u64,
                format!("lead block {} of {n} runs past the section end", i + 1),
            ));
        };
        let start = pos + 4;
        let body = d.get(start..start + usize::from(len)).ok_or_else(|| {
            Error::format_at(
                "section 10 lead block",
                s.data_offset() + pos as u64,
                format!(
                    "lead block {} of {n} ({len} bytes) runs past the section end",
                    i + 1
                ),
            )
        })?;
        let raw: Vec<i16> = body
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        let v = |k: usize| {
            raw.get(k)
                .copied()
                .filter(|&x| !matches!(x, 29999 | 29998 | 19999))
        };
        out.push(ScpLeadMeasurements {
            lead_id,
            p_duration_ms: v(0),
            pr_interval_ms: v(1),
            qrs_duration_ms: v(2),
            qt_interval_ms: v(3),
            q_amplitude_uv: v(9),
            r_amplitude_uv: v(10),
            s_amplitude_uv: v(11),
            j_amplitude_uv: v(14),
            raw,
        });
        pos = start + usize::from(len);
    }
    Ok(out)
}

/// Builds a minimal uncompressed SCP file (sections 0, 1, 3, 6) for tests and fuzz seeds.
#[cfg(test)]
pub(crate) fn build_minimal(leads: &[(u8, Vec<i16>)], interval_us: u16, avm_nv: u16) -> Vec<u8> {
    fn section(id: u16, data: &[u8]) -> Vec<u8> {
        let len = 16 + data.len() as u32;
        let mut s = vec![0, 0];
        s.extend_from_slice(&id.to_le_bytes());
        s.extend_from_slice(&len.to_le_bytes());
        s.extend_from_slice(&[20, 20]);
        s.extend_from_slice(b"SCPECG");
        s.extend_from_slice(data);
        let crc = crc_ccitt(&s[2..]);
        s[0..2].copy_from_slice(&crc.to_le_bytes());
        s
    }
    let n = leads.first().map_or(0, |l| l.1.len()) as u32;
    let mut s1 = vec![0u8, 4, 0];
    s1.extend_from_slice(b"Doe\0");
    s1.extend_from_slice(&[255, 0, 0]);
    let mut s3 = vec![leads.len() as u8, 0x04];
    for (id, _) in leads {
        s3.extend_from_slice(&1u32.to_le_bytes());
        s3.extend_from_slice(&n.to_le_bytes());
        s3.push(*id);
    }
    let mut s6 = Vec::new();
    s6.extend_from_slice(&avm_nv.to_le_bytes());
    s6.extend_from_slice(&interval_us.to_le_bytes());
    s6.extend_from_slice(&[0, 0]);
    for (_, v) in leads {
        s6.extend_from_slice(&((v.len() * 2) as u16).to_le_bytes());
    }
    for (_, v) in leads {
        for x in v {
            s6.extend_from_slice(&x.to_le_bytes());
        }
    }
    let bodies = [
        (1u16, section(1, &s1)),
        (3, section(3, &s3)),
        (6, section(6, &s6)),
    ];
    let s0_len = 16 + 10 * 4;
    let mut pointers = Vec::new();
    pointers.extend_from_slice(&0u16.to_le_bytes());
    pointers.extend_from_slice(&(s0_len as u32).to_le_bytes());
    pointers.extend_from_slice(&7u32.to_le_bytes());
    let mut index = 6 + s0_len + 1;
    for (id, b) in &bodies {
        pointers.extend_from_slice(&id.to_le_bytes());
        pointers.extend_from_slice(&(b.len() as u32).to_le_bytes());
        pointers.extend_from_slice(&(index as u32).to_le_bytes());
        index += b.len();
    }
    let mut file = vec![0u8; 6];
    file.extend(section(0, &pointers));
    for (_, b) in &bodies {
        file.extend_from_slice(b);
    }
    let total = file.len() as u32;
    file[2..6].copy_from_slice(&total.to_le_bytes());
    let crc = crc_ccitt(&file[2..]);
    file[0..2].copy_from_slice(&crc.to_le_bytes());
    file
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn section11_coded_and_text_statements_become_device_statements() {
        // Preamble: confirmed, date, time, 4 statements.
        let mut d = vec![1u8, 0xEA, 0x07, 5, 4, 10, 20, 30, 4];
        let mut stmt = |seq: u8, body: &[u8]| {
            d.push(seq);
            d.extend_from_slice(&(body.len() as u16).to_le_bytes());
            d.extend_from_slice(body);
        };
        stmt(1, b"\x01SR\0");
        stmt(2, b"\x02Normal ECG\0");
        stmt(3, b"\x03(1 AND 2)\0");
        stmt(4, b"\x02Sinus rhythm\0");
        let s = Section {
            offset: 100,
            data: &d,
            version: 20,
        };
        let mut rec = Recording::default();
        rec.device_statements
            .push(Statement::from_device("Sinus rhythm".to_string()));
        let mut ctx = Ctx {
            warnings: Vec::new(),
        };
        parse_section11(&s, &mut rec, &mut ctx);
        let texts: Vec<&str> = rec
            .device_statements
            .iter()
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(texts, ["Sinus rhythm", "SR", "Normal ECG"]);
        assert_eq!(rec.device_statements[2].state, StatementState::Confirmed);
        assert!(ctx.warnings.is_empty());

        // A statement running past the end gives a warning naming the section and offset.
        let cut = &d[..d.len() - 4];
        let s = Section {
            offset: 100,
            data: cut,
            version: 20,
        };
        let mut rec = Recording::default();
        parse_section11(&s, &mut rec, &mut ctx);
        assert_eq!(rec.device_statements.len(), 2);
        assert_eq!(ctx.warnings.len(), 1);
        // Empty section 11 (as in the Burdick sample): nothing, no warning.
        let s = Section {
            offset: 100,
            data: &[],
            version: 20,
        };
        parse_section11(&s, &mut rec, &mut ctx);
        assert_eq!(ctx.warnings.len(), 1);
    }

    #[test]
    fn crc_matches_the_ccitt_check_value() {
        assert_eq!(crc_ccitt(b"123456789"), 0x29b1);
    }

    #[test]
    fn minimal_uncompressed_file_reads_back_exactly() {
        let f = build_minimal(&[(1, vec![1, -2, 3]), (2, vec![4, 5, -6])], 2000, 5000);
        let rec = read_bytes(&f, &OpenOptions::new()).unwrap();
        assert!(rec.source.warnings.is_empty(), "{:?}", rec.source.warnings);
        assert_eq!(rec.leads[0].sampling_rate_hz, 500.0);
        let mut d = [0; 3];
        rec.leads[1].signal.read_digital(0, &mut d).unwrap();
        assert_eq!(d, [4, 5, -6]);
        assert_eq!(
            rec.leads[0].signal.to_vec().unwrap(),
            vec![5.0, -10.0, 15.0]
        );
        assert_eq!(rec.patient.last_name.as_deref(), Some("Doe"));
        // III, aVR, aVL, aVF derived.
        assert_eq!(rec.leads.len(), 6);
    }

    #[test]
    fn second_differences_are_undone() {
        let mut v = vec![1, 2, 0, 0, 1];
        let mut ctx = Ctx {
            warnings: Vec::new(),
        };
        undo_differences(&mut v, 2, "t", 0, &mut ctx);
        assert_eq!(v, vec![1, 2, 3, 4, 6]);
    }

    #[test]
    fn truncated_file_names_the_length_field() {
        let f = build_minimal(&[(1, vec![1, 2, 3])], 2000, 5000);
        let e = read_bytes(&f[..f.len() - 4], &OpenOptions::new()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Format);
        assert_eq!(e.field.as_deref(), Some("file length"));
        assert_eq!(e.offset, Some(2));
    }

    #[test]
    fn bimodal_expansion_keeps_protected_zones_and_interpolates_elsewhere() {
        // Samples 1-4 decimated by 2 (2 stored), 5-6 protected, 7-8 decimated (1 stored).
        let (v, short) = expand_bimodal(&[0, 10, 11, 12, 20], 8, 1, 2, &[(5, 6)]);
        assert_eq!(v, vec![0, 5, 10, 10, 11, 12, 20, 20]);
        assert!(!short);
        let (v, short) = expand_bimodal(&[1], 3, 1, 1, &[]);
        assert_eq!(v, vec![1]);
        assert!(short);
    }

    #[test]
    fn rate_snaps_rounded_intervals() {
        assert_eq!(rate_hz(1667), 600.0);
        assert_eq!(rate_hz(1250), 800.0);
        assert_eq!(rate_hz(2000), 500.0);
    }
}
