//! The desktop app in a real window under Xvfb, driven through WebDriver: open a file named on
//! the command line on clean paper, switch the file's and the analysis' wave marks on and off,
//! change the layout, annotate by shift-dragging on the tracing, lay and save a caliper, show a
//! statement's evidence and a measurement's caliper on the tracing, correct QT and confirm a
//! statement in the review panel, ask the tiny test model a
//! question, export the report (checked with pdftotext), sign, then restart and find the
//! layout, annotations, review and signature restored from the store. The model is downloaded on
//! the Models page from a local server (127.0.0.1) after the first-run offer shows, and a recorded
//! answer of the real small model shows its contradicted heart rate flagged. Last, two
//! recordings of one patient are compared (deltas, statement changes, strips, median overlays).
//!
//! Skips with a note when Xvfb/WebKitWebDriver are absent, unless `HEARTLENS_REQUIRE_APP_TESTS=1`
//! (set by scripts/test.sh, so CI never skips silently).

use std::time::Duration;

use serde_json::json;

use crate::util::{data, repo_root};
use crate::webdriver::{AppSession, runnable_app};

const WAIT: Duration = Duration::from_secs(90);

/// Pixels of the canvas tinted with the renderer's wave-mark green (`render::Colors::fiducial`,
/// 0/140/70, blended with the paper at the anti-aliased edges): green clearly above red and
/// blue. Paper, grid and trace pixels (and their blends) never are.
const MARK_PIXELS: &str = r#"const c = document.querySelector('#tracing');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 1] - d[i] > 40 && d[i + 1] - d[i + 2] > 25) n++;
    }
    return n;"#;

/// Chooses a value of a toolbar select and waits for the next frame; returns its mark count.
fn choose_marks(s: &AppSession, value: &str) -> u64 {
    let before = s.execute(
        "return document.querySelector('#tracing').dataset.frame;",
        json!([]),
    );
    s.execute(
        "const m = document.querySelector('#marks'); m.value = arguments[0]; m.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([value]),
    );
    let marks = s.wait_for(
        &format!("the frame with {value} marks"),
        &format!(
            "const c = document.querySelector('#tracing'); return c.dataset.frame && c.dataset.frame !== {before} ? c.dataset.marks : null;"
        ),
        WAIT,
    );
    marks
        .as_str()
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("mark count of the {value} frame: {marks}"))
}

/// Marks: clean paper by default, the file's and the analysis' on demand, and off again.
fn marks_are_off_by_default_and_switchable(s: &AppSession) {
    let value = s.execute("return document.querySelector('#marks').value;", json!([]));
    assert_eq!(value, "none", "clean paper by default");
    let shown = s.execute(
        "return document.querySelector('#tracing').dataset.marks;",
        json!([]),
    );
    assert_eq!(shown, "0", "no wave marks drawn by default");
    let green = s
        .execute(MARK_PIXELS, json!([]))
        .as_u64()
        .unwrap_or(u64::MAX);
    assert_eq!(green, 0, "no mark-green pixels on clean paper");

    let file = choose_marks(s, "file");
    assert!(file > 20, "LUDB 1 has per-lead P/QRS/T marks: {file}");
    let green = s.execute(MARK_PIXELS, json!([])).as_u64().unwrap_or(0);
    assert!(
        green > 50,
        "the file's marks are drawn: {green} green pixels"
    );
    s.screenshot(&repo_root().join("docs/screenshots/app-marks-file.png"));

    let analysis = choose_marks(s, "analysis");
    assert!(analysis > 20, "the analysis' marks: {analysis}");
    assert_eq!(choose_marks(s, "none"), 0, "marks off again");
    let green = s
        .execute(MARK_PIXELS, json!([]))
        .as_u64()
        .unwrap_or(u64::MAX);
    assert_eq!(green, 0, "clean paper again");
}

/// Clicking a statement with evidence highlights its leads and beats; clicking it again clears
/// them. Clicking QT draws its calipers on the rhythm strip.
fn evidence_shows_on_the_tracing(s: &AppSession) {
    s.wait_for(
        "the statements",
        "return document.querySelector('#statements li') ? true : null;",
        WAIT,
    );
    // LUDB 1's statements (sinus bradycardia: every beat; the limb-lead consistency check)
    // name no leads or beats; the highlight is only checked when one does.
    let with_evidence = s.execute(
        "return document.querySelectorAll('#statements li.has-evidence').length;",
        json!([]),
    );
    if with_evidence.as_u64().unwrap_or(0) > 0 {
        statement_evidence_toggles(s);
    } else {
        eprintln!("LUDB 1 has no statement with evidence: statement highlight not exercised");
    }
    measurement_caliper_toggles(s);
}

