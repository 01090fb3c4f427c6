"""Where decoding time goes: device phases timed on the device, host phases on the host clock."""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager

import torch


class PhaseTimes:
    """Seconds per named phase, of two kinds that overlap in time; neither synchronizes.

    ``with times.gpu("forward"): ...`` times the work queued on ``device``: on CUDA, the
    current stream's time between events recorded before and after (read in
    :meth:`gpu_seconds`); on the CPU, wall seconds. ``with times.host("search"): ...`` times
    host work in wall seconds.
    """

    def __init__(self, device: torch.device):
        self.device = device
        self.host_seconds: dict[str, float] = defaultdict(float)
        self._gpu_seconds: dict[str, float] = defaultdict(float)
        self._events: list[tuple[str, torch.cuda.Event, torch.cuda.Event]] = []

    def host(self, phase: str):
        return _clocked(self.host_seconds, phase)

    @contextmanager
    def gpu(self, phase: str):
        if self.device.type != "cuda":
            with _clocked(self._gpu_seconds, phase):
                yield
            return
        start = torch.cuda.Event(enable_timing=True)
        start.record()
        try:
            yield
        finally:
            end = torch.cuda.Event(enable_timing=True)
            end.record()
            self._events.append((phase, start, end))

    def gpu_seconds(self) -> dict[str, float]:
        """Seconds per device phase, in the order the phases first ran; waits for the events
        of the phases timed so far to complete."""
        for phase, start, end in self._events:
            end.synchronize()
            self._gpu_seconds[phase] += start.elapsed_time(end) / 1000
        self._events.clear()
        return dict(self._gpu_seconds)

    def summary(self, wall_seconds: float) -> str:
        """``wall 4.02 s; GPU: features 0.31 s, forward 3.60 s (97 % of wall); host: loader
        wait 0.12 s, search 0.20 s``: the device phases (``CPU device`` on the CPU) with their
        share of ``wall_seconds``, then the host phases."""
        gpu = self.gpu_seconds()
        label = "GPU" if self.device.type == "cuda" else "CPU device"
        share = 100 * sum(gpu.values()) / max(wall_seconds, 1e-9)
        return (
            f"wall {wall_seconds:.2f} s; {label}: {_listed(gpu)} ({share:.0f} % of wall); "
            f"host: {_listed(self.host_seconds)}"
        )


@contextmanager
def _clocked(seconds: dict[str, float], phase: str):
    """Adds the wall seconds of the ``with`` block to ``seconds[phase]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[phase] += time.perf_counter() - start


def _listed(seconds: dict[str, float]) -> str:
    return ", ".join(f"{phase} {s:.2f} s" for phase, s in seconds.items())
