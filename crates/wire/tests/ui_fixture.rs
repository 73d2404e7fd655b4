//! The UI's decoder (`ui/src/framewire.ts`) is tested on messages this crate encodes: the
//! fixture `ui/src/testdata/wire-fixture.json` holds two small frames and their messages (alone,
//! and the second against the first), and the "unchanged" answer naming the first. This test fails when the encoding changes without the
//! fixture; `HEARTLENS_BLESS=1` rewrites it (then run the UI tests: `cd ui && npx vitest run`).

use std::fmt::Write;
use std::path::PathBuf;

/// A 37x23 paper with 1-px grid lines, an anti-aliased-looking trace, a flat run and a label-like
/// noisy block; `shift` moves the trace as a pan does.
fn paper(w: usize, h: usize, shift: usize) -> Vec<u32> {
    let mut p = vec![0xfffa_faffu32; w * h];
    for y in 0..h {
        for x in 0..w {
            if x % 4 == 1 || y % 4 == 2 {
                p[y * w + x] = 0xffe4_e4fc;
            }
        }
    }
    for x in 0..w {
        let y = (((x + shift) as f64 * 0.5).sin() * 0.4 + 0.5) * (h - 1) as f64;
        p[y as usize * w + x] = 0xff3e_3e43;
        p[(y as usize + 1).min(h - 1) * w + x] = 0xff95_95ad;
    }
    for (k, v) in p[w + 2..w + 9].iter_mut().enumerate() {
        *v = 0xff00_0000 | (k as u32 * 0x0013_3171);
    }
    p
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn list(pixels: &[u32]) -> String {
    let items: Vec<String> = pixels.iter().map(u32::to_string).collect();
    format!("[{}]", items.join(","))
}

#[test]
fn ui_fixture_is_current() {
    let (w, h) = (37usize, 23usize);
    let a = paper(w, h, 0);
    let b = paper(w, h, 3);
    let json = br#"{"panels":[{"lead":"II"}],"marks":[]}"#;
    let first = wire::encode_message(1, w as u32, h as u32, json, &a, None);
    let second = wire::encode_message(2, w as u32, h as u32, json, &b, Some((1, &a)));
    let alone = wire::encode_message(3, w as u32, h as u32, b"[]", &b, None);
    let unchanged = wire::encode_unchanged(1, w as u32, h as u32);
    let text = format!(
        "{{\n  \"width\": {w},\n  \"height\": {h},\n  \"first\": {},\n  \"second\": {},\n  \"firstDigest\": {},\n  \"secondDigest\": {},\n  \"messages\": {{\n    \"first\": \"{}\",\n    \"secondOnFirst\": \"{}\",\n    \"secondAlone\": \"{}\",\n    \"unchangedFirst\": \"{}\"\n  }}\n}}\n",
        list(&a),
        list(&b),
        wire::digest(&a),
        wire::digest(&b),
        hex(&first),
        hex(&second),
        hex(&alone),
        hex(&unchanged),
    );
    assert!(second.len() < alone.len(), "the base frame saves bytes");
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/testdata/wire-fixture.json");
    if std::env::var_os("HEARTLENS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let stored = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (bless with HEARTLENS_BLESS=1)", path.display()));
    assert_eq!(
        stored,
        text,
        "{} is stale: bless with HEARTLENS_BLESS=1",
        path.display()
    );
}
