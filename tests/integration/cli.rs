//! The `heartlens` command-line contract: JSON shapes and exit codes that scripts rely on.

use crate::util::{data, heartlens};

#[test]
fn info_json_reports_ludb_record_1_sample_exact() {
    let path = data("wfdb/ludb/1.hea");
    let out = heartlens(&["info", path.to_str().unwrap(), "--json", "--samples", "3"]);
    assert!(
        out.status.success(),
        "stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["format"], "WFDB");
    assert_eq!(v["duration_s"], 10.0);
    let leads = v["leads"].as_array().unwrap();
    assert_eq!(leads.len(), 12);
    let names: Vec<&str> = leads.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"
        ]
    );
    for l in leads {
        assert_eq!(l["sampling_rate_hz"], 500.0);
        assert_eq!(l["n_samples"], 5000);
        assert_eq!(l["unit"], "uV");
        assert_eq!(l["derived"], false);
        assert_eq!(l["first_uv"].as_array().unwrap().len(), 3);
    }
}

#[test]
fn info_marks_an_anonymised_year_and_warns_of_it() {
    // Welch Allyn's anonymiser wrote the year 53255 and a birth in 27655.
    let path = data("scp/welchallyn/ECG_20060620_112352_ANON000002.SCP");
    let out = heartlens(&["info", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("start: 53255-01-01T00:00:00 (implausible date)"),
        "{text}"
    );
    assert!(
        text.contains("warning: acquisition date: 53255-01-01 is not a plausible recording date"),
        "{text}"
    );
    assert!(
        text.contains("warning: patient birth date: 27655-01-01"),
        "{text}"
    );
    // The JSON keeps the file's text, and lists the warnings.
    let out = heartlens(&["info", path.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["start_time"], "53255-01-01T00:00:00");
    assert_eq!(v["warnings"].as_array().unwrap().len(), 2);
}

#[test]
fn info_on_a_missing_file_exits_2_naming_the_file() {
    let out = heartlens(&["info", "/nonexistent/record.hea"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/record.hea"), "stderr: {err}");
}

#[test]
fn info_on_a_non_ecg_file_exits_2_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.txt");
    std::fs::write(&p, "shopping list: milk, eggs\n").unwrap();
    let out = heartlens(&["info", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("notes.txt") && err.contains("not a recognised ECG file"),
        "stderr: {err}"
    );
}

#[test]
fn analyze_on_an_eeg_file_exits_2_naming_the_file_and_its_channel() {
    // pyEDFlib's test EDF holds one EEG channel (Fp1): no ECG lead to analyse.
    let path = data("edf/pyedflib_generator/test_subsecond.edf");
    let out = heartlens(&["analyze", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("test_subsecond.edf")
            && err.contains("no ECG lead")
            && err.contains("Fp1 (EEG)"),
        "stderr: {err}"
    );
    // `info` says which channel the analysis leaves out, and why; an ECG lead has no such key.
    let out = heartlens(&["info", path.to_str().unwrap(), "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["leads"][0]["not_ecg"], "EEG");
    let ludb = data("wfdb/ludb/1.hea");
    let out = heartlens(&["info", ludb.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert!(v["leads"][0].get("not_ecg").is_none(), "{}", v["leads"][0]);
}

#[test]
fn analyze_and_info_name_an_ecg_lead_left_out_for_its_rate() {
    // LUDB 1's I, II and V5 at 500 Hz, V1 relabelled 250.1 Hz (every other sample): no ratio
    // of whole numbers up to 1000 takes 250.1 to 500 Hz, so the analysis cannot join it.
    let ludb = formats::open(data("wfdb/ludb/1.hea")).unwrap();
    let lead = |name: &str| ludb.leads.iter().find(|l| l.label.name() == name).unwrap();
    let mut v1 = lead("V1").clone();
    let every_other: Vec<f32> = v1
        .signal
        .read_range(0, 5000)
        .unwrap()
        .into_iter()
        .step_by(2)
        .chain(std::iter::once(0.0))
        .collect();
    v1.signal = ecg::Signal::from_physical(every_other);
    v1.sampling_rate_hz = 250.1;
    // A respiration belt beside them, in millivolts as some monitors store it.
    let mut resp = lead("V5").clone();
    resp.label = ecg::LeadLabel::parse("Resp thorax");
    resp.original_label = "Resp thorax".into();
    // And a channel whose name says nothing, in mmHg (a pressure a monitor stores beside).
    let mut pressure = lead("V6").clone();
    pressure.label = ecg::LeadLabel::parse("Ch6");
    pressure.original_label = "Ch6".into();
    pressure.unit = ecg::Unit::Other("mmHg".into());
    let rec = ecg::Recording::new(vec![
        lead("I").clone(),
        lead("II").clone(),
        v1,
        lead("V5").clone(),
        resp,
        pressure,
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1_at_250_1.edf");
    std::fs::write(&path, formats::write_edf(&rec).unwrap()).unwrap();
    let p = path.to_str().unwrap();

    let out = heartlens(&["analyze", p]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // I, II and V5, and III, aVR, aVL, aVF derived from I and II.
    assert!(text.contains(" 7 leads at 500 Hz"), "{text}");
    assert!(
        text.contains("not analysed: V1 (sampled at 250.1 Hz, which no ratio of whole numbers up to 1000 takes to the analysed leads' 500 Hz)"),
        "{text}"
    );
    assert!(
        text.contains("not analysed: Resp thorax (respiration, not an ECG lead)"),
        "{text}"
    );
    // The JSON summary lists it too (the Python package's `Recording.analyze()` is the same).
    let out = heartlens(&["analyze", p, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["not_analysed"][0]["lead"], "V1", "{}", v["not_analysed"]);
    assert!(
        v["not_analysed"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("sampled at 250.1 Hz")
    );
    assert_eq!(v["not_analysed"][1]["lead"], "Resp thorax");
    assert_eq!(
        v["not_analysed"][1]["reason"],
        "respiration, not an ECG lead"
    );
    let ludb = heartlens(&[
        "analyze",
        data("wfdb/ludb/1.hea").to_str().unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&ludb.stdout).expect("valid JSON");
    assert!(
        v.get("not_analysed").is_none(),
        "every lead analysed: no key"
    );
    let out = heartlens(&["info", p, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let names: Vec<&str> = v["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    let v1 = names.iter().position(|n| *n == "V1").unwrap();
    assert!(
        v["leads"][v1]["not_analysed"]
            .as_str()
            .unwrap()
            .starts_with("sampled at 250.1 Hz")
    );
    assert!(
        v["leads"][0].get("not_analysed").is_none(),
        "{}",
        v["leads"][0]
    );
    // `info` words a channel left out as `analyze` does: the pressure is no voltage; the
    // respiration belt keeps its `not_ecg` alone.
    let ch6 = names.iter().position(|n| *n == "Ch6").unwrap();
    assert_eq!(
        v["leads"][ch6]["not_analysed"], "not a voltage channel (mmHg, 500 Hz)",
        "{}",
        v["leads"][ch6]
    );
    let resp = names.iter().position(|n| *n == "Resp thorax").unwrap();
    assert_eq!(v["leads"][resp]["not_ecg"], "respiration");
    assert!(v["leads"][resp].get("not_analysed").is_none());
    let analysed = heartlens(&["analyze", p]);
    assert!(
        String::from_utf8_lossy(&analysed.stdout)
            .contains("not analysed: Ch6 (not a voltage channel (mmHg, 500 Hz))"),
        "{}",
        String::from_utf8_lossy(&analysed.stdout)
    );
}

#[test]
fn compare_json_gives_deltas_and_statement_changes() {
    let now = data("wfdb/ludb/1.hea");
    let prior = data("wfdb/ludb/2.hea");
    let json = |a: &std::path::Path, b: &std::path::Path| -> serde_json::Value {
        let out = heartlens(&[
            "compare",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--json",
        ]);
        assert!(
            out.status.success(),
            "stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("valid JSON")
    };
    // A recording against itself: nothing changed.
    let same = json(&now, &now);
    let rows = same["measurements"].as_array().unwrap();
    assert_eq!(rows.len(), 12, "9 measurements, QTc once per formula");
    for r in rows {
        if !r["delta"].is_null() {
            assert_eq!(r["delta"].as_f64(), Some(0.0), "{r}");
        }
    }
    assert!(same["new_statements"].as_array().unwrap().is_empty());
    assert!(same["resolved_statements"].as_array().unwrap().is_empty());
    // Two different recordings: the rate differs, and each delta is current - prior.
    let diff = json(&now, &prior);
    let hr = diff["measurements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "hr_bpm")
        .unwrap()
        .clone();
    let (c, p, d) = (
        hr["current"].as_f64().unwrap(),
        hr["prior"].as_f64().unwrap(),
        hr["delta"].as_f64().unwrap(),
    );
    assert!((c - p - d).abs() < 1e-9 && d != 0.0, "{hr}");
    // Text output names the prior ECG first.
    let out = heartlens(&["compare", now.to_str().unwrap(), prior.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Compared with the"), "{text}");
    assert!(text.contains("Heart rate"), "{text}");
}

#[test]
fn compare_with_a_missing_prior_exits_2_naming_it() {
    let out = heartlens(&[
        "compare",
        data("wfdb/ludb/1.hea").to_str().unwrap(),
        "/nonexistent/prior.hea",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/prior.hea"), "stderr: {err}");
}

#[test]
fn render_draws_clean_paper_unless_marks_are_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let file = data("wfdb/ludb/1.hea");
    // The geometry JSON lists where wave marks were drawn (the UI's hover contract).
    let marks = |which: &str| -> Option<usize> {
        let png = dir.path().join(format!("{which}.png"));
        let geometry = dir.path().join(format!("{which}.json"));
        let out = heartlens(&[
            "render",
            file.to_str().unwrap(),
            "--png",
            png.to_str().unwrap(),
            "--geometry",
            geometry.to_str().unwrap(),
            "--marks",
            which,
        ]);
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            // No GPU adapter at all (not even lavapipe): nothing to check here.
            assert!(
                err.contains("GPU") || err.contains("adapter"),
                "stderr: {err}"
            );
            return None;
        }
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&geometry).unwrap()).unwrap();
        Some(v["marks"].as_array().expect("marks in the geometry").len())
    };
    let Some(clean) = marks("none") else {
        return;
    };
    assert_eq!(clean, 0, "clean paper by default");
    let file_marks = marks("file").unwrap();
    assert!(
        file_marks > 20,
        "LUDB 1's per-lead wave marks: {file_marks}"
    );
    let analysis = marks("analysis").unwrap();
    assert!(analysis > 20, "the analysis' wave marks: {analysis}");
    let out = heartlens(&[
        "render",
        file.to_str().unwrap(),
        "--png",
        "x.png",
        "--marks",
        "all",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "unknown --marks is a usage error"
    );
}

#[test]
fn chat_json_adds_what_the_model_was_told_and_the_checked_claims() {
    let file = data("wfdb/ludb/1.hea");
    let model = data("llm/tiny_random_llama_gguf/llama-2-tiny-random.gguf");
    let out = heartlens(&[
        "chat",
        file.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--question",
        "What is the heart rate?",
        "--max-tokens",
        "8",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["mode"], "grounded");
    let facts = v["facts"].as_str().unwrap();
    assert!(
        facts.contains("Measurements (Heartlens analysis):") && facts.contains("- heart rate: "),
        "facts told to the model:\n{facts}"
    );
    assert!(v["claims"].is_array(), "{v}");
    let text = v["text"].as_str().unwrap();
    for c in v["claims"].as_array().unwrap() {
        let (s, e) = (c["start"].as_u64().unwrap(), c["end"].as_u64().unwrap());
        assert_eq!(&text[s as usize..e as usize], c["text"].as_str().unwrap());
        assert!(
            ["supported", "contradicted", "not_in_facts"].contains(&c["status"].as_str().unwrap())
        );
    }
    assert!(
        v["checked_against"]["measurements"]["hr"].is_number(),
        "{v}"
    );

    // Human output: the facts first (--show-facts), the claim check after the answer.
    let out = heartlens(&[
        "chat",
        file.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--question",
        "What is the heart rate?",
        "--max-tokens",
        "4",
        "--show-facts",
    ]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("What the model was told:\n") && stdout.contains("\nClaim check: "),
        "{stdout}"
    );
}

#[test]
fn models_catalog_lists_publisher_urls_and_download_installs_from_a_url() {
    let out = heartlens(&["models", "catalog", "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let models = v.as_array().unwrap();
    assert!(models.len() >= 3);
    for m in models {
        assert!(
            m["url"]
                .as_str()
                .unwrap()
                .starts_with("https://huggingface.co/")
        );
        assert!(m["license"].is_string() && m["bytes"].is_u64());
    }

    // A download from a one-shot server on 127.0.0.1, verified against the stated hash.
    let body = std::fs::read(data("llm/tiny_random_llama_gguf/llama-2-tiny-random.gguf")).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tiny.gguf", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        let (stream, _) = listener.accept().unwrap();
        let mut reader = std::io::BufReader::new(&stream);
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            line.clear();
        }
        let mut out = &stream;
        write!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        out.write_all(&body).unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let out = heartlens(&[
        "models",
        "download",
        &url,
        "--sha256",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "--dir",
        dir.path().to_str().unwrap(),
    ]);
    server.join().unwrap();
    assert_eq!(out.status.code(), Some(2), "a wrong hash is bad input");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not match") && err.contains("removed"),
        "{err}"
    );
    let list = heartlens(&[
        "models",
        "list",
        "--json",
        "--dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "[]");
}

#[test]
fn analyze_names_each_statements_evidence_in_json_and_text() {
    // LUDB 38: atrial fibrillation with one ventricular premature complex.
    let path = data("wfdb/ludb/38.hea");
    let out = heartlens(&["analyze", path.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let statements = v["statements"].as_array().unwrap();
    // Every statement has the key, empty or not.
    for s in statements {
        assert!(
            s["evidence"]["leads"].is_array() && s["evidence"]["beat_times_s"].is_array(),
            "{s}"
        );
    }
    let vpc = statements
        .iter()
        .find(|s| s["text"] == "Ventricular premature complexes")
        .expect("a VPC statement");
    let times: Vec<f64> = vpc["evidence"]["beat_times_s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();
    // The beats it names are the ventricular ones, by their R times.
    let ventricular: Vec<f64> = v["beats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["class"] == "ventricular")
        .map(|b| b["r_s"].as_f64().unwrap())
        .collect();
    assert_eq!(times, ventricular);
    assert!(!ventricular.is_empty());
    let leads = vpc["evidence"]["leads"].as_array().unwrap();
    assert!(
        leads.len() >= 3 && leads.contains(&serde_json::json!("V1")),
        "{leads:?}"
    );
    // The text output prints it under the statement.
    let out = heartlens(&["analyze", path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    let after = text
        .split("Ventricular premature complexes [")
        .nth(1)
        .expect("the statement in the text");
    let evidence = after.lines().nth(1).unwrap_or("");
    assert!(
        evidence.trim_start().starts_with("evidence: leads ")
            && evidence.contains(&format!("beat at {:.2} s", ventricular[0])),
        "{evidence}"
    );
}

#[test]
fn analyze_json_of_a_holter_has_the_holter_key_and_progress() {
    let path = data("holter/synth_12lead_10m.hea");
    let out = heartlens(&[
        "analyze",
        path.to_str().unwrap(),
        "--json",
        "--holter-min",
        "300",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr:\n{err}");
    assert!(err.contains("analysing: chunk 3/3"), "stderr: {err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let h = &v["holter"];
    let beats = v["beats"].as_array().unwrap();
    assert_eq!(h["rr_ms"].as_array().unwrap().len(), beats.len());
    assert!(h["rr_ms"][0].is_null() && h["rr_ms"][1].is_f64());
    assert_eq!(h["pauses"].as_array().unwrap().len(), 2);
    assert_eq!(h["af_episodes"].as_array().unwrap().len(), 1);
    assert_eq!(h["longest_vt"]["kind"], "ventricular_tachycardia");
    assert_eq!(h["hourly"][0]["hour"], 0);
    assert!(h["af_burden"].as_f64().unwrap() > 0.1);
    // A 10-s ECG is not a Holter.
    let ludb = data("wfdb/ludb/1.hea");
    let out = heartlens(&["analyze", ludb.to_str().unwrap(), "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert!(v.get("holter").is_none());
}

#[test]
fn analyze_db_saves_a_holter_that_the_app_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite3");
    // MIT-BIH 100: 30 min, a Holter for the app (longer than 600 s).
    let path = data("wfdb/mitdb_100/100.hea");
    let (p, d) = (path.to_str().unwrap(), db.to_str().unwrap());
    let out = heartlens(&["analyze", p, "--json", "--db", d]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr:\n{err}");
    assert!(err.contains("as recording 1"), "stderr: {err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let beats = v["beats"].as_array().unwrap().len();
    assert!(beats > 2000, "{beats} beats");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let s = store::Store::open(&db).await.expect("open store");
        let (hash, _) = store::recordings::ContentHash::of_file(&path).expect("hash");
        let rec = s
            .find_recording(&hash)
            .await
            .unwrap()
            .expect("the file is registered by its content");
        let o = s.holter(rec.id).await.unwrap().expect("Holter rows");
        assert_eq!(o.summary.counts.values().sum::<u64>(), beats as u64);
        assert_eq!(
            o.summary.chunks,
            v["holter"]["chunks"].as_u64().unwrap() as u32
        );
        assert_eq!(o.hourly.len(), 1);
        assert!(o.minutes.len() >= 30);
        assert_eq!(s.holter_beats(rec.id).await.unwrap().len(), beats);
        // The representative window's analysis is the app's analysis cache.
        let (version, _) = s.analysis(rec.id).await.unwrap().expect("analysis cache");
        assert_eq!(version, o.summary.analysis_version);
        s.close().await;
    });
    // Saving again replaces the rows of the same recording.
    let out = heartlens(&["analyze", p, "--db", d]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("as recording 1"));
    // Results of other options are not the app's: refused before analysing.
    let out = heartlens(&["analyze", p, "--db", d, "--pause", "3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--db saves only"));
}

#[test]
#[cfg(unix)]
fn ctrl_c_cancels_a_holter_analysis_cleanly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    // 10 min in 10-s chunks: 61 steps, so SIGINT lands mid-analysis.
    let path = data("holter/synth_12lead_10m.hea");
    let mut child = Command::new(crate::util::heartlens_bin())
        .args([
            "analyze",
            path.to_str().unwrap(),
            "--json",
            "--holter-min",
            "60",
            "--chunk",
            "10",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run heartlens");
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("analysing: chunk 1/61") {
        let n = stderr.read(&mut buf).expect("read stderr");
        assert!(
            n > 0,
            "stderr closed before progress: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(kill.success());
    stderr.read_to_end(&mut seen).expect("read stderr");
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    let err = String::from_utf8_lossy(&seen);
    assert_eq!(status.code(), Some(130), "stderr:\n{err}");
    assert!(
        err.contains("analysis cancelled (Ctrl-C); nothing was written"),
        "stderr:\n{err}"
    );
    assert!(
        !err.contains("chunk 61/61"),
        "stopped before the end:\n{err}"
    );
    assert!(
        stdout.is_empty(),
        "no partial JSON: {}",
        String::from_utf8_lossy(&stdout)
    );
}