fn statement_evidence_toggles(s: &AppSession) {
    s.execute(
        "document.querySelector('#statements li.has-evidence .statement-text').click();",
        json!([]),
    );
    let shapes = s.wait_for(
        "the statement's evidence on the tracing",
        "const l = document.querySelector('#evidence-layer'); const n = l.querySelectorAll('.evidence-cell, .evidence-beat').length; return n > 0 ? n : null;",
        WAIT,
    );
    assert!(
        shapes.as_u64().unwrap_or(0) > 0,
        "evidence shapes: {shapes}"
    );
    let label = s.execute(
        "return document.querySelector('#evidence-label').innerText;",
        json!([]),
    );
    assert!(
        label.as_str().unwrap_or_default().contains("lead")
            || label.as_str().unwrap_or_default().contains("beat"),
        "evidence label: {label}"
    );
    s.screenshot(&repo_root().join("docs/screenshots/app-evidence.png"));
    s.execute(
        "document.querySelector('#statements li.has-evidence .statement-text').click();",
        json!([]),
    );
    s.wait_for(
        "the evidence cleared",
        "return document.querySelector('#evidence-layer').childElementCount === 0 ? true : null;",
        WAIT,
    );
}

fn measurement_caliper_toggles(s: &AppSession) {
    s.execute(
        "document.querySelector('#measurements tr[data-name=qt_ms] td.measurement-label').click();",
        json!([]),
    );
    let label = s.wait_for(
        "the QT calipers",
        "const n = document.querySelectorAll('#evidence-layer line.evidence-caliper').length; return n >= 2 ? document.querySelector('#evidence-label').innerText : null;",
        WAIT,
    );
    let label = label.as_str().unwrap_or_default().to_string();
    assert!(
        label.starts_with("QT ") && label.contains("T offset"),
        "QT caliper label: {label}"
    );
    s.screenshot(&repo_root().join("docs/screenshots/app-caliper-qt.png"));
    s.execute(
        "document.querySelector('#measurements tr[data-name=qt_ms] td.measurement-label').click();",
        json!([]),
    );
    s.wait_for(
        "the calipers cleared",
        "return document.querySelector('#evidence-layer').childElementCount === 0 ? true : null;",
        WAIT,
    );
}

/// The canvas's pixels digested as `wire::digest` does, beside the app's digest of the last frame
/// it rendered (`frame_timing`) and how that frame was sent.
const CANVAS_AND_FRAME: &str = r#"const done = arguments[arguments.length - 1];
    const c = document.querySelector('#tracing');
    const d = new Uint32Array(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.buffer);
    let h = 0x811c9dc5;
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 0x01000193) >>> 0;
    window.__TAURI_INTERNALS__.invoke('frame_timing').then(
      (t) => done({ canvas: h, frame: t.digest, base: t.baseFrame, bytes: t.bytes, wire: t.wireBytes }),
      (e) => done({ error: String(e) }));"#;

