"""DDP through torchrun: two CPU processes (gloo) train in lockstep, checkpoint, reach the
weights one process reaches with twice the gradient accumulation, and resume together past a
damaged newest checkpoint."""

import socket
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


def test_two_nodes_through_a_c10d_rendezvous_match_one_process(tmp_path):
    """Two torchrun launches, one process each, meet at a c10d rendezvous on 127.0.0.1 as two
    nodes of a job would (``--nnodes 2 --rdzv-backend c10d --rdzv-endpoint HOST:PORT``)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    nodes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "torch.distributed.run",
                "--nnodes",
                "2",
                "--nproc-per-node",
                "1",
                "--rdzv-backend",
                "c10d",
                "--rdzv-endpoint",
                f"127.0.0.1:{port}",
                "--rdzv-id",
                "sigasr-two-nodes",
                "-m",
                "tests.train.ddp_worker",
                str(tmp_path),
                "4",
                "--compare-accumulation",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    outputs = [node.communicate(timeout=300) for node in nodes]
    for node, (_, err) in zip(nodes, outputs, strict=True):
        assert node.returncode == 0, err[-3000:]
    stdout = "".join(out for out, _ in outputs)
    assert stdout.count("DDP OK: world_size=2, step=4") == 1, stdout
    assert "DDP matches one process accumulating 4" in stdout, stdout
