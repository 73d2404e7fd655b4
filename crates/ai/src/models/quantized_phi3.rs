//! Phi-3 from a GGUF file (llama.cpp layout, arch `phi3`), quantized (Q4_K_M, Q8_0, F16, F32),
//! accepting input embeddings.
//!
//! The quantized twin of [`super::phi3`], as candle-transformers `models/quantized_phi3.rs`
//! @ 0.11.1, whose `forward` only takes ids. Tensor names are llama.cpp's
//! (`convert_hf_to_gguf.py`, `Phi3MiniModel`): see [`GGUF_NAMES`]. No q/k permutation is applied
//! for Phi-3, and `ffn_up` holds the fused gate/up rows (gate first).
//!
//! Weights stay quantized and run through [`QLinear`] (our kernels, which quantize activations
//! to 8 bits per 32 values: logits move by ~0.1, argmax unchanged on our vectors; types without a
//! kernel go through candle's `QMatMul`), unless [`QuantizedOptions::dequantize`] is set: then
//! every weight is dequantized to f32 once at load, which reproduces an f32 reference run of the
//! dequantized weights to ~1e-6.

use std::io::{Read, Seek};
use std::path::Path;

use candle::quantized::{QTensor, gguf_file};
use candle::{Device, Tensor};
use candle_nn::RmsNorm;

use super::layers::{Block, Phi3Dims, Phi3Stack, Trace};
use super::quant::QLinear;
use crate::error::{LlmError, Result};

/// HF safetensors name (per layer, after `model.layers.N.`) -> GGUF name (after `blk.N.`).
pub const GGUF_NAMES: &[(&str, &str)] = &[
    ("self_attn.qkv_proj.weight", "attn_qkv.weight"),
    ("self_attn.o_proj.weight", "attn_output.weight"),
    ("mlp.gate_up_proj.weight", "ffn_up.weight"),
    ("mlp.down_proj.weight", "ffn_down.weight"),
    ("input_layernorm.weight", "attn_norm.weight"),
    ("post_attention_layernorm.weight", "ffn_norm.weight"),
];

/// HF name -> GGUF name for the tensors outside the layers.
pub const GGUF_GLOBAL_NAMES: &[(&str, &str)] = &[
    ("model.embed_tokens.weight", "token_embd.weight"),
    ("model.norm.weight", "output_norm.weight"),
    ("lm_head.weight", "output.weight"),
];

/// The GGUF name of an HF Phi-3 tensor name, if it is one.
pub fn gguf_name(hf: &str) -> Option<String> {
    if let Some((_, g)) = GGUF_GLOBAL_NAMES.iter().find(|(h, _)| *h == hf) {
        return Some((*g).to_string());
    }
    let rest = hf.strip_prefix("model.layers.")?;
    let (idx, name) = rest.split_once('.')?;
    let idx: usize = idx.parse().ok()?;
    GGUF_NAMES
        .iter()
        .find(|(h, _)| *h == name)
        .map(|(_, g)| format!("blk.{idx}.{g}"))
}

/// How to load a GGUF model.
#[derive(Debug, Clone, Copy, Default)]
pub struct QuantizedOptions {
    /// Dequantize every weight to f32 at load (exact reference arithmetic, more memory).
    pub dequantize: bool,
    /// Keep the KV cache as halves when the file's weights are quantised
    /// ([`super::layers::Block::with_half_cache`]).
    pub half_cache: bool,
}

/// Phi-3 from GGUF.
#[derive(Debug, Clone)]
pub struct QuantizedPhi3 {
    stack: Phi3Stack<QLinear>,
}

/// Reads a required metadata value, naming the key when it is missing or mistyped.
pub(crate) fn md<'a>(
    ct: &'a gguf_file::Content,
    path: &Path,
    key: &str,
) -> Result<&'a gguf_file::Value> {
    ct.metadata
        .get(key)
        .ok_or_else(|| LlmError::bad(path, key, "missing metadata key"))
}

pub(crate) fn md_usize(ct: &gguf_file::Content, path: &Path, key: &str) -> Result<usize> {
    let v = md(ct, path, key)?;
    let n = v
        .to_u32()
        .map(u64::from)
        .or_else(|_| v.to_u64())
        .map_err(|e| LlmError::bad(path, key, e.to_string()))?;
    usize::try_from(n).map_err(|_| LlmError::bad(path, key, "value out of range"))
}

