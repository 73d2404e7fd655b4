//! Helpers shared by the integration tests: a temp store with one recording, on SQLite or on a
//! throwaway PostgreSQL server, and `on_both!` to run a test against both back ends.
//!
//! The PostgreSQL server is `scripts/pg-throwaway.sh`: one cluster per test binary, in a temp
//! dir, reachable only through a unix socket there, started on first use and stopped and removed
//! by the script as soon as this process exits (also after a panic or a kill). Each store gets
//! its own database. Without PostgreSQL the `postgres` variants print a note and pass, unless
//! `HEARTLENS_REQUIRE_POSTGRES=1` (set by scripts/test.sh, so CI fails instead).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use store::Store;
use store::recordings::{ContentHash, NewRecording, Recording};

/// Which back end a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Kind)` as two tests, `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::Kind::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if $crate::common::postgres_available() {
                        super::$name($crate::common::Kind::Postgres).await
                    }
                }
            }
        )*
    };
}

/// The department roles every test database grants table privileges to.
pub const READERS: [&str; 2] = ["dr_a", "dr_b"];

pub struct TempStore {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub kind: Kind,
    location: PathBuf,
}

impl TempStore {
    /// Where the store is: the SQLite file, or the database URL (as `Store::open` takes it).
    pub fn path(&self) -> PathBuf {
        self.location.clone()
    }

    /// The same database as another role (PostgreSQL only).
    pub fn url_as(&self, role: &str) -> PathBuf {
        let url = self.location.to_string_lossy();
        let rest = url
            .strip_prefix("postgres://postgres@")
            .expect("a test database URL");
        PathBuf::from(format!("postgres://{role}@{rest}"))
    }
}

pub async fn temp_store() -> TempStore {
    temp_store_on(Kind::Sqlite).await
}

pub async fn temp_store_on(kind: Kind) -> TempStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let location = match kind {
        Kind::Sqlite => dir.path().join("heartlens.sqlite3"),
        Kind::Postgres => new_database().await,
    };
    let store = Store::open(&location).await.expect("open store");
    if kind == Kind::Postgres {
        grant_readers(&location).await;
    }
    TempStore {
        dir,
        store,
        kind,
        location,
    }
}

struct Cluster {
    /// Superuser URL of the `postgres` database.
    admin_url: String,
    /// The script; it stops the server when this process exits.
    _script: std::process::Child,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(0);

fn cluster() -> &'static Result<Cluster, String> {
    CLUSTER.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/pg-throwaway.sh");
        let mut child = Command::new("bash")
            .arg(script)
            .arg(std::process::id().to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot run {script}: {e}"))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .map_err(|e| format!("reading {script}: {e}"))?;
        let line = line.trim();
        let Some(url) = line.strip_prefix("READY ") else {
            let _ = child.kill();
            return Err(format!("{script}: {line}"));
        };
        let cluster = Cluster {
            admin_url: url.to_string(),
            _script: child,
        };
        // Roles are cluster-wide: create them once. A thread with its own runtime, since this
        // may run inside a test's runtime.
        let admin = cluster.admin_url.clone();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    let mut c = PgConnection::connect(&admin).await.expect("connect admin");
                    sqlx::raw_sql("CREATE ROLE heartlens_reader NOLOGIN")
                        .execute(&mut c)
                        .await
                        .expect("create group role");
                    for r in READERS {
                        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                            "CREATE ROLE {r} LOGIN IN ROLE heartlens_reader"
                        )))
                        .execute(&mut c)
                        .await
                        .expect("create reader role");
                    }
                })
        })
        .join()
        .map_err(|_| "creating the reader roles failed".to_string())?;
        Ok(cluster)
    })
}

/// True when a PostgreSQL server could be started; otherwise prints why and returns false, or
/// panics under `HEARTLENS_REQUIRE_POSTGRES=1`.
pub fn postgres_available() -> bool {
    match cluster() {
        Ok(_) => true,
        Err(why) => {
            if std::env::var_os("HEARTLENS_REQUIRE_POSTGRES").is_some_and(|v| v != "0") {
                panic!("PostgreSQL is required (HEARTLENS_REQUIRE_POSTGRES=1) but {why}");
            }
            eprintln!("note: PostgreSQL variant skipped: {why}");
            false
        }
    }
}

/// The admin URL with another database name.
fn with_database(admin_url: &str, db: &str) -> String {
    admin_url.replacen("/postgres?", &format!("/{db}?"), 1)
}

/// A new empty database on the cluster; returns its superuser URL.
pub async fn new_database() -> PathBuf {
    let cluster = cluster().as_ref().expect("PostgreSQL cluster");
    let name = format!(
        "hl_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    let mut c = PgConnection::connect(&cluster.admin_url)
        .await
        .expect("connect admin");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut c)
        .await
        .expect("create database");
    c.close().await.expect("close admin");
    PathBuf::from(with_database(&cluster.admin_url, &name))
}

/// What a department's administrator runs once after the owner created the schema: the reader
/// roles may read and write the tables (the schema's triggers still refuse what no one may do).
pub async fn grant_readers(url: &std::path::Path) {
    let mut c = PgConnection::connect(&url.to_string_lossy())
        .await
        .expect("connect owner");
    sqlx::raw_sql(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO heartlens_reader; \
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO heartlens_reader",
    )
    .execute(&mut c)
    .await
    .expect("grant readers");
    c.close().await.expect("close owner");
}

pub fn new_recording(tag: &str) -> NewRecording {
    NewRecording {
        content_sha256: ContentHash::of_bytes(tag.as_bytes()),
        size_bytes: tag.len() as u64,
        path: format!("/data/{tag}.hea"),
        format: "WFDB".into(),
        metadata: serde_json::json!({ "tag": tag }),
    }
}

pub async fn recording(store: &Store, tag: &str) -> Recording {
    store
        .open_recording(&new_recording(tag))
        .await
        .expect("open recording")
}

pub fn file_digest(path: &std::path::Path) -> String {
    ContentHash::of_file(path).expect("hash file").0.to_string()
}
