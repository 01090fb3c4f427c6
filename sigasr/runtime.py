"""Where a model runs: the device and the autocast precision."""

from __future__ import annotations

import contextlib

import torch

from sigasr.errors import UsageError


def resolve_device(device: str, local_rank: int = 0) -> torch.device:
    """``auto`` (the GPU if CUDA is available, else the CPU), ``cpu`` or ``cuda``."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        if not torch.cuda.is_available():
            raise UsageError("--device cuda was requested but CUDA is not available")
        return torch.device("cuda", local_rank)
    return torch.device("cpu")


def autocast_for(device: torch.device, amp: str) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA when ``amp`` is ``auto`` or ``bf16``; fp32 otherwise."""
    if device.type == "cuda" and amp in ("auto", "bf16"):
        return torch.autocast("cuda", dtype=torch.bfloat16)
    if device.type == "cpu" and amp == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()
