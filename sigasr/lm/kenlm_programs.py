"""KenLM's command-line programs: ``lmplz`` (modified Kneser-Ney estimation) and
``build_binary``.

They are looked up on ``PATH``, then in ``$XDG_CACHE_HOME/sigasr/kenlm/bin`` (default
``~/.cache/sigasr/kenlm/bin``), where ``tools/build_kenlm.sh`` builds them from the kenlm
source distribution on PyPI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sigasr.atomic import atomic_path
from sigasr.errors import LMError


def build_dir() -> Path:
    """Where ``tools/build_kenlm.sh`` puts the programs by default."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "sigasr" / "kenlm" / "bin"


def find_program(name: str) -> Path:
    """The path of KenLM program ``name``; raises :class:`LMError` saying how to build it."""
    found = shutil.which(name) or shutil.which(name, path=str(build_dir()))
    if found is None:
        raise LMError(
            f"KenLM's '{name}' is neither on PATH nor in {build_dir()}: "
            "build it with `bash tools/build_kenlm.sh`"
        )
    return Path(found)


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
        raise LMError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")


def estimate_arpa(text: Path, arpa: Path, order: int, memory: str = "1G") -> Path:
    """Estimates an interpolated modified Kneser-Ney ``order``-gram of ``text`` (one sentence
    a line) with ``lmplz`` and writes it as ARPA to ``arpa``.

    ``--discount_fallback`` lets small corpora through: where the count-of-counts leave a
    Kneser-Ney discount undefined, lmplz uses its fixed fallback discounts.
    """
    if order < 1:
        raise LMError(f"n-gram order must be at least 1, got {order}")
    lmplz = find_program("lmplz")
    arpa.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=arpa.parent) as tmp, atomic_path(arpa) as out:
        cmd = [str(lmplz), "-o", str(order), "-S", memory, "-T", tmp, "--discount_fallback",
               "--text", str(text), "--arpa", str(out)]  # fmt: skip
        _run(cmd, f"lmplz on {text}")
    return arpa


def build_binary(arpa: Path, binary: Path) -> Path:
    """Converts ``arpa`` into KenLM's binary probing format, which loads in seconds."""
    program = find_program("build_binary")
    with atomic_path(binary) as out:
        _run([str(program), str(arpa), str(out)], f"build_binary on {arpa}")
    return binary
