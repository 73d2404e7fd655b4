//! Parity of the Beat v3/v1 preprocessing with the Python reference vectors
//! (`tests/data/vectors/preprocess`, see its README): f64 filter stages within 1e-12
//! relative (1e-9 abs floor), f32 normalised windows within 1e-5 abs.

use safetensors::{Dtype, SafeTensors};
use signal::beat_preprocess as bp;
use signal::{FilterKind, butter_sos, lfilter_zi, resample_poly_taps, sosfilt_zi};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/vectors/preprocess"
);
const CASES: [&str; 3] = ["ptbxl_HR06000", "ludb_1", "ludb_38"];

fn load(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).expect("vector file present in tests/data")
}

/// A tensor as (shape, f64 values) whatever its float dtype.
fn tensor(st: &SafeTensors, key: &str) -> (Vec<usize>, Vec<f64>) {
    let t = st.tensor(key).unwrap_or_else(|e| panic!("{key}: {e}"));
    let data = t.data();
    let vals = match t.dtype() {
        Dtype::F64 => data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect(),
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes(c.try_into().expect("4 bytes"))))
            .collect(),
        other => panic!("{key}: unexpected dtype {other:?}"),
    };
    (t.shape().to_vec(), vals)
}

fn rows(shape: &[usize], v: &[f64]) -> Vec<Vec<f64>> {
    assert_eq!(shape.len(), 2);
    v.chunks_exact(shape[1]).map(<[f64]>::to_vec).collect()
}

/// Max of |a-b| / max(|b|, floor) over the arrays, asserting it is within `rel`.
fn assert_close(what: &str, got: &[f64], want: &[f64], rel: f64, abs_floor: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let mut worst = 0.0f64;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let err = (g - w).abs();
        let ok = err <= rel * w.abs() || err <= abs_floor;
        assert!(ok, "{what}[{i}]: got {g:e}, want {w:e} (err {err:e})");
        worst = worst.max(err);
    }
}

#[test]
fn filter_constants_match_scipy() {
    let bytes = load("filters.safetensors");
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let (_, taps) = tensor(&st, "resample_poly_fir_taps");
    assert_close(
        "taps",
        &resample_poly_taps(1, 2).unwrap(),
        &taps,
        1e-12,
        1e-18,
    );

    let (_, sos_want) = tensor(&st, "butter_highpass_sos");
    let sos = butter_sos(5, 0.5, 250.0, FilterKind::Highpass).unwrap();
    let flat: Vec<f64> = sos.sections.iter().flatten().copied().collect();
    assert_close("sos", &flat, &sos_want, 1e-12, 1e-18);

    let (_, zi_want) = tensor(&st, "butter_highpass_sosfilt_zi");
    let zi: Vec<f64> = sosfilt_zi(&sos).unwrap().into_iter().flatten().collect();
    assert_close("sos zi", &zi, &zi_want, 1e-12, 1e-18);

    let (_, b) = tensor(&st, "powerline_b");
    let (_, a) = tensor(&st, "powerline_a");
    let (_, pzi) = tensor(&st, "powerline_lfilter_zi");
    assert_close("fir zi", &lfilter_zi(&b, &a).unwrap(), &pzi, 1e-15, 0.0);
}

