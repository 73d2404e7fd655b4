//! The schema's history: every migration applies from an empty database and from each earlier
//! schema with data in it, and files that are not ours, or newer, are refused untouched; on
//! SQLite and on PostgreSQL. A store written by Heartlens before PostgreSQL support still opens
//! with its data and its signatures' digests.

mod common;

use std::borrow::Cow;

use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use store::{Error, MIGRATOR, PG_MIGRATOR, Store};

use common::file_digest;

async fn raw_conn(path: &std::path::Path) -> SqliteConnection {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    SqliteConnection::connect_with(&opts)
        .await
        .expect("connect")
}

fn prefix_migrator(k: usize) -> Migrator {
    let mut m = Migrator::with_migrations(MIGRATOR.iter().take(k).cloned().collect());
    m.migrations = Cow::Owned(m.migrations.to_vec());
    m
}

/// Inserts a row into every table that exists after the first `k` migrations, so that the
/// later migrations run over data.
async fn seed(conn: &mut SqliteConnection, k: usize) {
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut *conn)
            .await
            .expect("tables");
    let has = |t: &str| tables.iter().any(|x| x == t);
    let hash = format!("{:064x}", k + 1);
    if has("recordings") {
        sqlx::query(
            "INSERT INTO recordings (content_sha256, size_bytes, last_path, format, metadata_json, \
             first_seen_at_ms, last_opened_at_ms) VALUES (?, 1, '/old', 'WFDB', '{}', 1, 1)",
        )
        .bind(&hash)
        .execute(&mut *conn)
        .await
        .expect("seed recording");
    }
    if has("annotations") {
        sqlx::query(
            "INSERT INTO annotations (recording_id, start_s, end_s, kind, text, author, created_at_ms, updated_at_ms) \
             SELECT id, 1.0, 2.0, 'note', 'seeded', 'test', 1, 1 FROM recordings WHERE content_sha256 = ?",
        )
        .bind(&hash)
        .execute(&mut *conn)
        .await
        .expect("seed annotation");
    }
    if has("settings") {
        sqlx::query("INSERT INTO settings (key, value_json, updated_at_ms) VALUES (?, '1', 1)")
            .bind(format!("seed.{k}"))
            .execute(&mut *conn)
            .await
            .expect("seed setting");
    }
}

#[tokio::test]
async fn migrations_apply_from_empty_and_from_every_earlier_schema() {
    let n = MIGRATOR.iter().count();
    assert!(n >= 1);
    for k in 0..=n {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("heartlens.sqlite3");
        let mut seeded_recordings = 0;
        if k > 0 {
            let mut conn = raw_conn(&path).await;
            prefix_migrator(k)
                .run(&mut conn)
                .await
                .expect("apply prefix");
            seed(&mut conn, k).await;
            seeded_recordings = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM recordings")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
        }
        let store = Store::open(&path)
            .await
            .unwrap_or_else(|e| panic!("open after {k} migrations: {e}"));
        let versions: Vec<i64> = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(store.sqlite_pool().unwrap())
        .await
        .unwrap();
        let expected: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
        assert_eq!(versions, expected, "after starting from {k} migrations");
        let recs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recordings")
            .fetch_one(store.sqlite_pool().unwrap())
            .await
            .unwrap();
        assert_eq!(
            recs, seeded_recordings,
            "seeded rows survive from schema {k}"
        );
        store.integrity_check().await.unwrap();
        let fk: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
            .fetch_all(store.sqlite_pool().unwrap())
            .await
            .unwrap();
        assert!(fk.is_empty(), "foreign keys hold after schema {k}: {fk:?}");
        store.close().await;
    }
}

#[tokio::test]
async fn migration_files_are_one_per_version_and_never_empty() {
    let mut versions: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    let n = versions.len();
    versions.dedup();
    assert_eq!(versions.len(), n);
    for m in MIGRATOR.iter() {
        assert!(
            !m.sql.as_str().trim().is_empty(),
            "migration {} is empty",
            m.version
        );
    }
}

