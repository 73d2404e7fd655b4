//! The model catalogue and downloads: `models/catalog.json` (recommended small chat GGUFs with
//! licence, size, quantisation, context length, the publisher's own download URL and SHA-256
//! when the publisher states it), and fetching one **only when the user asks**, with progress,
//! resume (HTTP `Range`), cancel, a free-disk check and verification, then installing it through
//! [`crate::import::import_gguf`] like `models import`.
//!
//! This is the only code in Heartlens that uses the network. It does not own the models folder
//! layout (the registry and import do); the partial file lives in `models_dir/.downloads/`,
//! which the registry does not list.
//!
//! Points to read in order:
//! 1. [`download`]: a `.part` file that already exists is resumed with `Range: bytes=N-`; a
//!    server that answers 200 instead of 206 restarts it from zero. Redirects are followed by hand
//!    (at most 10) so the hash and size a hub states on its redirect (`X-Linked-Etag`,
//!    `X-Linked-Size`, as Hugging Face does for LFS files) are not lost.
//! 2. free disk: before writing, the bytes still to fetch plus one more copy of the whole file
//!    (import copies it into the model folder) must fit in the free space of the folder.
//! 3. verification: the expected SHA-256 is the catalogue's, else the server's when it is 64 hex
//!    digits; a mismatch removes the file and says so. Without either, the download is kept and
//!    reported as not verified.
//! 4. cancel: a flag checked between 64-KiB chunks; the `.part` file is kept so the next
//!    download of the same model resumes (discard it with [`discard_partial`]).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::error::{LlmError, Result};
use crate::import::{Manifest, import_gguf, sha256_file};

/// The catalogue shipped with Heartlens (`models/catalog.json`).
pub const CATALOG_JSON: &str = include_str!("../../../models/catalog.json");

/// One recommended model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogModel {
    /// Name used on the command line and as the installed model's folder.
    pub name: String,
    /// Name shown to people.
    pub title: String,
    /// Who publishes the weights.
    pub publisher: String,
    /// Licence of the weights (SPDX id or the licence's name).
    pub license: String,
    /// Parameters, e.g. "135M".
    pub parameters: String,
    /// GGUF weight type, e.g. "Q4_K_M".
    pub quantization: String,
    /// Context length in tokens.
    pub context_length: u32,
    /// Size of the file in bytes, for the early free-disk check (the server's size wins).
    pub bytes: u64,
    /// Where `bytes` comes from (the hub's listing, or approximate).
    pub bytes_source: String,
    /// Download URL on the publisher's own model-hub repository.
    pub url: String,
    /// SHA-256 of the file when the publisher states it (the hub's LFS object id), else `None`.
    pub sha256: Option<String>,
    /// Where the hash was read, or why there is none.
    pub sha256_source: String,
    /// One line for the Models page.
    pub notes: String,
}

/// The catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Format version (1).
    pub version: u32,
    /// The models, smallest first.
    pub models: Vec<CatalogModel>,
}

impl Catalog {
    /// The catalogue shipped with Heartlens.
    pub fn builtin() -> Self {
        // The file is checked by this module's tests, so it always parses.
        Self::parse(CATALOG_JSON).expect("models/catalog.json is valid (tested)")
    }

    /// Parses catalogue JSON.
    pub fn parse(json: &str) -> Result<Self> {
        serde_json::from_str(json)
            .map_err(|e| LlmError::Invalid(format!("models/catalog.json: {e}")))
    }

    /// The model called `name`.
    pub fn find(&self, name: &str) -> Option<&CatalogModel> {
        self.models.iter().find(|m| m.name == name)
    }

    /// The smallest model (what the first run offers).
    pub fn smallest(&self) -> Option<&CatalogModel> {
        self.models.iter().min_by_key(|m| m.bytes)
    }
}

/// What to download: a catalogue entry or a pasted URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The URL.
    pub url: String,
    /// Name to install the model under.
    pub name: String,
    /// Expected SHA-256 (from the catalogue).
    pub sha256: Option<String>,
    /// Expected size (from the catalogue), for the free-disk check before the server answers.
    pub bytes: Option<u64>,
}

