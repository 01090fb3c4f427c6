"""Registers, spills and shared memory of the FlashSigmoid kernels, compiled without a GPU.

    python tools/kernel_resources.py [--dims 64 128] [--arch 90] [--candidates]

Compiles the forward and backward kernels with every autotuning candidate (tiles.py) for an
sm_<arch> target through Triton's own compiler and ptxas (bundled with triton), and prints one
table row per kernel, head dim and config: registers per thread, spill stores and loads
(bytes per thread) and shared memory per program. Runs on a machine with no GPU: a way to
screen tiles and kernel changes before spending device time. bf16 inputs, non-causal, padded
batches (seq_lens) with the in-kernel -log n bias, as sigasr trains; then the Gluon forward
for Hopper (hopper_forward.py) with its tiles, unpadded, -log N bias, and the Gluon backward
(hopper_backward.py, D = 128, bias tensor and its gradient), sm_90a only.
With warp specialisation, ptxas reports the register cap; the warps then move registers
between them (setmaxnreg).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kernels"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tile_sweep, for --candidates

from flashsigmoid import hopper, hopper_backward, hopper_forward  # noqa: E402
from flashsigmoid.backward import _backward_kernel  # noqa: E402
from flashsigmoid.forward import _forward_kernel  # noqa: E402
from flashsigmoid.tiles import (  # noqa: E402
    BACKWARD_CANDIDATES,
    FORWARD_CANDIDATES,
    HOPPER_DKDV,
    HOPPER_DQ,
    Tile,
    hopper_forward_tiles,
)
from flashsigmoid.tuning import configs as tile_configs  # noqa: E402

PTXAS = Path(triton.__file__).parent / "backends" / "nvidia" / "bin" / "ptxas"
TENSORS = {  # pointer arguments and their element types
    "forward": dict(Q="bf16", K="bf16", V="bf16", Out="bf16", SeqLens="i64"),
    "backward": dict(
        Q="bf16", K="bf16", V="bf16", dO="bf16", dQ="bf16", dK="bf16", dV="bf16", SeqLens="i64"
    ),
}
ABSENT = {"forward": ("Bias", "Slopes"), "backward": ("Bias", "Slopes", "dBias")}
DESCRIPTORS = {"forward": ("KDesc", "VDesc"), "backward": ()}  # host TMA descriptors: key tiles


def signature(kernel, pointers: dict[str, str], constexprs: dict, descriptors=()) -> dict:
    sig = {}
    box = f"[1,{constexprs['BLOCK_N']},1,{constexprs['D_PAD']}]"
    for param in kernel.params:
        name = param.name
        if name in constexprs:
            sig[name] = "constexpr"
        elif name in pointers:
            sig[name] = "*" + pointers[name]
        elif name in descriptors:
            sig[name] = "tensordesc<bf16" + box + ">"
        else:
            sig[name] = "fp32" if name == "scale" else "i32"
    return sig


def resources(kernel, which: str, dim: int, config, arch: int) -> dict:
    pointers = dict(TENSORS[which])
    constexprs = dict(
        HEAD_DIM=dim, D_PAD=dim, CAUSAL=False, HAS_SEQ_LENS=True, BIAS="log_n", HAS_ALIBI=False,
        FAST=True, PRECISION="tf32", TMA_MODE="auto", TMA=False,
    )  # fmt: skip
    constexprs.update(config.kwargs)  # the tiles, and TMA where the config sets it
    constexprs.update(dict.fromkeys(ABSENT[which]))
    descriptors = DESCRIPTORS[which]
    if not constexprs["TMA"]:  # passed as None then
        constexprs.update(dict.fromkeys(descriptors))
    source = ASTSource(kernel, signature(kernel, pointers, constexprs, descriptors), constexprs)
    options = {"num_warps": config.num_warps, "num_stages": config.num_stages}
    if config.maxnreg is not None:
        options["maxnreg"] = config.maxnreg
    return _ptxas_report(source, options, arch)


def gluon_resources(
    kernel, dim: int, boxes: dict, constexprs: dict, num_warps: int, maxnreg: int | None = None
) -> dict:
    """resources() of a Gluon kernel for sm_90a, bf16: boxes maps each descriptor argument to
    its box rows; Bias and DBias are float32 pointers, scales and bias values floats, the rest
    int32."""
    from triton.experimental.gluon._runtime import GluonASTSource

    sig = {}
    for param in kernel.params:
        name = param.name
        if name in constexprs:
            sig[name] = "constexpr"
        elif name in boxes:
            layout = hopper.box_layout(boxes[name], dim, torch.bfloat16)
            sig[name] = f"tensordesc<bf16[1,{boxes[name]},{dim}],{layout!r}>"
        elif name in ("Bias", "DBias"):
            sig[name] = "*fp32"
        else:
            sig[name] = "fp32" if name in ("scale", "half_scale", "bias_value") else "i32"
    options = {"num_warps": num_warps}
    if maxnreg is not None:
        options["maxnreg"] = maxnreg
    return _ptxas_report(GluonASTSource(kernel, sig, constexprs), options, 90)


def hopper_resources(dim: int, n: int) -> dict:
    """gluon_resources() of hopper_forward's kernel with the tiles it picks for (dim, n), -log N
    bias."""
    t = hopper_forward_tiles(dim, n)
    boxes = dict(q_desc=t.block_m, k_desc=t.block_n, v_desc=t.block_n, o_desc=t.block_m)
    constexprs = dict(
        HEAD_D=dim, BLOCK_M=t.block_m, BLOCK_N=t.block_n, STAGES=t.num_stages, BIAS_TENSOR=False,
        Bias=None,
    )  # fmt: skip
    return gluon_resources(hopper_forward._forward_kernel, dim, boxes, constexprs,
                           t.num_warps, t.maxnreg)  # fmt: skip


def hopper_backward_resources() -> tuple[dict, dict]:
    """gluon_resources() of hopper_backward's dK/dV and dQ kernels at D = 128, with a bias
    tensor and its gradient."""
    hb = hopper_backward
    regs = dict(CONSUMER_REGS=hb.CONSUMER_REGS, LOADER_REGS=hb.LOADER_REGS)
    t = HOPPER_DKDV  # each consumer owns t.block_n keys, steps over t.block_m queries
    boxes = dict(q_desc=t.block_m, do_desc=t.block_m, k_desc=t.block_n, v_desc=t.block_n,
                 dk_desc=t.block_n, dv_desc=t.block_n)  # fmt: skip
    constexprs = dict(
        HEAD_D=128, BLOCK_M=t.block_m, HALF=t.block_n, STAGES=t.num_stages, BIAS_TENSOR=True,
        NEED_DB=True, **regs,
    )  # fmt: skip
    dkdv = gluon_resources(hb._dkdv_kernel, 128, boxes, constexprs, t.num_warps)
    t = HOPPER_DQ  # each consumer owns t.block_m queries, steps over t.block_n keys
    boxes = dict(q_desc=t.block_m, do_desc=t.block_m, dq_desc=t.block_m, k_desc=t.block_n,
                 v_desc=t.block_n)  # fmt: skip
    constexprs = dict(
        HEAD_D=128, HALF=t.block_m, BLOCK_N=t.block_n, STAGES=t.num_stages, BIAS_TENSOR=True,
        **regs,
    )  # fmt: skip
    return dkdv, gluon_resources(hb._dq_kernel, 128, boxes, constexprs, t.num_warps)


def _ptxas_report(source, options: dict, arch: int) -> dict:
    compiled = triton.compile(source, target=GPUTarget("cuda", arch, 32), options=options)
    with tempfile.NamedTemporaryFile("w", suffix=".ptx") as ptx:
        ptx.write(compiled.asm["ptx"])
        ptx.flush()
        report = subprocess.run(
            [str(PTXAS), f"-arch=sm_{arch}a", "-v", ptx.name, "-o", "/dev/null"],
            capture_output=True,
            text=True,
            check=True,
        ).stderr

    def number(pattern: str) -> int:
        found = re.search(pattern, report)
        return int(found.group(1)) if found else 0

    return dict(
        registers=number(r"Used (\d+) registers"),
        spill_stores=number(r"(\d+) bytes spill stores"),
        spill_loads=number(r"(\d+) bytes spill loads"),
        shared=compiled.metadata.shared,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--arch", type=int, default=90, help="compute capability, e.g. 90")
    parser.add_argument(
        "--candidates", action="store_true", help="also tools/tile_sweep.py's candidate tiles"
    )
    args = parser.parse_args(argv)
    print(f"triton {triton.__version__}, sm_{args.arch}a, bf16, padded, bias log_n, non-causal\n")
    print("| kernel | D | tiles | registers | spill stores / loads (B) | shared memory (KiB) |")
    print("|---|---|---|---|---|---|")
    forward_list, backward_list = (
        tile_configs(FORWARD_CANDIDATES),
        tile_configs(BACKWARD_CANDIDATES),
    )
    if args.candidates:
        from tile_sweep import MORE_BACKWARD, MORE_FORWARD

        forward_list += tile_configs(MORE_FORWARD)
        backward_list += tile_configs(MORE_BACKWARD)
    kernels = (("forward", _forward_kernel, forward_list),
               ("backward", _backward_kernel, backward_list))  # fmt: skip
    for which, kernel, configs in kernels:
        for dim in args.dims:
            for config in configs:
                r = resources(kernel, which, dim, config, args.arch)
                print(
                    f"| {which} | {dim} | {Tile.of(config.all_kwargs()).label()} | {r['registers']} "
                    f"| {r['spill_stores']} / {r['spill_loads']} | {r['shared'] / 1024:.0f} |",
                    flush=True,
                )
    if args.arch == 90:
        for dim, n in ((64, 1024), (64, 1500), (128, 4096)):
            tiles = hopper_forward_tiles(dim, n)
            r = hopper_resources(dim, n)
            label = f"{tiles.block_m}x{tiles.block_n} {tiles.num_warps}w+1 {tiles.num_stages}s"
            print(
                f"| hopper forward (N {n}) | {dim} | {label} | {r['registers']} "
                f"| {r['spill_stores']} / {r['spill_loads']} | {r['shared'] / 1024:.0f} |",
                flush=True,
            )
        for name, r in zip(("dK/dV", "dQ"), hopper_backward_resources(), strict=True):
            print(
                f"| hopper backward {name} | 128 | see hopper_backward.py | {r['registers']} "
                f"| {r['spill_stores']} / {r['spill_loads']} | {r['shared'] / 1024:.0f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
