"""Per-step training metrics as plain JSON lines (``<exp-dir>/metrics.jsonl``), and a step clock.

Each line is one object: ``{"kind": "train", "step", "loss", "lr", "grad_norm", "step_ms",
"audio_s"}`` for every optimizer step (and ``"gpu_busy"`` on a GPU whose NVML can be read),
``{"kind": "valid", "step", "set", "loss", "wer"}`` per dev set and validation. ``grad_norm``
is the global L2 norm before clipping; ``step_ms`` the wall-clock milliseconds from the end of
the previous step to the end of this one, data loading included, validation and checkpoint
writing excluded; ``audio_s`` the step's audio seconds over all processes; ``gpu_busy`` NVML's
utilization in percent, read once at the end of the step. Non-finite values are written as
``null``.

A resumed run rewrites the file without the entries past the checkpoint's step, so every step
appears once however often training was interrupted.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

from sigasr.atomic import atomic_write_text

METRICS_FILE = "metrics.jsonl"


def read_metrics(path: str | Path) -> list[dict]:
    """The entries of a ``metrics.jsonl``, in file order; [] when it does not exist.

    A last line cut short (the process was killed while writing it) is left out.
    """
    path = Path(path)
    if not path.is_file():
        return []
    lines = path.read_text().splitlines()
    entries = []
    for i, line in enumerate(lines):
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            if i < len(lines) - 1:
                raise ValueError(f"{path}:{i + 1}: not a JSON line") from None
    return entries


class MetricsLog:
    """Appends entries to ``path`` after dropping those with ``step > resume_step``."""

    def __init__(self, path: str | Path, resume_step: int):
        self.path = Path(path)
        kept = [e for e in read_metrics(self.path) if e["step"] <= resume_step]
        atomic_write_text(self.path, "".join(json.dumps(e) + "\n" for e in kept))
        self.file = self.path.open("a")

    def write(self, kind: str, step: int, **values: float | str | None) -> None:
        entry = {"kind": kind, "step": step}
        for key, value in values.items():
            finite = not isinstance(value, float) or math.isfinite(value)
            entry[key] = value if finite else None
        self.file.write(json.dumps(entry) + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


class StepClock:
    """Milliseconds between :meth:`lap` calls; :meth:`reset` leaves out time spent in between."""

    def __init__(self):
        self.last = time.perf_counter()

    def lap(self) -> float:
        now = time.perf_counter()
        elapsed, self.last = (now - self.last) * 1000.0, now
        return elapsed

    def reset(self) -> None:
        self.last = time.perf_counter()
