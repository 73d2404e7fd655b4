//! Llama-layout decoders from GGUF on our quantised kernels ([`super::quant`]): arch `llama`
//! (Llama 1/2/3, Mistral, SmolLM), `qwen2` (Qwen2, Qwen2.5) and `qwen3` (dense Qwen3).
//!
//! A small vendored back end (issue 17): candle-transformers' `quantized_llama.rs`,
//! `quantized_qwen2.rs` and `quantized_qwen3.rs` @ 0.11.1 keep their weights in private
//! `QMatMul` fields, so they cannot take other kernels. The arithmetic is [`super::layers`]'
//! decoder (the one Phi-3 uses) with the tensors fused at load: q/k/v rows into one `qkv` layer
//! and gate/up into one `gate_up` layer (Phi-3's layout). What the families add ([`Family`]):
//! - `llama`: the rotary embedding on interleaved pairs (llama.cpp's converter permutes the q/k
//!   rows so that ggml's `rope_norm` applies; candle-transformers uses `rope_i` for the same
//!   reason).
//! - `qwen2`: biases on q, k and v (`blk.N.attn_{q,k,v}.bias`, added after the fused matmul),
//!   rotate-half ("neox") rope, output often tied to `token_embd`.
//! - `qwen3`: no bias, an RMSNorm over each head of q and k before the rope
//!   (`blk.N.attn_{q,k}_norm.weight`), head width from `qwen3.attention.key_length`, neox rope.
//!
//! Mixture-of-experts files (`*.expert_count` > 0, and arch `qwen2moe`/`qwen3moe`) are not
//! taken; they go to candle-transformers or are refused (see [`crate::model`]). Tests compare the
//! greedy ids and logits with candle-transformers' models on the same files (`tests/smollm2.rs`,
//! `tests/grounded.rs`, `tests/qwen.rs`).
//!
//! Tensor names (llama.cpp `convert_hf_to_gguf.py`): `token_embd`, `output_norm`, `output`
//! (absent when tied to `token_embd`), and per layer `blk.N.{attn_norm, attn_q, attn_k,
//! attn_v, attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down}.weight`, plus the family's extras
//! above.

use std::io::{Read, Seek};
use std::path::Path;

use candle::quantized::{QTensor, gguf_file};
use candle::{Device, Tensor};
use candle_nn::RmsNorm;

use super::layers::{Block, Phi3Dims, Phi3Stack};
use super::quant::QLinear;
use super::quantized_phi3::{QuantizedOptions, md_f64, md_usize};
use crate::error::{LlmError, Result};

/// The llama-layout architectures this back end loads (GGUF `general.architecture`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `llama`: interleaved rope, no bias.
    Llama,
    /// `qwen2`: q/k/v biases, neox rope.
    Qwen2,
    /// `qwen3`: per-head q/k RMSNorm, `key_length` head width, neox rope.
    Qwen3,
}

impl Family {
    /// The family of an architecture name, if it is one of ours.
    pub fn from_arch(arch: &str) -> Option<Self> {
        match arch {
            "llama" => Some(Self::Llama),
            "qwen2" => Some(Self::Qwen2),
            "qwen3" => Some(Self::Qwen3),
            _ => None,
        }
    }

    /// The GGUF metadata prefix (`llama.block_count`, ...).
    pub fn arch(self) -> &'static str {
        match self {
            Self::Llama => "llama",
            Self::Qwen2 => "qwen2",
            Self::Qwen3 => "qwen3",
        }
    }
}

/// The family of this file when our back end takes it: a dense (no experts) `llama`, `qwen2`
/// or `qwen3` GGUF.
pub fn family(ct: &gguf_file::Content) -> Option<Family> {
    let arch = ct
        .metadata
        .get("general.architecture")
        .and_then(|v| v.to_string().ok())?;
    let fam = Family::from_arch(arch)?;
    let experts = ct
        .metadata
        .get(&format!("{arch}.expert_count"))
        .and_then(|v| v.to_u32().ok())
        .unwrap_or(0);
    (experts == 0).then_some(fam)
}

