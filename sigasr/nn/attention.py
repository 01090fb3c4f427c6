"""Multi-head self-attention with sigmoid (FlashSigmoid) or softmax (SDPA) scores."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

import flashsigmoid
from flashsigmoid.reference import sigmoid_attn_reference
from flashsigmoid.rope import apply_rope, rope_reference
from sigasr.config import AttentionConfig, AttentionKind, Position, SigmoidBias
from sigasr.nn.masking import lengths_to_mask, zero_padding
from sigasr.nn.positions import alibi_logit_bias


class MultiHeadSelfAttention(nn.Module):
    """Self-attention over padded batches, configured by an :class:`AttentionConfig`.

    sigmoid: out = sigmoid(q k^T / sqrt(d_head) + b + pos) v, computed by
    :func:`flashsigmoid.flash_sigmoid_attn`. The bias b is, per ``sigmoid_bias``:
    ``log_n``: -log n for a sequence of n valid frames (Ramapuram et al., 2025);
    ``const``: ``sigmoid_bias_value``; ``learnable``: one parameter per head initialised to
    ``sigmoid_bias_value``; ``none``: 0.
    Under ``torch.export`` (the ONNX exporter) the sigmoid scores and RoPE take the PyTorch
    reference on every device, so the exported graph holds no Triton op.
    softmax: ``scaled_dot_product_attention`` with the same positions (ALiBi as an additive
    mask, the same RoPE) and padded keys masked out, so the two differ only in the score.

    Args:
        d_model: model width; num_heads must divide it.
        config: kind, positions, bias and qk_norm (``layer_scale`` is the layer's).

    Shapes: x (B, T, d_model), lengths (B,) -> (B, T, d_model), padded frames zero.
    """

    def __init__(self, d_model: int, num_heads: int, config: AttentionConfig | None = None):
        super().__init__()
        config = config or AttentionConfig()
        if d_model % num_heads:
            raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.config = config
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.q_norm = nn.RMSNorm(self.head_dim) if config.qk_norm else None
        self.k_norm = nn.RMSNorm(self.head_dim) if config.qk_norm else None
        learnable = config.sigmoid_bias == SigmoidBias.learnable
        if learnable and config.kind == AttentionKind.sigmoid:
            self.bias = nn.Parameter(torch.full((num_heads,), config.sigmoid_bias_value))
        else:
            self.bias = None
        self.register_buffer(
            "alibi_slopes",
            flashsigmoid.alibi_slopes(num_heads) if config.pos == Position.alibi else None,
            persistent=False,
        )

    def _score_bias(self):
        """The sigmoid bias b: None, a float, (H,), or "log_n" (made in the kernel from lengths)."""
        if self.config.sigmoid_bias == SigmoidBias.log_n:
            return "log_n"
        if self.config.sigmoid_bias == SigmoidBias.const:
            return self.config.sigmoid_bias_value
        return self.bias  # learnable (H,) or None

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        b, t, _ = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.num_heads, self.head_dim).unbind(2)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        exporting = torch.compiler.is_exporting()
        if self.config.pos == Position.rope:
            q, k = (rope_reference(q), rope_reference(k)) if exporting else apply_rope(q, k)
        if self.config.kind == AttentionKind.sigmoid:
            attend = sigmoid_attn_reference if exporting else flashsigmoid.flash_sigmoid_attn
            out = attend(
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
        """SDPA with one mask at most as large as ALiBi needs: (1 or B, H, T, T) with ALiBi,
        else (B, 1, 1, T) for padded keys, else none (a batch of one without padding)."""
        b, t = q.shape[:2]
        key_valid = lengths_to_mask(lengths, t)[:, None, None, :]  # (B, 1, 1, T)
        if self.alibi_slopes is not None:
            mask = alibi_logit_bias(self.alibi_slopes, t, q.dtype)[None]
            mask = mask.repeat(b, 1, 1, 1) if b > 1 else mask
            mask.masked_fill_(~key_valid, float("-inf"))
        elif b == 1 and not torch.compiler.is_compiling() and int(lengths[0]) == t:
            mask = None  # lets SDPA pick any backend (flash takes no mask)
        else:
            mask = torch.zeros(key_valid.shape, dtype=q.dtype, device=q.device)
            mask = mask.masked_fill(~key_valid, float("-inf"))
        out = F.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), attn_mask=mask
        )
        return out.transpose(1, 2)  # (B, T, H, D)
