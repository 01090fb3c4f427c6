"""Autotuned tiles kept on disk, so that a later process launches them without tuning again.

Triton's own ``autotune(cache_results=True)`` skips every kernel whose configs carry a
pre_hook, as the forward's do (they fit TMA boxes to the tiles), so the picks are kept here:
one JSON file per kernel source and GPU in Triton's cache directory (``TRITON_CACHE_DIR``,
default ``~/.triton/cache``), ``flashsigmoid/<kernel>-<hash>.json``, mapping the autotuning
key (N bucket, dtype, launch constexprs) to the picked :class:`~flashsigmoid.tiles.Tile`.
The hash covers the kernel's source (Triton's ``cache_key``, which follows its callees),
the GPU's name and compute capability and Triton's version: editing the kernel or moving to
another GPU tunes afresh (a changed candidate list does not: a stored pick stays valid). Writes replace the file
atomically; a file that cannot be read or written is ignored (tuning runs instead).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path

from flashsigmoid.tiles import Tile


def load(kernel, key: tuple) -> Tile | None:
    """The tile stored for ``kernel`` (a ``triton.jit`` function) and ``key``."""
    entry = _read(_path(kernel)).get(_entry(key))
    if entry is None:
        return None
    try:
        return Tile(**entry)
    except TypeError:  # written by another version of Tile
        return None


def store(kernel, key: tuple, tile: Tile) -> None:
    """Adds ``tile`` for ``key`` to ``kernel``'s file (read again first: other processes)."""
    path = _path(kernel)
    entries = _read(path)
    entries[_entry(key)] = dataclasses.asdict(tile)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(entries, f, indent=1, sort_keys=True)
        os.replace(tmp, path)


def _entry(key: tuple) -> str:
    """The JSON key of an autotuning key: its parts but the kernel, as text."""
    return "|".join(str(part) for part in key[1:])


def _read(path: Path) -> dict:
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _path(kernel) -> Path:
    from triton import knobs

    name = kernel.__name__.strip("_")
    digest = hashlib.sha256("\n".join((kernel.cache_key, device_id())).encode()).hexdigest()
    return Path(knobs.cache.dir) / "flashsigmoid" / f"{name}-{digest[:24]}.json"


@functools.cache
def device_id() -> str:
    """The GPU's name and compute capability, and Triton's version."""
    import torch
    import triton

    name = torch.cuda.get_device_name()
    return f"{name} sm_{''.join(map(str, torch.cuda.get_device_capability()))} {triton.__version__}"