impl Source {
    /// A catalogue model, or a URL (`http://` or `https://`), whose name is the file name
    /// without `.gguf`.
    pub fn resolve(spec: &str, catalog: &Catalog) -> Result<Self> {
        if let Some(m) = catalog.find(spec) {
            return Ok(Self {
                url: m.url.clone(),
                name: m.name.clone(),
                sha256: m.sha256.clone(),
                bytes: Some(m.bytes),
            });
        }
        if spec.starts_with("http://") || spec.starts_with("https://") {
            let file = spec
                .split(['?', '#'])
                .next()
                .unwrap_or(spec)
                .rsplit('/')
                .next()
                .unwrap_or("");
            let name = file.strip_suffix(".gguf").unwrap_or(file);
            let name: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            let name = name.trim_start_matches('.').to_string();
            if name.is_empty() {
                return Err(LlmError::Invalid(format!(
                    "{spec}: the URL names no file; give --name"
                )));
            }
            return Ok(Self {
                url: spec.to_string(),
                name,
                sha256: None,
                bytes: None,
            });
        }
        let names: Vec<&str> = catalog.models.iter().map(|m| m.name.as_str()).collect();
        Err(LlmError::Invalid(format!(
            "{spec:?} is neither a catalogue model ({}) nor an http(s) URL",
            names.join(", ")
        )))
    }
}

/// Download progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DownloadProgress {
    /// "connecting", "downloading", "verifying", "installing" or "done".
    pub stage: String,
    /// Bytes on disk so far.
    pub done: u64,
    /// Size of the file, when known.
    pub total: Option<u64>,
}

/// Free bytes in the folder holding a path; `None` when unknown (the check is skipped).
pub type FreeSpace = dyn Fn(&Path) -> Option<u64> + Send + Sync;

/// How to download.
#[derive(Clone)]
pub struct DownloadOptions {
    /// Set to stop after the current chunk (the partial file is kept for resuming).
    pub cancel: Arc<AtomicBool>,
    /// Free space of a folder ([`free_space`] by default; tests simulate a full disk).
    pub free_space: Arc<FreeSpace>,
    /// Request timeout per read, in seconds.
    pub timeout_s: u64,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            cancel: Arc::new(AtomicBool::new(false)),
            free_space: Arc::new(free_space),
            timeout_s: 60,
        }
    }
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("cancel", &self.cancel)
            .field("timeout_s", &self.timeout_s)
            .finish_non_exhaustive()
    }
}

