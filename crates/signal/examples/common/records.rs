//! WFDB records named on an example's command line: `.hea` files as given, and every `.hea`
//! in the folders given, in record-number order (LUDB's `1`, `2`, ..., `100`), then by name.

use std::path::PathBuf;

/// The header files of `inputs` (files or folders).
pub fn wfdb_headers(inputs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "hea"))
                .collect();
            v.sort_by_key(|p| {
                let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                (stem.parse::<u32>().unwrap_or(u32::MAX), stem.to_string())
            });
            out.extend(v);
        } else {
            out.push(p.clone());
        }
    }
    out
}

/// A record's name as the examples print it: its file stem (LUDB's record number).
#[allow(dead_code, reason = "each example uses what it needs of this file")]
pub fn name_of(path: &std::path::Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("?")
        .to_string()
}

/// The header text (its labels) and the recording of the WFDB record at `path`, or why it
/// could not be read.
#[allow(dead_code, reason = "each example uses what it needs of this file")]
pub fn open_labelled(path: &std::path::Path) -> Result<(String, ecg::Recording), String> {
    let header = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let rec = formats::open(path).map_err(|e| e.to_string())?;
    Ok((header, rec))
}
