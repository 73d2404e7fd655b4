//! `heartlens db path|check|backup OUT|restore IN [--db FILE|URL]`: the store's database.
//!
//! The database is `--db`, else `$HEARTLENS_DB`, else `$HEARTLENS_HOME/heartlens.sqlite3`, else
//! the platform's data directory (`heartlens db path` prints it). A `postgres://user@host/db`
//! URL names a department's shared PostgreSQL store instead of a file: `check` connects as that
//! role and checks the schema; backup and restore are the server's (pg_dump, pg_restore). `backup` writes a consistent copy
//! while the app may be running; `restore` verifies the file (SQLite header, Heartlens
//! application id, schema not newer than this build, `PRAGMA integrity_check`), keeps the
//! current database beside it as `<name>.before-restore-<ms>`, and replaces it atomically; it
//! refuses while another process has the database open. A file that is not a usable Heartlens
//! database exits with code 2.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::exit::BadInput;

/// Arguments of `heartlens db`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    /// Database file or postgres:// URL (default: $HEARTLENS_DB, else
    /// $HEARTLENS_HOME/heartlens.sqlite3 or the platform data dir).
    #[arg(long, global = true, value_name = "FILE|URL")]
    db: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Print the database path.
    Path,
    /// Verify a database (default: the store) without modifying it.
    Check {
        /// The file to check (default: the store's database).
        file: Option<PathBuf>,
    },
    /// Write a consistent copy of the database to OUT (must not exist).
    Backup {
        /// The backup file to create.
        out: PathBuf,
    },
    /// Replace the database with a verified backup.
    Restore {
        /// The backup file.
        input: PathBuf,
    },
}

/// Turns store errors about a user-supplied file into exit code 2.
fn classify(e: store::Error) -> anyhow::Error {
    if e.is_bad_input() {
        anyhow::Error::new(BadInput(e.to_string()))
    } else {
        anyhow::Error::new(e)
    }
}

fn db_path(db: Option<&Path>) -> Result<PathBuf> {
    match db {
        Some(p) => Ok(p.to_path_buf()),
        None => store::default_location().map_err(classify),
    }
}

/// Runs `heartlens db`.
pub fn run(args: Args) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match args.action {
        Action::Path => {
            writeln!(out, "{}", db_path(args.db.as_deref())?.display())?;
        }
        Action::Check { file } => {
            let file = match file {
                Some(f) => f,
                None => db_path(args.db.as_deref())?,
            };
            if store::is_postgres_url(&file) {
                let (role, version) = store::blocking::with_store(Some(&file), async |s| {
                    s.integrity_check().await?;
                    Ok((s.role().await?, store::supported_schema_version()))
                })
                .map_err(classify)?;
                writeln!(
                    out,
                    "{}: ok (PostgreSQL, role {}, schema {version})",
                    file.display(),
                    role.unwrap_or_default()
                )?;
                return Ok(());
            }
            if !file.exists() {
                return Err(anyhow::Error::new(BadInput(format!(
                    "{}: no such file",
                    file.display()
                ))));
            }
            let version = store::blocking::verify(&file).map_err(classify)?;
            writeln!(
                out,
                "{}: ok (schema {}, this build supports {})",
                file.display(),
                version.map_or_else(|| "none".to_string(), |v| v.to_string()),
                store::supported_schema_version()
            )?;
        }
        Action::Backup { out: target } => {
            let db = store::blocking::backup(args.db.as_deref(), &target)
                .map_err(classify)
                .with_context(|| format!("backing up to {}", target.display()))?;
            writeln!(out, "backed up {} to {}", db.display(), target.display())?;
        }
        Action::Restore { input } => {
            let (db, saved) = store::blocking::restore(args.db.as_deref(), &input)
                .map_err(classify)
                .with_context(|| format!("restoring from {}", input.display()))?;
            writeln!(out, "restored {} from {}", db.display(), input.display())?;
            if let Some(saved) = saved {
                writeln!(out, "previous database kept at {}", saved.display())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("heartlens-cli-db-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    fn is_bad_input(e: &anyhow::Error) -> bool {
        e.chain().any(|c| c.downcast_ref::<BadInput>().is_some())
    }

    #[test]
    fn backup_check_and_restore_round_trip() {
        let dir = scratch("roundtrip");
        let db = dir.join("heartlens.sqlite3");
        let out = dir.join("backup.sqlite3");
        let args = |action| Args {
            action,
            db: Some(db.clone()),
        };
        run(args(Action::Backup { out: out.clone() }))
            .expect("backup creates the store and copies it");
        run(args(Action::Check {
            file: Some(out.clone()),
        }))
        .expect("backup verifies");
        run(args(Action::Restore { input: out.clone() })).expect("restore");
        run(args(Action::Check { file: None })).expect("restored store verifies");
        let again = run(args(Action::Backup { out: out.clone() })).unwrap_err();
        assert!(
            !is_bad_input(&again),
            "an existing target is a usage error, exit 1: {again:#}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn restoring_a_text_file_exits_as_bad_input_and_keeps_the_store() {
        let dir = scratch("badinput");
        let db = dir.join("heartlens.sqlite3");
        let text = dir.join("notes.txt");
        std::fs::write(&text, "not a database").expect("write");
        let err = run(Args {
            action: Action::Restore { input: text },
            db: Some(db.clone()),
        })
        .unwrap_err();
        assert!(is_bad_input(&err), "{err:#}");
        assert!(
            format!("{err:#}").contains("not a Heartlens database"),
            "{err:#}"
        );
        assert!(!db.exists(), "nothing was created or replaced");
        let err = run(Args {
            action: Action::Check {
                file: Some(dir.join("missing")),
            },
            db: None,
        })
        .unwrap_err();
        assert!(is_bad_input(&err));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
