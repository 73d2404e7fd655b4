//! Lead names: [`LeadLabel`] normalises the many spellings files use (`i`, `Lead I`, `MDC_ECG_LEAD_I`,
//! `avr`, `aVR`, `V1`, `vx`...) to one enum, keeping anything else as a free name.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A lead's standard identity, or its free name when it has none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
#[allow(missing_docs)] // the variant names are the lead names
pub enum LeadLabel {
    I,
    II,
    III,
    AVR,
    AVL,
    AVF,
    /// -aVR, used by the Cabrera display order.
    NegAVR,
    V1,
    V2,
    V3,
    V4,
    V5,
    V6,
    V7,
    V8,
    V9,
    V3R,
    V4R,
    V5R,
    /// Frank orthogonal leads.
    X,
    Y,
    Z,
    /// Modified limb lead II (MIT-BIH).
    MLII,
    /// Any other channel, with its name as written.
    Other(String),
}

impl LeadLabel {
    /// The twelve standard leads in conventional order.
    pub const STANDARD_12: [LeadLabel; 12] = [
        LeadLabel::I,
        LeadLabel::II,
        LeadLabel::III,
        LeadLabel::AVR,
        LeadLabel::AVL,
        LeadLabel::AVF,
        LeadLabel::V1,
        LeadLabel::V2,
        LeadLabel::V3,
        LeadLabel::V4,
        LeadLabel::V5,
        LeadLabel::V6,
    ];

    /// Normalises a lead name as written in a file. Never fails: unknown names become
    /// [`LeadLabel::Other`].
    pub fn parse(name: &str) -> LeadLabel {
        let raw = name.trim();
        let mut s = raw.to_ascii_uppercase().replace([' ', '_', '-', '.'], "");
        for prefix in ["MDCECGLEAD", "LEAD", "ECG"] {
            if let Some(rest) = s.strip_prefix(prefix)
                && !rest.is_empty()
            {
                // "ECG1", "ECG 2" on Holter and EDF channels number the channels; they are not
                // leads I and II.
                if prefix == "ECG" && rest.bytes().all(|b| b.is_ascii_digit()) {
                    return LeadLabel::Other(raw.to_string());
                }
                s = rest.to_string();
            }
        }
        // "-aVR" keeps its sign: the stripping above removed '-', so look at the raw text.
        let negative = raw.trim_start().starts_with('-');
        match s.as_str() {
            "I" | "1" => LeadLabel::I,
            "II" | "2" => LeadLabel::II,
            "III" | "3" => LeadLabel::III,
            "AVR" if negative => LeadLabel::NegAVR,
            "AVR" => LeadLabel::AVR,
            "AVL" => LeadLabel::AVL,
            "AVF" => LeadLabel::AVF,
            "NEGAVR" => LeadLabel::NegAVR,
            "V1" => LeadLabel::V1,
            "V2" => LeadLabel::V2,
            "V3" => LeadLabel::V3,
            "V4" => LeadLabel::V4,
            "V5" => LeadLabel::V5,
            "V6" => LeadLabel::V6,
            "V7" => LeadLabel::V7,
            "V8" => LeadLabel::V8,
            "V9" => LeadLabel::V9,
            "V3R" => LeadLabel::V3R,
            "V4R" => LeadLabel::V4R,
            "V5R" => LeadLabel::V5R,
            "X" | "VX" => LeadLabel::X,
            "Y" | "VY" => LeadLabel::Y,
            "Z" | "VZ" => LeadLabel::Z,
            "MLII" => LeadLabel::MLII,
            _ => LeadLabel::Other(raw.to_string()),
        }
    }

    /// The conventional display name (`I`, `aVR`, `V1`, `-aVR`, or the free name).
    pub fn name(&self) -> &str {
        match self {
            LeadLabel::I => "I",
            LeadLabel::II => "II",
            LeadLabel::III => "III",
            LeadLabel::AVR => "aVR",
            LeadLabel::AVL => "aVL",
            LeadLabel::AVF => "aVF",
            LeadLabel::NegAVR => "-aVR",
            LeadLabel::V1 => "V1",
            LeadLabel::V2 => "V2",
            LeadLabel::V3 => "V3",
            LeadLabel::V4 => "V4",
            LeadLabel::V5 => "V5",
            LeadLabel::V6 => "V6",
            LeadLabel::V7 => "V7",
            LeadLabel::V8 => "V8",
            LeadLabel::V9 => "V9",
            LeadLabel::V3R => "V3R",
            LeadLabel::V4R => "V4R",
            LeadLabel::V5R => "V5R",
            LeadLabel::X => "X",
            LeadLabel::Y => "Y",
            LeadLabel::Z => "Z",
            LeadLabel::MLII => "MLII",
            LeadLabel::Other(s) => s,
        }
    }

