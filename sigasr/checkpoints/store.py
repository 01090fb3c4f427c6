"""Training checkpoints: atomic writes, a checksum, keep-last-K, and loading that runs no code.

A checkpoint is ``<exp>/checkpoints/ckpt-<step>.pt``, written through
:func:`sigasr.atomic.atomic_path`: a process killed mid-write leaves at most a ``.tmp-*`` file,
which is never loaded and is removed by :meth:`CheckpointDir.remove_stale_temporaries`. Older
checkpoints are deleted only after the new one is in place, so a failed write (disk full,
permission denied) leaves the previous checkpoint intact.

Each checkpoint carries a CRC32 of everything else it holds (``checksum``); a file damaged
after it was written fails the check on load, and resume moves it aside as ``*.corrupt`` and
falls back to the newest checkpoint that passes.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
from pathlib import Path

import torch

from sigasr.atomic import TMP_PREFIX, atomic_path
from sigasr.checksum import state_checksum
from sigasr.errors import CheckpointError

_NAME = re.compile(r"^ckpt-(\d+)\.pt$")
CHECKSUM_KEY = "checksum"
CORRUPT_SUFFIX = ".corrupt"


class CorruptCheckpointError(CheckpointError):
    """The file is truncated, damaged, fails its checksum or is no sigasr checkpoint."""


def checkpoint_step(path: Path) -> int:
    match = _NAME.match(path.name)
    if match is None:
        raise CheckpointError(f"{path}: not a checkpoint file name (expected ckpt-<step>.pt)")
    return int(match.group(1))


def load_checkpoint(path: str | Path) -> dict:
    """Loads ``path`` with ``torch.load(weights_only=True)`` and verifies its checksum.

    Raises :class:`CorruptCheckpointError` naming the file when it cannot be used.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise CorruptCheckpointError(
            f"{path}: refused to load with weights_only=True: it is corrupt or holds objects "
            f"other than tensors and plain values ({_first_line(e)})"
        ) from None
    except Exception as e:  # a damaged file makes torch.load fail with many error types
        raise CorruptCheckpointError(
            f"{path}: truncated or corrupt checkpoint ({_first_line(e)})"
        ) from None
    if not isinstance(state, dict) or "model" not in state or "step" not in state:
        raise CorruptCheckpointError(
            f"{path}: not a sigasr training checkpoint (no 'model'/'step')"
        )
    stored = state.pop(CHECKSUM_KEY, None)
    if stored is None:
        raise CorruptCheckpointError(
            f"{path}: no '{CHECKSUM_KEY}'; not a complete sigasr checkpoint"
        )
    if stored != state_checksum(state):
        raise CorruptCheckpointError(
            f"{path}: checksum mismatch; the file was damaged after writing"
        )
    return state


def _on_cpu(value):
    """``value`` (nested dicts, lists, tuples) with every tensor copied to the CPU."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {key: _on_cpu(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_on_cpu(item) for item in value)
    return value


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


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
        """Checkpoints, ordered by step (temporary and ``*.corrupt`` files are never listed)."""
        if not self.directory.is_dir():
            return []
        found = [p for p in self.directory.iterdir() if _NAME.match(p.name)]
        return sorted(found, key=checkpoint_step)

    def latest(self) -> Path | None:
        paths = self.paths()
        return paths[-1] if paths else None

    def newest_good(self) -> tuple[Path, dict] | None:
        """The newest checkpoint that loads and passes its checksum, and its state.

        Each newer one that fails is renamed ``*.corrupt`` and reported on stderr.
        """
        for path in reversed(self.paths()):
            try:
                return path, load_checkpoint(path)
            except CorruptCheckpointError as e:
                moved = path.with_name(path.name + CORRUPT_SUFFIX)
                try:
                    os.replace(path, moved)
                except OSError as rename_error:
                    raise CheckpointError(
                        f"{e}; cannot rename it to {moved.name} ({rename_error.strerror})"
                    ) from None
                print(f"warning: {e}; renamed to {moved.name}", file=sys.stderr, flush=True)
        return None

    def remove_stale_temporaries(self) -> list[Path]:
        """Deletes temporary files left by a write that was killed; returns them."""
        if not self.directory.is_dir():
            return []
        stale = [p for p in self.directory.iterdir() if p.name.startswith(TMP_PREFIX)]
        for path in stale:
            path.unlink(missing_ok=True)
        return stale

    def save(self, state: dict, step: int) -> Path:
        """Writes ``state`` and its checksum as ``ckpt-<step>.pt``, then prunes to ``keep_last``."""
        final = self.directory / f"ckpt-{step}.pt"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            state = _on_cpu(state)  # once, for both the checksum and torch.save
            with atomic_path(final) as tmp:
                torch.save({**state, CHECKSUM_KEY: state_checksum(state)}, tmp)
        except OSError as e:
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
