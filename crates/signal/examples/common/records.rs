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
