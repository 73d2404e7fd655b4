//! AVX-512 VNNI tile kernels for [`QWeight`] x [`QActs`] (issue 17): the fast path of
//! [`QWeight::matmul`] on CPUs with `avx512f`, `avx512bw` and `avx512vnni` (Ice Lake, Sapphire
//! Rapids, Zen 4 and later).
//!
//! Owns the register tiles: `RM` weight rows meet `RN` activation rows, so a weight block is
//! unpacked once for `RN` tokens and an activation block loaded once for `RM` weight rows. Per
//! pair of 32-value blocks (one 512-bit register) and per (weight row, activation row):
//! `vpdpbusd` (unsigned weight bytes x signed activation bytes, four products per 32-bit lane),
//! a conversion to f32, and one fused multiply-add with the product of the two block scales.
//! The offsets (`min` of Q4_1, Q5_1 and the K-quants) are one f32 dot product per output
//! after the loop, over the per-group activation sums [`QActs`] keeps. Q8_0's signed weights
//! take the sign trick (`|w|` times `a * sign(w)`), as the AVX2 kernel does, so every kernel
//! computes the same integer sums.
//!
//! Where the weight keeps its group scales and offsets as exact halves (`QWeight::halves`, the
//! legacy types), the tiles read those and widen them in registers: decode waits on memory,
//! and Q8_0 then streams 34 bytes per 32 weights instead of 36 (Q4_1 20 instead of 24).
//!
//! The scalar reference and the tests are in the parent module.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{Packing, QActs, QK, QWeight};

/// Weight rows per tile.
const RM: usize = 4;
/// Activation rows per tile.
const RN: usize = 3;
/// Weight rows per tile for a single activation row (decode): 8 independent rows give the
/// memory system more streams in flight and share each activation block load.
const RM1: usize = 8;
const PF: usize = 2;

/// Whether this CPU has the instructions these kernels are compiled for.
pub(super) fn available() -> bool {
    is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512vnni")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("fma")
}

/// The weight layouts, as const parameters so each tile is compiled without branches.
const NIB4: u8 = 0;
const U8: u8 = 1;
const I8: u8 = 2;

