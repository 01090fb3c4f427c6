"""`sigasr demo-data`: Synthesize the embedded demo corpus in LibriSpeech and TED-LIUM v3 layouts."""

from __future__ import annotations

from sigasr.cli.not_built import register_not_built


def register(subparsers) -> None:
    register_not_built(
        subparsers,
        "demo-data",
        "Synthesize the embedded demo corpus in LibriSpeech and TED-LIUM v3 layouts.",
        "data",
    )
