"""tools/host_cpu.py: the kernel path's host time on a CPU, launches excluded, for both ways of
attaching the autograd formula. In a subprocess: the test session's Triton runs in
interpreter mode (tests/conftest.py)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_reports_forward_and_backward_host_time_of_both_autograd_paths():
    proc = subprocess.run(
        [sys.executable, "tools/host_cpu.py", "--calls", "20", "--shape", "2,2,64,32"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = re.findall(r"^\| (autograd\.Function|custom op)[^|]* \| ([\d.]+) \| ([\d.]+) \|$",
                      proc.stdout, flags=re.M)  # fmt: skip
    assert [r[0] for r in rows] == ["autograd.Function", "custom op"]
    for _, fwd, fwd_bwd in rows:
        assert 0 < float(fwd) < float(fwd_bwd)