/// Free bytes on the file system holding `dir` (statvfs on Unix; unknown elsewhere).
pub fn free_space(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let st = rustix::fs::statvfs(dir).ok()?;
        Some(st.f_bavail.saturating_mul(st.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// A finished download.
#[derive(Debug, Clone, PartialEq)]
pub struct Downloaded {
    /// The complete file.
    pub path: PathBuf,
    /// Its SHA-256.
    pub sha256: String,
    /// Where the expected hash came from ("catalogue", "server X-Linked-Etag"), or `None` when
    /// nothing stated one and the file is not verified.
    pub verified_by: Option<String>,
    /// Bytes fetched by this call (less than the size when resumed).
    pub fetched: u64,
}

/// The folder of partial downloads.
pub fn downloads_dir(models_dir: &Path) -> PathBuf {
    models_dir.join(".downloads")
}

/// Deletes the partial download of `name`, if any.
pub fn discard_partial(models_dir: &Path, name: &str) -> Result<()> {
    let p = part_path(models_dir, name);
    match std::fs::remove_file(&p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(LlmError::io(p, e)),
    }
}

fn part_path(models_dir: &Path, name: &str) -> PathBuf {
    downloads_dir(models_dir).join(format!("{name}.gguf.part"))
}

fn http_err(url: &str, message: impl Into<String>) -> LlmError {
    LlmError::Download {
        url: url.to_string(),
        message: message.into(),
    }
}

/// The server's statement of size and hash, from any hop of the redirect chain.
#[derive(Debug, Default)]
struct Stated {
    sha256: Option<(String, String)>,
    total: Option<u64>,
}

fn header<'a>(resp: &'a ureq::http::Response<ureq::Body>, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

fn sha_of_etag(v: &str) -> Option<String> {
    let v = v.trim().trim_start_matches("W/").trim_matches('"');
    (v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit())).then(|| v.to_ascii_lowercase())
}

fn note_stated(resp: &ureq::http::Response<ureq::Body>, stated: &mut Stated) {
    for h in ["x-linked-etag", "etag"] {
        if stated.sha256.is_none()
            && let Some(s) = header(resp, h).and_then(sha_of_etag)
        {
            let label = if h == "etag" { "ETag" } else { "X-Linked-Etag" };
            stated.sha256 = Some((s, format!("server {label}")));
        }
    }
    if stated.total.is_none() {
        stated.total = header(resp, "x-linked-size").and_then(|v| v.trim().parse().ok());
    }
}

/// Downloads `source` to `models_dir/.downloads/NAME.gguf.part`, resuming what is there, and
/// verifies it; returns the complete file (renamed to `NAME.gguf` in the same folder).
pub fn download(
    source: &Source,
    models_dir: &Path,
    opts: &DownloadOptions,
    mut progress: impl FnMut(DownloadProgress),
) -> Result<Downloaded> {
    let dir = downloads_dir(models_dir);
    std::fs::create_dir_all(&dir).map_err(|e| LlmError::io(&dir, e))?;
    let part = part_path(models_dir, &source.name);
    let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    progress(DownloadProgress {
        stage: "connecting".into(),
        done: have,
        total: source.bytes,
    });
    // (2) An early check from the catalogue's size, before any byte is fetched.
    if let Some(total) = source.bytes {
        check_space(&dir, total.saturating_sub(have) + total, opts)?;
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_connect(Some(std::time::Duration::from_secs(opts.timeout_s)))
        .timeout_recv_body(None)
        .timeout_recv_response(Some(std::time::Duration::from_secs(opts.timeout_s)))
        .build()
        .into();
    // (1) Follow redirects by hand, keeping what each hop states.
    let mut stated = Stated::default();
    let mut url = source.url.clone();
    let mut resp = None;
    for _ in 0..10 {
        let mut req = agent.get(&url);
        if have > 0 {
            req = req.header("Range", format!("bytes={have}-"));
        }
        let r = req
            .call()
            .map_err(|e| http_err(&url, format!("cannot connect: {e}")))?;
        note_stated(&r, &mut stated);
        let status = r.status().as_u16();
        if (300..400).contains(&status) {
            let Some(loc) = header(&r, "location") else {
                return Err(http_err(&url, format!("HTTP {status} without a Location")));
            };
            url = join_url(&url, loc);
            continue;
        }
        resp = Some(r);
        break;
    }
    let Some(resp) = resp else {
        return Err(http_err(&source.url, "more than 10 redirects"));
    };
    let status = resp.status().as_u16();
    let (mut start, total) = match status {
        206 => {
            let total = header(&resp, "content-range")
                .and_then(|v| v.rsplit('/').next())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let from = header(&resp, "content-range")
                .and_then(|v| v.trim().strip_prefix("bytes "))
                .and_then(|v| v.split('-').next())
                .and_then(|v| v.trim().parse::<u64>().ok());
            if from != Some(have) {
                return Err(http_err(
                    &url,
                    format!(
                        "asked for bytes from {have}, the server sent {:?}",
                        header(&resp, "content-range")
                    ),
                ));
            }
            (have, total.or(stated.total))
        }
        200 => {
            let len = header(&resp, "content-length").and_then(|v| v.trim().parse::<u64>().ok());
            (0, len.or(stated.total))
        }
        416 if have > 0 => {
            // Asked beyond the end: the partial file is already complete.
            (have, Some(have))
        }
        _ => {
            return Err(http_err(
                &url,
                format!(
                    "the server answered HTTP {status} {}",
                    resp.status().canonical_reason().unwrap_or("")
                ),
            ));
        }
    };
    if let Some(total) = total {
        check_space(&dir, total.saturating_sub(start) + total, opts)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(start > 0)
        .write(true)
        .truncate(start == 0)
        .open(&part)
        .map_err(|e| LlmError::io(&part, e))?;
    let mut fetched = 0u64;
    if status != 416 {
        let mut body = resp.into_body();
        let mut reader = body.as_reader();
        let mut buf = vec![0u8; 64 * 1024];
        let mut last_report = 0u64;
        loop {
            // (4) Cancel between chunks; the partial file stays for a resume.
            if opts.cancel.load(Ordering::Relaxed) {
                file.flush().map_err(|e| LlmError::io(&part, e))?;
                return Err(LlmError::Cancelled);
            }
            let n = reader
                .read(&mut buf)
                .map_err(|e| http_err(&url, format!("the connection broke: {e}")))?;
            if n == 0 {
                break;
            }
            file.write_all(&buf[..n])
                .map_err(|e| LlmError::io(&part, e))?;
            start += n as u64;
            fetched += n as u64;
            if start - last_report >= 1 << 20 {
                last_report = start;
                progress(DownloadProgress {
                    stage: "downloading".into(),
                    done: start,
                    total,
                });
            }
        }
    }
    file.sync_all().map_err(|e| LlmError::io(&part, e))?;
    drop(file);
    if let Some(total) = total
        && start != total
    {
        return Err(http_err(
            &url,
            format!(
                "the server closed the connection after {start} of {total} bytes; run the download again to resume"
            ),
        ));
    }
    // (3) Verify.
    progress(DownloadProgress {
        stage: "verifying".into(),
        done: start,
        total,
    });
    let found = sha256_file(&part)?;
    let expected = source
        .sha256
        .clone()
        .map(|s| (s.to_ascii_lowercase(), "catalogue".to_string()))
        .or(stated.sha256);
    if let Some((want, by)) = &expected
        && *want != found
    {
        let _ = std::fs::remove_file(&part);
        return Err(LlmError::DownloadHash {
            url: source.url.clone(),
            expected: want.clone(),
            found,
            by: by.clone(),
        });
    }
    let done = dir.join(format!("{}.gguf", source.name));
    std::fs::rename(&part, &done).map_err(|e| LlmError::io(&done, e))?;
    Ok(Downloaded {
        path: done,
        sha256: found,
        verified_by: expected.map(|(_, by)| by),
        fetched,
    })
}

fn check_space(dir: &Path, needed: u64, opts: &DownloadOptions) -> Result<()> {
    match (opts.free_space)(dir) {
        Some(free) if free < needed => Err(LlmError::NoSpace {
            path: dir.to_path_buf(),
            needed,
            free,
        }),
        _ => Ok(()),
    }
}

fn join_url(base: &str, loc: &str) -> String {
    if loc.starts_with("http://") || loc.starts_with("https://") {
        return loc.to_string();
    }
    // scheme://host[:port]
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    if loc.starts_with('/') {
        format!("{}{loc}", &base[..host_end])
    } else {
        let dir_end = base
            .rfind('/')
            .filter(|i| *i >= host_end)
            .unwrap_or(host_end);
        format!("{}/{loc}", &base[..dir_end])
    }
}

/// Downloads `source` and installs it as `models_dir/NAME` through [`import_gguf`] (the same
/// checks as `models import`); the downloaded file is removed once installed.
pub fn download_and_install(
    source: &Source,
    models_dir: &Path,
    opts: &DownloadOptions,
    mut progress: impl FnMut(DownloadProgress),
) -> Result<(Manifest, Downloaded)> {
    if models_dir.join(&source.name).exists() {
        return Err(LlmError::Invalid(format!(
            "a model named {:?} is already installed in {}; remove it first",
            source.name,
            models_dir.display()
        )));
    }
    let got = download(source, models_dir, opts, &mut progress)?;
    progress(DownloadProgress {
        stage: "installing".into(),
        done: 0,
        total: None,
    });
    let manifest = import_gguf(&got.path, None, models_dir, &source.name, |_| {})?;
    let _ = std::fs::remove_file(&got.path);
    progress(DownloadProgress {
        stage: "done".into(),
        done: manifest.total_bytes(),
        total: Some(manifest.total_bytes()),
    });
    Ok((manifest, got))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_parses_and_names_publisher_urls() {
        let c = Catalog::builtin();
        assert!(c.models.len() >= 3);
        for m in &c.models {
            assert!(m.url.starts_with("https://huggingface.co/"), "{}", m.url);
            assert!(m.url.ends_with(".gguf"), "{}", m.url);
            assert!(m.bytes > 10_000_000, "{}", m.name);
            if let Some(h) = &m.sha256 {
                assert!(sha_of_etag(h).is_some(), "{}: {h}", m.name);
            }
            assert!(!m.sha256_source.is_empty());
        }
        assert_eq!(c.smallest().unwrap().name, c.models[0].name);
    }

    #[test]
    fn a_pasted_url_gets_its_file_name_and_other_words_are_refused() {
        let c = Catalog::builtin();
        let s = Source::resolve("https://example.org/a/b/My Model.Q4.gguf?download=1", &c).unwrap();
        assert_eq!(s.name, "My-Model.Q4");
        assert!(Source::resolve("nonsense", &c).is_err());
        let first = &c.models[0];
        assert_eq!(Source::resolve(&first.name, &c).unwrap().url, first.url);
    }

    #[test]
    fn relative_redirects_are_joined() {
        assert_eq!(join_url("http://h:1/a/b", "/c"), "http://h:1/c");
        assert_eq!(join_url("http://h:1/a/b", "c"), "http://h:1/a/c");
        assert_eq!(join_url("http://h/a", "https://x/y"), "https://x/y");
    }

    #[test]
    fn etags_are_hashes_only_when_they_are_64_hex_digits() {
        let h = "A".repeat(64);
        assert_eq!(sha_of_etag(&format!("\"{h}\"")), Some("a".repeat(64)));
        assert_eq!(sha_of_etag("\"abc\""), None);
    }
}
