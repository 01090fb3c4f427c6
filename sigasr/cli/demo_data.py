"""`sigasr demo-data`: Synthesize the embedded demo corpus in LibriSpeech and TED-LIUM v3 layouts."""

from __future__ import annotations

from sigasr.cli.not_built import not_built


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo-data",
        help="Synthesize the embedded demo corpus in LibriSpeech and TED-LIUM v3 layouts.",
        description="Synthesize the embedded demo corpus in LibriSpeech and TED-LIUM v3 layouts.",
    )
    p.set_defaults(func=not_built("sigasr demo-data", "data"))
