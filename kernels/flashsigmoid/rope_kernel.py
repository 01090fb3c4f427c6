"""Fused rotary embedding kernel and its torch custom op (forward and backward).

One program rotates all heads of one position t of one sequence, pairing dimension i with
i + D/2 (see :mod:`flashsigmoid.rope`). The backward rotates the gradient by -t theta_i,
so both directions are the same kernel with the sign of the sine flipped.
"""

from __future__ import annotations

import math

import torch
import triton
import triton.language as tl
from torch import Tensor


@triton.jit
def _rope_kernel(
    X, Out, stride_xb, stride_xn, stride_xh, stride_ob, stride_on, stride_oh,
    H, log2_base, sign,
    HALF: tl.constexpr, HALF_PAD: tl.constexpr, H_PAD: tl.constexpr,
):  # fmt: skip
    t = tl.program_id(0)
    b = tl.program_id(1)
    offs_h = tl.arange(0, H_PAD)
    offs_i = tl.arange(0, HALF_PAD)
    mask = (offs_h[:, None] < H) & (offs_i[None, :] < HALF)
    # theta_i = base^(-i / HALF); the angle of position t is t * theta_i.
    theta = tl.exp2(-(offs_i.to(tl.float32) / HALF) * log2_base)
    angle = t.to(tl.float32) * theta
    cos = tl.cos(angle)[None, :]
    sin = sign * tl.sin(angle)[None, :]
    x_ptr = X + b * stride_xb + t * stride_xn + offs_h[:, None] * stride_xh + offs_i[None, :]
    x1 = tl.load(x_ptr, mask=mask, other=0.0).to(tl.float32)
    x2 = tl.load(x_ptr + HALF, mask=mask, other=0.0).to(tl.float32)
    o_ptr = Out + b * stride_ob + t * stride_on + offs_h[:, None] * stride_oh + offs_i[None, :]
    tl.store(o_ptr, (x1 * cos - x2 * sin).to(Out.dtype.element_ty), mask=mask)
    tl.store(o_ptr + HALF, (x2 * cos + x1 * sin).to(Out.dtype.element_ty), mask=mask)


def _launch(x: Tensor, base: float, sign: float) -> Tensor:
    """Rotates x (B, N, H, D), unit stride in D, by sign * t * theta_i at position t."""
    batch, n, heads, dim = x.shape
    out = torch.empty(x.shape, dtype=x.dtype, device=x.device)
    _rope_kernel[(n, batch)](
        x, out, *x.stride()[:3], *out.stride()[:3], heads, math.log2(base), sign,
        HALF=dim // 2, HALF_PAD=triton.next_power_of_2(dim // 2),
        H_PAD=triton.next_power_of_2(heads),
    )  # fmt: skip
    return out


@torch.library.custom_op("flashsigmoid::rope", mutates_args=())
def rope(x: Tensor, base: float, sign: float) -> Tensor:
    return _launch(x, base, sign)


@rope.register_fake
def _(x, base, sign):
    return torch.empty(x.shape, dtype=x.dtype, device=x.device)


def _setup_context(ctx, inputs, output):
    ctx.base, ctx.sign = inputs[1], inputs[2]


def _backward_rule(ctx, grad):
    return rope(grad.contiguous(), ctx.base, -ctx.sign), None, None


rope.register_autograd(_backward_rule, setup_context=_setup_context)


class _EagerRope(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, base, sign):
        ctx.base, ctx.sign = base, sign
        return _launch(x, base, sign)

    @staticmethod
    def backward(ctx, grad):
        return _launch(grad.contiguous(), ctx.base, -ctx.sign), None, None


def rotate(x: Tensor, base: float) -> Tensor:
    """RoPE of x with its autograd: the custom op when compiling, else the eager Function
    (which skips the op's Python dispatch cost, as in :mod:`flashsigmoid.op`)."""
    if torch.compiler.is_compiling():
        return rope(x, base, 1.0)
    return _EagerRope.apply(x, base, 1.0)
