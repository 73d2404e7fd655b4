//! Claim check on hand-written answers: every status, every claim family, negation, ranges,
//! reference values and things that are not claims. Each case lists exactly the claims expected,
//! as (text, status, a piece of the fact).

use ecg::{
    Annotation, AnnotationKind, Axis, Bpm, Degrees, Measurements, Millis, QtcSet, Statement,
    StatementState,
};
use reading::claims::{Claim, ClaimStatus, Facts, check, summary};

use ClaimStatus::{Contradicted as C, NotInFacts as N, Supported as S};

fn statement(text: &str, criterion: Option<&str>, state: StatementState) -> Statement {
    let mut s = Statement::from_device(text);
    s.criterion = criterion.map(str::to_string);
    s.state = state;
    s
}

/// A 12-lead, 10-s tracing at 61 bpm in sinus rhythm with LVH (confirmed), an incomplete RBBB the
/// clinician rejected and a user's "PVC" note at 2.50 s.
fn facts() -> Facts {
    Facts {
        measurements: Some(Measurements {
            hr: Some(Bpm(61.2)),
            rr: Some(Millis(984.0)),
            pr: Some(Millis(160.0)),
            qrs: Some(Millis(92.0)),
            qt: Some(Millis(400.0)),
            qtc: QtcSet {
                bazett: Some(Millis(403.0)),
                fridericia: Some(Millis(402.0)),
                framingham: Some(Millis(402.5)),
                hodges: Some(Millis(402.0)),
            },
            axis: Axis {
                p: Some(Degrees(50.0)),
                qrs: Some(Degrees(45.0)),
                t: Some(Degrees(40.0)),
            },
            ..Default::default()
        }),
        statements: vec![
            statement(
                "Sinus rhythm",
                Some("P before 100% of QRS, rate 61 bpm (60-100)"),
                StatementState::Suggested,
            ),
            statement(
                "Left ventricular hypertrophy by voltage criteria",
                Some("Sokolow-Lyon S(V1)+R(V5/V6) 3.62 mV >= 3.5"),
                StatementState::Confirmed,
            ),
            statement(
                "Incomplete right bundle branch block",
                Some("QRS 112 ms, terminal R/R' in V1 (110-119 ms)"),
                StatementState::Rejected,
            ),
        ],
        annotations: vec![Annotation::point(2.5, AnnotationKind::Note, "PVC")],
        leads: Some(12),
        duration_s: Some(10.0),
        sampling_rate_hz: Some(500.0),
        age_years: Some(64.0),
    }
}

/// [`facts`] at `hr` /min with the QTc of Bazett, Fridericia, Framingham and Hodges (ms).
fn facts_at(hr: f64, [bazett, fridericia, framingham, hodges]: [f64; 4]) -> Facts {
    let mut f = facts();
    let m = f.measurements.as_mut().unwrap();
    m.hr = Some(Bpm(hr));
    m.qtc = QtcSet {
        bazett: Some(Millis(bazett)),
        fridericia: Some(Millis(fridericia)),
        framingham: Some(Millis(framingham)),
        hodges: Some(Millis(hodges)),
    };
    f
}

fn expect_with(facts: &Facts, answer: &str, want: &[(&str, ClaimStatus, &str)]) {
    let got = check(answer, facts);
    let show = |c: &[Claim]| {
        c.iter()
            .map(|c| format!("  {:?} {:?} {:?}", c.text, c.status, c.fact))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        got.len(),
        want.len(),
        "answer: {answer}\nexpected:\n{want:#?}\nactual:\n{}",
        show(&got)
    );
    for (c, (text, status, fact)) in got.iter().zip(want) {
        assert_eq!(
            (c.text.as_str(), c.status),
            (*text, *status),
            "answer: {answer}\nactual:\n{}",
            show(&got)
        );
        assert_eq!(&answer[c.start..c.end], c.text);
        match c.fact.as_deref() {
            Some(f) => assert!(f.contains(fact), "fact {f:?} lacks {fact:?} in: {answer}"),
            None => assert!(fact.is_empty(), "no fact for {:?} in: {answer}", c.text),
        }
    }
}

fn expect(answer: &str, want: &[(&str, ClaimStatus, &str)]) {
    expect_with(&facts(), answer, want);
}

#[test]
fn the_issue_example_102_bpm_is_contradicted_by_the_measured_61() {
    expect(
        "The heart rate is approximately 102 bpm.",
        &[(
            "heart rate is approximately 102 bpm",
            C,
            "measured heart rate 61 bpm",
        )],
    );
}

#[test]
fn rates_within_five_bpm_are_supported_and_beyond_are_contradicted() {
    expect(
        "The heart rate is 61 bpm.",
        &[("heart rate is 61 bpm", S, "61 bpm")],
    );
    expect("Heart rate: 65 bpm", &[("Heart rate: 65 bpm", S, "61")]);
    expect("The rate is 67 bpm.", &[("rate is 67 bpm", C, "61")]);
    expect(
        "It beats at 61 beats per minute.",
        &[("61 beats per minute", S, "61")],
    );
}

#[test]
fn ranges_and_bounds_are_claims_unless_they_are_reference_values() {
    expect(
        "The rate is between 95 and 105 bpm.",
        &[("rate is between 95 and 105 bpm", C, "61")],
    );
    expect(
        "The ventricular rate is 58-65 bpm.",
        &[("ventricular rate is 58-65 bpm", S, "61")],
    );
    expect(
        "The heart rate is above 100 bpm.",
        &[("heart rate is above 100 bpm", C, "61")],
    );
    expect(
        "The heart rate is less than 100 bpm.",
        &[("heart rate is less than 100 bpm", S, "61")],
    );
    expect("A normal heart rate is 60-100 bpm.", &[]);
    expect("A normal QRS is less than 120 ms.", &[]);
}

