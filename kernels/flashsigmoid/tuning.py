"""Launch choices: autotuning configs, the autotune key, and the interpreter's fixed tiles.

Autotuning is keyed on the head dim, the dtype and N rounded up to a power of two, so an
ASR run with a new sequence length in every batch tunes once per bucket, not per length.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import triton

from flashsigmoid.dispatch import interpreting


@dataclass(frozen=True)
class KernelOptions:
    d_pad: int  # head dim padded to a power of two (>= 16) for tl.dot
    n_bucket: int  # the autotune key for the length
    fast: bool  # tanh.approx sigmoid (GPU, 16-bit inputs)
    precision: str  # tl.dot input precision
    fixed: tuple[int, int, int, int] | None  # (BLOCK_M, BLOCK_N, warps, stages) or autotune


def kernel_options(q: torch.Tensor, n: int, dim: int) -> KernelOptions:
    interp = interpreting()
    half = q.dtype in (torch.float16, torch.bfloat16)
    return KernelOptions(
        d_pad=max(16, triton.next_power_of_2(dim)),
        n_bucket=max(64, triton.next_power_of_2(n)),
        fast=half and not interp,
        precision="ieee" if q.dtype == torch.float32 else "tf32",
        fixed=(16, 16, 4, 1) if interp else None,
    )


def _configs(shapes):
    return [
        triton.Config({"BLOCK_M": m, "BLOCK_N": n}, num_warps=w, num_stages=s)
        for m, n, w, s in shapes
    ]


def forward_configs():
    return _configs(
        [(128, 64, 4, 3), (128, 64, 8, 3), (128, 128, 8, 3), (64, 64, 4, 3), (128, 32, 4, 4)]
    )


def backward_configs():
    return _configs(
        [(64, 64, 4, 3), (64, 64, 8, 3), (128, 64, 8, 3), (64, 128, 8, 3), (32, 64, 4, 3)]
    )