/// The pixels painted are exactly the frame rendered, also when the frame travelled as the
/// difference from an earlier one (`wire`): pan right and back, compare digests each time.
fn canvas_shows_the_frame_rendered(s: &AppSession) {
    for key in ["ArrowRight", "ArrowLeft"] {
        let before = s.execute(
            "return document.querySelector('#tracing').dataset.frame;",
            json!([]),
        );
        s.execute(
            "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: arguments[0], bubbles: true}));",
            json!([key]),
        );
        s.wait_for(
            &format!("the frame after {key}"),
            &format!(
                "const f = document.querySelector('#tracing').dataset.frame; return f && f !== {before} ? true : null;"
            ),
            WAIT,
        );
        // A frame still in flight would differ; the last one must match once it is painted.
        let deadline = std::time::Instant::now() + WAIT;
        let got = loop {
            let got = s.execute_async(CANVAS_AND_FRAME, json!([]));
            if got["canvas"] == got["frame"] || std::time::Instant::now() > deadline {
                break got;
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        assert_eq!(
            got["canvas"], got["frame"],
            "canvas after {key} is the frame rendered: {got}"
        );
        assert!(
            got["base"].is_u64(),
            "the {key} frame was sent as a difference: {got}"
        );
        let (bytes, wire) = (
            got["bytes"].as_u64().unwrap_or(0),
            got["wire"].as_u64().unwrap_or(u64::MAX),
        );
        assert!(wire * 4 < bytes, "a pan sends far less than RGBA: {got}");
    }
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
    let Some(app) = runnable_app() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    // The tiny random Llama GGUF, downloaded on the Models page from a server on 127.0.0.1 (the
    // way a user gets a catalogue model, without the internet).
    let gguf = std::fs::read(data("llm/tiny_random_llama_gguf/llama-2-tiny-random.gguf")).unwrap();
    let server = ModelServer::start(gguf);
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
        marks_are_off_by_default_and_switchable(&s);
        canvas_shows_the_frame_rendered(&s);

        // First run: no model, the chat offers the catalogue's smallest one with its size.
        let offer = s.wait_for(
            "the first-run model offer",
            "const o = document.querySelector('#chat-offer'); return o ? o.innerText : null;",
            WAIT,
        );
        assert!(
            offer.as_str().unwrap_or_default().contains(" MB"),
            "the offer states the size: {offer}"
        );
        // Download a model on the Models page from a pasted URL, with progress, then chat.
        s.click("#open-models");
        s.wait_for(
            "the catalogue",
            "return document.querySelectorAll('#models-catalog tr').length > 0 ? true : null;",
            WAIT,
        );
        s.execute(
            "document.querySelector('#models-url').value = arguments[0]; document.querySelector('#models-url-download').click();",
            json!([server.url]),
        );
        s.wait_for(
            "the downloaded model installed",
            "const t = document.querySelector('#models-status').innerText; return t.includes('Installed tiny-test') ? t : null;",
            WAIT,
        );
        s.click("#models-close");

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

        // Display filter: 0.5-40 Hz with a 50 Hz notch; a new frame arrives.
        let before = s.execute(
            "return document.querySelector('#tracing').dataset.frame;",
            json!([]),
        );
        s.execute(
            "const f = document.querySelector('#filter'); f.value = 'monitoring50'; f.dispatchEvent(new Event('change', {bubbles: true}));",
            json!([]),
        );
        s.wait_for(
            "the filtered frame",
            &format!(
                "const f = document.querySelector('#tracing').dataset.frame; return f && f !== {before} ? true : null;"
            ),
            WAIT,
        );

        // Zoom in one step (Ctrl+=) and back to true scale (Ctrl+0).
        s.execute(
            "window.dispatchEvent(new KeyboardEvent('keydown', {key: '=', ctrlKey: true, bubbles: true}));",
            json!([]),
        );
        s.wait_for(
            "zoom 150%",
            "const t = document.querySelector('#status').innerText; return t.includes('zoom 150%') ? true : null;",
            WAIT,
        );
        s.execute(
            "window.dispatchEvent(new KeyboardEvent('keydown', {key: '0', ctrlKey: true, bubbles: true}));",
            json!([]),
        );
        wait_for_frame(&s);

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
        review_chat_export_and_sign(&s, home.path());
        s.click("#open-models");
        s.wait_for(
            "the models page",
            "return document.querySelector('#models') ? true : null;",
            WAIT,
        );
        s.screenshot(&repo_root().join("docs/screenshots/app-models.png"));
    }
    // A recorded answer of the real small model (SmolLM2-135M, issue 18) in the chat history:
    // its 102 bpm must be flagged against the measured rate.
    add_recorded_answer(&home.path().join("heartlens.sqlite3"));
    // Restart: the session (layout) and the annotation come back from the store.
    let s = AppSession::start(&app, &args, &envs);
    let flagged = s.wait_for(
        "the flagged claim in the chat history",
        "const c = document.querySelector('#chat-log .claim-contradicted'); return c ? c.title + ' | ' + c.innerText : null;",
        WAIT,
    );
    let flagged = flagged.as_str().unwrap_or_default();
    assert!(
        flagged.contains("Contradicted by the facts: measured heart rate")
            && flagged.contains("102 bpm"),
        "flagged claim: {flagged}"
    );
    s.execute(
        "const f = [...document.querySelectorAll('#chat-log .facts-card')].pop(); if (f) f.open = true;",
        json!([]),
    );
    s.screenshot(&repo_root().join("docs/screenshots/app-claim-check.png"));
    let panels = wait_for_frame(&s);
    assert_eq!(
        panels.split(',').count(),
        12,
        "restored 6x2 layout: {panels}"
    );
    let layout = s.execute("return document.querySelector('#layout').value;", json!([]));
    assert_eq!(layout, "6x2");
    let filter = s.execute("return document.querySelector('#filter').value;", json!([]));
    assert_eq!(filter, "monitoring50", "display filter restored");
    s.wait_for(
        "the restored annotation",
        "const a = document.querySelector('#annotations'); return a && a.innerText.includes('artefact') ? true : null;",
        WAIT,
    );
    let review = s.wait_for(
        "the restored review",
        "const r = document.querySelector('#review'); return r && r.innerText.includes('Signed by') ? r.innerText : null;",
        WAIT,
    );
    let review = review.as_str().unwrap_or_default();
    assert!(review.contains("Dr. E2E"), "signature restored: {review}");
    let qt = s.execute(
        "return document.querySelector('#measurements tr[data-name=qt_ms] input').value;",
        json!([]),
    );
    assert_eq!(qt, "433", "corrected QT restored");
    s.screenshot(&repo_root().join("docs/screenshots/app-restored.png"));
    drop(s);

    // A 2-lead Holter (MIT-BIH 100: MLII, V5) opens lead by lead, not as a 12-lead page of
    // absent leads.
    let holter = [data("wfdb/mitdb_100/100.hea").display().to_string()];
    let s = AppSession::start(&app, &holter, &envs);
    assert_eq!(wait_for_frame(&s), "MLII,V5");
    let layout = s.execute("return document.querySelector('#layout').value;", json!([]));
    assert_eq!(layout, "leads");
    drop(s);

    compare_two_recordings_of_one_patient(&app, &envs);
}

/// Compare: one patient's ECG stored as SCP-ECG, then the same patient's DICOM ECG opened (the
/// ECG Toolkit example, patient SBJ-123, both files): the SCP file is offered first as the same
/// patient, and the deltas, statement changes, both rhythm strips and the median overlays show.
fn compare_two_recordings_of_one_patient(app: &std::path::Path, envs: &[(&str, &std::path::Path)]) {
    let prior = [data("scp/ecgtoolkit_example/Example.scp")
        .display()
        .to_string()];
    let s = AppSession::start(app, &prior, envs);
    wait_for_frame(&s);
    drop(s);
    let now = [data("dicom/ecgtoolkit_example/Example.dcm")
        .display()
        .to_string()];
    let s = AppSession::start(app, &now, envs);
    wait_for_frame(&s);
    s.click("#open-compare");
    let first = s.wait_for(
        "the compare chooser",
        "const o = document.querySelector('#compare-prior option'); return o ? o.textContent : null;",
        WAIT,
    );
    let first = first.as_str().unwrap_or_default().to_string();
    assert!(
        first.starts_with("Same patient") && first.contains("Example.scp"),
        "the same patient's prior ECG is offered first: {first}"
    );
    s.click("#compare-go");
    let heading = s.wait_for(
        "the comparison",
        "const h = document.querySelector('#compare-heading'); return h ? h.textContent : null;",
        WAIT,
    );
    assert!(
        heading
            .as_str()
            .unwrap_or_default()
            .starts_with("Compared with the ECG of 2002-11-22"),
        "heading: {heading}"
    );
    let rows = s.execute(
        "return [...document.querySelectorAll('#compare-deltas tr')].slice(1).map(r => r.dataset.name + '|' + r.innerText);",
        json!([]),
    );
    let rows: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap_or_default().to_string())
        .collect();
    assert!(rows.len() >= 6, "measurement rows: {rows:?}");
    let hr = rows
        .iter()
        .find(|r| r.starts_with("hr_bpm|"))
        .unwrap_or_else(|| panic!("a heart-rate row: {rows:?}"));
    assert!(hr.contains("bpm"), "{hr}");
    // One recording in two formats: the rate is the same within a beat per minute.
    let change: Vec<&str> = hr.split('\t').collect();
    assert!(
        matches!(
            change.last().map(|c| c.trim()),
            Some("0 bpm" | "+1 bpm" | "−1 bpm")
        ),
        "heart-rate change: {hr}"
    );
    let strips = s.execute(
        "return document.querySelectorAll('#compare-strips svg path.trace').length;",
        json!([]),
    );
    assert_eq!(strips, 2, "both rhythm strips");
    let medians = s.execute(
        "return document.querySelectorAll('#compare-medians svg').length;",
        json!([]),
    );
    assert!(
        medians.as_u64().unwrap_or(0) >= 12,
        "median overlays: {medians}"
    );
    s.screenshot(&repo_root().join("docs/screenshots/app-compare.png"));
    s.click("#compare-close");
    wait_for_frame(&s);
}