#[tokio::test]
async fn open_sets_wal_foreign_keys_and_application_id() {
    let t = common::temp_store().await;
    let mut read = t.store.read().await.unwrap();
    let conn = read.as_sqlite().unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(busy, 30_000);
    let app: i32 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(app, store::APPLICATION_ID);
}

#[tokio::test]
async fn a_text_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("heartlens.sqlite3");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(10)).unwrap();
    let before = file_digest(&path);
    let err = Store::open(&path).await.unwrap_err();
    assert!(matches!(err, Error::NotADatabase { .. }), "{err}");
    assert!(err.is_bad_input());
    let msg = err.to_string();
    assert!(
        msg.contains("not a Heartlens database") && msg.contains("untouched"),
        "{msg}"
    );
    assert_eq!(file_digest(&path), before);
    assert!(!dir.path().join("heartlens.sqlite3-wal").exists());
}

#[tokio::test]
async fn a_truncated_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    std::fs::write(&path, b"SQLite format 3\0short").unwrap();
    let err = Store::open(&path).await.unwrap_err();
    assert!(matches!(err, Error::NotADatabase { .. }), "{err}");
}

#[tokio::test]
async fn another_applications_database_is_refused_and_not_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite3");
    {
        let mut conn = raw_conn(&path).await;
        sqlx::query("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO contacts (name) VALUES ('Ada')")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let before = file_digest(&path);
    let err = Store::open(&path).await.unwrap_err();
    match &err {
        Error::ForeignDatabase {
            tables,
            application_id,
            ..
        } => {
            assert_eq!(tables, "contacts");
            assert_eq!(*application_id, 0);
        }
        other => panic!("expected ForeignDatabase, got {other}"),
    }
    assert!(err.to_string().contains("another application"), "{err}");
    assert_eq!(
        file_digest(&path),
        before,
        "foreign database must not change"
    );
}

#[tokio::test]
async fn a_database_from_a_newer_heartlens_is_refused_not_damaged() {
    let t = common::temp_store().await;
    let path = t.path();
    let future = store::supported_schema_version() + 1;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (?, 'from the future', 1, x'00', 0)",
    )
    .bind(future)
    .execute(t.store.sqlite_pool().unwrap())
    .await
    .unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(t.store.sqlite_pool().unwrap())
        .await
        .unwrap();
    t.store.clone().close().await;
    let before = file_digest(&path);
    let err = Store::open(&path).await.unwrap_err();
    match &err {
        Error::NewerSchema {
            found, supported, ..
        } => {
            assert_eq!(*found, future);
            assert_eq!(*supported, future - 1);
        }
        other => panic!("expected NewerSchema, got {other}"),
    }
    assert!(err.to_string().contains("update Heartlens"), "{err}");
    assert_eq!(file_digest(&path), before);
}

