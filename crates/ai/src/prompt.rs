//! Prompts: the HeartcareGPT-v3 recipe and the grounded mode's text prompt.
//!
//! - HeartcareGPT (DCDmllm/Heartcare-Suite @ b1dc860, `train_step_2_3.ipynb`): embedding of
//!   `<signal_start>` (32014), the 20 `signal_proj` outputs of each 4-s window, `<signal_end>`
//!   (32015), then BOS + the tokens of `<|user|> {question} <|assistant|>`, with no chat template.
//!   Generation stops on `<|endoftext|>` 32000 (also `<|end|>` 32007).
//! - Grounded mode, for any stock chat GGUF: the tracing goes in as text ([`Grounding`]): recording
//!   facts, measurements with the QTc formula named, statements, user annotations; formatted with
//!   the model's own chat template ([`ChatTemplate`], detected from `tokenizer.chat_template`).
//!
//! This module only builds strings; it does not know where the measurements came from.

use ecg::{Annotation, AnnotationSource, Measurements, QtcFormula, Recording, StatementState};

/// `<|endoftext|>` in the Phi-3/HeartcareGPT vocabulary.
pub const PHI3_EOS: u32 = 32000;
/// `<|end|>` in the Phi-3 vocabulary.
pub const PHI3_END: u32 = 32007;
/// `<signal_start>` (HeartcareGPT v3 added token).
pub const SIGNAL_START: u32 = 32014;
/// `<signal_end>` (HeartcareGPT v3 added token).
pub const SIGNAL_END: u32 = 32015;
/// `<image_start>`.
pub const IMAGE_START: u32 = 32012;
/// `<image_end>`.
pub const IMAGE_END: u32 = 32013;
/// HeartcareGPT's vocabulary size (Phi-3's 32011 + 5 added tokens).
pub const HEARTCAREGPT_VOCAB: usize = 32016;

/// The HeartcareGPT-v3 text after the soft tokens: `<|user|> {question} <|assistant|>`.
pub fn heartcaregpt_text(question: &str) -> String {
    format!("<|user|> {} <|assistant|>", question.trim())
}

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions.
    System,
    /// The clinician.
    User,
    /// The model.
    Assistant,
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    /// Who.
    pub role: Role,
    /// What.
    pub content: String,
}

impl Message {
    /// A message.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }
}

/// The chat template families built in: stop tokens for every model, and the rendering used
/// when the model carries no Jinja template or it fails to render ([`crate::jinja`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatTemplate {
    /// Phi-3: `<|user|>\n..<|end|>\n<|assistant|>\n`.
    Phi3,
    /// ChatML (Qwen2/2.5): `<|im_start|>user\n..<|im_end|>\n`.
    ChatMl,
    /// Qwen3: ChatML with an empty `<think>` block (thinking off).
    Qwen3,
    /// Llama 3: `<|start_header_id|>user<|end_header_id|>\n\n..<|eot_id|>`.
    Llama3,
    /// Llama 2 / Mistral: `[INST] .. [/INST]`.
    Llama2,
}

impl ChatTemplate {
    /// Picks the family from a Jinja `chat_template` (GGUF `tokenizer.chat_template` or
    /// `tokenizer_config.json`), falling back on the architecture name.
    pub fn detect(template: Option<&str>, arch: &str) -> ChatTemplate {
        if let Some(t) = template {
            if t.contains("<|im_start|>") {
                return if t.contains("enable_thinking") || t.contains("<think>") {
                    ChatTemplate::Qwen3
                } else {
                    ChatTemplate::ChatMl
                };
            }
            if t.contains("<|start_header_id|>") {
                return ChatTemplate::Llama3;
            }
            if t.contains("<|user|>") {
                return ChatTemplate::Phi3;
            }
            if t.contains("[INST]") {
                return ChatTemplate::Llama2;
            }
        }
        match arch {
            "phi3" => ChatTemplate::Phi3,
            "qwen2" => ChatTemplate::ChatMl,
            "qwen3" => ChatTemplate::Qwen3,
            _ => ChatTemplate::Llama2,
        }
    }

