//! Quantised CPU kernels for GGUF weights (issue 17): the products `x W^T` of every linear layer
//! of the language models we load, for the quantisations found on model hubs (Q4_0, Q4_1, Q5_0,
//! Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K).
//!
//! Owns: [`QWeight`] (a weight matrix repacked once at load), [`QActs`] (activations quantised to
//! 8 bits once per call), the driver that picks a kernel at run time (AMX tiles for prefills in
//! [`amx`], AVX-512 VNNI tiles in [`vnni`], AVX-512 / AVX2 through `pulp` on older CPUs, and the
//! scalar reference they are all tested against), and [`QLinear`], the candle layer that runs
//! them. Does not own the model graphs (`layers.rs`, `quantized_*.rs`) or GGUF parsing (candle's
//! `gguf_file`).
//!
//! Why our own: candle 0.11 has no SIMD dot product for Q4_1, Q5_0 or Q5_1 (88 % of the prefill
//! time of SmolLM2 Q4_1 was in `BlockQ4_1::vec_dot_unopt`) and computes a prefill as one
//! matrix-vector product per token, quantising the activations and reading every weight again
//! for each of them.
//!
//! Points to read in order:
//! 1. Every format becomes one of three packings with the same arithmetic: a weight is
//!    `scale[g] * q + min[g]` with `q` an unsigned 4-bit ([`Packing::Nib4`], two per byte),
//!    an unsigned byte of at most 6 bits ([`Packing::U8`]) or a signed byte ([`Packing::I8`], Q8_0),
//!    and one `scale`/`min` per group of 32 (legacy formats, Q4_K, Q5_K) or 16 (Q2_K, Q3_K, Q6_K)
//!    weights. K-quant super-block scales are multiplied out at load (as ggml's dequantisation
//!    does), so the kernels see no super-blocks. The conversion follows ggml's
//!    `dequantize_row_*` (ggml-quants.c); tests check it against candle's dequantisation.
//! 2. Activations are quantised per 32 values to `i8` with a scale `d = max|x| / 127`
//!    (ggml's Q8_0/Q8_1 rounding), keeping `d * sum(q)` of each half-block for the `min` terms.
//! 3. A 32-value block's dot product is exact in integers (`u8 x i8` pairs summed in `i16` cannot
//!    saturate for `q <= 63`; Q8_0 uses the sign trick), then scaled in f32:
//!    `sum_g scale[g] * d * isum[g] + min[g] * d * sum(qa[g])`.
//! 4. Decode (one row) and prefill (many rows) share the driver: weight rows are split into
//!    one range per thread ([`super::parallel`]); within a chunk, tiles of activation rows meet each weight row, so a
//!    weight block is unpacked once for several tokens and a chunk of weights stays in cache while
//!    all tokens pass. On AMX (8 rows or more) too, threads own ranges of 16-row weight strips (each
//!    unpacked once) and write their columns of the output directly.
//! 5. AMX sums a group exactly before scaling it; the other kernels scale partial sums per lane.
//!    For the biased types (Q4_0, Q5_0, Q3_K, Q6_K, whose offset is `-z * scale`, `zero`) AMX
//!    multiplies `q - z` as signed bytes and skips the offset term.
//!    So a row's result depends on the kernel, and with AMX on, on whether the row was computed
//!    in a prefill or alone ([`set_amx_allowed`]).
//!
//! The SIMD and scalar kernels compute the same integer sums; they differ only in the order of
//! the f32 additions (tests: relative difference below 1e-5 of the sum of absolute terms).

use std::sync::Arc;

use candle::quantized::{GgmlDType, QMatMul, QTensor};
use candle::{CpuStorage, CustomOp1, Layout, Module, Shape, Tensor};

use super::parallel;

/// Values per quantisation block of the activations (and of the packed weights).
pub const QK: usize = 32;

/// How the quantised weight values are stored (point 1 of the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// Unsigned 4-bit values, 16 bytes per block: byte `j` holds value `j` (low nibble) and
    /// value `j + 16` (high nibble), ggml's Q4_0 order.
    Nib4,
    /// Unsigned bytes of at most 6 bits, 32 per block.
    U8,
    /// Signed bytes, 32 per block.
    I8,
}

impl Packing {
    fn block_bytes(self) -> usize {
        match self {
            Packing::Nib4 => QK / 2,
            Packing::U8 | Packing::I8 => QK,
        }
    }
}

/// A weight matrix `[rows (outputs), cols (inputs)]` repacked for the kernels.
#[derive(Debug, Clone)]
pub struct QWeight {
    rows: usize,
    cols: usize,
    packing: Packing,
    /// Weights per scale: 32 or 16.
    group: usize,
    qs: Vec<u8>,
    scale: Vec<f32>,
    /// Empty when every offset is zero (Q8_0).
    min: Vec<f32>,
    /// `scale` and `min` again as IEEE halves, when the groups are 32 wide and every value is
    /// exactly a half (the legacy types store them so: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0). Decode
    /// streams every weight once per token and waits on memory, so the VNNI kernels read these:
    /// 2 bytes a group instead of 4 (Q8_0: 34 bytes per 32 weights, ggml's own block size, not
    /// 36; Q4_1: 20, not 24). Same values, so the same results bit for bit.
    halves: Option<Halves>,
    /// `z` when every offset is exactly `-z * scale` (Q4_0, Q5_0, Q3_K, Q6_K: ggml's signed
    /// values stored with a bias): AMX then multiplies `q - z` as signed bytes and skips the
    /// offsets.
    zero: Option<u8>,
    source: GgmlDType,
}

/// The f16 bit patterns of a weight's group scales and offsets (see [`QWeight`]'s `halves`).
#[derive(Debug, Clone)]
struct Halves {
    scale: Vec<u16>,
    /// Empty when `min` is, or when every offset is `scale * min_per_scale`.
    min: Vec<u16>,
    /// `-z` of the biased types (Q4_0, Q5_0: `min = -z * scale`): the kernels then form the
    /// offsets from the scales, exactly (a power of two), and stream no offsets at all (Q4_0:
    /// 18 bytes per 32 weights, as ggml's block).
    min_per_scale: Option<f32>,
}

impl Halves {
    /// The halves of `scale` and `min`, or `None` when a value is not exactly a half. `zero`
    /// is the weight's bias (`QWeight::zero`).
    fn exact(scale: &[f32], min: &[f32], zero: Option<u8>) -> Option<Self> {
        let bits = |v: &[f32]| -> Option<Vec<u16>> {
            v.iter()
                .map(|&x| {
                    let h = half::f16::from_f32(x);
                    (h.to_f32().to_bits() == x.to_bits()).then_some(h.to_bits())
                })
                .collect()
        };
        let min_per_scale = zero.map(|z| -f32::from(z)).filter(|&k| {
            min.len() == scale.len()
                && min
                    .iter()
                    .zip(scale)
                    .all(|(m, s)| m.to_bits() == (k * s).to_bits())
        });
        Some(Self {
            scale: bits(scale)?,
            min: if min_per_scale.is_some() {
                Vec::new()
            } else {
                bits(min)?
            },
            min_per_scale,
        })
    }
}

/// The bias of the types whose offsets are `-bias * scale` in every group (see `decode_block`).
fn zero_point(t: GgmlDType) -> Option<u8> {
    match t {
        GgmlDType::Q4_0 => Some(8),
        GgmlDType::Q5_0 => Some(16),
        GgmlDType::Q3K => Some(4),
        GgmlDType::Q6K => Some(32),
        _ => None,
    }
}

/// One decoded 256-value super-block (or 32-value block): values, and per group scale and min.
struct Decoded {
    q: [u8; 256],
    scale: [f32; 16],
    min: [f32; 16],
}