#[test]
fn intervals_are_checked_within_ten_ms_and_seconds_are_converted() {
    expect(
        "The PR interval is 160 ms and the QRS duration is 100 ms.",
        &[
            ("PR interval is 160 ms", S, "measured PR 160 ms"),
            ("QRS duration is 100 ms", S, "measured QRS 92 ms"),
        ],
    );
    expect(
        "The PR interval is 0.24 s.",
        &[("PR interval is 0.24 s", C, "measured PR 160 ms")],
    );
    expect("QRS 130 ms.", &[("QRS 130 ms", C, "measured QRS 92 ms")]);
    expect(
        "The QT interval is 400 msec.",
        &[("QT interval is 400 msec", S, "QT 400")],
    );
    expect(
        "a 160 ms PR interval",
        &[("160 ms", S, "measured PR 160 ms")],
    );
}

#[test]
fn qtc_is_checked_against_the_named_formula_or_any_formula() {
    expect(
        "The QTc (Bazett) is 403 ms.",
        &[("QTc (Bazett) is 403 ms", S, "Bazett) 403")],
    );
    expect(
        "QTc by Fridericia is 460 ms.",
        &[("QTc by Fridericia is 460 ms", C, "QTc (Fridericia) 402 ms")],
    );
    expect(
        "The QTc is 480 ms.",
        &[(
            "QTc is 480 ms",
            C,
            "measured QTc Bazett 403 ms, Fridericia 402 ms",
        )],
    );
    expect("QTc 410 ms.", &[("QTc 410 ms", S, "403")]);
}

#[test]
fn axes_are_checked_within_ten_degrees() {
    expect(
        "The QRS axis is +45°.",
        &[("QRS axis is +45°", S, "measured QRS axis 45°")],
    );
    expect(
        "The axis is -60 degrees.",
        &[("axis is -60 degrees", C, "measured QRS axis 45°")],
    );
    expect(
        "P axis 52°, T axis 120°.",
        &[
            ("P axis 52°", S, "P axis 50°"),
            ("T axis 120°", C, "T axis 40°"),
        ],
    );
}

#[test]
fn rhythms_are_checked_against_rhythm_statements_and_the_rate() {
    expect(
        "The rhythm is atrial fibrillation.",
        &[(
            "atrial fibrillation",
            C,
            "statement \"Sinus rhythm\" (suggested, not reviewed)",
        )],
    );
    expect(
        "Normal sinus rhythm.",
        &[("Normal sinus rhythm", S, "Sinus rhythm")],
    );
    expect(
        "Sinus bradycardia.",
        &[("Sinus bradycardia", C, "Sinus rhythm")],
    );
    expect("Bradycardia.", &[("Bradycardia", C, "Sinus rhythm")]);
    let mut no_statements = facts();
    no_statements.statements.clear();
    expect_with(
        &no_statements,
        "Bradycardia.",
        &[("Bradycardia", C, "measured heart rate 61 bpm")],
    );
    expect_with(
        &no_statements,
        "Sinus bradycardia.",
        &[("Sinus bradycardia", C, "measured heart rate 61 bpm")],
    );
    expect(
        "The ECG shows sinus rhythm at 61 bpm.",
        &[("sinus rhythm", S, "Sinus rhythm"), ("61 bpm", S, "61")],
    );
}

#[test]
fn a_childs_rate_and_bundle_branch_claims_are_judged_by_the_ages_bounds() {
    // No statements: the measurements decide, by the bounds the statements use for the age.
    let aged = |age: f64, hr: f64, qrs: f64| {
        let mut f = facts();
        f.statements.clear();
        f.age_years = Some(age);
        let m = f.measurements.as_mut().unwrap();
        m.hr = Some(Bpm(hr));
        m.qrs = Some(Millis(qrs));
        f
    };
    // (age, rate, QRS, answer, status, fact): 110/min is tachycardia at 30 years (and too fast
    // for a wandering pacemaker), inside an 8-year-old's 60-120; a QRS of 96 ms is too short for a complete block in an adult (120,
    // less 10), not at 10 years (> 100, less 10), where it rests on the statements.
    let rbbb = "Complete right bundle branch block";
    let wap = "Wandering atrial pacemaker";
    for (age, hr, qrs, answer, status, fact) in [
        (
            30.0,
            110.0,
            92.0,
            "Tachycardia",
            S,
            "measured heart rate 110 bpm",
        ),
        (
            8.0,
            110.0,
            92.0,
            "Tachycardia",
            C,
            "measured heart rate 110 bpm",
        ),
        (
            8.0,
            130.0,
            92.0,
            "Tachycardia",
            S,
            "measured heart rate 130 bpm",
        ),
        (30.0, 110.0, 92.0, wap, C, "measured heart rate 110 bpm"),
        (8.0, 110.0, 92.0, wap, N, ""),
        (64.0, 70.0, 96.0, rbbb, C, "measured QRS 96 ms"),
        (10.0, 70.0, 96.0, rbbb, N, ""),
        (10.0, 70.0, 84.0, rbbb, C, "measured QRS 84 ms"),
    ] {
        expect_with(
            &aged(age, hr, qrs),
            &format!("{answer}."),
            &[(answer, status, fact)],
        );
    }
}

#[test]
fn negated_findings_are_judged_the_other_way_round() {
    expect(
        "There is no atrial fibrillation.",
        &[("atrial fibrillation", S, "Sinus rhythm")],
    );
    expect(
        "No left ventricular hypertrophy.",
        &[(
            "left ventricular hypertrophy",
            C,
            "(confirmed by the clinician)",
        )],
    );
    expect(
        "Tachycardia is not present.",
        &[("Tachycardia", S, "Sinus rhythm")],
    );
    expect(
        "No first-degree AV block.",
        &[("first-degree AV block", S, "measured PR 160 ms")],
    );
    expect("No AV block.", &[("AV block", N, "")]);
    expect(
        "The ECG is not a definitive diagnosis of atrial fibrillation.",
        &[("atrial fibrillation", C, "Sinus rhythm")],
    );
    expect(
        "No ST depression, but atrial flutter.",
        &[
            ("ST depression", N, ""),
            ("atrial flutter", C, "Sinus rhythm"),
        ],
    );
}

