//! Llama-family decoders from GGUF (arch `llama`: Llama 1/2/3, Mistral, SmolLM), on our
//! quantised kernels ([`super::quant`]).
//!
//! A small vendored back end (issue 17): candle-transformers' `quantized_llama.rs` @ 0.11.1 keeps
//! its weights in private `QMatMul` fields, so it cannot take other kernels. The arithmetic is
//! [`super::layers`]' decoder (the one Phi-3 uses) with llama's tensors fused at load: q/k/v
//! rows into one `qkv` layer and gate/up into one `gate_up` layer (Phi-3's layout), and the
//! rotary embedding on interleaved pairs (llama.cpp's converter permutes the q/k rows so that
//! ggml's `rope_norm` applies; candle-transformers uses `rope_i` for the same reason). No bias,
//! no q/k norm, no mixture of experts (those files go to candle-transformers, see
//! [`crate::model`]). Tests compare its greedy ids with candle-transformers' on the same file
//! (`tests/smollm2.rs`, `tests/grounded.rs`).
//!
//! Tensor names (llama.cpp `convert_hf_to_gguf.py`, `LlamaModel`): `token_embd`, `output_norm`,
//! `output` (absent when tied to `token_embd`), and per layer `blk.N.{attn_norm, attn_q, attn_k,
//! attn_v, attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down}.weight`.

use std::io::{Read, Seek};
use std::path::Path;

use candle::quantized::{QTensor, gguf_file};
use candle::{Device, Tensor};
use candle_nn::RmsNorm;

use super::layers::{Block, Phi3Dims, Phi3Stack};
use super::quant::QLinear;
use super::quantized_phi3::{QuantizedOptions, md_f64, md_usize};
use crate::error::{LlmError, Result};

/// Whether our llama back end takes this file (dense llama without experts).
pub fn supports(ct: &gguf_file::Content) -> bool {
    let experts = ct
        .metadata
        .get("llama.expert_count")
        .and_then(|v| v.to_u32().ok())
        .unwrap_or(0);
    experts == 0
}

/// A llama-family model from GGUF.
#[derive(Debug, Clone)]
pub struct QuantizedLlama {
    stack: Phi3Stack<QLinear>,
}

impl QuantizedLlama {
    /// Loads from an already parsed GGUF header.
    pub fn from_gguf<R: Read + Seek>(
        ct: &gguf_file::Content,
        r: &mut R,
        path: &Path,
        opts: QuantizedOptions,
        dev: &Device,
    ) -> Result<Self> {
        let key = |k: &str| format!("llama.{k}");
        let embed_q = tensor(ct, r, path, "token_embd.weight", dev)?;
        let (vocab, hidden) = embed_q.shape().dims2()?;
        let d = Phi3Dims {
            vocab,
            hidden,
            n_head: md_usize(ct, path, &key("attention.head_count"))?,
            n_kv_head: md_usize(ct, path, &key("attention.head_count_kv"))?,
            intermediate: md_usize(ct, path, &key("feed_forward_length"))?,
            n_layer: md_usize(ct, path, &key("block_count"))?,
            rms_eps: md_f64(ct, path, &key("attention.layer_norm_rms_epsilon"))?,
            rope_theta: md_f64(ct, path, &key("rope.freq_base")).unwrap_or(10_000.0),
            context: md_usize(ct, path, &key("context_length"))?,
        };
        if md_usize(ct, path, &key("embedding_length"))? != hidden {
            return Err(LlmError::bad(
                path,
                "llama.embedding_length",
                "does not match token_embd",
            ));
        }
        d.validate()
            .map_err(|m| LlmError::bad(path, "llama.*", m))?;
        if md_usize(ct, path, &key("rope.dimension_count")).is_ok_and(|r| r != d.head_dim()) {
            return Err(LlmError::bad(
                path,
                "llama.rope.dimension_count",
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
        let norm = |r: &mut R, name: &str| -> Result<RmsNorm> {
            let t = tensor(ct, r, path, name, dev)?;
            if t.shape().dims() != [d.hidden] {
                return Err(LlmError::Shape {
                    path: path.to_path_buf(),
                    name: name.to_string(),
                    expected: vec![d.hidden],
                    found: t.shape().dims().to_vec(),
                });
            }
            Ok(RmsNorm::new(t.dequantize(dev)?, d.rms_eps))
        };
        let stacked = |parts: Vec<QLinear>, name: &str| {
            QLinear::stack(parts).map_err(|e| LlmError::bad(path, name, e.to_string()))
        };
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
            blocks.push(Block::new(
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
            ));
        }
        let out_norm = norm(r, "output_norm.weight")?;
        let head_name = if ct.tensor_infos.contains_key("output.weight") {
            "output.weight"
        } else {
            "token_embd.weight"
        };
        let head = lin(r, head_name, (d.vocab, d.hidden))?;
        let stack = Phi3Stack::new(d, embed, blocks, out_norm, head)?.with_interleaved_rope();
        Ok(Self { stack })
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
