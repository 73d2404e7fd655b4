//! decode(encode(frame)) == frame for random frames: noise, flat areas, repeated rows and a base
//! frame that shares some of the pixels, at widths from 1 up.

use proptest::prelude::*;

/// A frame drawn from a small palette (so runs and repeats happen), with some rows copied from
/// the row above, and a base frame that equals it except at random places.
fn frame_and_base() -> impl Strategy<Value = (usize, Vec<u32>, Vec<u32>)> {
    (1usize..40, 1usize..30).prop_flat_map(|(w, h)| {
        let n = w * h;
        (
            Just(w),
            prop::collection::vec(
                prop_oneof![Just(0xffee_eeffu32), Just(0xff00_0000), any::<u32>()],
                n,
            ),
            prop::collection::vec(any::<bool>(), h),
            prop::collection::vec(prop::option::weighted(0.2, any::<u32>()), n),
        )
            .prop_map(|(w, mut pixels, copy_row, changes)| {
                for (y, copy) in copy_row.iter().enumerate().skip(1) {
                    if *copy {
                        let (done, row) = pixels.split_at_mut(y * w);
                        row[..w].copy_from_slice(&done[(y - 1) * w..]);
                    }
                }
                let base = pixels
                    .iter()
                    .zip(&changes)
                    .map(|(p, c)| c.unwrap_or(*p))
                    .collect();
                (w, pixels, base)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ops_decode_to_the_frame((w, pixels, base) in frame_and_base()) {
        for base in [None, Some(&base[..])] {
            let mut ops = Vec::new();
            wire::encode(w, &pixels, base, &mut ops);
            let words = wire::pixels_from_rgba(&ops);
            prop_assert_eq!(wire::decode(&words, w, pixels.len(), base).unwrap(), pixels.clone());
        }
    }

    #[test]
    fn messages_decode_to_the_frame((w, pixels, base) in frame_and_base(), json in "[ -~]{0,9}") {
        let h = (pixels.len() / w) as u32;
        let msg = wire::encode_message(7, w as u32, h, json.as_bytes(), &pixels, Some((6, &base)));
        let (header, got_json, got) = wire::decode_message(&msg, |id| (id == 6).then_some(&base[..])).unwrap();
        prop_assert_eq!(header, wire::Header { width: w as u32, height: h, frame_id: 7, base_id: 6 });
        prop_assert_eq!(got_json, json.as_bytes());
        prop_assert_eq!(got, pixels);
    }

    #[test]
    fn rgba_round_trips(rgba in prop::collection::vec(any::<u8>(), 0..64)) {
        let whole = rgba.len() / 4 * 4;
        prop_assert_eq!(wire::rgba_from_pixels(&wire::pixels_from_rgba(&rgba)), rgba[..whole].to_vec());
    }

    /// Garbage never panics the decoder.
    #[test]
    fn garbage_is_an_error_or_a_frame(bytes in prop::collection::vec(any::<u8>(), 0..200), w in 1u32..8, h in 1u32..8) {
        let mut msg = wire::encode_message(1, w, h, b"", &[], None)[..24].to_vec();
        msg.extend_from_slice(&bytes[..bytes.len() / 4 * 4]);
        let _ = wire::decode_message(&msg, |_| None);
    }
}
