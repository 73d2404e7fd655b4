//! Model import: turns checkpoints into one installed model folder with a [`Manifest`].
//!
//! HeartcareGPT ([`import_heartcaregpt`]):
//! 1. read the base Phi-3 folder (`config.json`, safetensors, BF16 → f32);
//! 2. merge the PEFT LoRA (`W + alpha/r · B@A`) and take the adapter's resized `embed_tokens` /
//!    `lm_head`;
//! 3. quantize every 2-D weight ([`Quantization`]; norms stay f32) and write `model.gguf` with
//!    llama.cpp's `phi3` names and metadata, plus the tokenizer (a `tokenizer.json` is copied; or the
//!    `tokenizer.ggml.*` keys of another GGUF are carried over);
//! 4. write `projectors.safetensors` (`signal_proj.*`, `visual_proj.*`) and copy the Beat
//!    checkpoint to `beat.safetensors`;
//! 5. write `manifest.json`: every file's sha256 and size, every tensor's shape and type.
//!
//! A stock chat GGUF ([`import_gguf`]) is checked (header, tensor extents) and copied with a
//! manifest of kind `grounded`. Work happens in a `.partial` folder renamed at the end, so a failed
//! import leaves nothing half-installed.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use candle::quantized::{GgmlDType, QTensor, gguf_file};
use candle::{Device, Tensor};
use sha2::{Digest, Sha256};

use crate::error::{LlmError, Result};
use crate::models::lora::{LoraAdapter, load_safetensors_f32};
use crate::models::phi3::{Config, load_checkpoint};
use crate::models::quantized_phi3::{gguf_name, read_gguf};

/// The manifest's file name inside a model folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Projector weights inside a model folder.
pub const PROJECTORS_FILE: &str = "projectors.safetensors";
/// Beat weights inside a model folder.
pub const BEAT_FILE: &str = "beat.safetensors";
/// The language model inside a model folder.
pub const GGUF_FILE: &str = "model.gguf";
/// Manifest format version.
pub const MANIFEST_VERSION: u32 = 1;

/// Weight type of the written GGUF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantization {
    /// 32-bit float.
    F32,
    /// 16-bit float.
    F16,
    /// 8-bit blocks of 32 (llama.cpp Q8_0).
    Q8_0,
    /// llama.cpp's Q4_K_M recipe: Q6_K for `output` and `ffn_down`, Q4_K elsewhere.
    Q4KM,
}

impl Quantization {
    /// Parses `f32`, `f16`, `q8_0`, `q4_k_m`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "f32" => Some(Self::F32),
            "f16" => Some(Self::F16),
            "q8_0" | "q8" => Some(Self::Q8_0),
            "q4_k_m" | "q4km" => Some(Self::Q4KM),
            _ => None,
        }
    }

    /// The name as llama.cpp spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "F32",
            Self::F16 => "F16",
            Self::Q8_0 => "Q8_0",
            Self::Q4KM => "Q4_K_M",
        }
    }

    /// llama.cpp `general.file_type`.
    fn file_type(self) -> u32 {
        match self {
            Self::F32 => 0,
            Self::F16 => 1,
            Self::Q8_0 => 7,
            Self::Q4KM => 15,
        }
    }

    /// Type for one tensor; rows that do not fit the block size fall back to Q8_0, then F16.
    fn dtype_for(self, gguf: &str, row: usize) -> GgmlDType {
        let want = match self {
            Self::F32 => GgmlDType::F32,
            Self::F16 => GgmlDType::F16,
            Self::Q8_0 => GgmlDType::Q8_0,
            Self::Q4KM if gguf == "output.weight" || gguf.ends_with("ffn_down.weight") => {
                GgmlDType::Q6K
            }
            Self::Q4KM => GgmlDType::Q4K,
        };
        if row.is_multiple_of(want.block_size()) {
            want
        } else if row.is_multiple_of(GgmlDType::Q8_0.block_size()) && want != GgmlDType::F16 {
            GgmlDType::Q8_0
        } else {
            GgmlDType::F16
        }
    }
}

