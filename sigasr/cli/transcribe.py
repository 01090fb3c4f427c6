"""`sigasr transcribe`: Transcribe audio files with an exported model."""

from __future__ import annotations

from sigasr.cli.not_built import register_not_built


def register(subparsers) -> None:
    register_not_built(
        subparsers,
        "transcribe",
        "Transcribe audio files with an exported model.",
        "train-and-decode",
    )
