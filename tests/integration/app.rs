//! The desktop app in a real window under Xvfb, driven through WebDriver: open a file named on
//! the command line, change the layout, annotate by shift-dragging on the tracing, restart and
//! find both restored from the store.
//!
//! Skips with a note when Xvfb/WebKitWebDriver are absent, unless `HEARTLENS_REQUIRE_APP_TESTS=1`
//! (set by scripts/test.sh, so CI never skips silently).

use std::time::Duration;

use serde_json::json;

use crate::util::{data, repo_root};
use crate::webdriver::{AppSession, missing_prerequisite};

const WAIT: Duration = Duration::from_secs(90);

fn app_binary() -> std::path::PathBuf {
    crate::util::heartlens_bin()
        .with_file_name(format!("heartlens-app{}", std::env::consts::EXE_SUFFIX))
}

/// Waits until a frame is on the canvas and returns its panel names.
fn wait_for_frame(s: &AppSession) -> String {
    s.wait_for(
        "a rendered frame",
        "const c = document.querySelector('#tracing'); return c && c.dataset.panels ? c.dataset.panels : null;",
        WAIT,
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

#[test]
fn app_opens_renders_annotates_and_restores_the_session() {
    let app = app_binary();
    if let Some(why) = missing_prerequisite(&app) {
        assert!(
            std::env::var("HEARTLENS_REQUIRE_APP_TESTS").is_err(),
            "app tests required but cannot run: {why}"
        );
        eprintln!("skipping app test: {why}");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let file = data("wfdb/ludb/1.hea");
    let args = [file.display().to_string()];
    let envs = [("HEARTLENS_HOME", home.path())];
    {
        let s = AppSession::start(&app, &args, &envs);
        let text = s.wait_for(
            "the recording summary",
            "const c = document.querySelector('#side'); return c && c.innerText.includes('12 leads') ? c.innerText : null;",
            WAIT,
        );
        let text = text.as_str().unwrap_or_default().to_string();
        assert!(
            text.contains("WFDB") && text.contains("aVF"),
            "side panel: {text}"
        );
        let panels = wait_for_frame(&s);
        assert!(panels.starts_with("I,"), "3x4+1 panels: {panels}");
        s.screenshot(&repo_root().join("docs/screenshots/app-3x4.png"));

        // Change the layout to 6x2 with the toolbar.
        s.execute(
            "const l = document.querySelector('#layout'); l.value = '6x2'; l.dispatchEvent(new Event('change', {bubbles: true}));",
            json!([]),
        );
        s.wait_for(
            "the 6x2 frame",
            "const c = document.querySelector('#tracing'); return c && c.dataset.panels && c.dataset.panels.split(',').length === 12 ? true : null;",
            WAIT,
        );

        // Annotate: shift-drag across the first cell, answering the note prompt.
        s.execute(
            r#"window.prompt = () => "artefact <b>bold</b>";
               const c = document.querySelector('#tracing');
               const r = c.getBoundingClientRect();
               const y = r.top + r.height * 0.12;
               const opts = (x) => ({clientX: x, clientY: y, shiftKey: true, bubbles: true, pointerId: 1});
               c.dispatchEvent(new PointerEvent('pointerdown', opts(r.left + r.width * 0.15)));
               c.dispatchEvent(new PointerEvent('pointerup', opts(r.left + r.width * 0.25)));"#,
            json!([]),
        );
        let list = s.wait_for(
            "the new annotation in the list",
            "const a = document.querySelector('#annotations'); return a && a.innerText.includes('artefact') ? a.innerText : null;",
            WAIT,
        );
        assert!(
            list.as_str().unwrap_or_default().contains("<b>bold</b>"),
            "markup must show as text: {list}"
        );
        s.click("#open-models");
        s.wait_for(
            "the models page",
            "return document.querySelector('#models') ? true : null;",
            WAIT,
        );
        s.screenshot(&repo_root().join("docs/screenshots/app-models.png"));
    }
    // Restart: the session (layout) and the annotation come back from the store.
    let s = AppSession::start(&app, &args, &envs);
    let panels = wait_for_frame(&s);
    assert_eq!(
        panels.split(',').count(),
        12,
        "restored 6x2 layout: {panels}"
    );
    let layout = s.execute("return document.querySelector('#layout').value;", json!([]));
    assert_eq!(layout, "6x2");
    s.wait_for(
        "the restored annotation",
        "const a = document.querySelector('#annotations'); return a && a.innerText.includes('artefact') ? true : null;",
        WAIT,
    );
    s.screenshot(&repo_root().join("docs/screenshots/app-restored.png"));
}
