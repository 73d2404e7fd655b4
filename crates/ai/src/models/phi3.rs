//! Phi-3 (Abdin et al. 2024, "Phi-3 Technical Report") from a Hugging Face safetensors
//! checkpoint, in f32, accepting input embeddings.
//!
//! Follows transformers `models/phi3/modeling_phi3.py` (eager attention) and candle-transformers
//! `models/phi3.rs` @ 0.11.1. candle's model only takes token ids; HeartcareGPT needs to feed
//! `signal_proj` soft tokens, so the arithmetic lives in [`super::layers`] and this file only maps
//! the HF tensor names (`model.layers.N.self_attn.qkv_proj.weight`, ...) through a `VarBuilder`.
//! BF16/F16 checkpoints are widened to f32 exactly. An optional PEFT LoRA is merged at load time.

use std::collections::HashMap;
use std::path::Path;

use candle::{Device, Tensor};
use candle_nn::{Linear, RmsNorm, VarBuilder};

use super::layers::{Block, Phi3Dims, Phi3Stack, Trace};
use super::lora::{LoraAdapter, checkpoint_files, load_safetensors_f32};
use crate::error::{LlmError, Result};

/// `config.json` of a Phi-3 checkpoint (upstream names).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Config {
    /// `vocab_size` (32064 for Phi-3-mini, 32016 for HeartcareGPT).
    pub vocab_size: usize,
    /// `hidden_size`.
    pub hidden_size: usize,
    /// `intermediate_size`.
    pub intermediate_size: usize,
    /// `num_hidden_layers`.
    pub num_hidden_layers: usize,
    /// `num_attention_heads`.
    pub num_attention_heads: usize,
    /// `num_key_value_heads` (defaults to `num_attention_heads`).
    pub num_key_value_heads: Option<usize>,
    /// `rms_norm_eps`.
    pub rms_norm_eps: f64,
    /// `rope_theta`.
    #[serde(default = "default_theta")]
    pub rope_theta: f64,
    /// `rope_scaling`: must be null (LongRoPE, used by the 128k variants, is not supported).
    pub rope_scaling: Option<serde_json::Value>,
    /// `max_position_embeddings`.
    pub max_position_embeddings: usize,
    /// `hidden_act` (only `silu` exists in Phi-3).
    #[serde(default = "default_act")]
    pub hidden_act: String,
    /// `tie_word_embeddings`.
    #[serde(default)]
    pub tie_word_embeddings: bool,
    /// `bos_token_id`.
    pub bos_token_id: Option<u32>,
    /// `eos_token_id`.
    pub eos_token_id: Option<u32>,
}

fn default_theta() -> f64 {
    10_000.0
}

fn default_act() -> String {
    "silu".into()
}

impl Config {
    /// Reads and checks `config.json`.
    pub fn open(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| LlmError::io(path, e))?;
        let cfg: Config = serde_json::from_str(&text)
            .map_err(|e| LlmError::bad(path, "config.json", e.to_string()))?;
        if cfg.rope_scaling.as_ref().is_some_and(|v| !v.is_null()) {
            return Err(LlmError::bad(
                path,
                "rope_scaling",
                "LongRoPE (128k Phi-3) is not supported",
            ));
        }
        if cfg.hidden_act != "silu" {
            return Err(LlmError::bad(
                path,
                "hidden_act",
                format!("{} is not silu", cfg.hidden_act),
            ));
        }
        cfg.dims()
            .validate()
            .map_err(|m| LlmError::bad(path, "config.json", m))?;
        Ok(cfg)
    }

    /// The decoder sizes.
    pub fn dims(&self) -> Phi3Dims {
        Phi3Dims {
            vocab: self.vocab_size,
            hidden: self.hidden_size,
            n_head: self.num_attention_heads,
            n_kv_head: self.num_key_value_heads.unwrap_or(self.num_attention_heads),
            intermediate: self.intermediate_size,
            n_layer: self.num_hidden_layers,
            rms_eps: self.rms_norm_eps,
            rope_theta: self.rope_theta,
            context: self.max_position_embeddings,
            key_length: None,
        }
    }
}

/// Phi-3 in f32 from safetensors.
#[derive(Debug, Clone)]
pub struct Phi3 {
    stack: Phi3Stack<Linear>,
}

impl Phi3 {
    /// Loads `config.json` and `model.safetensors` (or shards) from `dir`, merging the PEFT
    /// adapter in `lora_dir` when given.
    pub fn load(dir: &Path, lora_dir: Option<&Path>, dev: &Device) -> Result<Self> {
        let cfg = Config::open(&dir.join("config.json"))?;
        let mut weights = load_checkpoint(dir, dev)?;
        if let Some(lora) = lora_dir {
            LoraAdapter::load(lora, dev)?
                .merge_into(&mut weights, &lora.join("adapter_model.safetensors"))?;
        }
        Self::from_tensors(&cfg, weights, dev, dir)
    }

    /// Builds the model from named f32 tensors (HF names).
    pub fn from_tensors(
        cfg: &Config,
        weights: HashMap<String, Tensor>,
        dev: &Device,
        path: &Path,
    ) -> Result<Self> {
        let d = cfg.dims();
        let vb = VarBuilder::from_tensors(weights, candle::DType::F32, dev);
        let bad = |e: candle::Error| LlmError::bad(path, "tensor", e.to_string());
        let m = vb.pp("model");
        let embed = m
            .get((d.vocab, d.hidden), "embed_tokens.weight")
            .map_err(bad)?;
        let hd = d.head_dim();
        let qkv_rows = (d.n_head + 2 * d.n_kv_head) * hd;
        let mut blocks = Vec::with_capacity(d.n_layer);
        for i in 0..d.n_layer {
            let l = m.pp("layers").pp(i);
            let lin = |name: &str, out: usize, inp: usize| -> Result<Linear> {
                Ok(Linear::new(l.get((out, inp), name).map_err(bad)?, None))
            };
            let norm = |name: &str| -> Result<RmsNorm> {
                Ok(RmsNorm::new(l.get(d.hidden, name).map_err(bad)?, d.rms_eps))
            };
            blocks.push(Block::new(
                lin("self_attn.qkv_proj.weight", qkv_rows, d.hidden)?,
                lin("self_attn.o_proj.weight", d.hidden, d.n_head * hd)?,
                lin("mlp.gate_up_proj.weight", 2 * d.intermediate, d.hidden)?,
                lin("mlp.down_proj.weight", d.hidden, d.intermediate)?,
                norm("input_layernorm.weight")?,
                norm("post_attention_layernorm.weight")?,
            ));
        }
        let norm = RmsNorm::new(m.get(d.hidden, "norm.weight").map_err(bad)?, d.rms_eps);
        let head = if cfg.tie_word_embeddings {
            embed.clone()
        } else {
            vb.get((d.vocab, d.hidden), "lm_head.weight").map_err(bad)?
        };
        let stack = Phi3Stack::new(d, embed, blocks, norm, Linear::new(head, None))?;
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

/// All tensors of a safetensors checkpoint folder, in f32.
pub fn load_checkpoint(dir: &Path, dev: &Device) -> Result<HashMap<String, Tensor>> {
    let mut weights = HashMap::new();
    for f in checkpoint_files(dir)? {
        weights.extend(load_safetensors_f32(&f, dev)?);
    }
    Ok(weights)
}