#[test]
fn a_negated_finding_that_is_in_the_statements_is_contradicted() {
    let mut f = facts();
    f.statements.push(statement(
        "Third-degree (complete) AV block",
        None,
        StatementState::Confirmed,
    ));
    expect_with(
        &f,
        "No AV block is seen.",
        &[("AV block", C, "Third-degree (complete) AV block")],
    );
    expect_with(
        &f,
        "There is a first degree AV block.",
        &[("first degree AV block", C, "Third-degree")],
    );
    expect_with(
        &f,
        "Complete heart block.",
        &[("Complete heart block", S, "confirmed by the clinician")],
    );
}

#[test]
fn a_finding_the_clinician_rejected_is_contradicted() {
    expect(
        "Incomplete right bundle branch block is present.",
        &[(
            "Incomplete right bundle branch block",
            C,
            "rejected by the clinician",
        )],
    );
    expect(
        "Right bundle branch block.",
        &[("Right bundle branch block", C, "rejected by the clinician")],
    );
    expect(
        "Left bundle branch block.",
        &[("Left bundle branch block", C, "measured QRS 92 ms")],
    );
}

#[test]
fn first_degree_av_block_and_axis_deviation_are_checked_on_the_measurements() {
    expect(
        "First-degree AV block.",
        &[("First-degree AV block", C, "measured PR 160 ms")],
    );
    expect(
        "Left axis deviation.",
        &[("Left axis deviation", C, "measured QRS axis 45°")],
    );
    expect("The axis is normal.", &[("axis is normal", S, "45°")]);
    expect(
        "QT prolongation.",
        &[("QT prolongation", C, "measured QTc Bazett 403 ms")],
    );
}

#[test]
fn with_a_wide_qrs_a_qt_claim_is_judged_by_the_jt_index_as_the_statements_are() {
    // A left bundle-branch block at 70/min: QRS 160 ms, QT 460 ms, QTc Bazett 497 ms, a QT
    // lengthened by the QRS alone (JT index 300 x 170 / 518 = 98). "QT prolongation" was
    // supported from the QTc; the statements judge it by the JT index and state no long QT.
    let with = |qt: f64, qtc: f64| {
        let mut f = facts_at(70.0, [qtc, qtc - 15.0, qtc - 20.0, qtc - 20.0]);
        let m = f.measurements.as_mut().unwrap();
        m.qrs = Some(Millis(160.0));
        m.qt = Some(Millis(qt));
        f
    };
    expect_with(
        &with(460.0, 497.0),
        "QT prolongation.",
        &[("QT prolongation", C, "JT index: 98 (prolonged above 112)")],
    );
    // The same block with its T wave 100 ms later: JT index 131, prolonged.
    expect_with(
        &with(560.0, 605.0),
        "QT prolongation.",
        &[("QT prolongation", S, "JT index: 131")],
    );
    // A narrow QRS is judged by the QTc as before.
    let mut narrow = with(460.0, 497.0);
    narrow.measurements.as_mut().unwrap().qrs = Some(Millis(100.0));
    expect_with(
        &narrow,
        "QT prolongation.",
        &[("QT prolongation", S, "measured QTc Bazett 497 ms")],
    );
}

#[test]
fn a_qt_claim_is_supported_only_where_fridericia_agrees_with_bazett() {
    // 90/min, QT 392 ms: Bazett 480 ms, Fridericia 449. The statements state no long QT
    // (Bazett overcorrects above 60/min); "QT prolongation" was supported from Bazett alone.
    let with = |bazett: f64, fridericia: f64| {
        facts_at(90.0, [bazett, fridericia, fridericia - 2.0, fridericia])
    };
    expect_with(
        &with(480.0, 449.0),
        "QT prolongation.",
        &[("QT prolongation", N, "")],
    );
    // QT 420 ms: Bazett 514, Fridericia 481: supported.
    expect_with(
        &with(514.0, 481.0),
        "QT prolongation.",
        &[(
            "QT prolongation",
            S,
            "measured QTc Bazett 514 ms, Fridericia 481 ms",
        )],
    );
}

#[test]
fn a_qt_the_statements_did_not_judge_is_not_judged_from_the_qtc() {
    // An undetermined rhythm whose steady wave rides on the T wave (a long-PR P wave or a U
    // wave): the QT measured ran into it (QTc 520 ms) and no QT statement was made.
    let mut f = facts();
    f.measurements.as_mut().unwrap().qtc.bazett = Some(Millis(520.0));
    f.statements = vec![statement(
        "Undetermined rhythm",
        Some(&format!(
            "P waves before 0% of the dominant rhythm's beats, RR irregularity 0.00; a wave 380 ms before each QRS rides on the T wave: a P wave of a long PR interval or a U wave, not told apart at this regular rate ({})",
            signal::QT_NOT_JUDGED
        )),
        StatementState::Suggested,
    )];
    expect_with(&f, "QT prolongation.", &[("QT prolongation", N, "")]);
    // Its numbers are still read against the measurement.
    expect_with(
        &f,
        "The QTc (Bazett) is 520 ms.",
        &[("QTc (Bazett) is 520 ms", S, "520")],
    );
}

#[test]
fn findings_the_facts_never_test_are_not_in_the_facts() {
    expect("ST elevation in V2 and V3.", &[("ST elevation", N, "")]);
    expect(
        "Premature atrial complexes.",
        &[("Premature atrial complexes", N, "")],
    );
    expect("2:1 AV block.", &[("2:1 AV block", N, "")]);
    expect(
        "T wave inversion in lead III.",
        &[("T wave inversion", N, "")],
    );
}

