//! The desktop app in a real window under Xvfb, driven through WebDriver.
//!
//! Skips with a note when Xvfb/WebKitWebDriver are absent, unless `HEARTLENS_REQUIRE_APP_TESTS=1`
//! (set by scripts/test.sh, so CI never skips silently).

use std::time::Duration;

use crate::util::{data, repo_root};
use crate::webdriver::{AppSession, missing_prerequisite};

fn app_binary() -> std::path::PathBuf {
    crate::util::heartlens_bin().with_file_name(format!("heartlens-app{}", std::env::consts::EXE_SUFFIX))
}

#[test]
fn app_opens_the_file_named_on_the_command_line() {
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
    let session = AppSession::start(&app, &[file.display().to_string()], &[("HEARTLENS_HOME", home.path())]);
    let text = session.wait_for(
        "the recording summary",
        "const c = document.querySelector('#content'); return c && c.innerText.includes('12 leads') ? c.innerText : null;",
        Duration::from_secs(60),
    );
    let text = text.as_str().unwrap_or_default().to_string();
    assert!(text.contains("WFDB"), "page text: {text}");
    assert!(text.contains("aVF"), "page text: {text}");
    session.screenshot(&repo_root().join("docs/screenshots/app-open.png"));
}
