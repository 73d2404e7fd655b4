//! Beat: the ECG tokenizer of the Heartcare Suite (arXiv 2506.05831), both published
//! configurations (v3: 4-s windows, 20 codes; v1: 2-s windows, 10 codes).
//!
//! Follows DCDmllm/Heartcare-Suite@b1dc8606 `utils/my_tokenizer.py` and
//! `utils/my_residual_vector_quantize.py` (v3) and @bda9cd5 (v1), which build on
//! x-transformers' `Encoder` and vector-quantize-pytorch's `ResidualVQ`. The Rust tree mirrors
//! the checkpoint: every tensor is fetched through the [`VarBuilder`] under its upstream name.
//!
//! The forward pass, with the quirks of the reference numbered as in
//! `shared/vectors/README.md` section 2:
//! 1. Patchify `b c (n p) -> b n (c p)` (quirk 4), `sequence_to_tokens.1` (Linear 300->128),
//!    plus `pos_emb` rows `0..n` on the patch tokens only (quirk 5): [`Beat::embed`].
//! 2. Append the learnable queries (`latents`) without a position, run the pre-LN encoder
//!    (quirks 1-3) and keep the last `m` outputs: [`Beat::encode`].
//! 3. Two-level residual VQ against ONE shared codebook (quirk 6): [`Beat::quantize`].
//! 4. Decoder on `[pos_emb[0..n) ‖ quantized]`, first `n` outputs, `tokens_to_sequence.0`,
//!    un-patchify (quirk 7): [`Beat::decode`]. `mask_tokens` is loaded by upstream but unused.
//! 5. Prediction head = `tokens_to_sequence.0` on the *unquantized* queries (quirk 8):
//!    [`Beat::predict`].
//!
//! Inference only (quirk 10: the EMA codebook update and rotation trick are training-time).

mod cpu;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use candle::{DType, Device, IndexOp, Module, Tensor};
use candle_nn::{Linear, VarBuilder};

/// ECG sampling rate Beat was trained on, after `resample_poly(1, 2)` from 500 Hz.
pub const SAMPLE_RATE_HZ: f64 = 250.0;
/// Number of input leads, in the standard order I, II, III, aVR, aVL, aVF, V1..V6.
pub const CHANNELS: usize = 12;
/// Model width.
pub const DIM: usize = 128;
/// Rows of `pos_emb` (upstream `max_length_for_pred` rounds up to 1024 positions).
pub const MAX_POSITIONS: usize = 1024;

/// LayerNorm epsilon of x-transformers' `LayerNorm` (torch default).
const LN_EPS: f32 = 1e-5;

/// Which published configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// HeartcareGPT-v3 recipe: 1000 samples (4 s at 250 Hz), 40 patches, 20 queries, 512 codes.
    V3,
    /// The first release: 500 samples (2 s), 20 patches, 10 queries, 256 codes.
    V1,
}

impl Version {
    /// "v3" or "v1".
    pub fn name(self) -> &'static str {
        match self {
            Version::V3 => "v3",
            Version::V1 => "v1",
        }
    }

    /// Parses "v3"/"v1" (case-insensitive).
    pub fn parse(text: &str) -> Option<Version> {
        match text.to_ascii_lowercase().as_str() {
            "v3" | "3" => Some(Version::V3),
            "v1" | "1" => Some(Version::V1),
            _ => None,
        }
    }
}

/// Hyper-parameters of `Tokenizer(...)` in `my_tokenizer.py` (upstream names in comments).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Which release these values describe.
    pub version: Version,
    /// `seq_length`: samples per window at 250 Hz.
    pub seq_len: usize,
    /// `patch_size`: samples per patch.
    pub patch_size: usize,
    /// `channels`.
    pub channels: usize,
    /// `dim`.
    pub dim: usize,
    /// Encoder and decoder `depth` (each layer = attention + feed-forward).
    pub depth: usize,
    /// `heads`.
    pub heads: usize,
    /// `dim_head`.
    pub dim_head: usize,
    /// x-transformers `ff_mult` (default 4).
    pub ff_mult: usize,
    /// Learnable queries = `latent_ratio` x patches.
    pub num_queries: usize,
    /// `codebook_size`.
    pub codebook_size: usize,
    /// `vq_kwargs['residual_levels']`.
    pub residual_levels: usize,
}

