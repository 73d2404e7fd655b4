//! Layers shared by the float ([`super::phi3`]) and quantized ([`super::quantized_phi3`]) Phi-3:
//! rotary embedding, KV cache, causal attention and the decoder stack, generic over the linear
//! layer type (`candle_nn::Linear` for safetensors, [`super::quant::QLinear`] for GGUF).
//!
//! The two model files only load weights (HF names vs llama.cpp names); the arithmetic lives here
//! once, so both paths compute the same thing. It follows `modeling_phi3.py` (transformers,
//! eager attention) and candle-transformers `models/phi3.rs` @ 0.11.1.
//!
//! Llama-layout GGUF families ([`super::quantized_llama`]: llama, qwen2, qwen3) run on the same
//! stack with three optional parts, all off for Phi-3 and llama: a q/k/v bias (qwen2, carried by
//! the fused `qkv` layer), a per-head RMSNorm of q and k before the rotary embedding (qwen3,
//! [`Block::with_qk_norm`]) and a head width other than `hidden / n_head` (qwen3,
//! [`Phi3Dims::key_length`]).
//!
//! The stack takes **input embeddings**, not ids: HeartcareGPT puts `signal_proj` soft tokens
//! between the embeddings of `<signal_start>` and `<signal_end>`.

use candle::{D, DType, Device, Module, Tensor};

use super::{attention, kernels, rows};
use candle_nn::RmsNorm;

/// Sizes of a Phi-3 decoder (upstream `config.json` names in comments).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Phi3Dims {
    /// `vocab_size`.
    pub vocab: usize,
    /// `hidden_size`.
    pub hidden: usize,
    /// `num_attention_heads`.
    pub n_head: usize,
    /// `num_key_value_heads`.
    pub n_kv_head: usize,
    /// `intermediate_size`.
    pub intermediate: usize,
    /// `num_hidden_layers`.
    pub n_layer: usize,
    /// `rms_norm_eps`.
    pub rms_eps: f64,
    /// `rope_theta`.
    pub rope_theta: f64,
    /// `max_position_embeddings`: the context length in tokens.
    pub context: usize,
    /// `head_dim` when it is not `hidden / n_head` (GGUF `attention.key_length`, Qwen3); the
    /// query width is then `n_head * key_length`. `None` for Phi-3 and llama.
    pub key_length: Option<usize>,
}

impl Phi3Dims {
    /// Per-head width.
    pub fn head_dim(&self) -> usize {
        self.key_length.unwrap_or(self.hidden / self.n_head.max(1))
    }

    /// Checks the sizes are consistent, naming the field that is not.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.n_head == 0 || self.n_kv_head == 0 || self.hidden == 0 || self.vocab == 0 {
            return Err("zero heads, hidden size or vocabulary".into());
        }
        if self.key_length == Some(0) {
            return Err("zero head width (key_length)".into());
        }
        if self.key_length.is_none() && !self.hidden.is_multiple_of(self.n_head) {
            return Err(format!(
                "hidden size {} is not a multiple of head count {}",
                self.hidden, self.n_head
            ));
        }
        if !self.n_head.is_multiple_of(self.n_kv_head) {
            return Err(format!(
                "head count {} is not a multiple of KV head count {}",
                self.n_head, self.n_kv_head
            ));
        }
        if !self.head_dim().is_multiple_of(2) {
            return Err(format!("head dim {} is odd", self.head_dim()));
        }
        if self.context == 0 || self.context > 1 << 20 {
            return Err(format!("context length {} out of range", self.context));
        }
        Ok(())
    }
}

/// Rotary position embedding (rotate-half form, as `modeling_phi3.py` without `rope_scaling`;
/// interleaved pairs for llama GGUF files, whose converter permuted the q/k rows for ggml's
/// `rope_norm`, as candle-transformers `quantized_llama.rs` applies `rope_i`).
#[derive(Debug, Clone)]
pub(crate) struct Rope {
    cos: Tensor,
    sin: Tensor,
    interleaved: bool,
}

