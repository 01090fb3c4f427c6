"""Launch choices: autotuning configs, the autotune key, and the interpreter's fixed tiles.

Autotuning is keyed on the head dim, the dtype, causality, padding (seq_lens or not) and N
rounded up to a power of two, so an ASR run with a new sequence length in every batch tunes
once per bucket, not per length. FLASHSIGMOID_AUTOTUNE=0 uses fixed tiles instead (no tuning
at all).

Some configs read whole tiles through TMA descriptors (Hopper's copy engine): built on the
host in the forward, in the kernel in the backward (kernels/NOTES.md, v8 and v11).
FLASHSIGMOID_TMA=0 never uses them, =1 always where the inputs allow (fixed tiles too),
unset leaves the choice to the autotuner.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import torch
import triton

from flashsigmoid import launcher
from flashsigmoid.dispatch import interpreting


@dataclass(frozen=True)
class KernelOptions:
    d_pad: int  # head dim padded to a power of two (>= 16) for tl.dot
    n_bucket: int  # the autotune key for the length
    fast: bool  # tanh.approx sigmoid (GPU, 16-bit inputs)
    precision: str  # tl.dot input precision
    fixed: tuple[int, int, int, int] | None  # (BLOCK_M, BLOCK_N, warps, stages) or autotune
    tma: str  # FLASHSIGMOID_TMA: "0", "1" or "" (autotuned)
    interpret: bool  # TRITON_INTERPRET=1: the kernels run in Triton's interpreter


def _fixed_tiles(itemsize: int, d_pad: int, interpret: bool, autotune: str):
    """The tiles used without autotuning: tiny in the interpreter, else by row width."""
    if interpret:
        return (16, 16, 4, 1)
    if autotune == "0":
        return (64, 64, 4, 2) if d_pad * itemsize <= 256 else (32, 32, 4, 1)
    return None


def kernel_options(q: torch.Tensor, n: int, dim: int) -> KernelOptions:
    """The launch choices for q's dtype, length n and head dim (cached: called every launch)."""
    autotune = os.environ.get("FLASHSIGMOID_AUTOTUNE", "1")
    tma = os.environ.get("FLASHSIGMOID_TMA", "")
    return _kernel_options(q.dtype, n, dim, interpreting(), autotune, tma)


@functools.lru_cache(maxsize=4096)
def _kernel_options(dtype, n: int, dim: int, interpret: bool, autotune: str, tma: str):
    half = dtype in (torch.float16, torch.bfloat16)
    d_pad = max(16, triton.next_power_of_2(dim))
    return KernelOptions(
        d_pad=d_pad,
        n_bucket=max(64, triton.next_power_of_2(n)),
        fast=half and not interpret,
        precision="ieee" if dtype == torch.float32 else "tf32",
        fixed=_fixed_tiles(dtype.itemsize, d_pad, interpret, autotune),
        tma=tma,
        interpret=interpret,
    )


@functools.lru_cache(maxsize=16)
def _has_tma(device: torch.device) -> bool:
    return device.type == "cuda" and torch.cuda.get_device_capability(device)[0] >= 9


def tma_mode(opts: KernelOptions, *tensors: torch.Tensor) -> str:
    """ "off", "auto" or "on": whether configs that read tiles through TMA may or must run.

    A descriptor needs a Hopper or newer GPU (or the interpreter) and, per (B, N, H, D)
    tensor, a 16-byte aligned start, batch, row and head strides of whole 16 bytes, and no
    overlap along them: a broadcast (stride 0 over more than one batch, row or head) takes
    the pointer loads.
    """
    if opts.tma == "0" or not (opts.interpret or _has_tma(tensors[0].device)):
        return "off"
    if tensors[0].numel() == 0:  # a descriptor needs every dimension > 0
        return "off"
    for t in tensors:
        size = t.element_size()
        if t.data_ptr() % 16 or any(stride * size % 16 for stride in t.stride()[:3]):
            return "off"
        extents = zip(t.shape[:3], t.stride()[:3], strict=True)
        if any(n > 1 and stride * size < 16 for n, stride in extents):
            return "off"
    return "on" if opts.tma == "1" else "auto"