/// Dot products of weight rows `j0..j0 + rows` with every activation row, into
/// `out_t[(j - j0) * acts.rows + r]` (the transposed layout the driver uses).
///
/// # Safety
/// The CPU must have the features [`available`] checks.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,fma")]
pub(super) unsafe fn matmul_rows(
    w: &QWeight,
    acts: &QActs,
    j0: usize,
    rows: usize,
    out_t: &mut [f32],
) {
    // Halves exist only for 32-wide groups (`QWeight::halves`).
    let h = w.halves.is_some();
    match (w.packing, w.group, h) {
        (Packing::Nib4, 32, true) => rows_of::<NIB4, false, true>(w, acts, j0, rows, out_t),
        (Packing::Nib4, 32, false) => rows_of::<NIB4, false, false>(w, acts, j0, rows, out_t),
        (Packing::Nib4, _, _) => rows_of::<NIB4, true, false>(w, acts, j0, rows, out_t),
        (Packing::U8, 32, true) => rows_of::<U8, false, true>(w, acts, j0, rows, out_t),
        (Packing::U8, 32, false) => rows_of::<U8, false, false>(w, acts, j0, rows, out_t),
        (Packing::U8, _, _) => rows_of::<U8, true, false>(w, acts, j0, rows, out_t),
        (Packing::I8, 32, true) => rows_of::<I8, false, true>(w, acts, j0, rows, out_t),
        (Packing::I8, 32, false) => rows_of::<I8, false, false>(w, acts, j0, rows, out_t),
        (Packing::I8, _, _) => rows_of::<I8, true, false>(w, acts, j0, rows, out_t),
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,fma")]
fn rows_of<const K: u8, const G16: bool, const H: bool>(
    w: &QWeight,
    acts: &QActs,
    j0: usize,
    rows: usize,
    out_t: &mut [f32],
) {
    let m = acts.rows;
    // Every pointer the tiles read is inside these bounds.
    assert!(acts.cols == w.cols && w.cols.is_multiple_of(QK));
    assert!(j0 + rows <= w.rows && out_t.len() >= rows * m);
    assert!(w.qs.len() >= w.rows * w.row_bytes() && w.scale.len() >= w.rows * w.row_groups());
    assert!(w.min.is_empty() || w.min.len() >= w.rows * w.row_groups());
    if H {
        let h = w.halves.as_ref().expect("the H tiles read the halves");
        assert!(!G16 && h.scale.len() == w.scale.len());
        assert!(h.min.len() == w.min.len() || h.min.is_empty() && h.min_per_scale.is_some());
    }
    assert!(acts.qs.len() >= m * acts.cols && acts.d.len() >= m * (acts.cols / QK));
    let mut r0 = 0;
    while r0 < m {
        let nr = if m - r0 >= RN { RN } else { 1 };
        let mut jj = 0;
        while jj < rows {
            let nj = if nr == 1 && rows - jj >= RM1 {
                RM1
            } else if rows - jj >= RM {
                RM
            } else {
                1
            };
            let mut res = [[0f32; RN]; RM1];
            // SAFETY: rows j0 + jj .. + nj and r0 .. r0 + nr exist (loop bounds and the
            // asserts above), so every block the tile reads is inside the vectors.
            unsafe {
                match (nj, nr) {
                    (RM1, 1) => tile::<K, G16, H, RM1, 1>(w, acts, j0 + jj, r0, &mut res),
                    (RM, RN) => tile::<K, G16, H, RM, RN>(w, acts, j0 + jj, r0, &mut res),
                    (RM, _) => tile::<K, G16, H, RM, 1>(w, acts, j0 + jj, r0, &mut res),
                    (_, RN) => tile::<K, G16, H, 1, RN>(w, acts, j0 + jj, r0, &mut res),
                    _ => tile::<K, G16, H, 1, 1>(w, acts, j0 + jj, r0, &mut res),
                }
            }
            for (a, row) in res.iter().enumerate().take(nj) {
                out_t[(jj + a) * m + r0..][..nr].copy_from_slice(&row[..nr]);
            }
            jj += nj;
        }
        r0 += nr;
    }
}

/// The unsigned (or, for `I8`, signed) weight bytes of the block pair at `p` (`two`: both
/// blocks, else one; the upper half then holds values the zero activations cancel).
///
/// # Safety
/// `p` must have `2 * block_bytes` readable bytes (`block_bytes` when not `two`).
#[inline(always)]
unsafe fn weight_pair<const K: u8>(p: *const u8, two: bool) -> __m512i {
    // SAFETY: the caller's contract.
    unsafe {
        if K == NIB4 {
            // Byte k of a block holds value k (low nibble) and value k + 16 (high nibble).
            // The pair's 32 bytes in both halves, the upper half shifted by 4 bits: 128-bit
            // lanes [blk0 values 0-15, blk1 0-15, blk0 16-31, blk1 16-31] (the activations
            // are put in the same order in `tile`).
            let raw = if two {
                _mm512_broadcast_i64x4(_mm256_loadu_si256(p.cast()))
            } else {
                // One block: lanes [blk0 0-15, -, blk0 16-31, -]; the second and fourth
                // meet zero activations.
                _mm512_broadcast_i32x4(_mm_loadu_si128(p.cast()))
            };
            let four = 0x0004_0004_0004_0004;
            let shift = if two {
                _mm512_set_epi64(four, four, four, four, 0, 0, 0, 0)
            } else {
                _mm512_set_epi64(0, 0, four, four, 0, 0, 0, 0)
            };
            _mm512_and_si512(_mm512_srlv_epi16(raw, shift), _mm512_set1_epi8(0x0F))
        } else {
            let mask: u64 = if two { u64::MAX } else { u32::MAX as u64 };
            _mm512_maskz_loadu_epi8(mask, p.cast())
        }
    }
}

/// One tile: `res[a][n]` = weight row `j0 + a` . activation row `r0 + n`.
///
/// # Safety
/// Weight rows `j0..j0 + M` and activation rows `r0..r0 + N` must exist, with the vectors as
/// long as [`rows_of`] asserts.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,fma")]
unsafe fn tile<const K: u8, const G16: bool, const H: bool, const M: usize, const N: usize>(
    w: &QWeight,
    acts: &QActs,
    j0: usize,
    r0: usize,
    res: &mut [[f32; RN]; RM1],
) {
    let nb = w.cols / QK;
    let bb = if K == NIB4 { QK / 2 } else { QK };
    let rb = w.row_bytes();
    let rg = w.row_groups();
    let mut wq = [std::ptr::null::<u8>(); M];
    let mut ws = [std::ptr::null::<f32>(); M];
    let mut hs = [std::ptr::null::<u16>(); M];
    let halves = w.halves.as_ref().filter(|_| H);
    for a in 0..M {
        wq[a] = w.qs[(j0 + a) * rb..].as_ptr();
        ws[a] = w.scale[(j0 + a) * rg..].as_ptr();
        if let Some(h) = halves {
            hs[a] = h.scale[(j0 + a) * rg..].as_ptr();
        }
    }
    let mut aq = [std::ptr::null::<i8>(); N];
    let mut ad = [std::ptr::null::<f32>(); N];
    for n in 0..N {
        aq[n] = acts.qs[(r0 + n) * acts.cols..].as_ptr();
        ad[n] = acts.d[(r0 + n) * nb..].as_ptr();
    }
    // Lane k of a product holds values 4k..4k+3 of the pair: block 0 in lanes 0-7, block 1 in
    // 8-15; a 16-value group in four lanes.
    // Nibble weights come as [blk0 0-15, blk1 0-15, blk0 16-31, blk1 16-31] (`weight_pair`),
    // so the activations and the block scales take that order too.
    let (by_block, by_half) = if K == NIB4 {
        (
            _mm512_set_epi32(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0),
            _mm512_set_epi32(3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0),
        )
    } else {
        (
            _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
            _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0),
        )
    };
    let mut acc = [[_mm512_setzero_ps(); N]; M];
    let mut b = 0;
    // SAFETY (all loads): block `b` (and `b + 1` when `two`) is inside every row (b < nb),
    // scales `b..` (groups `2b..` for G16) inside the scale rows; masked lanes are not read.
    unsafe {
        while b < nb {
            let two = b + 1 < nb;
            let (blocks_mask, acts_mask): (u16, u64) = if two {
                (0b11, u64::MAX)
            } else {
                (0b1, u32::MAX as u64)
            };
            let mut av = [_mm512_setzero_si512(); N];
            let mut dv = [_mm512_setzero_ps(); N];
            for n in 0..N {
                let a = _mm512_maskz_loadu_epi8(acts_mask, aq[n].add(b * QK).cast());
                av[n] = if K == NIB4 {
                    // [blk0 0-15, blk0 16-31, blk1 0-15, blk1 16-31] -> nibble order.
                    _mm512_shuffle_i64x2::<0b11_01_10_00>(a, a)
                } else {
                    a
                };
                let d = _mm512_maskz_loadu_ps(blocks_mask, ad[n].add(b));
                dv[n] = _mm512_permutexvar_ps(by_block, d);
            }
            for a in 0..M {
                // The same blocks of the next tile's rows: decode streams every weight once and
                // waits on memory without it (decode 36 -> 45 tokens/s on SmolLM2 Q4_1). A
                // prefetch never faults; `wrapping_add` keeps the address arithmetic defined
                // past the last row.
                _mm_prefetch::<_MM_HINT_T0>(wq[a].wrapping_add(b * bb + PF * M * rb).cast());
                let wv = weight_pair::<K>(wq[a].add(b * bb), two);
                let sv = if H {
                    // Two halves (one when not `two`), widened; lanes 2-7 are zero.
                    let s = _mm_maskz_loadu_epi16(blocks_mask as u8, hs[a].add(b).cast());
                    _mm512_permutexvar_ps(by_block, _mm512_cvtph_ps(_mm256_zextsi128_si256(s)))
                } else if G16 {
                    let s =
                        _mm512_maskz_loadu_ps(if two { 0b1111 } else { 0b11 }, ws[a].add(2 * b));
                    _mm512_permutexvar_ps(by_half, s)
                } else {
                    _mm512_permutexvar_ps(
                        by_block,
                        _mm512_maskz_loadu_ps(blocks_mask, ws[a].add(b)),
                    )
                };
                if K == I8 {
                    let wabs = _mm512_abs_epi8(wv);
                    let neg = _mm512_movepi8_mask(wv);
                    for n in 0..N {
                        let zero = _mm512_setzero_si512();
                        let a_signed = _mm512_mask_sub_epi8(av[n], neg, zero, av[n]);
                        let isum = _mm512_dpbusd_epi32(zero, wabs, a_signed);
                        let s = _mm512_mul_ps(sv, dv[n]);
                        acc[a][n] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), s, acc[a][n]);
                    }
                } else {
                    for n in 0..N {
                        let isum = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wv, av[n]);
                        let s = _mm512_mul_ps(sv, dv[n]);
                        acc[a][n] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), s, acc[a][n]);
                    }
                }
            }
            b += 2;
        }
    }
    let sums: [&[f32]; N] = std::array::from_fn(|n| acts.group_sums(r0 + n, w.group));
    for a in 0..M {
        for n in 0..N {
            let mut v = acc[a][n];
            if let Some(h) = halves.filter(|_| !w.min.is_empty()) {
                // `min = k * scale` exactly (k = -z, a power of two) or the offsets' halves.
                let (offsets, k) = match h.min_per_scale {
                    Some(k) => (&h.scale, k),
                    None => (&h.min, 1.0),
                };
                let row = &offsets[(j0 + a) * rg..][..rg];
                v = dot_offsets(Offsets::Halves(row, k), sums[n], v);
            } else if !w.min.is_empty() {
                let row = &w.min[(j0 + a) * rg..][..rg];
                v = dot_offsets(Offsets::F32(row), sums[n], v);
            }
            res[a][n] = _mm512_reduce_add_ps(v);
        }
    }
}