/// Serves one GGUF at `/tiny-test.gguf` on 127.0.0.1 until dropped (or for five minutes at most).
struct ModelServer {
    url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl ModelServer {
    fn start(body: Vec<u8>) -> Self {
        use std::io::{BufRead, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/tiny-test.gguf", listener.local_addr().unwrap());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop2 = stop.clone();
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(300);
            while !stop2.load(Ordering::Relaxed) && std::time::Instant::now() < deadline {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                let mut reader = std::io::BufReader::new(&stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let mut out = &stream;
                let _ = write!(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = out.write_all(&body);
            }
        });
        Self { url, stop }
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Adds SmolLM2-135M's recorded answer about LUDB record 1's rate to the session's chat.
fn add_recorded_answer(db: &std::path::Path) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let s = store::Store::open(db).await.expect("open store");
        let rec = s
            .recent(1)
            .await
            .expect("recent recordings")
            .into_iter()
            .next()
            .expect("the recording of the first session");
        let thread = match s.threads(rec.id).await.unwrap().into_iter().next() {
            Some(t) => t,
            None => s.create_thread(rec.id, "Chat").await.unwrap(),
        };
        let meta = store::chats::NewMessage {
            model_id: Some("smollm2-135m".into()),
            mode: Some("grounded".into()),
            prompt_tokens: None,
        };
        s.add_message(
            thread.id,
            store::chats::Role::User,
            "What is the heart rate and the rhythm?",
            &meta,
        )
        .await
        .unwrap();
        s.add_message(
            thread.id,
            store::chats::Role::Assistant,
            "The heart rate is approximately 102 bpm.",
            &meta,
        )
        .await
        .unwrap();
        s.close().await;
    });
}

/// Caliper, review, chat, export and sign-off in the running app.
fn review_chat_export_and_sign(s: &AppSession, home: &std::path::Path) {
    // Edit the note's text from the list.
    s.execute(
        r#"window.prompt = () => "artefact (edited)";
           [...document.querySelectorAll('#annotations li')]
             .find((l) => l.innerText.includes('note:'))
             .querySelector('.edit').click();"#,
        json!([]),
    );
    s.wait_for(
        "the edited note",
        "const a = document.querySelector('#annotations'); return a && a.innerText.includes('artefact (edited)') ? true : null;",
        WAIT,
    );

    // Caliper: toggle the mode, drag across part of the first cell, save it.
    s.execute(
        r#"document.querySelector('#caliper-mode').click();
           const c = document.querySelector('#tracing');
           const r = c.getBoundingClientRect();
           const y = r.top + r.height * 0.12;
           const opts = (x) => ({clientX: x, clientY: y, bubbles: true, pointerId: 2});
           c.dispatchEvent(new PointerEvent('pointerdown', opts(r.left + r.width * 0.1)));
           c.dispatchEvent(new PointerEvent('pointermove', opts(r.left + r.width * 0.2)));
           c.dispatchEvent(new PointerEvent('pointerup', opts(r.left + r.width * 0.2)));"#,
        json!([]),
    );
    let readout = s.wait_for(
        "the caliper readout",
        "const r = document.querySelector('#caliper-readout'); return r && document.querySelector('#caliper-save') ? r.innerText : null;",
        WAIT,
    );
    assert!(
        readout.as_str().unwrap_or_default().contains(" ms"),
        "caliper readout: {readout}"
    );
    s.execute(
        "document.querySelector('#caliper-save').click(); document.querySelector('#caliper-mode').click();",
        json!([]),
    );
    s.wait_for(
        "the saved caliper",
        "const a = document.querySelector('#annotations'); return a && a.innerText.includes('caliper:') ? true : null;",
        WAIT,
    );

    // Review: the evidence of a statement and a measurement, then correct QT, confirm the
    // first statement.
    s.wait_for(
        "the measurement table",
        "return document.querySelector('#measurements tr[data-name=qt_ms] input') ? true : null;",
        WAIT,
    );
    evidence_shows_on_the_tracing(s);
    s.execute(
        r#"const i = document.querySelector('#measurements tr[data-name=qt_ms] input');
           i.value = '433';
           i.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));"#,
        json!([]),
    );
    s.wait_for(
        "the corrected QT",
        "const t = document.querySelector('#measurements tr[data-name=qt_ms]'); return t && t.innerText.includes('analysed') ? true : null;",
        WAIT,
    );
    s.execute(
        "document.querySelector('#statements .statement .confirm').click();",
        json!([]),
    );
    s.wait_for(
        "a confirmed statement",
        "const l = document.querySelector('#statements'); return l && l.innerText.includes('confirmed by') ? true : null;",
        WAIT,
    );

    // Chat with the tiny test model: a streamed answer saved in the store.
    s.wait_for(
        "the chat panel with the installed model",
        "return document.querySelector('#chat-ask') ? true : null;",
        WAIT,
    );
    s.execute(
        r#"document.querySelector('#chat-question').value = 'What is the heart rate?';
           document.querySelector('#chat-ask').click();"#,
        json!([]),
    );
    let meta = s.wait_for(
        "the finished answer",
        "const m = [...document.querySelectorAll('#chat-log .msg.assistant .msg-meta')].pop(); return m && m.innerText.includes('tokens/s') && m.innerText.includes('complete') ? m.innerText : null;",
        WAIT,
    );
    assert!(
        meta.as_str().unwrap_or_default().contains("tiny-test"),
        "answer meta names the model: {meta}"
    );
    s.screenshot(&repo_root().join("docs/screenshots/app-review-chat.png"));

    // Export: the dialog writes PDF + CSV with the chat exchange and records it.
    let pdf = home.join("export/ludb-1-report.pdf");
    std::fs::create_dir_all(pdf.parent().unwrap()).unwrap();
    s.execute(
        "document.querySelector('#export-report').click();",
        json!([]),
    );
    s.wait_for(
        "the export dialog",
        "return document.querySelector('#export-dialog input[id^=export-chat-]') ? true : null;",
        WAIT,
    );
    s.execute(
        r#"document.querySelector('#export-path').value = arguments[0];
           document.querySelector('#export-csv').checked = true;
           document.querySelector('#export-go').click();"#,
        json!([pdf.display().to_string()]),
    );
    let result = s.wait_for(
        "the export result",
        "const r = document.querySelector('#export-result'); return r && (r.innerText.startsWith('Saved') || r.className === 'error') ? r.innerText : null;",
        WAIT,
    );
    assert!(
        result.as_str().unwrap_or_default().starts_with("Saved"),
        "export: {result}"
    );
    s.screenshot(&repo_root().join("docs/screenshots/app-export.png"));
    s.execute(
        "document.querySelector('#export-dialog').close();",
        json!([]),
    );
    assert!(pdf.exists() && pdf.with_extension("csv").exists());
    let csv = std::fs::read_to_string(pdf.with_extension("csv")).unwrap();
    assert!(csv.contains("433"), "corrected QT in the CSV:\n{csv}");
    if let Ok(out) = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("What is the heart rate?")
                && text.contains("433")
                && text.contains("notch 50 Hz"),
            "PDF text lacks the chat, the corrected QT or the display filter band:\n{text}"
        );
    }

    // Sign-off locks the recording.
    s.execute(
        r#"window.confirm = () => true;
           document.querySelector('#signer').value = 'Dr. E2E';
           document.querySelector('#sign').click();"#,
        json!([]),
    );
    s.wait_for(
        "the signature",
        "const g = document.querySelector('#signature.signed'); return g ? g.innerText : null;",
        WAIT,
    );
}

