//! Helpers: paths to test data and the built `heartlens` binary, and running it.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file under `tests/data`.
pub fn data(rel: &str) -> PathBuf {
    repo_root().join("tests/data").join(rel)
}

/// The `heartlens` binary built for this test run (built by `cargo test --workspace`).
pub fn heartlens_bin() -> PathBuf {
    // Integration tests live in target/<profile>/deps; binaries in target/<profile>.
    let mut dir = std::env::current_exe().expect("test binary path");
    dir.pop();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join(format!("heartlens{}", std::env::consts::EXE_SUFFIX))
}

/// Runs `heartlens` with arguments.
pub fn heartlens(args: &[&str]) -> Output {
    let bin = heartlens_bin();
    assert!(
        bin.exists(),
        "{} not built: run `cargo test --workspace` (it builds the CLI)",
        bin.display()
    );
    Command::new(bin)
        .args(args)
        .output()
        .expect("run heartlens")
}
