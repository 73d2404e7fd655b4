//! End-to-end checks of the written report with poppler's tools: the PDF's text, its raster at
//! a known DPI (grid pitch, calibration pulse height), vector paths for the tracing, and
//! hostile strings. Each test prints a note and returns when poppler-utils is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use ecg::{
    Acquisition, Annotation, AnnotationKind, AnnotationSource, Axis, Bpm, Date, DateTime, Degrees,
    Device, FilterBand, Lead, LeadLabel, Measurements, Millis, Patient, QtcSet, Recording, Sex,
    Signal, Statement, StatementState, TimeOfDay, Unit,
};
use report::{ChatExchange, ClaimCheck, Report, ReportInput, ReportStatement, Signature};

const DPI: u32 = 254; // 10 px per mm

fn tool(name: &str) -> bool {
    let ok = Command::new(name).arg("-v").output().is_ok();
    if !ok {
        eprintln!("note: {name} (poppler-utils) not found; skipping this check");
    }
    ok
}

/// A synthetic 10-s, 500-Hz 12-lead ECG at 75 bpm: Gaussian P, QRS and T waves.
fn synthetic_ecg() -> Recording {
    synthetic_ecg_s(10)
}

fn synthetic_ecg_s(seconds: usize) -> Recording {
    let fs = 500.0;
    let gains = [1.0, 1.2, 0.4, -0.8, 0.5, 0.7, -0.6, 0.3, 0.8, 1.3, 1.1, 0.9];
    let names = [
        "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
    ];
    let wave = |t: f64, c: f64, w: f64, a: f64| a * (-((t - c) / w).powi(2) / 2.0).exp();
    let leads = names
        .iter()
        .zip(gains)
        .map(|(name, g)| {
            let samples: Vec<f32> = (0..seconds * 500)
                .map(|i| {
                    let t = (i as f64 / fs) % 0.8;
                    let mv = wave(t, 0.2, 0.025, 0.15)
                        + wave(t, 0.33, 0.008, -0.1)
                        + wave(t, 0.35, 0.01, 1.2)
                        + wave(t, 0.37, 0.008, -0.25)
                        + wave(t, 0.6, 0.04, 0.3);
                    (mv * g) as f32
                })
                .collect();
            Lead::new(name, fs, Unit::Millivolt, Signal::from_physical(samples))
        })
        .collect();
    let mut rec = Recording::new(leads);
    rec.patient = Patient {
        id: Some("MRN-0042".into()),
        last_name: Some("Testperson".into()),
        first_name: Some("Ada".into()),
        birth_date: Date::new(1961, 3, 14),
        age_years: Some(63.0),
        sex: Sex::Female,
        ..Patient::default()
    };
    rec.acquisition = Acquisition {
        start_time: Some(DateTime {
            date: Date::new(2024, 5, 2),
            time: TimeOfDay::new(9, 10, 0.0).unwrap(),
        }),
        device: Device {
            manufacturer: Some("Acme".into()),
            model: Some("ECG-12".into()),
            ..Device::default()
        },
        filter_band: FilterBand {
            highpass_hz: Some(0.05),
            lowpass_hz: Some(150.0),
            notch_hz: Some(50.0),
        },
        comments: Vec::new(),
    };
    rec.source.format = "synthetic".into();
    rec
}

fn input() -> ReportInput {
    let mut input = ReportInput::from_recording(synthetic_ecg());
    input.measurements = Measurements {
        hr: Some(Bpm(75.0)),
        rr: Some(Millis(800.0)),
        pr: Some(Millis(152.0)),
        qrs: Some(Millis(88.0)),
        qt: Some(Millis(400.0)),
        qtc: QtcSet::from_qt_rr(Millis(400.0), Millis(800.0)),
        axis: Axis {
            p: Some(Degrees(55.0)),
            qrs: Some(Degrees(40.0)),
            t: Some(Degrees(35.0)),
        },
        ..Measurements::default()
    };
    input.statements = vec![
        ReportStatement {
            statement: Statement {
                text: "Sinus rhythm".into(),
                criterion: Some("regular RR, P before each QRS".into()),
                state: StatementState::Confirmed,
                evidence: ecg::Evidence {
                    leads: vec![LeadLabel::II, LeadLabel::V1],
                    beats: vec![1, 2],
                },
            },
            reviewed_by: Some("Dr. Reviewer".into()),
            beat_times_s: vec![1.2, 2.0],
        },
        ReportStatement::from(Statement::from_device("Normal ECG")),
    ];
    input.annotations = vec![
        Annotation {
            onset_s: 3.1,
            duration_s: 0.4,
            lead: Some(LeadLabel::V5),
            kind: AnnotationKind::Note,
            text: "ST depression noted".into(),
            source: AnnotationSource::User,
        },
        Annotation::point(7.2, AnnotationKind::Caliper, "RR 800 ms"),
    ];
    input.chat = vec![ChatExchange {
        question: "Is the QT prolonged?".into(),
        answer: "No. QTc Bazett is 447 ms, within normal limits for a woman.".into(),
        model: "test-model".into(),
        mode: "text".into(),
        time: "2024-05-02 09:30".into(),
        checks: vec![ClaimCheck {
            claim: "QTc Bazett is 447 ms".into(),
            verdict: "contradicted".into(),
            fact: Some("measured QTc (Bazett) 470 ms".into()),
            contradicted: true,
        }],
    }];
    input.signature = Some(Signature {
        name: "Dr. Signer".into(),
        time: "2024-05-02 10:00".into(),
        meaning: "Read and confirmed".into(),
    });
    input
}

