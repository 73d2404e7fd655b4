//! The store on both back ends, as a department uses it (issue 20): 8 readers writing at once,
//! then a 100k-annotation Holter recording read back.
//!
//! 1. 8 concurrent writers, each on its own recording, each annotation its own committed
//!    transaction with its audit row (a user action), `HEARTLENS_BENCH_ANNOTATIONS` in all
//!    (default 100,000): throughput and per-commit latency.
//! 2. As many annotations imported into one recording in one transaction, row by row and
//!    batched (`Store::add_annotations`, multi-row INSERTs), then `load_session` and 10-s window
//!    queries (`annotations_in_range`) at random positions: latency.
//!
//! On PostgreSQL the import is followed by `VACUUM (ANALYZE)`, as autovacuum would do; SQLite
//! needs no statistics for these plans (`INDEXED BY` and the start-time index).
//!
//! SQLite: a file in a temp dir with the store's options (WAL, `synchronous=FULL`). PostgreSQL:
//! a throwaway server from `scripts/pg-throwaway.sh` with its durable defaults (`PG_FSYNC=on`:
//! fsync and synchronous_commit on), over its unix socket. Prints a markdown table and writes
//! `department.csv` into `HEARTLENS_BENCH_OUT` (default: the current directory). Run by
//! `bench/store/department.sh`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use store::annotations::{self, AnnotationData, AnnotationKind};
use store::recordings::{ContentHash, NewRecording};
use store::{Store, StoreOptions};

const WRITERS: usize = 8;
const SESSION_LOADS: usize = 50;
const WINDOW_QUERIES: usize = 500;

fn beat(i: usize) -> AnnotationData {
    let t = i as f64 * 0.8;
    AnnotationData {
        start_s: t,
        end_s: t,
        lead: None,
        kind: AnnotationKind::Beat,
        code: Some(if i.is_multiple_of(50) { "V" } else { "N" }.into()),
        text: String::new(),
        value: None,
    }
}

fn new_rec(tag: &str) -> NewRecording {
    NewRecording {
        content_sha256: ContentHash::of_bytes(tag.as_bytes()),
        size_bytes: 1,
        path: format!("/bench/{tag}"),
        format: "WFDB".into(),
        metadata: serde_json::json!({"leads": 2}),
    }
}

/// Latency summary in milliseconds.
struct Stats {
    n: usize,
    mean: f64,
    p50: f64,
    p99: f64,
}

fn stats(mut d: Vec<Duration>) -> Stats {
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1e3;
    let at = |q: f64| ms(d[((d.len() as f64 - 1.0) * q).round() as usize]);
    Stats {
        n: d.len(),
        mean: d.iter().map(|x| ms(*x)).sum::<f64>() / d.len() as f64,
        p50: at(0.5),
        p99: at(0.99),
    }
}

struct Row {
    backend: &'static str,
    what: &'static str,
    stats: Stats,
    extra: String,
}

