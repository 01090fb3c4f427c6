"""FlashSigmoid: sigmoid self-attention, ``out = sigmoid(Q K^T scale + b + pos) V``.

One public function, :func:`flash_sigmoid_attn`, whose layout and semantics are documented
there once. Helpers: :func:`log_n_bias` (the b = -log n bias of Ramapuram et al., 2025) and
:func:`alibi_slopes`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from flashsigmoid.reference import sigmoid_attn_reference
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
        q, k, v: (B, N, H, D), one dtype (float16, bfloat16 or float32), one device.
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
    return sigmoid_attn_reference(
        q,
        k,
        v,
        seq_lens=seq_lens,
        bias=bias,
        alibi_slopes=alibi_slopes,
        scale=scale,
        causal=causal,
    )
