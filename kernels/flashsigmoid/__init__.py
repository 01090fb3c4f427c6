"""FlashSigmoid: sigmoid self-attention, ``out = sigmoid(Q K^T scale + b + pos) V``.

One public function, :func:`flash_sigmoid_attn`, whose layout and semantics are documented
there once. Helpers: :func:`log_n_bias` (the b = -log n bias of Ramapuram et al., 2025) and
:func:`alibi_slopes`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from flashsigmoid.dispatch import use_triton
from flashsigmoid.reference import bias_to_bh, sigmoid_attn_reference
from flashsigmoid.rope import apply_rope

__all__ = [
    "flash_sigmoid_attn",
    "apply_rope",
    "log_n_bias",
    "alibi_slopes",
    "sigmoid_attn_reference",
]


def log_n_bias(seq_lens: Tensor) -> Tensor:
    """The paper's sigmoid bias b = -log n for each sequence: seq_lens (B,) -> (B, 1) float32."""
    return -torch.log(seq_lens.to(torch.float32)).unsqueeze(1)


def alibi_slopes(num_heads: int) -> Tensor:
    """ALiBi's geometric slopes (Press et al., 2022) for ``num_heads`` heads: (H,) float32.

    For a power of two H the slopes are 2^(-8 h / H), h = 1..H; other H interleave the
    slopes of the next power of two, as in the ALiBi paper.
    """

    def powers(n: int) -> list[float]:
        start = 2 ** (-8 / n)
        return [start ** (i + 1) for i in range(n)]

    closest = 2 ** math.floor(math.log2(num_heads))
    slopes = powers(closest)
    if closest < num_heads:
        slopes += powers(2 * closest)[0::2][: num_heads - closest]
    return torch.tensor(slopes, dtype=torch.float32)


def flash_sigmoid_attn(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    *,
    seq_lens: Tensor | None = None,
    bias=None,
    alibi_slopes: Tensor | None = None,
    scale: float | None = None,
    causal: bool = False,
) -> Tensor:
    """Sigmoid attention over padded batches.

    Args:
        q, k, v: (B, N, H, D), one dtype (float16, bfloat16 or float32), one device;
            D <= 256. The kernels zero-pad a D that is not a multiple of 8 (a copy).
        seq_lens: (B,) int valid lengths in [1, N]; positions >= seq_lens[b] are padding:
            padded keys contribute nothing and padded query rows of the output are 0.
        bias: None, a float, or a tensor broadcastable to (B, H) -- (H,), (B, 1) or (B, H) --
            added to every logit of that (batch, head). Differentiable.
            The paper's b = -log n is ``log_n_bias(seq_lens)``.
        alibi_slopes: None or (H,) float32; adds -slope_h * |i - j| (full distance).
        scale: logit scale, default D ** -0.5.
        causal: keep only j <= i.

    Returns:
        (B, N, H, D) in q's dtype.
    """
    _check_inputs(q, k, v)
    if not use_triton(q):
        return sigmoid_attn_reference(
            q, k, v, seq_lens=seq_lens, bias=bias, alibi_slopes=alibi_slopes, scale=scale,
            causal=causal,
        )  # fmt: skip
    from flashsigmoid import op  # Triton compiles (or interprets) its kernels on first use

    batch, n, heads, dim = q.shape
    scale = dim**-0.5 if scale is None else float(scale)
    if dim % 8:  # the kernels take multiples of 8; zero columns change neither Q Kᵀ nor P V
        q, k, v = (torch.nn.functional.pad(t, (0, -dim % 8)) for t in (q, k, v))
    q, k, v = (t if t.stride(-1) == 1 else t.contiguous() for t in (q, k, v))
    if seq_lens is None:
        seq_lens = torch.full((batch,), n, dtype=torch.int32, device=q.device)
    bias_bh = bias_to_bh(bias, batch, heads, q.device, torch.float32)
    if bias_bh is None:
        bias_bh = torch.zeros(batch, heads, dtype=torch.float32, device=q.device)
    slopes = alibi_slopes if alibi_slopes is not None else torch.zeros(heads, device=q.device)
    return op.attention(
        q,
        k,
        v,
        seq_lens.to(device=q.device, dtype=torch.int32).contiguous(),
        bias_bh.contiguous(),
        slopes.to(device=q.device, dtype=torch.float32).contiguous(),
        scale,
        causal,
        bias is not None,
        alibi_slopes is not None,
    )[..., :dim]


def _check_inputs(q: Tensor, k: Tensor, v: Tensor) -> None:
    if not (q.shape == k.shape == v.shape) or q.dim() != 4:
        raise ValueError(
            f"q, k, v must share one (B, N, H, D) shape, got {tuple(q.shape)}, "
            f"{tuple(k.shape)}, {tuple(v.shape)}"
        )
    if not (q.dtype == k.dtype == v.dtype) or q.dtype not in _DTYPES:
        raise ValueError(
            f"q, k, v must share one dtype of {_DTYPES}, got {q.dtype}, {k.dtype}, {v.dtype}"
        )
    if not (q.device == k.device == v.device):
        raise ValueError(f"q, k, v must be on one device, got {q.device}, {k.device}, {v.device}")
    dim = q.shape[-1]
    if use_triton(q) and dim > 256:
        raise ValueError(f"head dim D={dim}: the kernels take D up to 256")


_DTYPES = (torch.float16, torch.bfloat16, torch.float32)