/// The app on a department's shared PostgreSQL store (`HEARTLENS_DB`, issue 20): the recording,
/// an annotation and the reader's presence go to the server, not to a local file; the audit row
/// carries the login role; a restart restores the annotation from the server.
#[test]
fn app_reads_and_annotates_on_a_shared_postgres_store() {
    let Some(app) = runnable_app() else {
        return;
    };
    let Some(server) = crate::postgres::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let db = std::path::PathBuf::from(&server.url);
    let envs = [
        ("HEARTLENS_HOME", home.path()),
        ("HEARTLENS_DB", db.as_path()),
    ];
    let args = [data("wfdb/ludb/1.hea").display().to_string()];
    {
        let s = AppSession::start(&app, &args, &envs);
        wait_for_frame(&s);
        s.execute(
            r#"window.prompt = () => "noted on the server";
               const c = document.querySelector('#tracing');
               const r = c.getBoundingClientRect();
               const y = r.top + r.height * 0.12;
               const opts = (x) => ({clientX: x, clientY: y, shiftKey: true, bubbles: true, pointerId: 1});
               c.dispatchEvent(new PointerEvent('pointerdown', opts(r.left + r.width * 0.15)));
               c.dispatchEvent(new PointerEvent('pointerup', opts(r.left + r.width * 0.25)));"#,
            json!([]),
        );
        s.wait_for(
            "the new annotation in the list",
            "const a = document.querySelector('#annotations'); return a && a.innerText.includes('noted on the server') ? true : null;",
            WAIT,
        );
        let worklist = s.wait_for(
            "the worklist naming this reader",
            "const w = document.querySelector('#worklist'); const t = w ? [...w.options].map((o) => o.textContent).join('\\n') : ''; return t.includes('reading: ') ? t : null;",
            WAIT,
        );
        assert!(
            worklist
                .as_str()
                .unwrap_or_default()
                .contains("(role postgres)"),
            "worklist: {worklist}"
        );
    }
    assert!(
        !home.path().join("heartlens.sqlite3").exists(),
        "nothing went to a local SQLite file"
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let s = store::Store::open(&db)
            .await
            .expect("open the server store");
        let rec = s
            .recent(1)
            .await
            .unwrap()
            .into_iter()
            .next()
            .expect("the recording");
        let log = s.history(rec.id).await.unwrap();
        let created = log
            .iter()
            .find(|e| {
                e.after
                    .as_ref()
                    .is_some_and(|a| a["text"] == "noted on the server")
            })
            .expect("the annotation's audit row");
        assert_eq!(created.role.as_deref(), Some("postgres"));
        s.close().await;
    });
    let s = AppSession::start(&app, &args, &envs);
    s.wait_for(
        "the annotation restored from the server",
        "const a = document.querySelector('#annotations'); return a && a.innerText.includes('noted on the server') ? true : null;",
        WAIT,
    );
}