    /// What kind of non-ECG channel this label names, if it names one: an EEG electrode of
    /// the 10-20 system alone or as a pair (`Fp1`, `C3-A2`, `O1 M2`), or a channel whose type
    /// prefix or name says what it records, as EDF and polysomnography files write them (`EEG
    /// Fp1-Ref`, `EOG ROC`, `EMG Chin`, `Resp thorax`, `SpO2`, `Pleth`, `ABP`, a
    /// cardiotocograph's `UC`, ...), a fetal ECG (`FECG`: the adult criteria do not apply), or
    /// a generator's test waveform (`sine 8 Hz`, `squarewave`, `pink noise`). `None`
    /// for the ECG leads and for names that do not say (`ECG 1`, `ch1`, `V`, `MCL1`): a
    /// channel is taken for ECG unless its name says otherwise. Some monitors store
    /// respiration or plethysmography in millivolts, and EEG is in microvolts, so the unit
    /// cannot tell.
    pub fn non_ecg_kind(&self) -> Option<&'static str> {
        let LeadLabel::Other(raw) = self else {
            return None;
        };
        let upper = raw.trim().to_ascii_uppercase();
        let tokens: Vec<&str> = upper
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        let first = *tokens.first()?;
        let kind_of = |word: &str| -> Option<&'static str> {
            Some(match word {
                "EEG" => "EEG",
                "EOG" | "LOC" | "ROC" => "EOG",
                "EMG" | "CHIN" => "EMG",
                "RESP" | "RSP" | "RIP" | "RESPIRATION" | "BREATH" | "BREATHING" | "THOR"
                | "THORAX" | "THORACIC" | "ABDO" | "ABDOMEN" | "ABD" | "CHEST" | "FLOW"
                | "AIRFLOW" | "NASAL" | "CANNULA" | "THERM" | "THERMISTOR" | "SNORE" | "CO2"
                | "ETCO2" => "respiration",
                "SPO2" | "SAO2" | "PLETH" | "PPG" | "PULSE" | "OX" | "OXIMETRY" => {
                    "oximetry or pulse"
                }
                "ABP" | "ART" | "PAP" | "CVP" | "ICP" | "NBP" | "BP" | "UAP" | "LAP" => {
                    "blood pressure"
                }
                "TEMP" | "TEMPERATURE" => "temperature",
                "POS" | "POSITION" | "BODY" => "body position",
                "ACC" | "ACCX" | "ACCY" | "ACCZ" | "ACCEL" | "GYRO" | "MOTION" | "ACTIVITY" => {
                    "motion"
                }
                "EDA" | "GSR" => "skin conductance",
                "LIGHT" | "LUX" | "PHOTOSENSOR" | "EVENT" | "MARKER" | "TRIGGER" | "STATUS"
                | "ANNOTATIONS" => "marker",
                "EDF" | "BDF" if tokens.get(1) == Some(&"ANNOTATIONS") => "marker",
                "HR" | "HEARTRATE" | "FHR" => "heart rate",
                // A cardiotocograph's uterine activity, and a fetal ECG (a scalp electrode's):
                // adult criteria do not apply to it.
                "UC" | "TOCO" => "uterine activity",
                "FECG" | "FETAL" => "fetal ECG",
                _ => return None,
            })
        };
        // A type word may carry a channel number ("EMG1-EMG2", "EOG2").
        kind_of(first)
            .or_else(|| kind_of(first.trim_end_matches(|c: char| c.is_ascii_digit())))
            .or_else(|| is_eeg_montage(&tokens).then_some("EEG"))
            .or_else(|| is_test_waveform(&tokens).then_some("test signal"))
    }

    /// Position in the standard 12-lead order, if this is one of the twelve.
    pub fn standard_index(&self) -> Option<usize> {
        Self::STANDARD_12.iter().position(|l| l == self)
    }

    /// Sorts `leads` into the standard 12-lead order, any other leads after them in the order
    /// they had (a file may store I, II, V1-V6, then III, aVR, aVL, aVF).
    pub fn sort_standard(leads: &mut [LeadLabel]) {
        leads.sort_by_key(|l| l.standard_index().unwrap_or(usize::MAX));
    }

    /// Extra chest leads in their order around the chest: right-sided, then posterior.
    pub const EXTRA_CHEST: [LeadLabel; 6] = [
        LeadLabel::V5R,
        LeadLabel::V4R,
        LeadLabel::V3R,
        LeadLabel::V7,
        LeadLabel::V8,
        LeadLabel::V9,
    ];

    /// The leads a twelve-lead page shows for a recording holding `recorded`: `twelve` (the
    /// standard or Cabrera order), with each precordial slot whose lead was not recorded given
    /// to a recorded extra chest lead, both taken in order around the chest. This is how
    /// paediatric and right-sided protocols print: a Welch Allyn paediatric ECG (I, II, V3R,
    /// V1, V2, V4, V6, V7) shows V3R where V3 stands and V7 where V5 stands, rather than two
    /// empty cells and two recorded leads left off the page.
    pub fn page_twelve(twelve: &[LeadLabel; 12], recorded: &[LeadLabel]) -> [LeadLabel; 12] {
        let mut extras = Self::EXTRA_CHEST.iter().filter(|l| recorded.contains(l));
        let mut page = twelve.clone();
        let precordial = &Self::STANDARD_12[6..];
        for slot in page.iter_mut() {
            if precordial.contains(slot)
                && !recorded.contains(slot)
                && let Some(extra) = extras.next()
            {
                *slot = extra.clone();
            }
        }
        page
    }
}

