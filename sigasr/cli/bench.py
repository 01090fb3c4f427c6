"""`sigasr bench attention|training`: FlashSigmoid against softmax on this GPU."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "bench",
        help="Benchmarks: attention kernels against softmax baselines (needs a GPU).",
        description="Benchmarks. `sigasr bench WHAT --help` lists the options of each.",
    )
    p.add_argument(
        "what",
        choices=["attention", "training"],
        help="attention: the kernels alone; training: a recipe model's training step",
    )
    p.add_argument("options", nargs=argparse.REMAINDER, help="options of that benchmark")
    p.set_defaults(func=_run)


def _run(args) -> int:
    if args.what == "attention":
        from flashsigmoid.benchmark import main
    else:
        from sigasr.benchmarks.training import main
    return main(args.options)