/// The IEEE half at byte `at` (little-endian), widened exactly to f32.
fn f16_at(b: &[u8], at: usize) -> f32 {
    let h = u16::from_le_bytes([b[at], b[at + 1]]);
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    match exp {
        0 => sign * man as f32 * f32::powi(2.0, -24),
        31 => f32::from_bits((u32::from(h & 0x8000) << 16) | 0x7f80_0000 | (man << 13)),
        _ => f32::from_bits((u32::from(h & 0x8000) << 16) | ((exp + 112) << 23) | (man << 13)),
    }
}

/// Q4_K / Q5_K 6-bit scale and min `j` of the 12 packed bytes (ggml `get_scale_min_k4`).
fn scale_min_k4(j: usize, q: &[u8]) -> (u8, u8) {
    if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        (
            (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4),
            (q[j + 4] >> 4) | ((q[j] >> 6) << 4),
        )
    }
}

/// The ggml layout of a supported type: (values per block, bytes per block, packing, group).
fn layout_of(t: GgmlDType) -> Option<(usize, usize, Packing, usize)> {
    Some(match t {
        GgmlDType::Q4_0 => (32, 18, Packing::Nib4, 32),
        GgmlDType::Q4_1 => (32, 20, Packing::Nib4, 32),
        GgmlDType::Q5_0 => (32, 22, Packing::U8, 32),
        GgmlDType::Q5_1 => (32, 24, Packing::U8, 32),
        GgmlDType::Q8_0 => (32, 34, Packing::I8, 32),
        GgmlDType::Q2K => (256, 84, Packing::U8, 16),
        GgmlDType::Q3K => (256, 110, Packing::U8, 16),
        GgmlDType::Q4K => (256, 144, Packing::Nib4, 32),
        GgmlDType::Q5K => (256, 176, Packing::U8, 32),
        GgmlDType::Q6K => (256, 210, Packing::U8, 16),
        _ => return None,
    })
}

/// Decodes one ggml block `b` of type `t` (point 1). `q` holds the unsigned values (Q8_0: the
/// signed bytes' bit patterns), `scale`/`min` one entry per group.
fn decode_block(t: GgmlDType, b: &[u8], out: &mut Decoded) {
    match t {
        GgmlDType::Q4_0 | GgmlDType::Q4_1 => {
            let d = f16_at(b, 0);
            let (m, qs) = if t == GgmlDType::Q4_1 {
                (f16_at(b, 2), &b[4..20])
            } else {
                (-8.0 * d, &b[2..18])
            };
            for (j, &v) in qs.iter().enumerate() {
                out.q[j] = v & 0xF;
                out.q[j + 16] = v >> 4;
            }
            out.scale[0] = d;
            out.min[0] = m;
        }
        GgmlDType::Q5_0 | GgmlDType::Q5_1 => {
            let d = f16_at(b, 0);
            let (m, o) = if t == GgmlDType::Q5_1 {
                (f16_at(b, 2), 4)
            } else {
                (-16.0 * d, 2)
            };
            let qh = u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
            let qs = &b[o + 4..o + 20];
            for (j, &v) in qs.iter().enumerate() {
                let h0 = ((qh >> j) & 1) as u8;
                let h1 = ((qh >> (j + 16)) & 1) as u8;
                out.q[j] = (v & 0xF) | (h0 << 4);
                out.q[j + 16] = (v >> 4) | (h1 << 4);
            }
            out.scale[0] = d;
            out.min[0] = m;
        }
        GgmlDType::Q8_0 => {
            out.scale[0] = f16_at(b, 0);
            out.min[0] = 0.0;
            out.q[..32].copy_from_slice(&b[2..34]);
        }
        GgmlDType::Q2K => {
            let (scales, qs) = (&b[0..16], &b[16..80]);
            let (d, dmin) = (f16_at(b, 80), f16_at(b, 82));
            let mut is = 0;
            for n in 0..2 {
                let q = &qs[32 * n..32 * n + 32];
                for j in 0..4 {
                    let shift = 2 * j;
                    for half in 0..2 {
                        let sc = scales[is];
                        out.scale[is] = d * f32::from(sc & 0xF);
                        out.min[is] = -(dmin * f32::from(sc >> 4));
                        for l in 0..16 {
                            out.q[16 * is + l] = (q[l + 16 * half] >> shift) & 3;
                        }
                        is += 1;
                    }
                }
            }
        }
        GgmlDType::Q3K => {
            let (hm, qs, sc12) = (&b[0..32], &b[32..96], &b[96..108]);
            let d = f16_at(b, 108);
            let mut aux = [0u32; 4];
            for (i, a) in aux.iter_mut().take(3).enumerate() {
                *a = u32::from_le_bytes([
                    sc12[4 * i],
                    sc12[4 * i + 1],
                    sc12[4 * i + 2],
                    sc12[4 * i + 3],
                ]);
            }
            let (k1, k2) = (0x0303_0303u32, 0x0f0f_0f0fu32);
            let tmp = aux[2];
            aux[2] = ((aux[0] >> 4) & k2) | (((tmp >> 4) & k1) << 4);
            aux[3] = ((aux[1] >> 4) & k2) | (((tmp >> 6) & k1) << 4);
            aux[0] = (aux[0] & k2) | ((tmp & k1) << 4);
            aux[1] = (aux[1] & k2) | (((tmp >> 2) & k1) << 4);
            let scales: Vec<i8> = aux
                .iter()
                .flat_map(|a| a.to_le_bytes())
                .map(|x| x as i8)
                .collect();
            let mut is = 0;
            let mut m = 1u8;
            for n in 0..2 {
                let q = &qs[32 * n..32 * n + 32];
                for j in 0..4 {
                    let shift = 2 * j;
                    for half in 0..2 {
                        let dl = d * f32::from(i16::from(scales[is]) - 32);
                        out.scale[is] = dl;
                        out.min[is] = -4.0 * dl;
                        for l in 0..16 {
                            let i = l + 16 * half;
                            let low = (q[i] >> shift) & 3;
                            let high = if hm[i] & m != 0 { 4 } else { 0 };
                            out.q[16 * is + l] = low + high;
                        }
                        is += 1;
                    }
                    m <<= 1;
                }
            }
        }
        GgmlDType::Q4K | GgmlDType::Q5K => {
            let (d, dmin) = (f16_at(b, 0), f16_at(b, 2));
            let sc = &b[4..16];
            let (qh, ql) = if t == GgmlDType::Q5K {
                (Some(&b[16..48]), &b[48..176])
            } else {
                (None, &b[16..144])
            };
            for c in 0..4 {
                let q = &ql[32 * c..32 * c + 32];
                for half in 0..2 {
                    let is = 2 * c + half;
                    let (s, m) = scale_min_k4(is, sc);
                    out.scale[is] = d * f32::from(s);
                    out.min[is] = -(dmin * f32::from(m));
                    for l in 0..32 {
                        let low = if half == 0 { q[l] & 0xF } else { q[l] >> 4 };
                        let high = qh.map_or(0, |h| ((h[l] >> is) & 1) << 4);
                        out.q[32 * is + l] = low | high;
                    }
                }
            }
        }
        GgmlDType::Q6K => {
            let (ql, qh, sc) = (&b[0..128], &b[128..192], &b[192..208]);
            let d = f16_at(b, 208);
            for n in 0..2 {
                let (ql, qh) = (&ql[64 * n..], &qh[32 * n..]);
                for l in 0..32 {
                    let base = 128 * n;
                    out.q[base + l] = (ql[l] & 0xF) | ((qh[l] & 3) << 4);
                    out.q[base + l + 32] = (ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4);
                    out.q[base + l + 64] = (ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4);
                    out.q[base + l + 96] = (ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4);
                }
            }
            for (g, &s) in sc.iter().enumerate() {
                let dl = d * f32::from(s as i8);
                out.scale[g] = dl;
                out.min[g] = -32.0 * dl;
            }
        }
        other => unreachable!("{other:?} has no layout (checked by layout_of)"),
    }
}

impl QWeight {
    /// Whether [`QWeight::from_ggml`] takes this type.
    pub fn supports(t: GgmlDType) -> bool {
        layout_of(t).is_some()
    }

