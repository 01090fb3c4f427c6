"""Counting optimizer steps skipped because the loss or a gradient was NaN or infinite."""

from __future__ import annotations

from sigasr.errors import NonFiniteLimitError


class NonFiniteGuard:
    """Tracks skipped steps: ``total`` over the run and ``consecutive`` since the last good one.

    Args:
        max_consecutive: raise :class:`NonFiniteLimitError` once this many steps in a row
            were non-finite.
    """

    def __init__(self, max_consecutive: int):
        self.max_consecutive = max_consecutive
        self.total = 0
        self.consecutive = 0

    def record(self, finite: bool, step: int) -> None:
        if finite:
            self.consecutive = 0
            return
        self.total += 1
        self.consecutive += 1
        if self.consecutive >= self.max_consecutive:
            raise NonFiniteLimitError(
                f"step {step}: {self.consecutive} consecutive steps had a non-finite loss or "
                f"gradient (train.max_nonfinite_steps={self.max_consecutive}); stopping. "
                "The last good checkpoint is kept; try a lower train.lr or train.grad_clip."
            )

    def state_dict(self) -> dict:
        return {"total": self.total, "consecutive": self.consecutive}

    def load_state_dict(self, state: dict) -> None:
        self.total = state["total"]
        self.consecutive = state["consecutive"]