#[test]
fn a_sinus_pause_is_checked_against_the_sinus_pause_statement() {
    let f = facts_with(
        &[
            ("Sinus bradycardia", None),
            (
                "Sinus pause",
                Some("1 pause(s) between sinus beats, the longest 2700 ms ending at 5.6 s"),
            ),
        ],
        58.0,
        160.0,
        45.0,
    );
    expect_with(
        &f,
        "There is a sinus pause.",
        &[("sinus pause", S, "Sinus pause")],
    );
    expect_with(
        &f,
        "No sinus arrest is seen.",
        &[("sinus arrest", C, "Sinus pause")],
    );
    // Without the statement, the tracing's facts do not test it.
    expect("A sinus pause.", &[("sinus pause", N, "")]);
}

#[test]
fn statements_criteria_and_annotations_support_amplitudes_times_and_notes() {
    expect(
        "LVH by voltage criteria (Sokolow-Lyon 3.6 mV).",
        &[
            ("LVH", S, "confirmed"),
            ("3.6 mV", S, "Left ventricular hypertrophy"),
        ],
    );
    expect(
        "A PVC at 2.5 s.",
        &[
            ("PVC", S, "annotation at 2.50 s: PVC"),
            ("2.5 s", S, "annotation at 2.50 s"),
        ],
    );
    expect(
        "ST elevation of 2 mm.",
        &[("ST elevation", N, ""), ("2 mm", N, "")],
    );
}

#[test]
fn recording_facts_are_checked() {
    expect(
        "This 12-lead ECG lasts 10 seconds.",
        &[
            ("12-lead", S, "12 leads"),
            ("lasts 10 seconds", S, "10.0 s"),
        ],
    );
    expect(
        "The 3-lead recording.",
        &[("3-lead", C, "the recording has 12 leads")],
    );
    expect(
        "The patient is 64 years old.",
        &[("64 years old", S, "64 years")],
    );
    expect(
        "A 40-year-old man.",
        &[("40-year-old", C, "patient age 64 years")],
    );
    expect(
        "The sampling rate is 250 Hz.",
        &[("sampling rate is 250 Hz", C, "sampled at 500 Hz")],
    );
}

#[test]
fn things_that_are_not_claims_are_left_alone() {
    expect("Paper speed 25 mm/s, gain 10 mm/mV.", &[]);
    expect("Look at leads V1, V2 and aVF.", &[]);
    expect("The PR interval in 2 of 10 beats.", &[]);
    expect("Consult a cardiologist; 50% of patients...", &[]);
    expect("I cannot tell from the facts given.", &[]);
}

#[test]
fn unitless_numbers_after_a_named_quantity_are_claims() {
    expect("The rate of 61.", &[("rate of 61", S, "61")]);
    expect(
        "PR interval is 250.",
        &[("PR interval is 250", C, "PR 160")],
    );
}

#[test]
fn several_claims_in_one_answer_are_each_judged() {
    expect(
        "The QT is 400 ms and the heart rate 102 bpm, with sinus tachycardia.",
        &[
            ("QT is 400 ms", S, "QT 400"),
            ("heart rate 102 bpm", C, "61"),
            ("sinus tachycardia", C, "Sinus rhythm"),
        ],
    );
}

#[test]
fn without_measurements_numbers_are_not_in_the_facts() {
    let f = Facts::default();
    expect_with(
        &f,
        "The heart rate is 102 bpm, PR 160 ms, sinus rhythm.",
        &[
            ("heart rate is 102 bpm", N, ""),
            ("PR 160 ms", N, ""),
            ("sinus rhythm", N, ""),
        ],
    );
}

#[test]
fn atrial_rates_are_supported_by_a_statement_criterion() {
    let mut f = facts();
    f.statements = vec![statement(
        "Atrial flutter",
        Some("regular atrial activity at 300/min (cycle 200 ms), ventricular rate 75 bpm"),
        StatementState::Suggested,
    )];
    expect_with(
        &f,
        "Atrial flutter with an atrial rate of 300/min.",
        &[
            ("Atrial flutter", S, "Atrial flutter"),
            ("atrial rate of 300/min", S, "Atrial flutter"),
        ],
    );
}

#[test]
fn offsets_are_utf8_byte_offsets_and_the_summary_names_contradictions() {
    let answer = "Axe électrique: l’axe QRS est 45°. The heart rate is 102 bpm.";
    let claims = check(answer, &facts());
    assert!(claims.iter().all(|c| answer[c.start..c.end] == c.text));
    let s = summary(&claims);
    assert!(s.contains("1 contradicted"), "{s}");
    assert!(s.contains("measured heart rate 61 bpm"), "{s}");
    assert_eq!(summary(&[]), "no clinical claims found");
}

#[test]
fn the_check_is_deterministic() {
    let a = "Sinus rhythm at 61 bpm, PR 160 ms, no AV block, QTc 480 ms, LVH.";
    assert_eq!(check(a, &facts()), check(a, &facts()));
}

#[test]
fn every_paced_rhythm_statement_supports_a_paced_claim() {
    // The analysis names the pacing mode (atrial, ventricular or dual-chamber); an unqualified
    // "paced rhythm" is supported by each ("A paced rhythm" is the article, not A-paced).
    for text in [
        "Atrial paced rhythm",
        "Ventricular paced rhythm",
        "Dual-chamber (AV sequential) paced rhythm",
    ] {
        let mut f = facts();
        f.statements = vec![statement(text, None, StatementState::Suggested)];
        expect_with(&f, "A paced rhythm.", &[("paced rhythm", S, text)]);
        expect_with(
            &f,
            "There is no paced rhythm.",
            &[("paced rhythm", C, text)],
        );
    }
}

