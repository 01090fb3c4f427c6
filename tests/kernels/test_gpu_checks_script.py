"""tools/gpu_checks.sh: parts are checked before anything runs, and each part's output and
the one archive are written even where the part fails (here: no GPU)."""

import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    return subprocess.run(
        ["bash", str(ROOT / "tools/gpu_checks.sh"), *args], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_unknown_part_is_refused_first(tmp_path):
    proc = _run("-o", str(tmp_path / "out"), "asr", "bogus")
    assert proc.returncode == 2
    assert "unknown part 'bogus'" in proc.stdout
    assert not (tmp_path / "out").exists()  # nothing ran


def test_output_dir_option_needs_a_value():
    proc = _run("-o")
    assert proc.returncode == 2 and "-o needs a directory" in proc.stdout


def test_part_output_and_archive_without_a_gpu(tmp_path):
    proc = _run("-o", "results", "asr", cwd=tmp_path)  # relative to the caller's directory
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = tmp_path / "results"
    summary = (out / "summary.txt").read_text()
    assert "torch 2." in summary and "triton 3." in summary
    assert "[gpu_checks] asr: rc 2" in summary  # the benchmark refuses to run on a CPU
    assert "needs a CUDA GPU" in (out / "asr.txt").read_text()
    with tarfile.open(out / "gpu-checks.tgz") as tar:
        assert {"./asr.txt", "./summary.txt"} <= set(tar.getnames())
