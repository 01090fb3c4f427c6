"""The official LibriSpeech word n-gram models (OpenSLR resource 11): download and unpack.

Each model is ``<mirror>/11/<name>.arpa.gz``. A download goes to ``<name>.arpa.gz.part``
and continues from where it stopped (an HTTP range request) when run again; it is renamed
to ``<name>.arpa.gz`` once its size matches the server's ``Content-Length``. OpenSLR lists
no checksums for resource 11: unpacking checks the gzip CRC of every member, so a corrupt
download fails there and names the file.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sys
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from tqdm import tqdm

from sigasr.atomic import atomic_path
from sigasr.errors import LMError

OPENSLR_MIRROR = "https://www.openslr.org/resources"
RESOURCE = 11
# Model name -> what it is (sizes of the .arpa.gz files on OpenSLR).
LIBRISPEECH_LMS = {
    "3-gram.pruned.1e-7": "3-gram pruned with threshold 1e-7 (34 MB)",
    "3-gram.pruned.3e-7": "3-gram pruned with threshold 3e-7 (14 MB)",
    "3-gram": "unpruned 3-gram (759 MB)",
    "4-gram": "unpruned 4-gram (1.4 GB)",
}
CHUNK = 1 << 20


def lm_url(name: str, mirror: str = OPENSLR_MIRROR) -> str:
    """The URL of model ``name`` (a key of :data:`LIBRISPEECH_LMS`) under ``mirror``."""
    if name not in LIBRISPEECH_LMS:
        raise LMError(
            f"unknown LibriSpeech LM '{name}', expected one of {', '.join(LIBRISPEECH_LMS)}"
        )
    return f"{mirror.rstrip('/')}/{RESOURCE}/{name}.arpa.gz"


def download(url: str, dest: Path, timeout: float = 60.0) -> Path:
    """Downloads ``url`` to ``dest`` with a progress bar, resuming a partial ``dest.part``.

    Does nothing if ``dest`` exists. Raises :class:`LMError` naming the URL on network
    errors or when the bytes received disagree with the announced size.
    """
    if dest.is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if have and response.status != 206:  # the server ignored the range: start over
                have = 0
            left = int(response.headers.get("Content-Length", 0)) or None
            total = have + left if left is not None else None
            with (
                open(part, "ab" if have else "wb") as f,
                tqdm(total=total, initial=have, unit="B", unit_scale=True, unit_divisor=1024,
                     desc=dest.name, mininterval=1.0 if sys.stderr.isatty() else 30.0) as bar,
            ):  # fmt: skip
                while chunk := response.read(CHUNK):
                    f.write(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # asked for bytes past the end: the .part is complete
            total = have
        else:
            raise LMError(f"{url}: download failed: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
        raise LMError(f"{url}: download failed ({e}); run again to resume from {part}") from None
    size = part.stat().st_size
    if total is not None and size != total:
        raise LMError(f"{url}: got {size} of {total} bytes; run again to resume from {part}")
    os.replace(part, dest)
    return dest


def unpack(gz: Path, out: Path) -> Path:
    """Decompresses ``gz`` into ``out`` (complete or not at all); does nothing if ``out`` exists.

    Raises :class:`LMError` naming ``gz`` when it is truncated or fails its CRC check.
    """
    if out.is_file():
        return out
    try:
        with gzip.open(gz, "rb") as src, atomic_path(out) as tmp, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)
    except (OSError, EOFError, zlib.error) as e:
        raise LMError(
            f"{gz}: corrupt or truncated gzip file ({e}); delete it and download again"
        ) from None
    return out


def prepare_librispeech_lms(
    lm_dir: Path, names: list[str], mirror: str = OPENSLR_MIRROR, keep_gz: bool = False
) -> list[Path]:
    """Downloads and unpacks each of ``names`` into ``lm_dir/<name>.arpa``; returns those paths."""
    arpas = []
    for name in names:
        url = lm_url(name, mirror)
        arpa = lm_dir / f"{name}.arpa"
        if not arpa.is_file():
            gz = download(url, lm_dir / f"{name}.arpa.gz")
            unpack(gz, arpa)
            if not keep_gz:
                gz.unlink()
        arpas.append(arpa)
    return arpas
