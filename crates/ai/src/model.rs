//! Opening a chat model from a path: [`ChatModel`] = weights ([`Backend`]) + text tokenizer +
//! prompt format + the mode it runs in ([`Mode`]).
//!
//! - A folder with `manifest.json` (written by [`crate::import`]): HeartcareGPT GGUF plus the
//!   `signal_proj` projector, hashes checked first.
//! - A folder with `config.json` + safetensors: Phi-3 in f32 (HeartcareGPT when the vocabulary has
//!   `<signal_start>`), optional `lora/` adapter merged.
//! - A `.gguf` file: `phi3`, `llama`, `qwen2` and `qwen3` (ours, on our quantised kernels,
//!   accept embeddings, keep a prefix of the KV cache), and mixture-of-experts llama/qwen
//!   (`*.expert_count` > 0: candle-transformers' quantized models, ids only, because our decoder
//!   stack has no expert routing): grounded mode, unless it is a HeartcareGPT GGUF with
//!   `projectors.safetensors` beside it. [`OpenOptions::reference_kernels`] opens `llama`,
//!   `qwen2` and `qwen3` with candle-transformers instead (the path before issue 17, kept as the
//!   reference our back end is tested against).
//!
//! The tokenizer comes from a `tokenizer.json` beside the weights when there is one, else from
//! the GGUF vocabulary.

use std::path::{Path, PathBuf};

use candle::{Device, Module, Tensor};
use candle_transformers::models::{quantized_llama, quantized_qwen2, quantized_qwen3};

use crate::error::{LlmError, Result};
use crate::models::phi3::Phi3;
use crate::models::quantized_llama::QuantizedLlama;
use crate::models::quantized_phi3::{QuantizedOptions, QuantizedPhi3, read_gguf};
use crate::models::signal_proj::SignalProj;
use crate::prompt::{ChatTemplate, PHI3_END, PHI3_EOS, SIGNAL_START};
use crate::tokenizer::TextTokenizer;

/// Which prompt recipe a model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// HeartcareGPT: ECG soft tokens + `<|user|> q <|assistant|>`.
    HeartcareGpt,
    /// Any chat model: the tracing as text, with the model's chat template.
    Grounded,
}

impl Mode {
    /// `heartcaregpt` or `grounded`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::HeartcareGpt => "heartcaregpt",
            Mode::Grounded => "grounded",
        }
    }
}

/// The network weights.
#[allow(clippy::large_enum_variant)]
pub enum Backend {
    /// Phi-3 in f32 from safetensors.
    Phi3(Phi3),
    /// Phi-3 from GGUF.
    QuantizedPhi3(QuantizedPhi3),
    /// Llama (1/2/3, Mistral, SmolLM), Qwen2/2.5 and dense Qwen3 from GGUF, on our kernels.
    QuantizedLlama(QuantizedLlama),
    /// Llama from GGUF on candle-transformers (mixture of experts, or the reference kernels).
    Llama(quantized_llama::ModelWeights),
    /// Qwen2/2.5 from GGUF on candle-transformers (mixture of experts, or the reference kernels).
    Qwen2(quantized_qwen2::ModelWeights),
    /// Qwen3 from GGUF on candle-transformers (mixture of experts, or the reference kernels).
    Qwen3(quantized_qwen3::ModelWeights),
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Backend::Phi3(_) => "Phi3",
            Backend::QuantizedPhi3(_) => "QuantizedPhi3",
            Backend::QuantizedLlama(_) => "QuantizedLlama",
            Backend::Llama(_) => "Llama",
            Backend::Qwen2(_) => "Qwen2",
            Backend::Qwen3(_) => "Qwen3",
        };
        f.write_str(name)
    }
}

impl Backend {
    /// Whether the model accepts input embeddings (needed for ECG soft tokens).
    pub fn accepts_embeddings(&self) -> bool {
        matches!(
            self,
            Backend::Phi3(_) | Backend::QuantizedPhi3(_) | Backend::QuantizedLlama(_)
        )
    }

