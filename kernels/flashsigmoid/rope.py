"""Rotary position embedding (Su et al., 2021) for (B, N, H, D) query and key tensors.

Convention: the "rotate half" pairing, dimension i with i + D/2, and frequencies
theta_i = base^(-2i/D) for i < D/2. Position t rotates each pair by angle t * theta_i:
    x'_i       = x_i cos(t theta_i) - x_{i+D/2} sin(t theta_i)
    x'_{i+D/2} = x_{i+D/2} cos(t theta_i) + x_i sin(t theta_i)
"""

from __future__ import annotations

import torch
from torch import Tensor

from flashsigmoid.dispatch import uses_kernels


def rope_angles(n: int, dim: int, base: float, device) -> Tensor:
    """Angles t * theta_i for t < n, i < dim / 2: (N, D/2) float32."""
    inv_freq = base ** (-torch.arange(0, dim // 2, device=device, dtype=torch.float32) * 2 / dim)
    return torch.arange(n, device=device, dtype=torch.float32)[:, None] * inv_freq[None, :]


def rope_reference(x: Tensor, base: float = 10000.0) -> Tensor:
    """Rotates x (B, N, H, D), D even, by its position along N; computes in float32."""
    _, n, _, dim = x.shape
    ang = rope_angles(n, dim, base, x.device)[None, :, None, :]  # (1, N, 1, D/2)
    cos, sin = ang.cos(), ang.sin()
    x1, x2 = x.float().chunk(2, dim=-1)
    out = torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)
    return out.to(x.dtype)


def apply_rope(q: Tensor, k: Tensor, *, base: float = 10000.0) -> tuple[Tensor, Tensor]:
    """Rotary embedding of q and k, each (B, N, H, D) with D even; returns (q', k').

    CUDA tensors (and CPU tensors under TRITON_INTERPRET=1) go through the fused Triton
    kernel, with its backward; other CPU tensors through :func:`rope_reference`.
    """
    if q.shape[-1] % 2:
        raise ValueError(f"RoPE needs an even head dim, got D={q.shape[-1]}")
    if not uses_kernels(q):
        return rope_reference(q, base), rope_reference(k, base)
    from flashsigmoid.rope_kernel import rotate

    q, k = (t if t.stride(-1) == 1 else t.contiguous() for t in (q, k))
    return rotate(q, float(base)), rotate(k, float(base))