fn write_pdf(input: &ReportInput, dir: &Path) -> PathBuf {
    let report = Report::new(input).unwrap();
    let path = dir.join("report.pdf");
    std::fs::write(&path, report.pdf().unwrap()).unwrap();
    if let Ok(keep) = std::env::var("HEARTLENS_REPORT_KEEP") {
        let _ = std::fs::create_dir_all(&keep);
        let _ = std::fs::copy(
            &path,
            Path::new(&keep)
                .join(dir.file_name().unwrap())
                .with_extension("pdf"),
        );
    }
    path
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn pdf_text_holds_measurements_statements_annotations_and_chat() {
    if !tool("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text = pdftotext(&write_pdf(&input(), dir.path()));
    for want in [
        "Testperson, Ada",
        "MRN-0042",
        "2024-05-02T09:10:00",
        "Acme ECG-12",
        "0.05–150 Hz, notch 50 Hz",
        "Heart rate",
        "75 bpm",
        "152 ms",
        "QTc Bazett",
        "447 ms",
        "QTc Fridericia",
        "431 ms",
        "Sinus rhythm [confirmed by Dr. Reviewer]",
        "evidence: leads II, V1; beats at 1.20, 2.00 s",
        "Normal ECG [unconfirmed]",
        "ST depression noted",
        "RR 800 ms",
        "Is the QT prolonged?",
        "contradicted (measured QTc (Bazett) 470 ms)",
        "Dr. Signer",
        "Read and confirmed",
        "25 mm/s",
        "12-lead ECG report",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn a_two_lead_recording_is_titled_by_its_leads_not_as_a_twelve_lead_ecg() {
    // A Holter's or monitor's two leads (MIT-BIH 100 printed "12-lead ECG report").
    if !tool("pdftotext") {
        return;
    }
    let mut input = input();
    input
        .recording
        .leads
        .retain(|l| matches!(l.label.name(), "II" | "V5"));
    let dir = tempfile::tempdir().unwrap();
    let text = pdftotext(&write_pdf(&input, dir.path()));
    assert!(text.contains("ECG report (2 leads)"), "{text}");
    assert!(!text.contains("12-lead"), "{text}");
}

#[test]
fn a_paediatric_lead_set_prints_its_extra_chest_leads_and_an_anonymised_year_is_marked() {
    // A Welch Allyn paediatric ECG records V3R and V7 instead of V3 and V5; its anonymiser
    // wrote the year 53255.
    if !tool("pdftotext") {
        return;
    }
    let mut input = input();
    for lead in &mut input.recording.leads {
        match lead.label {
            LeadLabel::V3 => lead.label = LeadLabel::V3R,
            LeadLabel::V5 => lead.label = LeadLabel::V7,
            _ => {}
        }
    }
    if let Some(start) = input.recording.acquisition.start_time.as_mut() {
        start.date = Date::new(53255, 1, 1);
    }
    let dir = tempfile::tempdir().unwrap();
    let text = pdftotext(&write_pdf(&input, dir.path()));
    for label in ["V3R", "V7"] {
        assert!(
            text.lines().any(|l| l.trim() == label),
            "{label} not on the page: {text}"
        );
    }
    assert!(!text.contains("V3 —") && !text.contains("V5 —"), "{text}");
    assert!(text.contains("53255-01-01T"), "{text}");
    assert!(text.contains("(implausible date)"), "{text}");
    assert_eq!(
        text.matches("(implausible date)").count(),
        1,
        "the birth date is real: {text}"
    );
}

#[test]
fn an_age_the_file_does_not_state_is_counted_from_the_birth_date() {
    // DICOM and EDF+ files often give the birth date and no age (ECG Toolkit's Example.dcm).
    if !tool("pdftotext") {
        return;
    }
    let mut input = input();
    input.recording.patient.age_years = None;
    let dir = tempfile::tempdir().unwrap();
    let text = pdftotext(&write_pdf(&input, dir.path()));
    // Born 1961-03-14, recorded 2024-05-02.
    assert!(text.contains("Age: 63 y"), "{text}");
    input.recording.patient.birth_date = Date::new(2023, 1, 10);
    let text = pdftotext(&write_pdf(&input, dir.path()));
    assert!(text.contains("Age: 15 mo"), "{text}");
}

#[test]
fn deidentified_report_drops_name_id_and_birth_date() {
    if !tool("pdftotext") {
        return;
    }
    let mut input = input();
    input.options.deidentify = true;
    input.options.include_chat = false;
    let dir = tempfile::tempdir().unwrap();
    let text = pdftotext(&write_pdf(&input, dir.path()));
    for gone in ["Testperson", "MRN-0042", "1961", "Is the QT prolonged?"] {
        assert!(!text.contains(gone), "{gone:?} still in:\n{text}");
    }
    assert!(text.contains("de-identified"));
    assert!(text.contains("63 y"));
}

/// A binary PPM (P6) decoded by hand: width, height, RGB bytes.
fn read_ppm(path: &Path) -> (usize, usize, Vec<u8>) {
    let data = std::fs::read(path).unwrap();
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while data[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !data[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..i]).to_string());
    }
    assert_eq!(fields[0], "P6");
    let w: usize = fields[1].parse().unwrap();
    let h: usize = fields[2].parse().unwrap();
    (w, h, data[i + 1..].to_vec())
}

fn centre_of_first_dark_run(px: &[u8], w: usize, h: usize, x: usize, from_y: usize) -> f64 {
    let dark = |y: usize| {
        let p = &px[(y * w + x) * 3..][..3];
        p.iter().all(|&c| c < 110)
    };
    let start = (from_y..h)
        .find(|&y| dark(y))
        .expect("a dark pixel in the column");
    let end = (start..h).find(|&y| !dark(y)).unwrap_or(h);
    (start + end - 1) as f64 / 2.0
}

#[test]
fn raster_grid_pitch_and_calibration_pulse_are_true_scale() {
    if !tool("pdftoppm") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write_pdf(&input(), dir.path());
    let prefix = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", &DPI.to_string(), "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let (w, h, px) = read_ppm(&prefix.with_extension("ppm"));
    let px_per_mm = DPI as f64 / 25.4;
    assert!(
        w.abs_diff((297.0 * px_per_mm).round() as usize) <= 1,
        "width {w}"
    );
    let reddish = |x: usize, y: usize| {
        let p = &px[(y * w + x) * 3..][..3];
        p[0] > 200 && p[1] < 225 && p[2] < 225 && p[0] as i32 - p[1] as i32 > 20
    };
    // Columns crossed by a vertical grid line are reddish over most of the grid height.
    let (y0, y1) = ((60.0 * px_per_mm) as usize, (160.0 * px_per_mm) as usize);
    let column_score: Vec<usize> = (0..w)
        .map(|x| (y0..y1).filter(|&y| reddish(x, y)).count())
        .collect();
    let is_line: Vec<bool> = column_score.iter().map(|&s| s > (y1 - y0) / 2).collect();
    let mut centres = Vec::new();
    let mut x = 0;
    while x < w {
        if is_line[x] {
            let start = x;
            while x < w && is_line[x] {
                x += 1;
            }
            centres.push((start + x - 1) as f64 / 2.0);
        } else {
            x += 1;
        }
    }
    assert!(centres.len() > 200, "found {} grid lines", centres.len());
    let mut gaps: Vec<f64> = centres.windows(2).map(|c| c[1] - c[0]).collect();
    gaps.sort_by(f64::total_cmp);
    let median = gaps[gaps.len() / 2];
    assert!(
        (median - px_per_mm).abs() < 0.3,
        "grid pitch {median} px, want {px_per_mm}"
    );
    let span = centres.last().unwrap() - centres.first().unwrap();
    let mm = span / px_per_mm;
    assert!((mm - 260.0).abs() < 0.5, "grid spans {mm} mm, want 260");

    // Calibration pulse of the first row: baseline on the 1-mm lead-in, top on the 5-mm plateau.
    // The grid's top edge: the first row that is reddish across most of the grid's width.
    let (gx0, gx1) = (centres[0] as usize, *centres.last().unwrap() as usize);
    let grid_top = (0..h)
        .find(|&y| (gx0..gx1).filter(|&x| reddish(x, y)).count() > (gx1 - gx0) / 2)
        .expect("grid top");
    let grid_left = centres[0];
    let pulse_x = grid_left + px_per_mm; // pulse starts 1 mm into the grid
    let baseline =
        centre_of_first_dark_run(&px, w, h, (pulse_x + 0.5 * px_per_mm) as usize, grid_top);
    let top = centre_of_first_dark_run(&px, w, h, (pulse_x + 3.5 * px_per_mm) as usize, grid_top);
    let height_mm = (baseline - top) / px_per_mm;
    assert!(
        (height_mm - 10.0).abs() < 0.15,
        "1 mV pulse is {height_mm} mm high, want 10"
    );
}

#[test]
fn tracing_is_vector_paths_not_an_image() {
    if !tool("pdfimages") || !tool("pdftocairo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write_pdf(&input(), dir.path());
    let out = Command::new("pdfimages")
        .arg("-list")
        .arg(&pdf)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    // The listing is two header lines and then one line per image.
    assert_eq!(listing.lines().count(), 2, "images found:\n{listing}");
    let svg = dir.path().join("page1.svg");
    let status = Command::new("pdftocairo")
        .args(["-svg", "-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg(&svg)
        .status()
        .unwrap();
    assert!(status.success());
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(!svg.contains("<image"), "page 1 embeds an image");
    // 13 trace panels of 1250..5000 samples each: thousands of line segments.
    let segments = svg.matches(" L ").count();
    assert!(segments > 10_000, "only {segments} line segments on page 1");
}

#[test]
fn hostile_strings_render_without_breaking_the_page() {
    if !tool("pdftotext") || !tool("pdftoppm") {
        return;
    }
    let hostile = format!(
        "<b>#set page(width: 1pt)</b> \\\\ \u{202E}evil{} שלום עולם مرحبا بالعالم 😀🫀 {}",
        "\u{0}\n\r\t",
        "W".repeat(3000)
    );
    let mut input = input();
    input.recording.patient.last_name = Some(hostile.clone());
    input.recording.patient.id = Some(hostile.clone());
    input.recording.acquisition.device.model = Some(hostile.clone());
    input.annotations.push(Annotation::point(
        1.0,
        AnnotationKind::Note,
        hostile.clone(),
    ));
    input
        .statements
        .push(ReportStatement::from(Statement::from_device(
            hostile.clone(),
        )));
    input.chat[0].question = hostile.clone();
    input.signature.as_mut().unwrap().name = hostile;
    let dir = tempfile::tempdir().unwrap();
    let pdf = write_pdf(&input, dir.path());
    let text = pdftotext(&pdf);
    assert!(text.contains("<b>#set page(width: 1pt)</b>"), "{text}");
    assert!(text.contains("ST depression noted"));
    let status = Command::new("pdftoppm")
        .args(["-r", "30", "-png"])
        .arg(&pdf)
        .arg(dir.path().join("p"))
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn png_of_the_tracing_page_matches_the_page_size() {
    let report = Report::new(&input()).unwrap();
    let png = report.png(0, 100.0).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((w, h), (1169, 827)); // 297 x 210 mm at 100 dpi
    assert!(report.png(0, 5000.0).is_err());
    assert!(report.png(99, 100.0).is_err());
}

#[test]
fn analysis_adds_median_beats_and_strips_get_their_own_pages() {
    if !tool("pdftotext") {
        return;
    }
    let rec = synthetic_ecg_s(30);
    let analysis = signal::analyze(&rec, &signal::AnalysisOptions::default()).unwrap();
    let mut input = ReportInput::from_recording(rec).with_analysis(&analysis);
    assert!(input.recording.median_beats.is_some());
    input.strips = vec![report::Strip {
        lead: LeadLabel::V2,
        start_s: 18.0,
        duration_s: 10.0,
        caption: "episode at 18 s".into(),
    }];
    input.annotations = vec![Annotation::point(20.0, AnnotationKind::Note, "late note")];
    let report = Report::new(&input).unwrap();
    assert_eq!(report.page_count(), 4); // tracing, annotations, medians, strips
    let dir = tempfile::tempdir().unwrap();
    let text = pdftotext(&write_pdf(&input, dir.path()));
    for want in [
        "Median beats",
        "Strips",
        "episode at 18 s",
        "late note",
        "Heart rate",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let hr = input.measurements.hr.unwrap().0;
    assert!((hr - 75.0).abs() < 2.0, "analysis HR {hr}");
    assert!(text.contains(&format!("{hr:.0} bpm")));
}
