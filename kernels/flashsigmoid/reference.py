"""The PyTorch reference for sigmoid attention: exact, O(N^2) memory, the oracle for the kernels.

Layout and semantics are those of :func:`flashsigmoid.flash_sigmoid_attn`.
"""

from __future__ import annotations

import torch
from torch import Tensor


def log_n_bias(seq_lens: Tensor) -> Tensor:
    """The paper's sigmoid bias b = -log n for each sequence: seq_lens (B,) -> (B, 1) float32."""
    return -torch.log(seq_lens.to(torch.float32)).unsqueeze(1)


def bias_to_bh(bias, batch: int, heads: int, device, dtype) -> Tensor | None:
    """None, a float, or a tensor broadcastable to (B, H) -> a (B, H) tensor (or None).

    A tensor comes back as a broadcast view (strides 0 where it was broadcast), not a copy.
    """
    if bias is None:
        return None
    if not torch.is_tensor(bias):
        return torch.full((batch, heads), float(bias), device=device, dtype=dtype)
    try:
        return torch.broadcast_to(bias.to(dtype), (batch, heads))
    except RuntimeError:
        raise ValueError(
            f"bias of shape {tuple(bias.shape)} does not broadcast to (B, H) = ({batch}, {heads})"
        ) from None


def sigmoid_attn_reference(
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
    """out[b, i, h] = sum_j sigmoid(q_i . k_j * scale + bias[b, h] - slope_h |i - j|) v_j.

    bias="log_n" is -log of the number of keys query i sees: the valid length n, or i + 1
    when causal.
    Masked pairs (padded key, j > i when causal) contribute exactly 0, and padded query rows
    are exactly 0. Computes in float32 (float64 for float64 inputs) and returns q's dtype.
    q, k, v: (B, N, H, D); seq_lens: (B,) ints in [1, N]; returns (B, N, H, D).
    """
    batch, n, heads, dim = q.shape
    scale = dim**-0.5 if scale is None else scale
    cdt = torch.float64 if q.dtype == torch.float64 else torch.float32
    qf, kf, vf = (t.to(cdt) for t in (q, k, v))
    logits = torch.einsum("bihd,bjhd->bhij", qf, kf) * scale  # (B, H, N, N)
    pos = torch.arange(n, device=q.device)
    if isinstance(bias, str) and causal:  # "log_n": query i sees i + 1 keys
        logits = logits - torch.log1p(pos.to(cdt))[:, None]
    else:
        if isinstance(bias, str):  # "log_n", checked by flash_sigmoid_attn
            lengths = seq_lens if seq_lens is not None else torch.full((batch,), n, device=q.device)
            bias = log_n_bias(lengths)
        b_bh = bias_to_bh(bias, batch, heads, q.device, cdt)
        if b_bh is not None:
            logits = logits + b_bh[:, :, None, None]
    if alibi_slopes is not None:
        dist = (pos[:, None] - pos[None, :]).abs().to(cdt)  # (N, N)
        logits = logits - alibi_slopes.to(cdt)[None, :, None, None] * dist
    keep = torch.ones(batch, 1, n, n, dtype=torch.bool, device=q.device)
    if seq_lens is not None:
        valid = pos[None, :] < seq_lens.to(q.device)[:, None]  # (B, N)
        keep = keep & valid[:, None, None, :] & valid[:, None, :, None]
    if causal:
        keep = keep & (pos[None, :] <= pos[:, None])[None, None]
    probs = torch.sigmoid(logits) * keep
    out = torch.einsum("bhij,bjhd->bihd", probs, vf)
    return out.to(q.dtype)
