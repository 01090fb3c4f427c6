"""LayerScale (Touvron et al., 2021): a learnable per-channel gain on a residual branch."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class LayerScale(nn.Module):
    """y = gamma * x with gamma (d_model,) initialised to ``init``; identity when init is 0.

    x: (..., d_model) -> (..., d_model).
    """

    def __init__(self, d_model: int, init: float):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((d_model,), init)) if init > 0 else None

    def forward(self, x: Tensor) -> Tensor:
        return x if self.gamma is None else x * self.gamma
