"""`sigasr prepare`: Prepare lhotse manifests, features and tokenizers (librispeech, tedlium, tokenizer)."""

from __future__ import annotations

from sigasr.cli.not_built import register_not_built


def register(subparsers) -> None:
    register_not_built(
        subparsers,
        "prepare",
        "Prepare lhotse manifests, features and tokenizers (librispeech, tedlium, tokenizer).",
        "data",
    )
