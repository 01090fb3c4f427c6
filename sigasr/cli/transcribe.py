"""`sigasr transcribe`: Transcribe audio files with an exported model."""

from __future__ import annotations

from sigasr.cli.not_built import not_built


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "transcribe",
        help="Transcribe audio files with an exported model.",
        description="Transcribe audio files with an exported model.",
    )
    p.set_defaults(func=not_built("sigasr transcribe", "train-and-decode"))
