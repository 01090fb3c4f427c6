"""A `sigasr train` killed with SIGKILL and restarted by the same command ends bitwise equal
to a run that was never interrupted."""

import random
import signal
import subprocess
import sys
import time

import torch

from sigasr.train.checkpoint import CheckpointDir, load_checkpoint
from tools.tiny_corpus import ROOT, sigasr, train_args

OVERRIDES = ["train.max_steps=14", "train.save_every=3", "train.valid_every=5", "train.seed=7"]


def final_model(exp_dir):
    path = CheckpointDir(exp_dir / "checkpoints").latest()
    assert path.name == "ckpt-14.pt"
    return load_checkpoint(path)["model"]


def kill_after_checkpoint(args, exp_dir, min_step: int) -> int:
    """Starts training and SIGKILLs it shortly after checkpoint ``min_step`` or later exists."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sigasr", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ckpts = CheckpointDir(exp_dir / "checkpoints")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        latest = ckpts.latest()
        if latest is not None and int(latest.stem.split("-")[1]) >= min_step:
            time.sleep(random.uniform(0.0, 0.5))
            break
        time.sleep(0.02)
    assert proc.poll() is None, "training finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return int(ckpts.latest().stem.split("-")[1])


def test_sigkill_then_same_command_is_bitwise_equal(corpus, tmp_path):
    reference = tmp_path / "reference"
    done = sigasr(*train_args(corpus, reference, *OVERRIDES), cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]

    resumed = tmp_path / "killed"
    args = train_args(corpus, resumed, *OVERRIDES)
    killed_at = kill_after_checkpoint(args, resumed, min_step=random.choice([3, 6, 9]))
    assert killed_at < 14
    again = sigasr(*args, cwd=ROOT)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"resumed from {resumed / 'checkpoints'}" in again.stdout

    expected, actual = final_model(reference), final_model(resumed)
    assert expected.keys() == actual.keys()
    for key in expected:
        assert torch.equal(expected[key], actual[key]), key
