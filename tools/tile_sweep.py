"""Times every tile config of the FlashSigmoid kernels at given shapes.

    PYTHONPATH=.:kernels python tools/tile_sweep.py [--shapes 32,8,750,64 ...] [--candidates]

For each shape (B,H,N,D; bf16, non-causal, in-kernel -log n bias) runs Triton's autotuner
over the forward and the backward configs and prints every config's median ms and TFLOP/s
(4 B H N^2 D forward, 2.5x that backward), best first. The autotuner times CUDA-graph
replays (tuning.tuning_bench) with fewer repeats than the benchmark, so compare configs with
one another rather than with the benchmark's tables. --candidates adds the tiles below, which
flashsigmoid/tiles.py does not list, to decide what it should list (tools/kernel_resources.py
screens them for spills first). It sweeps the Triton kernels, so it turns the Gluon kernels
off (FLASHSIGMOID_HOPPER=0), which would otherwise run these unpadded forwards on Hopper.
"""

from __future__ import annotations

import argparse
import os
import sys

import torch
import triton

import flashsigmoid
from flashsigmoid import backward, forward, tuning
from flashsigmoid.tiles import BACKWARD_CANDIDATES, FORWARD_CANDIDATES, Tile
from sigasr.benchmarks.attention import Shape, parse_shape, problem

# Tiles that lost to the listed ones in earlier sweeps, kept to re-sweep after kernel changes.
# For 64,8,256: 256-row tiles (one program per (batch, head) there) and register caps that fit
# more programs on an SM; for D = 128, 128 x 32 and 128 x 16 TMA tiles capped at 128 registers.
MORE_FORWARD = (
    Tile(64, 128, 4, 3), Tile(128, 64, 8, 4), Tile(64, 64, 4, 2), Tile(64, 64, 4, 3, True),
    Tile(256, 64, 8, 3), Tile(256, 32, 8, 3), Tile(256, 32, 8, 3, True),
    Tile(64, 32, 4, 3, False, 128), Tile(64, 32, 4, 3, True, 128),
    Tile(128, 64, 8, 3, False, 128), Tile(64, 64, 4, 3, False, 168),
    Tile(128, 32, 8, 2, True, 128), Tile(128, 16, 8, 3, True, 128),
)  # fmt: skip
MORE_BACKWARD = (
    Tile(32, 128, 8, 3), Tile(32, 64, 8, 3), Tile(16, 128, 8, 3), Tile(64, 64, 8, 3),
    Tile(16, 64, 4, 3), Tile(64, 128, 8, 2), Tile(32, 128, 4, 3, True),
    Tile(64, 128, 8, 4, True), Tile(32, 64, 4, 3, True, 128),
)  # fmt: skip


def sweep(shape: Shape, candidates: bool) -> list[tuple[str, str, float]]:
    """(pass, config, ms) for every config that ran, from fresh autotuners."""
    fwd_tiles = FORWARD_CANDIDATES + (MORE_FORWARD if candidates else ())
    bwd_tiles = BACKWARD_CANDIDATES + (MORE_BACKWARD if candidates else ())
    tuning._TUNED.clear()
    os.environ["FLASHSIGMOID_HOPPER"] = "0"
    forward._forward_tuned = forward.autotuned(fwd_tiles)
    backward._backward_tuned = backward.autotuned(bwd_tiles)
    q, k, v, _ = problem(shape)
    out = flashsigmoid.flash_sigmoid_attn(q, k, v, bias="log_n")
    torch.autograd.grad(out, (q, k, v), torch.randn_like(out))
    rows = []
    for name, autotuner in (("fwd", forward._forward_tuned), ("bwd", backward._backward_tuned)):
        for config, ms in autotuner.configs_timings.items():
            rows.append(
                (name, Tile.of(config.all_kwargs()).label(), ms[0] if isinstance(ms, list) else ms)
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--shapes", nargs="+", default=["64,8,256,64", "32,8,750,64", "16,8,1500,64",
                                        "32,4,750,64", "4,16,4096,128"],
    )  # fmt: skip
    parser.add_argument("--candidates", action="store_true", help="also tiles tiles.py lacks")
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
