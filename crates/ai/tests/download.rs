//! Model downloads against a local HTTP server started by each test (127.0.0.1 only, stops when
//! the test ends): a full download through a hub-style redirect, an interrupted one resumed with
//! `Range`, a server that ignores `Range`, wrong hashes (catalogue and server), server errors, a
//! full disk, and cancel then resume. The file served is the tiny random Llama GGUF of
//! `tests/data/llm`, so the install step runs the real `import_gguf`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ai::LlmError;
use ai::download::{DownloadOptions, DownloadProgress, Source, download, download_and_install};
use ai::registry::Registry;
use sha2::{Digest, Sha256};

fn gguf() -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/llm/tiny_random_llama_gguf/llama-2-tiny-random.gguf");
    std::fs::read(p).expect("the tiny GGUF is in tests/data/llm")
}

fn sha_hex(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

#[derive(Clone, Default)]
struct Behaviour {
    /// `/model.gguf` answers 302 to `/blob/model.gguf` with these hub headers.
    x_linked_etag: Option<String>,
    /// Answer every request with this status.
    status: Option<u16>,
    /// The first body is cut after this many bytes (the connection closes).
    cut_first_after: Option<usize>,
    /// Answer 200 with the whole file even when a Range is asked.
    ignore_range: bool,
}

struct Server {
    url: String,
    ranges: Arc<Mutex<Vec<Option<String>>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(body: Vec<u8>, b: Behaviour) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/model.gguf", listener.local_addr().unwrap());
    let ranges = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (r2, s2) = (ranges.clone(), stop.clone());
    let bodies_sent = AtomicUsize::new(0);
    let thread = std::thread::spawn(move || {
        // Stops when the test ends, or after a minute whatever happens.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !s2.load(Ordering::Relaxed) && Instant::now() < deadline {
            match listener.accept() {
                Ok((stream, _)) => {
                    let _ = handle(stream, &body, &b, &r2, &bodies_sent);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    Server {
        url,
        ranges,
        stop,
        thread: Some(thread),
    }
}

fn handle(
    stream: TcpStream,
    body: &[u8],
    b: &Behaviour,
    ranges: &Mutex<Vec<Option<String>>>,
    bodies_sent: &AtomicUsize,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut range = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("range")
        {
            range = Some(v.trim().to_string());
        }
    }
    let mut out = stream;
    if let Some(status) = b.status {
        write!(
            out,
            "HTTP/1.1 {status} Oops\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops!"
        )?;
        return Ok(());
    }
    if path == "/model.gguf" && b.x_linked_etag.is_some() {
        write!(
            out,
            "HTTP/1.1 302 Found\r\nLocation: /blob/model.gguf\r\nX-Linked-Etag: \"{}\"\r\nX-Linked-Size: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            b.x_linked_etag.as_deref().unwrap_or_default(),
            body.len()
        )?;
        return Ok(());
    }
    ranges.lock().unwrap().push(range.clone());
    let from = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok())
        .filter(|_| !b.ignore_range);
    let slice = &body[from.unwrap_or(0).min(body.len())..];
    match from {
        Some(f) => write!(
            out,
            "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {f}-{}/{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len() - 1,
            body.len(),
            slice.len()
        )?,
        None => write!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            slice.len()
        )?,
    }
    let n = bodies_sent.fetch_add(1, Ordering::SeqCst);
    let cut = if n == 0 { b.cut_first_after } else { None };
    match cut {
        Some(c) => {
            out.write_all(&slice[..c.min(slice.len())])?;
            out.flush()?;
            // Drop without sending the rest: the client sees the connection close early.
        }
        None => out.write_all(slice)?,
    }
    let mut sink = [0u8; 1];
    let _ = out.set_read_timeout(Some(Duration::from_millis(10)));
    let _ = (&out).read(&mut sink);
    Ok(())
}

fn source(url: &str, sha256: Option<String>) -> Source {
    Source {
        url: url.to_string(),
        name: "tiny".into(),
        sha256,
        bytes: None,
    }
}

#[test]
fn a_full_download_through_a_hub_redirect_is_verified_by_the_servers_hash_and_installed() {
    let body = gguf();
    let srv = serve(
        body.clone(),
        Behaviour {
            x_linked_etag: Some(sha_hex(&body)),
            ..Default::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let mut stages = Vec::new();
    let (manifest, got) = download_and_install(
        &source(&srv.url, None),
        dir.path(),
        &DownloadOptions::default(),
        |p: DownloadProgress| stages.push(p.stage),
    )
    .unwrap();
    assert_eq!(manifest.name, "tiny");
    assert_eq!(got.sha256, sha_hex(&body));
    assert_eq!(got.verified_by.as_deref(), Some("server X-Linked-Etag"));
    assert_eq!(got.fetched, body.len() as u64);
    assert!(
        !got.path.exists(),
        "the downloaded copy is removed once installed"
    );
    for s in [
        "connecting",
        "downloading",
        "verifying",
        "installing",
        "done",
    ] {
        assert!(stages.iter().any(|x| x == s), "no {s} in {stages:?}");
    }
    let installed = Registry::new(dir.path()).list().unwrap();
    assert_eq!(installed.len(), 1);
    assert_eq!(installed[0].name, "tiny");
    assert_eq!(installed[0].architecture.as_deref(), Some("llama"));
    assert_eq!(srv.ranges.lock().unwrap().as_slice(), &[None]);
}

#[test]
fn an_interrupted_download_resumes_with_a_range_request() {
    let body = gguf();
    let srv = serve(
        body.clone(),
        Behaviour {
            cut_first_after: Some(700_000),
            ..Default::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let src = source(&srv.url, Some(sha_hex(&body)));
    let opts = DownloadOptions::default();
    let err = download(&src, dir.path(), &opts, |_| {}).unwrap_err();
    assert!(matches!(err, LlmError::Download { .. }), "{err}");
    let part = dir.path().join(".downloads/tiny.gguf.part");
    let have = std::fs::metadata(&part).unwrap().len();
    assert!(have > 0 && have <= 700_000, "{have}");
    let got = download(&src, dir.path(), &opts, |_| {}).unwrap();
    assert_eq!(got.fetched, body.len() as u64 - have);
    assert_eq!(got.verified_by.as_deref(), Some("catalogue"));
    assert_eq!(std::fs::read(&got.path).unwrap(), body);
    assert!(!part.exists());
    let ranges = srv.ranges.lock().unwrap().clone();
    assert_eq!(ranges, vec![None, Some(format!("bytes={have}-"))]);
}

#[test]
fn a_server_that_ignores_the_range_restarts_the_file_from_zero() {
    let body = gguf();
    let srv = serve(
        body.clone(),
        Behaviour {
            ignore_range: true,
            ..Default::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".downloads")).unwrap();
    std::fs::write(dir.path().join(".downloads/tiny.gguf.part"), b"stale bytes").unwrap();
    let got = download(
        &source(&srv.url, Some(sha_hex(&body))),
        dir.path(),
        &DownloadOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!(got.fetched, body.len() as u64);
    assert_eq!(std::fs::read(&got.path).unwrap(), body);
}

#[test]
fn a_wrong_hash_removes_the_file_and_says_so() {
    let body = gguf();
    let srv = serve(body.clone(), Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let err = download_and_install(
        &source(&srv.url, Some("0".repeat(64))),
        dir.path(),
        &DownloadOptions::default(),
        |_| {},
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, LlmError::DownloadHash { .. }), "{msg}");
    assert!(
        msg.contains(&sha_hex(&body)) && msg.contains("catalogue"),
        "{msg}"
    );
    assert!(msg.contains("removed"), "{msg}");
    assert!(!dir.path().join(".downloads/tiny.gguf.part").exists());
    assert!(!dir.path().join(".downloads/tiny.gguf").exists());
    assert!(Registry::new(dir.path()).list().unwrap().is_empty());

    // The hash a server states is checked the same way.
    let srv = serve(
        body,
        Behaviour {
            x_linked_etag: Some("ab".repeat(32)),
            ..Default::default()
        },
    );
    let err = download(
        &source(&srv.url, None),
        dir.path(),
        &DownloadOptions::default(),
        |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("server X-Linked-Etag"), "{err}");
}

#[test]
fn server_errors_are_reported_with_the_status_and_nothing_is_installed() {
    for status in [500u16, 404] {
        let srv = serve(
            gguf(),
            Behaviour {
                status: Some(status),
                ..Default::default()
            },
        );
        let dir = tempfile::tempdir().unwrap();
        let err = download_and_install(
            &source(&srv.url, None),
            dir.path(),
            &DownloadOptions::default(),
            |_| {},
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&format!("HTTP {status}")), "{msg}");
        assert!(msg.contains(&srv.url), "{msg}");
        assert!(Registry::new(dir.path()).list().unwrap().is_empty());
    }
    // Nothing listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let err = download(
        &source(&format!("http://127.0.0.1:{port}/x.gguf"), None),
        dir.path(),
        &DownloadOptions::default(),
        |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

#[test]
fn a_full_disk_is_refused_before_writing_naming_what_is_needed() {
    let body = gguf();
    let srv = serve(body.clone(), Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let opts = DownloadOptions {
        free_space: Arc::new(|_| Some(1_000_000)),
        ..DownloadOptions::default()
    };
    // Size known only from the server.
    let err = download(&source(&srv.url, None), dir.path(), &opts, |_| {}).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, LlmError::NoSpace { .. }), "{msg}");
    assert!(
        msg.contains(&format!("{} bytes needed", 2 * body.len())) && msg.contains("1000000 free"),
        "{msg}"
    );
    let part = dir.path().join(".downloads/tiny.gguf.part");
    assert!(std::fs::metadata(&part).map_or(0, |m| m.len()) == 0);
    // Size known from the catalogue: refused before connecting.
    let mut src = source(&srv.url, None);
    src.bytes = Some(body.len() as u64);
    let before = srv.ranges.lock().unwrap().len();
    assert!(matches!(
        download(&src, dir.path(), &opts, |_| {}),
        Err(LlmError::NoSpace { .. })
    ));
    assert_eq!(srv.ranges.lock().unwrap().len(), before);
}

#[test]
fn cancel_stops_the_download_and_the_next_one_resumes() {
    let body = gguf();
    let srv = serve(body.clone(), Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let src = source(&srv.url, Some(sha_hex(&body)));
    let opts = DownloadOptions::default();
    let cancel = opts.cancel.clone();
    let err = download(&src, dir.path(), &opts, |p| {
        if p.stage == "downloading" {
            cancel.store(true, Ordering::Relaxed);
        }
    })
    .unwrap_err();
    assert!(matches!(err, LlmError::Cancelled), "{err}");
    let have = std::fs::metadata(dir.path().join(".downloads/tiny.gguf.part"))
        .unwrap()
        .len();
    assert!(have >= 1 << 20 && have < body.len() as u64, "{have}");
    let opts = DownloadOptions::default();
    let got = download(&src, dir.path(), &opts, |_| {}).unwrap();
    assert_eq!(got.fetched, body.len() as u64 - have);
    assert_eq!(std::fs::read(&got.path).unwrap(), body);
}