    /// Embedding rows of `ids` (only for models that accept embeddings).
    pub fn embed(&self, ids: &[u32]) -> Result<Tensor> {
        match self {
            Backend::Phi3(m) => m.embed(ids),
            Backend::QuantizedPhi3(m) => m.embed(ids),
            Backend::QuantizedLlama(m) => m.embed(ids),
            _ => Err(LlmError::Invalid(
                "this model does not accept input embeddings".into(),
            )),
        }
    }

    /// Logits `[vocab]` of the last position after feeding `ids` at `offset..`.
    pub fn forward_ids(&mut self, ids: &[u32], offset: usize) -> Result<Tensor> {
        match self {
            Backend::Phi3(_) | Backend::QuantizedPhi3(_) | Backend::QuantizedLlama(_) => {
                let e = self.embed(ids)?;
                self.forward_embeds(&e, offset)
            }
            Backend::Llama(m) => {
                let x = Tensor::new(ids, &Device::Cpu)?.unsqueeze(0)?;
                Ok(m.forward(&x, offset)?.flatten_all()?)
            }
            Backend::Qwen2(m) => {
                let x = Tensor::new(ids, &Device::Cpu)?.unsqueeze(0)?;
                Ok(m.forward(&x, offset)?.flatten_all()?)
            }
            Backend::Qwen3(m) => {
                let x = Tensor::new(ids, &Device::Cpu)?.unsqueeze(0)?;
                Ok(m.forward(&x, offset)?.flatten_all()?)
            }
        }
    }

    /// Logits `[vocab]` of the last position after feeding embeddings `[t, hidden]` at `offset..`.
    pub fn forward_embeds(&mut self, embeds: &Tensor, offset: usize) -> Result<Tensor> {
        match self {
            Backend::Phi3(m) => m.forward_embeds(embeds, offset),
            Backend::QuantizedPhi3(m) => m.forward_embeds(embeds, offset),
            Backend::QuantizedLlama(m) => m.forward_embeds(embeds, offset),
            _ => Err(LlmError::Invalid(
                "this model does not accept input embeddings".into(),
            )),
        }
    }

    /// Keeps the first `len` positions of the KV cache; `false` when this back end cannot
    /// (candle-transformers' models), and the caller must start again from an empty cache.
    pub fn truncate_cache(&mut self, len: usize) -> Result<bool> {
        match self {
            Backend::Phi3(m) => m.truncate_cache(len).map(|_| true),
            Backend::QuantizedPhi3(m) => m.truncate_cache(len).map(|_| true),
            Backend::QuantizedLlama(m) => m.truncate_cache(len).map(|_| true),
            Backend::Llama(_) | Backend::Qwen2(_) | Backend::Qwen3(_) => Ok(false),
        }
    }

    /// Whether a prompt may be fed in several calls at increasing offsets (our decoder stack
    /// masks any offset; candle-transformers' models only handle one multi-token call from 0).
    pub fn chunked_prefill(&self) -> bool {
        matches!(
            self,
            Backend::Phi3(_) | Backend::QuantizedPhi3(_) | Backend::QuantizedLlama(_)
        )
    }

    /// Forgets the KV cache.
    pub fn clear_cache(&mut self) {
        match self {
            Backend::Phi3(m) => m.clear_cache(),
            Backend::QuantizedPhi3(m) => m.clear_cache(),
            Backend::QuantizedLlama(m) => m.clear_cache(),
            Backend::Llama(m) => m.clear_kv_cache(),
            Backend::Qwen2(m) => m.clear_kv_cache(),
            Backend::Qwen3(m) => m.clear_kv_cache(),
        }
    }
}

