"""Relative position terms shared by the sigmoid and softmax attention paths."""

from __future__ import annotations

import torch
from torch import Tensor


def alibi_logit_bias(slopes: Tensor, n: int, dtype: torch.dtype = torch.float32) -> Tensor:
    """ALiBi's additive logit term -slope_h * |i - j|: slopes (H,) -> (H, N, N) in ``dtype``.

    The sigmoid kernels compute this on the fly; the softmax path adds it as a mask. Computed
    in float32 head by head into the one (H, N, N) result, then cast (a copy) if ``dtype``
    is another: no other N x N tensor is made.
    """
    pos = torch.arange(n, device=slopes.device, dtype=torch.float32)
    slopes = slopes.to(torch.float32)
    out = torch.empty(len(slopes), n, n, device=slopes.device)
    dist = torch.sub(pos[:, None], pos[None, :], out=out[0]).abs_()  # |i - j|, in head 0
    for h in range(1, len(slopes)):
        torch.mul(dist, -slopes[h], out=out[h])
    dist.mul_(-slopes[0])
    return out.to(dtype)
