"""Counting items kept and skipped by reason, printed as a table and saved as JSON."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from sigasr.atomic import atomic_write_text


class DropReport:
    """Counts items seen, kept and skipped per reason for one named stage.

    Every skip is logged with the item and the reason, so nothing is dropped silently.
    """

    def __init__(self, name: str, verbose: bool = True) -> None:
        self.name = name
        self.seen = 0
        self.skipped: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}
        self.verbose = verbose

    def keep(self) -> None:
        self.seen += 1

    def skip(self, item: str, reason: str) -> None:
        self.seen += 1
        self.skipped[reason] += 1
        self.examples.setdefault(reason, []).append(item)
        if self.verbose:
            print(f"[{self.name}] skipped {item}: {reason}", file=sys.stderr)

    @property
    def kept(self) -> int:
        return self.seen - sum(self.skipped.values())

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "in": self.seen,
            "kept": self.kept,
            "skipped": dict(self.skipped),
            "examples": {k: v[:20] for k, v in self.examples.items()},
        }

    def table(self) -> str:
        reasons = ", ".join(f"{r}: {n}" for r, n in sorted(self.skipped.items())) or "none"
        return f"{self.name}: in {self.seen}, kept {self.kept}, skipped {reasons}"


def save_reports(reports: list[DropReport], path: Path) -> None:
    """Prints one line per report and writes them all to ``path`` as JSON."""
    for report in reports:
        print(report.table())
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps([r.as_dict() for r in reports], indent=2) + "\n")
