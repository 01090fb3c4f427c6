"""Length masks: the one place that says which frames of a padded batch are real."""

from __future__ import annotations

import torch
from torch import Tensor


def lengths_to_mask(lengths: Tensor, max_len: int) -> Tensor:
    """Valid-frame mask: lengths (B,) -> (B, max_len) bool, True where t < lengths[b]."""
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]


def zero_padding(x: Tensor, lengths: Tensor) -> Tensor:
    """Zeroes the padded frames of x (B, T, ...) so they cannot leak into valid ones.

    Uses ``where`` rather than a product so that inf or NaN in the padding is removed too.
    """
    mask = lengths_to_mask(lengths, x.size(1))
    mask = mask.view(*mask.shape, *([1] * (x.dim() - 2)))
    return torch.where(mask, x, 0.0)  # a Python scalar: no zero tensor to fill per call
