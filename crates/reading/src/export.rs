//! Reports of a session: what a store session adds to a [`ReportInput`] (its annotations,
//! statement reviews, measurement overrides, signature and the chat exchanges the user chose),
//! writing the PDF/PNG/CSV files, and recording each export in the store with the SHA-256 of
//! the bytes written. `heartlens report --session` and the app's export dialog both go
//! through here.

use std::path::{Path, PathBuf};

use report::{ChatExchange, Report, ReportInput, ReportStatement, Signature};
use serde::Serialize;
use store::Store;
use store::chats::{MessageStatus, Role};
use store::recordings::ContentHash;
use store::reports::ExportedReport;
use store::review::MeasurementOverride;

use crate::{Error, Result, review, utc_text};

/// One completed question/answer pair of a session's chats.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatTurn {
    /// The answer's message id (what the user ticks in the export dialog).
    pub answer_id: i64,
    /// The exchange as the report prints it.
    pub exchange: ChatExchange,
}

/// What a store session contributes to a report.
#[derive(Debug, Clone)]
pub struct SessionParts {
    /// The recording's id in the store.
    pub recording_id: i64,
    /// SHA-256 of the file the session was made from.
    pub content_sha256: ContentHash,
    /// Where the store last saw that file.
    pub last_path: String,
    /// The session's annotations.
    pub annotations: Vec<ecg::Annotation>,
    /// Statements with their review (empty when none were ever suggested or reviewed).
    pub statements: Vec<ReportStatement>,
    /// Each statement's text as the analysis stated it (before any edit): how its evidence
    /// is found in the analysis the report is made with (the store keeps no evidence).
    pub statement_texts: Vec<String>,
    /// Measurement overrides.
    pub overrides: Vec<MeasurementOverride>,
    /// The signature, once signed.
    pub signature: Option<Signature>,
    /// Completed chat exchanges, oldest thread first.
    pub chat: Vec<ChatTurn>,
}

/// A short view of a chat exchange for the export dialog's chooser.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatChoice {
    /// The answer's message id.
    pub answer_id: i64,
    /// The question.
    pub question: String,
    /// The answer.
    pub answer: String,
    /// The model that answered.
    pub model: String,
    /// When.
    pub time: String,
}

impl SessionParts {
    /// Loads a session (the recording's id in the store).
    pub async fn load(store: &Store, recording_id: i64) -> Result<Self> {
        let snap = store.load_session(recording_id).await?;
        // The snapshot carries only the first page of annotations; a report lists them all.
        let annotations = store.annotations(recording_id).await?;
        let mut chat = Vec::new();
        for thread in snap.threads.iter().rev() {
            let msgs = store.messages(thread.id).await?;
            for pair in msgs.windows(2) {
                let (q, a) = (&pair[0], &pair[1]);
                if q.role == Role::User
                    && a.role == Role::Assistant
                    && matches!(a.status, MessageStatus::Complete)
                {
                    chat.push(ChatTurn {
                        answer_id: a.id,
                        exchange: ChatExchange {
                            question: q.text.clone(),
                            answer: a.text.clone(),
                            model: a.model_id.clone().unwrap_or_default(),
                            mode: a.mode.clone().unwrap_or_default(),
                            time: utc_text(a.created_at_ms),
                            checks: Vec::new(),
                        },
                    });
                }
            }
        }
        let statements = snap
            .statements
            .iter()
            .map(|st| ReportStatement {
                reviewed_by: st.actor.clone(),
                ..ReportStatement::from(review::statement_of(st))
            })
            .collect();
        let statement_texts = snap.statements.iter().map(|st| st.text.clone()).collect();
        Ok(Self {
            recording_id,
            content_sha256: snap.recording.content_sha256.clone(),
            last_path: snap.recording.last_path.clone(),
            annotations: annotations.iter().map(|a| a.data.to_ecg()).collect(),
            statements,
            statement_texts,
            overrides: snap.overrides,
            signature: snap.signature.map(|s| Signature {
                name: s.signer,
                time: utc_text(s.signed_at_ms),
                meaning: s.meaning,
            }),
            chat,
        })
    }

