"""AdamW with weight decay on weight matrices only."""

from __future__ import annotations

from torch import nn
from torch.optim import AdamW


def build_optimizer(model: nn.Module, lr: float, weight_decay: float) -> AdamW:
    """AdamW where biases, norms and other 1-D parameters get no weight decay.

    Fused: one kernel per step, and it can skip an update on the device (``found_inf``)
    without the host reading the gradients back first."""
    decay, no_decay = [], []
    for param in model.parameters():
        if param.requires_grad:
            (decay if param.ndim >= 2 else no_decay).append(param)
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return AdamW(groups, lr=lr, betas=(0.9, 0.98), eps=1e-8, fused=True)
