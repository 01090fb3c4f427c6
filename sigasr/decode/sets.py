"""Finding the manifest of a named evaluation set."""

from __future__ import annotations

from pathlib import Path

from lhotse import CutSet


def load_cuts(manifest_dir: str | Path, set_name: str) -> CutSet:
    """The cuts of ``set_name`` (e.g. ``test-clean`` or ``tedlium-30s+``) in ``manifest_dir``.

    Raises FileNotFoundError naming the expected file when the set was not prepared.
    """
    from sigasr.data.manifests import cuts_path

    path = cuts_path(manifest_dir, set_name)
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no manifest for set '{set_name}' (prepare it first)")
    return CutSet.from_file(path)
