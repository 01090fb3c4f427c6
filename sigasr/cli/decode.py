"""`sigasr decode`: Greedy CTC decoding and WER scoring of test sets or TED-LIUM length buckets."""

from __future__ import annotations

from sigasr.cli.not_built import register_not_built


def register(subparsers) -> None:
    register_not_built(
        subparsers,
        "decode",
        "Greedy CTC decoding and WER scoring of test sets or TED-LIUM length buckets.",
        "train-and-decode",
    )
