"""Training checkpoints: atomic writes, keep-last-K, and loading that never runs code.

A checkpoint is ``<exp>/checkpoints/ckpt-<step>.pt``. It is first written to a hidden
temporary file in the same directory, flushed to disk, and only then renamed to its final
name, so a process killed mid-write leaves at most a temporary file, which is never loaded
and is removed by the next :class:`CheckpointDir`. Older checkpoints are deleted only after
the new one is in place, so a failed write (disk full, permission denied) leaves the previous
checkpoint intact.
"""

from __future__ import annotations

import os
import pickle
import re
import zipfile
from pathlib import Path

import torch

_NAME = re.compile(r"^ckpt-(\d+)\.pt$")
_TMP_PREFIX = ".tmp-"


class CheckpointError(RuntimeError):
    """A checkpoint cannot be written or read; the message names the file and the cause."""


def checkpoint_step(path: Path) -> int:
    match = _NAME.match(path.name)
    if match is None:
        raise CheckpointError(f"{path}: not a checkpoint file name (expected ckpt-<step>.pt)")
    return int(match.group(1))


def load_checkpoint(path: str | Path) -> dict:
    """Loads ``path`` with ``torch.load(weights_only=True)``: tensors and plain values only."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise CheckpointError(
            f"{path}: refused to load: it holds objects other than tensors and plain values "
            f"({str(e).splitlines()[0]})"
        ) from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as e:
        raise CheckpointError(
            f"{path}: truncated or corrupt checkpoint ({str(e).splitlines()[0]})"
        ) from None
    if not isinstance(state, dict) or "model" not in state or "step" not in state:
        raise CheckpointError(f"{path}: not a sigasr training checkpoint (no 'model'/'step')")
    return state


class CheckpointDir:
    """The checkpoints of one experiment, newest last.

    Args:
        directory: where ``ckpt-<step>.pt`` files live (created if missing).
        keep_last: how many checkpoints to keep after each save (0 keeps all).
    """

    def __init__(self, directory: str | Path, keep_last: int = 0):
        self.directory = Path(directory)
        self.keep_last = keep_last

    def paths(self) -> list[Path]:
        """Complete checkpoints, ordered by step (temporary files are never listed)."""
        if not self.directory.is_dir():
            return []
        found = [p for p in self.directory.iterdir() if _NAME.match(p.name)]
        return sorted(found, key=checkpoint_step)

    def latest(self) -> Path | None:
        paths = self.paths()
        return paths[-1] if paths else None

    def remove_stale_temporaries(self) -> list[Path]:
        """Deletes temporary files left by a write that was killed; returns them."""
        if not self.directory.is_dir():
            return []
        stale = [p for p in self.directory.iterdir() if p.name.startswith(_TMP_PREFIX)]
        for path in stale:
            path.unlink(missing_ok=True)
        return stale

    def save(self, state: dict, step: int) -> Path:
        """Writes ``state`` as ``ckpt-<step>.pt`` atomically, then prunes to ``keep_last``."""
        final = self.directory / f"ckpt-{step}.pt"
        tmp = self.directory / f"{_TMP_PREFIX}{final.name}.{os.getpid()}"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                torch.save(state, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)
            _fsync_directory(self.directory)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise CheckpointError(
                f"{final}: cannot write checkpoint ({e.strerror or e}); "
                "the previous checkpoints are intact"
            ) from None
        self._prune()
        return final

    def _prune(self) -> None:
        if self.keep_last <= 0:
            return
        for path in self.paths()[: -self.keep_last]:
            path.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    """Makes a rename inside ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