impl Rope {
    pub(crate) fn new(dims: &Phi3Dims, dev: &Device) -> candle::Result<Self> {
        let dim = dims.head_dim();
        let inv_freq: Vec<f32> = (0..dim)
            .step_by(2)
            .map(|i| 1f32 / dims.rope_theta.powf(i as f64 / dim as f64) as f32)
            .collect();
        let inv_freq = Tensor::from_vec(inv_freq, (1, dim / 2), dev)?;
        let t = Tensor::arange(0u32, dims.context as u32, dev)?
            .to_dtype(DType::F32)?
            .reshape((dims.context, 1))?;
        let freqs = t.matmul(&inv_freq)?;
        Ok(Self {
            cos: freqs.cos()?,
            sin: freqs.sin()?,
            interleaved: false,
        })
    }

    /// `x` is `[b, heads, t, head_dim]`; positions start at `offset`.
    fn apply(&self, x: &Tensor, offset: usize) -> candle::Result<Tensor> {
        let (_, _, t, _) = x.dims4()?;
        let cos = self.cos.narrow(0, offset, t)?;
        let sin = self.sin.narrow(0, offset, t)?;
        if x.device().is_cpu() && x.dtype() == DType::F32 && cos.dtype() == DType::F32 {
            // On the model thread pool, bit-identical to candle_nn's (`rows`).
            let x = x.contiguous()?;
            let (_, _, t, d) = x.dims4()?;
            let out = cpu_f32(&x, |xs| {
                cpu_f32(&cos, |c| {
                    cpu_f32(&sin, |sn| rows::rope(xs, c, sn, t, d, self.interleaved))
                })
            })???;
            return Tensor::from_vec(out, x.shape(), x.device());
        }
        if self.interleaved {
            candle_nn::rotary_emb::rope_i(&x.contiguous()?, &cos, &sin)
        } else {
            candle_nn::rotary_emb::rope(&x.contiguous()?, &cos, &sin)
        }
    }
}

/// One decoder layer: pre-norm attention with fused qkv, then the gated (SiLU) MLP with fused
/// gate/up rows (gate first).
#[derive(Debug, Clone)]
pub(crate) struct Block<L> {
    pub(crate) qkv: L,
    pub(crate) o: L,
    pub(crate) gate_up: L,
    pub(crate) down: L,
    pub(crate) attn_norm: RmsNorm,
    pub(crate) ffn_norm: RmsNorm,
    /// Per-head RMSNorm of q and of k before the rotary embedding (Qwen3), else `None`.
    qk_norm: Option<(RmsNorm, RmsNorm)>,
    cache: Option<KvCache>,
    /// The cache's element type: f32, or f16 for the GGUF chat models ([`Block::with_half_cache`]).
    kv_dtype: DType,
}

/// Keys and values of the cached positions, `[1, n_kv_head, capacity, head_dim]` each (f32 or
/// f16), filled up to `len`. Appending writes in place (the capacity doubles when full), so a decode step
/// copies one position, not the whole cache; attention reads `narrow` views of it.
#[derive(Debug)]
struct KvCache {
    k: Tensor,
    v: Tensor,
    len: usize,
}

impl Clone for KvCache {
    /// A deep copy: appends write into the buffers in place, so clones must not share them.
    fn clone(&self) -> Self {
        let copy = |t: &Tensor| t.copy().expect("copying a CPU tensor of the same shape");
        Self {
            k: copy(&self.k),
            v: copy(&self.v),
            len: self.len,
        }
    }
}

impl KvCache {
    /// Smallest buffer, in positions.
    const MIN_CAPACITY: usize = 256;

    fn with_capacity(like: &Tensor, capacity: usize, dtype: DType) -> candle::Result<Self> {
        let (b, h, _, d) = like.dims4()?;
        let zeros = || Tensor::zeros((b, h, capacity, d), dtype, like.device());
        Ok(Self {
            k: zeros()?,
            v: zeros()?,
            len: 0,
        })
    }

