"""`sigasr train`: Train a CTC model from a YAML config with key=value overrides."""

from __future__ import annotations

from sigasr.cli.not_built import register_not_built


def register(subparsers) -> None:
    register_not_built(
        subparsers,
        "train",
        "Train a CTC model from a YAML config with key=value overrides.",
        "train-and-decode",
    )