/// A loaded chat model.
#[derive(Debug)]
pub struct ChatModel {
    /// Weights.
    pub backend: Backend,
    /// Text tokenizer.
    pub tokenizer: TextTokenizer,
    /// Prompt recipe.
    pub mode: Mode,
    /// Chat template family (grounded mode): stop tokens, and the fallback rendering.
    pub template: ChatTemplate,
    /// The model's own Jinja chat template, when its files carry one (rendered first).
    pub jinja: Option<crate::jinja::JinjaTemplate>,
    /// Ids that end the answer.
    pub stop_ids: Vec<u32>,
    /// Context length in tokens.
    pub context_tokens: usize,
    /// `signal_proj` for HeartcareGPT.
    pub signal_proj: Option<SignalProj>,
    /// Where it was loaded from.
    pub path: PathBuf,
    /// The ids whose keys and values are in the back end's cache, in order: the engine keeps
    /// their prefix for the next prompt. Start empty; [`ChatModel::forget_cache`] clears both.
    pub cached_ids: Vec<u32>,
}

/// How to open a model.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// Dequantize GGUF weights to f32 at load (exact arithmetic, more memory, slower).
    pub dequantize: bool,
    /// Open `llama`, `qwen2` and `qwen3` GGUF files with candle-transformers and candle's
    /// kernels, the path before our quantised kernels (reference runs and comparisons).
    pub reference_kernels: bool,
    /// Keep the KV cache in f32 on quantised `llama`/`qwen` files too (by default it is kept as
    /// halves there, as llama.cpp does: `layers::Block::with_half_cache`). The parity tests
    /// against candle-transformers, whose cache is f32, compare our kernels with it.
    pub f32_cache: bool,
}

impl ChatModel {
    /// Opens whatever `path` is (see the module doc).
    pub fn open(path: &Path, opts: OpenOptions) -> Result<Self> {
        let dev = Device::Cpu;
        if path.is_dir() {
            let manifest = path.join(crate::import::MANIFEST_FILE);
            if manifest.is_file() {
                let m = crate::import::Manifest::open(&manifest)?;
                m.verify(path)?;
                return Self::open_gguf(&path.join(&m.gguf.file), opts, &dev);
            }
            return Self::open_safetensors(path, &dev);
        }
        Self::open_gguf(path, opts, &dev)
    }

    fn open_safetensors(dir: &Path, dev: &Device) -> Result<Self> {
        let lora = dir.join("lora");
        let lora = lora.join("adapter_config.json").is_file().then_some(lora);
        let model = Phi3::load(dir, lora.as_deref(), dev)?;
        let context_tokens = model.dims().context;
        let tok_path = dir.join("tokenizer.json");
        let tokenizer = TextTokenizer::from_file(&tok_path)?;
        let cfg = crate::models::phi3::Config::open(&dir.join("config.json"))?;
        let tokenizer = tokenizer.with_special_ids(
            cfg.bos_token_id.or(Some(1)),
            cfg.eos_token_id.into_iter().collect(),
        );
        let signal_proj = load_projector(
            &dir.join(crate::import::PROJECTORS_FILE),
            model.dims().hidden,
            dev,
        )?;
        let mode = if signal_proj.is_some()
            && tokenizer.token_id("<signal_start>") == Some(SIGNAL_START)
        {
            Mode::HeartcareGpt
        } else {
            Mode::Grounded
        };
        let template = ChatTemplate::Phi3;
        let stop_ids = stop_ids(&tokenizer, template, mode);
        Ok(Self {
            backend: Backend::Phi3(model),
            tokenizer,
            mode,
            template,
            jinja: None,
            stop_ids,
            context_tokens,
            signal_proj,
            path: dir.to_path_buf(),
            cached_ids: Vec::new(),
        })
    }