    /// Refuses a file whose content is not the session's recording.
    pub fn check_file(&self, file: &Path, hash: &ContentHash) -> Result<()> {
        if *hash == self.content_sha256 {
            Ok(())
        } else {
            Err(Error::WrongFile {
                file: file.to_path_buf(),
                session: self.recording_id,
                other: self.last_path.clone(),
            })
        }
    }

    /// The chat exchanges, for the export dialog.
    pub fn chat_choices(&self) -> Vec<ChatChoice> {
        self.chat
            .iter()
            .map(|t| ChatChoice {
                answer_id: t.answer_id,
                question: t.exchange.question.clone(),
                answer: t.exchange.answer.clone(),
                model: t.exchange.model.clone(),
                time: t.exchange.time.clone(),
            })
            .collect()
    }

    /// Puts the session into a report: its annotations replace the file's, reviewed statements
    /// replace the suggestions (when there are any), overrides correct the measurements, the
    /// signature is added, and the chosen chat exchanges (`None` = all) are included.
    pub fn apply_to(&self, input: &mut ReportInput, chosen_answers: Option<&[i64]>) {
        input.annotations = self.annotations.clone();
        if !self.statements.is_empty() {
            // The reviewed statements, each with the evidence the analysis gave it.
            let analysed = std::mem::take(&mut input.statements);
            input.statements = self
                .statements
                .iter()
                .zip(&self.statement_texts)
                .map(|(s, text)| {
                    let mut s = s.clone();
                    if let Some(a) = analysed.iter().find(|a| &a.statement.text == text) {
                        s.statement.evidence = a.statement.evidence.clone();
                        s.beat_times_s = a.beat_times_s.clone();
                    }
                    s
                })
                .collect();
        }
        review::apply_overrides(&mut input.measurements, &self.overrides);
        input.signature = self.signature.clone();
        input.chat = self
            .chat
            .iter()
            .filter(|t| chosen_answers.is_none_or(|ids| ids.contains(&t.answer_id)))
            .map(|t| t.exchange.clone())
            .collect();
    }
}

/// What the reader chose for a report (export dialog or command line).
#[derive(Debug, Clone, Default)]
pub struct ReportChoices {
    /// Paper size.
    pub paper: report::Paper,
    /// Start of the tracing page's 10-s window, seconds.
    pub start_s: f64,
    /// Drop name, identifier and birth date.
    pub deidentify: bool,
    /// The display filter the tracing is drawn with (its band is stated).
    pub filter: crate::display::DisplayFilter,
    /// Chat answers to include: `None` every completed exchange, `Some(ids)` those (an empty
    /// list leaves the chat out).
    pub chat: Option<Vec<i64>>,
    /// Keep beat labels and wave fiducials in the annotation list (thousands on a Holter).
    pub all_annotations: bool,
}

/// The report input for a recording: `analysis` (when given) supplies measurements, statements
/// and median beats, the session (when given) its annotations, reviews, overrides, signature
/// and chosen chat, and `choices` the rest; layout and strips follow the recording. Returns
/// warnings for what could not be honoured (a recording too long to filter is drawn as
/// recorded, its stated band unchanged).
pub fn report_input(
    recording: &ecg::Recording,
    analysis: Option<&signal::Analysis>,
    session: Option<&SessionParts>,
    choices: &ReportChoices,
) -> (ReportInput, Vec<String>) {
    let mut warnings = Vec::new();
    let recording = crate::display::filtered(recording, choices.filter).unwrap_or_else(|e| {
        warnings.push(e.to_string());
        recording.clone()
    });
    let mut input = ReportInput::from_recording(recording);
    if let Some(a) = analysis {
        input = input.with_analysis(a);
    }
    if let Some(parts) = session {
        parts.apply_to(&mut input, choices.chat.as_deref());
    }
    check_chat(&mut input);
    if !choices.all_annotations {
        input.drop_machine_marks();
    }
    input.options.paper = choices.paper;
    input.options.start_s = choices.start_s;
    input.options.deidentify = choices.deidentify;
    input.options.include_chat = choices.chat.as_ref().is_none_or(|ids| !ids.is_empty());
    input.choose_layout();
    input.choose_strips();
    (input, warnings)
}

