"""Times every tile config of the FlashSigmoid kernels at given shapes.

    PYTHONPATH=.:kernels python tools/tile_sweep.py [--shapes 32,8,750,64 ...] [--candidates]

For each shape (B,H,N,D; bf16, non-causal, in-kernel -log n bias) runs Triton's autotuner
over the forward and the backward configs and prints every config's median ms and TFLOP/s
(4 B H N^2 D forward, 2.5x that backward), best first. The autotuner times CUDA-graph
replays (tuning.tuning_bench) with fewer repeats than the benchmark, so compare configs with
one another rather than with the benchmark's tables. --candidates adds tiles that tuning.py
does not list, to decide what it should list (tools/kernel_resources.py screens them for
spills first). It sweeps the Triton kernels, so it turns hopper_forward off
(FLASHSIGMOID_HOPPER=0), which would otherwise run these unpadded forwards on Hopper.
"""

from __future__ import annotations

import argparse
import os
import sys

import torch
import triton

import flashsigmoid
from flashsigmoid import backward, forward, tuning
from flashsigmoid.benchmark import Shape, parse_shape, problem
from flashsigmoid.tuning import backward_configs, forward_configs, tile_configs, tile_label

# Timed on v10 (2026-11-27, one H100; docs/benchmarks.md "Run: v11"): none beat the
# listed tiles. For 64,8,256, where the forward misses cuDNN: 256-row tiles (one program per
# (batch, head) there) and register caps (the 6th entry) that fit more programs on an SM:
# 64 x 32 at 128 registers (4 programs of 4 warps, from 2), 128 x 64 8 warps at 128 (2, from
# 1), 64 x 64 at 168 (3, from 2); the backward's capped 32 x 64; for D = 128, 128 x 32 and
# 128 x 16 TMA tiles at 128 (2 programs, from 1). Kept here to re-sweep after kernel changes.
FORWARD_CANDIDATES = [(64, 128, 4, 3), (128, 64, 8, 4), (64, 64, 4, 2), (128, 64, 4, 3, True),
                      (64, 64, 4, 3, True), (256, 64, 8, 3), (256, 32, 8, 3),
                      (256, 32, 8, 3, True), (64, 32, 4, 3, False, 128),
                      (64, 32, 4, 3, True, 128), (128, 64, 8, 3, False, 128),
                      (64, 64, 4, 3, False, 168), (128, 32, 8, 2, True, 128),
                      (128, 16, 8, 3, True, 128)]  # fmt: skip
BACKWARD_CANDIDATES = [
    (32, 128, 8, 3), (32, 64, 8, 3), (16, 128, 8, 3), (64, 64, 8, 3), (16, 64, 4, 3),
    (64, 128, 8, 2), (32, 128, 4, 3, True), (64, 128, 8, 4, True), (32, 64, 4, 3, True, 128),
]  # fmt: skip


def sweep(shape: Shape, candidates: bool) -> list[tuple[str, str, float]]:
    """(pass, config, ms) for every config that ran, from fresh autotuners."""
    fwd_configs = forward_configs() + (tile_configs(FORWARD_CANDIDATES) if candidates else [])
    bwd_configs = backward_configs() + (tile_configs(BACKWARD_CANDIDATES) if candidates else [])
    tuning._TUNED.clear()
    os.environ["FLASHSIGMOID_HOPPER"] = "0"
    forward._forward_tuned = forward.autotuned(fwd_configs)
    backward._backward_tuned = backward.autotuned(bwd_configs)
    q, k, v, _ = problem(shape)
    out = flashsigmoid.flash_sigmoid_attn(q, k, v, bias="log_n")
    torch.autograd.grad(out, (q, k, v), torch.randn_like(out))
    rows = []
    for name, autotuner in (("fwd", forward._forward_tuned), ("bwd", backward._backward_tuned)):
        for config, ms in autotuner.configs_timings.items():
            rows.append(
                (name, tile_label(config.all_kwargs()), ms[0] if isinstance(ms, list) else ms)
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--shapes", nargs="+", default=["64,8,256,64", "32,8,750,64", "16,8,1500,64",
                                        "32,4,750,64", "4,16,4096,128"],
    )  # fmt: skip
    parser.add_argument("--candidates", action="store_true", help="also tiles tuning.py lacks")
    args = parser.parse_args(argv)
    try:
        shapes = [parse_shape(text) for text in args.shapes]
    except ValueError as e:
        parser.error(str(e))
    if any(shape.padded for shape in shapes):
        parser.error("the sweep times unpadded shapes only")
    if not torch.cuda.is_available():
        print("tile_sweep: needs a CUDA GPU; none is visible.")
        return 2
    print(f"{torch.cuda.get_device_name()}; torch {torch.__version__}; triton {triton.__version__}")
    print("| shape B,H,N,D | pass | BLOCK_M x BLOCK_N, warps, stages[, TMA] | ms | TFLOP/s |")
    print("|---|---|---|---|---|")
    for text, shape in zip(args.shapes, shapes, strict=True):
        flops = 4 * shape.batch * shape.heads * shape.n**2 * shape.dim
        rows = sweep(shape, args.candidates)
        for name, config, ms in sorted(rows, key=lambda r: (r[0], r[2])):
            if ms == float("inf"):  # out of resources: the autotuner skipped it
                print(f"| {text} | {name} | {config} | - | - |")
                continue
            work = flops * (1 if name == "fwd" else 2.5)
            print(f"| {text} | {name} | {config} | {ms:.3f} | {work / ms / 1e9:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
