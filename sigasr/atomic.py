"""Writing outputs so that they appear complete or not at all.

The writer gets a temporary path next to the destination (same directory, so the same file
system); once it is done the data is flushed to disk and renamed to its final name with
``os.replace``, which is atomic. A process killed mid-write leaves only a ``.tmp-*`` name that
no reader takes for the output; a failed write (disk full, permission denied) removes the
temporary and leaves the previous file as it was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TMP_PREFIX = ".tmp-"


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yields a temporary path for ``path`` (a file or a directory), renamed to it on success.

    The temporary name ends with the final name, so writers that pick the format from the
    extension (``.jsonl.gz``) keep working. A directory may replace an empty directory.
    On an exception the temporary is removed and the exception propagates.
    """
    path = Path(path)
    tmp = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")
    _remove(tmp)
    try:
        yield tmp
        _fsync_tree(tmp)
        os.replace(tmp, path)
        _fsync(path.parent)
    except BaseException:
        _remove(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Writes ``text`` to ``path`` through :func:`atomic_path`."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def with_default_mode(path: str | Path) -> None:
    """Gives file ``path`` the mode ``open()`` would (0666 less the umask).

    Some writers (safetensors' ``save_file``) create their files 0600, unreadable to others.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _fsync_tree(path: Path) -> None:
    if path.is_dir():
        for child in path.iterdir():
            _fsync_tree(child)
    _fsync(path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
