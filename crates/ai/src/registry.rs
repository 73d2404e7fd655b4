//! The model registry: the installed models in a models folder (one sub-folder per model, each
//! with a [`Manifest`]), their kind, size and quantization; list and remove.
//!
//! The folder is chosen by the caller ([`default_models_dir`] gives the usual one). Folders
//! without a readable manifest are listed as broken, not hidden, so the user can remove them.

use std::path::{Path, PathBuf};

use crate::error::{LlmError, Result};
use crate::import::{MANIFEST_FILE, Manifest, ModelKind};

/// One installed model.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InstalledModel {
    /// Folder name.
    pub name: String,
    /// Folder path.
    pub path: PathBuf,
    /// Kind, when the manifest is readable.
    pub kind: Option<ModelKind>,
    /// Architecture (`phi3`, `llama`...).
    pub architecture: Option<String>,
    /// Weight type.
    pub quantization: Option<String>,
    /// Size of the model's files in bytes.
    pub bytes: u64,
    /// Why the manifest could not be read.
    pub error: Option<String>,
}

/// The models folder: `$HEARTLENS_HOME/models`, else the platform data folder
/// (`$XDG_DATA_HOME/heartlens/models`, `~/.local/share/heartlens/models`,
/// `~/Library/Application Support/heartlens/models`, `%APPDATA%\heartlens\models`).
pub fn default_models_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(h) = env("HEARTLENS_HOME") {
        return Some(h.join("models"));
    }
    let data = if cfg!(target_os = "windows") {
        env("APPDATA")
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library/Application Support"))
    } else {
        env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local/share")))
    };
    data.map(|d| d.join("heartlens").join("models"))
}

/// What a user's model argument names: an existing file or folder path first, else a model
/// installed in the default models folder. `None` when it is neither.
pub fn resolve_model(spec: &str) -> Option<PathBuf> {
    let p = PathBuf::from(spec);
    if p.exists() {
        return Some(p);
    }
    Registry::new(default_models_dir()?).get(spec).ok()
}

/// Models in a folder.
#[derive(Debug, Clone)]
pub struct Registry {
    dir: PathBuf,
}

impl Registry {
    /// The registry over `dir` (which need not exist yet).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Installed models, sorted by name. A missing folder is an empty list.
    pub fn list(&self) -> Result<Vec<InstalledModel>> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(LlmError::io(&self.dir, e)),
        };
        let mut out = Vec::new();
        for entry in rd {
            let entry = entry.map_err(|e| LlmError::io(&self.dir, e))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if !path.is_dir() || name.starts_with('.') {
                continue;
            }
            out.push(describe(name, path));
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The folder of an installed model.
    pub fn get(&self, name: &str) -> Result<PathBuf> {
        let p = self.dir.join(name);
        if is_plain_name(name) && p.join(MANIFEST_FILE).is_file() {
            Ok(p)
        } else {
            Err(LlmError::Invalid(format!(
                "no model named {name:?} in {}",
                self.dir.display()
            )))
        }
    }

    /// Deletes an installed model's folder.
    pub fn remove(&self, name: &str) -> Result<()> {
        if !is_plain_name(name) {
            return Err(LlmError::Invalid(format!("{name:?} is not a model name")));
        }
        let p = self.dir.join(name);
        if !p.is_dir() {
            return Err(LlmError::Invalid(format!(
                "no model named {name:?} in {}",
                self.dir.display()
            )));
        }
        std::fs::remove_dir_all(&p).map_err(|e| LlmError::io(&p, e))
    }
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\']) && name != ".."
}

fn describe(name: String, path: PathBuf) -> InstalledModel {
    let bytes = dir_size(&path);
    match Manifest::open(&path.join(MANIFEST_FILE)) {
        Ok(m) => InstalledModel {
            name,
            kind: Some(m.kind),
            architecture: Some(m.architecture.clone()),
            quantization: Some(m.quantization.clone()),
            bytes,
            path,
            error: None,
        },
        Err(e) => InstalledModel {
            name,
            path,
            kind: None,
            architecture: None,
            quantization: None,
            bytes,
            error: Some(e.to_string()),
        },
    }
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_lists_nothing_and_broken_models_are_shown() {
        let tmp = tempfile::tempdir().unwrap();
        let r = Registry::new(tmp.path().join("none"));
        assert!(r.list().unwrap().is_empty());
        std::fs::create_dir(tmp.path().join("broken")).unwrap();
        std::fs::write(tmp.path().join("broken").join(MANIFEST_FILE), "{").unwrap();
        let r = Registry::new(tmp.path());
        let l = r.list().unwrap();
        assert_eq!(l.len(), 1);
        assert!(l[0].error.as_deref().unwrap().contains("manifest"));
        assert!(r.remove("../x").is_err());
        r.remove("broken").unwrap();
        assert!(r.list().unwrap().is_empty());
    }
}
