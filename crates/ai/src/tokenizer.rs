//! Text tokenizers for the language models (not the Beat ECG tokenizer, see [`crate::tokenize`]).
//!
//! Two sources:
//! - a `tokenizer.json` (Hugging Face `tokenizers`), e.g. HeartcareGPT's or Qwen's;
//! - the vocabulary inside a GGUF file (`tokenizer.ggml.*`): `llama` (SentencePiece) vocabularies
//!   are tokenized here by the SentencePiece BPE rule (llama.cpp `llm_tokenizer_spm`: merge the
//!   adjacent pair whose merged piece has the highest score, leftmost first; unknown characters fall
//!   back to `<0xXX>` byte pieces); `gpt2` (byte-level BPE) vocabularies are rebuilt as a
//!   `tokenizers` BPE model from `tokenizer.ggml.tokens` and `.merges` (with the GPT-2 split regex;
//!   Llama-3/Qwen split digits slightly differently, which changes ids but not meaning).
//!
//! Control and user-defined tokens written in the text (`<|user|>`, `<|im_start|>`) are matched
//! as single tokens. The SentencePiece dummy-prefix `▁` is added only when the text does not start
//! with a special token, and never after one: this reproduces the HeartcareGPT prompt ids
//! (`<|user|>` 32010 then `▁Based` 16564).

use std::collections::HashMap;
use std::path::Path;

use candle::quantized::gguf_file;

use crate::error::{LlmError, Result};

/// SentencePiece token types as GGUF stores them (`tokenizer.ggml.token_type`).
const TYPE_NORMAL: i32 = 1;
const TYPE_CONTROL: i32 = 3;
const TYPE_USER_DEFINED: i32 = 4;
const TYPE_BYTE: i32 = 6;

/// A text tokenizer.
#[derive(Debug, Clone)]
pub struct TextTokenizer {
    inner: Inner,
    /// Special tokens (text -> id), longest first, matched in prompts.
    specials: Vec<(String, u32)>,
    bos: Option<u32>,
    eos: Vec<u32>,
}

#[derive(Debug, Clone)]
enum Inner {
    Spm(Box<Spm>),
    Hf(Box<tokenizers::Tokenizer>),
}

#[derive(Debug, Clone)]
struct Spm {
    pieces: Vec<String>,
    scores: Vec<f32>,
    types: Vec<i32>,
    index: HashMap<String, u32>,
    byte_ids: [Option<u32>; 256],
    unk: u32,
    add_prefix: bool,
}

