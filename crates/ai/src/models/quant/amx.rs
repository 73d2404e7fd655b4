//! Intel AMX tile kernels for prefills (issue 17): [`QWeight`] x many [`QActs`] rows on CPUs
//! with AMX-INT8 (Sapphire Rapids and later Xeons), the path llama.cpp's CPU back end also
//! takes there. Decode (one row) stays on the AVX-512 VNNI kernels of [`super::vnni`].
//!
//! Owns the AMX state of the process (the permission asked of Linux once, `arch_prctl`), the
//! tile configuration, the activation layout the tile product reads ([`AmxActs`]) and the
//! kernel. Per strip of 16 weight rows and per quantisation group (32 values, or 16 for
//! Q2_K/Q3_K/Q6_K): the group's weights are unpacked to bytes once (tile A, 16 x group), then
//! for each tile of 16 tokens one `tdpbusd` (`tdpbssd` for Q8_0's signed weights) gives the
//! 16 x 16 integer sums, which AVX-512 converts and accumulates in f32 with the weight scale
//! times the token's block scale, plus the group offset times the token's group sum (point 3
//! of the parent module). The integer sums are the ones every other kernel computes; only the
//! order of the f32 additions differs.
//!
//! AMX instructions are written with `asm!` (their intrinsics are not stable Rust); nothing
//! else in the program uses the tile registers.
#![allow(unsafe_code)]

use std::arch::asm;
use std::arch::x86_64::*;
use std::sync::OnceLock;

use super::{Packing, QActs, QK, QWeight};
use crate::models::parallel;

/// Tokens (and weight rows) per tile.
const T: usize = 16;

/// Fewest activation rows for which the AMX path beats the VNNI tiles (a 16-token tile is
/// then at least half used).
pub(super) const MIN_ROWS: usize = 8;

/// Set (to anything) to keep prefills on the AVX-512 VNNI kernels on a CPU with AMX.
pub const NO_AMX_ENV: &str = "HEARTLENS_NO_AMX";

/// Whether this CPU and OS run the AMX kernels: AMX-TILE and AMX-INT8 in CPUID, the VNNI
/// kernels' features (the accumulation uses AVX-512), and Linux's permission to use the tile
/// data state, asked once per process.
pub(super) fn available() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        let leaf7 = __cpuid_count(7, 0);
        let amx = (leaf7.edx >> 24) & 0b11 == 0b11;
        amx && super::vnni::available() && request_permission()
    })
}

#[cfg(target_os = "linux")]
fn request_permission() -> bool {
    const ARCH_REQ_XCOMP_PERM: libc::c_long = 0x1023;
    const XFEATURE_XTILEDATA: libc::c_long = 18;
    // SAFETY: this arch_prctl only asks the kernel to let the process use the AMX tile data
    // state; it touches no memory of ours and fails cleanly (-1) where unsupported.
    unsafe {
        libc::syscall(
            libc::SYS_arch_prctl,
            ARCH_REQ_XCOMP_PERM,
            XFEATURE_XTILEDATA,
        ) == 0
    }
}

#[cfg(not(target_os = "linux"))]
fn request_permission() -> bool {
    false
}

/// The `ldtilecfg` operand: palette 1; tile 0 the 16 x 16 i32 sums, tile 1 the weights
/// (16 rows x `k` bytes), tile 2 the activations (`k / 4` rows x 64 bytes, four consecutive
/// values of each of 16 tokens per row).
#[repr(C, align(64))]
struct TileConfig {
    palette: u8,
    start_row: u8,
    reserved: [u8; 14],
    colsb: [u16; 16],
    rows: [u8; 16],
}

impl TileConfig {
    fn new(k: usize) -> Self {
        let mut c = Self {
            palette: 1,
            start_row: 0,
            reserved: [0; 14],
            colsb: [0; 16],
            rows: [0; 16],
        };
        c.colsb[0] = 64;
        c.rows[0] = T as u8;
        c.colsb[1] = k as u16;
        c.rows[1] = T as u8;
        c.colsb[2] = 64;
        c.rows[2] = (k / 4) as u8;
        c
    }
}