impl Config {
    /// The v3 configuration (HeartcareGPT-v3).
    pub fn v3() -> Self {
        Self {
            version: Version::V3,
            seq_len: 1000,
            patch_size: 25,
            channels: CHANNELS,
            dim: DIM,
            depth: 6,
            heads: 8,
            dim_head: 64,
            ff_mult: 4,
            num_queries: 20,
            codebook_size: 512,
            residual_levels: 2,
        }
    }

    /// The v1 configuration.
    pub fn v1() -> Self {
        Self {
            version: Version::V1,
            seq_len: 500,
            num_queries: 10,
            codebook_size: 256,
            ..Self::v3()
        }
    }

    /// The configuration of a release.
    pub fn for_version(version: Version) -> Self {
        match version {
            Version::V3 => Self::v3(),
            Version::V1 => Self::v1(),
        }
    }

    /// Patches per window (`n`).
    pub fn num_patches(&self) -> usize {
        self.seq_len / self.patch_size
    }

    /// Samples predicted by the forecasting head (`m` x patch size: 2 s for v3, 1 s for v1).
    pub fn pred_len(&self) -> usize {
        self.num_queries * self.patch_size
    }

    /// Window duration in seconds.
    pub fn window_s(&self) -> f64 {
        self.seq_len as f64 / SAMPLE_RATE_HZ
    }
}

/// Pre-LN LayerNorm of x-transformers: no bias, scale `gamma + 1` (quirk 1).
#[derive(Debug, Clone)]
struct UnitOffsetLayerNorm {
    scale: Tensor,
    zero_bias: Tensor,
}

impl UnitOffsetLayerNorm {
    fn new(dim: usize, vb: VarBuilder) -> candle::Result<Self> {
        let gamma = vb.get(dim, "gamma")?;
        let scale = (gamma + 1.0)?;
        let zero_bias = scale.zeros_like()?;
        Ok(Self { scale, zero_bias })
    }
}

impl Module for UnitOffsetLayerNorm {
    fn forward(&self, xs: &Tensor) -> candle::Result<Tensor> {
        // Adding a zero bias is exact; it selects candle's fused layer-norm kernel.
        candle_nn::ops::layer_norm(&xs.contiguous()?, &self.scale, &self.zero_bias, LN_EPS)
    }
}

/// Bias-free multi-head self-attention, no mask, no positional bias (quirk 2).
///
/// `to_q`, `to_k` and `to_v` are fused at load into one `[3 * inner, dim]` projection (one
/// matmul and one head split per call instead of three). When the softmax scale
/// `dim_head^-0.5` is a power of two (64 -> 1/8, both releases) it is folded into the `to_q`
/// rows: scaling by a power of two is exact in floating point, so the scores are bit-identical
/// to scaling them afterwards.
#[derive(Debug, Clone)]
struct Attention {
    to_qkv: Linear,
    to_out: Linear,
    /// Scale still to apply to the scores (`None` when folded into `to_qkv`).
    post_scale: Option<f64>,
    heads: usize,
    dim_head: usize,
}

impl Attention {
    fn new(cfg: &Config, vb: VarBuilder) -> candle::Result<Self> {
        let inner = cfg.heads * cfg.dim_head;
        let get = |name: &str, out: usize, inp: usize| -> candle::Result<Tensor> {
            vb.get((out, inp), &format!("{name}.weight"))
        };
        let scale = 1.0 / (cfg.dim_head as f64).sqrt();
        let exact_pow2 = scale.log2().fract() == 0.0;
        let q = get("to_q", inner, cfg.dim)?;
        let (q, post_scale) = if exact_pow2 {
            ((q * scale)?, None)
        } else {
            (q, Some(scale))
        };
        let qkv = Tensor::cat(
            &[
                &q,
                &get("to_k", inner, cfg.dim)?,
                &get("to_v", inner, cfg.dim)?,
            ],
            0,
        )?
        .contiguous()?;
        Ok(Self {
            to_qkv: Linear::new(qkv, None),
            to_out: Linear::new(get("to_out", cfg.dim, inner)?, None),
            post_scale,
            heads: cfg.heads,
            dim_head: cfg.dim_head,
        })
    }
}