/// The offsets of one weight row as the tiles read them: f32, or IEEE halves (bit patterns)
/// times `k`, a power of two, so `k * half` is the f32 offset exactly.
#[derive(Clone, Copy)]
enum Offsets<'a> {
    F32(&'a [f32]),
    Halves(&'a [u16], f32),
}

/// `acc + offsets[i] * b[i]` lane by lane over 16-value chunks (the offset terms), both the
/// same length; the same sums, bit for bit, whichever form the offsets take.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,fma")]
fn dot_offsets(offsets: Offsets, b: &[f32], mut acc: __m512) -> __m512 {
    let len = match offsets {
        Offsets::F32(a) => a.len(),
        Offsets::Halves(a, _) => a.len(),
    };
    assert_eq!(len, b.len());
    let mut i = 0;
    while i < len {
        let n = (len - i).min(16);
        let mask = if n == 16 { u16::MAX } else { (1u16 << n) - 1 };
        // SAFETY: lanes `0..n` of both slices from `i` are in bounds (n = what is left).
        let (x, y) = unsafe {
            let x = match offsets {
                Offsets::F32(a) => _mm512_maskz_loadu_ps(mask, a[i..].as_ptr()),
                Offsets::Halves(a, k) => _mm512_mul_ps(
                    _mm512_set1_ps(k),
                    _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, a[i..].as_ptr().cast())),
                ),
            };
            (x, _mm512_maskz_loadu_ps(mask, b[i..].as_ptr()))
        };
        acc = _mm512_fmadd_ps(x, y, acc);
        i += n;
    }
    acc
}

