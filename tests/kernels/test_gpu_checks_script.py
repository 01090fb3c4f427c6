"""tools/gpu_checks.sh: parts are checked before anything runs, and each part's output and
the one archive are written even where the part fails (here: no GPU)."""

import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(out: Path, *parts: str) -> subprocess.CompletedProcess:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "OUT": str(out)}
    return subprocess.run(
        ["bash", "tools/gpu_checks.sh", *parts], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def test_unknown_part_is_refused_first(tmp_path):
    proc = _run(tmp_path, "asr", "bogus")
    assert proc.returncode == 2
    assert "unknown part 'bogus'" in proc.stdout
    assert not list(tmp_path.iterdir())  # nothing ran


def test_part_output_and_archive_without_a_gpu(tmp_path):
    proc = _run(tmp_path, "asr")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = (tmp_path / "summary.txt").read_text()
    assert "[gpu_checks] asr: rc 2" in summary  # the benchmark refuses to run on a CPU
    assert "needs a CUDA GPU" in (tmp_path / "asr.txt").read_text()
    with tarfile.open(tmp_path / "gpu-checks.tgz") as tar:
        assert {"./asr.txt", "./summary.txt"} <= set(tar.getnames())
