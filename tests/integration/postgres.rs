//! A throwaway PostgreSQL server for the end-to-end tests that run on a department's shared
//! store: `scripts/pg-throwaway.sh` (a new cluster in a temp dir, unix socket only, stopped and
//! removed when this test process exits). Absent PostgreSQL skips with a note, unless
//! `HEARTLENS_REQUIRE_POSTGRES=1` (scripts/test.sh), which makes it a failure.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::util::repo_root;

/// A running server: its superuser URL (database `postgres`, empty, usable as a store).
pub struct Server {
    pub url: String,
    _script: Child,
}

/// Starts a server, or None (with a note) when PostgreSQL is not installed and not required.
pub fn start() -> Option<Server> {
    let script = repo_root().join("scripts/pg-throwaway.sh");
    let started = Command::new("bash")
        .arg(&script)
        .arg(std::process::id().to_string())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))
        .and_then(|mut child| {
            let mut line = String::new();
            BufReader::new(child.stdout.take().expect("piped stdout"))
                .read_line(&mut line)
                .map_err(|e| format!("reading {}: {e}", script.display()))?;
            match line.trim().strip_prefix("READY ") {
                Some(url) => Ok(Server {
                    url: url.to_string(),
                    _script: child,
                }),
                None => {
                    let _ = child.kill();
                    Err(format!("{}: {}", script.display(), line.trim()))
                }
            }
        });
    match started {
        Ok(s) => Some(s),
        Err(why) => {
            assert!(
                std::env::var_os("HEARTLENS_REQUIRE_POSTGRES").is_none_or(|v| v == "0"),
                "PostgreSQL is required (HEARTLENS_REQUIRE_POSTGRES=1) but {why}"
            );
            eprintln!("skipping PostgreSQL test: {why}");
            None
        }
    }
}
