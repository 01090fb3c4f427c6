"""`sigasr decode`: Greedy CTC decoding and WER scoring of test sets or TED-LIUM length buckets."""

from __future__ import annotations

from sigasr.cli.not_built import not_built


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "decode",
        help="Greedy CTC decoding and WER scoring of test sets or TED-LIUM length buckets.",
        description="Greedy CTC decoding and WER scoring of test sets or TED-LIUM length buckets.",
    )
    p.set_defaults(func=not_built("sigasr decode", "train-and-decode"))