/// Checks the claims of each chat answer in `input` against the report's facts: the
/// measurements as printed (overrides applied), the statements with their review (a claim of a
/// rejected finding is contradicted), the user's annotations and the recording's leads, length,
/// rate and patient age. The report prints the checks beside the answer.
pub fn check_chat(input: &mut ReportInput) {
    if input.chat.is_empty() {
        return;
    }
    let facts = crate::claims::Facts {
        measurements: Some(input.measurements.clone()),
        statements: input
            .statements
            .iter()
            .map(|s| s.statement.clone())
            .collect(),
        annotations: input
            .annotations
            .iter()
            .filter(|a| a.source == ecg::AnnotationSource::User)
            .cloned()
            .collect(),
        leads: Some(input.recording.leads.len()),
        duration_s: Some(input.recording.duration_s()),
        sampling_rate_hz: input.recording.leads.first().map(|l| l.sampling_rate_hz),
        age_years: input.recording.patient_age_years(),
    };
    for c in &mut input.chat {
        c.checks = crate::claims::check(&c.answer, &facts)
            .into_iter()
            .map(|k| report::ClaimCheck {
                contradicted: k.status == crate::claims::ClaimStatus::Contradicted,
                verdict: k.status.label().to_string(),
                claim: k.text,
                fact: k.fact,
            })
            .collect();
    }
}

/// Which files to write.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// The PDF report.
    pub pdf: Option<PathBuf>,
    /// A PNG of the tracing page.
    pub png: Option<PathBuf>,
    /// Resolution of the PNG (dots per inch).
    pub png_dpi: f32,
    /// Measurements and annotations as CSV.
    pub csv: Option<PathBuf>,
}

/// A file written by [`write`].
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// Where.
    pub path: PathBuf,
    /// "pdf", "png" or "csv".
    pub format: &'static str,
    /// SHA-256 of the bytes written.
    pub sha256: ContentHash,
}

/// Writes the chosen files. Each is written beside its destination and renamed into place, so
/// a failure never leaves a half-written report where an older one was.
pub fn write(report: &Report, targets: &Targets) -> Result<Vec<Written>> {
    let mut out = Vec::new();
    if let Some(path) = &targets.pdf {
        out.push(write_one(path, "pdf", &report.pdf()?)?);
    }
    if let Some(path) = &targets.png {
        let dpi = if targets.png_dpi > 0.0 {
            targets.png_dpi
        } else {
            200.0
        };
        out.push(write_one(path, "png", &report.png(0, dpi)?)?);
    }
    if let Some(path) = &targets.csv {
        out.push(write_one(path, "csv", report.csv().as_bytes())?);
    }
    Ok(out)
}

fn write_one(path: &Path, format: &'static str, bytes: &[u8]) -> Result<Written> {
    let io = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let name = path.file_name().ok_or_else(|| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".partial");
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, bytes).map_err(io)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(Written {
        path: path.to_path_buf(),
        format,
        sha256: ContentHash::of_bytes(bytes),
    })
}

