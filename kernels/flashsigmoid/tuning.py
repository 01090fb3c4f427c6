"""Autotuning the Triton kernels' tiles, and launching them with the tiles of a plan.

The autotuner is keyed on the head dim, the dtype, causality, padding (seq_lens or not), the
TMA mode and N rounded up to a power of two, so an ASR run with a new sequence length in
every batch tunes once per bucket, not per length. Each candidate (tiles.FORWARD_CANDIDATES,
tiles.BACKWARD_CANDIDATES) is timed in CUDA-graph replays: the GPU's time alone.
"""

from __future__ import annotations

import triton

from flashsigmoid import launcher, tuned_store
from flashsigmoid.tiles import Tile

AUTOTUNE_KEY = ["N_BUCKET", "HEAD_DIM", "CAUSAL", "HAS_SEQ_LENS", "TMA_MODE"]
"""Launch arguments the tuned tiles depend on (Triton adds the tensors' dtypes itself).
Padded and unpadded batches tune apart: with seq_lens the forward's descriptor tiles add a
masked step, and the picks differ."""


def tuning_bench(kernel_call, quantiles):
    """The autotuner's timer: CUDA-graph replays, the GPU's time alone, as the benchmark
    tables and a captured training step see it.

    ``do_bench_cudagraph`` launches the candidates on a stream of its own that does not wait
    for the caller's, so the current stream is drained first: otherwise a candidate reads
    inputs (q, k, v, seq_lens) that queued kernels have not written yet, and stale lengths
    send it out of bounds (an illegal memory access in a busy training step)."""
    import torch
    from triton.testing import do_bench_cudagraph

    torch.cuda.current_stream().synchronize()
    return do_bench_cudagraph(kernel_call, rep=20, quantiles=quantiles)


def prune_tma(configs, named_args, **kwargs):
    """The autotuner's early pruning: the configs TMA_MODE allows."""
    mode = kwargs["TMA_MODE"]
    return [c for c in configs if mode == "auto" or c.kwargs["TMA"] == (mode == "on")]


def configs(tiles, pre_hook=None) -> list[triton.Config]:
    """Triton autotuning configs of ``tiles``, each with ``pre_hook``."""
    out = []
    for tile in tiles:
        kwargs = dict(tile.constexprs)
        options = {name: kwargs.pop(name) for name in ("num_warps", "num_stages", "maxnreg")
                   if name in kwargs}  # fmt: skip
        out.append(triton.Config(kwargs, **options, pre_hook=pre_hook))
    return out


def autotuner(kernel, tiles, pre_hook=None, config_hook=None):
    """``kernel`` under Triton's autotuner over ``tiles``: keyed on AUTOTUNE_KEY, the configs
    pruned to what TMA_MODE allows, each timed by tuning_bench.

    pre_hook runs before every timed launch; config_hook(nargs) before every launch with a
    candidate (it fits arguments, such as descriptors' boxes, to the candidate's tiles).
    """
    return triton.autotune(
        configs=configs(tiles, config_hook),
        key=AUTOTUNE_KEY,
        pre_hook=pre_hook,
        prune_configs_by={"early_config_prune": prune_tma},
        do_bench=tuning_bench,
    )(kernel)


_TUNED: dict[tuple, Tile] = {}
"""(kernel, N bucket, dtype, launch constexprs...) -> the tile the autotuner picked."""


def _tuned_key(kernel, meta: dict, n_bucket: int, dtype) -> tuple:
    return (kernel, n_bucket, dtype, *meta.items())  # at least the autotuner's key


def tile_for(kernel, fixed: Tile | None, meta: dict, plan, dtype) -> Tile | None:
    """The tile ``kernel`` runs with: ``fixed`` (the plan's), else the autotuner's pick for
    this key; None before it has run for this key."""
    if fixed is not None:
        return fixed
    key = _tuned_key(kernel, meta, plan.n_bucket, dtype)
    tile = _TUNED.get(key)
    if tile is None and (tile := tuned_store.load(kernel, key)) is not None:
        _TUNED[key] = tile  # tuned by an earlier process
    return tile


def launch_tiled(kernel, tuned, tile: Tile | None, grid, args, meta: dict, plan, dtype) -> None:
    """Launches ``kernel`` on ``grid(tile)`` with ``tile`` (from ``tile_for``); without one,
    autotunes through ``tuned`` (``kernel`` under ``autotuner``) and records its pick.

    Later calls launch the plain kernel with the pick through ``launcher.launch``, which skips
    the autotuner's and Triton's per-call Python. plan: the call's ``dispatch.Plan``.
    """
    if plan.tma != "off" and not plan.interpret:
        ensure_allocator()
    if tile is None:
        launcher.record(launcher.AUTOTUNING)
        tuned[grid](*args, **meta)
        pick = Tile.of(tuned.best_config.all_kwargs())
        key = _tuned_key(kernel, meta, plan.n_bucket, dtype)
        _TUNED[key] = pick
        tuned_store.store(kernel, key, pick)
        return
    constexprs = {**meta, **tile.constexprs}
    launcher.launch(kernel, grid(constexprs), args, constexprs)


def picks() -> list[str]:
    """The autotuner's choices so far, in order: "kernel, N bucket, D: tiles"."""
    return [
        f"{key[0].__name__.strip('_')}, N <= {key[1]}, D = {dict(key[3:])['HEAD_DIM']}: "
        f"{tile.label()}"
        for key, tile in _TUNED.items()
    ]


def ensure_allocator() -> None:
    """Sets Triton's allocator (the global memory kernels write their TMA descriptors to)
    where none is set. Triton keeps it in a ContextVar, per thread: autograd runs the
    backward in its own thread."""
    from triton.runtime import _allocation

    if isinstance(_allocation._allocator.get(), _allocation.NullAllocator):
        triton.set_allocator(_scratch)


def _scratch(size: int, alignment: int, stream):
    import torch

    return torch.empty(size, dtype=torch.int8, device="cuda")
