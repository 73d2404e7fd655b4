//! Beat on the CPU without candle's per-op machinery: the same forward as the candle modules in
//! the parent, on plain `f32` buffers with the weights packed once at load
//! ([`super::super::kernels`]). [`super::Beat`] uses it for every CPU forward; the candle path
//! stays for other devices and as the cross-check in the tests.
//!
//! Each window is independent, so a batch is spread over rayon's pool (`RAYON_NUM_THREADS`).

use candle::Tensor;
use rayon::prelude::*;

use super::super::kernels::{
    Panels, Product, gelu_erf_in_place, layer_norm_rows, softmax_in_place,
};
use super::{Attention, Config, FeedForward, LN_EPS, Transformer, UnitOffsetLayerNorm};

/// A `Linear` with its weight packed and its bias as a plain vector.
#[derive(Debug, Clone)]
struct PackedLinear {
    w: Panels,
    bias: Option<Vec<f32>>,
}

impl PackedLinear {
    fn new(linear: &candle_nn::Linear) -> candle::Result<Self> {
        let (n, k) = linear.weight().dims2()?;
        let w = linear.weight().flatten_all()?.to_vec1::<f32>()?;
        let bias = match linear.bias() {
            Some(b) => Some(b.to_vec1::<f32>()?),
            None => None,
        };
        Ok(Self {
            w: Panels::from_linear(&w, n, k),
            bias,
        })
    }

    /// `out[rows x n] (+)= a[rows x k] W^T + b`.
    fn apply(&self, a: &[f32], rows: usize, out: &mut [f32], accumulate: bool) {
        let k = self.w.inputs();
        Product {
            bias: self.bias.as_deref(),
            accumulate,
            ..Product::new(a, k, rows, &self.w, self.w.outputs())
        }
        .run(out);
    }

    fn outputs(&self) -> usize {
        self.w.outputs()
    }
}

fn norm_scale(norm: &UnitOffsetLayerNorm) -> candle::Result<Vec<f32>> {
    norm.scale.to_vec1::<f32>()
}

#[derive(Debug, Clone)]
struct Layer {
    norm_attn: Vec<f32>,
    /// `[q | k | v]` rows, q pre-scaled when the scale is a power of two (see [`Attention`]).
    qkv: PackedLinear,
    post_scale: Option<f32>,
    to_out: PackedLinear,
    norm_ff: Vec<f32>,
    up: PackedLinear,
    down: PackedLinear,
}

/// [`Transformer`] on packed weights.
#[derive(Debug, Clone)]
pub(super) struct CpuTransformer {
    layers: Vec<Layer>,
    final_norm: Vec<f32>,
    dim: usize,
    heads: usize,
    dim_head: usize,
}

impl CpuTransformer {
    pub(super) fn new(t: &Transformer, cfg: &Config) -> candle::Result<Self> {
        let layer = |(na, attn, nf, ff): &(
            UnitOffsetLayerNorm,
            Attention,
            UnitOffsetLayerNorm,
            FeedForward,
        )| {
            Ok::<_, candle::Error>(Layer {
                norm_attn: norm_scale(na)?,
                qkv: PackedLinear::new(&attn.to_qkv)?,
                post_scale: attn.post_scale.map(|s| s as f32),
                to_out: PackedLinear::new(&attn.to_out)?,
                norm_ff: norm_scale(nf)?,
                up: PackedLinear::new(&ff.up)?,
                down: PackedLinear::new(&ff.down)?,
            })
        };
        Ok(Self {
            layers: t.blocks.iter().map(layer).collect::<candle::Result<_>>()?,
            final_norm: norm_scale(&t.final_norm)?,
            dim: cfg.dim,
            heads: cfg.heads,
            dim_head: cfg.dim_head,
        })
    }