/// Activation rows laid out for the tile product, padded with zero tokens to whole tiles.
pub(super) struct AmxActs {
    rows: usize,
    tiles: usize,
    blocks: usize,
    group: usize,
    /// `[tile][block][k / 4][token][4]`: the byte layout tile 2 loads (64-byte rows).
    bytes: Vec<i8>,
    /// `[tile][block][token]`: block scales.
    d: Vec<f32>,
    /// `[tile][group][token]`: `d * sum(q)` per weight group (the offsets' factors).
    sums: Vec<f32>,
}

impl AmxActs {
    /// Lays out `a` for weights grouped by `group` (16 or 32) values.
    pub(super) fn pack(a: &QActs, group: usize) -> Self {
        let blocks = a.cols / QK;
        let groups = a.cols / group;
        let tiles = a.rows.div_ceil(T);
        let mut bytes = vec![0i8; tiles * blocks * QK * T];
        let mut d = vec![0f32; tiles * blocks * T];
        let mut sums = vec![0f32; tiles * groups * T];
        let (bytes_at, d_at) = (
            parallel::OutPtr::new(&mut bytes),
            parallel::OutPtr::new(&mut d),
        );
        let sums_at = parallel::OutPtr::new(&mut sums);
        parallel::for_each_range(tiles, |range| {
            let (t0, t1) = (range.start, range.end);
            // SAFETY: tiles `t0..t1` own these ranges of the three buffers; the ranges of
            // different parts are disjoint.
            #[allow(unsafe_code)]
            let (bytes, d, sums) = unsafe {
                (
                    bytes_at.range(t0 * blocks * QK * T, t1 * blocks * QK * T),
                    d_at.range(t0 * blocks * T, t1 * blocks * T),
                    sums_at.range(t0 * groups * T, t1 * groups * T),
                )
            };
            for r in t0 * T..(t1 * T).min(a.rows) {
                let (t, n) = (r / T - t0, r % T);
                let row = &a.qs[r * a.cols..][..a.cols];
                for (b, blk) in row.chunks_exact(QK).enumerate() {
                    let base = (t * blocks + b) * QK * T;
                    // Four bytes at a time: each 4-byte group of a token is contiguous.
                    for (k4, quad) in blk.chunks_exact(4).enumerate() {
                        let at = base + k4 * 64 + n * 4;
                        bytes[at..at + 4].copy_from_slice(quad);
                    }
                    d[(t * blocks + b) * T + n] = a.d[r * blocks + b];
                }
                for (g, &s) in a.group_sums(r, group).iter().enumerate() {
                    sums[(t * groups + g) * T + n] = s;
                }
            }
        });
        Self {
            rows: a.rows,
            tiles,
            blocks,
            group,
            bytes,
            d,
            sums,
        }
    }
}

const NIB4: u8 = 0;
const U8: u8 = 1;
const I8: u8 = 2;

/// Weight rows `rows` (starting at a multiple of 16) against every activation row: `out` is
/// `[acts.rows, w.rows]`; only columns `rows` of it are written.
///
/// # Safety
/// [`available`] must have returned true, and no other thread may write columns `rows` of
/// `out` meanwhile.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni,fma")]
pub(super) unsafe fn matmul_strips(
    w: &QWeight,
    acts: &AmxActs,
    rows: std::ops::Range<usize>,
    out: parallel::OutPtr,
) {
    match (w.packing, w.zero) {
        (Packing::Nib4, None) => strips_of::<NIB4, false>(w, acts, rows, out),
        (Packing::Nib4, Some(_)) => strips_of::<NIB4, true>(w, acts, rows, out),
        (Packing::U8, None) => strips_of::<U8, false>(w, acts, rows, out),
        (Packing::U8, Some(_)) => strips_of::<U8, true>(w, acts, rows, out),
        (Packing::I8, _) => strips_of::<I8, false>(w, acts, rows, out),
    }
}