pub(crate) fn md_f64(ct: &gguf_file::Content, path: &Path, key: &str) -> Result<f64> {
    let v = md(ct, path, key)?;
    v.to_f32()
        .map(f64::from)
        .or_else(|_| v.to_f64())
        .map_err(|e| LlmError::bad(path, key, e.to_string()))
}

/// Opens and parses a GGUF header, with a clear error for non-GGUF or truncated files.
pub fn read_gguf(path: &Path) -> Result<(gguf_file::Content, std::fs::File)> {
    let mut f = std::fs::File::open(path).map_err(|e| LlmError::io(path, e))?;
    let ct = gguf_file::Content::read(&mut f).map_err(|e| {
        LlmError::bad(
            path,
            "gguf header",
            format!("not a readable GGUF file: {e}"),
        )
    })?;
    let len = f.metadata().map_err(|e| LlmError::io(path, e))?.len();
    for (name, info) in &ct.tensor_infos {
        let bytes =
            info.shape.elem_count() / info.ggml_dtype.block_size() * info.ggml_dtype.type_size();
        let end = (ct.tensor_data_offset)
            .checked_add(info.offset)
            .and_then(|o| o.checked_add(bytes as u64));
        if end.is_none_or(|e| e > len) {
            return Err(LlmError::bad(
                path,
                name,
                format!(
                    "tensor data runs past the end of the file ({len} bytes): truncated download?"
                ),
            ));
        }
    }
    Ok((ct, f))
}

impl QuantizedPhi3 {
    /// Loads a `phi3` GGUF file.
    pub fn open(path: &Path, opts: QuantizedOptions, dev: &Device) -> Result<Self> {
        let (ct, mut f) = read_gguf(path)?;
        Self::from_gguf(&ct, &mut f, path, opts, dev)
    }

    /// Loads from an already parsed GGUF header.
    pub fn from_gguf<R: Read + Seek>(
        ct: &gguf_file::Content,
        r: &mut R,
        path: &Path,
        opts: QuantizedOptions,
        dev: &Device,
    ) -> Result<Self> {
        let arch = md(ct, path, "general.architecture")?
            .to_string()
            .map_err(|e| LlmError::bad(path, "general.architecture", e.to_string()))?;
        if arch != "phi3" {
            return Err(LlmError::bad(
                path,
                "general.architecture",
                format!("{arch}, expected phi3"),
            ));
        }
        let embed_q = tensor(ct, r, path, "token_embd.weight", dev)?;
        let (vocab, hidden) = embed_q.shape().dims2()?;
        let d = Phi3Dims {
            vocab,
            hidden,
            n_head: md_usize(ct, path, "phi3.attention.head_count")?,
            n_kv_head: md_usize(ct, path, "phi3.attention.head_count_kv")?,
            intermediate: md_usize(ct, path, "phi3.feed_forward_length")?,
            n_layer: md_usize(ct, path, "phi3.block_count")?,
            rms_eps: md_f64(ct, path, "phi3.attention.layer_norm_rms_epsilon")?,
            rope_theta: md_f64(ct, path, "phi3.rope.freq_base").unwrap_or(10_000.0),
            context: md_usize(ct, path, "phi3.context_length")?,
            key_length: None,
        };
        if md_usize(ct, path, "phi3.embedding_length")? != hidden {
            return Err(LlmError::bad(
                path,
                "phi3.embedding_length",
                "does not match token_embd",
            ));
        }
        d.validate().map_err(|m| LlmError::bad(path, "phi3.*", m))?;
        if md_usize(ct, path, "phi3.rope.dimension_count").is_ok_and(|r| r != d.head_dim()) {
            return Err(LlmError::bad(
                path,
                "phi3.rope.dimension_count",
                "partial rotary is not supported",
            ));
        }
        let embed = embed_q.dequantize(dev)?;
        let hd = d.head_dim();
        let lin = |r: &mut R, name: &str, shape: (usize, usize)| -> Result<QLinear> {
            let t = tensor(ct, r, path, name, dev)?;
            check_shape(path, name, &t, &[shape.0, shape.1])?;
            QLinear::new(t, opts.dequantize).map_err(|e| LlmError::bad(path, name, e.to_string()))
        };
        let norm = |r: &mut R, name: &str| -> Result<RmsNorm> {
            let t = tensor(ct, r, path, name, dev)?;
            check_shape(path, name, &t, &[d.hidden])?;
            Ok(RmsNorm::new(t.dequantize(dev)?, d.rms_eps))
        };
        let half_cache = opts.half_cache && super::layers::half_cache_for(ct);
        let mut blocks = Vec::with_capacity(d.n_layer);
        for i in 0..d.n_layer {
            let p = format!("blk.{i}");
            blocks.push(
                Block::new(
                    lin(
                        r,
                        &format!("{p}.attn_qkv.weight"),
                        ((d.n_head + 2 * d.n_kv_head) * hd, d.hidden),
                    )?,
                    lin(
                        r,
                        &format!("{p}.attn_output.weight"),
                        (d.hidden, d.n_head * hd),
                    )?,
                    lin(
                        r,
                        &format!("{p}.ffn_up.weight"),
                        (2 * d.intermediate, d.hidden),
                    )?,
                    lin(
                        r,
                        &format!("{p}.ffn_down.weight"),
                        (d.hidden, d.intermediate),
                    )?,
                    norm(r, &format!("{p}.attn_norm.weight"))?,
                    norm(r, &format!("{p}.ffn_norm.weight"))?,
                )
                .with_half_cache(half_cache),
            );
        }
        let out_norm = norm(r, "output_norm.weight")?;
        let head = if ct.tensor_infos.contains_key("output.weight") {
            lin(r, "output.weight", (d.vocab, d.hidden))?
        } else {
            QLinear::from_dense(embed.clone())
        };
        let stack = Phi3Stack::new(d, embed, blocks, out_norm, head)?;
        Ok(Self { stack })
    }

