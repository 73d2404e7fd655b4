//! PEFT LoRA adapters (`adapter_config.json` + `adapter_model.safetensors`) merged into base
//! weights: `W' = W + (lora_alpha / r) · B @ A`, computed in f32 (PEFT `LoraLayer.get_delta_weight`,
//! peft 0.21).
//!
//! A HeartcareGPT adapter also carries the resized `embed_tokens` and `lm_head` (PEFT saves
//! resized embeddings in full); those replace the base tensors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle::{DType, Device, Tensor};

use crate::error::{LlmError, Result};

/// The `adapter_config.json` fields the merge needs.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct LoraConfig {
    /// `r`: rank.
    pub r: usize,
    /// `lora_alpha`.
    pub lora_alpha: f64,
    /// `target_modules`, e.g. `["qkv_proj", "o_proj"]`.
    #[serde(default)]
    pub target_modules: Vec<String>,
    /// `use_rslora` (scale alpha/sqrt(r) instead of alpha/r).
    #[serde(default)]
    pub use_rslora: bool,
    /// `use_dora` (not supported: DoRA needs the magnitude vector).
    #[serde(default)]
    pub use_dora: bool,
}

/// A loaded adapter, keyed by the base model's tensor names.
#[derive(Debug)]
pub struct LoraAdapter {
    /// Scale applied to `B @ A`.
    pub scale: f64,
    /// base tensor name -> (A `[r, in]`, B `[out, r]`).
    pub pairs: HashMap<String, (Tensor, Tensor)>,
    /// base tensor name -> full replacement (resized `embed_tokens`, `lm_head`).
    pub replacements: HashMap<String, Tensor>,
}

const PEFT_PREFIX: &str = "base_model.model.";

impl LoraAdapter {
    /// Loads `adapter_config.json` and `adapter_model.safetensors` from `dir`.
    pub fn load(dir: &Path, dev: &Device) -> Result<Self> {
        let cfg_path = dir.join("adapter_config.json");
        let text = std::fs::read_to_string(&cfg_path).map_err(|e| LlmError::io(&cfg_path, e))?;
        let cfg: LoraConfig = serde_json::from_str(&text)
            .map_err(|e| LlmError::bad(&cfg_path, "adapter_config", e.to_string()))?;
        if cfg.use_dora {
            return Err(LlmError::bad(
                &cfg_path,
                "use_dora",
                "DoRA adapters are not supported",
            ));
        }
        if cfg.r == 0 {
            return Err(LlmError::bad(&cfg_path, "r", "rank 0"));
        }
        let scale = if cfg.use_rslora {
            cfg.lora_alpha / (cfg.r as f64).sqrt()
        } else {
            cfg.lora_alpha / cfg.r as f64
        };
        let st = dir.join("adapter_model.safetensors");
        let tensors = load_safetensors_f32(&st, dev)?;
        Self::from_tensors(&st, tensors, cfg.r, scale)
    }

    fn from_tensors(
        path: &Path,
        tensors: HashMap<String, Tensor>,
        r: usize,
        scale: f64,
    ) -> Result<Self> {
        let mut a = HashMap::new();
        let mut b = HashMap::new();
        let mut replacements = HashMap::new();
        for (k, t) in tensors {
            let base = k
                .strip_prefix(PEFT_PREFIX)
                .unwrap_or(&k)
                .replace(".modules_to_save", "");
            if let Some(stem) = base.strip_suffix(".lora_A.weight") {
                a.insert(format!("{stem}.weight"), t);
            } else if let Some(stem) = base.strip_suffix(".lora_B.weight") {
                b.insert(format!("{stem}.weight"), t);
            } else if base.contains("lora_") {
                return Err(LlmError::bad(
                    path,
                    k,
                    "unsupported LoRA tensor (embedding LoRA?)",
                ));
            } else {
                replacements.insert(base.replace(".base_layer", ""), t);
            }
        }
        let mut pairs = HashMap::new();
        for (name, ta) in a {
            let Some(tb) = b.remove(&name) else {
                return Err(LlmError::bad(path, &name, "lora_A without lora_B"));
            };
            let (ra, _) = ta.dims2()?;
            let (_, rb) = tb.dims2()?;
            if ra != r || rb != r {
                return Err(LlmError::bad(
                    path,
                    &name,
                    format!("rank {ra}/{rb} does not match r = {r} in adapter_config.json"),
                ));
            }
            pairs.insert(name, (ta, tb));
        }
        if let Some(name) = b.keys().next() {
            return Err(LlmError::bad(path, name, "lora_B without lora_A"));
        }
        Ok(Self {
            scale,
            pairs,
            replacements,
        })
    }

    /// Merges into `weights` (base names, f32). Every adapter tensor must find its base tensor.
    pub fn merge_into(&self, weights: &mut HashMap<String, Tensor>, path: &Path) -> Result<()> {
        for (name, (a, b)) in &self.pairs {
            let Some(w) = weights.get(name) else {
                return Err(LlmError::bad(
                    path,
                    name,
                    "LoRA target not in the base model",
                ));
            };
            let delta = (b.matmul(a)? * self.scale)?;
            if delta.dims() != w.dims() {
                return Err(LlmError::Shape {
                    path: path.to_path_buf(),
                    name: name.clone(),
                    expected: w.dims().to_vec(),
                    found: delta.dims().to_vec(),
                });
            }
            let merged = (w + delta)?;
            weights.insert(name.clone(), merged);
        }
        for (name, t) in &self.replacements {
            weights.insert(name.clone(), t.clone());
        }
        Ok(())
    }
}

/// Reads every tensor of a safetensors file as f32 (BF16/F16 are widened exactly).
pub fn load_safetensors_f32(path: &Path, dev: &Device) -> Result<HashMap<String, Tensor>> {
    let bytes = std::fs::read(path).map_err(|e| LlmError::io(path, e))?;
    let map = candle::safetensors::load_buffer(&bytes, dev).map_err(|e| {
        LlmError::bad(
            path,
            "safetensors header",
            format!("not a readable safetensors file (truncated?): {e}"),
        )
    })?;
    map.into_iter()
        .map(|(k, t)| Ok((k, t.to_dtype(DType::F32)?)))
        .collect()
}

/// The files of a safetensors checkpoint folder: `model.safetensors` or the shards listed in
/// `model.safetensors.index.json`.
pub fn checkpoint_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let single = dir.join("model.safetensors");
    if single.is_file() {
        return Ok(vec![single]);
    }
    let index = dir.join("model.safetensors.index.json");
    let text = std::fs::read_to_string(&index).map_err(|e| LlmError::io(&index, e))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| LlmError::bad(&index, "json", e.to_string()))?;
    let Some(map) = v.get("weight_map").and_then(|m| m.as_object()) else {
        return Err(LlmError::bad(&index, "weight_map", "missing"));
    };
    let mut files: Vec<PathBuf> = map
        .values()
        .filter_map(|f| f.as_str())
        .map(|f| dir.join(f))
        .collect();
    files.sort();
    files.dedup();
    Ok(files)
}
