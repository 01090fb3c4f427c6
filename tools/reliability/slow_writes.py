"""``python -m tools.reliability.slow_writes ARGS``: ``sigasr ARGS`` with slow checkpoint writes.

Each checkpoint is written in pieces with a pause of ``SIGASR_SLOW_WRITE_S`` seconds (default
0.5) between them, so that a kill at a random moment often lands mid-write. The bytes written
are the same as ``torch.save``'s, so results do not change.
"""

from __future__ import annotations

import io
import os
import sys
import time

import torch

from sigasr.cli import main

PIECES = 4
_torch_save = torch.save


def slow_save(obj, path) -> None:
    buffer = io.BytesIO()
    _torch_save(obj, buffer)
    data = buffer.getvalue()
    pause = float(os.environ.get("SIGASR_SLOW_WRITE_S", "0.5"))
    size = -(-len(data) // PIECES)
    with open(path, "wb") as f:
        for start in range(0, len(data), size):
            f.write(data[start : start + size])
            f.flush()
            time.sleep(pause)


if __name__ == "__main__":
    torch.save = slow_save
    sys.exit(main(sys.argv[1:]))