impl TextTokenizer {
    /// Builds the tokenizer stored in a GGUF header.
    pub fn from_gguf(ct: &gguf_file::Content, path: &Path) -> Result<Self> {
        let get = |k: &str| ct.metadata.get(k);
        let model = get("tokenizer.ggml.model")
            .and_then(|v| v.to_string().ok())
            .ok_or_else(|| {
                LlmError::bad(
                    path,
                    "tokenizer.ggml.model",
                    "missing: no tokenizer in this GGUF",
                )
            })?
            .clone();
        let tokens: Vec<String> = get("tokenizer.ggml.tokens")
            .and_then(|v| v.to_vec().ok())
            .ok_or_else(|| LlmError::bad(path, "tokenizer.ggml.tokens", "missing"))?
            .iter()
            .map(|v| v.to_string().cloned().unwrap_or_default())
            .collect();
        let n = tokens.len();
        let types: Vec<i32> = match get("tokenizer.ggml.token_type").and_then(|v| v.to_vec().ok()) {
            Some(v) if v.len() == n => v
                .iter()
                .map(|t| t.to_i32().unwrap_or(TYPE_NORMAL))
                .collect(),
            Some(_) => {
                return Err(LlmError::bad(
                    path,
                    "tokenizer.ggml.token_type",
                    "length differs from tokens",
                ));
            }
            None => vec![TYPE_NORMAL; n],
        };
        let id = |k: &str| {
            get(k)
                .and_then(|v| v.to_u32().ok())
                .filter(|&i| (i as usize) < n)
        };
        let bos = id("tokenizer.ggml.bos_token_id");
        let eos: Vec<u32> = id("tokenizer.ggml.eos_token_id").into_iter().collect();
        let specials = specials_from(
            tokens
                .iter()
                .zip(&types)
                .enumerate()
                .filter(|(_, (_, ty))| **ty == TYPE_CONTROL || **ty == TYPE_USER_DEFINED)
                .map(|(i, (t, _))| (t.clone(), i as u32)),
        );
        let inner = match model.as_str() {
            "llama" => {
                let scores: Vec<f32> =
                    match get("tokenizer.ggml.scores").and_then(|v| v.to_vec().ok()) {
                        Some(v) if v.len() == n => {
                            v.iter().map(|s| s.to_f32().unwrap_or(0.0)).collect()
                        }
                        _ => {
                            return Err(LlmError::bad(
                                path,
                                "tokenizer.ggml.scores",
                                "missing or wrong length",
                            ));
                        }
                    };
                let add_prefix = get("tokenizer.ggml.add_space_prefix")
                    .and_then(|v| v.to_bool().ok())
                    .unwrap_or(true);
                let unk = id("tokenizer.ggml.unknown_token_id").unwrap_or(0);
                Inner::Spm(Box::new(Spm::new(tokens, scores, types, unk, add_prefix)))
            }
            "gpt2" => {
                let merges: Vec<(String, String)> = get("tokenizer.ggml.merges")
                    .and_then(|v| v.to_vec().ok())
                    .ok_or_else(|| LlmError::bad(path, "tokenizer.ggml.merges", "missing"))?
                    .iter()
                    .filter_map(|m| {
                        let m = m.to_string().ok()?;
                        let (a, b) = m.split_once(' ')?;
                        Some((a.to_string(), b.to_string()))
                    })
                    .collect();
                Inner::Hf(Box::new(byte_level_bpe(&tokens, merges, &specials, path)?))
            }
            other => {
                return Err(LlmError::bad(
                    path,
                    "tokenizer.ggml.model",
                    format!(
                        "{other} vocabularies are not supported; put a tokenizer.json beside the model"
                    ),
                ));
            }
        };
        Ok(Self {
            inner,
            specials,
            bos,
            eos,
        })
    }