def tuning_bench(kernel_call, quantiles):
    """The autotuner's timer: CUDA-graph replays, the GPU's time alone, as the benchmark
    tables and a captured training step see it. Picked better tiles than Triton's eager
    default at all four ASR shapes (2026-11-27, H100: f+b 1.01-1.04x against 0.99-1.02x)."""
    from triton.testing import do_bench_cudagraph

    return do_bench_cudagraph(kernel_call, rep=20, quantiles=quantiles)


def prune_tma(configs, named_args, **kwargs):
    """The autotuner's early pruning: the configs TMA_MODE allows."""
    mode = kwargs["TMA_MODE"]
    return [c for c in configs if mode == "auto" or c.kwargs["TMA"] == (mode == "on")]


def _scratch(size: int, alignment: int, stream) -> torch.Tensor:
    """Triton's allocator: global memory the kernels write their TMA descriptors to."""
    return torch.empty(size, dtype=torch.int8, device="cuda")


def _ensure_allocator() -> None:
    """Sets _scratch as Triton's allocator where none is set. Triton keeps it in a
    ContextVar, per thread: autograd runs the backward in its own thread."""
    from triton.runtime import _allocation

    if isinstance(_allocation._allocator.get(), _allocation.NullAllocator):
        triton.set_allocator(_scratch)


def sequence_args(seq_lens, bias, slopes, log_n: bool):
    """The bias strides and the constexpr flags for ``tiles.sequence_terms``."""
    bias_kind = "log_n" if log_n else "none" if bias is None else "tensor"
    flags = dict(HAS_SEQ_LENS=seq_lens is not None, BIAS=bias_kind, HAS_ALIBI=slopes is not None)
    return (bias.stride() if bias is not None else (0, 0)), flags


AUTOTUNE_KEY = ["N_BUCKET", "HEAD_DIM", "CAUSAL", "HAS_SEQ_LENS", "TMA_MODE"]
"""Launch arguments the tuned tiles depend on (Triton adds the tensors' dtypes itself).
Padded and unpadded batches tune apart: with seq_lens the forward's descriptor configs add a
masked step, and the picks differ (kernels/NOTES.md v11)."""


def autotuner(kernel, configs: list[triton.Config], pre_hook=None, config_hook=None):
    """``kernel`` under Triton's autotuner over ``configs``: keyed on AUTOTUNE_KEY, the
    configs pruned to what TMA_MODE allows, each timed by tuning_bench.

    pre_hook runs before every timed launch; config_hook(nargs) before every launch with a
    config, the chosen one's included (it fits arguments to the config's tiles, see launch).
    """
    if config_hook is not None:
        configs = [
            triton.Config(c.kwargs, c.num_warps, c.num_stages, maxnreg=c.maxnreg,
                          pre_hook=config_hook)
            for c in configs
        ]  # fmt: skip
    return triton.autotune(
        configs=configs,
        key=AUTOTUNE_KEY,
        pre_hook=pre_hook,
        prune_configs_by={"early_config_prune": prune_tma},
        do_bench=tuning_bench,
    )(kernel)


_TUNED: dict[tuple, dict] = {}


def _tuned_key(kernel, meta: dict, opts: KernelOptions, dtype) -> tuple:
    return (kernel, opts.n_bucket, dtype, *meta.items())  # at least the autotuner's key


def chosen_tiles(kernel, meta: dict, opts: KernelOptions, dtype) -> dict | None:
    """The tiles ``launch`` runs ``kernel`` with for these launch choices: the fixed ones, else
    those the autotuner picked; None before it has run for this key."""
    if opts.fixed is None:
        return _TUNED.get(_tuned_key(kernel, meta, opts, dtype))
    block_m, block_n, warps, stages = opts.fixed
    tiles = dict(BLOCK_M=block_m, BLOCK_N=block_n, num_warps=warps, num_stages=stages)
    tiles["TMA"] = meta["TMA_MODE"] == "on"
    return tiles