/// What kind of model a folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// HeartcareGPT (Phi-3 + projectors + Beat).
    HeartcareGpt,
    /// A stock chat model used in grounded mode.
    Grounded,
}

/// One file of an installed model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileEntry {
    /// Name inside the model folder.
    pub file: String,
    /// `language_model`, `projectors`, `beat`, `tokenizer`.
    pub role: String,
    /// Lower-case hex sha256.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// One tensor of an installed model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TensorEntry {
    /// Shape.
    pub shape: Vec<usize>,
    /// Stored type (`Q8_0`, `F32`...).
    pub dtype: String,
}

/// `manifest.json` of an installed model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Format version ([`MANIFEST_VERSION`]).
    pub version: u32,
    /// Folder name.
    pub name: String,
    /// Kind.
    pub kind: ModelKind,
    /// GGUF architecture (`phi3`, `llama`...).
    pub architecture: String,
    /// Weight type (`Q8_0`, `Q4_K_M`, or what a copied GGUF says).
    pub quantization: String,
    /// The language-model file.
    pub gguf: FileEntry,
    /// Other files.
    pub files: Vec<FileEntry>,
    /// Tensors per file: file -> name -> shape/type.
    pub tensors: BTreeMap<String, BTreeMap<String, TensorEntry>>,
    /// Where it came from (paths as given, LoRA scale...).
    pub source: BTreeMap<String, String>,
}

impl Manifest {
    /// Reads a manifest.
    pub fn open(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| LlmError::io(path, e))?;
        let m: Manifest = serde_json::from_str(&text)
            .map_err(|e| LlmError::bad(path, "manifest", e.to_string()))?;
        if m.version != MANIFEST_VERSION {
            return Err(LlmError::bad(
                path,
                "version",
                format!(
                    "{} is not {MANIFEST_VERSION}; re-import the model",
                    m.version
                ),
            ));
        }
        Ok(m)
    }

    /// Every file of the model.
    pub fn all_files(&self) -> impl Iterator<Item = &FileEntry> {
        std::iter::once(&self.gguf).chain(&self.files)
    }

    /// Checks every file's size and sha256 against the manifest.
    pub fn verify(&self, dir: &Path) -> Result<()> {
        for f in self.all_files() {
            let p = dir.join(&f.file);
            let len = std::fs::metadata(&p)
                .map_err(|e| LlmError::io(&p, e))?
                .len();
            if len != f.bytes {
                return Err(LlmError::bad(
                    &p,
                    "size",
                    format!(
                        "{len} bytes, manifest says {}; re-import the model",
                        f.bytes
                    ),
                ));
            }
            let h = sha256_file(&p)?;
            if h != f.sha256 {
                return Err(LlmError::Hash {
                    path: p,
                    expected: f.sha256.clone(),
                    found: h,
                });
            }
        }
        Ok(())
    }

    /// Total size in bytes.
    pub fn total_bytes(&self) -> u64 {
        self.all_files().map(|f| f.bytes).sum()
    }
}

/// Import progress: `stage` and `done` of `total` steps in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// What is happening.
    pub stage: String,
    /// Steps done.
    pub done: usize,
    /// Steps in this stage.
    pub total: usize,
}

/// Inputs of a HeartcareGPT import.
#[derive(Debug, Clone, Default)]
pub struct HeartcareSources {
    /// Base Phi-3 folder (`config.json` + safetensors).
    pub base: PathBuf,
    /// PEFT adapter folder.
    pub adapter: Option<PathBuf>,
    /// `signal_proj` safetensors (`0.weight`... at the root or under `signal_proj.`).
    pub signal_proj: Option<PathBuf>,
    /// `visual_proj` safetensors.
    pub visual_proj: Option<PathBuf>,
    /// Beat checkpoint (safetensors).
    pub beat: Option<PathBuf>,
    /// `tokenizer.json` or a GGUF whose `tokenizer.ggml.*` to reuse; default
    /// `base/tokenizer.json`.
    pub tokenizer: Option<PathBuf>,
}