/// [`QActs`] quantisation of `x` (whole 32-value blocks) into `qs`, `d` and the half and block
/// sums, with the scalar code's arithmetic: `amax / 127`, its inverse, and rounding half away
/// from zero of `x * inv` (the same f32 operations, so the same bytes).
///
/// # Safety
/// The CPU must have `avx512f` and `avx512bw`.
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn quantize(
    x: &[f32],
    qs: &mut [i8],
    d: &mut [f32],
    half_sums: &mut [f32],
    block_sums: &mut [f32],
) {
    let nb = x.len() / QK;
    assert!(x.len() == nb * QK && qs.len() == x.len() && d.len() == nb);
    assert!(half_sums.len() == 2 * nb && block_sums.len() == nb);
    let abs_mask = _mm512_set1_epi32(0x7fff_ffff);
    let half = _mm512_set1_ps(0.5);
    let one = _mm512_set1_ps(1.0);
    let lim = _mm512_set1_ps(127.0);
    for b in 0..nb {
        // SAFETY: block `b` is 32 floats of `x` and 32 bytes of `qs` (asserted lengths).
        let (v0, v1) = unsafe {
            (
                _mm512_loadu_ps(x.as_ptr().add(b * QK)),
                _mm512_loadu_ps(x.as_ptr().add(b * QK + 16)),
            )
        };
        let a0 = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v0), abs_mask));
        let a1 = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v1), abs_mask));
        let amax = _mm512_reduce_max_ps(_mm512_max_ps(a0, a1));
        let scale = amax / 127.0;
        let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
        let invv = _mm512_set1_ps(inv);
        let mut sums = [0i32; 2];
        for (h, v) in [v0, v1].into_iter().enumerate() {
            let y = _mm512_mul_ps(v, invv);
            // Truncate, then step away from zero when the fraction is at least one half.
            let t = _mm512_cvtepi32_ps(_mm512_cvttps_epi32(y));
            let frac = _mm512_sub_ps(y, t);
            let up = _mm512_cmp_ps_mask::<_CMP_GE_OQ>(frac, half);
            let down = _mm512_cmp_ps_mask::<_CMP_LE_OQ>(frac, _mm512_set1_ps(-0.5));
            let t = _mm512_mask_add_ps(t, up, t, one);
            let t = _mm512_mask_sub_ps(t, down, t, one);
            let t = _mm512_min_ps(_mm512_max_ps(t, _mm512_set1_ps(-127.0)), lim);
            let q = _mm512_cvttps_epi32(t);
            sums[h] = _mm512_reduce_add_epi32(q);
            // SAFETY: 16 bytes at `b * 32 + 16 h`, inside `qs`.
            unsafe {
                _mm_storeu_si128(
                    qs.as_mut_ptr().add(b * QK + 16 * h).cast(),
                    _mm512_cvtepi32_epi8(q),
                )
            };
        }
        d[b] = scale;
        half_sums[2 * b] = scale * sums[0] as f32;
        half_sums[2 * b + 1] = scale * sums[1] as f32;
        block_sums[b] = half_sums[2 * b] + half_sums[2 * b + 1];
    }
}
