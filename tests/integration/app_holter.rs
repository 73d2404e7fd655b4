//! The Holter map in the app under Xvfb: a 1-h 3-lead recording generated at test time
//! ([`crate::holter_gen`]: a known pause and AF episode) opens with its streamed analysis
//! showing chunk progress; Cancel stops it and "Analyse again" finishes it; the heart-rate trend
//! and the events list appear with the pause and the AF episode; clicking an event, then the
//! trend, moves the tracing's window there. Restarted, the app reads the map back from the store
//! without analysing again.

use std::time::Duration;

use serde_json::json;

use crate::holter_gen;
use crate::util::repo_root;
use crate::webdriver::{AppSession, runnable_app};

/// The first analysis of the hour in a debug build on a loaded 2-core machine.
const ANALYSIS_WAIT: Duration = Duration::from_secs(300);
const WAIT: Duration = Duration::from_secs(90);

/// The drawn window's start (s), once a frame shows it within `tol` of `t`.
fn wait_for_window(s: &AppSession, what: &str, t: f64, tol: f64) -> f64 {
    let start = std::time::Instant::now();
    loop {
        let v = s.execute(
            "const c = document.querySelector('#tracing'); return c && c.dataset.t0 ? Number(c.dataset.t0) : null;",
            json!([]),
        );
        let t0 = v.as_f64();
        if let Some(t0) = t0.filter(|t0| (t0 - t).abs() <= tol) {
            return t0;
        }
        assert!(
            start.elapsed() < WAIT,
            "timed out waiting for {what}: the tracing starts at {v}, expected {t} ± {tol}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The events list as (kind, start s).
fn events(s: &AppSession) -> Vec<(String, f64)> {
    let v = s.execute(
        "return [...document.querySelectorAll('#holter-events tr.holter-event')].map((r) => [r.dataset.kind, Number(r.dataset.startS)]);",
        json!([]),
    );
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| (e[0].as_str().unwrap().to_string(), e[1].as_f64().unwrap()))
        .collect()
}

#[test]
fn holter_map_shows_trend_and_events_and_jumps_the_viewer() {
    let Some(app) = runnable_app() else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let file = holter_gen::write(data.path());
    let args = [file.display().to_string()];
    let envs = [("HEARTLENS_HOME", home.path())];
    {
        let s = AppSession::start(&app, &args, &envs);
        // Progress shows; Cancel stops the analysis and says so.
        s.wait_for(
            "analysis progress",
            "const p = document.querySelector('#holter-busy .analysis-progress'); return p && p.textContent.startsWith('chunk ') ? p.textContent : null;",
            ANALYSIS_WAIT,
        );
        s.click("#holter-busy .cancel-analysis");
        let err = s.wait_for(
            "the cancelled analysis",
            "const e = document.querySelector('#holter-error'); return e ? e.innerText : null;",
            ANALYSIS_WAIT,
        );
        assert!(
            err.as_str().unwrap_or_default().contains("cancel"),
            "holter error: {err}"
        );
        s.click("#holter-error button");
        let summary = s.wait_for(
            "the Holter map",
            "const m = document.querySelector('#holter-summary'); return m ? m.textContent : null;",
            ANALYSIS_WAIT,
        );
        assert!(
            summary.as_str().unwrap_or_default().contains("1.0 h"),
            "summary: {summary}"
        );
        let progress = s.execute(
            "return document.querySelector('main').dataset.analysisProgress ?? null;",
            json!([]),
        );
        let done_of_total: Vec<&str> = progress.as_str().unwrap_or_default().split('/').collect();
        assert!(
            done_of_total.len() == 2 && done_of_total[0] == done_of_total[1],
            "the last progress event (all chunks done) reached the UI: {progress}"
        );
        // The trend: a per-minute line, one hourly band, the AF episode shaded.
        let trend = s.execute(
            "return [document.querySelector('#holter-trend .trend-line').getAttribute('d').split('L').length,
                     document.querySelectorAll('#holter-trend .trend-band').length,
                     document.querySelectorAll('#holter-trend .trend-af').length];",
            json!([]),
        );
        assert!(trend[0].as_u64().unwrap() >= 50, "minute points: {trend}");
        assert_eq!(trend[1], 1, "one hour band: {trend}");
        assert_eq!(trend[2], 1, "AF shaded once: {trend}");
        // The known events.
        let ev = events(&s);
        let pause = ev
            .iter()
            .find(|(k, t)| k == "pause" && (t - holter_gen::PAUSE_AT_S).abs() < 2.0)
            .unwrap_or_else(|| panic!("the pause near {} s: {ev:?}", holter_gen::PAUSE_AT_S))
            .1;
        let af = ev
            .iter()
            .find(|(k, t)| k == "atrial_fibrillation" && (t - holter_gen::AF_START_S).abs() < 40.0)
            .unwrap_or_else(|| panic!("the AF episode near {} s: {ev:?}", holter_gen::AF_START_S))
            .1;
        // Clicking the AF episode moves the tracing to 1 s before it, and the trend's window.
        s.click("#holter-events tr.holter-event.atrial_fibrillation button.jump");
        let t0 = wait_for_window(&s, "the tracing at the AF episode", af - 1.0, 0.05);
        let marker = s.execute(
            "return Number(document.querySelector('#holter-window').dataset.startS);",
            json!([]),
        );
        assert!(
            (marker.as_f64().unwrap() - t0).abs() < 0.01,
            "window marker {marker} vs {t0}"
        );
        let shot = repo_root().join("docs/screenshots/app-holter-map.png");
        s.screenshot(&shot);
        if !shot.exists() {
            // Best effort under a loaded Xvfb: one more try.
            s.screenshot(&shot);
        }
        s.click("#holter-events tr.holter-event.pause button.jump");
        wait_for_window(&s, "the tracing at the pause", pause - 1.0, 0.05);
        // A click on the trend at its middle: about 30 min (the plot's margins shift it a little).
        s.execute(
            "const t = document.querySelector('#holter-trend'); const r = t.getBoundingClientRect();
             t.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2}));",
            json!([]),
        );
        wait_for_window(&s, "the tracing near 30 min", 1800.0, 120.0);
    }
    // Reopened: the map comes from the store's rows, no analysis runs.
    let s = AppSession::start(&app, &args, &envs);
    s.wait_for(
        "the stored Holter map",
        "const m = document.querySelector('#holter-summary'); return m ? m.textContent : null;",
        WAIT,
    );
    let progress = s.execute(
        "return document.querySelector('main').dataset.analysisProgress ?? null;",
        json!([]),
    );
    assert!(progress.is_null(), "no analysis on reopening: {progress}");
    assert!(events(&s).iter().any(|(k, _)| k == "atrial_fibrillation"));
}