#[test]
fn f64_stages_match_scipy_and_neurokit() {
    for case in CASES {
        let bytes = load(&format!("{case}.safetensors"));
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let (sh, raw) = tensor(&st, "raw_500hz");
        let raw = rows(&sh, &raw);
        let (sh, res) = tensor(&st, "resampled_250hz");
        let res = rows(&sh, &res);
        let (sh, hp) = tensor(&st, "highpass");
        let hp = rows(&sh, &hp);
        let (sh, cl) = tensor(&st, "cleaned");
        let cl = rows(&sh, &cl);
        for lead in 0..raw.len() {
            let what = format!("{case} lead {lead}");
            // Each stage from the reference input, so an error is attributed to one stage.
            let r = bp::resample_to_beat_rate(&raw[lead], 500).unwrap();
            assert_close(&format!("{what} resample"), &r, &res[lead], 1e-12, 1e-9);
            let h = bp::nk_highpass(&res[lead], 250.0).unwrap();
            assert_close(&format!("{what} highpass"), &h, &hp[lead], 1e-12, 1e-9);
            let c = bp::nk_powerline(&hp[lead], 250.0).unwrap();
            assert_close(&format!("{what} powerline"), &c, &cl[lead], 1e-12, 1e-9);
            // And the whole chain end to end.
            let all = bp::nk_ecg_clean(&r, 250.0).unwrap();
            assert_close(&format!("{what} ecg_clean"), &all, &cl[lead], 1e-12, 1e-9);
        }
    }
}

#[test]
fn windows_and_normalisation_match_upstream() {
    let meta: serde_json::Value =
        serde_json::from_slice(&load("meta.json")).expect("meta.json parses");
    for case in CASES {
        let bytes = load(&format!("{case}.safetensors"));
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let (sh, raw) = tensor(&st, "raw_500hz");
        let raw = rows(&sh, &raw);
        let cleaned: Vec<Vec<f32>> = raw
            .iter()
            .map(|l| bp::clean_for_beat(l, 500).unwrap())
            .collect();
        let m = &meta["records"][case];
        let q_start = m["quality_window_start"].as_u64().unwrap() as usize;
        let v1_start = m["v1_quality_window_start"].as_u64().unwrap() as usize;

        // The window choice from the stored quality array.
        let (_, quality) = tensor(&st, "quality");
        assert_eq!(
            bp::window_start_by_quality(&quality, bp::V3_WINDOW),
            Some(q_start),
            "{case} v3 start"
        );
        assert_eq!(
            bp::window_start_by_quality(&quality, bp::V1_WINDOW),
            Some(v1_start),
            "{case} v1 start"
        );
        assert_eq!(
            bp::centred_window_start(cleaned[0].len(), bp::V3_WINDOW),
            500
        );

        let check = |what: &str, got: &[Vec<f32>], key: &str| {
            let (sh, want) = tensor(&st, key);
            let want = rows(&sh, &want);
            assert_eq!(got.len(), want.len());
            for (c, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(g.len() >= w.len(), "{what}: lead {c} too short");
                for (i, (a, b)) in g.iter().zip(w).enumerate() {
                    assert!(
                        (f64::from(*a) - b).abs() <= 1e-5,
                        "{case} {what} lead {c} [{i}]: {a} vs {b}"
                    );
                }
            }
        };
        for (start, key, mkey, skey) in [
            (
                q_start,
                "window_quality_norm",
                "norm_mean_quality",
                "norm_std_quality",
            ),
            (
                500,
                "window_centred_norm",
                "norm_mean_centred",
                "norm_std_centred",
            ),
        ] {
            let w = bp::crop_window(&cleaned, start, bp::V3_WINDOW).unwrap();
            let n = bp::normalize_v3(&w, bp::V3_STAT_LEN).unwrap();
            check(key, &n.data, key);
            let (_, mean) = tensor(&st, mkey);
            for (a, b) in n.mean.iter().zip(&mean) {
                assert!((f64::from(*a) - b).abs() <= 1e-6, "{case} {mkey}");
            }
            let (_, std) = tensor(&st, skey);
            assert!((f64::from(n.std) - std[0]).abs() <= 1e-6, "{case} {skey}");
            if key == "window_quality_norm" {
                let input: Vec<Vec<f32>> = n
                    .data
                    .iter()
                    .map(|l| l[..bp::V3_STAT_LEN].to_vec())
                    .collect();
                check("model_input", &input, "model_input");
            }
        }
        let w1 = bp::crop_window(&cleaned, v1_start, bp::V1_WINDOW).unwrap();
        let n1 = bp::normalize_v1(&w1).unwrap();
        check("v1_window_norm", &n1.data, "v1_window_norm");
    }
}