    /// Whether the rendered text already starts with BOS (so the tokenizer must not add one).
    pub fn has_own_bos(self) -> bool {
        matches!(self, ChatTemplate::Llama3)
    }

    /// Token texts that end the assistant's turn.
    pub fn stop_texts(self) -> &'static [&'static str] {
        match self {
            ChatTemplate::Phi3 => &["<|end|>", "<|endoftext|>"],
            ChatTemplate::ChatMl | ChatTemplate::Qwen3 => &["<|im_end|>", "<|endoftext|>"],
            ChatTemplate::Llama3 => &["<|eot_id|>", "<|end_of_text|>"],
            ChatTemplate::Llama2 => &["</s>"],
        }
    }

    /// Renders `messages` and opens the assistant's turn.
    pub fn render(self, messages: &[Message]) -> String {
        let mut s = String::new();
        match self {
            ChatTemplate::Phi3 => {
                for m in messages {
                    let tag = match m.role {
                        Role::System => "<|system|>",
                        Role::User => "<|user|>",
                        Role::Assistant => "<|assistant|>",
                    };
                    s.push_str(&format!("{tag}\n{}<|end|>\n", m.content));
                }
                s.push_str("<|assistant|>\n");
            }
            ChatTemplate::ChatMl | ChatTemplate::Qwen3 => {
                for m in messages {
                    s.push_str(&format!(
                        "<|im_start|>{}\n{}<|im_end|>\n",
                        role_name(m.role),
                        m.content
                    ));
                }
                s.push_str("<|im_start|>assistant\n");
                if self == ChatTemplate::Qwen3 {
                    s.push_str("<think>\n\n</think>\n\n");
                }
            }
            ChatTemplate::Llama3 => {
                s.push_str("<|begin_of_text|>");
                for m in messages {
                    s.push_str(&format!(
                        "<|start_header_id|>{}<|end_header_id|>\n\n{}<|eot_id|>",
                        role_name(m.role),
                        m.content.trim()
                    ));
                }
                s.push_str("<|start_header_id|>assistant<|end_header_id|>\n\n");
            }
            ChatTemplate::Llama2 => {
                let system = messages
                    .iter()
                    .filter(|m| m.role == Role::System)
                    .map(|m| m.content.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                let mut first_user = true;
                for m in messages.iter().filter(|m| m.role != Role::System) {
                    match m.role {
                        Role::User => {
                            s.push_str("[INST] ");
                            if first_user && !system.is_empty() {
                                s.push_str(&format!("<<SYS>>\n{system}\n<</SYS>>\n\n"));
                            }
                            first_user = false;
                            s.push_str(&format!("{} [/INST]", m.content.trim()));
                        }
                        _ => s.push_str(&format!(" {} </s><s>", m.content.trim())),
                    }
                }
            }
        }
        s
    }
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

/// What the grounded prompt says about a tracing. Built by the caller (CLI/app) from the
/// recording and whatever analysis it ran; `ai` does not analyse.
#[derive(Debug, Clone, Default)]
pub struct Grounding {
    /// Lead names in file order.
    pub leads: Vec<String>,
    /// Recording length.
    pub duration_s: f64,
    /// Sampling rate of the first lead.
    pub sampling_rate_hz: f64,
    /// Patient age, when known.
    pub age_years: Option<f64>,
    /// Patient sex as text ("female", "male"), when known.
    pub sex: Option<String>,
    /// Global measurements and where they came from ("device", "Heartlens analysis").
    pub measurements: Option<(Measurements, String)>,
    /// Interpretation statements (rejected ones are left out).
    pub statements: Vec<ecg::Statement>,
    /// Annotations worth telling the model: user marks and notes.
    pub annotations: Vec<Annotation>,
}

impl Grounding {
    /// Facts of `rec`: leads, duration, rate, patient, device measurements and statements, user
    /// annotations. The caller may replace `measurements` with its own analysis.
    pub fn from_recording(rec: &Recording) -> Self {
        let sex = match rec.patient.sex {
            ecg::Sex::Female => Some("female".to_string()),
            ecg::Sex::Male => Some("male".to_string()),
            _ => None,
        };
        Self {
            leads: rec
                .leads
                .iter()
                .map(|l| l.label.name().to_string())
                .collect(),
            duration_s: rec.duration_s(),
            sampling_rate_hz: rec.leads.first().map_or(0.0, |l| l.sampling_rate_hz),
            age_years: rec.patient_age_years(),
            sex,
            measurements: rec
                .device_measurements
                .clone()
                .map(|m| (m, "device".to_string())),
            statements: rec.device_statements.clone(),
            annotations: rec
                .annotations
                .iter()
                .filter(|a| a.source == AnnotationSource::User)
                .cloned()
                .collect(),
        }
    }

    /// Replaces the device's measurements with Heartlens analysis and adds its statements.
    pub fn add_analysis(&mut self, analysis: &signal::Analysis) {
        self.measurements = Some((
            analysis.measurements.clone(),
            "Heartlens analysis".to_string(),
        ));
        self.statements.extend(analysis.statements.iter().cloned());
    }

    /// The tracing as text, one fact a line.
    pub fn to_text(&self) -> String {
        let mut s = String::from("ECG recording:\n");
        s.push_str(&format!(
            "- {} leads ({}), {:.1} s at {:.0} Hz\n",
            self.leads.len(),
            self.leads.join(", "),
            self.duration_s,
            self.sampling_rate_hz
        ));
        // Whole years, as ages are said (an age counted from the birth date has a fraction).
        match (self.age_years.map(f64::floor), &self.sex) {
            (Some(a), Some(sx)) => s.push_str(&format!("- patient: {a:.0}-year-old {sx}\n")),
            (Some(a), None) => s.push_str(&format!("- patient: {a:.0} years old\n")),
            (None, Some(sx)) => s.push_str(&format!("- patient: {sx}\n")),
            (None, None) => {}
        }
        if let Some((m, source)) = &self.measurements {
            s.push_str(&format!("Measurements ({source}):\n"));
            let mut line = |name: &str, v: Option<String>| {
                if let Some(v) = v {
                    s.push_str(&format!("- {name}: {v}\n"));
                }
            };
            line("heart rate", m.hr.map(|v| format!("{:.0} bpm", v.0)));
            line("RR", m.rr.map(|v| format!("{:.0} ms", v.0)));
            line("PR", m.pr.map(|v| format!("{:.0} ms", v.0)));
            line("QRS", m.qrs.map(|v| format!("{:.0} ms", v.0)));
            line("QT", m.qt.map(|v| format!("{:.0} ms", v.0)));
            for f in QtcFormula::ALL {
                line(
                    &format!("QTc ({})", f.name()),
                    m.qtc.get(f).map(|v| format!("{:.0} ms", v.0)),
                );
            }
            line("P axis", m.axis.p.map(|v| format!("{:.0}°", v.0)));
            line("QRS axis", m.axis.qrs.map(|v| format!("{:.0}°", v.0)));
            line("T axis", m.axis.t.map(|v| format!("{:.0}°", v.0)));
        }
        let statements: Vec<&ecg::Statement> = self
            .statements
            .iter()
            .filter(|st| st.state != StatementState::Rejected)
            .collect();
        if !statements.is_empty() {
            s.push_str("Statements:\n");
            for st in statements {
                let state = match st.state {
                    StatementState::Confirmed => " (confirmed by clinician)",
                    StatementState::Edited => " (edited by clinician)",
                    _ => " (suggested, not reviewed)",
                };
                s.push_str(&format!("- {}{state}", st.text));
                if let Some(c) = &st.criterion {
                    s.push_str(&format!(" [{c}]"));
                }
                s.push('\n');
            }
        }
        if !self.annotations.is_empty() {
            s.push_str("Annotations by the user:\n");
            for a in &self.annotations {
                let lead = a
                    .lead
                    .as_ref()
                    .map(|l| format!(" lead {}", l.name()))
                    .unwrap_or_default();
                if a.duration_s > 0.0 {
                    s.push_str(&format!(
                        "- {:.2}-{:.2} s{lead}: {}\n",
                        a.onset_s,
                        a.end_s(),
                        a.text
                    ));
                } else {
                    s.push_str(&format!("- {:.2} s{lead}: {}\n", a.onset_s, a.text));
                }
            }
        }
        s
    }

    /// The system message of the grounded mode.
    pub fn system_message(&self) -> Message {
        Message::new(
            Role::System,
            format!(
                "You are assisting a cardiologist reading an ECG. You cannot see the tracing; use only the \
                 facts below, say when they are not enough, and do not invent measurements.\n\n{}",
                self.to_text()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartcaregpt_text_matches_the_v3_recipe() {
        assert_eq!(heartcaregpt_text(" Rate? "), "<|user|> Rate? <|assistant|>");
    }

    #[test]
    fn templates_are_detected_from_jinja_text() {
        assert_eq!(
            ChatTemplate::detect(Some("{{'<|im_start|>' + m}}"), "llama"),
            ChatTemplate::ChatMl
        );
        assert_eq!(
            ChatTemplate::detect(Some("<|im_start|>{% if enable_thinking %}"), "x"),
            ChatTemplate::Qwen3
        );
        assert_eq!(
            ChatTemplate::detect(Some("<|start_header_id|>"), "llama"),
            ChatTemplate::Llama3
        );
        assert_eq!(ChatTemplate::detect(None, "phi3"), ChatTemplate::Phi3);
        assert_eq!(ChatTemplate::detect(None, "llama"), ChatTemplate::Llama2);
    }

    #[test]
    fn phi3_template_opens_the_assistant_turn() {
        let m = [
            Message::new(Role::System, "S"),
            Message::new(Role::User, "Q"),
        ];
        assert_eq!(
            ChatTemplate::Phi3.render(&m),
            "<|system|>\nS<|end|>\n<|user|>\nQ<|end|>\n<|assistant|>\n"
        );
        assert_eq!(
            ChatTemplate::Qwen3.render(&m),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
        );
        assert_eq!(
            ChatTemplate::Llama2.render(&m),
            "[INST] <<SYS>>\nS\n<</SYS>>\n\nQ [/INST]"
        );
    }

    #[test]
    fn grounding_gives_an_age_counted_from_the_birth_date_in_whole_years() {
        let mut rec = Recording::new(vec![ecg::Lead::new(
            "II",
            500.0,
            ecg::Unit::Millivolt,
            ecg::Signal::from_physical(vec![0.0; 500]),
        )]);
        rec.patient.birth_date = ecg::Date::new(1953, 5, 8);
        rec.patient.sex = ecg::Sex::Male;
        rec.acquisition.start_time = Some(ecg::DateTime {
            date: ecg::Date::new(2002, 11, 22),
            time: ecg::TimeOfDay::new(9, 10, 0.0).unwrap(),
        });
        let t = Grounding::from_recording(&rec).to_text();
        assert!(t.contains("- patient: 49-year-old male"), "{t}");
    }

    #[test]
    fn grounding_names_the_qtc_formula_and_skips_rejected_statements() {
        let m = Measurements {
            hr: Some(ecg::Bpm(72.0)),
            qtc: ecg::QtcSet {
                fridericia: Some(ecg::Millis(431.0)),
                ..Default::default()
            },
            ..Default::default()
        };
        let mut rejected = ecg::Statement::from_device("Atrial fibrillation");
        rejected.state = StatementState::Rejected;
        let g = Grounding {
            leads: vec!["I".into(), "II".into()],
            duration_s: 10.0,
            sampling_rate_hz: 500.0,
            measurements: Some((m, "device".into())),
            statements: vec![ecg::Statement::from_device("Sinus rhythm"), rejected],
            annotations: vec![Annotation::point(
                2.5,
                ecg::AnnotationKind::Note,
                "ectopic?",
            )],
            ..Default::default()
        };
        let t = g.to_text();
        assert!(t.contains("- QTc (Fridericia): 431 ms"), "{t}");
        assert!(t.contains("- heart rate: 72 bpm"));
        assert!(t.contains("Sinus rhythm (suggested"));
        assert!(!t.contains("Atrial fibrillation"));
        assert!(t.contains("- 2.50 s: ectopic?"));
    }
}