    /// The decoder sizes.
    pub fn dims(&self) -> &Phi3Dims {
        &self.stack.dims
    }

    /// Embedding rows of `ids`, `[t, hidden]` (dequantized).
    pub fn embed(&self, ids: &[u32]) -> Result<Tensor> {
        Ok(self.stack.embed_ids(ids)?)
    }

    /// Logits of the last position, `[vocab]`, for `embeds` at positions `offset..`.
    pub fn forward_embeds(&mut self, embeds: &Tensor, offset: usize) -> Result<Tensor> {
        Ok(self.stack.forward_embeds(embeds, offset)?)
    }

    /// Per-layer outputs of a whole prompt (parity checks).
    pub fn trace(&mut self, embeds: &Tensor) -> Result<Trace> {
        Ok(self.stack.trace(embeds)?)
    }

    /// Logits `[t, vocab]` of final-norm hidden states.
    pub fn logits(&self, final_norm: &Tensor) -> Result<Tensor> {
        Ok(self.stack.logits(final_norm)?)
    }

    /// Forgets the KV cache.
    pub fn clear_cache(&mut self) {
        self.stack.clear_cache()
    }

    /// Keeps the first `len` cached positions (a shared prompt prefix).
    pub fn truncate_cache(&mut self, len: usize) -> Result<()> {
        Ok(self.stack.truncate_cache(len)?)
    }
}

fn tensor<R: Read + Seek>(
    ct: &gguf_file::Content,
    r: &mut R,
    path: &Path,
    name: &str,
    dev: &Device,
) -> Result<QTensor> {
    if !ct.tensor_infos.contains_key(name) {
        return Err(LlmError::bad(path, name, "missing tensor"));
    }
    ct.tensor(r, name, dev)
        .map_err(|e| LlmError::bad(path, name, e.to_string()))
}

fn check_shape(path: &Path, name: &str, t: &QTensor, expected: &[usize]) -> Result<()> {
    if t.shape().dims() != expected {
        return Err(LlmError::Shape {
            path: path.to_path_buf(),
            name: name.to_string(),
            expected: expected.to_vec(),
            found: t.shape().dims().to_vec(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hf_phi3_name_maps_to_a_gguf_name() {
        assert_eq!(
            gguf_name("model.layers.3.mlp.gate_up_proj.weight").as_deref(),
            Some("blk.3.ffn_up.weight")
        );
        assert_eq!(
            gguf_name("lm_head.weight").as_deref(),
            Some("output.weight")
        );
        assert_eq!(gguf_name("model.layers.x.mlp.down_proj.weight"), None);
        assert_eq!(gguf_name("vision.weight"), None);
    }
}
