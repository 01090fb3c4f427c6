"""Shared inputs for the kernel tests: random problems and a float64 oracle."""

import torch

import flashsigmoid

BIAS_KINDS = ("none", "float", "per_head", "per_seq", "per_seq_head", "log_n", "log_n_named")


def make_bias(kind: str, batch: int, heads: int, seq_lens, device, gen):
    if kind == "none":
        return None
    if kind == "float":
        return -1.25
    if kind == "log_n":
        return flashsigmoid.log_n_bias(seq_lens).to(device)
    if kind == "log_n_named":  # the same bias, made inside the kernels
        return "log_n"
    shape = {"per_head": (heads,), "per_seq": (batch, 1), "per_seq_head": (batch, heads)}[kind]
    return torch.randn(shape, generator=gen).to(device).requires_grad_()


def make_problem(batch, n, heads, dim, dtype, device, seed, *, alibi, bias_kind):
    gen = torch.Generator().manual_seed(seed)
    q, k, v = (
        torch.randn(batch, n, heads, dim, generator=gen).to(device, dtype).requires_grad_()
        for _ in range(3)
    )
    seq_lens = torch.randint(1, n + 1, (batch,), generator=gen)
    seq_lens[0] = n
    if batch > 1:
        seq_lens[1] = 1
    bias = make_bias(bias_kind, batch, heads, seq_lens, device, gen)
    slopes = flashsigmoid.alibi_slopes(heads).to(device) if alibi else None
    return q, k, v, seq_lens.to(device), bias, slopes


LAYOUTS = ("qkv.unbind(2)", "(B, H, N, D).transpose", "D stride 2")


def strided_layout(layout: str, batch, n, heads, dim, gen, dtype=torch.float32, device="cpu"):
    """q, k, v leaves of shape (B, N, H, D), none contiguous, in a layout callers hand over:
    views of a fused qkv projection, head-major tensors transposed, a last dim of stride 2."""

    def randn(*shape):
        return torch.randn(*shape, generator=gen).to(device, dtype)

    if layout == "qkv.unbind(2)":
        views = randn(batch, n, 3, heads, dim).unbind(2)
    elif layout == "(B, H, N, D).transpose":
        views = [randn(batch, heads, n, dim).transpose(1, 2) for _ in range(3)]
    else:
        views = [randn(batch, n, heads, 2 * dim)[..., ::2] for _ in range(3)]
    return [t.detach().requires_grad_() for t in views]


def inputs_of(q, k, v, bias):
    return [t for t in (q, k, v, bias) if torch.is_tensor(t) and t.requires_grad]


def oracle(q, k, v, seq_lens, bias, slopes, causal):
    """float64 reference output (on the inputs' device) and the leaves to differentiate."""
    q64, k64, v64 = (t.detach().double().requires_grad_() for t in (q, k, v))
    b64 = bias
    if torch.is_tensor(bias):
        b64 = bias.detach().double().requires_grad_(bias.requires_grad)
    out = flashsigmoid.sigmoid_attn_reference(
        q64, k64, v64, seq_lens=seq_lens, bias=b64, alibi_slopes=slopes, causal=causal
    )
    return out, inputs_of(q64, k64, v64, b64)


def rel_err(got, want):
    got, want = got.detach().double().cpu(), want.detach().double().cpu()
    return ((got - want).norm() / want.norm().clamp_min(1e-12)).item()