/// Whether our back end takes this file (see [`family`]).
pub fn supports(ct: &gguf_file::Content) -> bool {
    family(ct).is_some()
}

/// A llama-layout model (llama, qwen2, qwen3) from GGUF.
#[derive(Debug, Clone)]
pub struct QuantizedLlama {
    stack: Phi3Stack<QLinear>,
    family: Family,
}

impl QuantizedLlama {
    /// Loads a `llama` file from an already parsed GGUF header.
    pub fn from_gguf<R: Read + Seek>(
        ct: &gguf_file::Content,
        r: &mut R,
        path: &Path,
        opts: QuantizedOptions,
        dev: &Device,
    ) -> Result<Self> {
        Self::from_gguf_family(ct, r, path, Family::Llama, opts, dev)
    }

    /// Loads a file of the given family from an already parsed GGUF header.
    pub fn from_gguf_family<R: Read + Seek>(
        ct: &gguf_file::Content,
        r: &mut R,
        path: &Path,
        family: Family,
        opts: QuantizedOptions,
        dev: &Device,
    ) -> Result<Self> {
        let arch = family.arch();
        let key = |k: &str| format!("{arch}.{k}");
        let embed_q = tensor(ct, r, path, "token_embd.weight", dev)?;
        let (vocab, hidden) = embed_q.shape().dims2()?;
        let n_head = md_usize(ct, path, &key("attention.head_count"))?;
        // Only a width other than hidden / heads is kept, so llama files load as before.
        let key_length = md_usize(ct, path, &key("attention.key_length"))
            .ok()
            .filter(|&k| n_head == 0 || k != hidden / n_head);
        let d = Phi3Dims {
            vocab,
            hidden,
            n_head,
            n_kv_head: md_usize(ct, path, &key("attention.head_count_kv"))?,
            intermediate: md_usize(ct, path, &key("feed_forward_length"))?,
            n_layer: md_usize(ct, path, &key("block_count"))?,
            rms_eps: md_f64(ct, path, &key("attention.layer_norm_rms_epsilon"))?,
            rope_theta: md_f64(ct, path, &key("rope.freq_base")).unwrap_or(10_000.0),
            context: md_usize(ct, path, &key("context_length"))?,
            key_length,
        };
        if md_usize(ct, path, &key("embedding_length"))? != hidden {
            return Err(LlmError::bad(
                path,
                key("embedding_length"),
                "does not match token_embd",
            ));
        }
        d.validate().map_err(|m| LlmError::bad(path, key("*"), m))?;
        if md_usize(ct, path, &key("rope.dimension_count")).is_ok_and(|r| r != d.head_dim()) {
            return Err(LlmError::bad(
                path,
                key("rope.dimension_count"),
                "partial rotary is not supported",
            ));
        }
        let embed = embed_q.dequantize(dev)?;
        let hd = d.head_dim();
        let lin = |r: &mut R, name: &str, shape: (usize, usize)| -> Result<QLinear> {
            let t = tensor(ct, r, path, name, dev)?;
            if t.shape().dims() != [shape.0, shape.1] {
                return Err(LlmError::Shape {
                    path: path.to_path_buf(),
                    name: name.to_string(),
                    expected: vec![shape.0, shape.1],
                    found: t.shape().dims().to_vec(),
                });
            }
            QLinear::new(t, opts.dequantize).map_err(|e| LlmError::bad(path, name, e.to_string()))
        };
        let vector = |r: &mut R, name: &str, len: usize| -> Result<Tensor> {
            let t = tensor(ct, r, path, name, dev)?;
            if t.shape().dims() != [len] {
                return Err(LlmError::Shape {
                    path: path.to_path_buf(),
                    name: name.to_string(),
                    expected: vec![len],
                    found: t.shape().dims().to_vec(),
                });
            }
            Ok(t.dequantize(dev)?)
        };
        let norm_of = |r: &mut R, name: &str, len: usize| -> Result<RmsNorm> {
            Ok(RmsNorm::new(vector(r, name, len)?, d.rms_eps))
        };
        let norm = |r: &mut R, name: &str| norm_of(r, name, d.hidden);
        let stacked = |parts: Vec<QLinear>, name: &str| {
            QLinear::stack(parts).map_err(|e| LlmError::bad(path, name, e.to_string()))
        };
        let half_cache = opts.half_cache && super::layers::half_cache_for(ct);
        let mut blocks = Vec::with_capacity(d.n_layer);
        for i in 0..d.n_layer {
            let p = format!("blk.{i}");
            let qkv = stacked(
                vec![
                    lin(r, &format!("{p}.attn_q.weight"), (d.n_head * hd, d.hidden))?,
                    lin(
                        r,
                        &format!("{p}.attn_k.weight"),
                        (d.n_kv_head * hd, d.hidden),
                    )?,
                    lin(
                        r,
                        &format!("{p}.attn_v.weight"),
                        (d.n_kv_head * hd, d.hidden),
                    )?,
                ],
                &format!("{p}.attn_qkv"),
            )?;
            let qkv = if family == Family::Qwen2 {
                let b = Tensor::cat(
                    &[
                        vector(r, &format!("{p}.attn_q.bias"), d.n_head * hd)?,
                        vector(r, &format!("{p}.attn_k.bias"), d.n_kv_head * hd)?,
                        vector(r, &format!("{p}.attn_v.bias"), d.n_kv_head * hd)?,
                    ],
                    0,
                )?;
                qkv.with_bias(b)
            } else {
                qkv
            };
            let gate_up = stacked(
                vec![
                    lin(
                        r,
                        &format!("{p}.ffn_gate.weight"),
                        (d.intermediate, d.hidden),
                    )?,
                    lin(r, &format!("{p}.ffn_up.weight"), (d.intermediate, d.hidden))?,
                ],
                &format!("{p}.ffn_gate_up"),
            )?;
            let block = Block::new(
                qkv,
                lin(
                    r,
                    &format!("{p}.attn_output.weight"),
                    (d.hidden, d.n_head * hd),
                )?,
                gate_up,
                lin(
                    r,
                    &format!("{p}.ffn_down.weight"),
                    (d.hidden, d.intermediate),
                )?,
                norm(r, &format!("{p}.attn_norm.weight"))?,
                norm(r, &format!("{p}.ffn_norm.weight"))?,
            )
            .with_half_cache(half_cache);
            blocks.push(if family == Family::Qwen3 {
                block.with_qk_norm(
                    norm_of(r, &format!("{p}.attn_q_norm.weight"), hd)?,
                    norm_of(r, &format!("{p}.attn_k_norm.weight"), hd)?,
                )
            } else {
                block
            });
        }
        let out_norm = norm(r, "output_norm.weight")?;
        let head_name = if ct.tensor_infos.contains_key("output.weight") {
            "output.weight"
        } else {
            "token_embd.weight"
        };
        let head = lin(r, head_name, (d.vocab, d.hidden))?;
        let stack = Phi3Stack::new(d, embed, blocks, out_norm, head)?;
        let stack = match family {
            Family::Llama => stack.with_interleaved_rope(),
            Family::Qwen2 | Family::Qwen3 => stack,
        };
        Ok(Self { stack, family })
    }

    /// Which architecture the file is.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The decoder sizes.
    pub fn dims(&self) -> &Phi3Dims {
        &self.stack.dims
    }

    /// Embedding rows of `ids`, `[t, hidden]`.
    pub fn embed(&self, ids: &[u32]) -> Result<Tensor> {
        Ok(self.stack.embed_ids(ids)?)
    }

    /// Logits of the last position, `[vocab]`, for `embeds` at positions `offset..`.
    pub fn forward_embeds(&mut self, embeds: &Tensor, offset: usize) -> Result<Tensor> {
        Ok(self.stack.forward_embeds(embeds, offset)?)
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
