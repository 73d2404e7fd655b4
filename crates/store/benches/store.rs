//! Store throughput: 100k annotations (insert in one transaction, with audit rows; load), a
//! 10k-message chat (insert; load), per-action commit latency, and loading a session.
//! Results and the machine are recorded in `bench/store/results/`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use store::Store;
use store::annotations::{self, AnnotationData, AnnotationKind};
use store::chats::{self, NewMessage, Role};
use store::holter;
use store::recordings::{ContentHash, NewRecording};
use store::sessions::ViewState;
use tokio::runtime::Runtime;

const N_ANNOTATIONS: usize = 100_000;
const N_MESSAGES: usize = 10_000;

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
        metadata: serde_json::json!({"leads": 12}),
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    big: i64,
    typical: i64,
    thread: i64,
}

async fn insert_annotations(store: &Store, rec: i64, n: usize) {
    let mut tx = store.begin_write().await.unwrap();
    for i in 0..n {
        annotations::create(&mut tx, rec, &beat(i), "bench", 0)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn insert_messages(store: &Store, thread: i64, n: usize) {
    let mut tx = store.begin_write().await.unwrap();
    for i in 0..n {
        let role = if i.is_multiple_of(2) {
            Role::User
        } else {
            Role::Assistant
        };
        let text = format!("message {i}: the QTc is within normal limits for this heart rate.");
        chats::add_message(&mut tx, thread, role, &text, &NewMessage::default(), 0)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("bench.sqlite3")).await.unwrap();
    let big = store.open_recording(&new_rec("holter")).await.unwrap().id;
    insert_annotations(&store, big, N_ANNOTATIONS).await;
    let typical = store.open_recording(&new_rec("12-lead")).await.unwrap().id;
    insert_annotations(&store, typical, 200).await;
    store
        .save_view(typical, &ViewState::default())
        .await
        .unwrap();
    let thread = store.create_thread(typical, "bench").await.unwrap().id;
    insert_messages(&store, thread, N_MESSAGES).await;
    Fixture {
        _dir: dir,
        store,
        big,
        typical,
        thread,
    }
}

fn benches(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let f = rt.block_on(fixture());

    let mut g = c.benchmark_group("bulk");
    g.sample_size(10);
    g.bench_function("insert_100k_annotations_one_tx", |b| {
        b.iter_batched(
            || {
                rt.block_on(async {
                    let dir = tempfile::tempdir().unwrap();
                    let s = Store::open(dir.path().join("i.sqlite3")).await.unwrap();
                    let r = s.open_recording(&new_rec("i")).await.unwrap().id;
                    (dir, s, r)
                })
            },
            |(dir, s, r)| {
                rt.block_on(insert_annotations(&s, r, N_ANNOTATIONS));
                (dir, s)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("load_100k_annotations", |b| {
        b.iter(|| rt.block_on(f.store.annotations(f.big)).unwrap().len())
    });
    g.bench_function("insert_10k_messages_one_tx", |b| {
        b.iter_batched(
            || {
                rt.block_on(async {
                    let dir = tempfile::tempdir().unwrap();
                    let s = Store::open(dir.path().join("m.sqlite3")).await.unwrap();
                    let r = s.open_recording(&new_rec("m")).await.unwrap().id;
                    let t = s.create_thread(r, "m").await.unwrap().id;
                    (dir, s, t)
                })
            },
            |(dir, s, t)| {
                rt.block_on(insert_messages(&s, t, N_MESSAGES));
                (dir, s)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("load_10k_messages", |b| {
        b.iter(|| rt.block_on(f.store.messages(f.thread)).unwrap().len())
    });
    g.bench_function("load_session_100k_annotations", |b| {
        b.iter(|| {
            rt.block_on(f.store.load_session(f.big))
                .unwrap()
                .annotations
                .len()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("interactive");
    g.bench_function("load_session_typical", |b| {
        b.iter(|| {
            rt.block_on(f.store.load_session(f.typical))
                .unwrap()
                .annotations
                .len()
        })
    });
    g.bench_function("add_annotation_commit", |b| {
        b.iter(|| {
            rt.block_on(f.store.add_annotation(f.typical, &beat(1), "bench"))
                .unwrap()
                .id
        })
    });
    let m = rt
        .block_on(f.store.start_message(f.thread, &NewMessage::default()))
        .unwrap();
    g.bench_function("append_token_commit", |b| {
        b.iter(|| rt.block_on(f.store.append_tokens(m.id, "tok ", 1)).unwrap())
    });
    g.bench_function("annotations_in_10s_window_of_100k", |b| {
        b.iter(|| {
            rt.block_on(f.store.annotations_in_range(f.big, 40_000.0, 40_010.0))
                .unwrap()
                .len()
        })
    });
    g.finish();
}

/// A synthetic 24-h Holter result: 110k beats, 1440 minutes, 24 hours, 40 events.
fn holter_day() -> holter::HolterResult {
    let mut beats = holter::BeatArrays::default();
    let mut t = 200u64;
    for i in 0..110_000u64 {
        t += 390 + (i % 7) * 3;
        beats.fiducial.push(t);
        beats.r.push(t + 2);
        beats.class.push(if i % 50 == 0 { b'V' } else { b'N' });
    }
    holter::HolterResult {
        summary: holter::HolterSummary {
            analysis_version: "bench".into(),
            fs_hz: 500.0,
            duration_s: 86_400.0,
            chunks: 288,
            af_burden: 0.04,
            representative_window_s: (0.0, 300.0),
            counts: [("N".to_string(), 107_800), ("V".to_string(), 2_200)].into(),
        },
        hourly: (0..24)
            .map(|hour| holter::HourRow {
                hour,
                beats: 4583,
                min_bpm: Some(60.0),
                mean_bpm: Some(75.0),
                max_bpm: Some(90.0),
            })
            .collect(),
        minutes: (0..1440)
            .map(|minute| holter::MinuteRow {
                minute,
                beats: 76,
                mean_bpm: Some(76.0),
            })
            .collect(),
        events: (0..40)
            .map(|i| holter::HolterEvent {
                kind: holter::EventKind::Pause,
                start_s: 2000.0 * f64::from(i),
                end_s: 2000.0 * f64::from(i) + 2.5,
                beats: None,
                rate_bpm: None,
                first_beat: None,
                detail: None,
            })
            .collect(),
        beats,
    }
}

fn holter_benches(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = rt
        .block_on(Store::open(dir.path().join("heartlens.sqlite3")))
        .unwrap();
    let rec = rt
        .block_on(store.open_recording(&new_rec("holter")))
        .unwrap()
        .id;
    let day = holter_day();
    let json = serde_json::json!({});
    let mut g = c.benchmark_group("holter_24h");
    g.sample_size(20);
    g.bench_function("save", |b| {
        b.iter(|| {
            rt.block_on(store.save_holter(rec, "bench", &json, &day))
                .unwrap()
        })
    });
    g.bench_function("load_trend_and_events", |b| {
        b.iter(|| {
            rt.block_on(store.holter(rec))
                .unwrap()
                .map(|o| o.minutes.len())
        })
    });
    g.bench_function("load_110k_beats", |b| {
        b.iter(|| rt.block_on(store.holter_beats(rec)).unwrap().len())
    });
    g.finish();
}

criterion_group!(store_benches, benches, holter_benches);
criterion_main!(store_benches);