    fn open_gguf(path: &Path, opts: OpenOptions, dev: &Device) -> Result<Self> {
        let (ct, mut f) = read_gguf(path)?;
        let arch = ct
            .metadata
            .get("general.architecture")
            .and_then(|v| v.to_string().ok())
            .cloned()
            .ok_or_else(|| LlmError::bad(path, "general.architecture", "missing"))?;
        let ctx_key = format!("{arch}.context_length");
        let context_tokens = crate::models::quantized_phi3::md_usize(&ct, path, &ctx_key)?;
        let template_text = ct
            .metadata
            .get("tokenizer.chat_template")
            .and_then(|v| v.to_string().ok())
            .cloned()
            .or_else(|| {
                // A Hugging Face tokenizer_config.json beside the GGUF may carry it instead.
                let cfg = std::fs::read(path.with_file_name("tokenizer_config.json")).ok()?;
                let v: serde_json::Value = serde_json::from_slice(&cfg).ok()?;
                v.get("chat_template")?.as_str().map(str::to_string)
            });
        let tok_json = path.with_file_name("tokenizer.json");
        let gguf_tok = TextTokenizer::from_gguf(&ct, path);
        let tokenizer = if tok_json.is_file() {
            let t = TextTokenizer::from_file(&tok_json)?;
            match &gguf_tok {
                Ok(g) => t.with_special_ids(g.bos(), g.eos().to_vec()),
                Err(_) => t,
            }
        } else {
            gguf_tok?
        };
        let backend = match arch.as_str() {
            "phi3" => Backend::QuantizedPhi3(QuantizedPhi3::from_gguf(
                &ct,
                &mut f,
                path,
                QuantizedOptions {
                    dequantize: opts.dequantize,
                    // HeartcareGPT's greedy ids match its reference with an f32 cache
                    // (tests/import.rs: top-1 gaps down to 0.024 on the tiny model).
                    half_cache: false,
                },
                dev,
            )?),
            "llama" | "qwen2" | "qwen3" if !opts.reference_kernels => {
                match crate::models::quantized_llama::family(&ct) {
                    Some(family) => Backend::QuantizedLlama(QuantizedLlama::from_gguf_family(
                        &ct,
                        &mut f,
                        path,
                        family,
                        QuantizedOptions {
                            dequantize: opts.dequantize,
                            half_cache: !opts.dequantize && !opts.f32_cache,
                        },
                        dev,
                    )?),
                    None => Self::candle_backend(&arch, ct, &mut f, path, dev)?,
                }
            }
            "llama" | "qwen2" | "qwen3" => Self::candle_backend(&arch, ct, &mut f, path, dev)?,
            other => {
                return Err(LlmError::bad(
                    path,
                    "general.architecture",
                    format!("{other} is not supported (phi3, llama, qwen2, qwen3)"),
                ));
            }
        };
        let signal_proj = match &backend {
            Backend::QuantizedPhi3(m) => load_projector(
                &path.with_file_name(crate::import::PROJECTORS_FILE),
                m.dims().hidden,
                dev,
            )?,
            _ => None,
        };
        let mode = if signal_proj.is_some()
            && tokenizer.token_id("<signal_start>") == Some(SIGNAL_START)
        {
            Mode::HeartcareGpt
        } else {
            Mode::Grounded
        };
        let template = ChatTemplate::detect(template_text.as_deref(), &arch);
        let stop_ids = stop_ids(&tokenizer, template, mode);
        let jinja = template_text.map(crate::jinja::JinjaTemplate::new);
        Ok(Self {
            backend,
            tokenizer,
            mode,
            template,
            jinja,
            stop_ids,
            context_tokens,
            signal_proj,
            path: path.to_path_buf(),
            cached_ids: Vec::new(),
        })
    }

