"""DDP through torchrun: two CPU processes (gloo) train in lockstep, checkpoint once, and
reach the weights one process reaches with twice the gradient accumulation."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_two_process_gloo_training(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc-per-node",
            "2",
            "-m",
            "tests.train.ddp_worker",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "DDP OK: world_size=2, step=4" in proc.stdout
    assert "DDP matches one process accumulating 4" in proc.stdout
    ckpts = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert ckpts == ["ckpt-3.pt", "ckpt-4.pt"]
