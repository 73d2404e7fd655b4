//! Statement topics for comparing our interpretation with a device's (the second check of
//! issue #16): each statement, ours or a device's (English, and the Swedish and Italian
//! wordings of the sample files, or a PhysioNet/CinC 2021 SNOMED-CT code turned into text
//! by [`snomed_text`]), is mapped to findings under a topic (rhythm, rate class, AV
//! conduction, ...), and the two sides are compared topic by topic.
//!
//! A device's overall "normal ECG" (or "otherwise normal ECG") counts as a "normal" finding
//! in every topic the device states nothing else for, so a finding of ours there disagrees
//! with the device; without it a topic only one side speaks about is "device only" or
//! "ours only".

use std::fmt;

/// What a statement is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Topic {
    /// The underlying rhythm (sinus, atrial fibrillation, ...).
    Rhythm,
    /// Bradycardia / normal rate / tachycardia of a sinus rhythm.
    RateClass,
    /// Premature beats.
    Ectopy,
    /// AV conduction (PR, AV blocks, pre-excitation).
    AvConduction,
    /// Intraventricular conduction and QRS width (bundle-branch and fascicular blocks, IVCD).
    IvConduction,
    /// Frontal QRS axis.
    Axis,
    /// Chamber hypertrophy / enlargement and QRS voltage.
    Hypertrophy,
    /// Infarction, ST and T changes.
    InfarctStT,
    /// QT interval.
    Qt,
    /// Pacemaker.
    Pacing,
}

impl Topic {
    /// Every topic, in print order.
    pub const ALL: [Topic; 10] = [
        Topic::Rhythm,
        Topic::RateClass,
        Topic::Ectopy,
        Topic::AvConduction,
        Topic::IvConduction,
        Topic::Axis,
        Topic::Hypertrophy,
        Topic::InfarctStT,
        Topic::Qt,
        Topic::Pacing,
    ];

    /// The topic's name as printed.
    pub fn name(self) -> &'static str {
        match self {
            Topic::Rhythm => "rhythm",
            Topic::RateClass => "rate class",
            Topic::Ectopy => "premature beats",
            Topic::AvConduction => "AV conduction",
            Topic::IvConduction => "IV conduction / QRS width",
            Topic::Axis => "axis",
            Topic::Hypertrophy => "hypertrophy / voltage",
            Topic::InfarctStT => "infarct / ST / T",
            Topic::Qt => "QT",
            Topic::Pacing => "pacing",
        }
    }
}

/// How the two sides compare on one topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The same findings.
    Agree,
    /// Some findings in common, some not.
    Partly,
    /// Findings on both sides, none in common (or the device says normal and we do not).
    Disagree,
    /// Only the device states something.
    DeviceOnly,
    /// Only we state something (the device has no overall "normal").
    OursOnly,
    /// Neither side states anything.
    Neither,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Agree => "agree",
            Verdict::Partly => "partly",
            Verdict::Disagree => "disagree",
            Verdict::DeviceOnly => "device-only",
            Verdict::OursOnly => "ours-only",
            Verdict::Neither => "-",
        })
    }
}

/// One topic's comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicRow {
    /// The topic.
    pub topic: Topic,
    /// The device's findings ("normal" from an overall normal ECG).
    pub device: Vec<String>,
    /// Our findings.
    pub ours: Vec<String>,
    /// The verdict.
    pub verdict: Verdict,
}

