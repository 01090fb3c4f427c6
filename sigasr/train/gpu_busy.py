"""How busy the GPU is while training, from NVML (``torch.cuda.utilization``)."""

from __future__ import annotations

from collections import deque

import torch


class GpuBusy:
    """The mean of the last ``window`` NVML utilization samples of ``device``, in percent.

    NVML's utilization is the share of its last sample period (1/6 s to 1 s, by GPU) in which
    at least one kernel ran on the GPU; :meth:`sample` reads it once per optimizer step.
    :attr:`available` is False on a CPU and where NVML cannot be read (no ``nvidia-ml-py``,
    no driver); :meth:`percent` is then None.
    """

    def __init__(self, device: torch.device, window: int = 50):
        self.device = device
        self.samples: deque[int] = deque(maxlen=window)
        self.available = device.type == "cuda"
        if self.available:
            try:
                torch.cuda.utilization(device)
            except Exception:  # pynvml missing, NVML not loadable, or no permission
                self.available = False

    def sample(self) -> int | None:
        """Reads NVML's utilization now, in percent (None where it cannot be read)."""
        if not self.available:
            return None
        self.samples.append(torch.cuda.utilization(self.device))
        return self.samples[-1]

    def percent(self) -> float | None:
        if not self.samples:
            return None
        return sum(self.samples) / len(self.samples)