    /// Output rows `start..start + len` of the transformer on `x` (`n` rows of `dim`), as
    /// [`Transformer::forward_rows`]: the last layer runs its queries, feed-forward and final
    /// norm on the kept rows only.
    pub(super) fn forward_rows(&self, mut x: Vec<f32>, start: usize, len: usize) -> Vec<f32> {
        let d = self.dim;
        let n = x.len() / d;
        let inner = self.heads * self.dim_head;
        let qkv_w = 3 * inner;
        let mut normed = vec![0f32; n * d];
        let mut qkv = vec![0f32; n * qkv_w];
        let mut scores = vec![0f32; n * n];
        let mut attn = vec![0f32; n * inner];
        let mut hidden = Vec::new();
        let mut keys = Panels::default();
        let mut values = Panels::default();
        let last = self.layers.len().saturating_sub(1);
        for (i, layer) in self.layers.iter().enumerate() {
            let (s, l) = if i == last { (start, len) } else { (0, n) };
            // Attention: keys and values of every row, queries of the kept rows.
            layer_norm_rows(&x, d, &layer.norm_attn, LN_EPS, &mut normed);
            let w = &layer.qkv.w;
            Product {
                cols: 0..inner,
                ..Product::new(&normed[s * d..], d, l, w, qkv_w)
            }
            .run(&mut qkv[s * qkv_w..]);
            Product {
                cols: inner..qkv_w,
                ..Product::new(&normed, d, n, w, qkv_w)
            }
            .run(&mut qkv);
            for h in 0..self.heads {
                let (q0, k0, v0) = (
                    h * self.dim_head,
                    inner + h * self.dim_head,
                    2 * inner + h * self.dim_head,
                );
                keys.pack_out_in(&qkv[k0..], n, self.dim_head, qkv_w);
                Product::new(&qkv[s * qkv_w + q0..], qkv_w, l, &keys, n).run(&mut scores);
                for row in scores.chunks_exact_mut(n).take(l) {
                    if let Some(scale) = layer.post_scale {
                        row.iter_mut().for_each(|v| *v *= scale);
                    }
                    softmax_in_place(row);
                }
                values.pack_in_out(&qkv[v0..], n, self.dim_head, qkv_w);
                Product::new(&scores, n, l, &values, inner).run(&mut attn[q0..]);
            }
            if l != n {
                x.drain(..s * d);
                x.truncate(l * d);
            }
            layer.to_out.apply(&attn, l, &mut x, true);
            // Feed-forward on the kept rows.
            layer_norm_rows(&x, d, &layer.norm_ff, LN_EPS, &mut normed[..l * d]);
            hidden.resize(l * layer.up.outputs(), 0.0);
            layer.up.apply(&normed, l, &mut hidden, false);
            gelu_erf_in_place(&mut hidden);
            layer.down.apply(&hidden, l, &mut x, true);
        }
        if self.layers.is_empty() {
            x.drain(..start * d);
            x.truncate(len * d);
        }
        let mut out = vec![0f32; len * d];
        layer_norm_rows(&x, d, &self.final_norm, LN_EPS, &mut out);
        out
    }
}

/// One window's tokenization on plain buffers (row-major).
#[derive(Debug, Clone)]
pub(super) struct WindowOutput {
    /// `[n, dim]`.
    pub tokens_embedded: Vec<f32>,
    /// `[m, dim]`.
    pub encoder_queries: Vec<f32>,
    /// `[m, levels]`.
    pub codes: Vec<u32>,
    /// `[m, dim]`.
    pub quantized: Vec<f32>,
}

/// Beat's weights packed for the CPU path.
#[derive(Debug, Clone)]
pub(super) struct CpuBeat {
    cfg: Config,
    sequence_to_tokens: PackedLinear,
    tokens_to_sequence: PackedLinear,
    pos_emb: Vec<f32>,
    latents: Vec<f32>,
    encoder: CpuTransformer,
    decoder: CpuTransformer,
    codebook: Vec<f32>,
    codebook_panels: Panels,
    codebook_sq: Vec<f32>,
}

impl CpuBeat {
    pub(super) fn new(beat: &super::Beat) -> candle::Result<Self> {
        let cfg = beat.cfg.clone();
        let codebook = beat.codebook.flatten_all()?.to_vec1::<f32>()?;
        let codebook_panels = Panels::from_linear(&codebook, cfg.codebook_size, cfg.dim);
        Ok(Self {
            sequence_to_tokens: PackedLinear::new(&beat.sequence_to_tokens)?,
            tokens_to_sequence: PackedLinear::new(&beat.tokens_to_sequence)?,
            pos_emb: beat.pos_emb.flatten_all()?.to_vec1::<f32>()?,
            latents: beat.latents.flatten_all()?.to_vec1::<f32>()?,
            encoder: CpuTransformer::new(&beat.encoder, &cfg)?,
            decoder: CpuTransformer::new(&beat.decoder, &cfg)?,
            codebook_sq: beat.codebook_sq.flatten_all()?.to_vec1::<f32>()?,
            codebook,
            codebook_panels,
            cfg,
        })
    }