    fn capacity(&self) -> usize {
        self.k.dim(2).unwrap_or(0)
    }

    /// Attention of the last `t` cached positions' queries (`q` `[1, n_head, t, head_dim]`,
    /// f32 on the CPU) over the cached positions, causal, as `[1, t, n_head * head_dim]`.
    fn attend(&self, q: &Tensor, t: usize, d: &Phi3Dims, scale: f32) -> candle::Result<Tensor> {
        let hd = d.head_dim();
        let q = q.contiguous()?;
        let shape = attention::Shape {
            n_head: d.n_head,
            n_kv_head: d.n_kv_head,
            head_dim: hd,
            capacity: self.capacity(),
            len: self.len,
        };
        let mut out = vec![0f32; t * d.n_head * hd];
        {
            let (qs, ql) = q.storage_and_layout();
            let (ks, kl) = self.k.storage_and_layout();
            let (vs, vl) = self.v.storage_and_layout();
            use candle::{CpuStorage, Storage};
            let Storage::Cpu(CpuStorage::F32(q)) = &*qs else {
                candle::bail!("the queries are not f32 on the CPU")
            };
            let q = &q[ql.start_offset()..];
            match (&*ks, &*vs) {
                (Storage::Cpu(CpuStorage::F32(k)), Storage::Cpu(CpuStorage::F32(v))) => {
                    let (k, v) = (&k[kl.start_offset()..], &v[vl.start_offset()..]);
                    attend_slices(q, k, v, shape, t, scale, &mut out)
                }
                (Storage::Cpu(CpuStorage::F16(k)), Storage::Cpu(CpuStorage::F16(v))) => {
                    let (k, v) = (&k[kl.start_offset()..], &v[vl.start_offset()..]);
                    attend_slices(q, k, v, shape, t, scale, &mut out)
                }
                _ => candle::bail!("the KV cache is not f32 or f16 on the CPU"),
            }
        }
        Tensor::from_vec(out, (1, t, d.n_head * hd), self.k.device())
    }

    /// Appends `k` and `v` (`[1, n_kv_head, t, head_dim]`) and returns views of every cached
    /// position. `max` bounds the capacity (the context length).
    fn append(
        cache: &mut Option<Self>,
        k: &Tensor,
        v: &Tensor,
        max: usize,
        dtype: DType,
    ) -> candle::Result<(Tensor, Tensor)> {
        let t = k.dim(2)?;
        let len = cache.as_ref().map_or(0, |c| c.len);
        let need = len + t;
        if cache.as_ref().is_none_or(|c| c.capacity() < need) {
            let cap = need
                .next_power_of_two()
                .max(Self::MIN_CAPACITY)
                .min(max.max(need));
            let mut grown = Self::with_capacity(k, cap, dtype)?;
            if let Some(old) = cache.take() {
                if old.len > 0 {
                    grown
                        .k
                        .slice_set(&old.k.narrow(2, 0, old.len)?.contiguous()?, 2, 0)?;
                    grown
                        .v
                        .slice_set(&old.v.narrow(2, 0, old.len)?.contiguous()?, 2, 0)?;
                }
                grown.len = old.len;
            }
            *cache = Some(grown);
        }
        let c = cache.as_mut().expect("allocated above");
        c.k.slice_set(&k.to_dtype(dtype)?.contiguous()?, 2, c.len)?;
        c.v.slice_set(&v.to_dtype(dtype)?.contiguous()?, 2, c.len)?;
        c.len = need;
        Ok((c.k.narrow(2, 0, need)?, c.v.narrow(2, 0, need)?))
    }
}

impl<L: Module> Block<L> {
    pub(crate) fn new(
        qkv: L,
        o: L,
        gate_up: L,
        down: L,
        attn_norm: RmsNorm,
        ffn_norm: RmsNorm,
    ) -> Self {
        Self {
            qkv,
            o,
            gate_up,
            down,
            attn_norm,
            ffn_norm,
            qk_norm: None,
            cache: None,
            kv_dtype: DType::F32,
        }
    }

