//! A minimal W3C WebDriver client and the harness that runs the real Heartlens app under Xvfb,
//! driven by WebKitWebDriver (the driver tauri-driver wraps on Linux; we talk to it directly
//! with `webkitgtk:browserOptions`, which is what tauri-driver sends).
//!
//! The app must see `TAURI_WEBVIEW_AUTOMATION=true` (set here) or WebDriver hangs, and
//! `WEBKIT_DISABLE_COMPOSITING_MODE=1` (no GPU compositing under Xvfb).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The built app binary, beside the `heartlens` CLI in the target dir.
pub fn app_binary() -> PathBuf {
    crate::util::heartlens_bin()
        .with_file_name(format!("heartlens-app{}", std::env::consts::EXE_SUFFIX))
}

/// The app binary when the harness can run here. Otherwise `None` after saying why, or a
/// failure when `HEARTLENS_REQUIRE_APP_TESTS` is set (CI must not skip the app tests).
pub fn runnable_app() -> Option<PathBuf> {
    let app = app_binary();
    if let Some(why) = missing_prerequisite(&app) {
        assert!(
            std::env::var("HEARTLENS_REQUIRE_APP_TESTS").is_err(),
            "app tests required but cannot run: {why}"
        );
        eprintln!("skipping app test: {why}");
        return None;
    }
    Some(app)
}

/// Why the app harness cannot run here (missing tools), or `None` when it can.
pub fn missing_prerequisite(app: &Path) -> Option<String> {
    for tool in ["Xvfb", "WebKitWebDriver"] {
        if which(tool).is_none() {
            return Some(format!(
                "{tool} is not installed (scripts/setup.sh installs it)"
            ));
        }
    }
    if !app.exists() {
        return Some(format!(
            "{} is not built (cargo build --workspace)",
            app.display()
        ));
    }
    None
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(tool))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Kills a child process when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running app session: Xvfb + WebKitWebDriver + the app, torn down on drop.
pub struct AppSession {
    base: String,
    session: String,
    agent: ureq::Agent,
    // Order matters: the driver (and the app it started) go before the display.
    _driver: Guard,
    _xvfb: Guard,
}

impl AppSession {
    /// Starts the app with `args` and `envs` on a fresh virtual display.
    pub fn start(app: &Path, args: &[String], envs: &[(&str, &Path)]) -> AppSession {
        // One display per session: sessions of parallel tests in this process must not share one.
        static SESSIONS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 8;
        let display_num = 90 + (std::process::id() % 400) * 8 + n;
        let display = format!(":{display_num}");
        let xvfb = Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1600x1000x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let xvfb = Guard(xvfb);
        let sock = PathBuf::from(format!("/tmp/.X11-unix/X{display_num}"));
        wait_until(Duration::from_secs(10), || sock.exists(), "Xvfb socket");

        let port = free_port();
        let mut cmd = Command::new("WebKitWebDriver");
        cmd.arg(format!("--port={port}"))
            .env("DISPLAY", &display)
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("GDK_BACKEND", "x11")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let driver = Guard(cmd.spawn().expect("start WebKitWebDriver"));
        let base = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            .build()
            .into();
        wait_until(
            Duration::from_secs(15),
            || agent.get(&format!("{base}/status")).call().is_ok(),
            "WebKitWebDriver /status",
        );
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "webkitgtk:browserOptions": { "binary": app, "args": args }
            }}
        });
        let resp = post(&agent, &format!("{base}/session"), &caps);
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {resp}"))
            .to_string();
        AppSession {
            base,
            session,
            agent,
            _driver: driver,
            _xvfb: xvfb,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{}", self.base, self.session, path)
    }

    /// Runs JavaScript in the page and returns its result.
    pub fn execute(&self, script: &str, args: Value) -> Value {
        let r = post(
            &self.agent,
            &self.url("/execute/sync"),
            &json!({ "script": script, "args": args }),
        );
        r["value"].clone()
    }

    /// Runs asynchronous JavaScript in the page: the script calls its last argument (the
    /// W3C callback) with the result; returns that result.
    pub fn execute_async(&self, script: &str, args: Value) -> Value {
        let r = post(
            &self.agent,
            &self.url("/execute/async"),
            &json!({ "script": script, "args": args }),
        );
        r["value"].clone()
    }

    /// Waits until `script` returns a truthy value; returns that value.
    pub fn wait_for(&self, what: &str, script: &str, timeout: Duration) -> Value {
        let start = Instant::now();
        loop {
            let v = self.execute(script, json!([]));
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                Value::Object(o) => !o.contains_key("error"),
                _ => true,
            };
            if truthy {
                return v;
            }
            if start.elapsed() > timeout {
                let text = self.execute(
                    "return document.body ? document.body.innerText : ''",
                    json!([]),
                );
                panic!("timed out waiting for {what}; page text:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Clicks the first element matching a CSS selector.
    pub fn click(&self, css: &str) {
        let r = post(
            &self.agent,
            &self.url("/element"),
            &json!({ "using": "css selector", "value": css }),
        );
        let obj = r["value"]
            .as_object()
            .unwrap_or_else(|| panic!("no element {css}: {r}"));
        let id = obj
            .values()
            .next()
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {r}"))
            .to_string();
        post(
            &self.agent,
            &self.url(&format!("/element/{id}/click")),
            &json!({}),
        );
    }

    /// Saves a PNG screenshot of the window (for docs and for looking at a failure). Best
    /// effort: WebKitWebDriver's screenshot can stall under Xvfb without compositing, so a
    /// failure is reported on stderr and the test goes on.
    pub fn screenshot(&self, out: &Path) {
        let shot = self
            .agent
            .get(&self.url("/screenshot"))
            .config()
            .timeout_global(Some(Duration::from_secs(15)))
            .build()
            .call()
            .map_err(|e| e.to_string())
            .and_then(|mut r| r.body_mut().read_json::<Value>().map_err(|e| e.to_string()));
        let b64 = match &shot {
            Ok(v) => v["value"].as_str().map(str::to_string),
            Err(e) => {
                eprintln!("screenshot {} skipped: {e}", out.display());
                None
            }
        };
        let Some(b64) = b64 else { return };
        let png = base64_decode(&b64);
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).expect("screenshot dir");
        }
        std::fs::write(out, png).expect("write screenshot");
    }
}

impl Drop for AppSession {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(&format!("{}/session/{}", self.base, self.session))
            .call();
    }
}

fn post(agent: &ureq::Agent, url: &str, body: &Value) -> Value {
    agent
        .post(url)
        .send_json(body)
        .unwrap_or_else(|e| panic!("POST {url}: {e}"))
        .body_mut()
        .read_json()
        .unwrap_or_else(|e| panic!("POST {url}: bad JSON: {e}"))
}

fn wait_until(timeout: Duration, mut ok: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Standard base64 (RFC 4648) decoding of a WebDriver screenshot; whitespace ignored.
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter_map(val) {
        acc = (acc << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
