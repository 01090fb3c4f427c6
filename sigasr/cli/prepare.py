"""`sigasr prepare`: Prepare lhotse manifests, features and tokenizers (librispeech, tedlium, tokenizer)."""

from __future__ import annotations

from sigasr.cli.not_built import not_built


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "prepare",
        help="Prepare lhotse manifests, features and tokenizers (librispeech, tedlium, tokenizer).",
        description="Prepare lhotse manifests, features and tokenizers (librispeech, tedlium, tokenizer).",
    )
    p.set_defaults(func=not_built("sigasr prepare", "data"))
