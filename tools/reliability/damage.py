"""Damaging a file at random: the kinds of corruption a disk, a copy or a person cause."""

from __future__ import annotations

import random
from pathlib import Path

KINDS = ("truncate", "flip bytes", "zero length", "garbage", "zero a block")


def damage_file(path: Path, rng: random.Random) -> str:
    """Damages ``path`` in place in one of :data:`KINDS`; returns the kind."""
    data = bytearray(path.read_bytes())
    kind = rng.choice(KINDS) if data else "garbage"
    if kind == "truncate":
        data = data[: rng.randrange(max(len(data), 1))]
    elif kind == "flip bytes":
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= rng.randint(1, 255)
    elif kind == "zero length":
        data = bytearray()
    elif kind == "garbage":
        data = bytearray(rng.randbytes(rng.randint(1, 4096)))
    else:
        start = rng.randrange(len(data))
        end = min(start + rng.randint(1, 512), len(data))
        data[start:end] = bytes(end - start)
    path.write_bytes(bytes(data))
    return kind
