"""`sigasr export`: Export an experiment's (averaged) checkpoint as a save_pretrained model directory."""

from __future__ import annotations

from sigasr.cli.not_built import register_not_built


def register(subparsers) -> None:
    register_not_built(
        subparsers,
        "export",
        "Export an experiment's (averaged) checkpoint as a save_pretrained model directory.",
        "train-and-decode",
    )