    /// Repacks `rows x cols` weights stored as ggml blocks of type `t` (row-major, a row is
    /// `cols / block` blocks). Errors name the problem; the caller adds the tensor name.
    pub fn from_ggml(t: GgmlDType, data: &[u8], rows: usize, cols: usize) -> Result<Self, String> {
        let (bs, bytes, packing, group) =
            layout_of(t).ok_or_else(|| format!("{t:?} has no quantised kernel"))?;
        if !cols.is_multiple_of(bs) {
            return Err(format!(
                "{cols} columns are not a multiple of the {t:?} block of {bs}"
            ));
        }
        let expected = rows
            .checked_mul(cols / bs)
            .and_then(|b| b.checked_mul(bytes))
            .ok_or("tensor size overflows")?;
        if data.len() != expected {
            return Err(format!(
                "{} bytes of {t:?} data, expected {expected} for [{rows}, {cols}]",
                data.len()
            ));
        }
        let blocks32 = rows * cols / QK;
        let mut qs = Vec::with_capacity(blocks32 * packing.block_bytes());
        let groups = rows * cols / group;
        let mut scale = Vec::with_capacity(groups);
        let mut min = Vec::with_capacity(groups);
        let mut dec = Decoded {
            q: [0; 256],
            scale: [0.0; 16],
            min: [0.0; 16],
        };
        for b in data.chunks_exact(bytes) {
            decode_block(t, b, &mut dec);
            for blk in dec.q[..bs].chunks_exact(QK) {
                match packing {
                    Packing::Nib4 => qs.extend((0..16).map(|j| blk[j] | (blk[j + 16] << 4))),
                    Packing::U8 | Packing::I8 => qs.extend_from_slice(blk),
                }
            }
            scale.extend_from_slice(&dec.scale[..bs / group]);
            min.extend_from_slice(&dec.min[..bs / group]);
        }
        if t == GgmlDType::Q8_0 {
            min = Vec::new();
        }
        let halves = if group == QK && std::env::var_os(NO_HALVES_ENV).is_none() {
            Halves::exact(&scale, &min, zero_point(t))
        } else {
            None
        };
        Ok(Self {
            rows,
            cols,
            packing,
            group,
            qs,
            scale,
            min,
            halves,
            zero: zero_point(t),
            source: t,
        })
    }

    /// Repacks a candle `QTensor` of shape `[rows, cols]`, or `None` for types without a kernel.
    pub fn from_qtensor(t: &QTensor) -> candle::Result<Option<Self>> {
        if !Self::supports(t.dtype()) {
            return Ok(None);
        }
        let (rows, cols) = t.shape().dims2()?;
        let data = t.data()?;
        Self::from_ggml(t.dtype(), &data, rows, cols)
            .map(Some)
            .map_err(candle::Error::msg)
    }

    /// Output rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Input columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The ggml type it was made from.
    pub fn source(&self) -> GgmlDType {
        self.source
    }

    fn row_bytes(&self) -> usize {
        self.cols / QK * self.packing.block_bytes()
    }

    fn row_groups(&self) -> usize {
        self.cols / self.group
    }

    /// Value `e` of block `blk` as an integer (the `q` of `scale * q + min`).
    fn q_at(&self, blk: &[u8], e: usize) -> i32 {
        match self.packing {
            Packing::Nib4 => i32::from(if e < 16 {
                blk[e] & 0xF
            } else {
                blk[e - 16] >> 4
            }),
            Packing::U8 => i32::from(blk[e]),
            Packing::I8 => i32::from(blk[e] as i8),
        }
    }

    /// Row `r` as f32 into `out` (`cols` long): the embedding lookup, and the tests' reference.
    pub fn dequantize_row(&self, r: usize, out: &mut [f32]) {
        let bb = self.packing.block_bytes();
        let qs = &self.qs[r * self.row_bytes()..][..self.row_bytes()];
        let g0 = r * self.row_groups();
        for (b, blk) in qs.chunks_exact(bb).enumerate() {
            for e in 0..QK {
                let g = g0 + (b * QK + e) / self.group;
                let m = self.min.get(g).copied().unwrap_or(0.0);
                out[b * QK + e] = self.scale[g] * self.q_at(blk, e) as f32 + m;
            }
        }
    }

    /// Rows `ids` as f32, `[ids.len(), cols]`; an id outside the rows is an error.
    pub fn dequantize_rows(&self, ids: &[u32]) -> Result<Vec<f32>, String> {
        let mut out = vec![0f32; ids.len() * self.cols];
        for (&id, o) in ids.iter().zip(out.chunks_exact_mut(self.cols)) {
            if id as usize >= self.rows {
                return Err(format!("token id {id} outside the {} rows", self.rows));
            }
            self.dequantize_row(id as usize, o);
        }
        Ok(out)
    }

    /// `[rows, cols]` rows appended after each other (fusing q/k/v or gate/up of one layer).
    /// All parts must share the type and the column count.
    pub fn concat_rows(parts: &[QWeight]) -> Result<Self, String> {
        let first = parts.first().ok_or("nothing to concatenate")?;
        if parts
            .iter()
            .any(|p| p.cols != first.cols || p.source != first.source)
        {
            return Err("fused weights differ in type or width".into());
        }
        let mut out = first.clone();
        for p in &parts[1..] {
            out.rows += p.rows;
            out.qs.extend_from_slice(&p.qs);
            out.scale.extend_from_slice(&p.scale);
            out.min.extend_from_slice(&p.min);
            out.halves = match (out.halves.take(), &p.halves) {
                (Some(mut h), Some(ph)) if h.min_per_scale == ph.min_per_scale => {
                    h.scale.extend_from_slice(&ph.scale);
                    h.min.extend_from_slice(&ph.min);
                    Some(h)
                }
                _ => None,
            };
        }
        Ok(out)
    }

    /// `out[r][j] = sum_e W[j][e] x[r][e]` for every row of `acts`, `out` is `[acts.rows, rows]`.
    pub fn matmul(&self, acts: &QActs, out: &mut [f32]) {
        self.matmul_with(Simd::detect(), acts, out)
    }

    fn matmul_with(&self, simd: Simd, acts: &QActs, out: &mut [f32]) {
        assert_eq!(acts.cols, self.cols, "activation width");
        let (m, n) = (acts.rows, self.rows);
        assert!(out.len() >= m * n, "output too short");
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        if matches!(simd, Simd::Amx) && m >= amx::MIN_ROWS && amx_allowed() {
            // Prefill on AMX: tasks own whole 16-token tiles, so each writes whole output
            // rows of `out` (no transposition).
            let packed = amx::AmxActs::pack(acts, self.group);
            let out = parallel::OutPtr::new(&mut out[..m * n]);
            // Threads own ranges of 16-row weight strips, so each strip is unpacked once.
            parallel::for_each_range(n.div_ceil(16), |strips| {
                let rows = strips.start * 16..(strips.end * 16).min(n);
                // SAFETY: `Simd::Amx` is only made after `amx::available()` said yes; the
                // column ranges of different parts are disjoint.
                unsafe { amx::matmul_strips(self, &packed, rows, out) }
            });
            return;
        }
        // (4) The transposed result: each task owns contiguous output rows (weight rows). For
        // one activation row (decode) that is the output's own layout, so it is written in
        // place (no buffer of the vocabulary's width to allocate, fault in and copy per token).
        let chunk = chunk_rows(n, m, self.cols);
        let mut out_t = if m == 1 {
            Vec::new()
        } else {
            vec![0f32; n * m]
        };
        let out_ptr = parallel::OutPtr::new(if m == 1 { &mut out[..n] } else { &mut out_t });
        parallel::for_each_range(n.div_ceil(chunk), |chunks| {
            let j0 = chunks.start * chunk;
            let rows = (chunks.end * chunk).min(n) - j0;
            // SAFETY: the row ranges of different parts are disjoint.
            #[allow(unsafe_code)]
            let part = unsafe { out_ptr.range(j0 * m, (j0 + rows) * m) };
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            if let Simd::Vnni | Simd::Amx = simd {
                // SAFETY: `Simd::Vnni` and `Simd::Amx` are only made after
                // `vnni::available()` said yes.
                unsafe { vnni::matmul_rows(self, acts, j0, rows, part) };
                return;
            }
            let mut r0 = 0;
            while r0 < m {
                let nr = (m - r0).min(TILE);
                for (jj, o) in part.chunks_exact_mut(m).enumerate() {
                    self.dot_rows(simd, j0 + jj, acts, r0, nr, &mut o[r0..r0 + nr]);
                }
                r0 += nr;
            }
        });
        if m > 1 {
            for (j, col) in out_t.chunks_exact(m).enumerate() {
                for (r, &v) in col.iter().enumerate() {
                    out[r * n + j] = v;
                }
            }
        }
    }