/// Lower-case hex sha256 of a file.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| LlmError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| LlmError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(LlmError::Invalid(format!(
            "model name {name:?}: use letters, digits, '-', '_', '.' (not first)"
        )))
    }
}

fn entry(dir: &Path, file: &str, role: &str) -> Result<FileEntry> {
    let p = dir.join(file);
    Ok(FileEntry {
        file: file.to_string(),
        role: role.to_string(),
        sha256: sha256_file(&p)?,
        bytes: std::fs::metadata(&p)
            .map_err(|e| LlmError::io(&p, e))?
            .len(),
    })
}

struct Staging {
    partial: PathBuf,
    dest: PathBuf,
}

impl Staging {
    fn new(models_dir: &Path, name: &str) -> Result<Self> {
        check_name(name)?;
        let dest = models_dir.join(name);
        if dest.exists() {
            return Err(LlmError::Invalid(format!(
                "a model named {name} is already installed; remove it first"
            )));
        }
        let partial = models_dir.join(format!(".{name}.partial"));
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(|e| LlmError::io(&partial, e))?;
        }
        std::fs::create_dir_all(&partial).map_err(|e| LlmError::io(&partial, e))?;
        Ok(Self { partial, dest })
    }

    fn finish(self, manifest: &Manifest) -> Result<PathBuf> {
        let p = self.partial.join(MANIFEST_FILE);
        let json =
            serde_json::to_string_pretty(manifest).map_err(|e| LlmError::Invalid(e.to_string()))?;
        std::fs::write(&p, json).map_err(|e| LlmError::io(&p, e))?;
        std::fs::rename(&self.partial, &self.dest).map_err(|e| LlmError::io(&self.dest, e))?;
        Ok(self.dest.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.partial.exists() {
            let _ = std::fs::remove_dir_all(&self.partial);
        }
    }
}