def launch(
    kernel, tuned, grid, args, meta: dict, opts: KernelOptions, dtype, config_hook=None
) -> None:
    """Launches ``kernel`` on ``grid(tiles)``: the fixed tiles, else the autotuned ones.

    The autotuner runs once per key; later calls launch the plain kernel with its choice,
    which skips the autotuner's per-call Python cost (about 45 us per launch on the H100
    host, see kernels/NOTES.md), through its cached compiled binary (flashsigmoid.launcher).
    config_hook: the one ``autotuner`` was given, called here on chosen tiles that use TMA.
    """
    if meta["TMA_MODE"] != "off" and not opts.interpret:
        _ensure_allocator()
    tiles = chosen_tiles(kernel, meta, opts, dtype)
    if tiles is None:
        tuned[grid](*args, **meta)
        _TUNED[_tuned_key(kernel, meta, opts, dtype)] = tuned.best_config.all_kwargs()
        return
    if config_hook is not None and tiles["TMA"]:
        config_hook({**dict(zip(kernel.arg_names, args, strict=False)), **meta, **tiles})
    launcher.launch(kernel, grid(tiles), args, {**meta, **tiles})


def tile_label(tiles: dict) -> str:
    """ "BLOCK_M x BLOCK_N, W warps, S st[, TMA][, <= R regs]" from a config's ``all_kwargs()``."""
    tma = ", TMA" if tiles.get("TMA") else ""
    regs = f", <= {tiles['maxnreg']} regs" if tiles.get("maxnreg") else ""
    return (
        f"{tiles['BLOCK_M']} x {tiles['BLOCK_N']}, {tiles['num_warps']} warps, "
        f"{tiles['num_stages']} st{tma}{regs}"
    )


def picks() -> list[str]:
    """The autotuner's choices so far, in order: "kernel, N bucket, D: tiles"."""
    return [
        f"{key[0].__name__.strip('_')}, N <= {key[1]}, D = {dict(key[3:])['HEAD_DIM']}: "
        f"{tile_label(tiles)}"
        for key, tiles in _TUNED.items()
    ]


def tile_configs(shapes) -> list[triton.Config]:
    """Autotuning configs from (BLOCK_M, BLOCK_N, num_warps, num_stages[, TMA[, maxnreg]])
    tuples. maxnreg caps the registers per thread (ptxas), so that more programs share an SM."""
    configs = []
    for shape in shapes:
        m, n, w, s, tma, maxnreg = tuple(shape) + (False, None)[len(shape) - 4 :]
        kwargs = {"BLOCK_M": m, "BLOCK_N": n, "TMA": tma}
        configs.append(triton.Config(kwargs, num_warps=w, num_stages=s, maxnreg=maxnreg))
    return configs


def forward_configs():
    """(64, 32, 4, 3) added 2026-11-27: best at 16,8,1500,64 and 4,16,4096,128 in a sweep
    (tools/tile_sweep.py, kernels/NOTES.md). The TMA configs: best at D = 128, N >= 4096
    in a probe on an H100 (2026-11-27, kernels/NOTES.md v8). (128, 32, 8, 3, TMA): the
    autotuner's pick at all three D = 128 shapes, forward 5-8 % faster there (v9); without
    TMA the same tile ran 10-17 % slower in the sweep, so it is not listed. (128, 64, 4, 3,
    TMA): the pick at N = 750 and 1500 once the forward's descriptors were built on the host,
    forward 4-12 % faster there (v11)."""
    return tile_configs([(128, 64, 4, 3), (128, 64, 8, 3), (128, 128, 8, 2), (64, 64, 4, 3),
                     (64, 32, 4, 3), (64, 32, 4, 3, True), (128, 64, 8, 3, True),
                     (128, 32, 8, 3, True), (128, 64, 4, 3, True)])  # fmt: skip


def backward_configs():
    """BLOCK_N: the rows a backward program owns (keys or queries); BLOCK_M: its step.

    From tile sweeps on an H100 (kernels/NOTES.md): the best at some ASR or long-N shape, in
    D = 64 or 128. Tried and dropped: (32, 128, 8, 3), the one 128-row tile that compiles
    without register spills at D = 128, 0.83x the best there (2026-11-27). The TMA configs:
    4-9 % faster than the same tiles without at N >= 750 in a probe (kernels/NOTES.md v8).
    """
    return tile_configs([(64, 64, 4, 3), (32, 64, 4, 3), (32, 128, 4, 3), (64, 128, 8, 3),
                     (64, 128, 8, 4), (64, 64, 4, 3, True), (32, 64, 4, 3, True),
                     (64, 128, 8, 3, True)])  # fmt: skip
