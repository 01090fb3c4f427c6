"""One writer per experiment directory: a second `sigasr train` is refused with the holder's
PID and host, under torchrun too; a killed holder frees the lock; a failed start leaves no
directory; Ctrl-C is one line with the resume hint and exit status 130."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from sigasr.cli import main
from sigasr.errors import ExperimentBusyError
from sigasr.train.lock import LOCK_FILE, ExperimentLock
from tools.tiny_corpus import ROOT, train_args


def start_train(corpus, exp, *overrides):
    return subprocess.Popen(
        [sys.executable, "-m", "sigasr", *train_args(corpus, exp, *overrides)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def _default_sigint():
    """SIGINT as a terminal delivers it: a suite run as a shell's background job (``cmd &``)
    inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_two_trains_a_second_apart_on_one_exp_dir(corpus, tmp_path):
    exp = tmp_path / "exp"
    first = start_train(corpus, exp, "train.max_steps=60", "train.save_every=20")
    time.sleep(1.0)
    second = subprocess.run(
        [sys.executable, "-m", "sigasr", *train_args(corpus, exp, "train.max_steps=60")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out, err = first.communicate(timeout=240)
    assert first.returncode == 0, err[-2000:]
    assert second.returncode == 1
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    assert "another sigasr train is writing" in lines[0]
    assert f"pid {first.pid} on host {socket.gethostname()}" in lines[0]
    assert "saved" not in second.stdout and "training done" not in second.stdout
    assert out.count("training done") == 1
    assert sorted(p.name for p in (exp / "checkpoints").iterdir()) == [
        "ckpt-20.pt",
        "ckpt-40.pt",
        "ckpt-60.pt",
    ]


def test_a_killed_holder_frees_the_lock(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom sigasr.train.lock import ExperimentLock\n"
         f"ExperimentLock({str(tmp_path)!r}).acquire(); print('held', flush=True); time.sleep(600)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ExperimentBusyError, match=f"pid {holder.pid} on host"):
            ExperimentLock(tmp_path).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lock = ExperimentLock(tmp_path)
    lock.acquire()
    assert (tmp_path / LOCK_FILE).read_text().startswith(f"pid {os.getpid()} on host")
    lock.release()


def test_a_failed_start_leaves_no_directory(corpus, tmp_path, capsys):
    top = tmp_path / "new"
    args = train_args(corpus, top / "deeper" / "exp", "data.dev_sets=[no-such-set]")
    assert main(args) == 1
    assert "no-such-set" in capsys.readouterr().err
    assert not top.exists()


def test_torchrun_ranks_are_refused_together(corpus, tmp_path):
    exp = tmp_path / "exp"
    with ExperimentLock(exp):
        proc = subprocess.run(
            [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node",
             "2", "-m", "sigasr", *train_args(corpus, exp)],
            cwd=ROOT, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
    assert proc.returncode != 0
    assert f"pid {os.getpid()} on host {socket.gethostname()}" in proc.stderr
    assert not (exp / "config.yaml").exists()


def test_ctrl_c_is_one_line_with_the_resume_hint(corpus, tmp_path):
    exp = tmp_path / "exp"
    # keep_last=0 keeps every checkpoint, so a slow poll cannot miss the first one.
    proc = start_train(
        corpus, exp, "train.max_steps=100000", "train.save_every=10", "train.keep_last=0"
    )
    first = exp / "checkpoints" / "ckpt-10.pt"
    deadline = time.monotonic() + 180
    while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None and first.exists(), "training ended or stalled before ckpt-10"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if not line.startswith("train:")]
    assert lines == [
        "sigasr train: interrupted; re-run the same command to resume from the newest checkpoint"
    ]
    log = (exp / "log-train.txt").read_text()
    assert "interrupted at step" in log and "the same command resumes from ckpt-" in log
    assert not [p for p in (exp / "checkpoints").iterdir() if not p.name.endswith(".pt")]
