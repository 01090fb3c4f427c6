"""`sigasr bench`: Benchmarks: attention kernels against softmax baselines."""

from __future__ import annotations

from sigasr.cli.not_built import register_not_built


def register(subparsers) -> None:
    register_not_built(
        subparsers,
        "bench",
        "Benchmarks: attention kernels against softmax baselines.",
        "FlashSigmoid-kernels",
    )