    /// Dot products of weight row `j` with activation rows `r0..r0 + nr` (`nr <= TILE`).
    fn dot_rows(&self, simd: Simd, j: usize, acts: &QActs, r0: usize, nr: usize, out: &mut [f32]) {
        match simd {
            #[cfg(target_arch = "x86_64")]
            Simd::Vnni | Simd::Amx => unreachable!("VNNI and AMX run whole tiles (matmul_with)"),
            #[cfg(target_arch = "x86_64")]
            Simd::V4(v4) => x86::dot_rows_v4(v4, self, j, acts, r0, nr, out),
            #[cfg(target_arch = "x86_64")]
            Simd::V3(v3) => x86::dot_rows(v3, self, j, acts, r0, nr, out),
            Simd::Scalar => {
                for (i, o) in out.iter_mut().enumerate().take(nr) {
                    *o = self.dot_scalar(j, acts, r0 + i);
                }
            }
        }
        if !self.min.is_empty() {
            for (i, o) in out.iter_mut().enumerate().take(nr) {
                *o += self.min_term(j, acts, r0 + i);
            }
        }
    }

    /// The scaled integer part of one dot product (point 3), in plain Rust: the reference the
    /// SIMD kernels are tested against.
    pub fn dot_scalar(&self, j: usize, acts: &QActs, r: usize) -> f32 {
        let bb = self.packing.block_bytes();
        let qs = &self.qs[j * self.row_bytes()..][..self.row_bytes()];
        let per = QK / self.group;
        let mut acc = 0f32;
        for (b, blk) in qs.chunks_exact(bb).enumerate() {
            let a = acts.block(r, b);
            let da = acts.d[r * acts.blocks_per_row() + b];
            for g in 0..per {
                let isum: i32 = (g * self.group..(g + 1) * self.group)
                    .map(|e| self.q_at(blk, e) * i32::from(a[e]))
                    .sum();
                let s = self.scale[j * self.row_groups() + b * per + g];
                acc += s * da * isum as f32;
            }
        }
        acc
    }

    /// `sum_g min[g] * d * sum(qa[g])` of one dot product.
    fn min_term(&self, j: usize, acts: &QActs, r: usize) -> f32 {
        let mins = &self.min[j * self.row_groups()..][..self.row_groups()];
        let sums = acts.group_sums(r, self.group);
        mins.iter().zip(sums).map(|(m, s)| m * s).sum()
    }
}

/// Activation rows sharing a tile (point 4).
const TILE: usize = 4;

/// Weight rows per parallel part: one part per thread when the product has at least about
/// 64k multiply-adds per part (a hand-off costs about a microsecond on the spinning pool),
/// fewer parts for smaller products, rounded up to 16 rows (whole VNNI and AMX strips).
fn chunk_rows(n: usize, m: usize, cols: usize) -> usize {
    let threads = parallel::threads();
    let work = n.saturating_mul(m).saturating_mul(cols);
    let parts = (work >> 16).clamp(1, threads);
    n.div_ceil(parts).next_multiple_of(16).min(n).max(1)
}

/// Activations quantised to 8 bits per 32-value block (point 2).
#[derive(Debug, Clone, Default)]
pub struct QActs {
    rows: usize,
    cols: usize,
    qs: Vec<i8>,
    d: Vec<f32>,
    /// `d * sum(q)` of each half block (16 values).
    half_sums: Vec<f32>,
    /// `d * sum(q)` of each block: the two half sums added.
    block_sums: Vec<f32>,
}

impl QActs {
    /// Quantises `rows` rows of `cols` values (`cols` a multiple of 32).
    #[allow(unsafe_code)]
    pub fn quantize(x: &[f32], rows: usize, cols: usize) -> Self {
        assert!(cols.is_multiple_of(QK) && x.len() >= rows * cols);
        let nb = rows * cols / QK;
        let mut acts = Self {
            rows,
            cols,
            qs: vec![0i8; rows * cols],
            d: vec![0f32; nb],
            half_sums: vec![0f32; nb * 2],
            block_sums: vec![0f32; nb],
        };
        let x = &x[..rows * cols];
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw") {
            // Rows in parallel for prefills (a decode row is too short to split).
            let (bpr, parts) = (cols / QK, if rows * cols >= 1 << 16 { rows } else { 1 });
            let qs = parallel::OutPtr::new(&mut acts.qs);
            let d = parallel::OutPtr::new(&mut acts.d);
            let hs = parallel::OutPtr::new(&mut acts.half_sums);
            let bs = parallel::OutPtr::new(&mut acts.block_sums);
            parallel::for_each_range(parts, |part| {
                let (r0, r1) = if parts == 1 {
                    (0, rows)
                } else {
                    (part.start, part.end)
                };
                let (b0, b1) = (r0 * bpr, r1 * bpr);
                // SAFETY: the CPU has the features the function is compiled for; the row
                // ranges of different parts are disjoint, so are their slices.
                unsafe {
                    vnni::quantize(
                        &x[r0 * cols..r1 * cols],
                        qs.range(r0 * cols, r1 * cols),
                        d.range(b0, b1),
                        hs.range(2 * b0, 2 * b1),
                        bs.range(b0, b1),
                    )
                };
            });
            return acts;
        }
        acts.fill(x);
        acts
    }

    /// The scalar quantisation (the reference of `vnni::quantize`).
    fn fill(&mut self, x: &[f32]) {
        for ((((xb, qb), db), sb), bs) in x
            .chunks_exact(QK)
            .zip(self.qs.chunks_exact_mut(QK))
            .zip(self.d.iter_mut())
            .zip(self.half_sums.chunks_exact_mut(2))
            .zip(self.block_sums.iter_mut())
        {
            let amax = xb.iter().fold(0f32, |a, v| a.max(v.abs()));
            let scale = amax / 127.0;
            let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
            let mut sums = [0i32; 2];
            for (i, (q, &v)) in qb.iter_mut().zip(xb).enumerate() {
                *q = round_half_away(v * inv).clamp(-127.0, 127.0) as i8;
                sums[i / 16] += i32::from(*q);
            }
            *db = scale;
            sb[0] = scale * sums[0] as f32;
            sb[1] = scale * sums[1] as f32;
            *bs = sb[0] + sb[1];
        }
    }

    /// `d * sum(q)` per group of `group` (16 or 32) values of row `r`: the factors of the
    /// offset terms.
    fn group_sums(&self, r: usize, group: usize) -> &[f32] {
        let nb = self.blocks_per_row();
        if group == 16 {
            &self.half_sums[r * nb * 2..][..nb * 2]
        } else {
            &self.block_sums[r * nb..][..nb]
        }
    }

    fn blocks_per_row(&self) -> usize {
        self.cols / QK
    }

    fn block(&self, r: usize, b: usize) -> &[i8] {
        &self.qs[r * self.cols + b * QK..][..QK]
    }
}