impl Attention {
    /// Attention outputs of the query rows `start..start + len` only (keys and values use
    /// every row): the rows a caller keeps from the last layer.
    fn forward_rows(&self, xs: &Tensor, start: usize, len: usize) -> candle::Result<Tensor> {
        let (b, n, _) = xs.dims3()?;
        // [b, n, 3 * h * d] -> [3, b, h, n, d] in one copy.
        let qkv = self
            .to_qkv
            .forward(xs)?
            .reshape((b, n, 3, self.heads, self.dim_head))?
            .permute((2, 0, 3, 1, 4))?
            .contiguous()?;
        let (q, k, v) = (qkv.get(0)?, qkv.get(1)?, qkv.get(2)?);
        let q = if start == 0 && len == n {
            q
        } else {
            q.narrow(2, start, len)?.contiguous()?
        };
        let mut scores = q.matmul(&k.t()?)?;
        if let Some(scale) = self.post_scale {
            scores = (scores * scale)?;
        }
        let attn = candle_nn::ops::softmax_last_dim(&scores)?;
        let out =
            attn.matmul(&v)?
                .transpose(1, 2)?
                .reshape((b, len, self.heads * self.dim_head))?;
        self.to_out.forward(&out)
    }
}

/// `ff.0.0` Linear -> exact erf GELU -> `ff.2` Linear (quirk 3).
#[derive(Debug, Clone)]
struct FeedForward {
    up: Linear,
    down: Linear,
}

impl FeedForward {
    fn new(cfg: &Config, vb: VarBuilder) -> candle::Result<Self> {
        let hidden = cfg.dim * cfg.ff_mult;
        let up = Linear::new(
            vb.get((hidden, cfg.dim), "ff.0.0.weight")?,
            Some(vb.get(hidden, "ff.0.0.bias")?),
        );
        let down = Linear::new(
            vb.get((cfg.dim, hidden), "ff.2.weight")?,
            Some(vb.get(cfg.dim, "ff.2.bias")?),
        );
        Ok(Self { up, down })
    }
}

impl Module for FeedForward {
    fn forward(&self, xs: &Tensor) -> candle::Result<Tensor> {
        self.down.forward(&self.up.forward(xs)?.gelu_erf()?)
    }
}

/// x-transformers `Encoder(dim, depth, heads, attn_dim_head)`: `layers.{2i}` = (norm, attention),
/// `layers.{2i+1}` = (norm, feed-forward), residual after each, then `final_norm`.
#[derive(Debug, Clone)]
struct Transformer {
    blocks: Vec<(
        UnitOffsetLayerNorm,
        Attention,
        UnitOffsetLayerNorm,
        FeedForward,
    )>,
    final_norm: UnitOffsetLayerNorm,
}

impl Transformer {
    fn new(cfg: &Config, vb: VarBuilder) -> candle::Result<Self> {
        let layers = vb.pp("layers");
        let mut blocks = Vec::with_capacity(cfg.depth);
        for i in 0..cfg.depth {
            let a = layers.pp(2 * i);
            let f = layers.pp(2 * i + 1);
            blocks.push((
                UnitOffsetLayerNorm::new(cfg.dim, a.pp("0").pp("0"))?,
                Attention::new(cfg, a.pp("1"))?,
                UnitOffsetLayerNorm::new(cfg.dim, f.pp("0").pp("0"))?,
                FeedForward::new(cfg, f.pp("1"))?,
            ));
        }
        let final_norm = UnitOffsetLayerNorm::new(cfg.dim, vb.pp("final_norm"))?;
        Ok(Self { blocks, final_norm })
    }
}

impl Transformer {
    /// Output rows `start..start + len` only. Every row is a function of all rows through the
    /// attention of the earlier layers, but in the last layer the other rows are needed only
    /// as keys and values, so its queries, feed-forward and final norm run on the kept rows.
    fn forward_rows(&self, xs: &Tensor, start: usize, len: usize) -> candle::Result<Tensor> {
        let n = xs.dim(1)?;
        let mut x = xs.clone();
        let last = self.blocks.len().saturating_sub(1);
        for (i, (norm_a, attn, norm_f, ff)) in self.blocks.iter().enumerate() {
            let (s, l) = if i == last { (start, len) } else { (0, n) };
            let a = attn.forward_rows(&norm_a.forward(&x)?, s, l)?;
            let kept = if l == n { x } else { x.narrow(1, s, l)? };
            x = (a + kept)?;
            x = (ff.forward(&norm_f.forward(&x)?)? + &x)?;
        }
        if self.blocks.is_empty() {
            x = x.narrow(1, start, len)?;
        }
        self.final_norm.forward(&x)
    }
}

