"""DDP through torchrun: two CPU processes (gloo) train in lockstep, checkpoint, reach the
weights one process reaches with twice the gradient accumulation, and resume together past a
damaged newest checkpoint."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def torchrun_worker(exp_dir: Path, steps: int, *options: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [
            sys.executable, "-m", "torch.distributed.run", "--standalone",
            "--nproc-per-node", "2", "-m", "tests.train.ddp_worker", str(exp_dir), str(steps),
            *options,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_two_process_gloo_training(tmp_path):
    proc = torchrun_worker(tmp_path, 4, "--compare-accumulation")
    assert "DDP OK: world_size=2, step=4" in proc.stdout
    assert "DDP matches one process accumulating 4" in proc.stdout
    ckpts = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert ckpts == ["ckpt-3.pt", "ckpt-4.pt"]


def test_both_ranks_resume_from_the_newest_good_checkpoint(tmp_path):
    torchrun_worker(tmp_path, 4)
    newest = tmp_path / "checkpoints" / "ckpt-4.pt"
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])
    # Rank 0 moves the damaged one aside; rank 1 must load the same fallback, or the weights
    # the worker gathers after training would differ ("ranks diverged").
    proc = torchrun_worker(tmp_path, 6)
    assert "resumed from" in proc.stdout and "ckpt-3.pt at step 3" in proc.stdout
    assert "DDP OK: world_size=2, step=6" in proc.stdout
    assert "ckpt-4.pt" in proc.stderr
    assert (tmp_path / "checkpoints" / "ckpt-4.pt.corrupt").exists()