/// `x` rounded half away from zero, as `f32::round` (ggml's `roundf`), for `|x| < 2^31`, in
/// instructions that vectorise (`f32::round` is a libm call on baseline x86-64). NaN gives 0,
/// as `f32::round(NaN) as i8` does.
#[inline(always)]
fn round_half_away(x: f32) -> f32 {
    let t = x as i32 as f32;
    // Exact: `t` is `x` without its fraction.
    let frac = x - t;
    t + if frac >= 0.5 {
        1.0
    } else if frac <= -0.5 {
        -1.0
    } else {
        0.0
    }
}

/// The instruction set the kernels run with, detected once per call.
#[derive(Debug, Clone, Copy)]
enum Simd {
    /// AMX-INT8 for prefills ([`amx`]), the VNNI tiles for fewer rows.
    #[cfg(target_arch = "x86_64")]
    Amx,
    /// AVX-512 with VNNI: the tile kernels of [`vnni`].
    #[cfg(target_arch = "x86_64")]
    Vnni,
    #[cfg(target_arch = "x86_64")]
    V4(pulp::x86::V4),
    #[cfg(target_arch = "x86_64")]
    V3(pulp::x86::V3),
    Scalar,
}

impl Simd {
    /// Detected once per process.
    fn detect() -> Self {
        static DETECTED: std::sync::OnceLock<Simd> = std::sync::OnceLock::new();
        *DETECTED.get_or_init(Self::probe)
    }

    fn probe() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::env::var_os(NO_AVX512_ENV).is_none() {
                if std::env::var_os(NO_VNNI_ENV).is_none() && vnni::available() {
                    if std::env::var_os(NO_AMX_ENV).is_none() && amx::available() {
                        return Simd::Amx;
                    }
                    return Simd::Vnni;
                }
                if let Some(v4) = pulp::x86::V4::try_new() {
                    return Simd::V4(v4);
                }
            }
            if let Some(v3) = pulp::x86::V3::try_new() {
                return Simd::V3(v3);
            }
        }
        Simd::Scalar
    }
}

/// Set (to anything) to run the AVX2 kernels on a CPU with AVX-512 (comparisons, tests).
pub const NO_AVX512_ENV: &str = "HEARTLENS_NO_AVX512";

/// Set (to anything) to run the AVX-512 kernels without VNNI on a CPU that has it.
pub const NO_VNNI_ENV: &str = "HEARTLENS_NO_VNNI";

/// Set (to anything) to repack weights without their half scales (`QWeight`'s `halves`), so
/// the VNNI kernels read the f32 ones: the A/B of the bytes decode streams (benches only).
pub const NO_HALVES_ENV: &str = "HEARTLENS_NO_HALVES";

#[cfg(target_arch = "x86_64")]
mod amx;
#[cfg(target_arch = "x86_64")]
mod vnni;

#[cfg(target_arch = "x86_64")]
pub use amx::NO_AMX_ENV;

