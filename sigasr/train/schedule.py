"""Learning-rate schedule: linear warmup, then cosine decay to a floor."""

from __future__ import annotations

import math

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler


def warmup_cosine_factor(step: int, warmup_steps: int, max_steps: int, min_ratio: float) -> float:
    """LR multiplier at optimizer step ``step`` (0-based).

    Rises linearly from 1/warmup to 1 over ``warmup_steps`` steps, then follows half a cosine
    from 1 down to ``min_ratio`` at ``max_steps`` and stays there.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    decay_steps = max(1, max_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / decay_steps)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


class WarmupCosineLR(LRScheduler):
    """:func:`warmup_cosine_factor` times each parameter group's base LR.

    Its ``state_dict`` holds only numbers, so it checkpoints with ``weights_only`` loading.
    """

    def __init__(self, optimizer: Optimizer, warmup_steps: int, max_steps: int, min_ratio: float):
        self.warmup_steps = warmup_steps
        self.max_steps = max_steps
        self.min_ratio = min_ratio
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        factor = warmup_cosine_factor(
            self.last_epoch, self.warmup_steps, self.max_steps, self.min_ratio
        )
        return [base * factor for base in self.base_lrs]
