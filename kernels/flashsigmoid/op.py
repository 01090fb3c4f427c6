"""The torch custom ops behind :func:`flashsigmoid.flash_sigmoid_attn` and their autograd.

Registered through ``torch.library`` so that ``torch.compile(fullgraph=True)`` traces through
them and CUDA graphs can capture them: no host synchronisation, shapes known from inputs.
Eager calls take a plain ``torch.autograd.Function`` over the same launchers instead: the
custom op's Python dispatch cost about 0.3 ms a call on an H100 host, more than the whole
kernel at ASR shapes (kernels/NOTES.md).
"""

from __future__ import annotations

import torch
from torch import Tensor

from flashsigmoid import backward as _backward
from flashsigmoid import forward as _forward


@torch.library.custom_op("flashsigmoid::attn_fwd", mutates_args=())
def attn_fwd(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    seq_lens: Tensor | None,
    bias: Tensor | None,
    slopes: Tensor | None,
    scale: float,
    causal: bool,
    log_n: bool,
) -> Tensor:
    return _forward.forward(q, k, v, seq_lens, bias, slopes, scale, causal, log_n)


@attn_fwd.register_fake
def _(q, k, v, seq_lens, bias, slopes, scale, causal, log_n):
    return torch.empty(q.shape, dtype=q.dtype, device=q.device)


@torch.library.custom_op("flashsigmoid::attn_bwd", mutates_args=())
def attn_bwd(
    do: Tensor,
    q: Tensor,
    k: Tensor,
    v: Tensor,
    seq_lens: Tensor | None,
    bias: Tensor | None,
    slopes: Tensor | None,
    scale: float,
    causal: bool,
    log_n: bool,
) -> list[Tensor]:
    """[dQ, dK, dV], and d bias when there is a bias tensor."""
    grads = _backward.backward(do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n)
    return [g for g in grads if g is not None]


@attn_bwd.register_fake
def _(do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n):
    grads = [torch.empty(q.shape, dtype=q.dtype, device=q.device) for _ in range(3)]
    if bias is not None:
        grads.append(torch.empty(bias.shape, dtype=torch.float32, device=q.device))
    return grads


def _setup_context(ctx, inputs, output):
    q, k, v, seq_lens, bias, slopes, scale, causal, log_n = inputs
    ctx.save_for_backward(q, k, v, seq_lens, bias, slopes)
    ctx.options = (scale, causal, log_n)


def _backward_rule(ctx, do):
    q, k, v, seq_lens, bias, slopes = ctx.saved_tensors
    dq, dk, dv, *dbias = attn_bwd(do, q, k, v, seq_lens, bias, slopes, *ctx.options)
    return dq, dk, dv, None, dbias[0] if dbias else None, None, None, None, None


attn_fwd.register_autograd(_backward_rule, setup_context=_setup_context)


class _EagerAttention(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q, k, v, seq_lens, bias, slopes, scale, causal, log_n):
        _setup_context(ctx, (q, k, v, seq_lens, bias, slopes, scale, causal, log_n), None)
        return _forward.forward(q, k, v, seq_lens, bias, slopes, scale, causal, log_n)

    @staticmethod
    def backward(ctx, do):
        q, k, v, seq_lens, bias, slopes = ctx.saved_tensors
        dq, dk, dv, dbias = _backward.backward(do, q, k, v, seq_lens, bias, slopes, *ctx.options)
        return dq, dk, dv, None, dbias, None, None, None, None


def attention(q, k, v, seq_lens, bias, slopes, scale, causal, log_n) -> Tensor:
    """The forward with its autograd: the custom op when compiling, else the eager Function.

    seq_lens, bias and slopes may be None; log_n: the bias is -log L, made in the kernel.
    """
    args = (q, k, v, seq_lens, bias, slopes, scale, causal, log_n)
    if torch.compiler.is_compiling():
        return attn_fwd(*args)
    return _EagerAttention.apply(*args)