/// Process-wide switch of the AMX prefill path (on by default where the CPU has it).
static AMX_ALLOWED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Turns the AMX prefill kernels on or off for the whole process (the `HEARTLENS_NO_AMX`
/// environment variable, at run time).
///
/// AMX sums each quantisation group exactly, then accumulates in f32 group by group; the VNNI
/// kernels that compute a decode step accumulate partial sums lane by lane. So a position
/// computed in a prefill and the same position computed as a single token round differently,
/// and a KV cache reused across questions can lead, past a near tie of two words, to another
/// answer than a prefill from scratch. With AMX off, every kernel's result for a row is the
/// same whatever rows it is computed with (the prefix-cache tests rely on that).
pub fn set_amx_allowed(on: bool) {
    AMX_ALLOWED.store(on, std::sync::atomic::Ordering::Relaxed);
}

fn amx_allowed() -> bool {
    AMX_ALLOWED.load(std::sync::atomic::Ordering::Relaxed)
}

/// AVX2 (x86-64-v3) and AVX-512 (x86-64-v4) kernels, written with pulp's safe intrinsic
/// wrappers. The AVX-512 one takes two 32-value blocks per instruction (a block per 256-bit
/// half), the AVX2 one a block; the integer sums are the same.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::{__m128i, __m256, __m256i, __m512, __m512i};

    use pulp::bytemuck::cast;
    use pulp::x86::{V3, V4};

    use super::{Packing, QActs, QK, QWeight, TILE};

    pub(super) fn dot_rows(
        simd: V3,
        w: &QWeight,
        j: usize,
        acts: &QActs,
        r0: usize,
        nr: usize,
        out: &mut [f32],
    ) {
        match nr {
            4 => simd.vectorize(Dot::<4> {
                simd,
                w,
                j,
                acts,
                r0,
                out,
            }),
            3 => simd.vectorize(Dot::<3> {
                simd,
                w,
                j,
                acts,
                r0,
                out,
            }),
            2 => simd.vectorize(Dot::<2> {
                simd,
                w,
                j,
                acts,
                r0,
                out,
            }),
            1 => simd.vectorize(Dot::<1> {
                simd,
                w,
                j,
                acts,
                r0,
                out,
            }),
            n => unreachable!("{n} rows per tile (at most {TILE})"),
        }
    }

    struct Dot<'a, const R: usize> {
        simd: V3,
        w: &'a QWeight,
        j: usize,
        acts: &'a QActs,
        r0: usize,
        out: &'a mut [f32],
    }

    #[inline(always)]
    fn load32(b: &[u8]) -> __m256i {
        let a: [u8; 32] = b[..32]
            .try_into()
            .expect("32-byte block (sliced by the caller)");
        cast(a)
    }

    #[inline(always)]
    fn load16(b: &[u8]) -> __m128i {
        let a: [u8; 16] = b[..16]
            .try_into()
            .expect("16-byte block (sliced by the caller)");
        cast(a)
    }

    impl<const R: usize> pulp::NullaryFnOnce for Dot<'_, R> {
        type Output = ();

        #[inline(always)]
        fn call(self) {
            let Self {
                simd,
                w,
                j,
                acts,
                r0,
                out,
            } = self;
            let (avx, avx2, sse2, fma) = (simd.avx, simd.avx2, simd.sse2, simd.fma);
            let bb = w.packing.block_bytes();
            let nb = w.cols / QK;
            let qs = &w.qs[j * w.row_bytes()..][..w.row_bytes()];
            let per = QK / w.group;
            let scales = &w.scale[j * w.row_groups()..][..w.row_groups()];
            let abytes: &[u8] = pulp::bytemuck::cast_slice(&acts.qs);
            let arows: [&[u8]; R] =
                std::array::from_fn(|i| &abytes[(r0 + i) * acts.cols..][..acts.cols]);
            let ds: [&[f32]; R] = std::array::from_fn(|i| &acts.d[(r0 + i) * nb..][..nb]);
            let ones = avx._mm256_set1_epi16(1);
            let low4 = sse2._mm_set1_epi8(0x0F);
            let mut acc: [__m256; R] = [avx._mm256_setzero_ps(); R];
            for b in 0..nb {
                let blk = &qs[b * bb..][..bb];
                let wv = match w.packing {
                    Packing::Nib4 => {
                        let raw = load16(blk);
                        let lo = sse2._mm_and_si128(raw, low4);
                        let hi = sse2._mm_and_si128(sse2._mm_srli_epi16::<4>(raw), low4);
                        avx._mm256_set_m128i(hi, lo)
                    }
                    Packing::U8 | Packing::I8 => load32(blk),
                };
                let sv = if per == 1 {
                    avx._mm256_set1_ps(scales[b])
                } else {
                    avx._mm256_set_m128(
                        sse2_set1(simd, scales[2 * b + 1]),
                        sse2_set1(simd, scales[2 * b]),
                    )
                };
                let signed = w.packing == Packing::I8;
                let wabs = if signed {
                    avx2._mm256_sign_epi8(wv, wv)
                } else {
                    wv
                };
                for r in 0..R {
                    let av = load32(&arows[r][b * QK..]);
                    let av = if signed {
                        avx2._mm256_sign_epi8(av, wv)
                    } else {
                        av
                    };
                    let p16 = avx2._mm256_maddubs_epi16(wabs, av);
                    let p32 = avx2._mm256_madd_epi16(p16, ones);
                    let f = avx._mm256_cvtepi32_ps(p32);
                    let s = avx._mm256_mul_ps(sv, avx._mm256_set1_ps(ds[r][b]));
                    acc[r] = fma._mm256_fmadd_ps(f, s, acc[r]);
                }
            }
            for (o, a) in out.iter_mut().zip(acc) {
                let v: [f32; 8] = cast(a);
                *o = ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
            }
        }
    }

    #[inline(always)]
    fn sse2_set1(simd: V3, v: f32) -> core::arch::x86_64::__m128 {
        simd.sse._mm_set1_ps(v)
    }

    pub(super) fn dot_rows_v4(
        simd: V4,
        w: &QWeight,
        j: usize,
        acts: &QActs,
        r0: usize,
        nr: usize,
        out: &mut [f32],
    ) {
        match nr {
            4 => simd.vectorize(Dot4::<4> {
                simd,
                w,
                j,
                acts,
                r0,
                out,
            }),
            3 => simd.vectorize(Dot4::<3> {
                simd,
                w,
                j,
                acts,
                r0,
                out,
            }),
            2 => simd.vectorize(Dot4::<2> {
                simd,
                w,
                j,
                acts,
                r0,
                out,
            }),
            1 => simd.vectorize(Dot4::<1> {
                simd,
                w,
                j,
                acts,
                r0,
                out,
            }),
            n => unreachable!("{n} rows per tile (at most {TILE})"),
        }
    }

    struct Dot4<'a, const R: usize> {
        simd: V4,
        w: &'a QWeight,
        j: usize,
        acts: &'a QActs,
        r0: usize,
        out: &'a mut [f32],
    }

    impl<const R: usize> pulp::NullaryFnOnce for Dot4<'_, R> {
        type Output = ();

        #[inline(always)]
        fn call(self) {
            let Self {
                simd,
                w,
                j,
                acts,
                r0,
                out,
            } = self;
            let (avx, avx2, f512, bw) = (simd.avx, simd.avx2, simd.avx512f, simd.avx512bw);
            let bb = w.packing.block_bytes();
            let nb = w.cols / QK;
            let qs = &w.qs[j * w.row_bytes()..][..w.row_bytes()];
            let per = QK / w.group;
            let scales = &w.scale[j * w.row_groups()..][..w.row_groups()];
            let abytes: &[u8] = pulp::bytemuck::cast_slice(&acts.qs);
            let arows: [&[u8]; R] =
                std::array::from_fn(|i| &abytes[(r0 + i) * acts.cols..][..acts.cols]);
            let ds: [&[f32]; R] = std::array::from_fn(|i| &acts.d[(r0 + i) * nb..][..nb]);
            let ones = f512._mm512_set1_epi16(1);
            let low4 = avx._mm256_set1_epi8(0x0F);
            let zero = f512._mm512_setzero_si512();
            let signed = w.packing == Packing::I8;
            // Lane k of a product holds values 4k..4k+3 of the pair: 0-3 and 4-7 the first
            // block's halves, 8-11 and 12-15 the second's.
            let halves = f512._mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
            let blocks = f512._mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
            let load64 = |b: &[u8]| -> __m512i {
                f512._mm512_inserti64x4::<1>(
                    f512._mm512_castsi256_si512(load32(b)),
                    load32(&b[32..]),
                )
            };
            let mut acc: [__m512; R] = [f512._mm512_setzero_ps(); R];
            let pairs = nb / 2;
            for p in 0..pairs {
                let b = 2 * p;
                let blk = &qs[b * bb..][..2 * bb];
                let wv = match w.packing {
                    Packing::Nib4 => {
                        // [lo0 | lo1] and [hi0 | hi1] -> [lo0, hi0, lo1, hi1].
                        let raw = load32(blk);
                        let lo = avx2._mm256_and_si256(raw, low4);
                        let hi = avx2._mm256_and_si256(avx2._mm256_srli_epi16::<4>(raw), low4);
                        let x = f512._mm512_inserti64x4::<1>(f512._mm512_castsi256_si512(lo), hi);
                        f512._mm512_shuffle_i64x2::<0b11_01_10_00>(x, x)
                    }
                    Packing::U8 | Packing::I8 => load64(blk),
                };
                let sv = if per == 1 {
                    let pair: [f32; 4] = [scales[b], scales[b + 1], 0.0, 0.0];
                    f512._mm512_permutexvar_ps(blocks, f512._mm512_castps128_ps512(cast(pair)))
                } else {
                    let four: [f32; 4] = scales[2 * b..2 * b + 4]
                        .try_into()
                        .expect("four half-block scales (two blocks)");
                    f512._mm512_permutexvar_ps(halves, f512._mm512_castps128_ps512(cast(four)))
                };
                let (wabs, neg) = if signed {
                    (bw._mm512_abs_epi8(wv), bw._mm512_movepi8_mask(wv))
                } else {
                    (wv, 0)
                };
                for r in 0..R {
                    let av = load64(&arows[r][b * QK..]);
                    let av = if signed {
                        bw._mm512_mask_sub_epi8(av, neg, zero, av)
                    } else {
                        av
                    };
                    let p16 = bw._mm512_maddubs_epi16(wabs, av);
                    let p32 = bw._mm512_madd_epi16(p16, ones);
                    let f = f512._mm512_cvtepi32_ps(p32);
                    let dpair: [f32; 4] = [ds[r][b], ds[r][b + 1], 0.0, 0.0];
                    let dv = f512
                        ._mm512_permutexvar_ps(blocks, f512._mm512_castps128_ps512(cast(dpair)));
                    acc[r] = f512._mm512_fmadd_ps(f, f512._mm512_mul_ps(sv, dv), acc[r]);
                }
            }
            let mut tail = [0f32; R];
            if nb % 2 == 1 {
                // The last block of an odd count, on the AVX2 kernel's arithmetic.
                let v3: V3 = *simd;
                let b = nb - 1;
                let blk = &qs[b * bb..][..bb];
                let (sse2, fma) = (v3.sse2, v3.fma);
                let wv = match w.packing {
                    Packing::Nib4 => {
                        let raw = load16(blk);
                        let l4 = sse2._mm_set1_epi8(0x0F);
                        let lo = sse2._mm_and_si128(raw, l4);
                        let hi = sse2._mm_and_si128(sse2._mm_srli_epi16::<4>(raw), l4);
                        avx._mm256_set_m128i(hi, lo)
                    }
                    Packing::U8 | Packing::I8 => load32(blk),
                };
                let sv = if per == 1 {
                    avx._mm256_set1_ps(scales[b])
                } else {
                    avx._mm256_set_m128(
                        sse2_set1(v3, scales[2 * b + 1]),
                        sse2_set1(v3, scales[2 * b]),
                    )
                };
                let wabs = if signed {
                    avx2._mm256_sign_epi8(wv, wv)
                } else {
                    wv
                };
                let ones = avx._mm256_set1_epi16(1);
                for r in 0..R {
                    let av = load32(&arows[r][b * QK..]);
                    let av = if signed {
                        avx2._mm256_sign_epi8(av, wv)
                    } else {
                        av
                    };
                    let p32 = avx2._mm256_madd_epi16(avx2._mm256_maddubs_epi16(wabs, av), ones);
                    let f = avx._mm256_cvtepi32_ps(p32);
                    let s = avx._mm256_mul_ps(sv, avx._mm256_set1_ps(ds[r][b]));
                    let v: [f32; 8] = cast(fma._mm256_fmadd_ps(f, s, avx._mm256_setzero_ps()));
                    tail[r] = ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
                }
            }
            for ((o, a), t) in out.iter_mut().zip(acc).zip(tail) {
                *o = f512._mm512_reduce_add_ps(a) + t;
            }
        }
    }
}

