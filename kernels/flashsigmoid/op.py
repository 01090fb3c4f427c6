"""The torch custom ops behind :func:`flashsigmoid.flash_sigmoid_attn` and their autograd.

Each call asks ``dispatch.route`` for a plan and runs the plan's forward, and its backward
under autograd. Registered through ``torch.library`` so that ``torch.compile(fullgraph=True)``
traces through them and CUDA graphs can capture them: no host synchronisation, shapes known
from inputs. Eager calls take a plain ``torch.autograd.Function`` over the same plan instead:
it costs less host time per call than the custom op's Python dispatch (tools/host_cpu.py).
"""

from __future__ import annotations

import torch
from torch import Tensor

from flashsigmoid import dispatch


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
    plan = dispatch.route(q, k, v, seq_lens, slopes, causal)
    return plan.forward(q, k, v, seq_lens, bias, slopes, scale, causal, log_n, plan)


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
    plan = dispatch.route(q, k, v, seq_lens, slopes, causal)
    grads = _backward(plan, do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n)
    return [g for g in grads if g is not None]


@attn_bwd.register_fake
def _(do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n):
    grads = [torch.empty(q.shape, dtype=q.dtype, device=q.device) for _ in range(3)]
    if bias is not None:
        grads.append(torch.empty(bias.shape, dtype=torch.float32, device=q.device))
    return grads


def _backward(plan, do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n):
    do = do if do.stride(-1) == 1 else do.contiguous()
    plan = dispatch.route_backward(plan, q, do)
    return plan.backward(do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n, plan)


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
    def forward(ctx, plan, q, k, v, seq_lens, bias, slopes, scale, causal, log_n):
        _setup_context(ctx, (q, k, v, seq_lens, bias, slopes, scale, causal, log_n), None)
        ctx.plan = plan
        return plan.forward(q, k, v, seq_lens, bias, slopes, scale, causal, log_n, plan)

    @staticmethod
    def backward(ctx, do):
        q, k, v, seq_lens, bias, slopes = ctx.saved_tensors
        dq, dk, dv, dbias = _backward(ctx.plan, do, q, k, v, seq_lens, bias, slopes, *ctx.options)
        return None, dq, dk, dv, None, dbias, None, None, None, None


def attention(q, k, v, seq_lens, bias, slopes, scale, causal, log_n) -> Tensor:
    """The forward with its autograd: the custom op when compiling, else the eager Function.

    q, k, v: (B, N, H, D) with unit stride in D, D a multiple of 8; seq_lens (B,) int32 or
    int64, bias (B, H) float32 (any strides) and slopes (H,) float32 may each be None;
    log_n: the bias is -log L, made in the kernel (bias is then None).
    """
    if torch.compiler.is_compiling():  # the op routes inside, where the tensors are real
        return attn_fwd(q, k, v, seq_lens, bias, slopes, scale, causal, log_n)
    plan = dispatch.route(q, k, v, seq_lens, slopes, causal)
    return _EagerAttention.apply(plan, q, k, v, seq_lens, bias, slopes, scale, causal, log_n)