    /// Tokenizes one lead-major window (`channels * seq_len` samples).
    pub(super) fn tokenize(&self, window: &[f32]) -> WindowOutput {
        let cfg = &self.cfg;
        let (c, t, p, n, m, d) = (
            cfg.channels,
            cfg.seq_len,
            cfg.patch_size,
            cfg.num_patches(),
            cfg.num_queries,
            cfg.dim,
        );
        // (1) `b c (n p) -> b n (c p)`, Linear, + positions.
        let mut patches = Vec::with_capacity(n * c * p);
        for i in 0..n {
            for lead in 0..c {
                patches.extend_from_slice(&window[lead * t + i * p..][..p]);
            }
        }
        let mut h = vec![0f32; (n + m) * d];
        self.sequence_to_tokens
            .apply(&patches, n, &mut h[..n * d], false);
        for (v, pos) in h[..n * d].iter_mut().zip(&self.pos_emb) {
            *v += pos;
        }
        let tokens_embedded = h[..n * d].to_vec();
        // (2) Queries appended without positions; keep the last m outputs.
        h[n * d..].copy_from_slice(&self.latents);
        let encoder_queries = self.encoder.forward_rows(h, n, m);
        // (3) Residual VQ against the shared codebook.
        let (codes, quantized) = self.quantize(&encoder_queries);
        WindowOutput {
            tokens_embedded,
            encoder_queries,
            codes,
            quantized,
        }
    }

    /// Two-level residual VQ of `[m, dim]`, distances as [`super::Beat::nearest`].
    fn quantize(&self, queries: &[f32]) -> (Vec<u32>, Vec<f32>) {
        let (d, k, levels) = (
            self.cfg.dim,
            self.cfg.codebook_size,
            self.cfg.residual_levels,
        );
        let m = queries.len() / d;
        let mut residual = queries.to_vec();
        let mut quantized = vec![0f32; m * d];
        let mut codes = vec![0u32; m * levels];
        let mut dots = vec![0f32; m * k];
        for level in 0..levels {
            Product::new(&residual, d, m, &self.codebook_panels, k).run(&mut dots);
            for row in 0..m {
                let x = &mut residual[row * d..][..d];
                let x_sq: f32 = x.iter().map(|v| v * v).sum();
                let mut best = (0usize, f32::INFINITY);
                for (j, (&dot, &e_sq)) in dots[row * k..][..k]
                    .iter()
                    .zip(&self.codebook_sq)
                    .enumerate()
                {
                    let dist = ((x_sq + e_sq) - dot * 2.0).max(0.0).sqrt();
                    if dist < best.1 {
                        best = (j, dist);
                    }
                }
                codes[row * levels + level] = best.0 as u32;
                let e = &self.codebook[best.0 * d..][..d];
                let q = &mut quantized[row * d..][..d];
                for ((x, q), &e) in x.iter_mut().zip(q.iter_mut()).zip(e) {
                    *x -= e;
                    *q = if level == 0 { e } else { *q + e };
                }
            }
        }
        (codes, quantized)
    }

    /// (4) Decoder reconstruction of one window's quantized `[m, dim]` -> lead-major
    /// `channels * seq_len` samples.
    pub(super) fn decode(&self, quantized: &[f32]) -> Vec<f32> {
        let n = self.cfg.num_patches();
        let mut h = Vec::with_capacity(self.pos_emb.len() + quantized.len());
        h.extend_from_slice(&self.pos_emb);
        h.extend_from_slice(quantized);
        let out = self.decoder.forward_rows(h, 0, n);
        self.to_sequence(&out, n)
    }

    /// (5) Prediction head on one window's unquantized queries `[m, dim]`.
    pub(super) fn predict(&self, encoder_queries: &[f32]) -> Vec<f32> {
        self.to_sequence(encoder_queries, self.cfg.num_queries)
    }

    /// `tokens_to_sequence` then un-patchify `n (c p) -> c (n p)`.
    fn to_sequence(&self, tokens: &[f32], rows: usize) -> Vec<f32> {
        let (c, p) = (self.cfg.channels, self.cfg.patch_size);
        let mut patches = vec![0f32; rows * self.tokens_to_sequence.outputs()];
        self.tokens_to_sequence
            .apply(tokens, rows, &mut patches, false);
        let mut out = vec![0f32; c * rows * p];
        for (i, patch) in patches.chunks_exact(c * p).enumerate() {
            for lead in 0..c {
                out[lead * rows * p + i * p..][..p].copy_from_slice(&patch[lead * p..][..p]);
            }
        }
        out
    }

    /// Runs `f` on each of the `b` rows of `[b, ...]` in parallel and stacks the results.
    pub(super) fn per_window<T: Send>(
        x: &Tensor,
        f: impl Fn(&[f32]) -> T + Sync + Send,
    ) -> candle::Result<Vec<T>> {
        let b = x.dim(0)?;
        let flat = x.flatten_all()?.to_vec1::<f32>()?;
        let each = flat.len() / b.max(1);
        Ok(if b <= 1 {
            flat.chunks(each.max(1)).map(f).collect()
        } else {
            flat.par_chunks(each).map(f).collect()
        })
    }
}