/// Whether `tokens` (upper case) name a 10-20 EEG electrode, or a pair of them or one with
/// its reference (`C3 A2`, `FP1 REF`): letters of a scalp region and a number or `Z`. A
/// mastoid or ear reference (`A1`, `M2`) counts only beside an electrode: alone it could be
/// any channel's name.
fn is_eeg_montage(tokens: &[&str]) -> bool {
    fn electrode(t: &str, with_refs: bool) -> bool {
        let split = t.find(|c: char| c.is_ascii_digit() || c == 'Z');
        let Some(k) = split.filter(|&k| k > 0) else {
            return false;
        };
        let (region, place) = t.split_at(k);
        let regions: &[&str] = if with_refs {
            &[
                "FP", "AF", "F", "FC", "FT", "C", "CP", "T", "TP", "P", "PO", "O", "A", "M",
            ]
        } else {
            &[
                "FP", "AF", "F", "FC", "FT", "C", "CP", "T", "TP", "P", "PO", "O",
            ]
        };
        regions.contains(&region)
            && (place == "Z" || (place.len() <= 2 && place.bytes().all(|b| b.is_ascii_digit())))
    }
    match tokens {
        [one] => electrode(one, false),
        [a, b] => {
            electrode(a, false)
                && (electrode(b, true) || matches!(*b, "REF" | "AVG" | "AR" | "LE" | "CAR"))
        }
        _ => false,
    }
}

/// Whether `tokens` (upper case) name a generator's test waveform (`sine 8 Hz`, `squarewave`,
/// `pink noise`, `ramp 7Hz`), as EDF and BDF test files do, and not an ECG channel.
fn is_test_waveform(tokens: &[&str]) -> bool {
    const WAVEFORMS: [&str; 8] = [
        "SINE",
        "SINUSOID",
        "SQUARE",
        "SQUAREWAVE",
        "RAMP",
        "TRIANGLE",
        "SAWTOOTH",
        "NOISE",
    ];
    tokens.iter().any(|t| WAVEFORMS.contains(t))
        && !tokens.iter().any(|t| matches!(*t, "ECG" | "EKG"))
}

