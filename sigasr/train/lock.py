"""One writer per experiment directory: an OS file lock that ``sigasr train`` holds for life.

The lock is ``fcntl.flock`` on ``<exp>/.lock``. The kernel releases it when its holder exits,
however it exits (a crash or SIGKILL included), so a lock is never stale. The holder writes
its PID, host and start time into the file; a second writer is refused with them. Readers
(``sigasr decode``, ``sigasr export``) take no lock: they read only complete checkpoints
(atomic renames, checksums), see :func:`sigasr.checkpoints.averaging.averaged_model_state`.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import shutil
import socket
from pathlib import Path

from sigasr.errors import ExperimentBusyError

LOCK_FILE = ".lock"


class ExperimentLock:
    """Holds ``<exp_dir>/.lock`` exclusively from :meth:`acquire` until :meth:`release`.

    :meth:`acquire` creates ``exp_dir`` (and missing parents) if needed;
    :meth:`remove_created` deletes what it created, for a start that failed.
    """

    def __init__(self, exp_dir: str | Path):
        self.exp_dir = Path(exp_dir)
        self.path = self.exp_dir / LOCK_FILE
        self._fd: int | None = None
        self._created: Path | None = None

    def acquire(self) -> None:
        """Takes the lock, or raises :class:`ExperimentBusyError` naming the holder."""
        created = _first_missing(self.exp_dir)
        self.exp_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 4096).decode(errors="replace").strip()
            os.close(fd)
            raise ExperimentBusyError(
                f"{self.exp_dir}: another sigasr train is writing this experiment "
                f"({holder or 'its holder has not recorded itself yet'}); wait for it to end, "
                "stop it, or choose another --exp-dir"
            ) from None
        started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(
            fd, f"pid {os.getpid()} on host {socket.gethostname()}, since {started}\n".encode(), 0
        )
        self._fd, self._created = fd, created

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None

    def remove_created(self) -> None:
        """Deletes the directories :meth:`acquire` created (while still holding the lock)."""
        if self._created is not None and self._fd is not None:
            shutil.rmtree(self._created, ignore_errors=True)
        self.release()

    def __enter__(self) -> ExperimentLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _first_missing(path: Path) -> Path | None:
    """The topmost of ``path`` and its ancestors that does not exist yet, if any."""
    missing = None
    for candidate in (path.absolute(), *path.absolute().parents):
        if candidate.exists():
            break
        missing = candidate
    return missing
