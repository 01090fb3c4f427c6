"""Where prepared cut manifests live."""

from __future__ import annotations

from pathlib import Path


def cuts_path(manifest_dir: str | Path, set_name: str) -> Path:
    """``manifest_dir/<corpus>_cuts_<set>.jsonl.gz`` for a LibriSpeech part or TED-LIUM bucket.

    ``train-clean-100`` → ``librispeech_cuts_train-clean-100.jsonl.gz``;
    ``tedlium-30s+`` → ``tedlium_cuts_30s+.jsonl.gz``.
    """
    if set_name.startswith("tedlium-"):
        return Path(manifest_dir) / f"tedlium_cuts_{set_name.removeprefix('tedlium-')}.jsonl.gz"
    return Path(manifest_dir) / f"librispeech_cuts_{set_name}.jsonl.gz"