    /// With `on`, keeps the KV cache as IEEE halves, as llama.cpp does by default: a decode
    /// step reads the whole cache (in f32 about a fifth of the bytes of a SmolLM2 Q8_0 step at
    /// 700 positions), and the halves' rounding (2^-11 relative) is below the 8-bit activation
    /// quantisation of the quantised products ([`half_cache_for`]). Models with f32 or f16
    /// weights keep an f32 cache, so they reproduce their reference bit for bit.
    pub(crate) fn with_half_cache(mut self, on: bool) -> Self {
        self.kv_dtype = if on { DType::F16 } else { DType::F32 };
        self
    }

    /// Normalises each head of q (`q_norm`) and of k (`k_norm`), weights `[head_dim]`, before
    /// the rotary embedding, as Qwen3 does (`blk.N.attn_{q,k}_norm.weight`).
    pub(crate) fn with_qk_norm(mut self, q_norm: RmsNorm, k_norm: RmsNorm) -> Self {
        self.qk_norm = Some((q_norm, k_norm));
        self
    }

    fn forward(
        &mut self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        offset: usize,
        rope: &Rope,
        d: &Phi3Dims,
    ) -> candle::Result<Tensor> {
        let (b, t, _) = xs.dims3()?;
        let hd = d.head_dim();
        let h = rms_norm(&self.attn_norm, xs)?;
        let qkv = self.qkv.forward(&h)?;
        let q_w = d.n_head * hd;
        let kv_w = d.n_kv_head * hd;
        let q = qkv
            .narrow(D::Minus1, 0, q_w)?
            .reshape((b, t, d.n_head, hd))?
            .transpose(1, 2)?;
        let k = qkv
            .narrow(D::Minus1, q_w, kv_w)?
            .reshape((b, t, d.n_kv_head, hd))?
            .transpose(1, 2)?;
        let v = qkv
            .narrow(D::Minus1, q_w + kv_w, kv_w)?
            .reshape((b, t, d.n_kv_head, hd))?
            .transpose(1, 2)?
            .contiguous()?;
        let (q, k) = match &self.qk_norm {
            Some((qn, kn)) => (rms_norm(qn, &q)?, rms_norm(kn, &k)?),
            None => (q, k),
        };
        let q = rope.apply(&q, offset)?;
        let k = rope.apply(&k, offset)?;
        let (k, v) = KvCache::append(&mut self.cache, &k, &v, d.context, self.kv_dtype)?;
        let scale = 1f64 / (hd as f64).sqrt();
        if b == 1 && xs.device().is_cpu() && q.dtype() == DType::F32 {
            // On the CPU attention reads the cache buffers in place (`attention`): one pass
            // for a decode step, register tiles on every thread for a prefill.
            let c = self.cache.as_ref().expect("appended above");
            let y = c.attend(&q, t, d, scale as f32)?;
            return self.finish(y, xs, d);
        }
        // Grouped-query attention without repeating keys and values: the heads sharing a KV
        // head are consecutive, so q as `[b, n_kv_head, groups * t, head_dim]` meets each
        // KV head once.
        let groups = d.n_head / d.n_kv_head;
        let (k, v) = (k.to_dtype(q.dtype())?, v.to_dtype(q.dtype())?);
        let s = k.dim(2)?;
        let q = q.contiguous()?.reshape((b, d.n_kv_head, groups * t, hd))?;
        let att = (q.matmul(&k.t()?)? * scale)?;
        let att = match mask {
            Some(m) => att
                .reshape((b, d.n_kv_head, groups, t, s))?
                .broadcast_add(m)?
                .reshape((b, d.n_kv_head, groups * t, s))?,
            None => att,
        };
        let att = softmax_last_dim(&att)?;
        let y = att
            .matmul(&v)?
            .reshape((b, d.n_head, t, hd))?
            .transpose(1, 2)?
            .reshape((b, t, q_w))?;
        self.finish(y, xs, d)
    }

