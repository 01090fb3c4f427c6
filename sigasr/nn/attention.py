"""Multi-head self-attention with sigmoid (FlashSigmoid) or softmax (SDPA) scores."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

import flashsigmoid
from sigasr.nn.masking import lengths_to_mask, zero_padding
from sigasr.nn.positions import alibi_logit_bias

ATTENTIONS = ("sigmoid", "softmax")
POSITIONS = ("alibi", "rope", "none")
SIGMOID_BIASES = ("log_n", "const", "learnable", "none")


class MultiHeadSelfAttention(nn.Module):
    """Self-attention over padded batches.

    sigmoid: out = sigmoid(q k^T / sqrt(d_head) + b + pos) v, computed by
    :func:`flashsigmoid.flash_sigmoid_attn`. The bias b is, per ``sigmoid_bias``:
    ``log_n``: -log n for a sequence of n valid frames (Ramapuram et al., 2025);
    ``const``: ``sigmoid_bias_value``; ``learnable``: one parameter per head initialised to
    ``sigmoid_bias_value``; ``none``: 0.
    softmax: ``scaled_dot_product_attention`` with the same positions (ALiBi as an additive
    mask, the same RoPE) and padded keys masked out, so the two differ only in the score.

    Args:
        d_model: model width; num_heads must divide it.
        pos: ``alibi``, ``rope`` or ``none``.
        qk_norm: RMS-normalize q and k over the head dimension before the scores.

    Shapes: x (B, T, d_model), lengths (B,) -> (B, T, d_model), padded frames zero.
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        *,
        attention: str = "sigmoid",
        pos: str = "alibi",
        sigmoid_bias: str = "log_n",
        sigmoid_bias_value: float = -6.0,
        qk_norm: bool = False,
    ):
        super().__init__()
        for name, value, choices in (
            ("attention", attention, ATTENTIONS),
            ("pos", pos, POSITIONS),
            ("sigmoid_bias", sigmoid_bias, SIGMOID_BIASES),
        ):
            if value not in choices:
                raise ValueError(f"{name}='{value}', expected one of {choices}")
        if d_model % num_heads:
            raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.attention = attention
        self.pos = pos
        self.sigmoid_bias = sigmoid_bias
        self.sigmoid_bias_value = sigmoid_bias_value
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.q_norm = nn.RMSNorm(self.head_dim) if qk_norm else None
        self.k_norm = nn.RMSNorm(self.head_dim) if qk_norm else None
        if sigmoid_bias == "learnable" and attention == "sigmoid":
            self.bias = nn.Parameter(torch.full((num_heads,), sigmoid_bias_value))
        else:
            self.bias = None
        self.register_buffer(
            "alibi_slopes",
            flashsigmoid.alibi_slopes(num_heads) if pos == "alibi" else None,
            persistent=False,
        )

    def _score_bias(self):
        """The sigmoid bias b: None, a float, (H,), or "log_n" (made in the kernel from lengths)."""
        if self.sigmoid_bias == "log_n":
            return "log_n"
        if self.sigmoid_bias == "const":
            return self.sigmoid_bias_value
        return self.bias  # learnable (H,) or None

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        b, t, _ = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.num_heads, self.head_dim).unbind(2)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        if self.pos == "rope":
            q, k = flashsigmoid.apply_rope(q, k)
        if self.attention == "sigmoid":
            out = flashsigmoid.flash_sigmoid_attn(
                q,
                k,
                v,
                seq_lens=lengths,  # int64 or int32, read as is
                bias=self._score_bias(),
                alibi_slopes=self.alibi_slopes,
                scale=1.0 / math.sqrt(self.head_dim),
            )
        else:
            out = self._softmax(q, k, v, lengths)
        return zero_padding(self.out(out.reshape(b, t, -1)), lengths)

    def _softmax(self, q: Tensor, k: Tensor, v: Tensor, lengths: Tensor) -> Tensor:
        t = q.size(1)
        key_valid = lengths_to_mask(lengths, t)[:, None, None, :]  # (B, 1, 1, T)
        mask = torch.zeros(key_valid.shape, dtype=q.dtype, device=q.device)
        mask = mask.masked_fill(~key_valid, float("-inf"))
        if self.alibi_slopes is not None:
            mask = mask + alibi_logit_bias(self.alibi_slopes, t).to(q.dtype)[None]
        out = F.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), attn_mask=mask
        )
        return out.transpose(1, 2)  # (B, T, H, D)