#[tokio::test]
async fn a_corrupt_database_reports_corruption_with_the_path() {
    let t = common::temp_store().await;
    let path = t.path();
    let rec = common::recording(&t.store, "corrupt").await;
    for i in 0..200 {
        t.store
            .add_annotation(
                rec.id,
                &store::annotations::AnnotationData::note(i as f64, i as f64, "x".repeat(200)),
                "t",
            )
            .await
            .unwrap();
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(t.store.sqlite_pool().unwrap())
        .await
        .unwrap();
    t.store.clone().close().await;
    // Overwrite page 3 onwards with garbage, keeping the header.
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    for b in bytes.iter_mut().skip(2 * page).take(4 * page) {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = match Store::open(&path).await {
        Ok(s) => s.integrity_check().await.unwrap_err(),
        Err(e) => e,
    };
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("heartlens.sqlite3"), "{err}");
}

#[tokio::test]
async fn a_store_interrupted_before_its_first_migration_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("heartlens.sqlite3");
    {
        // What a crash right after creating the file leaves: our id, no tables.
        let mut conn = raw_conn(&path).await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA application_id = {}",
            store::APPLICATION_ID
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query("CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
                     installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, \
                     checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let store = Store::open(&path).await.expect("reopens and migrates");
    store.integrity_check().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(store.sqlite_pool().unwrap())
        .await
        .unwrap();
    assert_eq!(n, MIGRATOR.iter().count() as i64);
}

#[test]
fn every_migration_has_a_twin_for_the_other_dialect() {
    let list = |m: &Migrator| -> Vec<(i64, String)> {
        m.iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect()
    };
    assert_eq!(
        list(&MIGRATOR),
        list(&PG_MIGRATOR),
        "migrations/sqlite and migrations/postgres must hold the same versions and names \
         (see migrations/README.md)"
    );
}

/// `tests/data/store-main-f34f8aa.sqlite3` was written by the store of commit f34f8aa (before
/// PostgreSQL support moved the migrations into migrations/sqlite): two recordings, annotations
/// with an edit, a delete and its undo, an override, a confirmed statement, a signature, a chat,
/// a report and a setting.
#[tokio::test]
async fn a_store_made_before_postgres_support_opens_with_its_data_and_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("heartlens.sqlite3");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/store-main-f34f8aa.sqlite3"
        ),
        &path,
    )
    .unwrap();
    let s = Store::open(&path)
        .await
        .expect("an existing store opens: checksums of the moved migrations unchanged");
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY 1")
        .fetch_all(s.sqlite_pool().unwrap())
        .await
        .unwrap();
    assert_eq!(
        versions,
        MIGRATOR.iter().map(|m| m.version).collect::<Vec<_>>()
    );
    let recent = s.recent(10).await.unwrap();
    assert_eq!(recent.len(), 2);
    let open = recent
        .iter()
        .find(|r| r.last_path == "/data/open.hea")
        .unwrap();
    let signed = recent
        .iter()
        .find(|r| r.last_path == "/data/signed.hea")
        .unwrap();
    let snap = s.load_session(open.id).await.unwrap();
    let texts: Vec<&str> = snap
        .annotations
        .iter()
        .map(|a| a.data.text.as_str())
        .collect();
    assert_eq!(texts, ["first edited", "second", "analysis mark"]);
    assert!(snap.annotations.iter().all(|a| a.version == 1));
    assert_eq!(snap.overrides[0].value, 452.0);
    assert_eq!(snap.threads.len(), 1);
    // The signature's digest is still what the stored review hashes to.
    let sig = s.review_state(signed.id).await.unwrap().signature.unwrap();
    let mut conn = s.read().await.unwrap();
    assert_eq!(
        store::review::review_digest(&mut conn, signed.id)
            .await
            .unwrap(),
        sig.review_sha256
    );
    drop(conn);
    assert!(matches!(
        s.add_annotation(
            signed.id,
            &store::annotations::AnnotationData::note(1.0, 1.0, "x"),
            "dr.a"
        )
        .await,
        Err(Error::Locked { .. })
    ));
    // Old audit rows replay: undo takes back dr.a's latest change (the undo of the delete).
    let undone = s.undo(open.id, "dr.a").await.unwrap().unwrap();
    assert_eq!(undone.data.text, "second");
    assert!(undone.deleted_at_ms.is_some());
    assert_eq!(undone.version, 2);
    assert!(
        s.history(open.id)
            .await
            .unwrap()
            .iter()
            .all(|e| e.role.is_none())
    );
    s.integrity_check().await.unwrap();
}

fn pg_prefix_migrator(k: usize) -> Migrator {
    let mut m = Migrator::with_migrations(PG_MIGRATOR.iter().take(k).cloned().collect());
    m.migrations = Cow::Owned(m.migrations.to_vec());
    m
}

async fn pg_conn(url: &std::path::Path) -> PgConnection {
    PgConnection::connect(&url.to_string_lossy())
        .await
        .expect("connect")
}