    /// The output projection, residual and MLP after attention (`y` is `[b, t, q_w]`).
    fn finish(&self, y: Tensor, residual: &Tensor, d: &Phi3Dims) -> candle::Result<Tensor> {
        let y = self.o.forward(&y)?;
        let xs = (y + residual)?;
        let residual = &xs;
        let h = rms_norm(&self.ffn_norm, &xs)?;
        let gu = self.gate_up.forward(&h)?;
        let y = self.down.forward(&swiglu(&gu, d.intermediate)?)?;
        residual + y
    }
}

/// Whether a GGUF file's layer weights are quantised (a `blk.` tensor of a block type, not
/// f32/f16/bf16): its blocks then keep a half KV cache ([`Block::with_half_cache`]).
pub(crate) fn half_cache_for(ct: &candle::quantized::gguf_file::Content) -> bool {
    ct.tensor_infos
        .iter()
        .any(|(name, info)| name.starts_with("blk.") && info.ggml_dtype.block_size() > 1)
}

/// [`attention::decode`] for one new position, else [`attention::prefill`].
fn attend_slices<T: attention::KvValue>(
    q: &[f32],
    k: &[T],
    v: &[T],
    shape: attention::Shape,
    t: usize,
    scale: f32,
    out: &mut [f32],
) {
    if t == 1 {
        attention::decode(q, k, v, shape, scale, out)
    } else {
        attention::prefill(q, k, v, shape, t, scale, out)
    }
}

/// `f` of the values of `t`, which must be contiguous (or made so) f32 on the CPU.
fn cpu_f32<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> candle::Result<R> {
    let (storage, layout) = t.storage_and_layout();
    let Some((a, b)) = layout.contiguous_offsets() else {
        candle::bail!("tensor {:?} is not contiguous", t.shape())
    };
    match &*storage {
        candle::Storage::Cpu(candle::CpuStorage::F32(v)) => Ok(f(&v[a..b])),
        _ => candle::bail!("tensor {:?} is not f32 on the CPU", t.shape()),
    }
}

/// RMSNorm over the last dimension: on the CPU in f32 over the model thread pool (`rows`,
/// bit-identical to candle_nn's), elsewhere candle_nn's.
fn rms_norm(norm: &RmsNorm, x: &Tensor) -> candle::Result<Tensor> {
    if !x.device().is_cpu() || x.dtype() != DType::F32 || norm.weight().dtype() != DType::F32 {
        return norm.forward(x);
    }
    let x = x.contiguous()?;
    let eps = norm.eps() as f32;
    let out = cpu_f32(&x, |xs| {
        cpu_f32(norm.weight(), |a| rows::rms_norm(xs, a, eps))
    })??;
    Tensor::from_vec(out, x.shape(), x.device())
}

/// `up * silu(gate)` of the fused gate/up output `[.., 2 * intermediate]` (gate first). On the
/// CPU in f32 one pass with the vectorised `exp` of [`kernels`] (candle's `silu` calls libm's
/// `expf` per value: a tenth of a prefill); elsewhere candle's ops.
fn swiglu(gu: &Tensor, intermediate: usize) -> candle::Result<Tensor> {
    if !gu.device().is_cpu() || gu.dtype() != DType::F32 {
        let gate = gu.narrow(D::Minus1, 0, intermediate)?;
        let up = gu.narrow(D::Minus1, intermediate, intermediate)?;
        return up * gate.silu()?;
    }
    let mut dims = gu.dims().to_vec();
    let gu = gu.contiguous()?;
    let out = cpu_f32(&gu, |v| kernels::swiglu_rows(v, intermediate))?;
    if let Some(last) = dims.last_mut() {
        *last = intermediate;
    }
    Tensor::from_vec(out, dims, gu.device())
}