/// The standard facts with `statements` (text, criterion) as suggested statements in place of
/// its own, and the given heart rate, PR and QRS axis.
fn facts_with(statements: &[(&str, Option<&str>)], hr: f64, pr: f64, qrs_axis: f64) -> Facts {
    let mut f = facts();
    f.statements = statements
        .iter()
        .map(|(t, c)| statement(t, *c, StatementState::Suggested))
        .collect();
    let m = f.measurements.as_mut().unwrap();
    m.hr = Some(Bpm(hr));
    m.rr = Some(Millis(60_000.0 / hr));
    m.pr = Some(Millis(pr));
    m.axis.qrs = Some(Degrees(qrs_axis));
    f
}

const ATRIAL_PACED: &str = "Atrial paced rhythm";
const VENTRICULAR_PACED: &str = "Ventricular paced rhythm";
const DUAL_PACED: &str = "Dual-chamber (AV sequential) paced rhythm";
const DUAL_CRITERION: &str = "an atrial then a ventricular pacing stimulus (within 60 ms before the QRS onset) before 10 of 10 QRS complexes, AV delay 180 ms (atrial to ventricular stimulus, range 176-184 ms), a P wave found after the atrial stimulus in 9 of them, rate 70 bpm";

#[test]
fn a_pacing_mode_other_than_the_stated_one_is_contradicted() {
    let f = facts_with(&[(ATRIAL_PACED, None)], 70.0, 160.0, 45.0);
    expect_with(
        &f,
        "Ventricular pacing is seen.",
        &[("Ventricular pacing", C, ATRIAL_PACED)],
    );
    expect_with(
        &f,
        "The rhythm is V-paced.",
        &[("V-paced", C, ATRIAL_PACED)],
    );
    expect_with(
        &f,
        "Dual-chamber pacing (DDD pacing).",
        &[
            ("Dual-chamber pacing", C, ATRIAL_PACED),
            ("DDD pacing", C, ATRIAL_PACED),
        ],
    );
    expect_with(
        &f,
        "AV sequential pacing.",
        &[("AV sequential pacing", C, ATRIAL_PACED)],
    );
    expect_with(
        &f,
        "The rhythm is A-paced, atrial pacing at 70 bpm.",
        &[
            ("A-paced", S, ATRIAL_PACED),
            ("atrial pacing", S, ATRIAL_PACED),
            ("70 bpm", S, "measured heart rate 70 bpm"),
        ],
    );
    expect_with(
        &f,
        "Pacemaker rhythm, not sinus rhythm.",
        &[
            ("Pacemaker rhythm", S, ATRIAL_PACED),
            ("sinus rhythm", S, ATRIAL_PACED),
        ],
    );
    let f = facts_with(&[(VENTRICULAR_PACED, None)], 70.0, 160.0, 45.0);
    expect_with(
        &f,
        "Ventricular paced rhythm with V-pacing; no atrial pacing.",
        &[
            ("Ventricular paced rhythm", S, VENTRICULAR_PACED),
            ("V-pacing", S, VENTRICULAR_PACED),
            ("atrial pacing", S, VENTRICULAR_PACED),
        ],
    );
    expect_with(&f, "A-paced rhythm.", &[("A-paced", C, VENTRICULAR_PACED)]);
    expect_with(
        &f,
        "Atrial paced rhythm.",
        &[("Atrial paced rhythm", C, VENTRICULAR_PACED)],
    );
}

#[test]
fn a_dual_chamber_statement_supports_either_chamber_and_its_av_delay() {
    let f = facts_with(&[(DUAL_PACED, Some(DUAL_CRITERION))], 70.0, 160.0, 45.0);
    for claim in [
        "dual-chamber pacing",
        "AV sequential pacing",
        "DDD pacing",
        "AV dual-paced rhythm",
        "atrial pacing",
        "ventricular pacing",
        "paced rhythm",
    ] {
        expect_with(&f, &format!("There is {claim}."), &[(claim, S, DUAL_PACED)]);
    }
    expect_with(&f, "Sinus rhythm.", &[("Sinus rhythm", C, DUAL_PACED)]);
    expect_with(&f, "The AV delay is 180 ms.", &[("180 ms", S, DUAL_PACED)]);
    expect_with(&f, "The tracing is not paced.", &[("paced", C, DUAL_PACED)]);
}

#[test]
fn a_denied_pacing_is_judged_against_the_rhythm_statements() {
    // facts(): sinus rhythm.
    expect(
        "There are no pacing spikes.",
        &[("pacing spikes", S, "Sinus rhythm")],
    );
    expect("The rhythm is not paced.", &[("paced", S, "Sinus rhythm")]);
    expect("V-paced rhythm.", &[("V-paced", C, "Sinus rhythm")]);
    let f = facts_with(&[(VENTRICULAR_PACED, None)], 70.0, 160.0, 45.0);
    expect_with(
        &f,
        "There are no pacing spikes.",
        &[("pacing spikes", C, VENTRICULAR_PACED)],
    );
}

const WAP: &str = "Wandering atrial pacemaker";
const MAT: &str = "Multifocal atrial tachycardia";

#[test]
fn a_wandering_atrial_pacemaker_is_a_rhythm_of_its_own() {
    let f = facts_with(&[(WAP, None)], 72.0, 160.0, 45.0);
    expect_with(
        &f,
        "A wandering atrial pacemaker (wandering pacemaker).",
        &[
            ("wandering atrial pacemaker", S, WAP),
            ("wandering pacemaker", S, WAP),
        ],
    );
    expect_with(&f, "Sinus rhythm.", &[("Sinus rhythm", C, WAP)]);
    expect_with(
        &f,
        "Multifocal atrial tachycardia.",
        &[("Multifocal atrial tachycardia", C, WAP)],
    );
    expect_with(&f, "Tachycardia.", &[("Tachycardia", C, WAP)]);
    expect_with(
        &f,
        "There is no wandering pacemaker.",
        &[("wandering pacemaker", C, WAP)],
    );
    // Sinus rhythm stated: exclusive.
    expect(
        "Wandering atrial pacemaker.",
        &[("Wandering atrial pacemaker", C, "Sinus rhythm")],
    );
    // No rhythm statement: at 72 bpm nothing says either way; above 100 it would be MAT.
    let f = facts_with(&[], 72.0, 160.0, 45.0);
    expect_with(&f, "WAP.", &[("WAP", N, "")]);
    let f = facts_with(&[], 120.0, 160.0, 45.0);
    expect_with(
        &f,
        "Wandering pacemaker.",
        &[("Wandering pacemaker", C, "measured heart rate 120 bpm")],
    );
}

