//! `signal_proj`: the HeartcareGPT-v3 projector from Beat's quantized vectors (128-d) to the
//! language model's hidden size, one soft token per Beat query.
//!
//! Follows DCDmllm/Heartcare-Suite@b1dc8606 `train_step_2_3.ipynb`:
//! `Sequential(Linear(128, H), GELU(), LayerNorm(H))` with torch's exact erf GELU and
//! `LayerNorm(eps=1e-5)` with affine weight and bias (quirk 11 of `shared/vectors/README.md`).
//! Keys: `0.weight` `[H, 128]`, `0.bias`, `2.weight`, `2.bias` (under whatever prefix the
//! checkpoint uses; pass `vb.pp(prefix)`).

use candle::{Module, Tensor};
use candle_nn::{LayerNorm, Linear, VarBuilder};

/// torch `LayerNorm` default epsilon.
const LN_EPS: f64 = 1e-5;

/// The projector.
#[derive(Debug, Clone)]
pub struct SignalProj {
    linear: Linear,
    norm: LayerNorm,
    hidden: usize,
}

impl SignalProj {
    /// Loads `0.*` and `2.*` for a projector from `in_dim` (128 for Beat) to `hidden`.
    pub fn new(in_dim: usize, hidden: usize, vb: VarBuilder) -> candle::Result<Self> {
        let linear = Linear::new(
            vb.get((hidden, in_dim), "0.weight")?,
            Some(vb.get(hidden, "0.bias")?),
        );
        let norm = LayerNorm::new(
            vb.get(hidden, "2.weight")?,
            vb.get(hidden, "2.bias")?,
            LN_EPS,
        );
        Ok(Self {
            linear,
            norm,
            hidden,
        })
    }

    /// Loads from a [`VarBuilder`], reading the hidden size from `0.weight`'s shape.
    pub fn load(in_dim: usize, vb: VarBuilder) -> candle::Result<Self> {
        let hidden = if vb.contains_tensor("0.bias") {
            // The bias has shape [H]; any shape request other than the stored one fails, so read
            // it through the backend-agnostic `get_unchecked`.
            vb.get_unchecked("0.bias")?.dim(0)?
        } else {
            candle::bail!("signal_proj: tensor 0.bias not found");
        };
        Self::new(in_dim, hidden, vb)
    }

    /// Output width `H`.
    pub fn hidden(&self) -> usize {
        self.hidden
    }
}

impl Module for SignalProj {
    /// `[..., 128]` -> `[..., H]`, each vector independently.
    fn forward(&self, xs: &Tensor) -> candle::Result<Tensor> {
        let h = self.linear.forward(xs)?.gelu_erf()?;
        self.norm.forward(&h.contiguous()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle::{DType, Device};
    use std::collections::HashMap;

    #[test]
    fn hidden_size_is_read_from_the_checkpoint() {
        let dev = Device::Cpu;
        let mut ts = HashMap::new();
        ts.insert(
            "0.weight".to_string(),
            Tensor::zeros((8, 4), DType::F32, &dev).unwrap(),
        );
        ts.insert(
            "0.bias".to_string(),
            Tensor::zeros(8, DType::F32, &dev).unwrap(),
        );
        ts.insert(
            "2.weight".to_string(),
            Tensor::ones(8, DType::F32, &dev).unwrap(),
        );
        ts.insert(
            "2.bias".to_string(),
            Tensor::zeros(8, DType::F32, &dev).unwrap(),
        );
        let vb = VarBuilder::from_tensors(ts, DType::F32, &dev);
        let proj = SignalProj::load(4, vb).unwrap();
        assert_eq!(proj.hidden(), 8);
        let y = proj
            .forward(&Tensor::ones((3, 4), DType::F32, &dev).unwrap())
            .unwrap();
        assert_eq!(y.dims(), &[3, 8]);
    }
}