/// Softmax over the last dimension: on the CPU in f32 with the vectorised `exp` of
/// [`kernels`], elsewhere candle's.
fn softmax_last_dim(x: &Tensor) -> candle::Result<Tensor> {
    if !x.device().is_cpu() || x.dtype() != DType::F32 {
        return candle_nn::ops::softmax_last_dim(x);
    }
    let last = x.dim(D::Minus1)?;
    let mut v = x.flatten_all()?.to_vec1::<f32>()?;
    for row in v.chunks_exact_mut(last) {
        kernels::softmax_masked_in_place(row);
    }
    Tensor::from_vec(v, x.shape(), x.device())
}

/// Additive causal mask `[t, offset + t]`: position `i` sees keys `0..=offset + i`.
fn causal_mask(t: usize, offset: usize, dev: &Device) -> candle::Result<Tensor> {
    let s = offset + t;
    let mask: Vec<f32> = (0..t)
        .flat_map(|i| {
            (0..s).map(move |j| {
                if j > offset + i {
                    f32::NEG_INFINITY
                } else {
                    0.0
                }
            })
        })
        .collect();
    Tensor::from_vec(mask, (t, s), dev)
}

/// Embedding table, decoder layers, final norm and LM head.
#[derive(Debug, Clone)]
pub(crate) struct Phi3Stack<L> {
    pub(crate) dims: Phi3Dims,
    /// `[vocab, hidden]`, f32.
    pub(crate) embed: Tensor,
    pub(crate) blocks: Vec<Block<L>>,
    pub(crate) norm: RmsNorm,
    pub(crate) lm_head: L,
    rope: Rope,
    /// Tokens currently in the KV cache.
    pub(crate) cached: usize,
}

/// Per-layer outputs and the final-norm hidden states of one prompt (parity checks only).
#[derive(Debug, Clone)]
pub struct Trace {
    /// Output of each decoder layer, `[t, hidden]` each.
    pub layer_outputs: Vec<Tensor>,
    /// After the final RMSNorm, `[t, hidden]`.
    pub final_norm: Tensor,
}

impl<L: Module> Phi3Stack<L> {
    pub(crate) fn new(
        dims: Phi3Dims,
        embed: Tensor,
        blocks: Vec<Block<L>>,
        norm: RmsNorm,
        lm_head: L,
    ) -> candle::Result<Self> {
        let rope = Rope::new(&dims, embed.device())?;
        Ok(Self {
            dims,
            embed,
            blocks,
            norm,
            lm_head,
            rope,
            cached: 0,
        })
    }

    /// Rotary embedding on interleaved pairs (llama GGUF layout) instead of rotated halves.
    pub(crate) fn with_interleaved_rope(mut self) -> Self {
        self.rope.interleaved = true;
        self
    }

    /// Embedding rows of `ids`, `[t, hidden]`. Ids outside the vocabulary are an error.
    pub(crate) fn embed_ids(&self, ids: &[u32]) -> candle::Result<Tensor> {
        if let Some(bad) = ids.iter().find(|&&i| i as usize >= self.dims.vocab) {
            candle::bail!(
                "token id {bad} outside the vocabulary of {}",
                self.dims.vocab
            )
        }
        let idx = Tensor::new(ids, self.embed.device())?;
        self.embed.index_select(&idx, 0)
    }

    fn run(
        &mut self,
        embeds: &Tensor,
        offset: usize,
        trace: bool,
    ) -> candle::Result<(Tensor, Vec<Tensor>)> {
        let embeds = match embeds.rank() {
            2 => embeds.unsqueeze(0)?,
            3 => embeds.clone(),
            r => candle::bail!(
                "input embeddings must be [t, hidden] or [1, t, hidden], got rank {r}"
            ),
        };
        let (b, t, h) = embeds.dims3()?;
        if b != 1 || h != self.dims.hidden {
            candle::bail!(
                "input embeddings [{b}, {t}, {h}] do not match hidden size {}",
                self.dims.hidden
            )
        }
        if t == 0 {
            candle::bail!("empty input")
        }
        if offset != self.cached {
            if offset == 0 {
                self.clear_cache();
            } else {
                candle::bail!(
                    "offset {offset} does not continue the cache of {}",
                    self.cached
                )
            }
        }
        if offset + t > self.dims.context {
            candle::bail!(
                "{} tokens exceed the context length {}",
                offset + t,
                self.dims.context
            )
        }
        let mask = if t > 1 {
            Some(causal_mask(t, offset, embeds.device())?)
        } else {
            None
        };
        let mut xs = embeds.to_dtype(DType::F32)?;
        let mut outs = Vec::new();
        for block in &mut self.blocks {
            xs = block.forward(&xs, mask.as_ref(), offset, &self.rope, &self.dims)?;
            if trace {
                outs.push(xs.squeeze(0)?);
            }
        }
        self.cached = offset + t;
        Ok((xs, outs))
    }

