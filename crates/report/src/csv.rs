//! CSV export of the measurements and annotations (RFC 4180: comma-separated, CRLF, fields
//! quoted when they hold a comma, quote or line break).
//!
//! One table with one header: `section,name,value,unit,method,onset_s,duration_s,lead,text,source`.
//! Measurement rows fill `name/value/unit/method`; annotation rows fill `name` (the kind),
//! `onset_s/duration_s/lead/text/source`. Free-text cells that a spreadsheet would run as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or CR) get a leading `'` (OWASP "CSV
//! injection").

use std::fmt::Write as _;

use ecg::{AnnotationKind, AnnotationSource, QtcFormula};

use crate::input::ReportInput;
use crate::layout::kind_name;

const HEADER: &str = "section,name,value,unit,method,onset_s,duration_s,lead,text,source";

pub(crate) fn write(input: &ReportInput) -> String {
    let mut out = String::new();
    line(&mut out, HEADER.split(',').map(str::to_string).collect());
    let m = &input.measurements;
    let mut measurement = |name: &str, value: Option<f64>, unit: &str, method: &str| {
        if let Some(v) = value.filter(|v| v.is_finite()) {
            line(
                &mut out,
                vec![
                    "measurement".into(),
                    name.into(),
                    format!("{v:.1}"),
                    unit.into(),
                    method.into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
            );
        }
    };
    measurement("HR", m.hr.map(|v| v.0), "bpm", "");
    measurement("RR", m.rr.map(|v| v.0), "ms", "");
    measurement("RR SD", m.rr_sd.map(|v| v.0), "ms", "");
    measurement("P duration", m.p_duration.map(|v| v.0), "ms", "");
    measurement("PR", m.pr.map(|v| v.0), "ms", "");
    measurement("QRS", m.qrs.map(|v| v.0), "ms", "");
    measurement("QT", m.qt.map(|v| v.0), "ms", "");
    for f in QtcFormula::ALL {
        measurement("QTc", m.qtc.get(f).map(|v| v.0), "ms", f.name());
    }
    measurement("P axis", m.axis.p.map(|v| v.0), "deg", "");
    measurement("QRS axis", m.axis.qrs.map(|v| v.0), "deg", "");
    measurement("T axis", m.axis.t.map(|v| v.0), "deg", "");
    for a in &input.annotations {
        let name = match &a.kind {
            AnnotationKind::Beat { code }
            | AnnotationKind::Rhythm { code }
            | AnnotationKind::Other { code } => format!("{} {code}", kind_name(&a.kind)),
            other => kind_name(other),
        };
        line(
            &mut out,
            vec![
                "annotation".into(),
                safe(&name),
                String::new(),
                String::new(),
                String::new(),
                format!("{:.3}", a.onset_s),
                format!("{:.3}", a.duration_s),
                a.lead.as_ref().map(|l| safe(l.name())).unwrap_or_default(),
                safe(&a.text),
                match a.source {
                    AnnotationSource::File => "file",
                    AnnotationSource::Analysis => "analysis",
                    AnnotationSource::User => "user",
                }
                .into(),
            ],
        );
    }
    out
}

/// Neutralises cells a spreadsheet would evaluate.
fn safe(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

fn line(out: &mut String, cells: Vec<String>) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            let _ = write!(out, "\"{}\"", cell.replace('"', "\"\""));
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecg::{Annotation, Bpm, Millis, QtcSet, Recording};

    #[test]
    fn csv_quotes_fields_and_defuses_formulas() {
        let mut input = ReportInput::from_recording(Recording::default());
        input.measurements.hr = Some(Bpm(72.0));
        input.measurements.qtc = QtcSet::from_qt_rr(Millis(400.0), Millis(800.0));
        input.annotations = vec![Annotation::point(
            1.5,
            AnnotationKind::Note,
            "=HYPERLINK(\"x\"), \"quoted\"\nline",
        )];
        let csv = write(&input);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], HEADER);
        assert!(csv.contains("measurement,HR,72.0,bpm,,,,,,\r\n"), "{csv}");
        assert!(csv.contains("measurement,QTc,447.2,ms,Bazett,"), "{csv}");
        assert!(
            csv.contains("annotation,note,,,,1.500,0.000,,\"'=HYPERLINK(\"\"x\"\"), \"\"quoted\"\"\nline\",file\r\n"),
            "{csv}"
        );
    }
}