/// Records written files as exports of a recording.
pub async fn record(
    store: &Store,
    recording_id: i64,
    written: &[Written],
    exported_by: &str,
) -> Result<Vec<ExportedReport>> {
    let mut out = Vec::with_capacity(written.len());
    for w in written {
        out.push(
            store
                .record_report(
                    recording_id,
                    &w.path.display().to_string(),
                    w.format,
                    &w.sha256,
                    exported_by,
                )
                .await?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use ecg::{Lead, Recording, Signal, Unit};

    use super::*;

    fn session() -> SessionParts {
        let turn = |id: i64, q: &str| ChatTurn {
            answer_id: id,
            exchange: ChatExchange {
                question: q.into(),
                answer: "a".into(),
                model: "m".into(),
                mode: "grounded".into(),
                time: "t".into(),
                checks: Vec::new(),
            },
        };
        SessionParts {
            recording_id: 1,
            content_sha256: ContentHash::of_bytes(b"x"),
            last_path: "/x.hea".into(),
            annotations: vec![ecg::Annotation::point(
                1.0,
                ecg::AnnotationKind::Note,
                "note",
            )],
            statements: Vec::new(),
            statement_texts: Vec::new(),
            overrides: Vec::new(),
            signature: None,
            chat: vec![turn(7, "first"), turn(9, "second")],
        }
    }

    fn recording() -> Recording {
        Recording::new(vec![Lead::new(
            "II",
            500.0,
            Unit::Millivolt,
            Signal::from_physical(vec![0.0; 5000]),
        )])
    }

    #[test]
    fn chosen_chat_answers_and_session_annotations_reach_the_report() {
        let s = session();
        let choices = ReportChoices {
            chat: Some(vec![9]),
            filter: crate::display::DisplayFilter::Monitoring50,
            ..ReportChoices::default()
        };
        let (input, warnings) = report_input(&recording(), None, Some(&s), &choices);
        assert!(warnings.is_empty());
        assert_eq!(input.chat.len(), 1);
        assert_eq!(input.chat[0].question, "second");
        assert!(input.options.include_chat);
        assert_eq!(input.annotations.len(), 1);
        assert_eq!(input.recording.acquisition.filter_band.notch_hz, Some(50.0));
        let none = ReportChoices {
            chat: Some(Vec::new()),
            ..ReportChoices::default()
        };
        assert!(
            !report_input(&recording(), None, Some(&s), &none)
                .0
                .options
                .include_chat
        );
        let all = report_input(&recording(), None, Some(&s), &ReportChoices::default()).0;
        assert_eq!(all.chat.len(), 2);
    }

    #[test]
    fn reviewed_statements_keep_the_evidence_the_analysis_gave_them() {
        // The store keeps the review (an edited text) but no evidence: the analysis the
        // report is made with supplies it, found by the text the analysis stated.
        let mut s = session();
        s.statements = vec![
            ReportStatement {
                reviewed_by: Some("Dr. A".into()),
                ..ReportStatement::from(ecg::Statement {
                    text: "Frequent ventricular premature complexes".into(),
                    state: ecg::StatementState::Edited,
                    ..ecg::Statement::default()
                })
            },
            ReportStatement::from(ecg::Statement::from_device("Sinus rhythm")),
        ];
        s.statement_texts = vec![
            "Ventricular premature complexes".into(),
            "Sinus rhythm".into(),
        ];
        let mut input = ReportInput::from_recording(recording());
        input.statements = vec![ReportStatement {
            beat_times_s: vec![2.4, 6.1],
            ..ReportStatement::from(ecg::Statement {
                text: "Ventricular premature complexes".into(),
                evidence: ecg::Evidence {
                    leads: vec![ecg::LeadLabel::V1],
                    beats: vec![3, 8],
                },
                ..ecg::Statement::default()
            })
        }];
        s.apply_to(&mut input, None);
        let [vpc, sinus] = input.statements.as_slice() else {
            panic!("{:?}", input.statements);
        };
        assert_eq!(
            vpc.statement.text,
            "Frequent ventricular premature complexes"
        );
        assert_eq!(vpc.reviewed_by.as_deref(), Some("Dr. A"));
        assert_eq!(vpc.beat_times_s, [2.4, 6.1]);
        assert_eq!(vpc.statement.evidence.leads, [ecg::LeadLabel::V1]);
        assert!(sinus.beat_times_s.is_empty() && sinus.statement.evidence.beats.is_empty());
    }

    #[test]
    fn chat_answers_reach_the_report_with_their_claims_checked() {
        let mut s = session();
        s.chat[0].exchange.answer = "Sinus rhythm at 102 bpm.".into();
        let mut rec = recording();
        rec.device_measurements = Some(ecg::Measurements {
            hr: Some(ecg::Bpm(61.0)),
            ..Default::default()
        });
        rec.device_statements = vec![ecg::Statement::from_device("Sinus rhythm")];
        let (input, _) = report_input(&rec, None, Some(&s), &ReportChoices::default());
        let checks = &input.chat[0].checks;
        assert_eq!(checks.len(), 2, "{checks:?}");
        assert_eq!(checks[0].verdict, "supported");
        assert!(checks[1].contradicted);
        assert_eq!(checks[1].claim, "102 bpm");
        assert_eq!(
            checks[1].fact.as_deref(),
            Some("measured heart rate 61 bpm")
        );
        assert!(
            input.chat[1].checks.is_empty(),
            "the answer \"a\" has no claims"
        );
    }

    #[test]
    fn a_file_of_other_content_is_refused_naming_both() {
        let err = session()
            .check_file(Path::new("/y.hea"), &ContentHash::of_bytes(b"y"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/y.hea") && err.contains("/x.hea"), "{err}");
    }
}
