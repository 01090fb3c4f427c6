"""The kernel router: which implementation runs a call of ``flash_sigmoid_attn``, and how.

    cpu         blocked PyTorch (cpu.py; the exact reference.py under torch.compile): tensors
                off the GPU, outside Triton's interpreter
    hopper      Gluon kernels on sm_90 (hopper_forward.py; hopper_backward.py at D = 128):
                bfloat16 / float16, unpadded, non-causal, no ALiBi, D = 64 or 128, tensors
                dense in (H, D) that TMA descriptors can read
    triton      the Triton kernels (forward.py, backward.py) for everything else, reading tiles
                through pointers or TMA descriptors, with fixed or autotuned tiles

``uses_kernels`` tells the reference from the kernels by the device alone, so that
``torch.compile`` traces the reference on a CPU. ``route`` answers the rest once per call of
the op, on the real tensors, and returns a :class:`Plan`; ``route_backward`` checks that plan
against dO. Plans are cached per device, dtype, shape, layout and option.

Environment variables, read here on every call (native.cpp keys replayed eager calls on them
too; native.py reads FLASHSIGMOID_NATIVE and FLASHSIGMOID_CACHE_DIR):
    TRITON_INTERPRET=1        CPU tensors run the Triton kernels in Triton's interpreter
    FLASHSIGMOID_AUTOTUNE=0   fixed tiles (tiles.fixed_tiles) instead of autotuning
    FLASHSIGMOID_TMA=0 / 1    never / always (where the inputs allow) read tiles through TMA;
                              unset: the autotuner, or the fixed tiles, choose
    FLASHSIGMOID_HOPPER=0     the Triton kernels on Hopper too
Triton itself is imported only once a kernel is routed to, because Triton decides at import
whether its language runs compiled or in the interpreter.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass

import torch

from flashsigmoid.tiles import Tile, fixed_tiles


@dataclass(frozen=True)
class Plan:
    """How the kernels run one call.

    forward(q, k, v, seq_lens, bias, slopes, scale, causal, log_n, plan) -> out;
    backward(do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n, plan)
        -> (dq, dk, dv, dbias); the arguments are those of ``op.attention``.
    """

    forward: Callable
    backward: Callable
    tma: str  # "off", "auto" or "on": whether the Triton kernels' tiles may / must use TMA
    forward_tiles: Tile | None  # the Triton forward's fixed tiles; None: autotuned
    backward_tiles: Tile | None
    d_pad: int  # head dim padded to a power of two (>= 16) for tl.dot
    n_bucket: int  # N rounded up to a power of two (>= 64): the autotuning key for the length
    fast: bool  # tanh.approx sigmoid (GPU, 16-bit inputs)
    precision: str  # tl.dot input precision
    interpret: bool  # the kernels run in Triton's interpreter


def interpreting() -> bool:
    """True when TRITON_INTERPRET=1: CPU tensors then run the kernels in the interpreter."""
    return os.environ.get("TRITON_INTERPRET", "0") == "1"


def uses_kernels(x: torch.Tensor) -> bool:
    """Whether a call on ``x`` runs the kernels (else the PyTorch reference)."""
    return x.is_cuda or interpreting()


def route(q, k, v, seq_lens, slopes, causal: bool) -> Plan:
    """The plan for q, k, v (B, N, H, D) with unit stride in D; seq_lens and slopes may be None."""
    env = os.environ
    return _plan(
        q.device, q.dtype, q.shape, _layout(q), _layout(k), _layout(v),
        seq_lens is not None, slopes is not None, causal, env.get("TRITON_INTERPRET", "0") == "1",
        env.get("FLASHSIGMOID_AUTOTUNE", "1") != "0", env.get("FLASHSIGMOID_TMA", ""),
        env.get("FLASHSIGMOID_HOPPER", "1") != "0",
    )  # fmt: skip


def route_backward(plan: Plan, q: torch.Tensor, do: torch.Tensor) -> Plan:
    """The forward's plan for the backward of dO (unit stride in D): unchanged when dO is laid
    out as q was, else with TMA and the Gluon backward only if dO allows them."""
    if do.stride() == q.stride() and do.data_ptr() % 16 == 0:
        return plan
    from flashsigmoid import backward

    tma = "off" if plan.tma == "off" or not _descriptor_ready(do) else plan.tma
    dense = do.stride(2) == do.shape[-1]
    if tma == plan.tma and (dense or plan.backward is backward.backward):
        return plan
    tiles = plan.backward_tiles
    if tiles is not None and tma == "off":
        tiles = dataclasses.replace(tiles, tma=False)
    return dataclasses.replace(plan, backward=backward.backward, tma=tma, backward_tiles=tiles)


def _layout(t: torch.Tensor) -> tuple:
    return t.stride(), t.data_ptr() % 16


@functools.lru_cache(maxsize=1024)
def _plan(device, dtype, shape, q_layout, k_layout, v_layout, padded: bool, alibi: bool,
          causal: bool, interpret: bool, autotune: bool, tma_env: str, hopper_env: bool) -> Plan:  # fmt: skip
    from flashsigmoid import backward, forward, hopper_backward, hopper_forward

    n, dim = shape[1], shape[3]
    d_pad = max(16, _next_power_of_2(dim))
    tma = _tma_mode(device, dtype, shape, (q_layout, k_layout, v_layout), tma_env, interpret)
    hopper = (
        hopper_env
        and not interpret
        and not (padded or alibi or causal)
        and dtype in (torch.bfloat16, torch.float16)
        and dim in (64, 128)
        and all(layout[0][2] == dim for layout in (q_layout, k_layout, v_layout))
        and tma != "off"
        and _is_sm90(device)
    )
    tiles = (None, None)
    if interpret or not autotune:
        tiles = fixed_tiles(n, d_pad, dtype.itemsize, padded, tma, interpret)
    return Plan(
        forward=hopper_forward.forward if hopper else forward.forward,
        backward=hopper_backward.backward if hopper and dim == 128 else backward.backward,
        tma=tma,
        forward_tiles=tiles[0],
        backward_tiles=tiles[1],
        d_pad=d_pad,
        n_bucket=max(64, _next_power_of_2(n)),
        fast=dtype in (torch.float16, torch.bfloat16) and not interpret,
        precision="ieee" if dtype == torch.float32 else "tf32",
        interpret=interpret,
    )


def _next_power_of_2(x: int) -> int:
    return 1 << max(0, x - 1).bit_length()


def _tma_mode(device, dtype, shape, layouts, tma_env: str, interpret: bool) -> str:
    """ "off", "auto" or "on": whether tiles that read through TMA may or must run.

    A descriptor needs a Hopper or newer GPU (or the interpreter) and, per (B, N, H, D)
    tensor, a 16-byte aligned start, batch, row and head strides of whole 16 bytes, and no
    overlap along them: a broadcast (stride 0 over more than one batch, row or head) takes
    the pointer loads.
    """
    if tma_env == "0" or not (interpret or _has_tma(device)):
        return "off"
    if any(size == 0 for size in shape):  # a descriptor needs every dimension > 0
        return "off"
    if not all(
        _strides_ready(shape, strides, offset, dtype.itemsize) for strides, offset in layouts
    ):
        return "off"
    return "on" if tma_env == "1" else "auto"


def _strides_ready(shape, strides, misalignment: int, itemsize: int) -> bool:
    if misalignment or any(stride * itemsize % 16 for stride in strides[:3]):
        return False
    extents = zip(shape[:3], strides[:3], strict=True)
    return not any(n > 1 and stride * itemsize < 16 for n, stride in extents)


def _descriptor_ready(t: torch.Tensor) -> bool:
    return t.numel() > 0 and _strides_ready(
        t.shape, t.stride(), t.data_ptr() % 16, t.element_size()
    )


@functools.lru_cache(maxsize=16)
def _has_tma(device: torch.device) -> bool:
    return device.type == "cuda" and torch.cuda.get_device_capability(device)[0] >= 9


@functools.lru_cache(maxsize=16)
def _is_sm90(device: torch.device) -> bool:
    return device.type == "cuda" and torch.cuda.get_device_capability(device) == (9, 0)
