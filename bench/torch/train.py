#!/usr/bin/env python3
# PyTorch peer of the tfjs TransformerLM for `npm run bench:policy`: the same model math
# (Hugging Face Llama/Qwen2: RMSNorm, rotate_half RoPE, GQA by repeating kv heads, SwiGLU MLP,
# optional q/k/v bias, tied or untied embeddings; see scratch/policy-helper-common.md and
# ../shared/PLATFORM.md "The peer for training speed") and the same training step: masked
# next-token cross-entropy on the last `completion` tokens of each row (the LM head runs on the
# supervised positions only), backward, global-norm clipping at 1.0, AdamW(lr 1e-3, wd 0.01).
# Written for torch 1.13 (no F.scaled_dot_product_attention): attention is matmul + causal mask +
# softmax on [B, H, T, Dh] tensors. Prints ONE JSON line on stdout:
#   {"train_tokens_per_s", "step_ms", "params", "torch_version", "threads", "blas", ...}
# Run with /usr/bin/python3 and OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 (bench/torch-peer.ts).

import argparse
import ctypes
import json
import math
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_tables(seq, head_dim, theta):
    """cos/sin [T, Dh] with HF's duplicated frequencies: angle[p, j] = p * inv_freq[j mod Dh/2]."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    pos = torch.arange(seq, dtype=torch.float32)
    freqs = torch.outer(pos, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


class Attention(nn.Module):
    def __init__(self, d, heads, kv_heads, bias):
        super().__init__()
        assert d % heads == 0 and heads % kv_heads == 0
        self.h, self.hkv, self.dh = heads, kv_heads, d // heads
        self.q_proj = nn.Linear(d, heads * self.dh, bias=bias)
        self.k_proj = nn.Linear(d, kv_heads * self.dh, bias=bias)
        self.v_proj = nn.Linear(d, kv_heads * self.dh, bias=bias)
        self.o_proj = nn.Linear(heads * self.dh, d, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.h, self.dh).transpose(1, 2)     # [B,H,T,Dh]
        k = self.k_proj(x).view(b, t, self.hkv, self.dh).transpose(1, 2)   # [B,Hkv,T,Dh]
        v = self.v_proj(x).view(b, t, self.hkv, self.dh).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        groups = self.h // self.hkv
        if groups > 1:  # head h uses kv head h // groups
            k = k.repeat_interleave(groups, dim=1)
            v = v.repeat_interleave(groups, dim=1)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh) + mask
        att = torch.matmul(torch.softmax(scores, dim=-1), v)               # [B,H,T,Dh]
        return self.o_proj(att.transpose(1, 2).reshape(b, t, self.h * self.dh))


class MLP(nn.Module):
    def __init__(self, d, inter):
        super().__init__()
        self.gate_proj = nn.Linear(d, inter, bias=False)
        self.up_proj = nn.Linear(d, inter, bias=False)
        self.down_proj = nn.Linear(inter, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.input_layernorm = RMSNorm(a.hidden, a.eps)
        self.self_attn = Attention(a.hidden, a.heads, a.kv_heads, a.bias)
        self.post_attention_layernorm = RMSNorm(a.hidden, a.eps)
        self.mlp = MLP(a.hidden, a.intermediate)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Policy(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embed_tokens = nn.Embedding(a.vocab, a.hidden)
        self.layers = nn.ModuleList([Layer(a) for _ in range(a.layers)])
        self.norm = RMSNorm(a.hidden, a.eps)
        self.lm_head = nn.Linear(a.hidden, a.vocab, bias=False)
        if a.tie:
            self.lm_head.weight = self.embed_tokens.weight
        cos, sin = rope_tables(a.seq, a.hidden // a.heads, a.rope_theta)
        self.register_buffer('cos', cos, persistent=False)
        self.register_buffer('sin', sin, persistent=False)
        mask = torch.full((a.seq, a.seq), float('-inf')).triu(1)          # j > i -> -inf
        self.register_buffer('mask', mask, persistent=False)
        self.apply(self._init)

    @staticmethod
    def _init(m):  # HF initializer_range 0.02, zero biases, norms at one
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def hidden(self, ids):
        t = ids.shape[1]
        cos, sin, mask = self.cos[:t], self.sin[:t], self.mask[:t, :t]
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return x

    def completion_loss(self, ids, completion):
        """Mean CE over the last `completion` tokens of each row, each predicted from the position
        before it; only those positions go through the final norm and LM head."""
        t = ids.shape[1]
        h = self.hidden(ids)[:, t - completion - 1:t - 1]                  # [B,C,d]
        logits = self.lm_head(self.norm(h))                                # [B,C,V]
        targets = ids[:, t - completion:]
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def make_optimizer(model):
    return torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                             weight_decay=0.01)


def train_step(model, opt, ids, completion):
    loss = model.completion_loss(ids, completion)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.detach()


def blas_info():
    """What BLAS is really loaded: torch's build says only BLAS_INFO=generic (Debian picks
    libblas.so.3 by update-alternatives), so look at the mapped libraries and, for OpenBLAS,
    ask it for its version and the core kernel it chose."""
    libs = set()
    try:
        with open('/proc/self/maps') as f:
            for line in f:
                path = line.strip().split(' ')[-1]
                name = path.rsplit('/', 1)[-1].lower()
                if path.startswith('/') and ('blas' in name or 'mkl' in name):
                    libs.add(path)
    except OSError:
        pass
    for path in sorted(libs):
        if 'openblas' in path.rsplit('/', 1)[-1]:
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_config.restype = ctypes.c_char_p
                lib.openblas_get_corename.restype = ctypes.c_char_p
                config = lib.openblas_get_config().decode().split(' ')
                core = lib.openblas_get_corename().decode()
                return f'{" ".join(config[:2])} core={core} threads={lib.openblas_get_num_threads()}'
            except (OSError, AttributeError):
                return path
    if libs:
        return ', '.join(sorted(libs))
    m = re.search(r'BLAS_INFO=([^,]+)', torch.__config__.show())
    return m.group(1) if m else 'unknown'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="PyTorch peer of the tfjs policy training step")
    p.add_argument('--hidden', type=int, default=128)
    p.add_argument('--layers', type=int, default=4)
    p.add_argument('--heads', type=int, default=4)
    p.add_argument('--kv-heads', type=int, default=None, help='defaults to --heads')
    p.add_argument('--intermediate', type=int, default=384)
    p.add_argument('--vocab', type=int, default=2048)
    p.add_argument('--seq', type=int, default=256)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--completion', type=int, default=64)
    p.add_argument('--tie', action='store_true')
    p.add_argument('--bias', action='store_true', help='q/k/v bias (Qwen2)')
    p.add_argument('--rope-theta', type=float, default=10000.0)
    p.add_argument('--eps', type=float, default=1e-6, help='rms_norm_eps')
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args(argv)
    if a.kv_heads is None:
        a.kv_heads = a.heads
    if not 0 < a.completion < a.seq:
        p.error('--completion must be in [1, seq - 1]')
    if a.hidden % a.heads or a.heads % a.kv_heads or (a.hidden // a.heads) % 2:
        p.error('need hidden % heads == 0, heads % kv-heads == 0 and an even head_dim')
    return a


def main():
    a = parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = Policy(a)
    opt = make_optimizer(model)
    params = sum(p.numel() for p in model.parameters())  # a tied matrix is counted once
    gen = torch.Generator().manual_seed(a.seed + 1)

    def batch():
        return torch.randint(0, a.vocab, (a.batch, a.seq), generator=gen)

    for _ in range(a.warmup):
        train_step(model, opt, batch(), a.completion)
    data = [batch() for _ in range(a.steps)]
    t0 = time.perf_counter()
    loss = None
    for ids in data:
        loss = train_step(model, opt, ids, a.completion)
    last = float(loss) if loss is not None else float('nan')  # forces completion of the last step
    seconds = time.perf_counter() - t0
    print(json.dumps({
        'train_tokens_per_s': a.batch * a.seq * a.steps / seconds,
        'step_ms': 1000.0 * seconds / a.steps,
        'params': params,
        'torch_version': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': blas_info(),
        'steps': a.steps,
        'loss': last,
    }))
    sys.stdout.flush()


if __name__ == '__main__':
    main()
