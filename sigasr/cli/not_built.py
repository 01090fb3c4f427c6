"""Subcommands whose implementation has not landed yet: they say so and exit 2."""

from __future__ import annotations

import sys


def register_not_built(subparsers, name: str, help: str, issue: str) -> None:
    """Adds subcommand ``name`` that accepts any arguments, says it is not built, exits 2."""
    p = subparsers.add_parser(name, help=f"{help} [not built yet]", description=help)

    def run(_args) -> int:
        print(f"sigasr {name}: not built yet (tracked in the {issue} issue).", file=sys.stderr)
        return 2

    p.set_defaults(func=run, accepts_any_arguments=True)
