"""A faithful PyTorch re-implementation of the Beat tokenizer (inference path), written from the
description in shared/vectors/README.md section 2 (no upstream code is copied), used as the
peer in the Beat benchmark and to write a PyTorch `tokenizer.pth` checkpoint.

It has the upstream state-dict key names (x-transformers' Encoder layout:
`encoder.layers.{2i}.0.0.gamma`, `encoder.layers.{2i}.1.to_q.weight`, ...), so
`load_state_dict(safetensors.torch.load_file(...))` loads the reference weights strictly.
Its ops follow x-transformers 2.x (pre-norm, unit-offset LayerNorm without bias, einsum
attention scaled by dim_head**-0.5, exact GELU) and vector-quantize-pytorch's Euclidean
codebook (cdist-style sqrt(clamp(|x|^2+|e|^2-2x.e, 0)), argmin).
"""
import torch
import torch.nn.functional as F
from torch import nn


class UnitOffsetLayerNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(dim))

    def forward(self, x):
        return F.layer_norm(x, x.shape[-1:], eps=1e-5) * (self.gamma + 1.0)


class Attention(nn.Module):
    def __init__(self, dim, heads, dim_head):
        super().__init__()
        inner = heads * dim_head
        self.heads = heads
        self.scale = dim_head ** -0.5
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_k = nn.Linear(dim, inner, bias=False)
        self.to_v = nn.Linear(dim, inner, bias=False)
        self.to_out = nn.Linear(inner, dim, bias=False)

    def forward(self, x):
        b, n, _ = x.shape
        h = self.heads
        q, k, v = (t(x).view(b, n, h, -1).transpose(1, 2) for t in (self.to_q, self.to_k, self.to_v))
        sim = torch.einsum("b h i d, b h j d -> b h i j", q, k) * self.scale
        attn = sim.softmax(dim=-1)
        out = torch.einsum("b h i j, b h j d -> b h i d", attn, v)
        return self.to_out(out.transpose(1, 2).reshape(b, n, -1))


class GELUProj(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.add_module("0", nn.Linear(dim, hidden))

    def forward(self, x):
        return F.gelu(getattr(self, "0")(x))


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        # keys ff.0.0.*, ff.2.* (index 1 is dropout in x-transformers)
        self.ff = nn.Sequential(GELUProj(dim, dim * mult), nn.Identity(), nn.Linear(dim * mult, dim))

    def forward(self, x):
        return self.ff(x)


class NormWrap(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.add_module("0", UnitOffsetLayerNorm(dim))

    def forward(self, x):
        return getattr(self, "0")(x)


class Encoder(nn.Module):
    def __init__(self, dim, depth, heads, dim_head):
        super().__init__()
        self.layers = nn.ModuleList()
        for _ in range(depth):
            self.layers.append(nn.ModuleList([NormWrap(dim), Attention(dim, heads, dim_head)]))
            self.layers.append(nn.ModuleList([NormWrap(dim), FeedForward(dim)]))
        self.final_norm = UnitOffsetLayerNorm(dim)

    def forward(self, x):
        for norm, block in self.layers:
            x = block(norm(x)) + x
        return self.final_norm(x)


class Codebook(nn.Module):
    def __init__(self, size, dim):
        super().__init__()
        self.register_buffer("embed", torch.zeros(1, size, dim))
        self.register_buffer("embed_avg", torch.zeros(1, size, dim))
        self.register_buffer("cluster_size", torch.zeros(1, size))
        self.register_buffer("initted", torch.zeros(1))


class RVQ(nn.Module):
    def __init__(self, size, dim, levels):
        super().__init__()
        self._codebook = Codebook(size, dim)
        self.levels = levels

    def forward(self, x):
        e = self._codebook.embed[0]
        residual, quantized, idx = x, torch.zeros_like(x), []
        e_sq = (e * e).sum(-1)
        for _ in range(self.levels):
            d = (residual.pow(2).sum(-1, keepdim=True) + e_sq - 2.0 * residual @ e.t()).clamp(min=0).sqrt()
            i = d.argmin(dim=-1)
            q = e[i]
            residual = residual - q
            quantized = quantized + q
            idx.append(i)
        return torch.stack(idx, dim=-1), quantized


class Beat(nn.Module):
    def __init__(self, seq_len=1000, patch=25, channels=12, dim=128, depth=6, heads=8, dim_head=64,
                 queries=20, codebook=512, levels=2, positions=1024):
        super().__init__()
        self.seq_len, self.patch, self.channels = seq_len, patch, channels
        self.n = seq_len // patch
        self.sequence_to_tokens = nn.Sequential(nn.Identity(), nn.Linear(channels * patch, dim))
        self.pos_emb = nn.Embedding(positions, dim)
        self.latents = nn.Parameter(torch.zeros(queries, dim))
        self.mask_tokens = nn.Parameter(torch.zeros(self.n, dim))
        self.encoder = Encoder(dim, depth, heads, dim_head)
        self.decoder = Encoder(dim, depth, heads, dim_head)
        self.tokens_to_sequence = nn.Sequential(nn.Linear(dim, channels * patch))
        self.vq = RVQ(codebook, dim, levels)

    def patchify(self, x):
        b, c, t = x.shape
        return x.view(b, c, t // self.patch, self.patch).transpose(1, 2).reshape(b, t // self.patch, c * self.patch)

    def unpatchify(self, tok):
        b, n, _ = tok.shape
        return tok.view(b, n, self.channels, self.patch).transpose(1, 2).reshape(b, self.channels, n * self.patch)

    def embed(self, x):
        return self.sequence_to_tokens(self.patchify(x)) + self.pos_emb.weight[: self.n]

    def encode(self, x):
        tok = self.embed(x)
        b = tok.shape[0]
        h = torch.cat([tok, self.latents.expand(b, -1, -1)], dim=1)
        return self.encoder(h)[:, self.n:]

    def tokenize(self, x):
        """codes [b, m, levels] and quantized [b, m, dim]: the per-window work the app does."""
        return self.vq(self.encode(x))

    def decode(self, quantized):
        b = quantized.shape[0]
        pos = self.pos_emb.weight[: self.n].expand(b, -1, -1)
        out = self.decoder(torch.cat([pos, quantized], dim=1))[:, : self.n]
        return self.unpatchify(self.tokens_to_sequence(out))

    def predict(self, queries):
        return self.unpatchify(self.tokens_to_sequence(queries))


def load(version, v3_weights, v1_weights=None):
    from safetensors.torch import load_file

    sd = {k: v.float() for k, v in load_file(v3_weights).items()}
    if version == "v1":
        sd.update({k: v.float() for k, v in load_file(v1_weights).items()})
        model = Beat(seq_len=500, queries=10, codebook=256)
    else:
        model = Beat()
    model.load_state_dict(sd, strict=True)
    return model.eval()