/// Everything one window produces. Shapes for a batch of `b` windows (v3: n = 40, m = 20).
#[derive(Debug, Clone)]
pub struct BeatOutput {
    /// `[b, n, 128]`: patch tokens plus positions, the encoder input before the queries.
    pub tokens_embedded: Tensor,
    /// `[b, m, 128]`: the last `m` encoder outputs (after `final_norm`), the vectors quantized.
    pub encoder_queries: Tensor,
    /// `[b, m, levels]` U32: residual-VQ codes, level last.
    pub codes: Tensor,
    /// `[b, m, 128]`: sum of the chosen codebook rows.
    pub quantized: Tensor,
}

/// The Beat tokenizer with weights.
#[derive(Debug, Clone)]
pub struct Beat {
    cfg: Config,
    sequence_to_tokens: Linear,
    pos_emb: Tensor,
    latents: Tensor,
    encoder: Transformer,
    decoder: Transformer,
    tokens_to_sequence: Linear,
    /// `[K, 128]`, shared by all residual levels.
    codebook: Tensor,
    /// `[1, K]`: squared norms of the codebook rows.
    codebook_sq: Tensor,
    device: Device,
    /// The same weights packed for [`cpu`], set when the device is the CPU.
    cpu: Option<Arc<cpu::CpuBeat>>,
}

impl Beat {
    /// Builds the model from a [`VarBuilder`] over the upstream state-dict names. The builder's
    /// dtype must be F32 (F16 checkpoints are upcast on load).
    pub fn new(cfg: &Config, vb: VarBuilder) -> candle::Result<Self> {
        let patch_dim = cfg.channels * cfg.patch_size;
        let sequence_to_tokens = Linear::new(
            vb.get((cfg.dim, patch_dim), "sequence_to_tokens.1.weight")?,
            Some(vb.get(cfg.dim, "sequence_to_tokens.1.bias")?),
        );
        let tokens_to_sequence = Linear::new(
            vb.get((patch_dim, cfg.dim), "tokens_to_sequence.0.weight")?,
            Some(vb.get(patch_dim, "tokens_to_sequence.0.bias")?),
        );
        let pos_emb = vb.get((MAX_POSITIONS, cfg.dim), "pos_emb.weight")?;
        if cfg.num_patches() > MAX_POSITIONS {
            candle::bail!(
                "Beat config: {} patches exceed the {MAX_POSITIONS} positions of pos_emb",
                cfg.num_patches()
            );
        }
        let pos_emb = pos_emb.narrow(0, 0, cfg.num_patches())?.contiguous()?;
        let latents = vb.get((cfg.num_queries, cfg.dim), "latents")?;
        let codebook = vb
            .get((1, cfg.codebook_size, cfg.dim), "vq._codebook.embed")?
            .squeeze(0)?
            .contiguous()?;
        let codebook_sq = codebook.sqr()?.sum_keepdim(1)?.t()?.contiguous()?;
        let device = vb.device().clone();
        let mut beat = Self {
            cfg: cfg.clone(),
            sequence_to_tokens,
            pos_emb,
            latents,
            encoder: Transformer::new(cfg, vb.pp("encoder"))?,
            decoder: Transformer::new(cfg, vb.pp("decoder"))?,
            tokens_to_sequence,
            codebook,
            codebook_sq,
            device,
            cpu: None,
        };
        if beat.device.is_cpu() {
            beat.cpu = Some(Arc::new(cpu::CpuBeat::new(&beat)?));
        }
        Ok(beat)
    }

    /// The same model with every step run through candle's device-generic ops (the path GPUs
    /// take), instead of the packed CPU kernels: the cross-check of those kernels.
    pub fn with_candle_ops(mut self) -> Self {
        self.cpu = None;
        self
    }

