"""The torch custom ops behind :func:`flashsigmoid.flash_sigmoid_attn` and their autograd.

Each call asks ``dispatch.route`` for a plan and runs the plan's forward, and its backward
under autograd. Registered through ``torch.library`` so that ``torch.compile(fullgraph=True)``
traces through them and CUDA graphs can capture them: no host synchronisation, shapes known
from inputs. Eager calls take a plain ``torch.autograd.Function`` over the same plan instead:
it costs less host time per call than the custom op's Python dispatch (tools/host_cpu.py).
On CUDA, once native.py's extension is built, that Function records each key's launches and
later calls of the key replay them from a C++ autograd node.
"""

from __future__ import annotations

import torch
from torch import Tensor

from flashsigmoid import dispatch, launcher, native


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
    def forward(ctx, plan, ext, q, k, v, seq_lens, bias, slopes, scale, causal, log_n):
        """ext: the native extension when this call's launches are to be recorded, else None."""
        args = (q, k, v, seq_lens, bias, slopes, scale, causal, log_n)
        _setup_context(ctx, args, None)
        ctx.plan, ctx.native = plan, None
        if ext is None:
            return plan.forward(*args, plan)
        with launcher.recording() as launches:
            out = plan.forward(*args, plan)
        if launcher.AUTOTUNING not in launches:
            steps = native.recipe(launches, (q, k, v, out, seq_lens, bias, slopes))
            index = ext.register_forward(*args, steps)
            ctx.native = None if steps is None else (ext, index)
        return out

    @staticmethod
    def backward(ctx, do):
        q, k, v, seq_lens, bias, slopes = ctx.saved_tensors
        if ctx.native is None:
            dq, dk, dv, dbias = _backward(
                ctx.plan, do, q, k, v, seq_lens, bias, slopes, *ctx.options
            )
        else:
            dq, dk, dv, dbias = recorded_backward(
                *ctx.native, do, q, k, v, seq_lens, bias, slopes, *ctx.options, plan=ctx.plan
            )
        return None, None, dq, dk, dv, None, dbias, None, None, None, None


def recorded_backward(ext, index, do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n,
                      plan=None):  # fmt: skip
    """The Python backward, its launches recorded as entry ``index``'s backward recipe."""
    plan = plan or dispatch.route(q, k, v, seq_lens, slopes, causal)
    do = do if do.stride(-1) == 1 else do.contiguous()
    with launcher.recording() as launches:
        grads = _backward(plan, do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n)
    if launcher.AUTOTUNING not in launches:
        steps = native.recipe(launches, (do, q, k, v, *grads, seq_lens, bias, slopes))
        if steps is not None:
            ext.register_backward(index, list(do.stride()), steps)
    return grads


def attention(q, k, v, seq_lens, bias, slopes, scale, causal, log_n) -> Tensor:
    """The forward with its autograd: the custom op when compiling; else the C++ path of
    native.py once it is built and has recorded this call's key, else the eager Function.

    q, k, v: (B, N, H, D) with unit stride in D, D a multiple of 8; seq_lens (B,) int32 or
    int64, bias (B, H) float32 (any strides) and slopes (H,) float32 may each be None;
    log_n: the bias is -log L, made in the kernel (bias is then None).
    """
    if torch.compiler.is_compiling():  # the op routes inside, where the tensors are real
        return attn_fwd(q, k, v, seq_lens, bias, slopes, scale, causal, log_n)
    ext = native.extension() if q.is_cuda else None
    if ext is not None:
        out = ext.attention(q, k, v, seq_lens, bias, slopes, scale, causal, log_n)
        if out.__class__ is not int:
            return out
        if out == 1:  # a key that stays on the Python path
            ext = None
    plan = dispatch.route(q, k, v, seq_lens, slopes, causal)
    return _EagerAttention.apply(plan, ext, q, k, v, seq_lens, bias, slopes, scale, causal, log_n)