/// The text of a PhysioNet/CinC 2021 SNOMED-CT diagnosis code (the Challenge's scored and
/// most frequent unscored classes), or `None` for a code not in the table.
pub fn snomed_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "426783006" => "Sinus rhythm",
        "426177001" => "Sinus bradycardia",
        "427084000" => "Sinus tachycardia",
        "427393009" => "Sinus arrhythmia",
        "164889003" => "Atrial fibrillation",
        "164890007" => "Atrial flutter",
        "284470004" => "Premature atrial contraction",
        "63593006" => "Supraventricular premature beats",
        "427172004" => "Premature ventricular contractions",
        "17338001" => "Ventricular premature beats",
        "270492004" => "1st degree AV block",
        "164947007" => "Prolonged PR interval",
        "27885002" => "Complete heart block",
        "698252002" => "Nonspecific intraventricular conduction disorder",
        "713427006" => "Complete right bundle branch block",
        "59118001" => "Right bundle branch block",
        "713426002" => "Incomplete right bundle branch block",
        "733534002" => "Complete left bundle branch block",
        "164909002" => "Left bundle branch block",
        "251120003" => "Incomplete left bundle branch block",
        "445118002" => "Left anterior fascicular block",
        "39732003" => "Left axis deviation",
        "47665007" => "Right axis deviation",
        "164873001" => "Left ventricular hypertrophy",
        "89792004" => "Right ventricular hypertrophy",
        "67741000119109" => "Left atrial enlargement",
        "446358003" => "Right atrial abnormality",
        "251146004" => "Low QRS voltages",
        "164934002" => "T wave abnormal",
        "59931005" => "T wave inversion",
        "55930002" => "ST changes",
        "164931005" => "ST elevation",
        "429622005" => "ST depression",
        "164917005" => "Q wave abnormal",
        "111975006" => "Prolonged QT interval",
        "10370003" => "Pacing rhythm",
        _ => return None,
    })
}

/// Whether a device statement is an overall "normal ECG" (also "otherwise normal").
pub fn is_overall_normal(text: &str) -> bool {
    let t = text.to_lowercase();
    let normal = [
        "normal ecg",
        "ecg normale",
        "normalt ekg",
        "normal ekg",
        "ecg within normal limits",
    ]
    .iter()
    .any(|k| t.contains(k));
    normal && !t.contains("abnormal") && !t.contains("borderline")
}

