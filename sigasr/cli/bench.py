"""`sigasr bench`: Benchmarks: attention kernels against softmax baselines."""

from __future__ import annotations

from sigasr.cli.not_built import not_built


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "bench",
        help="Benchmarks: attention kernels against softmax baselines.",
        description="Benchmarks: attention kernels against softmax baselines.",
    )
    p.set_defaults(func=not_built("sigasr bench", "FlashSigmoid-kernels"))
