"""The answer of a subcommand whose implementation has not landed yet."""

from __future__ import annotations

import sys


def not_built(what: str, issue: str):
    """Returns a subcommand ``func`` that says ``what`` is not built yet and exits 2."""

    def run(_args) -> int:
        print(f"sigasr: '{what}' is not built yet (tracked in the {issue} issue).", file=sys.stderr)
        return 2

    return run