    /// Runs `embeds` (`[t, hidden]`) at positions `offset..offset + t` and returns the logits
    /// of the last position, `[vocab]`. `offset` must equal the tokens already cached (0 resets).
    pub(crate) fn forward_embeds(
        &mut self,
        embeds: &Tensor,
        offset: usize,
    ) -> candle::Result<Tensor> {
        let (xs, _) = self.run(embeds, offset, false)?;
        let t = xs.dim(1)?;
        let last = xs.narrow(1, t - 1, 1)?;
        self.lm_head
            .forward(&rms_norm(&self.norm, &last)?)?
            .flatten_all()
    }

    /// Runs a whole prompt from position 0 and returns every layer's output.
    pub(crate) fn trace(&mut self, embeds: &Tensor) -> candle::Result<Trace> {
        let (xs, layer_outputs) = self.run(embeds, 0, true)?;
        let final_norm = rms_norm(&self.norm, &xs)?.squeeze(0)?;
        Ok(Trace {
            layer_outputs,
            final_norm,
        })
    }

    /// Logits for hidden states `[t, hidden]` (after the final norm), `[t, vocab]`.
    pub(crate) fn logits(&self, final_norm: &Tensor) -> candle::Result<Tensor> {
        self.lm_head.forward(&final_norm.unsqueeze(0)?)?.squeeze(0)
    }

    pub(crate) fn clear_cache(&mut self) {
        // The buffers stay for the next conversation.
        for b in &mut self.blocks {
            if let Some(c) = &mut b.cache {
                c.len = 0;
            }
        }
        self.cached = 0;
    }

    /// Keeps the first `len` positions of the KV cache (a shared prompt prefix) and forgets
    /// the rest; the next call continues at offset `len`.
    pub(crate) fn truncate_cache(&mut self, len: usize) -> candle::Result<()> {
        if len == 0 {
            self.clear_cache();
            return Ok(());
        }
        if len > self.cached {
            candle::bail!("cannot keep {len} positions of a cache of {}", self.cached)
        }
        for b in &mut self.blocks {
            if let Some(c) = &mut b.cache {
                c.len = c.len.min(len);
            }
        }
        self.cached = len;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causal_mask_hides_only_future_keys() {
        let m = causal_mask(2, 3, &Device::Cpu)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        assert_eq!(m[0], vec![0.0, 0.0, 0.0, 0.0, f32::NEG_INFINITY]);
        assert_eq!(m[1], vec![0.0; 5]);
    }

    #[test]
    fn dims_validation_names_the_problem() {
        let d = Phi3Dims {
            vocab: 10,
            hidden: 30,
            n_head: 4,
            n_kv_head: 4,
            intermediate: 8,
            n_layer: 1,
            rms_eps: 1e-5,
            rope_theta: 1e4,
            context: 16,
            key_length: None,
        };
        assert!(d.validate().unwrap_err().contains("multiple of head count"));
        // Qwen3: an explicit head width need not divide the hidden size
        let q = Phi3Dims {
            key_length: Some(64),
            ..d
        };
        assert_eq!(q.head_dim(), 64);
        assert!(q.validate().is_ok());
        let z = Phi3Dims {
            key_length: Some(0),
            ..d
        };
        assert!(z.validate().unwrap_err().contains("key_length"));
    }
}
