"""Where decoding time goes: wall seconds per phase, the device synchronized at each phase's end."""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager

import torch


class PhaseTimes:
    """Sums the wall seconds of named phases (``with times("forward"): ...``).

    The device is synchronized when a phase ends, so the GPU work a phase queued counts to it
    and not to the next: one synchronization per phase and batch, none per utterance.
    """

    def __init__(self, device: torch.device):
        self.device = device
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, phase: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
            self.seconds[phase] += time.perf_counter() - start

    def summary(self) -> str:
        """``loading+features 1.20 s (31%), forward ...``, shares of the phases' total."""
        total = max(sum(self.seconds.values()), 1e-9)
        return ", ".join(
            f"{phase} {s:.2f} s ({100 * s / total:.0f}%)" for phase, s in self.seconds.items()
        )