#[test]
fn multifocal_atrial_tachycardia_is_a_rhythm_over_100_per_minute() {
    let f = facts_with(&[(MAT, None)], 118.0, 140.0, 45.0);
    expect_with(
        &f,
        "MAT, a chaotic atrial tachycardia.",
        &[("MAT", S, MAT), ("chaotic atrial tachycardia", S, MAT)],
    );
    expect_with(&f, "Tachycardia.", &[("Tachycardia", S, MAT)]);
    // The abbreviations are findings only in capitals: "mat" and "wap" are words.
    expect_with(&f, "The patient lay on a mat; wap.", &[]);
    expect_with(&f, "MAT or WAP?", &[("MAT", S, MAT), ("WAP", C, MAT)]);
    expect_with(
        &f,
        "Atrial fibrillation. Sinus tachycardia.",
        &[
            ("Atrial fibrillation", C, MAT),
            ("Sinus tachycardia", C, MAT),
        ],
    );
    expect_with(
        &f,
        "This is not multifocal atrial tachycardia.",
        &[("multifocal atrial tachycardia", C, MAT)],
    );
    expect(
        "Multifocal atrial tachycardia.",
        &[("Multifocal atrial tachycardia", C, "Sinus rhythm")],
    );
    let f = facts_with(&[], 118.0, 140.0, 45.0);
    expect_with(
        &f,
        "Multifocal atrial tachycardia.",
        &[("Multifocal atrial tachycardia", N, "")],
    );
    let f = facts_with(&[], 72.0, 140.0, 45.0);
    expect_with(
        &f,
        "Multifocal atrial tachycardia.",
        &[(
            "Multifocal atrial tachycardia",
            C,
            "measured heart rate 72 bpm",
        )],
    );
}

#[test]
fn sinus_arrhythmia_is_a_sinus_rhythm_at_any_rate() {
    let f = facts_with(
        &[("Sinus bradycardia", None), ("Sinus arrhythmia", None)],
        52.0,
        160.0,
        45.0,
    );
    expect_with(
        &f,
        "Sinus arrhythmia, sinus rhythm.",
        &[
            ("Sinus arrhythmia", S, "Sinus arrhythmia"),
            ("sinus rhythm", S, "Sinus bradycardia"),
        ],
    );
    // The arrhythmia statement says nothing of the rate: the bradycardia contradicts.
    expect_with(
        &f,
        "Normal sinus rhythm.",
        &[("Normal sinus rhythm", C, "Sinus bradycardia")],
    );
    expect_with(
        &f,
        "No sinus arrhythmia.",
        &[("sinus arrhythmia", C, "Sinus arrhythmia")],
    );
    // A sinus rhythm statement does not say whether the cycle varies.
    expect("Sinus arrhythmia.", &[("Sinus arrhythmia", N, "")]);
    let f = facts_with(&[("Atrial fibrillation", None)], 90.0, 160.0, 45.0);
    expect_with(
        &f,
        "Respiratory sinus arrhythmia.",
        &[("Respiratory sinus arrhythmia", C, "Atrial fibrillation")],
    );
}

#[test]
fn junctional_rhythms_at_every_rate_are_one_rhythm() {
    for text in [
        "Junctional rhythm",
        "Accelerated junctional rhythm",
        "Junctional tachycardia",
    ] {
        let f = facts_with(&[(text, None)], 80.0, 90.0, 45.0);
        expect_with(
            &f,
            "An accelerated junctional rhythm.",
            &[("accelerated junctional rhythm", S, text)],
        );
        expect_with(
            &f,
            "Junctional escape rhythm.",
            &[("Junctional escape rhythm", S, text)],
        );
        expect_with(&f, "Sinus rhythm.", &[("Sinus rhythm", C, text)]);
        expect_with(
            &f,
            "Ectopic atrial rhythm.",
            &[("Ectopic atrial rhythm", C, text)],
        );
    }
}

const ER: &str = "Early repolarisation pattern";

#[test]
fn early_repolarisation_in_either_spelling_excludes_nothing() {
    let f = facts_with(
        &[
            ("Sinus rhythm", None),
            (
                ER,
                Some(
                    "consider in clinical context; J-point elevation >= 0.1 mV with notching or slurring in II, aVF",
                ),
            ),
        ],
        72.0,
        160.0,
        45.0,
    );
    expect_with(
        &f,
        "Early repolarization. Benign early repolarisation pattern.",
        &[
            ("Early repolarization", S, ER),
            ("early repolarisation", S, ER),
        ],
    );
    expect_with(
        &f,
        "No early repolarization.",
        &[("early repolarization", C, ER)],
    );
    // J-point elevation by itself is not early repolarisation (and not a claim).
    expect_with(&f, "J-point elevation in II.", &[]);
    // An ST elevation statement neither supports nor excludes it.
    let f = facts_with(
        &[("ST elevation, inferior (II, III, aVF)", None)],
        72.0,
        160.0,
        45.0,
    );
    expect_with(
        &f,
        "Early repolarisation, with ST elevation.",
        &[
            ("Early repolarisation", N, ""),
            ("ST elevation", S, "ST elevation, inferior"),
        ],
    );
    expect("Early repolarization.", &[("Early repolarization", N, "")]);
    let mut f = facts();
    f.statements
        .push(statement(ER, None, StatementState::Rejected));
    expect_with(
        &f,
        "Early repolarization.",
        &[("Early repolarization", C, "rejected by the clinician")],
    );
}