#[tokio::test]
async fn postgres_migrations_apply_from_empty_and_from_every_earlier_schema() {
    if !common::postgres_available() {
        return;
    }
    let n = PG_MIGRATOR.iter().count();
    for k in 0..=n {
        let url = common::new_database().await;
        let mut seeded = 0;
        if k > 0 {
            let mut conn = pg_conn(&url).await;
            pg_prefix_migrator(k)
                .run(&mut conn)
                .await
                .expect("apply prefix");
            let has_recordings: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'recordings')",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            if has_recordings {
                sqlx::query(
                    "INSERT INTO recordings (content_sha256, size_bytes, last_path, format, \
                     metadata_json, first_seen_at_ms, last_opened_at_ms) \
                     VALUES ($1, 1, '/old', 'WFDB', '{}', 1, 1)",
                )
                .bind(format!("{:064x}", k + 1))
                .execute(&mut conn)
                .await
                .expect("seed recording");
                seeded = 1;
            }
            conn.close().await.unwrap();
        }
        let s = Store::open(&url)
            .await
            .unwrap_or_else(|e| panic!("open after {k} migrations: {e}"));
        let mut conn = s.read().await.unwrap();
        let versions: Vec<i64> = store::sql::query(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .scalars(&mut conn)
        .await
        .unwrap();
        assert_eq!(
            versions,
            PG_MIGRATOR.iter().map(|m| m.version).collect::<Vec<_>>(),
            "after starting from {k} migrations"
        );
        let recs: i64 = store::sql::query("SELECT COUNT(*) FROM recordings")
            .scalar(&mut conn)
            .await
            .unwrap();
        assert_eq!(recs, seeded, "seeded rows survive from schema {k}");
        drop(conn);
        s.integrity_check().await.unwrap();
        s.close().await;
    }
}

#[tokio::test]
async fn a_postgres_database_of_another_application_or_a_newer_heartlens_is_refused() {
    if !common::postgres_available() {
        return;
    }
    let other = common::new_database().await;
    let mut conn = pg_conn(&other).await;
    sqlx::raw_sql("CREATE TABLE contacts (id BIGINT PRIMARY KEY, name TEXT)")
        .execute(&mut conn)
        .await
        .unwrap();
    let err = Store::open(&other).await.unwrap_err();
    assert!(matches!(err, Error::NotADatabase { .. }), "{err}");
    assert!(err.to_string().contains("contacts"), "{err}");
    let untouched: bool = sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = '_sqlx_migrations')",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(
        untouched,
        "nothing was migrated into another application's database"
    );
    conn.close().await.unwrap();

    let t = common::temp_store_on(common::Kind::Postgres).await;
    let future = store::supported_schema_version() + 1;
    let mut conn = t.store.read().await.unwrap();
    store::sql::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (?, 'from the future', TRUE, '\\x00'::bytea, 0)",
    )
    .bind(future)
    .execute(&mut conn)
    .await
    .unwrap();
    drop(conn);
    let err = Store::open(t.path()).await.unwrap_err();
    match &err {
        Error::NewerSchema { found, .. } => assert_eq!(*found, future),
        other => panic!("expected NewerSchema, got {other}"),
    }
}

/// A reader role may use an up-to-date store but not migrate one: it is told to let the owner
/// open it first, and nothing changes.
#[tokio::test]
async fn a_postgres_reader_role_cannot_migrate_and_is_told_who_can() {
    if !common::postgres_available() {
        return;
    }
    let url = common::new_database().await;
    let n = PG_MIGRATOR.iter().count();
    let mut conn = pg_conn(&url).await;
    pg_prefix_migrator(n - 1)
        .run(&mut conn)
        .await
        .expect("apply all but the last");
    conn.close().await.unwrap();
    common::grant_readers(&url).await;
    let as_reader = std::path::PathBuf::from(url.to_string_lossy().replacen(
        "postgres://postgres@",
        "postgres://dr_a@",
        1,
    ));
    let err = Store::open(&as_reader).await.unwrap_err();
    assert!(err.to_string().contains("database owner"), "{err}");
    // The owner migrates; then the reader opens without migrating.
    Store::open(&url).await.unwrap().close().await;
    common::grant_readers(&url).await;
    let s = Store::open(&as_reader)
        .await
        .expect("reader opens an up-to-date store");
    assert_eq!(s.role().await.unwrap().as_deref(), Some("dr_a"));
}
