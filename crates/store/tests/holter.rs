//! Holter results: a synthetic 24-h result (110k beats, 1440 minutes, events of every kind)
//! saved and read back unchanged, replaced by a second save, tied to the analysis cache; on
//! SQLite and on PostgreSQL.

mod common;

use common::Kind;

use std::collections::BTreeMap;

use store::holter::{
    BeatArrays, EventKind, HolterEvent, HolterResult, HolterSummary, HourRow, MinuteRow,
};

/// A 24-h result at 500 Hz: a beat every 0.78 s (plus a wobble), every 50th ventricular.
fn day(version: &str) -> HolterResult {
    let fs = 500.0;
    let n_beats = 110_000usize;
    let mut beats = BeatArrays::default();
    let mut t = 200u64;
    for i in 0..n_beats {
        t += 390 + (i % 7) as u64 * 3;
        beats.fiducial.push(t);
        beats.r.push(t + 4 - (i % 9) as u64);
        beats.class.push(if i % 50 == 0 { b'V' } else { b'N' });
    }
    let events = EventKind::ALL
        .iter()
        .enumerate()
        .map(|(i, &kind)| HolterEvent {
            kind,
            start_s: 3000.0 * i as f64 + 0.125,
            end_s: 3000.0 * i as f64 + 62.5,
            beats: (kind != EventKind::Pause).then_some(4 + i as u64),
            rate_bpm: (kind != EventKind::Pause).then_some(120.5),
            first_beat: (kind != EventKind::Pause).then_some(1000 * i as u64),
            detail: (kind == EventKind::AtrialFibrillation).then(|| "irregular, no P".into()),
        })
        .collect();
    HolterResult {
        summary: HolterSummary {
            analysis_version: version.into(),
            fs_hz: fs,
            duration_s: 86_400.0,
            chunks: 288,
            af_burden: 0.0417,
            representative_window_s: (600.0, 900.0),
            counts: BTreeMap::from([("N".into(), 107_800), ("V".into(), 2_200)]),
        },
        hourly: (0..24)
            .map(|h| HourRow {
                hour: h,
                beats: 4_583,
                min_bpm: Some(61.5),
                mean_bpm: (h != 5).then_some(76.9),
                max_bpm: Some(92.0),
            })
            .collect(),
        minutes: (0..1440)
            .map(|m| MinuteRow {
                minute: m,
                beats: 76,
                mean_bpm: (m % 100 != 99).then_some(60.0 + (m % 30) as f64),
            })
            .collect(),
        events,
        beats,
    }
}

async fn a_24_hour_result_round_trips_through_the_rows(k: Kind) {
    let t = common::temp_store_on(k).await;
    let rec = common::recording(&t.store, "holter-24h").await;
    assert_eq!(t.store.holter(rec.id).await.unwrap(), None);
    assert!(t.store.holter_beats(rec.id).await.unwrap().is_empty());
    let r = day("v1");
    let analysis = serde_json::json!({"beats": [], "fs_hz": 500.0});
    t.store
        .save_holter(rec.id, "v1", &analysis, &r)
        .await
        .unwrap();
    let o = t.store.holter(rec.id).await.unwrap().expect("saved");
    assert_eq!(o.summary, r.summary);
    assert_eq!(o.hourly, r.hourly);
    assert_eq!(o.minutes, r.minutes);
    assert_eq!(o.events, r.events);
    let beats = t.store.holter_beats(rec.id).await.unwrap();
    assert_eq!(beats.len(), 110_000);
    assert_eq!(beats, r.beats);
    // The analysis cache is written in the same transaction, under the same version.
    let (v, json) = t.store.analysis(rec.id).await.unwrap().unwrap();
    assert_eq!((v.as_str(), json), ("v1", analysis));
    // The beats take about 9 bytes each.
    if let Some(pool) = t.store.sqlite_pool() {
        let bytes: i64 = sqlx::query_scalar("SELECT SUM(length(packed)) FROM holter_beats")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(bytes, 110_000 * 9);
    }
}

async fn saving_again_replaces_every_row_and_other_recordings_keep_theirs(k: Kind) {
    let t = common::temp_store_on(k).await;
    let a = common::recording(&t.store, "holter-a").await;
    let b = common::recording(&t.store, "holter-b").await;
    let json = serde_json::json!({});
    t.store
        .save_holter(a.id, "v1", &json, &day("v1"))
        .await
        .unwrap();
    t.store
        .save_holter(b.id, "v1", &json, &day("v1"))
        .await
        .unwrap();
    let mut short = day("v2");
    short.minutes.truncate(60);
    short.hourly.truncate(1);
    short.events.truncate(2);
    short.beats.fiducial.truncate(5000);
    short.beats.r.truncate(5000);
    short.beats.class.truncate(5000);
    short.summary.counts = BTreeMap::from([("N".into(), 5000)]);
    t.store
        .save_holter(a.id, "v2", &json, &short)
        .await
        .unwrap();
    let o = t.store.holter(a.id).await.unwrap().unwrap();
    assert_eq!(o.summary.analysis_version, "v2");
    assert_eq!(
        (o.minutes.len(), o.hourly.len(), o.events.len()),
        (60, 1, 2)
    );
    assert_eq!(o.summary.counts.len(), 1);
    assert_eq!(t.store.holter_beats(a.id).await.unwrap(), short.beats);
    let other = t.store.holter(b.id).await.unwrap().unwrap();
    assert_eq!(other.minutes.len(), 1440);
    assert_eq!(t.store.holter_beats(b.id).await.unwrap().len(), 110_000);
}

async fn a_bad_result_is_refused_and_leaves_the_previous_one(k: Kind) {
    let t = common::temp_store_on(k).await;
    let rec = common::recording(&t.store, "holter-bad").await;
    let json = serde_json::json!({});
    t.store
        .save_holter(rec.id, "v1", &json, &day("v1"))
        .await
        .unwrap();
    let mut bad = day("v1");
    bad.beats.fiducial.swap(10, 11);
    let e = t
        .store
        .save_holter(rec.id, "v1", &json, &bad)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not ascending"), "{e}");
    let mut uneven = day("v1");
    uneven.beats.class.pop();
    assert!(
        t.store
            .save_holter(rec.id, "v1", &json, &uneven)
            .await
            .is_err()
    );
    let e = t
        .store
        .save_holter(rec.id, "v2", &json, &day("v1"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("analysis_version"), "{e}");
    assert_eq!(t.store.holter_beats(rec.id).await.unwrap().len(), 110_000);
    assert!(
        t.store
            .save_holter(9999, "v1", &json, &day("v1"))
            .await
            .is_err()
    );
}

on_both!(
    a_24_hour_result_round_trips_through_the_rows,
    saving_again_replaces_every_row_and_other_recordings_keep_theirs,
    a_bad_result_is_refused_and_leaves_the_previous_one,
);
