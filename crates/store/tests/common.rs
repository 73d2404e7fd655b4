//! Helpers shared by the integration tests: a temp store with one recording.

#![allow(dead_code)]

use std::path::PathBuf;

use store::Store;
use store::recordings::{ContentHash, NewRecording, Recording};

pub struct TempStore {
    pub dir: tempfile::TempDir,
    pub store: Store,
}

impl TempStore {
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("heartlens.sqlite3")
    }
}

pub async fn temp_store() -> TempStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("heartlens.sqlite3"))
        .await
        .expect("open store");
    TempStore { dir, store }
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
