//! Multi-segment WFDB records (`header(5)`, "multi-segment records"): a master header lists
//! segment records and their lengths; `~` segments are gaps.
//!
//! *Fixed layout*: every segment has the same signals in the same order. *Variable layout*:
//! the first segment is a layout header (length 0) naming the record's signals and their
//! calibration; each segment carries a subset, matched by name. Leads are the concatenation of
//! the segments' lazily decoded signals ([`ConcatSource`]); gaps and absent signals read as
//! NaN, and the continuous stretches become [`ecg::Segment`]s so nothing is silently glued.

use std::sync::Arc;

use ecg::{
    Calibration, Lead, Recording, SampleError, SampleSource, Segment, Signal, SourceInfo, Unit,
    Warning,
};

use super::header::{self, Header};
use super::{open_file, read_single};
use crate::error::Error;
use crate::options::OpenOptions;
use crate::source::Input;
use ecg::check_range;

/// Most segments a record may list.
const MAX_SEGMENTS: usize = 1_000_000;

/// One stretch of a concatenated lead.
#[derive(Debug, Clone)]
struct Part {
    start: usize,
    len: usize,
    signal: Option<Signal>,
}

/// A lead made of consecutive parts; `None` parts (gaps) read as NaN.
#[derive(Debug, Clone)]
pub struct ConcatSource {
    parts: Vec<Part>,
    len: usize,
    /// Shared calibration when every stored part has the same one (digital values are then
    /// meaningful across parts); gaps read as `invalid`.
    calibration: Option<Calibration>,
    invalid: i32,
}

impl ConcatSource {
    fn part_index(&self, i: usize) -> usize {
        self.parts.partition_point(|p| p.start + p.len <= i)
    }

    fn each_part(
        &self,
        start: usize,
        n: usize,
        mut f: impl FnMut(Option<&Signal>, usize, std::ops::Range<usize>) -> Result<(), SampleError>,
    ) -> Result<(), SampleError> {
        check_range(start, n, self.len)?;
        let mut i = start;
        let end = start + n;
        let mut p = self.part_index(i);
        while i < end {
            let Some(part) = self.parts.get(p) else {
                break;
            };
            let stop = end.min(part.start + part.len);
            let sig = part
                .signal
                .as_ref()
                .filter(|s| s.len() >= stop - part.start);
            f(sig, i - part.start, (i - start)..(stop - start))?;
            i = stop;
            p += 1;
        }
        Ok(())
    }
}

impl SampleSource for ConcatSource {
    fn len(&self) -> usize {
        self.len
    }

    fn read(&self, start: usize, out: &mut [f32]) -> Result<(), SampleError> {
        self.each_part(start, out.len(), |sig, local, range| match sig {
            Some(s) => s.read(local, &mut out[range]),
            None => {
                out[range].fill(f32::NAN);
                Ok(())
            }
        })
    }

    fn read_digital(&self, start: usize, out: &mut [i32]) -> Result<bool, SampleError> {
        if self.calibration.is_none() {
            return Ok(false);
        }
        let invalid = self.invalid;
        self.each_part(start, out.len(), |sig, local, range| match sig {
            Some(s) if s.read_digital(local, &mut out[range.clone()])? => Ok(()),
            _ => {
                out[range].fill(invalid);
                Ok(())
            }
        })?;
        Ok(true)
    }

    fn calibration(&self) -> Option<Calibration> {
        self.calibration
    }

    fn release(&self, start: usize, n: usize) {
        let n = n.min(self.len.saturating_sub(start));
        let _ = self.each_part(start, n, |sig, local, range| {
            if let Some(s) = sig {
                s.release(local, range.len());
            }
            Ok(())
        });
    }
}