#[repr(C, align(64))]
struct Aligned<A>(A);

#[target_feature(enable = "avx512f,avx512bw,avx512vnni,fma")]
/// `BIASED`: the weights' offsets are `-zero * scale` (`w.zero`); the strip holds `q - zero`
/// as signed bytes, multiplied with `tdpbssd`, and the offsets are skipped.
fn strips_of<const K: u8, const BIASED: bool>(
    w: &QWeight,
    acts: &AmxActs,
    rows: std::ops::Range<usize>,
    out: parallel::OutPtr,
) {
    let (nb, n) = (acts.blocks, w.rows);
    let tokens = acts.rows;
    let tiles = acts.tiles;
    let gk = w.group;
    let per = QK / gk;
    let rb = w.row_bytes();
    let rg = w.row_groups();
    let bb = w.packing.block_bytes();
    // Every address the loops below form is inside these bounds.
    assert!(acts.group == gk && (gk == 16 || gk == 32) && nb * QK == w.cols);
    assert!(rows.start.is_multiple_of(T) && rows.end <= n && tiles == tokens.div_ceil(T));
    assert!(w.qs.len() >= w.rows * rb && w.scale.len() >= w.rows * rg);
    assert!(w.min.is_empty() || w.min.len() >= w.rows * rg);
    assert!(acts.bytes.len() == acts.tiles * nb * QK * T && acts.d.len() == acts.tiles * nb * T);
    assert!(acts.sums.len() == acts.tiles * rg * T);
    let has_min = !w.min.is_empty() && !BIASED;
    let bias = _mm_set1_epi8(w.zero.unwrap_or(0) as i8);
    let bias32 = _mm256_set1_epi8(w.zero.unwrap_or(0) as i8);
    let cfg = TileConfig::new(gk);
    let groups = nb * per;
    // One strip of 16 weight rows, unpacked once for every token tile: `[block][row][32]`
    // bytes (tile A of group `g` is 16 rows of `gk` bytes at stride 32), and its scales and
    // offsets `[group][row]` (zero for rows past the matrix).
    let mut strip = vec![0u8; nb * T * QK];
    let mut sw = vec![0f32; groups * T];
    let mut mw = vec![0f32; groups * T];
    let mut c_buf = Aligned([0i32; T * T]);
    // SAFETY: the configuration is a valid palette-1 layout (k <= 64 bytes per row, at most
    // 16 rows); the permission to use the tile state was granted (`available`).
    unsafe { asm!("ldtilecfg [{}]", in(reg) &cfg, options(nostack, readonly)) };
    let low4 = _mm_set1_epi8(0x0F);
    let mut s0 = rows.start;
    while s0 < rows.end {
        let nr = (rows.end - s0).min(T);
        if nr < T {
            // A last, partial strip: the rows past the matrix must be zero (full strips
            // overwrite every byte and scale below).
            strip.fill(0);
            sw.fill(0.0);
            mw.fill(0.0);
        }
        for i in 0..nr {
            let j = s0 + i;
            for b in 0..nb {
                let src = &w.qs[j * rb + b * bb..][..bb];
                let dst = &mut strip[(b * T + i) * QK..][..QK];
                // SAFETY: `src` holds `bb` bytes (16 for nibbles, 32 otherwise), `dst` 32.
                unsafe {
                    if K == NIB4 {
                        let raw = _mm_loadu_si128(src.as_ptr().cast());
                        let mut lo = _mm_and_si128(raw, low4);
                        let mut hi = _mm_and_si128(_mm_srli_epi16::<4>(raw), low4);
                        if BIASED {
                            lo = _mm_sub_epi8(lo, bias);
                            hi = _mm_sub_epi8(hi, bias);
                        }
                        _mm_storeu_si128(dst.as_mut_ptr().cast(), lo);
                        _mm_storeu_si128(dst[16..].as_mut_ptr().cast(), hi);
                    } else {
                        let mut v = _mm256_loadu_si256(src.as_ptr().cast());
                        if BIASED {
                            v = _mm256_sub_epi8(v, bias32);
                        }
                        _mm256_storeu_si256(dst.as_mut_ptr().cast(), v);
                    }
                }
            }
            for g in 0..groups {
                sw[g * T + i] = w.scale[j * rg + g];
                if has_min {
                    mw[g * T + i] = w.min[j * rg + g];
                }
            }
        }
        for t in 0..tiles {
            let ta = t;
            // Sixteen accumulators (one per weight row, lanes = tokens), kept in registers.
            let mut acc = [_mm512_setzero_ps(); T];
            for b in 0..nb {
                for h in 0..per {
                    let g = b * per + h;
                    let b_at = (ta * nb + b) * QK * T + h * 16 * T;
                    // SAFETY: A is 16 rows of `gk` bytes at stride 32 inside `strip`; B is
                    // `gk / 4` rows of 64 bytes from `b_at`, inside `acts.bytes` (asserted
                    // length); C is written to `c_buf` (16 rows of 64 bytes).
                    unsafe {
                        asm!(
                            "tileloadd tmm1, [{p} + {s}]",
                            p = in(reg) strip.as_ptr().add(b * T * QK + h * 16),
                            s = in(reg) QK,
                            options(nostack, readonly)
                        );
                        asm!("tilezero tmm0", options(nostack, nomem));
                        asm!(
                            "tileloadd tmm2, [{p} + {s}]",
                            p = in(reg) acts.bytes.as_ptr().add(b_at),
                            s = in(reg) 64usize,
                            options(nostack, readonly)
                        );
                        if K == I8 || BIASED {
                            asm!("tdpbssd tmm0, tmm1, tmm2", options(nostack, nomem));
                        } else {
                            asm!("tdpbusd tmm0, tmm1, tmm2", options(nostack, nomem));
                        }
                        asm!(
                            "tilestored [{p} + {s}], tmm0",
                            p = in(reg) c_buf.0.as_mut_ptr(),
                            s = in(reg) 64usize,
                            options(nostack)
                        );
                    }
                    // SAFETY: 16 floats at each offset, inside the asserted lengths.
                    let (dv, sumv) = unsafe {
                        (
                            _mm512_loadu_ps(acts.d.as_ptr().add((ta * nb + b) * T)),
                            _mm512_loadu_ps(acts.sums.as_ptr().add((ta * rg + g) * T)),
                        )
                    };
                    let (swg, mwg) = (&sw[g * T..][..T], &mw[g * T..][..T]);
                    for (i, a) in acc.iter_mut().enumerate() {
                        // SAFETY: row `i` of `c_buf` (16 i32).
                        let c = unsafe { _mm512_load_si512(c_buf.0.as_ptr().add(i * T).cast()) };
                        let s = _mm512_mul_ps(_mm512_set1_ps(swg[i]), dv);
                        *a = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c), s, *a);
                        if has_min {
                            *a = _mm512_fmadd_ps(_mm512_set1_ps(mwg[i]), sumv, *a);
                        }
                    }
                }
            }
            // acc[i] holds weight row s0 + i for the 16 tokens of tile t; output rows are
            // tokens.
            let mut block = [[0f32; T]; T];
            for (row, a) in block.iter_mut().zip(acc).take(nr) {
                // SAFETY: 16 floats into a 16-float array.
                unsafe { _mm512_storeu_ps(row.as_mut_ptr(), a) };
            }
            // `k` is a token: a column of `block`, a row of `out`.
            #[allow(clippy::needless_range_loop)]
            for k in 0..T.min(tokens - t * T) {
                let at = (t * T + k) * n + s0;
                // SAFETY: columns `s0..s0 + nr` are inside `rows`, which only this call writes.
                let o = unsafe { out.range(at, at + nr) };
                for (i, v) in o.iter_mut().enumerate() {
                    *v = block[i][k];
                }
            }
        }
        s0 += nr;
    }
    // SAFETY: releases this thread's tile state (configured above).
    unsafe { asm!("tilerelease", options(nostack, nomem)) };
}