    /// Loads a `tokenizer.json` file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| LlmError::io(path, e))?;
        Self::from_json_bytes(&bytes, path)
    }

    /// Builds from the bytes of a `tokenizer.json` (`path` is only used in errors).
    pub fn from_json_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let tk = tokenizers::Tokenizer::from_bytes(bytes)
            .map_err(|e| LlmError::bad(path, "tokenizer.json", e.to_string()))?;
        let specials = specials_from(
            tk.get_added_tokens_decoder()
                .into_iter()
                .map(|(id, t)| (t.content.clone(), id)),
        );
        Ok(Self {
            inner: Inner::Hf(Box::new(tk)),
            specials,
            bos: None,
            eos: Vec::new(),
        })
    }

    /// Sets the BOS and EOS ids (from `config.json`, `tokenizer_config.json` or GGUF metadata).
    pub fn with_special_ids(mut self, bos: Option<u32>, eos: Vec<u32>) -> Self {
        if bos.is_some() {
            self.bos = bos;
        }
        if !eos.is_empty() {
            self.eos = eos;
        }
        self
    }

    /// The BOS id, if the vocabulary has one.
    pub fn bos(&self) -> Option<u32> {
        self.bos
    }

    /// Ids that end generation.
    pub fn eos(&self) -> &[u32] {
        &self.eos
    }

    /// Vocabulary size.
    pub fn vocab_size(&self) -> usize {
        match &self.inner {
            Inner::Spm(s) => s.pieces.len(),
            Inner::Hf(t) => t.get_vocab_size(true),
        }
    }

    /// The text of a token id (special tokens as written, e.g. `<s>`), if it exists.
    pub fn token_text(&self, id: u32) -> Option<String> {
        if let Some((t, _)) = self.specials.iter().find(|(_, i)| *i == id) {
            return Some(t.clone());
        }
        match &self.inner {
            Inner::Spm(s) => s.pieces.get(id as usize).cloned(),
            Inner::Hf(t) => t.id_to_token(id),
        }
    }

    /// The id of a piece or special token.
    pub fn token_id(&self, piece: &str) -> Option<u32> {
        if let Some((_, id)) = self.specials.iter().find(|(t, _)| t == piece) {
            return Some(*id);
        }
        match &self.inner {
            Inner::Spm(s) => s.index.get(piece).copied(),
            Inner::Hf(t) => t.token_to_id(piece),
        }
    }

    /// Tokenizes `text`; special tokens written in the text become their ids. Adds BOS first when
    /// `add_bos` and the vocabulary has one.
    pub fn encode(&self, text: &str, add_bos: bool) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        if add_bos {
            out.extend(self.bos);
        }
        let mut first = true;
        let mut rest = text;
        while !rest.is_empty() {
            // (1) the earliest special token, longest first at the same position.
            let hit = self
                .specials
                .iter()
                .filter_map(|(t, id)| rest.find(t.as_str()).map(|p| (p, t.len(), *id)))
                .min_by_key(|&(p, len, _)| (p, std::cmp::Reverse(len)));
            let (plain, special) = match hit {
                Some((p, len, id)) => (&rest[..p], Some((len, id, p))),
                None => (rest, None),
            };
            if !plain.is_empty() {
                self.encode_plain(plain, first, &mut out)?;
            }
            first = false;
            match special {
                Some((len, id, p)) => {
                    out.push(id);
                    rest = &rest[p + len..];
                }
                None => break,
            }
        }
        Ok(out)
    }

    fn encode_plain(&self, text: &str, at_start: bool, out: &mut Vec<u32>) -> Result<()> {
        match &self.inner {
            Inner::Spm(s) => {
                s.encode(text, at_start, out);
                Ok(())
            }
            Inner::Hf(t) => {
                let enc = t
                    .encode(text, false)
                    .map_err(|e| LlmError::Tokenizer(e.to_string()))?;
                out.extend_from_slice(enc.get_ids());
                Ok(())
            }
        }
    }

    /// Text of `ids`, skipping special tokens. Incomplete UTF-8 at the end becomes U+FFFD.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        match &self.inner {
            Inner::Spm(s) => Ok(s.decode(ids)),
            Inner::Hf(t) => t
                .decode(ids, true)
                .map_err(|e| LlmError::Tokenizer(e.to_string())),
        }
    }
}

fn specials_from(it: impl Iterator<Item = (String, u32)>) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = it.filter(|(t, _)| !t.is_empty()).collect();
    v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
    v
}

fn byte_level_bpe(
    tokens: &[String],
    merges: Vec<(String, String)>,
    specials: &[(String, u32)],
    path: &Path,
) -> Result<tokenizers::Tokenizer> {
    use tokenizers::models::bpe::BPE;
    use tokenizers::pre_tokenizers::byte_level::ByteLevel;
    let vocab: tokenizers::models::bpe::Vocab = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), i as u32))
        .collect();
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .build()
        .map_err(|e| LlmError::bad(path, "tokenizer.ggml.merges", e.to_string()))?;
    let mut tk = tokenizers::Tokenizer::new(bpe);
    tk.with_pre_tokenizer(Some(ByteLevel::default().add_prefix_space(false)));
    tk.with_decoder(Some(ByteLevel::default()));
    let added: Vec<tokenizers::AddedToken> = specials
        .iter()
        .map(|(t, _)| tokenizers::AddedToken::from(t.clone(), true))
        .collect();
    tk.add_special_tokens(&added);
    Ok(tk)
}

/// A symbol of the SentencePiece merge: a byte range of the normalised text.
#[derive(Debug, Clone, Copy)]
struct Sym {
    start: usize,
    len: usize,
    prev: Option<usize>,
    next: Option<usize>,
}

/// A candidate merge of `left` and its successor (`len` = merged byte length when pushed).
#[derive(Debug, Clone, Copy)]
struct Bigram {
    score: f32,
    left: usize,
    len: usize,
}

impl PartialEq for Bigram {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == std::cmp::Ordering::Equal
    }
}

impl Eq for Bigram {}

impl PartialOrd for Bigram {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Bigram {
    /// Higher score first, then the leftmost.
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.score
            .total_cmp(&o.score)
            .then_with(|| o.left.cmp(&self.left))
    }
}

