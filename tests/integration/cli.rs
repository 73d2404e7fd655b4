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