impl fmt::Display for LeadLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_gives_absent_precordial_slots_to_extra_chest_leads_in_order() {
        use LeadLabel::*;
        let paediatric = [I, II, V7, V3R, V1, V2, V4, V6];
        let page = LeadLabel::page_twelve(&LeadLabel::STANDARD_12, &paediatric);
        assert_eq!(page, [I, II, III, AVR, AVL, AVF, V1, V2, V3R, V4, V7, V6]);
        // A full set keeps its page; extras beyond the absent slots stay off it.
        let fifteen: Vec<_> = LeadLabel::STANDARD_12
            .iter()
            .cloned()
            .chain([V4R, V8, V9])
            .collect();
        assert_eq!(
            LeadLabel::page_twelve(&LeadLabel::STANDARD_12, &fifteen),
            LeadLabel::STANDARD_12
        );
        // Limb slots are never given away, and without extras nothing moves.
        assert_eq!(LeadLabel::page_twelve(&LeadLabel::STANDARD_12, &[V4R]), {
            let mut p = LeadLabel::STANDARD_12;
            p[6] = V4R;
            p
        });
        assert_eq!(
            LeadLabel::page_twelve(&LeadLabel::STANDARD_12, &[I, II]),
            LeadLabel::STANDARD_12
        );
    }

    #[test]
    fn file_spellings_normalise_to_standard_leads() {
        for (text, want) in [
            ("i", LeadLabel::I),
            ("Lead II", LeadLabel::II),
            ("MDC_ECG_LEAD_AVR", LeadLabel::AVR),
            ("avl", LeadLabel::AVL),
            ("aVF", LeadLabel::AVF),
            ("-aVR", LeadLabel::NegAVR),
            ("v6", LeadLabel::V6),
            ("vx", LeadLabel::X),
            ("MLII", LeadLabel::MLII),
            ("ECG V1", LeadLabel::V1),
        ] {
            assert_eq!(LeadLabel::parse(text), want, "{text}");
        }
        assert_eq!(LeadLabel::parse("PLETH"), LeadLabel::Other("PLETH".into()));
        // Holter channel numbers are not limb leads.
        assert_eq!(LeadLabel::parse("ECG1"), LeadLabel::Other("ECG1".into()));
        assert_eq!(LeadLabel::parse("ECG 2"), LeadLabel::Other("ECG 2".into()));
        assert_eq!(LeadLabel::AVR.name(), "aVR");
    }

    #[test]
    fn channels_named_for_other_signals_are_not_ecg() {
        for (text, kind) in [
            ("Fp1", "EEG"),
            ("EEG Fp1-Ref", "EEG"),
            ("C3-A2", "EEG"),
            ("O2 M1", "EEG"),
            ("Cz", "EEG"),
            ("EOG ROC-LOC", "EOG"),
            ("EMG Chin", "EMG"),
            ("Resp oro-nasal", "respiration"),
            ("RESP", "respiration"),
            ("RSP", "respiration"),
            ("UC", "uterine activity"),
            ("Photosensor", "marker"),
            ("FECG", "fetal ECG"),
            ("Fetal ECG", "fetal ECG"),
            ("SaO2", "oximetry or pulse"),
            ("PLETH", "oximetry or pulse"),
            ("ABP", "blood pressure"),
            ("Temp body", "temperature"),
            ("EDF Annotations", "marker"),
            ("EMG1-EMG2", "EMG"),
            ("EEG(sec)", "EEG"),
            ("THOR RES", "respiration"),
            ("squarewave", "test signal"),
            ("sine 8.5 Hz", "test signal"),
            ("pink noise", "test signal"),
            ("ramp 7Hz", "test signal"),
            ("square 13Hz", "test signal"),
        ] {
            assert_eq!(LeadLabel::parse(text).non_ecg_kind(), Some(kind), "{text}");
        }
        // ECG leads, and names that do not say what they record, are analysed as ECG.
        for text in [
            "II",
            "MLII",
            "V5",
            "ECG",
            "ECG 1",
            "ECG1-ECG2",
            "EXG1",
            "ECG II",
            "EKG",
            "V",
            "MCL1",
            "ch1",
            "A1",
            "M2",
            "sig 0, fmt 8",
            "Lead X",
            "CM5",
            "ECG noise",
            "Sinus",
        ] {
            assert_eq!(LeadLabel::parse(text).non_ecg_kind(), None, "{text}");
        }
    }
}
