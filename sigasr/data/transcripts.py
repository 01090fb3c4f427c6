"""The transcripts of manifest sets as plain text, one supervision per line."""

from __future__ import annotations

from pathlib import Path

from sigasr.atomic import atomic_path
from sigasr.data.corpora import load_set


def write_transcripts(manifest_dir: str | Path, sets: list[str], path: str | Path) -> int:
    """Writes the text of every supervision of ``sets`` to ``path``; returns the line count.

    Empty transcripts are left out: they carry nothing to learn words or pieces from.
    """
    lines = 0
    with atomic_path(Path(path)) as tmp, open(tmp, "w") as f:
        for name in sets:
            for cut in load_set(manifest_dir, name):
                for sup in cut.supervisions:
                    if sup.text and sup.text.strip():
                        f.write(sup.text.strip() + "\n")
                        lines += 1
    return lines
