"""KenLM's programs for the tests: built once per machine by tools/build_kenlm.sh."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ensure_kenlm() -> Path:
    """Runs tools/build_kenlm.sh (a no-op once built) and returns the directory of lmplz."""
    from sigasr.lm.kenlm_programs import find_program

    proc = subprocess.run(
        ["bash", str(ROOT / "tools/build_kenlm.sh")], capture_output=True, text=True, timeout=1800
    )
    assert proc.returncode == 0, f"tools/build_kenlm.sh failed:\n{proc.stderr[-3000:]}"
    return find_program("lmplz").parent
