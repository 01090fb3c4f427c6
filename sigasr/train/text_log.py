"""``log-train.txt``: a training run's plain-text log in its experiment directory.

Each run (a resume included) appends a header with the resolved config, then its messages
(resumes, validation WERs, checkpoints saved, periodic losses), each line time-stamped, as
icefall's ``log-train`` files are. Lines are flushed as written, so ``tail -f`` follows them.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

TEXT_LOG_FILE = "log-train.txt"


class TextLog:
    """Appends time-stamped lines to ``path``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._file = self.path.open("a", encoding="utf-8")

    def start(self, cfg: DictConfig) -> None:
        """Writes the header of a run: the resolved config."""
        self.write("sigasr train started; resolved config:")
        self._file.write(OmegaConf.to_yaml(cfg, resolve=True))
        self._file.flush()

    def write(self, message: str) -> None:
        stamp = datetime.datetime.now().astimezone().isoformat(sep=" ", timespec="seconds")
        self._file.write(f"{stamp} {message}\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()