/// A linear layer `y = x W^T (+ b)` over GGUF weights: our kernels when the type has one, else
/// candle's `QMatMul` (F32, F16, BF16 and types without a kernel).
#[derive(Debug, Clone)]
pub struct QLinear {
    weight: Weight,
    bias: Option<Tensor>,
}

#[derive(Debug, Clone)]
enum Weight {
    Packed(Arc<QWeight>),
    Candle(QMatMul),
    /// Layers whose outputs are concatenated (q/k/v or gate/up of different types).
    Parts(Vec<QLinear>),
}

impl QLinear {
    /// From a loaded GGUF tensor `[out, in]`; `dequantize` forces f32 weights (reference runs).
    pub fn new(t: QTensor, dequantize: bool) -> candle::Result<Self> {
        let weight = if dequantize {
            Weight::Candle(QMatMul::Tensor(t.dequantize(&candle::Device::Cpu)?))
        } else {
            match QWeight::from_qtensor(&t)? {
                Some(w) => Weight::Packed(Arc::new(w)),
                None => Weight::Candle(QMatMul::from_qtensor(t)?),
            }
        };
        Ok(Self { weight, bias: None })
    }

    /// From a packed weight.
    pub fn from_packed(w: QWeight) -> Self {
        Self {
            weight: Weight::Packed(Arc::new(w)),
            bias: None,
        }
    }

    /// From a dense f32 weight `[out, in]`.
    pub fn from_dense(w: Tensor) -> Self {
        Self {
            weight: Weight::Candle(QMatMul::Tensor(w)),
            bias: None,
        }
    }

    /// One layer computing `parts` side by side (outputs concatenated in order): a single
    /// packed matrix when they share a packed type, else each part in turn.
    pub fn stack(parts: Vec<QLinear>) -> candle::Result<Self> {
        let packed: Option<Vec<QWeight>> = parts
            .iter()
            .map(|p| match (&p.weight, &p.bias) {
                (Weight::Packed(w), None) => Some((**w).clone()),
                _ => None,
            })
            .collect();
        if let Some(ws) = packed
            && let Ok(w) = QWeight::concat_rows(&ws)
        {
            return Ok(Self::from_packed(w));
        }
        Ok(Self {
            weight: Weight::Parts(parts),
            bias: None,
        })
    }

    /// The same layer with a bias added to every output row.
    pub fn with_bias(mut self, bias: Tensor) -> Self {
        self.bias = Some(bias);
        self
    }

    /// The packed weight, when our kernels run this layer.
    pub fn packed(&self) -> Option<&QWeight> {
        match &self.weight {
            Weight::Packed(w) => Some(w),
            Weight::Candle(_) | Weight::Parts(_) => None,
        }
    }
}

impl Module for QLinear {
    fn forward(&self, xs: &Tensor) -> candle::Result<Tensor> {
        let y = match &self.weight {
            Weight::Packed(w) => xs
                .to_dtype(candle::DType::F32)?
                .contiguous()?
                .apply_op1_no_bwd(&PackedOp(w.clone()))?,
            Weight::Candle(m) => m.forward(xs)?,
            Weight::Parts(parts) => {
                let ys = parts
                    .iter()
                    .map(|p| p.forward(xs))
                    .collect::<candle::Result<Vec<_>>>()?;
                Tensor::cat(&ys, candle::D::Minus1)?
            }
        };
        match &self.bias {
            Some(b) => y.broadcast_add(b),
            None => Ok(y),
        }
    }
}

struct PackedOp(Arc<QWeight>);

impl CustomOp1 for PackedOp {
    fn name(&self) -> &'static str {
        "heartlens-qmatmul"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle::Result<(CpuStorage, Shape)> {
        let w = &self.0;
        let (start, end) = layout
            .contiguous_offsets()
            .ok_or_else(|| candle::Error::msg("qmatmul input is not contiguous"))?;
        let x = match storage {
            CpuStorage::F32(v) => &v[start..end],
            _ => candle::bail!("qmatmul input must be f32"),
        };
        let mut dims = layout.shape().dims().to_vec();
        if dims.last() != Some(&w.cols) {
            candle::bail!("qmatmul input {:?} does not end in {}", dims, w.cols)
        }
        let m = x.len() / w.cols;
        let acts = QActs::quantize(x, m, w.cols);
        let mut out = vec![0f32; m * w.rows];
        w.matmul(&acts, &mut out);
        if let Some(l) = dims.last_mut() {
            *l = w.rows;
        }
        Ok((CpuStorage::F32(out), Shape::from(dims)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle::Device;

    /// Deterministic pseudo-random values in [-1, 1) with a few outliers (a weight-like spread).
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..n)
            .map(|i| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0;
                if i % 97 == 0 { u * 6.0 } else { u }
            })
            .collect()
    }

    const TYPES: [GgmlDType; 10] = [
        GgmlDType::Q4_0,
        GgmlDType::Q4_1,
        GgmlDType::Q5_0,
        GgmlDType::Q5_1,
        GgmlDType::Q8_0,
        GgmlDType::Q2K,
        GgmlDType::Q3K,
        GgmlDType::Q4K,
        GgmlDType::Q5K,
        GgmlDType::Q6K,
    ];

    /// A `[rows, cols]` weight quantised by candle (the quantiser `heartlens models import` uses).
    fn weight(t: GgmlDType, rows: usize, cols: usize, seed: u64) -> (QTensor, QWeight) {
        let w = Tensor::from_vec(values(rows * cols, seed), (rows, cols), &Device::Cpu).unwrap();
        let q = QTensor::quantize(&w, t).unwrap();
        let p = QWeight::from_qtensor(&q).unwrap().unwrap();
        (q, p)
    }