/// The topics and findings of one statement (ours or a device's); empty for statements
/// about none of the topics (overall severity, comparison with an earlier ECG, quality).
pub fn findings(text: &str) -> Vec<(Topic, String)> {
    let t = without_negations(&text.to_lowercase());
    let has = |k: &str| t.contains(k);
    let any = |ks: &[&str]| ks.iter().any(|k| t.contains(k));
    let mut out: Vec<(Topic, String)> = Vec::new();
    let mut push = |topic: Topic, f: &str| {
        if !out.iter().any(|(tp, x)| *tp == topic && x == f) {
            out.push((topic, f.to_string()));
        }
    };

    // Rhythm and rate class.
    let sinus = any(&["sinus", "sinusrytm", "sinusal"]);
    let sinus_arrhythmia = has("sinus arrhythmia") || has("sinusarytmi");
    if sinus && !has("sinus node") {
        push(Topic::Rhythm, "sinus");
        if sinus_arrhythmia {
            push(Topic::Rhythm, "sinus arrhythmia");
        }
        if any(&["bradycard", "bradykardi", "bradicardia"]) {
            push(Topic::RateClass, "bradycardia");
        } else if any(&["tachycard", "takykardi", "tachicardia"]) {
            push(Topic::RateClass, "tachycardia");
        } else if !sinus_arrhythmia {
            push(Topic::RateClass, "normal rate");
        }
    }
    if any(&[
        "atrial fibrillation",
        "förmaksflimmer",
        "fibrillazione atriale",
    ]) {
        push(Topic::Rhythm, "atrial fibrillation");
    }
    if any(&["atrial flutter", "förmaksfladder", "flutter atriale"]) {
        push(Topic::Rhythm, "atrial flutter");
    }
    if any(&["ectopic atrial rhythm", "ektopisk förmaksrytm"]) {
        push(Topic::Rhythm, "ectopic atrial rhythm");
    }
    if any(&[
        "junctional rhythm",
        "nodal rhythm",
        "junctional tachycardia",
    ]) {
        push(Topic::Rhythm, "junctional rhythm");
    }
    if any(&["wandering atrial pacemaker", "wandering pacemaker"]) {
        push(Topic::Rhythm, "wandering atrial pacemaker");
    }
    if any(&["multifocal atrial tachycardia", "chaotic atrial"]) {
        push(Topic::Rhythm, "multifocal atrial tachycardia");
    }
    if has("undetermined rhythm") {
        push(Topic::Rhythm, "undetermined");
    }

    // Premature beats.
    if any(&[
        "atrial premature",
        "premature atrial",
        "supraventricular premature",
        "supraventricular extrasystole",
        "atrial extrasystole",
        "supraventrikulär extrasystol",
    ]) {
        push(Topic::Ectopy, "supraventricular");
    }
    if any(&[
        "ventricular premature",
        "premature ventricular",
        "ventricular couplet",
        "ventricular extrasystole",
        "ventrikulär extrasystol",
    ]) && !has("supraventricular premature")
    {
        push(Topic::Ectopy, "ventricular");
    }

    // AV conduction.
    if any(&[
        "first-degree av block",
        "1st degree av block",
        "1st degree a-v block",
        "first degree av block",
        "prolonged pr",
        "av-block i ",
        "av-block grad i",
    ]) {
        push(Topic::AvConduction, "first-degree AV block");
    }
    if any(&[
        "second-degree",
        "2nd degree",
        "mobitz",
        "wenckebach",
        "2:1 av block",
    ]) {
        push(Topic::AvConduction, "second-degree AV block");
    }
    if any(&["advanced (high-grade) av block"]) {
        push(Topic::AvConduction, "advanced AV block");
    }
    if any(&[
        "third-degree",
        "3rd degree",
        "complete av block",
        "complete heart block",
    ]) {
        push(Topic::AvConduction, "third-degree AV block");
    }
    if has("short pr") {
        push(Topic::AvConduction, "short PR");
    }
    if any(&["pre-excitation", "preexcitation", "wpw", "wolff"]) {
        push(Topic::AvConduction, "pre-excitation");
    }

    // Intraventricular conduction.
    let incomplete = has("incomplete");
    if any(&["right bundle branch block", "rbbb", "högergrenblock"]) {
        push(
            Topic::IvConduction,
            if incomplete {
                "incomplete RBBB"
            } else {
                "complete RBBB"
            },
        );
    }
    if any(&["left bundle branch block", "lbbb", "vänstergrenblock"]) {
        push(
            Topic::IvConduction,
            if incomplete {
                "incomplete LBBB"
            } else {
                "complete LBBB"
            },
        );
    }
    if any(&["left anterior fascicular block", "left anterior hemiblock"]) {
        push(Topic::IvConduction, "left anterior fascicular block");
    }
    if any(&[
        "left posterior fascicular block",
        "left posterior hemiblock",
    ]) {
        push(Topic::IvConduction, "left posterior fascicular block");
    }
    if any(&[
        "intraventricular conduction delay",
        "intraventricular conduction disorder",
        "ivcd",
        "intraventrikulärt ledningshinder",
    ]) {
        push(Topic::IvConduction, "non-specific IVCD");
    }

    // Axis (the QRS axis; "normal P axis" is a rhythm criterion).
    if has("left axis deviation") || has("vänsterställd el") {
        push(Topic::Axis, "left axis deviation");
    }
    if has("right axis deviation") || has("högerställd el") {
        push(Topic::Axis, "right axis deviation");
    }
    if any(&["extreme axis", "northwest axis", "indeterminate axis"]) {
        push(Topic::Axis, "extreme axis");
    }

    // Hypertrophy and voltage.
    if any(&[
        "left ventricular hypertrophy",
        "lvh",
        "vänsterkammarhypertrofi",
    ]) {
        push(Topic::Hypertrophy, "LVH");
    }
    if any(&[
        "right ventricular hypertrophy",
        "rvh",
        "högerkammarhypertrofi",
    ]) {
        push(Topic::Hypertrophy, "RVH");
    }
    if any(&[
        "left atrial abnormality",
        "left atrial enlargement",
        "left atrial overload",
    ]) {
        push(Topic::Hypertrophy, "left atrial abnormality");
    }
    if any(&[
        "right atrial abnormality",
        "right atrial enlargement",
        "right atrial overload",
    ]) {
        push(Topic::Hypertrophy, "right atrial abnormality");
    }
    if any(&["low qrs voltage", "low voltage", "låg amplitud"]) {
        push(Topic::Hypertrophy, "low QRS voltage");
    }
    if any(&["tall p", "high p-amplitude", "hög p-amplitud"]) {
        push(Topic::Hypertrophy, "tall P wave");
    }

    // Infarct, ST, T. "Acute" infarcts are Q waves / infarction and ST elevation.
    let territory = territory(&t);
    let with_territory = |kind: &str| match territory {
        Some(tr) => format!("{kind} ({tr})"),
        None => kind.to_string(),
    };
    let acute = any(&[
        "acute mi",
        "acute infarct",
        "infarct, acute",
        "acute infarction",
    ]);
    if any(&[
        "infarct",
        "pathological q",
        "q wave abnormal",
        "myocardial infarction",
    ]) {
        push(Topic::InfarctStT, &with_territory("infarct / Q waves"));
    }
    if acute
        || any(&[
            "st elevation",
            "st-elevation",
            "injury",
            "st-höjning",
            "acute myocardial ischaemia",
        ])
    {
        push(Topic::InfarctStT, &with_territory("ST elevation"));
    }
    if any(&["st depression", "st-sänkning"]) {
        push(Topic::InfarctStT, &with_territory("ST depression"));
    }
    if any(&["st changes", "st-t", "nonspecific st", "st abnormal"]) {
        push(Topic::InfarctStT, &with_territory("ST-T change"));
    }
    if any(&[
        "t wave abnormal",
        "t-wave abnormal",
        "t wave inversion",
        "t-wave inversion",
        "t-vågsförändring",
        "ischemia",
    ]) {
        push(Topic::InfarctStT, &with_territory("T wave"));
    }

    if any(&[
        "early repolarisation",
        "early repolarization",
        "tidig repolarisation",
    ]) {
        push(Topic::InfarctStT, "early repolarisation");
    }
    if any(&["r-wave progression", "r wave progression"]) {
        push(Topic::InfarctStT, "R-wave progression");
    }

    // QT.
    if any(&["long qt", "prolonged qt", "qt prolong", "long qtc"]) {
        push(Topic::Qt, "long QT");
    }
    if has("short qt") {
        push(Topic::Qt, "short QT");
    }

    // Pacing (a wandering atrial pacemaker is a rhythm, not a device).
    if any(&["paced", "pacemaker", "pacing"]) && !any(&["wandering", "ectopic pacemaker"]) {
        push(Topic::Pacing, "paced");
    }
    out
}