    /// Loads weights from files applied in order, later keys winning: `.safetensors` (F16 or
    /// F32) or PyTorch `.pth`/`.pt` checkpoints (the `tokenizer.pth` the reference training
    /// writes; a bare state dict, or one nested under `state_dict`/`model`, with an optional
    /// `module.` prefix). The v1 model is `[v3 file, v1 file]` for the shared test weights.
    pub fn load<P: AsRef<Path>>(
        cfg: &Config,
        files: &[P],
        device: &Device,
    ) -> candle::Result<Self> {
        if files.is_empty() {
            candle::bail!("Beat: no weight file given");
        }
        let mut tensors: HashMap<String, Tensor> = HashMap::new();
        for file in files {
            let file = file.as_ref();
            tensors.extend(read_checkpoint(file)?);
        }
        let vb = VarBuilder::from_tensors(tensors, DType::F32, device);
        Self::new(cfg, vb)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The shared codebook `[K, 128]`.
    pub fn codebook(&self) -> &Tensor {
        &self.codebook
    }

    fn check_input(&self, x: &Tensor) -> candle::Result<usize> {
        let (b, c, t) = x.dims3()?;
        if c != self.cfg.channels || t != self.cfg.seq_len {
            candle::bail!(
                "Beat {}: input must be [batch, {}, {}], got [{b}, {c}, {t}]",
                self.cfg.version.name(),
                self.cfg.channels,
                self.cfg.seq_len
            );
        }
        Ok(b)
    }

    /// (1) `[b, 12, T]` -> `[b, n, 128]`.
    pub fn embed(&self, x: &Tensor) -> candle::Result<Tensor> {
        let b = self.check_input(x)?;
        let (c, p, n) = (
            self.cfg.channels,
            self.cfg.patch_size,
            self.cfg.num_patches(),
        );
        let patches = x
            .reshape((b, c, n, p))?
            .transpose(1, 2)?
            .reshape((b, n, c * p))?;
        self.sequence_to_tokens
            .forward(&patches)?
            .broadcast_add(&self.pos_emb)
    }

    /// (2) Patch tokens `[b, n, 128]` -> encoder query outputs `[b, m, 128]`.
    pub fn encode_tokens(&self, tokens: &Tensor) -> candle::Result<Tensor> {
        let (b, n, d) = tokens.dims3()?;
        let queries = self
            .latents
            .unsqueeze(0)?
            .broadcast_as((b, self.cfg.num_queries, d))?;
        let h = Tensor::cat(&[tokens, &queries], 1)?;
        self.encoder.forward_rows(&h, n, self.cfg.num_queries)
    }

    /// (1)+(2) `[b, 12, T]` -> encoder query outputs `[b, m, 128]`.
    pub fn encode(&self, x: &Tensor) -> candle::Result<Tensor> {
        self.encode_tokens(&self.embed(x)?)
    }

    /// Index of the nearest codebook row of every row of `x` `[r, 128]`, with upstream's
    /// distance `sqrt(clamp(|x|² + |e|² − 2 x·e, 0))` in f32 and the first index on ties.
    fn nearest(&self, x: &Tensor) -> candle::Result<Vec<u32>> {
        let x_sq = x.sqr()?.sum_keepdim(1)?;
        let dots = x.matmul(&self.codebook.t()?)?;
        let d2 = x_sq
            .broadcast_add(&self.codebook_sq)?
            .sub(&(dots * 2.0)?)?
            .clamp(0f32, f32::INFINITY)?
            .sqrt()?;
        let rows = d2.to_vec2::<f32>()?;
        Ok(rows
            .iter()
            .map(|row| {
                let mut best = 0usize;
                for (k, &v) in row.iter().enumerate() {
                    if v < row[best] {
                        best = k;
                    }
                }
                best as u32
            })
            .collect())
    }

    /// (3) Residual VQ of `[b, m, 128]` -> (codes `[b, m, levels]` U32, quantized `[b, m, 128]`).
    pub fn quantize(&self, h: &Tensor) -> candle::Result<(Tensor, Tensor)> {
        let (b, m, d) = h.dims3()?;
        let mut residual = h.reshape((b * m, d))?.contiguous()?;
        let mut quantized: Option<Tensor> = None;
        let mut levels = Vec::with_capacity(self.cfg.residual_levels);
        for _ in 0..self.cfg.residual_levels {
            let idx = self.nearest(&residual)?;
            let idx_t = Tensor::from_vec(idx.clone(), idx.len(), &self.device)?;
            let q = self.codebook.index_select(&idx_t, 0)?;
            residual = (&residual - &q)?;
            quantized = Some(match quantized {
                None => q,
                Some(acc) => (acc + q)?,
            });
            levels.push(idx);
        }
        let quantized = match quantized {
            Some(q) => q.reshape((b, m, d))?,
            None => candle::bail!("Beat: residual_levels must be at least 1"),
        };
        let n_levels = levels.len();
        let mut codes = Vec::with_capacity(b * m * n_levels);
        for row in 0..b * m {
            for level in &levels {
                codes.push(level[row]);
            }
        }
        let codes = Tensor::from_vec(codes, (b, m, n_levels), &self.device)?;
        Ok((codes, quantized))
    }

    /// Looks up codes `[b, m, levels]` (U32) and sums the codebook rows -> `[b, m, 128]`.
    pub fn codes_to_quantized(&self, codes: &Tensor) -> candle::Result<Tensor> {
        let (b, m, l) = codes.dims3()?;
        let flat = codes.flatten_all()?.to_dtype(DType::U32)?;
        let k = self.cfg.codebook_size as u32;
        if let Some(bad) = flat.to_vec1::<u32>()?.into_iter().find(|&c| c >= k) {
            candle::bail!("Beat: code {bad} is outside the codebook of {k}");
        }
        self.codebook
            .index_select(&flat, 0)?
            .reshape((b, m, l, self.cfg.dim))?
            .sum(2)
    }

    fn unpatchify(&self, tokens: &Tensor) -> candle::Result<Tensor> {
        let (b, n, _) = tokens.dims3()?;
        let (c, p) = (self.cfg.channels, self.cfg.patch_size);
        tokens
            .reshape((b, n, c, p))?
            .transpose(1, 2)?
            .reshape((b, c, n * p))
    }

    /// (4) Quantized queries `[b, m, 128]` -> reconstruction `[b, 12, T]`.
    pub fn decode(&self, quantized: &Tensor) -> candle::Result<Tensor> {
        let (b, _, d) = quantized.dims3()?;
        if let Some(cpu) = &self.cpu {
            let rows = cpu::CpuBeat::per_window(quantized, |q| cpu.decode(q))?;
            let (c, t) = (self.cfg.channels, self.cfg.seq_len);
            return Tensor::from_vec(rows.concat(), (b, c, t), &self.device);
        }
        let n = self.cfg.num_patches();
        let pos = self.pos_emb.unsqueeze(0)?.broadcast_as((b, n, d))?;
        let h = Tensor::cat(&[&pos, quantized], 1)?;
        let out = self.decoder.forward_rows(&h, 0, n)?;
        self.unpatchify(&self.tokens_to_sequence.forward(&out)?)
    }

    /// (5) Unquantized encoder queries `[b, m, 128]` -> forecast `[b, 12, m * 25]` (the
    /// samples after the window: 2 s for v3, 1 s for v1).
    pub fn predict(&self, encoder_queries: &Tensor) -> candle::Result<Tensor> {
        if let Some(cpu) = &self.cpu {
            let (b, m, _) = encoder_queries.dims3()?;
            let rows = cpu::CpuBeat::per_window(encoder_queries, |q| cpu.predict(q))?;
            let shape = (b, self.cfg.channels, m * self.cfg.patch_size);
            return Tensor::from_vec(rows.concat(), shape, &self.device);
        }
        self.unpatchify(&self.tokens_to_sequence.forward(encoder_queries)?)
    }

    /// Tokenizes a batch of windows `[b, 12, T]`.
    pub fn forward(&self, x: &Tensor) -> candle::Result<BeatOutput> {
        if let Some(cpu) = &self.cpu {
            let b = self.check_input(x)?;
            let windows = cpu::CpuBeat::per_window(x, |w| cpu.tokenize(w))?;
            let (n, m, d) = (self.cfg.num_patches(), self.cfg.num_queries, self.cfg.dim);
            let levels = self.cfg.residual_levels;
            let stack = |f: &dyn Fn(&cpu::WindowOutput) -> &[f32], rows: usize| {
                let data: Vec<f32> = windows.iter().flat_map(|w| f(w).iter().copied()).collect();
                Tensor::from_vec(data, (b, rows, d), &self.device)
            };
            let codes: Vec<u32> = windows
                .iter()
                .flat_map(|w| w.codes.iter().copied())
                .collect();
            return Ok(BeatOutput {
                tokens_embedded: stack(&|w| &w.tokens_embedded, n)?,
                encoder_queries: stack(&|w| &w.encoder_queries, m)?,
                codes: Tensor::from_vec(codes, (b, m, levels), &self.device)?,
                quantized: stack(&|w| &w.quantized, m)?,
            });
        }
        let tokens_embedded = self.embed(x)?;
        let encoder_queries = self.encode_tokens(&tokens_embedded)?;
        let (codes, quantized) = self.quantize(&encoder_queries)?;
        Ok(BeatOutput {
            tokens_embedded,
            encoder_queries,
            codes,
            quantized,
        })
    }

    /// Splits `[b, 12, L]` into windows of `T` from the right, left-padding the first window
    /// with zeros (quirk 9), and returns `[b * windows, 12, T]` with the window count.
    pub fn split_windows(&self, x: &Tensor) -> candle::Result<(Tensor, usize)> {
        let (b, c, len) = x.dims3()?;
        let t = self.cfg.seq_len;
        if len == 0 {
            candle::bail!("Beat: empty input");
        }
        let windows = len.div_ceil(t);
        let pad = windows * t - len;
        let x = if pad > 0 {
            let zeros = Tensor::zeros((b, c, pad), x.dtype(), x.device())?;
            Tensor::cat(&[&zeros, x], 2)?
        } else {
            x.clone()
        };
        let x = x
            .reshape((b, c, windows, t))?
            .transpose(1, 2)?
            .reshape((b * windows, c, t))?;
        Ok((x, windows))
    }

    /// Upstream v3 `forward(x, return_quant=True)` on any length: codes `[b, m, levels * w]`,
    /// quantized `[b, m, 128 * w]`, recon `[b, 12, w * T]`, pred `[b, 12, w * m * 25]`, windows
    /// concatenated along the last axis as upstream does.
    pub fn forward_multiwindow(&self, x: &Tensor) -> candle::Result<MultiWindowOutput> {
        let (b, _, _) = x.dims3()?;
        let (windows, w) = self.split_windows(x)?;
        let out = self.forward(&windows)?;
        let recon = self.decode(&out.quantized)?;
        let pred = self.predict(&out.encoder_queries)?;
        // [b*w, ...] -> concatenate the w windows along the last axis.
        let join = |t: &Tensor| -> candle::Result<Tensor> {
            let dims = t.dims().to_vec();
            let (r, last) = (dims[1], dims[2]);
            t.reshape((b, w, r, last))?
                .transpose(1, 2)?
                .reshape((b, r, w * last))
        };
        Ok(MultiWindowOutput {
            windows: w,
            codes: join(&out.codes)?,
            quantized: join(&out.quantized)?,
            recon: join(&recon)?,
            pred: join(&pred)?,
        })
    }

    /// Convenience: codes `[m][levels]` of one window given lead-major samples `12 * T`.
    pub fn tokenize_window(&self, samples: &[f32]) -> candle::Result<Vec<Vec<u32>>> {
        let (c, t) = (self.cfg.channels, self.cfg.seq_len);
        if samples.len() != c * t {
            candle::bail!(
                "Beat {}: window must hold {c} x {t} samples, got {}",
                self.cfg.version.name(),
                samples.len()
            );
        }
        let x = Tensor::from_slice(samples, (1, c, t), &self.device)?;
        let out = self.forward(&x)?;
        out.codes.i(0)?.to_vec2::<u32>()
    }
}

/// [`Beat::forward_multiwindow`] results.
#[derive(Debug, Clone)]
pub struct MultiWindowOutput {
    /// Number of windows the input was split into.
    pub windows: usize,
    /// `[b, m, levels * windows]` U32.
    pub codes: Tensor,
    /// `[b, m, 128 * windows]`.
    pub quantized: Tensor,
    /// `[b, 12, windows * T]` (including the zero left-padding of the first window).
    pub recon: Tensor,
    /// `[b, 12, windows * m * 25]`.
    pub pred: Tensor,
}

/// Reads all tensors of one checkpoint file, recognised by its content: a ZIP archive is a
/// PyTorch checkpoint, anything else is tried as safetensors.
pub fn read_checkpoint(path: &Path) -> candle::Result<HashMap<String, Tensor>> {
    let mut head = [0u8; 4];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(path)
            .map_err(|e| candle::Error::msg(format!("{}: {e}", path.display())))?;
        let n = f
            .read(&mut head)
            .map_err(|e| candle::Error::msg(format!("{}: {e}", path.display())))?;
        if n < 4 {
            candle::bail!("{}: too short to be a checkpoint", path.display());
        }
    }
    let with_path = |e: candle::Error| candle::Error::msg(format!("{}: {e}", path.display()));
    if head == *b"PK\x03\x04" {
        // torch.save(...) writes a ZIP archive with a pickled object in `*/data.pkl`.
        let mut found = Vec::new();
        // Named keys first: probing a nested checkpoint with `None` would make candle log every
        // non-tensor entry it skips.
        for key in [
            Some("state_dict"),
            Some("model"),
            Some("model_state_dict"),
            None,
        ] {
            let infos = candle::pickle::read_pth_tensor_info(path, false, key);
            if matches!(&infos, Ok(v) if !v.is_empty()) {
                found = candle::pickle::read_all_with_key(path, key).map_err(with_path)?;
                break;
            }
        }
        if found.is_empty() {
            candle::bail!(
                "{}: no tensors found (expected a state dict, bare or under \"state_dict\"/\"model\")",
                path.display()
            );
        }
        Ok(found
            .into_iter()
            .map(|(k, v)| match k.strip_prefix("module.") {
                Some(s) => (s.to_string(), v),
                None => (k, v),
            })
            .collect())
    } else {
        candle::safetensors::load(path, &Device::Cpu).map_err(with_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::VarMap;

    fn random_model(cfg: &Config) -> Beat {
        let map = VarMap::new();
        let vb = VarBuilder::from_varmap(&map, DType::F32, &Device::Cpu);
        Beat::new(cfg, vb).expect("a VarMap creates every tensor")
    }

    #[test]
    fn configs_have_the_published_shapes() {
        let v3 = Config::v3();
        assert_eq!(
            (v3.num_patches(), v3.num_queries, v3.pred_len()),
            (40, 20, 500)
        );
        assert_eq!(v3.window_s(), 4.0);
        let v1 = Config::v1();
        assert_eq!(
            (v1.num_patches(), v1.num_queries, v1.pred_len()),
            (20, 10, 250)
        );
        assert_eq!(Version::parse("V1"), Some(Version::V1));
        assert_eq!(Version::parse("v2"), None);
    }

    #[test]
    fn patchify_is_lead_major_and_unpatchify_inverts_it() {
        let model = random_model(&Config::v1());
        let x = Tensor::arange(0f32, (12 * 500) as f32, &Device::Cpu)
            .unwrap()
            .reshape((1, 12, 500))
            .unwrap();
        let p = x
            .reshape((1, 12, 20, 25))
            .unwrap()
            .transpose(1, 2)
            .unwrap()
            .reshape((1, 20, 300))
            .unwrap();
        // patch 1, feature lead 2 * 25 + t 3 = sample (lead 2, time 25 + 3)
        let v: f32 = p.i((0, 1, 2 * 25 + 3)).unwrap().to_scalar().unwrap();
        assert_eq!(v, (2 * 500 + 28) as f32);
        let back = model.unpatchify(&p).unwrap();
        let diff: f32 = (back - &x)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar()
            .unwrap();
        assert_eq!(diff, 0.0);
    }

    #[test]
    fn wrong_input_shape_is_an_error_naming_the_shape() {
        let model = random_model(&Config::v1());
        let x = Tensor::zeros((1, 11, 500), DType::F32, &Device::Cpu).unwrap();
        let err = model.forward(&x).unwrap_err().to_string();
        assert!(err.contains("[1, 11, 500]"), "{err}");
        assert!(model.tokenize_window(&[0.0; 10]).is_err());
    }

    #[test]
    fn split_windows_pads_the_first_window_on_the_left() {
        let model = random_model(&Config::v1());
        let x = Tensor::ones((1, 12, 700), DType::F32, &Device::Cpu).unwrap();
        let (w, n) = model.split_windows(&x).unwrap();
        assert_eq!(n, 2);
        assert_eq!(w.dims(), &[2, 12, 500]);
        let first = w.i((0, 0)).unwrap().to_vec1::<f32>().unwrap();
        assert!(first[..300].iter().all(|&v| v == 0.0));
        assert!(first[300..].iter().all(|&v| v == 1.0));
    }

    #[test]
    fn codes_round_trip_through_the_codebook() {
        let model = random_model(&Config::v1());
        let x = Tensor::randn(0f32, 1.0, (2, 12, 500), &Device::Cpu).unwrap();
        let out = model.forward(&x).unwrap();
        assert_eq!(out.codes.dims(), &[2, 10, 2]);
        let q = model.codes_to_quantized(&out.codes).unwrap();
        let diff: f32 = (q - &out.quantized)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar()
            .unwrap();
        assert_eq!(diff, 0.0);
        let bad = Tensor::from_vec(vec![300u32, 0], (1, 1, 2), &Device::Cpu).unwrap();
        assert!(model.codes_to_quantized(&bad).is_err());
    }
}
