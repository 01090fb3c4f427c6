"""`sigasr export`: Export an experiment's (averaged) checkpoint as a save_pretrained model directory."""

from __future__ import annotations

from sigasr.cli.not_built import not_built


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export",
        help="Export an experiment's (averaged) checkpoint as a save_pretrained model directory.",
        description="Export an experiment's (averaged) checkpoint as a save_pretrained model directory.",
    )
    p.set_defaults(func=not_built("sigasr export", "train-and-decode"))