/// The text without its negated clauses ("QRSd >115mS, not LBBB/RBBB": a criterion saying
/// what the finding is not): from each "not " to the next comma, bracket or the end.
fn without_negations(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(i) = rest.find("not ") {
        let at_word = i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric();
        if !at_word {
            out.push_str(&rest[..i + 4]);
            rest = &rest[i + 4..];
            continue;
        }
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find([',', ')', ']', ';']).unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A statement's territory (inferior, lateral, ...) when it names one.
fn territory(t: &str) -> Option<&'static str> {
    let table: [(&[&str], &'static str); 7] = [
        (
            &["infero-lateral", "inferolateral", "infero-latera"],
            "inferolateral",
        ),
        (&["anteroseptal"], "anteroseptal"),
        (&["anterolateral"], "anterolateral"),
        (&["inferior"], "inferior"),
        (&["anterior"], "anterior"),
        (&["septal"], "septal"),
        (&["lateral"], "lateral"),
    ];
    table
        .iter()
        .find(|(ks, _)| ks.iter().any(|k| t.contains(k)))
        .map(|(_, name)| *name)
}

/// The kind of a finding: its text before any " (territory)".
fn kind(f: &str) -> &str {
    f.split(" (").next().unwrap_or(f)
}

/// Whether finding kind `a` is met by kind `b`: the same kind, or a generic "ST-T change"
/// against any ST or T finding.
fn kinds_match(a: &str, b: &str) -> bool {
    const ST_T: [&str; 3] = ["ST elevation", "ST depression", "T wave"];
    a == b || (a == "ST-T change" && ST_T.contains(&b)) || (b == "ST-T change" && ST_T.contains(&a))
}

/// Compares a device's statements with ours, topic by topic (every topic of [`Topic::ALL`]).
pub fn compare(device: &[&str], ours: &[&str]) -> Vec<TopicRow> {
    let overall_normal = device.iter().any(|t| is_overall_normal(t));
    let gather = |texts: &[&str], topic: Topic| -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for t in texts {
            for (tp, f) in findings(t) {
                if tp == topic && !v.contains(&f) {
                    v.push(f);
                }
            }
        }
        v
    };
    Topic::ALL
        .iter()
        .map(|&topic| {
            let mut d = gather(device, topic);
            let o = gather(ours, topic);
            let device_normal = d.is_empty() && overall_normal;
            if device_normal {
                d.push("normal".to_string());
            }
            let verdict = match (d.is_empty(), o.is_empty()) {
                (true, true) => Verdict::Neither,
                (false, true) if device_normal => Verdict::Agree,
                (false, true) => Verdict::DeviceOnly,
                (true, false) => Verdict::OursOnly,
                (false, false) if device_normal => Verdict::Disagree,
                (false, false) => {
                    let dk: Vec<&str> = d.iter().map(|f| kind(f)).collect();
                    let ok: Vec<&str> = o.iter().map(|f| kind(f)).collect();
                    let met = |k: &&str, by: &[&str]| by.iter().any(|b| kinds_match(k, b));
                    let common = dk.iter().filter(|k| met(k, &ok)).count();
                    let same = dk.iter().all(|k| met(k, &ok)) && ok.iter().all(|k| met(k, &dk));
                    if same {
                        Verdict::Agree
                    } else if common > 0 {
                        Verdict::Partly
                    } else {
                        Verdict::Disagree
                    }
                }
            };
            TopicRow {
                topic,
                device: d,
                ours: o,
                verdict,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(rows: &[TopicRow], topic: Topic) -> &TopicRow {
        rows.iter().find(|r| r.topic == topic).expect("every topic")
    }

    #[test]
    fn philips_acute_inferior_infarct_agrees_with_our_inferior_q_and_st_elevation() {
        let device = [
            "Sinus bradycardia (rate< 50)",
            "Nonspecific intraventricular conduction delay (QRSd >115mS, not LBBB/RBBB)",
            "Inferior infarct, acute (LCx) (ST>0.10mV, II III aVF, STd V1-V3)",
            ">>> Acute MI <<<",
        ];
        let ours = [
            "Sinus bradycardia",
            "Pathological Q waves, inferior (II, III, aVF)",
            "ST elevation, inferior (II, III, aVF)",
        ];
        let rows = compare(&device, &ours);
        assert_eq!(row(&rows, Topic::Rhythm).verdict, Verdict::Agree);
        assert_eq!(row(&rows, Topic::RateClass).verdict, Verdict::Agree);
        assert_eq!(row(&rows, Topic::IvConduction).verdict, Verdict::DeviceOnly);
        let st = row(&rows, Topic::InfarctStT);
        assert!(
            st.device
                .contains(&"infarct / Q waves (inferior)".to_string())
        );
        assert!(st.device.contains(&"ST elevation (inferior)".to_string()));
        // The device's STd V1-V3 is a criterion ("STd"), not a statement of its own.
        assert_eq!(st.verdict, Verdict::Agree, "{st:?}");
        assert_eq!(row(&rows, Topic::Pacing).verdict, Verdict::Neither);
    }

    #[test]
    fn early_repolarisation_and_a_wandering_pacemaker_are_read_in_either_spelling() {
        let device = [
            "Sinus rhythm with wandering atrial pacemaker",
            "Early repolarization pattern",
        ];
        let ours = ["Wandering atrial pacemaker", "Early repolarisation pattern"];
        let rows = compare(&device, &ours);
        let rhythm = row(&rows, Topic::Rhythm);
        assert!(
            rhythm
                .device
                .contains(&"wandering atrial pacemaker".to_string())
        );
        assert!(
            rhythm
                .ours
                .contains(&"wandering atrial pacemaker".to_string())
        );
        // Not a pacing device.
        assert_eq!(row(&rows, Topic::Pacing).verdict, Verdict::Neither);
        let st = row(&rows, Topic::InfarctStT);
        assert_eq!(st.device, ["early repolarisation"]);
        assert_eq!(st.verdict, Verdict::Agree, "{st:?}");
        assert_eq!(
            findings("Multifocal atrial tachycardia"),
            [(Topic::Rhythm, "multifocal atrial tachycardia".to_string())]
        );
    }

    #[test]
    fn an_overall_normal_ecg_makes_our_findings_disagree_and_our_silence_agree() {
        let device = ["RITMO SINUSALE", "ECG NORMALE"];
        let ours = ["Sinus rhythm", "Left axis deviation"];
        let rows = compare(&device, &ours);
        assert_eq!(row(&rows, Topic::Rhythm).verdict, Verdict::Agree);
        assert_eq!(row(&rows, Topic::RateClass).verdict, Verdict::Agree);
        assert_eq!(row(&rows, Topic::Axis).verdict, Verdict::Disagree);
        assert_eq!(row(&rows, Topic::Axis).device, vec!["normal".to_string()]);
        assert_eq!(row(&rows, Topic::Hypertrophy).verdict, Verdict::Agree);
        assert!(!is_overall_normal("Abnormal ECG"));
        assert!(is_overall_normal("- OTHERWISE NORMAL ECG -"));
    }

    #[test]
    fn findings_separate_rate_rhythm_and_conduction() {
        assert_eq!(
            findings("Sinus tachycardia"),
            vec![
                (Topic::Rhythm, "sinus".to_string()),
                (Topic::RateClass, "tachycardia".to_string())
            ]
        );
        assert_eq!(
            findings("Incomplete right bundle branch block"),
            vec![(Topic::IvConduction, "incomplete RBBB".to_string())]
        );
        assert_eq!(
            findings("Sinus rhythm (normal P axis, V-rate 50-99)"),
            vec![
                (Topic::Rhythm, "sinus".to_string()),
                (Topic::RateClass, "normal rate".to_string())
            ]
        );
        assert!(findings("When compared with ECG of").is_empty());
        assert!(findings("Abnormal ECG").is_empty());
        let rows = compare(
            &["Sinus rhythm", "Premature atrial contraction"],
            &["Sinus rhythm", "Ventricular premature complexes: 1"],
        );
        assert_eq!(row(&rows, Topic::Ectopy).verdict, Verdict::Disagree);
    }

    #[test]
    fn a_negated_criterion_is_no_finding() {
        assert_eq!(
            findings("Nonspecific intraventricular conduction delay, QRSd >115mS, not LBBB/RBBB"),
            vec![(Topic::IvConduction, "non-specific IVCD".to_string())]
        );
        assert_eq!(
            findings("Complete left bundle branch block"),
            vec![(Topic::IvConduction, "complete LBBB".to_string())]
        );
    }

    #[test]
    fn a_generic_st_change_label_is_met_by_any_st_or_t_finding() {
        let rows = compare(
            &["ST changes"],
            &[
                "ST depression, anterolateral (I, V4, V5, V6)",
                "T-wave inversion, lateral (I, V5, V6)",
            ],
        );
        assert_eq!(row(&rows, Topic::InfarctStT).verdict, Verdict::Agree);
        let rows = compare(
            &["ST elevation"],
            &["T-wave inversion, lateral (I, V5, V6)"],
        );
        assert_eq!(row(&rows, Topic::InfarctStT).verdict, Verdict::Disagree);
    }

    #[test]
    fn swedish_and_italian_device_wordings_are_read() {
        let rows = compare(
            &[
                "sinusrytm",
                "AV-block I (begränsad)",
                "fynd sannolikt utan patologisk signifikans",
            ],
            &["Sinus rhythm"],
        );
        assert_eq!(row(&rows, Topic::Rhythm).verdict, Verdict::Agree);
        assert_eq!(row(&rows, Topic::AvConduction).verdict, Verdict::DeviceOnly);
        assert_eq!(row(&rows, Topic::Axis).verdict, Verdict::Neither);
        let rows = compare(
            &[
                "sinusrytm (långsam)",
                "hög P-amplitud",
                "normal EKG-variant",
            ],
            &["Sinus rhythm"],
        );
        assert_eq!(
            row(&rows, Topic::Hypertrophy).device,
            vec!["tall P wave".to_string()]
        );
        assert_eq!(row(&rows, Topic::Hypertrophy).verdict, Verdict::DeviceOnly);
        assert_eq!(row(&rows, Topic::Qt).verdict, Verdict::Agree);
        assert_eq!(
            findings("RITMO SINUSALE"),
            vec![
                (Topic::Rhythm, "sinus".to_string()),
                (Topic::RateClass, "normal rate".to_string())
            ]
        );
    }

    #[test]
    fn snomed_codes_read_as_statements() {
        let texts: Vec<&str> = ["284470004", "427084000", "698252002", "55930002"]
            .iter()
            .filter_map(|c| snomed_text(c))
            .collect();
        assert_eq!(texts.len(), 4);
        let rows = compare(&texts, &["Sinus tachycardia"]);
        assert_eq!(row(&rows, Topic::RateClass).verdict, Verdict::Agree);
        assert_eq!(row(&rows, Topic::IvConduction).verdict, Verdict::DeviceOnly);
        assert_eq!(row(&rows, Topic::InfarctStT).verdict, Verdict::DeviceOnly);
        assert_eq!(snomed_text("0"), None);
    }
}
