"""Which implementation a call takes: the Triton kernels, compiled or interpreted, or the
PyTorch reference. Triton itself is imported only once a kernel is needed, because Triton
decides at import whether its language runs compiled or in the interpreter.
"""

from __future__ import annotations

import os

import torch


def interpreting() -> bool:
    """True when TRITON_INTERPRET=1: CPU tensors then run the kernels in the interpreter."""
    return os.environ.get("TRITON_INTERPRET", "0") == "1"


def use_triton(x: torch.Tensor) -> bool:
    return x.is_cuda or interpreting()