    /// The legacy types keep their group scales and offsets as halves as well (what decode
    /// streams); the K-quants, whose scales are products, do not. The kernels give the same
    /// bits either way, and a weight whose offsets do not fit in a half falls back to the f32
    /// ones.
    #[test]
    fn half_scales_are_exact_copies_and_change_no_result() {
        let (rows, cols, m) = (37, 512, 3);
        let x = values(m * cols, 5);
        for t in TYPES {
            let (_, p) = weight(t, rows, cols, 11);
            let legacy = t.block_size() == QK;
            assert_eq!(p.halves.is_some(), legacy, "{t:?}");
            let Some(h) = &p.halves else { continue };
            for (&b, &f) in h.scale.iter().zip(&p.scale).chain(h.min.iter().zip(&p.min)) {
                assert_eq!(
                    half::f16::from_bits(b).to_f32().to_bits(),
                    f.to_bits(),
                    "{t:?}"
                );
            }
            let f32_only = QWeight {
                halves: None,
                ..p.clone()
            };
            for rows_of_acts in [1, m] {
                let acts = QActs::quantize(&x[..rows_of_acts * cols], rows_of_acts, cols);
                let (mut a, mut b) = (
                    vec![0f32; rows_of_acts * rows],
                    vec![1f32; rows_of_acts * rows],
                );
                p.matmul(&acts, &mut a);
                f32_only.matmul(&acts, &mut b);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a), bits(&b), "{t:?}, {rows_of_acts} rows");
            }
        }
        // Scales near 10^4: Q4_0's offsets `-8 * scale` are past the largest half (65504), so
        // they are formed from the scales; Q5_0's likewise.
        for t in [GgmlDType::Q4_0, GgmlDType::Q5_0] {
            let big: Vec<f32> = values(rows * cols, 13)
                .iter()
                .map(|v| v * 13_333.0)
                .collect();
            let w = Tensor::from_vec(big, (rows, cols), &Device::Cpu).unwrap();
            let q = QTensor::quantize(&w, t).unwrap();
            let p = QWeight::from_qtensor(&q).unwrap().unwrap();
            assert!(p.halves.as_ref().is_some_and(|h| h.min.is_empty()), "{t:?}");
            let acts = QActs::quantize(&x[..cols], 1, cols);
            let mut out = vec![0f32; rows];
            p.matmul(&acts, &mut out);
            let mut wrow = vec![0f32; cols];
            for (j, &got) in out.iter().enumerate() {
                let want = p.dot_scalar(j, &acts, 0) + p.min_term(j, &acts, 0);
                // As in `check_kernels`: only the order of the f32 additions differs.
                p.dequantize_row(j, &mut wrow);
                let tol = 1e-5 * wrow.iter().zip(&x).map(|(a, b)| (a * b).abs()).sum::<f32>();
                assert!((got - want).abs() <= tol, "{t:?} row {j}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn repacked_weights_dequantize_like_candle_for_every_type() {
        for t in TYPES {
            let (q, p) = weight(t, 3, 512, 7);
            let reference = q
                .dequantize(&Device::Cpu)
                .unwrap()
                .to_vec2::<f32>()
                .unwrap();
            let mut row = vec![0f32; 512];
            for (r, want) in reference.iter().enumerate() {
                p.dequantize_row(r, &mut row);
                for (e, (a, b)) in row.iter().zip(want).enumerate() {
                    // Same f32 operations up to the order of `d * (q - 8)` vs `d * q - 8 d`.
                    assert!(
                        (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                        "{t:?} row {r} value {e}: {a} vs candle {b}"
                    );
                }
            }
        }
    }

    /// The SIMD driver (all tile sizes, parallel chunks) against the scalar reference, and both
    /// against the f32 product of the dequantised weights with the unquantised activations.
    ///
    /// Tolerances: SIMD vs scalar differ only in the order of f32 additions, so
    /// `1e-5 * sum |terms|`. Against f32, the activation rounding error is at most `d / 2` per
    /// value (`d = max|x| / 127` of its block), so `|error| <= sum_blocks (sum |w|) * d / 2`
    /// (plus the same 1e-5 for rounding): a bound, not a fitted number.
    #[test]
    fn kernels_match_the_scalar_reference_and_dequantized_f32_for_every_type() {
        // 512 columns: 16 blocks; 544: 17 (the AVX-512 kernel's odd last block), legacy only.
        for cols in [512, 544] {
            check_kernels(37, cols, 7);
        }
        // Decode (one row), and tiles cut at every remainder of the 4 x 4 register tile.
        check_kernels(6, 256, 1);
        check_kernels(9, 96, 9);
        // AMX: two 16-token tiles (the second padded), a partial 16-row strip.
        check_kernels(37, 512, 20);
        check_kernels(37, 576, 1);
        check_kernels(37, 1536, 1);
        check_kernels(37, 576, 3);
    }

    fn check_kernels(rows: usize, cols: usize, m: usize) {
        let x = values(m * cols, 99);
        let acts = QActs::quantize(&x, m, cols);
        let mut kernels = vec![Simd::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            kernels.extend(pulp::x86::V3::try_new().map(Simd::V3));
            kernels.extend(pulp::x86::V4::try_new().map(Simd::V4));
            if vnni::available() {
                kernels.push(Simd::Vnni);
            }
            if amx::available() {
                kernels.push(Simd::Amx);
            }
        }
        for (t, simd) in TYPES
            .into_iter()
            .filter(|t| cols.is_multiple_of(t.block_size()))
            .flat_map(|t| kernels.iter().map(move |&k| (t, k)))
        {
            let (_, p) = weight(t, rows, cols, 3);
            let mut out = vec![0f32; m * rows];
            p.matmul_with(simd, &acts, &mut out);
            let mut wrow = vec![0f32; cols];
            for j in 0..rows {
                p.dequantize_row(j, &mut wrow);
                for r in 0..m {
                    let xr = &x[r * cols..(r + 1) * cols];
                    let scalar = p.dot_scalar(j, &acts, r)
                        + if p.min.is_empty() {
                            0.0
                        } else {
                            p.min_term(j, &acts, r)
                        };
                    let abs_terms: f32 = wrow.iter().zip(xr).map(|(a, b)| (a * b).abs()).sum();
                    let got = out[r * rows + j];
                    assert!(
                        (got - scalar).abs() <= 1e-5 * abs_terms,
                        "{t:?} {simd:?} [{r}, {j}]: {got} vs scalar {scalar}"
                    );
                    let exact: f32 = wrow.iter().zip(xr).map(|(a, b)| a * b).sum();
                    let bound: f32 = wrow
                        .chunks_exact(QK)
                        .zip(xr.chunks_exact(QK))
                        .map(|(wb, xb)| {
                            let amax = xb.iter().fold(0f32, |a, v| a.max(v.abs()));
                            wb.iter().map(|v| v.abs()).sum::<f32>() * amax / 127.0 / 2.0
                        })
                        .sum::<f32>()
                        + 1e-5 * abs_terms;
                    assert!(
                        (got - exact).abs() <= bound,
                        "{t:?} [{r}, {j}]: {got} vs f32 {exact} (bound {bound})"
                    );
                }
            }
        }
    }

    #[test]
    fn the_linear_layer_keeps_leading_dims_and_adds_the_bias() {
        let (q, p) = weight(GgmlDType::Q4_1, 40, 64, 5);
        let lin = QLinear::new(q, false).unwrap();
        assert!(lin.packed().is_some());
        let lin = lin.with_bias(Tensor::ones(40, candle::DType::F32, &Device::Cpu).unwrap());
        let x = Tensor::from_vec(values(3 * 64, 8), (1, 3, 64), &Device::Cpu).unwrap();
        let y = lin.forward(&x).unwrap();
        assert_eq!(y.dims(), &[1, 3, 40]);
        let acts = QActs::quantize(&values(3 * 64, 8), 3, 64);
        let mut want = vec![0f32; 3 * 40];
        p.matmul(&acts, &mut want);
        let got = y.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!((g - (w + 1.0)).abs() < 1e-6);
        }
    }

    #[test]
    fn simd_activation_quantisation_equals_the_scalar_one() {
        let mut x = values(64 * 40, 6);
        x[..32].fill(0.0);
        x[40] = 127.5 / 127.0;
        let fast = QActs::quantize(&x, 40, 64);
        let mut slow = QActs {
            qs: vec![0; x.len()],
            d: vec![0.0; x.len() / QK],
            half_sums: vec![0.0; x.len() / 16],
            block_sums: vec![0.0; x.len() / QK],
            ..fast.clone()
        };
        slow.fill(&x);
        assert_eq!(fast.qs, slow.qs);
        assert_eq!(fast.d, slow.d);
        assert_eq!(fast.half_sums, slow.half_sums);
        assert_eq!(fast.block_sums, slow.block_sums);
    }

    #[test]
    fn activation_rounding_is_roundf() {
        for x in [
            0.0f32,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            0.49999997,
            -0.49999997,
            126.5,
            -126.5,
            127.0,
            3.2,
            -3.7,
            1e-30,
        ] {
            assert_eq!(round_half_away(x), x.round(), "{x}");
        }
        for v in values(10_000, 4) {
            let x = v * 127.0;
            assert_eq!(round_half_away(x), x.round(), "{x}");
        }
        assert_eq!(round_half_away(f32::NAN) as i8, f32::NAN.round() as i8);
    }

    #[test]
    fn bad_sizes_are_errors_not_panics() {
        assert!(QWeight::from_ggml(GgmlDType::Q4_1, &[0; 20], 1, 48).is_err());
        assert!(QWeight::from_ggml(GgmlDType::Q4_1, &[0; 19], 1, 32).is_err());
        assert!(QWeight::from_ggml(GgmlDType::F32, &[0; 128], 1, 32).is_err());
        let (_, p) = weight(GgmlDType::Q8_0, 2, 32, 1);
        assert!(p.dequantize_rows(&[2]).is_err());
    }
}