#[test]
fn atrial_abnormalities_left_right_and_biatrial() {
    let rae = "Right atrial abnormality";
    let lae = "Left atrial abnormality";
    let f = facts_with(&[("Sinus rhythm", None), (rae, None)], 72.0, 160.0, 45.0);
    expect_with(
        &f,
        "P pulmonale: right atrial enlargement (RAE).",
        &[
            ("P pulmonale", S, rae),
            ("right atrial enlargement", S, rae),
            ("RAE", S, rae),
        ],
    );
    // Not exclusive: a left atrial claim is neither supported nor contradicted.
    expect_with(
        &f,
        "Left atrial enlargement.",
        &[("Left atrial enlargement", N, "")],
    );
    expect_with(
        &f,
        "No right atrial overload.",
        &[("right atrial overload", C, rae)],
    );
    // A biatrial claim needs both sides.
    expect_with(
        &f,
        "Biatrial enlargement.",
        &[("Biatrial enlargement", N, "")],
    );
    expect_with(&f, "Atrial enlargement.", &[("Atrial enlargement", S, rae)]);
    let f = facts_with(&[(lae, None), (rae, None)], 72.0, 160.0, 45.0);
    expect_with(
        &f,
        "P mitrale. Biatrial abnormality.",
        &[
            ("P mitrale", S, lae),
            (
                "Biatrial abnormality",
                S,
                "Left atrial abnormality\" (suggested, not reviewed); statement \"Right atrial",
            ),
        ],
    );
    expect_with(
        &f,
        "No biatrial enlargement.",
        &[("biatrial enlargement", C, lae)],
    );
    let mut f = facts_with(&[(rae, None)], 72.0, 160.0, 45.0);
    f.statements
        .push(statement(lae, None, StatementState::Rejected));
    expect_with(
        &f,
        "Left atrial abnormality (P mitrale), biatrial enlargement.",
        &[
            ("Left atrial abnormality", C, "rejected by the clinician"),
            ("P mitrale", C, "rejected by the clinician"),
            ("biatrial enlargement", C, "rejected by the clinician"),
        ],
    );
    expect(
        "Right atrial abnormality.",
        &[("Right atrial abnormality", N, "")],
    );
}

#[test]
fn fascicular_blocks_are_told_apart_and_checked_on_the_axis() {
    let lafb = "Left anterior fascicular block";
    let f = facts_with(&[(lafb, None)], 72.0, 160.0, -60.0);
    expect_with(
        &f,
        "LAFB (left anterior hemiblock), a fascicular block.",
        &[
            ("LAFB", S, lafb),
            ("left anterior hemiblock", S, lafb),
            ("fascicular block", S, lafb),
        ],
    );
    expect_with(
        &f,
        "Left posterior fascicular block.",
        &[("Left posterior fascicular block", C, lafb)],
    );
    // facts(): QRS axis +45°, no fascicular statement.
    expect(
        "LAFB. LPFB.",
        &[
            ("LAFB", C, "measured QRS axis 45°"),
            ("LPFB", C, "measured QRS axis 45°"),
        ],
    );
    let f = facts_with(&[], 72.0, 160.0, 120.0);
    expect_with(
        &f,
        "Left posterior hemiblock.",
        &[("Left posterior hemiblock", N, "")],
    );
}

#[test]
fn pre_excitation_and_a_short_pr_are_findings() {
    let wpw = "Ventricular pre-excitation (WPW pattern)";
    let f = facts_with(
        &[(wpw, None), ("Short PR interval", None)],
        72.0,
        100.0,
        45.0,
    );
    expect_with(
        &f,
        "Wolff-Parkinson-White pattern with delta waves and a short PR interval.",
        &[
            ("Wolff-Parkinson-White", S, wpw),
            ("delta waves", S, wpw),
            ("short PR interval", S, "Short PR interval"),
        ],
    );
    expect_with(&f, "No pre-excitation.", &[("pre-excitation", C, wpw)]);
    expect_with(
        &f,
        "First-degree AV block.",
        &[("First-degree AV block", C, "Short PR interval")],
    );
    // facts(): PR 160 ms, no statement.
    expect("WPW.", &[("WPW", N, "")]);
    expect("Short PR.", &[("Short PR", C, "measured PR 160 ms")]);
}

#[test]
fn q_waves_ischaemia_and_infarction_follow_the_repolarisation_statements() {
    let q = "Pathological Q waves, inferior (II, aVF)";
    let f = facts_with(&[("Sinus rhythm", None), (q, None)], 72.0, 160.0, 45.0);
    expect_with(
        &f,
        "Pathological Q waves suggest a prior inferior infarction.",
        &[("Pathological Q waves", S, q), ("infarction", S, q)],
    );
    expect_with(
        &f,
        "There are no signs of infarction.",
        &[("infarction", C, q)],
    );
    expect_with(&f, "Ischemia.", &[("Ischemia", N, "")]);
    let std = "ST depression, lateral (I, aVL)";
    let f = facts_with(&[(std, None)], 72.0, 160.0, 45.0);
    expect_with(
        &f,
        "Lateral ischemia (ischaemic ST depression).",
        &[
            ("ischemia", S, std),
            ("ischaemic", S, std),
            ("ST depression", S, std),
        ],
    );
    expect_with(&f, "No ischaemia.", &[("ischaemia", C, std)]);
    expect_with(
        &f,
        "Myocardial infarction.",
        &[("Myocardial infarction", N, "")],
    );
    // facts(): no repolarisation statement.
    expect("No ischemia.", &[("ischemia", N, "")]);
    expect("Abnormal Q waves.", &[("Abnormal Q waves", N, "")]);
}

