"""Relative position terms shared by the sigmoid and softmax attention paths."""

from __future__ import annotations

import torch
from torch import Tensor


def alibi_logit_bias(slopes: Tensor, n: int) -> Tensor:
    """ALiBi's additive logit term -slope_h * |i - j|: slopes (H,) -> (H, N, N) float32.

    The sigmoid kernels compute this on the fly; the softmax path adds it as a mask.
    """
    pos = torch.arange(n, device=slopes.device)
    dist = (pos[:, None] - pos[None, :]).abs().to(torch.float32)
    return -slopes.to(torch.float32)[:, None, None] * dist