/// Imports HeartcareGPT into `models_dir/name` (see the module doc).
pub fn import_heartcaregpt(
    src: &HeartcareSources,
    quant: Quantization,
    models_dir: &Path,
    name: &str,
    mut progress: impl FnMut(Progress),
) -> Result<Manifest> {
    let dev = Device::Cpu;
    std::fs::create_dir_all(models_dir).map_err(|e| LlmError::io(models_dir, e))?;
    let staging = Staging::new(models_dir, name)?;
    let mut step = |stage: &str, done: usize, total: usize| {
        progress(Progress {
            stage: stage.to_string(),
            done,
            total,
        })
    };
    // (1)
    step("reading base model", 0, 1);
    let cfg_path = src.base.join("config.json");
    let cfg = Config::open(&cfg_path)?;
    let d = cfg.dims();
    let mut weights = load_checkpoint(&src.base, &dev)?;
    let mut source = BTreeMap::new();
    source.insert("base".to_string(), src.base.display().to_string());
    // (2)
    if let Some(adapter) = &src.adapter {
        step("merging LoRA", 0, 1);
        let lora = LoraAdapter::load(adapter, &dev)?;
        lora.merge_into(&mut weights, &adapter.join("adapter_model.safetensors"))?;
        source.insert("adapter".into(), adapter.display().to_string());
        source.insert("lora_scale".into(), lora.scale.to_string());
    }
    // the adapter may have resized the vocabulary (HeartcareGPT: 32016)
    let vocab = weights
        .get("model.embed_tokens.weight")
        .map(|t| t.dim(0))
        .transpose()?
        .ok_or_else(|| LlmError::bad(&src.base, "model.embed_tokens.weight", "missing tensor"))?;
    // (3)
    let mut names: Vec<(&String, String)> = Vec::new();
    for k in weights.keys() {
        match gguf_name(k) {
            Some(g) => names.push((k, g)),
            None => {
                return Err(LlmError::bad(
                    &src.base,
                    k,
                    "not a Phi-3 tensor (unexpected in the checkpoint)",
                ));
            }
        }
    }
    names.sort_by(|a, b| a.1.cmp(&b.1));
    let mut qtensors: Vec<(String, QTensor)> = Vec::new();
    let mut gguf_tensors = BTreeMap::new();
    let total = names.len();
    for (i, (hf, g)) in names.iter().enumerate() {
        step("quantizing", i, total);
        let t = &weights[*hf];
        let q = if t.rank() == 1 {
            QTensor::quantize(t, GgmlDType::F32)?
        } else {
            let row = t.dims().last().copied().unwrap_or(0);
            QTensor::quantize(t, quant.dtype_for(g, row))?
        };
        gguf_tensors.insert(
            g.clone(),
            TensorEntry {
                shape: t.dims().to_vec(),
                dtype: format!("{:?}", q.dtype()),
            },
        );
        qtensors.push((g.clone(), q));
    }
    step("quantizing", total, total);
    let mut md: Vec<(String, gguf_file::Value)> = vec![
        (
            "general.architecture".into(),
            gguf_file::Value::String("phi3".into()),
        ),
        (
            "general.name".into(),
            gguf_file::Value::String(name.to_string()),
        ),
        (
            "general.file_type".into(),
            gguf_file::Value::U32(quant.file_type()),
        ),
        (
            "phi3.context_length".into(),
            gguf_file::Value::U32(d.context as u32),
        ),
        (
            "phi3.embedding_length".into(),
            gguf_file::Value::U32(d.hidden as u32),
        ),
        (
            "phi3.feed_forward_length".into(),
            gguf_file::Value::U32(d.intermediate as u32),
        ),
        (
            "phi3.block_count".into(),
            gguf_file::Value::U32(d.n_layer as u32),
        ),
        (
            "phi3.attention.head_count".into(),
            gguf_file::Value::U32(d.n_head as u32),
        ),
        (
            "phi3.attention.head_count_kv".into(),
            gguf_file::Value::U32(d.n_kv_head as u32),
        ),
        (
            "phi3.attention.layer_norm_rms_epsilon".into(),
            gguf_file::Value::F32(d.rms_eps as f32),
        ),
        (
            "phi3.rope.dimension_count".into(),
            gguf_file::Value::U32(d.head_dim() as u32),
        ),
        (
            "phi3.rope.freq_base".into(),
            gguf_file::Value::F32(d.rope_theta as f32),
        ),
    ];
    // tokenizer
    let tok_src = src
        .tokenizer
        .clone()
        .unwrap_or_else(|| src.base.join("tokenizer.json"));
    let mut files = Vec::new();
    let is_gguf = tok_src
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gguf"));
    if is_gguf {
        let (ct, _) = read_gguf(&tok_src)?;
        let mut keys: Vec<&String> = ct
            .metadata
            .keys()
            .filter(|k| k.starts_with("tokenizer."))
            .collect();
        keys.sort();
        if keys.is_empty() {
            return Err(LlmError::bad(
                &tok_src,
                "tokenizer.ggml.model",
                "this GGUF has no tokenizer",
            ));
        }
        for k in keys {
            md.push((k.clone(), ct.metadata[k].clone()));
        }
    } else {
        let dst = staging.partial.join("tokenizer.json");
        std::fs::copy(&tok_src, &dst).map_err(|e| LlmError::io(&tok_src, e))?;
        crate::tokenizer::TextTokenizer::from_file(&dst)?;
    }
    step("writing GGUF", 0, 1);
    let gguf_path = staging.partial.join(GGUF_FILE);
    {
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(&gguf_path).map_err(|e| LlmError::io(&gguf_path, e))?,
        );
        let md_refs: Vec<(&str, &gguf_file::Value)> =
            md.iter().map(|(k, v)| (k.as_str(), v)).collect();
        let t_refs: Vec<(&str, &QTensor)> = qtensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
        gguf_file::write(&mut f, &md_refs, &t_refs)?;
        f.flush().map_err(|e| LlmError::io(&gguf_path, e))?;
    }
    drop(qtensors);
    drop(weights);
    let mut tensors = BTreeMap::new();
    tensors.insert(GGUF_FILE.to_string(), gguf_tensors);
    if !is_gguf {
        files.push(entry(&staging.partial, "tokenizer.json", "tokenizer")?);
    }
    // (4)
    let mut proj: HashMap<String, Tensor> = HashMap::new();
    for (prefix, p) in [
        ("signal_proj", &src.signal_proj),
        ("visual_proj", &src.visual_proj),
    ] {
        let Some(p) = p else { continue };
        step("projectors", 0, 1);
        for (k, t) in load_safetensors_f32(p, &dev)? {
            let k = k
                .strip_prefix(&format!("{prefix}."))
                .unwrap_or(&k)
                .to_string();
            proj.insert(format!("{prefix}.{k}"), t);
        }
        source.insert(prefix.to_string(), p.display().to_string());
    }
    if let Some(w) = proj.get("signal_proj.0.weight") {
        let (h, _) = w.dims2()?;
        if h != d.hidden {
            return Err(LlmError::bad(
                src.signal_proj.as_deref().unwrap_or(Path::new("")),
                "0.weight",
                format!(
                    "signal_proj projects to {h}, the language model is {} wide",
                    d.hidden
                ),
            ));
        }
    }
    if !proj.is_empty() {
        let p = staging.partial.join(PROJECTORS_FILE);
        let mut shapes = BTreeMap::new();
        for (k, t) in &proj {
            shapes.insert(
                k.clone(),
                TensorEntry {
                    shape: t.dims().to_vec(),
                    dtype: "F32".into(),
                },
            );
        }
        candle::safetensors::save(&proj, &p)?;
        tensors.insert(PROJECTORS_FILE.to_string(), shapes);
        files.push(entry(&staging.partial, PROJECTORS_FILE, "projectors")?);
    }
    if let Some(b) = &src.beat {
        step("Beat", 0, 1);
        let beat = load_safetensors_f32(b, &dev)?;
        let shapes = beat
            .iter()
            .map(|(k, t)| {
                (
                    k.clone(),
                    TensorEntry {
                        shape: t.dims().to_vec(),
                        dtype: format!("{:?}", t.dtype()),
                    },
                )
            })
            .collect();
        let dst = staging.partial.join(BEAT_FILE);
        std::fs::copy(b, &dst).map_err(|e| LlmError::io(b, e))?;
        tensors.insert(BEAT_FILE.to_string(), shapes);
        files.push(entry(&staging.partial, BEAT_FILE, "beat")?);
        source.insert("beat".into(), b.display().to_string());
    }
    // (5)
    step("hashing", 0, 1);
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        name: name.to_string(),
        kind: if proj.contains_key("signal_proj.0.weight")
            && vocab == crate::prompt::HEARTCAREGPT_VOCAB
        {
            ModelKind::HeartcareGpt
        } else {
            ModelKind::Grounded
        },
        architecture: "phi3".into(),
        quantization: quant.name().to_string(),
        gguf: entry(&staging.partial, GGUF_FILE, "language_model")?,
        files,
        tensors,
        source,
    };
    staging.finish(&manifest)?;
    step("done", 1, 1);
    Ok(manifest)
}

