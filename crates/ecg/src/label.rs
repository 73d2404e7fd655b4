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

    /// Position in the standard 12-lead order, if this is one of the twelve.
    pub fn standard_index(&self) -> Option<usize> {
        Self::STANDARD_12.iter().position(|l| l == self)
    }
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
}