#[test]
fn low_voltage_is_named_by_the_leads() {
    let limb = "Low QRS voltage in limb leads";
    let f = facts_with(&[(limb, None)], 72.0, 160.0, 45.0);
    expect_with(
        &f,
        "Low voltage QRS, low QRS voltage in the limb leads.",
        &[
            ("Low voltage QRS", S, limb),
            ("low QRS voltage in the limb leads", S, limb),
        ],
    );
    // Limb and precordial are not exclusive.
    expect_with(
        &f,
        "Low voltage in the precordial leads.",
        &[("Low voltage in the precordial leads", N, "")],
    );
    expect_with(&f, "No low voltage.", &[("low voltage", C, limb)]);
    expect("Low voltage.", &[("Low voltage", N, "")]);
}

#[test]
fn findings_that_exclude_nothing_are_contradicted_by_their_rejected_statement() {
    for (text, answer, claim) in [
        (
            "Pathological Q waves, inferior (II, aVF)",
            "Pathological Q waves.",
            "Pathological Q waves",
        ),
        (
            "Low QRS voltage in precordial leads",
            "Low voltage.",
            "Low voltage",
        ),
        (
            "Ventricular pre-excitation (WPW pattern)",
            "A WPW pattern.",
            "WPW",
        ),
        ("Right atrial abnormality", "P pulmonale.", "P pulmonale"),
        (
            "Wandering atrial pacemaker",
            "A wandering pacemaker.",
            "wandering pacemaker",
        ),
    ] {
        let mut f = facts();
        f.statements = vec![statement(text, None, StatementState::Rejected)];
        expect_with(&f, answer, &[(claim, C, "rejected by the clinician")]);
    }
}

#[test]
fn a_tachycardia_whose_atrial_activity_is_not_seen_decides_no_other_rhythm() {
    // "Supraventricular tachycardia" names AV nodal re-entry, 2:1 flutter and a sinus
    // tachycardia with hidden P waves as possible: the word "tachycardia" in it must not
    // support a "sinus tachycardia" claim.
    let mut f = facts();
    if let Some(m) = f.measurements.as_mut() {
        m.hr = Some(Bpm(150.0));
    }
    f.statements = vec![statement(
        "Supraventricular tachycardia",
        Some("regular at 150 bpm ...: the atrial activity is not seen; QRS 96 ms < 120"),
        StatementState::Suggested,
    )];
    expect_with(
        &f,
        "This is a supraventricular tachycardia, likely sinus tachycardia or atrial flutter, not ventricular tachycardia.",
        &[
            (
                "supraventricular tachycardia",
                S,
                "Supraventricular tachycardia",
            ),
            ("sinus tachycardia", N, ""),
            ("atrial flutter", N, ""),
            ("ventricular tachycardia", S, "Supraventricular tachycardia"),
        ],
    );
    expect_with(
        &f,
        "There is bradycardia. It is an SVT.",
        &[
            ("bradycardia", C, ""),
            ("SVT", S, "Supraventricular tachycardia"),
        ],
    );
    // Wide: ventricular tachycardia stays open.
    f.statements = vec![statement(
        "Wide-QRS tachycardia",
        Some("...: consider ventricular tachycardia"),
        StatementState::Suggested,
    )];
    expect_with(
        &f,
        "A wide complex tachycardia, possibly ventricular tachycardia.",
        &[
            ("wide complex tachycardia", S, "Wide-QRS tachycardia"),
            ("ventricular tachycardia", N, ""),
        ],
    );
}

#[test]
fn premature_beats_of_undetermined_origin_support_no_origin_the_answer_names() {
    // On one or two leads the analysis leaves a premature beat of another QRS unclassified
    // ("Premature complexes of undetermined origin"): premature beats are a fact, their origin
    // is not, so a claim naming one is not judged from it (a fact naming none, from a device
    // too, supported any origin before).
    let mut f = facts_with(
        &[
            ("Sinus rhythm", None),
            (
                "Premature complexes of undetermined origin",
                Some(
                    "1 of 2273 beats, single, at 1518.9 s: premature with a QRS different from the dominant beat in each of the 2 usable leads",
                ),
            ),
        ],
        76.0,
        180.0,
        45.0,
    );
    f.annotations.clear();
    const FACT: &str = "Premature complexes of undetermined origin";
    expect_with(
        &f,
        "There are premature beats.",
        &[("premature beats", S, FACT)],
    );
    expect_with(&f, "A PVC is seen.", &[("PVC", N, "")]);
    expect_with(
        &f,
        "Premature atrial complexes.",
        &[("Premature atrial complexes", N, "")],
    );
    expect_with(&f, "No premature beats.", &[("premature beats", C, FACT)]);
}

#[test]
fn paced_beats_in_a_minority_support_pacing_and_leave_the_rhythm_to_its_statement() {
    // "Ventricular-paced complexes" (r57: paced beats in a rhythm that is not a paced one)
    // support pacing named in the answer; the rhythm is the sinus statement's. The check does
    // not tell paced beats from a paced rhythm: "ventricular paced rhythm" is supported too.
    const PACED: &str = "Ventricular-paced complexes";
    let f = facts_with(
        &[
            ("Sinus rhythm", None),
            (PACED, Some("4 of 11 beats, at 0.5 s, 2.2 s, 4.9 s, 7.7 s")),
        ],
        69.0,
        180.0,
        -38.0,
    );
    expect_with(&f, "Sinus rhythm.", &[("Sinus rhythm", S, "Sinus rhythm")]);
    expect_with(
        &f,
        "Intermittent ventricular pacing.",
        &[("ventricular pacing", S, PACED)],
    );
    expect_with(&f, "Paced beats are seen.", &[("Paced", S, PACED)]);
    expect_with(
        &f,
        "Ventricular paced rhythm.",
        &[("Ventricular paced rhythm", S, PACED)],
    );
}
