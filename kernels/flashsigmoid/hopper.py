"""What the Gluon kernels for Hopper (hopper_forward.py, hopper_backward.py) share: the TMA
descriptors they read through, the SM count, the layouts of wgmma operands, and the sigmoid.

They take (B, N, H, D) tensors whose (H, D) part is dense (dispatch.route says which calls):
each tensor is read as a 3-D (B, N, H*D) tensor with a (1, rows, D) box, so rows past N read
as zero and TMA stores drop them.
"""

from __future__ import annotations

import functools

import torch
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.hopper import mbarrier, tma
from triton.experimental.gluon.nvidia.hopper import TensorDescriptor
from triton.runtime.jit import constexpr_function

from flashsigmoid import launcher


@functools.lru_cache(maxsize=16)
def sm_count(device: torch.device) -> int:
    return torch.cuda.get_device_properties(device).multi_processor_count


_GL_DTYPE = {torch.bfloat16: gl.bfloat16, torch.float16: gl.float16}


@functools.lru_cache(maxsize=64)
def box_layout(rows: int, dim: int, dtype: torch.dtype) -> gl.NVMMASharedLayout:
    """The shared-memory layout of a (1, rows, dim) box: 128-byte swizzle at D = 64 and 128."""
    return gl.NVMMASharedLayout.get_default_for([1, rows, dim], _GL_DTYPE[dtype])


def descriptor(t: torch.Tensor, rows: int) -> TensorDescriptor:
    """(B, N, H, D) with unit stride in D and H: a (B, N, H*D) descriptor, box (1, rows, D)."""
    batch, n, heads, dim = t.shape
    return launcher.descriptor(
        TensorDescriptor, t, [batch, n, heads * dim], [t.stride(0), t.stride(1), 1],
        [1, rows, dim], layout=box_layout(rows, dim, t.dtype),
    )  # fmt: skip


@gluon.jit
def bias_of(Bias, stride_bias_b, stride_bias_h, bias_value, b, h, BIAS_TENSOR: gl.constexpr):
    """The bias of (batch b, head h): Bias[b, h] with a bias tensor, else bias_value."""
    if BIAS_TENSOR:
        return gl.load(Bias + b * stride_bias_b + h * stride_bias_h)
    else:
        return bias_value


@gluon.jit
def ring_load(desc, b, row, col, ready, empty, smem, i, STAGES: gl.constexpr):
    """Copies the box at [b, row, col] into slot i % STAGES once the consumers have freed
    it (a fresh mbarrier passes a wait on the opposite parity: the first lap does not wait)."""
    s = i % STAGES
    mbarrier.wait(empty.index(s), ((i // STAGES) & 1) ^ 1)
    mbarrier.expect(ready.index(s), desc.block_type.nbytes)
    tma.async_copy_global_to_shared(desc, [b, row, col], ready.index(s), smem.index(s))


@gluon.jit
def sigmoid_half(x_half):
    """sigmoid(x) = 0.5 tanh(x / 2) + 0.5 from x / 2: one MUFU op (tanh.approx.f32)."""
    t = gl.inline_asm_elementwise(
        "tanh.approx.f32 $0, $1;", "=f,f", [x_half], dtype=gl.float32, is_pure=True, pack=1
    )
    return t * 0.5 + 0.5


@constexpr_function
def wgmma_layout(num_warps: int, n: int):
    """The register layout of a wgmma result (rows, n) whose rows num_warps warps split."""
    return gl.NVMMADistributedLayout(
        version=[3, 0], warps_per_cta=[num_warps, 1], instr_shape=[16, n, 16]
    )


@constexpr_function
def a_operand_layout(acc_layout):
    """The layout of a bf16 / fp16 tile fed from registers as the A operand of a wgmma into an
    accumulator of acc_layout."""
    return gl.DotOperandLayout(operand_index=0, parent=acc_layout, k_width=2)