/// Reads a multi-segment record whose master header is `h`.
pub fn read(h: &Header, given: &Input, options: &OpenOptions) -> Result<Recording, Error> {
    if h.segments.len() > MAX_SEGMENTS {
        return Err(Error::limit(
            "segments",
            format!(
                "{} segments exceed the limit of {MAX_SEGMENTS}",
                h.segments.len()
            ),
        ));
    }
    let mut warnings = Vec::new();
    let open_segment = |name: &str| -> Result<(Header, Recording), Error> {
        let hea = open_file(given, &format!("{name}.hea"))?;
        let sh = header::parse(hea.bytes(), options.limits.max_leads).map_err(|e| Error {
            field: Some(format!(
                "segment {name}: {}",
                e.field.clone().unwrap_or_default()
            )),
            ..e
        })?;
        if !sh.segments.is_empty() {
            return Err(Error::format(
                format!("segment {name}"),
                "a segment may not itself be a multi-segment record",
            ));
        }
        let rec = read_single(&sh, &hea, options).map_err(|e| Error {
            field: Some(format!(
                "segment {name}: {}",
                e.field.clone().unwrap_or_default()
            )),
            ..e
        })?;
        Ok((sh, rec))
    };

    // The layout: names, units and calibration of the record's signals.
    let mut segs = h.segments.iter().peekable();
    let variable = segs
        .peek()
        .is_some_and(|s| s.n_samples == 0 && s.name != "~");
    let layout: Vec<(String, Unit, Option<Calibration>, f64)> = if variable {
        let Some(first) = segs.next() else {
            return Err(Error::format("segments", "no segments"));
        };
        let (lh, lrec) = open_segment(&first.name)?;
        lh.signals
            .iter()
            .zip(&lrec.leads)
            .map(|(s, l)| {
                (
                    l.original_label.clone(),
                    l.unit.clone(),
                    l.signal.calibration(),
                    f64::from(s.samples_per_frame),
                )
            })
            .collect()
    } else {
        Vec::new()
    };

    let mut parts: Vec<Vec<Part>> = vec![Vec::new(); layout.len()];
    let mut layout = layout;
    let mut pos = 0usize;
    let mut segments = Vec::new();
    let mut has_gap = false;
    for seg in segs {
        let n = usize::try_from(seg.n_samples)
            .map_err(|_| Error::limit("segment length", "does not fit in memory"))?;
        if seg.name == "~" {
            has_gap = true;
            if !layout.is_empty() {
                for (k, p) in parts.iter_mut().enumerate() {
                    let spf = layout.get(k).map_or(1.0, |l| l.3) as usize;
                    p.push(Part {
                        start: 0,
                        len: n.saturating_mul(spf.max(1)),
                        signal: None,
                    });
                }
            }
            // A gap before any stored segment of a fixed layout is sized once the layout is
            // known (below, from `pos`).
            pos = pos.saturating_add(n);
            continue;
        }
        let (_, srec) = open_segment(&seg.name)?;
        warnings.extend(srec.source.warnings.iter().cloned().map(|w| Warning {
            field: format!("segment {}: {}", seg.name, w.field),
            ..w
        }));
        if layout.is_empty() {
            // Fixed layout: the first stored segment defines the signals.
            layout = srec
                .leads
                .iter()
                .map(|l| {
                    (
                        l.original_label.clone(),
                        l.unit.clone(),
                        l.signal.calibration(),
                        l.sampling_rate_hz / h.fs_hz,
                    )
                })
                .collect();
        }
        if parts.len() < layout.len() {
            parts.resize(layout.len(), Vec::new());
            // Leading gaps of a fixed layout were not recorded per signal: add them now.
            if pos > 0 {
                for (k, p) in parts.iter_mut().enumerate() {
                    if p.is_empty() {
                        let spf = layout[k].3.round().max(1.0) as usize;
                        p.push(Part {
                            start: 0,
                            len: pos.saturating_mul(spf),
                            signal: None,
                        });
                    }
                }
            }
        }
        for (k, (name, _, _, spf)) in layout.iter().enumerate() {
            let spf = spf.round().max(1.0) as usize;
            let want = n.saturating_mul(spf);
            let lead = if variable {
                srec.leads.iter().find(|l| &l.original_label == name)
            } else {
                srec.leads.get(k)
            };
            let signal = lead.map(|l| l.signal.clone());
            if let Some(s) = &signal
                && s.len() < want
            {
                warnings.push(Warning::new(
                    format!("segment {}", seg.name),
                    format!("signal {name} has {} samples, the master header says {want}; the rest reads as NaN", s.len()),
                ));
            }
            parts[k].push(Part {
                start: 0,
                len: want,
                signal,
            });
        }
        segments.push(Segment {
            start_s: pos as f64 / h.fs_hz,
            first_sample: pos,
            n_samples: n,
        });
        pos = pos.saturating_add(n);
    }
    let total_frames = pos;
    if let Some(declared) = h.n_samples
        && declared != total_frames as u64
    {
        warnings.push(Warning::new(
            "header record line: number of samples",
            format!("{declared} declared, segments add up to {total_frames}"),
        ));
    }

    let leads = layout
        .iter()
        .zip(parts)
        .map(|((name, unit, cal, spf), mut ps)| {
            let mut start = 0usize;
            for p in &mut ps {
                p.start = start;
                start = start.saturating_add(p.len);
            }
            let cals: Vec<Option<Calibration>> = ps
                .iter()
                .filter_map(|p| p.signal.as_ref())
                .map(Signal::calibration)
                .collect();
            let shared = match cals.first() {
                Some(Some(c))
                    if cals.iter().all(|x| x.as_ref() == Some(c))
                        && cal.is_none_or(|l| l == *c) =>
                {
                    Some(*c)
                }
                None => *cal,
                _ => None,
            };
            let src = ConcatSource {
                parts: ps,
                len: start,
                calibration: shared,
                invalid: i32::MIN,
            };
            Lead::new(
                name,
                h.fs_hz * spf,
                unit.clone(),
                Signal::new(Arc::new(src)),
            )
        })
        .collect();
    let mut rec = Recording::new(leads);
    if has_gap {
        rec.segments = segments;
    }
    rec.source = SourceInfo {
        format: "WFDB".into(),
        version: Some(format!(
            "multi-segment ({} layout)",
            if variable { "variable" } else { "fixed" }
        )),
        path: None,
        warnings,
    };
    Ok(rec)
}