/// Polls the store at `db` until `ok` holds for the readers of `recording` (the app writes on
/// its own schedule); panics with the last readers after WAIT.
fn wait_for_readers(
    rt: &tokio::runtime::Runtime,
    db: &std::path::Path,
    recording: i64,
    what: &str,
    ok: impl Fn(&[String]) -> bool,
) {
    let start = std::time::Instant::now();
    loop {
        let readers: Vec<String> = rt.block_on(async {
            let s = store::Store::open(db).await.expect("open the server store");
            let r = s.readers(recording).await.expect("readers");
            s.close().await;
            r.into_iter().map(|p| p.reader).collect()
        });
        if ok(&readers) {
            return;
        }
        assert!(start.elapsed() < WAIT, "{what}: readers now {readers:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The Settings page (issue 20): a station reading on its own file switches to the department's
/// PostgreSQL server. A wrong URL is refused on save, naming the server and the problem, never
/// the password; the right one is checked by connecting and kept in the station file (its
/// password masked on the page and kept when saved unchanged); the page says a restart applies
/// it; the next start reads from the server; opening another recording releases this reader's
/// presence on the first one at once.
#[test]
fn app_switches_its_database_to_a_department_server_in_settings() {
    let Some(app) = runnable_app() else {
        return;
    };
    let Some(server) = crate::postgres::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    // An empty HEARTLENS_DB is unset: the station's setting decides.
    let envs = [
        ("HEARTLENS_HOME", home.path()),
        ("HEARTLENS_DB", std::path::Path::new("")),
    ];
    let first = data("wfdb/ludb/1.hea");
    let second = data("wfdb/ludb/2.hea");
    let args = [first.display().to_string()];
    let station_file = home.path().join("database.json");
    let with_password =
        server
            .url
            .replacen("postgres://postgres@", "postgres://postgres:pw123@", 1);
    let set_url = r#"document.querySelector('#db-postgres').click();
        const u = document.querySelector('#db-url');
        u.disabled = false;
        u.value = arguments[0];
        document.querySelector('#db-status').textContent = '';
        document.querySelector('#db-save').click();"#;
    let status = "const s = document.querySelector('#db-status'); const t = s ? s.innerText : ''; return t.startsWith('Not saved') || t.startsWith('Checked') ? t : null;";
    {
        let s = AppSession::start(&app, &args, &envs);
        wait_for_frame(&s);
        s.click("#open-settings");
        let info = s.wait_for(
            "the database in use",
            "const i = document.querySelector('#db-info'); return i && i.innerText.includes('In use now') ? i.innerText : null;",
            WAIT,
        );
        assert!(
            info.as_str()
                .unwrap_or_default()
                .contains("this computer (SQLite)"),
            "{info}"
        );
        // A wrong login: refused, naming the server and the problem, without the password.
        let wrong = server
            .url
            .replacen("postgres://postgres@", "postgres://nobody:s3cret@", 1);
        s.execute(set_url, json!([wrong]));
        let refused = s.wait_for("the refusal", status, WAIT);
        let refused = refused.as_str().unwrap_or_default();
        assert!(refused.starts_with("Not saved"), "{refused}");
        assert!(
            refused.contains("postgres://nobody:***@localhost/postgres")
                && refused.contains("nobody"),
            "names the server and the problem: {refused}"
        );
        assert!(!refused.contains("s3cret"), "{refused}");
        assert!(!station_file.exists(), "nothing saved");
        // The right server: checked by connecting, saved, a restart applies it.
        s.execute(set_url, json!([with_password]));
        let saved = s.wait_for("the check and save", status, WAIT);
        assert!(
            saved
                .as_str()
                .unwrap_or_default()
                .contains("Restart Heartlens"),
            "{saved}"
        );
        let page = s.execute(
            "return document.querySelector('#settings').innerText + ' ' + document.querySelector('#db-url').value + ' ' + (document.querySelector('#db-restart').hidden ? 'hidden' : 'restart');",
            json!([]),
        );
        let page = page.as_str().unwrap_or_default().to_string();
        assert!(
            page.contains("postgres://postgres:***@localhost/postgres")
                && page.ends_with("restart"),
            "{page}"
        );
        assert!(
            !page.contains("pw123"),
            "the password never comes back: {page}"
        );
        // Saved unchanged (masked), the password is kept.
        s.execute(
            "document.querySelector('#db-status').textContent = ''; document.querySelector('#db-save').click();",
            json!([]),
        );
        s.wait_for("the second save", status, WAIT);
        let kept = std::fs::read_to_string(&station_file).unwrap();
        assert!(kept.contains(&with_password), "{kept}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&station_file)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
    }
    // A second recording on the server, so the worklist can switch to it.
    let db = std::path::PathBuf::from(&server.url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let second_id = rt.block_on(async {
        let s = store::Store::open(&db)
            .await
            .expect("open the server store");
        let r = s.open_file(&second, "WFDB", json!({})).await.unwrap();
        s.close().await;
        r.id
    });
    let s = AppSession::start(&app, &args, &envs);
    wait_for_frame(&s);
    s.click("#open-settings");
    let info = s.wait_for(
        "the department server in use",
        "const i = document.querySelector('#db-info'); return i && i.innerText.includes('In use now') ? i.innerText : null;",
        WAIT,
    );
    let info = info.as_str().unwrap_or_default();
    assert!(
        info.contains("department server (PostgreSQL), postgres://postgres:***@localhost/postgres"),
        "{info}"
    );
    assert!(
        s.execute(
            "return document.querySelector('#db-restart').hidden;",
            json!([])
        ) == json!(true),
        "no restart needed once in use"
    );
    let first_id = rt.block_on(async {
        let st = store::Store::open(&db).await.unwrap();
        let hash = store::recordings::ContentHash::of_file(&first).unwrap().0;
        let r = st
            .find_recording(&hash)
            .await
            .unwrap()
            .expect("the first recording on the server");
        st.close().await;
        r.id
    });
    wait_for_readers(&rt, &db, first_id, "this reader on the first", |r| {
        r.len() == 1
    });
    s.execute(
        "const w = document.querySelector('#worklist'); w.value = arguments[0]; w.dispatchEvent(new Event('change'));",
        json!([second.display().to_string()]),
    );
    wait_for_readers(&rt, &db, second_id, "this reader on the second", |r| {
        r.len() == 1
    });
    wait_for_readers(&rt, &db, first_id, "the first released", |r| r.is_empty());
}