    /// candle-transformers' model for a `llama`, `qwen2` or `qwen3` file: mixture-of-experts
    /// llama (our stack has no expert routing) or [`OpenOptions::reference_kernels`].
    fn candle_backend(
        arch: &str,
        ct: candle::quantized::gguf_file::Content,
        f: &mut std::fs::File,
        path: &Path,
        dev: &Device,
    ) -> Result<Backend> {
        let lmap = |e: candle::Error| LlmError::bad(path, arch, e.to_string());
        Ok(match arch {
            "qwen2" => {
                Backend::Qwen2(quantized_qwen2::ModelWeights::from_gguf(ct, f, dev).map_err(lmap)?)
            }
            "qwen3" => {
                Backend::Qwen3(quantized_qwen3::ModelWeights::from_gguf(ct, f, dev).map_err(lmap)?)
            }
            _ => {
                Backend::Llama(quantized_llama::ModelWeights::from_gguf(ct, f, dev).map_err(lmap)?)
            }
        })
    }

    /// Forgets the KV cache and the ids it held: the next request computes its whole prompt.
    pub fn forget_cache(&mut self) {
        self.backend.clear_cache();
        self.cached_ids.clear();
    }

    /// Maps Beat's quantized vectors `[m, 128]` of one window to soft tokens `[m, hidden]`.
    pub fn project_signal(&self, quantized: &Tensor) -> Result<Tensor> {
        let p = self
            .signal_proj
            .as_ref()
            .ok_or_else(|| LlmError::Invalid("this model has no signal projector".into()))?;
        Ok(p.forward(quantized)?)
    }

    /// Loads Beat v3 weights (HeartcareGPT's ECG tokenizer) on the CPU.
    pub fn load_beat(path: &Path) -> Result<crate::models::beat::Beat> {
        crate::models::beat::Beat::load(&crate::models::beat::Config::v3(), &[path], &Device::Cpu)
            .map_err(|e| LlmError::bad(path, "Beat weights", e.to_string()))
    }

    /// HeartcareGPT soft tokens of a tokenized recording: per window, the codes' codebook sums
    /// (Beat's quantized vectors `[m, 128]`) through `signal_proj` -> `[m, hidden]`.
    pub fn soft_tokens(
        &self,
        beat: &crate::models::beat::Beat,
        tokenized: &crate::tokenize::Tokenized,
    ) -> Result<Vec<Tensor>> {
        let mut out = Vec::with_capacity(tokenized.windows.len());
        for w in &tokenized.windows {
            let m = w.codes.len();
            let levels = w.codes.first().map_or(0, Vec::len);
            if m == 0 || levels == 0 || w.codes.iter().any(|c| c.len() != levels) {
                return Err(LlmError::Invalid(
                    "Beat window without a rectangular code grid".into(),
                ));
            }
            let flat: Vec<u32> = w.codes.iter().flatten().copied().collect();
            let codes = Tensor::from_vec(flat, (1, m, levels), beat.device())?;
            let q = beat.codes_to_quantized(&codes)?.squeeze(0)?;
            out.push(self.project_signal(&q)?);
        }
        Ok(out)
    }
}

fn stop_ids(tok: &TextTokenizer, template: ChatTemplate, mode: Mode) -> Vec<u32> {
    let mut ids: Vec<u32> = tok.eos().to_vec();
    if mode == Mode::HeartcareGpt {
        ids.extend([PHI3_EOS, PHI3_END]);
    } else {
        ids.extend(template.stop_texts().iter().filter_map(|t| tok.token_id(t)));
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Loads `signal_proj.*` from a projectors safetensors file, if it exists.
fn load_projector(path: &Path, hidden: usize, dev: &Device) -> Result<Option<SignalProj>> {
    if !path.is_file() {
        return Ok(None);
    }
    let tensors = crate::models::lora::load_safetensors_f32(path, dev)?;
    let vb = candle_nn::VarBuilder::from_tensors(tensors, candle::DType::F32, dev);
    let proj = SignalProj::load(crate::models::beat::DIM, vb.pp("signal_proj"))
        .map_err(|e| LlmError::bad(path, "signal_proj", e.to_string()))?;
    if proj.hidden() != hidden {
        return Err(LlmError::bad(
            path,
            "signal_proj",
            format!(
                "projects to {} but the language model is {hidden} wide",
                proj.hidden()
            ),
        ));
    }
    Ok(Some(proj))
}