impl Spm {
    fn new(
        pieces: Vec<String>,
        scores: Vec<f32>,
        types: Vec<i32>,
        unk: u32,
        add_prefix: bool,
    ) -> Self {
        let mut index = HashMap::with_capacity(pieces.len());
        let mut byte_ids = [None; 256];
        for (i, p) in pieces.iter().enumerate() {
            let id = i as u32;
            if types[i] == TYPE_BYTE {
                if let Some(b) = p
                    .strip_prefix("<0x")
                    .and_then(|h| h.strip_suffix('>'))
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    byte_ids[b as usize] = Some(id);
                }
                continue;
            }
            index.entry(p.clone()).or_insert(id);
        }
        Self {
            pieces,
            scores,
            types,
            index,
            byte_ids,
            unk,
            add_prefix,
        }
    }

    fn encode(&self, text: &str, at_start: bool, out: &mut Vec<u32>) {
        let mut norm = String::with_capacity(text.len() + 3);
        if at_start && self.add_prefix {
            norm.push('▁');
        }
        norm.push_str(&text.replace(' ', "▁"));
        // (2) greedy merges by score, leftmost first on ties, with a heap over adjacent pairs and
        // a linked list of symbols (byte ranges of `norm`), as llama.cpp: O(n log n).
        let mut syms: Vec<Sym> = Vec::with_capacity(norm.len());
        for (i, (start, c)) in norm.char_indices().enumerate() {
            syms.push(Sym {
                start,
                len: c.len_utf8(),
                prev: i.checked_sub(1),
                next: Some(i + 1),
            });
        }
        if let Some(last) = syms.last_mut() {
            last.next = None;
        }
        let mut heap = std::collections::BinaryHeap::new();
        let push = |heap: &mut std::collections::BinaryHeap<Bigram>, syms: &[Sym], left: usize| {
            let Some(right) = syms[left].next else { return };
            let (a, b) = (&syms[left], &syms[right]);
            let piece = &norm[a.start..b.start + b.len];
            if let Some(&id) = self
                .index
                .get(piece)
                .filter(|&&id| self.types[id as usize] != TYPE_CONTROL)
            {
                heap.push(Bigram {
                    score: self.scores[id as usize],
                    left,
                    len: piece.len(),
                });
            }
        };
        for i in 0..syms.len().saturating_sub(1) {
            push(&mut heap, &syms, i);
        }
        while let Some(bg) = heap.pop() {
            let left = bg.left;
            let Some(right) = syms[left].next else {
                continue;
            };
            // stale entry: one side was merged since it was pushed
            if syms[left].len == 0 || syms[left].len + syms[right].len != bg.len {
                continue;
            }
            syms[left].len += syms[right].len;
            syms[right].len = 0;
            syms[left].next = syms[right].next;
            if let Some(n) = syms[right].next {
                syms[n].prev = Some(left);
            }
            if let Some(p) = syms[left].prev {
                push(&mut heap, &syms, p);
            }
            push(&mut heap, &syms, left);
        }
        let pieces: Vec<&str> = syms
            .iter()
            .filter(|s| s.len > 0)
            .map(|s| &norm[s.start..s.start + s.len])
            .collect();
        // (3) pieces to ids, byte fallback for the rest.
        for s in pieces {
            match self.index.get(s) {
                Some(&id) => out.push(id),
                None => {
                    for b in s.bytes() {
                        out.push(self.byte_ids[b as usize].unwrap_or(self.unk));
                    }
                }
            }
        }
    }

    fn decode(&self, ids: &[u32]) -> String {
        let mut bytes = Vec::new();
        for &id in ids {
            let Some(piece) = self.pieces.get(id as usize) else {
                continue;
            };
            match self.types[id as usize] {
                TYPE_CONTROL => {}
                TYPE_BYTE => {
                    if let Some(b) = piece
                        .strip_prefix("<0x")
                        .and_then(|h| h.strip_suffix('>'))
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        bytes.push(b);
                    }
                }
                _ => bytes.extend_from_slice(piece.replace('▁', " ").as_bytes()),
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        match text.strip_prefix(' ') {
            Some(t) if self.add_prefix => t.to_string(),
            _ => text,
        }
    }
}
