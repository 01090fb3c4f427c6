"""`sigasr train`: Train a CTC model from a YAML config with key=value overrides."""

from __future__ import annotations

from sigasr.cli.not_built import not_built


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="Train a CTC model from a YAML config with key=value overrides.",
        description="Train a CTC model from a YAML config with key=value overrides.",
    )
    p.set_defaults(func=not_built("sigasr train", "train-and-decode"))