async fn run(backend: &'static str, location: PathBuf, total: usize, rows: &mut Vec<Row>) {
    let opts = StoreOptions::new(&location).max_connections(WRITERS as u32 + 2);
    let s = Store::open_with(opts).await.expect("open store");

    // (1)
    let per_writer = total / WRITERS;
    let mut recs = Vec::new();
    for w in 0..WRITERS {
        recs.push(
            s.open_recording(&new_rec(&format!("w{w}")))
                .await
                .unwrap()
                .id,
        );
    }
    let start = Instant::now();
    let tasks: Vec<_> = recs
        .iter()
        .map(|&rec| {
            let s = s.clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per_writer);
                for i in 0..per_writer {
                    let t = Instant::now();
                    s.add_annotation(rec, &beat(i), "bench").await.unwrap();
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let wall = start.elapsed().as_secs_f64();
    let n = lat.len();
    rows.push(Row {
        backend,
        what: "8 writers: add_annotation commit",
        stats: stats(lat),
        extra: format!(
            "{n} commits in {wall:.1} s = {:.0} annotations/s",
            n as f64 / wall
        ),
    });

    // (2) The import both ways: row by row (`annotations::create`, one statement per row and
    // per audit row) into a recording of its own, then batched (`Store::add_annotations`:
    // multi-row INSERTs of 500) into the one queried below.
    let rowwise = s
        .open_recording(&new_rec("holter-rowwise"))
        .await
        .unwrap()
        .id;
    let t = Instant::now();
    let mut tx = s.begin_write().await.unwrap();
    for i in 0..total {
        annotations::create(&mut tx, rowwise, &beat(i), "import", 0)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let rowwise_s = t.elapsed().as_secs_f64();
    let holter = s.open_recording(&new_rec("holter")).await.unwrap().id;
    let beats: Vec<AnnotationData> = (0..total).map(beat).collect();
    let t = Instant::now();
    s.add_annotations(holter, &beats, "import").await.unwrap();
    let import_s = t.elapsed().as_secs_f64();
    if s.backend() == store::Backend::Postgres {
        // What autovacuum does within a minute of a bulk import (vacuum after 1000 inserts,
        // analyze after 10 %): without statistics the planner estimates one row per recording
        // and sorts all 100k for the first page (measured: load_session 263 ms, window 62 ms).
        store::sql::query("VACUUM (ANALYZE) annotations")
            .execute(&mut s.read().await.unwrap())
            .await
            .unwrap();
    }
    let mut lat = Vec::new();
    for _ in 0..SESSION_LOADS {
        let t = Instant::now();
        let snap = s.load_session(holter).await.unwrap();
        lat.push(t.elapsed());
        assert_eq!(snap.annotation_count, total as u64);
    }
    rows.push(Row {
        backend,
        what: "load_session, 100k annotations",
        stats: stats(lat),
        extra: format!(
            "import of the {total} in one transaction: batched {import_s:.1} s, row by row {rowwise_s:.1} s"
        ),
    });
    let span_s = total as f64 * 0.8;
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut lat = Vec::new();
    let mut returned = 0;
    for _ in 0..WINDOW_QUERIES {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let from = (seed % 1_000_000) as f64 / 1e6 * (span_s - 10.0);
        let t = Instant::now();
        returned += s
            .annotations_in_range(holter, from, from + 10.0)
            .await
            .unwrap()
            .len();
        lat.push(t.elapsed());
    }
    rows.push(Row {
        backend,
        what: "10-s window query of 100k",
        stats: stats(lat),
        extra: format!(
            "{:.1} annotations per window",
            returned as f64 / WINDOW_QUERIES as f64
        ),
    });
    s.close().await;
}

/// Starts the throwaway PostgreSQL server (durable settings); returns its URL and the script.
fn postgres() -> (String, std::process::Child) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/pg-throwaway.sh");
    let mut child = Command::new("bash")
        .arg(script)
        .arg(std::process::id().to_string())
        .env("PG_FSYNC", "on")
        .stdout(Stdio::piped())
        .spawn()
        .expect("run pg-throwaway.sh");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read pg-throwaway.sh");
    let url = line
        .trim()
        .strip_prefix("READY ")
        .unwrap_or_else(|| panic!("PostgreSQL did not start: {line}"))
        .to_string();
    (url, child)
}

fn main() {
    // `cargo bench` passes --bench; nothing else is accepted.
    let total: usize = std::env::var("HEARTLENS_BENCH_ANNOTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let only = std::env::var("HEARTLENS_BENCH_BACKEND").unwrap_or_default();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut rows = Vec::new();
    if only.is_empty() || only == "sqlite" {
        let dir = tempfile::tempdir().expect("temp dir");
        rt.block_on(run(
            "SQLite",
            dir.path().join("bench.sqlite3"),
            total,
            &mut rows,
        ));
    }
    if only.is_empty() || only == "postgres" {
        let (url, _server) = postgres();
        rt.block_on(run("PostgreSQL", PathBuf::from(url), total, &mut rows));
    }
    println!("| back end | measurement | n | mean ms | p50 ms | p99 ms | note |");
    println!("|---|---|---:|---:|---:|---:|---|");
    let mut csv = String::from("backend,measurement,n,mean_ms,p50_ms,p99_ms,note\n");
    for r in &rows {
        println!(
            "| {} | {} | {} | {:.3} | {:.3} | {:.3} | {} |",
            r.backend, r.what, r.stats.n, r.stats.mean, r.stats.p50, r.stats.p99, r.extra
        );
        csv.push_str(&format!(
            "{},{},{},{:.4},{:.4},{:.4},\"{}\"\n",
            r.backend, r.what, r.stats.n, r.stats.mean, r.stats.p50, r.stats.p99, r.extra
        ));
    }
    let out = std::env::var_os("HEARTLENS_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::write(out.join("department.csv"), csv).expect("write department.csv");
}