/// Installs a stock chat GGUF (grounded mode) into `models_dir/name`, with its
/// `tokenizer.json` when given.
pub fn import_gguf(
    gguf: &Path,
    tokenizer: Option<&Path>,
    models_dir: &Path,
    name: &str,
    mut progress: impl FnMut(Progress),
) -> Result<Manifest> {
    std::fs::create_dir_all(models_dir).map_err(|e| LlmError::io(models_dir, e))?;
    progress(Progress {
        stage: "checking".into(),
        done: 0,
        total: 1,
    });
    let (ct, _) = read_gguf(gguf)?;
    let arch = ct
        .metadata
        .get("general.architecture")
        .and_then(|v| v.to_string().ok())
        .cloned()
        .ok_or_else(|| LlmError::bad(gguf, "general.architecture", "missing"))?;
    if !["phi3", "llama", "qwen2", "qwen3"].contains(&arch.as_str()) {
        return Err(LlmError::bad(
            gguf,
            "general.architecture",
            format!("{arch} is not supported (phi3, llama, qwen2, qwen3)"),
        ));
    }
    if tokenizer.is_none() && !ct.metadata.contains_key("tokenizer.ggml.tokens") {
        return Err(LlmError::bad(
            gguf,
            "tokenizer.ggml.tokens",
            "no tokenizer in the GGUF; pass a tokenizer.json",
        ));
    }
    let staging = Staging::new(models_dir, name)?;
    progress(Progress {
        stage: "copying".into(),
        done: 0,
        total: 1,
    });
    std::fs::copy(gguf, staging.partial.join(GGUF_FILE)).map_err(|e| LlmError::io(gguf, e))?;
    let mut files = Vec::new();
    if let Some(t) = tokenizer {
        let dst = staging.partial.join("tokenizer.json");
        std::fs::copy(t, &dst).map_err(|e| LlmError::io(t, e))?;
        crate::tokenizer::TextTokenizer::from_file(&dst)?;
        files.push(entry(&staging.partial, "tokenizer.json", "tokenizer")?);
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut shapes = BTreeMap::new();
    for (k, info) in &ct.tensor_infos {
        let dt = format!("{:?}", info.ggml_dtype);
        if info.shape.rank() == 2 {
            *counts.entry(dt.clone()).or_default() += 1;
        }
        shapes.insert(
            k.clone(),
            TensorEntry {
                shape: info.shape.dims().to_vec(),
                dtype: dt,
            },
        );
    }
    let quantization = counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(t, _)| t)
        .unwrap_or_else(|| "unknown".into());
    let mut tensors = BTreeMap::new();
    tensors.insert(GGUF_FILE.to_string(), shapes);
    let mut source = BTreeMap::new();
    source.insert("gguf".into(), gguf.display().to_string());
    progress(Progress {
        stage: "hashing".into(),
        done: 0,
        total: 1,
    });
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        name: name.to_string(),
        kind: ModelKind::Grounded,
        architecture: arch,
        quantization,
        gguf: entry(&staging.partial, GGUF_FILE, "language_model")?,
        files,
        tensors,
        source,
    };
    staging.finish(&manifest)?;
    progress(Progress {
        stage: "done".into(),
        done: 1,
        total: 1,
    });
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantization_falls_back_when_rows_do_not_fit_blocks() {
        assert_eq!(
            Quantization::Q4KM.dtype_for("blk.0.attn_qkv.weight", 3072),
            GgmlDType::Q4K
        );
        assert_eq!(
            Quantization::Q4KM.dtype_for("output.weight", 3072),
            GgmlDType::Q6K
        );
        assert_eq!(
            Quantization::Q4KM.dtype_for("blk.0.attn_qkv.weight", 32),
            GgmlDType::Q8_0
        );
        assert_eq!(Quantization::Q8_0.dtype_for("x", 48), GgmlDType::F16);
        assert_eq!(Quantization::parse("Q4_K_M"), Some(Quantization::Q4KM));
    }

    #[test]
    fn model_names_cannot_escape_the_models_folder() {
        assert!(check_name("../x").is_err());
        assert!(check_name(".hidden").is_err());
        assert!(check_name("heartcaregpt-v3.q8_0").is_ok());
    }
}
