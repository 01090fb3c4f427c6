"""SIGKILL campaign: training killed at random moments, mid-write included, newest checkpoint
sometimes damaged, restarted with the same command, compared bitwise with an uninterrupted run.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from sigasr.atomic import TMP_PREFIX
from sigasr.checkpoints.store import (
    CORRUPT_SUFFIX,
    CheckpointDir,
    CheckpointError,
    load_checkpoint,
)
from sigasr.train.metrics import METRICS_FILE, read_metrics
from tools.reliability.damage import damage_file
from tools.tiny_corpus import ROOT, train_args

MAX_STEPS = 12
OVERRIDES = [
    f"train.max_steps={MAX_STEPS}",
    "train.save_every=2",
    "train.keep_last=3",
    "train.valid_every=5",
    "train.seed=11",
]
SLOW_WRITE_S = 0.15  # per quarter of a checkpoint: a 0.6 s window for kills mid-write
TIMEOUT_S = 300


@dataclass
class KillFigures:
    runs: int = 0  # trials: one experiment killed one or more times, then finished
    kills: int = 0  # SIGKILLs delivered
    kills_mid_write: int = 0  # ... that left a checkpoint half written
    damaged: int = 0  # newest checkpoints damaged between a kill and the restart
    damaged_set_aside: int = 0  # ... found renamed *.corrupt at the end
    resumes: int = 0  # restarts that logged where they resumed from
    resumes_correct: int = 0  # ... from the newest undamaged checkpoint
    finished: int = 0  # runs whose final command exited 0
    bitwise_equal: int = 0  # final model equal to the uninterrupted run's
    steps_exact: int = 0  # every step logged once, with the uninterrupted run's loss


@dataclass
class Reference:
    model: dict
    losses: dict[int, float]
    seconds: float


def command(root: Path, exp_dir: Path) -> list[str]:
    args = train_args(root, exp_dir, *OVERRIDES)
    return [sys.executable, "-m", "tools.reliability.slow_writes", *args]


def reference_run(root: Path, work: Path) -> Reference:
    exp_dir = work / "reference"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "sigasr", *train_args(root, exp_dir, *OVERRIDES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the uninterrupted run failed:\n{proc.stderr[-3000:]}")
    return Reference(final_model(exp_dir), train_losses(exp_dir), time.monotonic() - started)


def final_model(exp_dir: Path) -> dict:
    return load_checkpoint(exp_dir / "checkpoints" / f"ckpt-{MAX_STEPS}.pt")["model"]


def train_losses(exp_dir: Path) -> dict[int, float]:
    entries = [e for e in read_metrics(exp_dir / METRICS_FILE) if e["kind"] == "train"]
    steps = [e["step"] for e in entries]
    if sorted(steps) != list(range(1, MAX_STEPS + 1)):
        return {}
    return {e["step"]: e["loss"] for e in entries}


def run_trial(
    root: Path,
    exp_dir: Path,
    ref: Reference,
    rng: random.Random,
    f: KillFigures,
    first_kill_mid_write: bool = False,
):
    """Kills the same command 2-4 times at random moments, then lets it finish."""
    ckpts = CheckpointDir(exp_dir / "checkpoints")
    damaged: Path | None = None  # a damaged checkpoint the next restart must set aside
    expected_resume: Path | None = None
    f.runs += 1
    for attempt in range(rng.randint(2, 4)):
        log = exp_dir.parent / f"{exp_dir.name}-{attempt}.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(
                command(root, exp_dir), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=_env()
            )
            try:
                mid_write = (first_kill_mid_write and attempt == 0) or rng.random() < 0.5
                killed = _kill_at_random(proc, ckpts, ref.seconds, mid_write, rng)
                proc.wait(timeout=TIMEOUT_S)
            finally:  # the campaign itself interrupted: leave no training behind
                if proc.poll() is None:
                    proc.kill()
        if attempt > 0:
            _check_resume(log, expected_resume, f)
        damaged = _count_set_aside(damaged, f)
        good = [p for p in ckpts.paths() if p != damaged]
        if not killed:  # it finished first; the final command resumes at the end
            expected_resume = good[-1] if good else None
            break
        f.kills += 1
        f.kills_mid_write += _write_in_progress(ckpts)
        if damaged is None and good and rng.random() < 0.3 and _damage(good[-1], rng):
            damaged = good.pop()
            f.damaged += 1
        expected_resume = good[-1] if good else None
    log = exp_dir.parent / f"{exp_dir.name}-final.log"
    with open(log, "w") as out:
        done = subprocess.run(
            command(root, exp_dir), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=_env()
        )
    _check_resume(log, expected_resume, f)
    f.finished += done.returncode == 0
    _count_set_aside(damaged, f)
    if done.returncode == 0:
        actual = final_model(exp_dir)
        f.bitwise_equal += actual.keys() == ref.model.keys() and all(
            torch.equal(actual[k], ref.model[k]) for k in actual
        )
        f.steps_exact += train_losses(exp_dir) == ref.losses


def _count_set_aside(damaged: Path | None, f: KillFigures) -> Path | None:
    """Counts ``damaged`` once renamed ``*.corrupt`` and removes that; returns it if not yet."""
    if damaged is None or not (moved := damaged.with_name(damaged.name + CORRUPT_SUFFIX)).exists():
        return damaged
    f.damaged_set_aside += 1
    moved.unlink()  # so that a later damage at the same step is counted on its own
    return None


def _damage(path: Path, rng: random.Random) -> bool:
    """Damages ``path``; False when what it holds still loads intact (a byte of zip padding)."""
    damage_file(path, rng)
    try:
        load_checkpoint(path)
    except CheckpointError:
        return True
    return False


def _env() -> dict:
    return {**os.environ, "SIGASR_SLOW_WRITE_S": str(SLOW_WRITE_S)}


def _kill_at_random(
    proc, ckpts: CheckpointDir, seconds: float, mid_write: bool, rng: random.Random
) -> bool:
    """SIGKILLs ``proc`` at a random time, or at a random moment of a checkpoint write."""
    deadline = time.monotonic() + rng.uniform(0.5, 1.5 * seconds)
    while proc.poll() is None and time.monotonic() < deadline + TIMEOUT_S * mid_write:
        if mid_write and _write_in_progress(ckpts):
            time.sleep(rng.uniform(0.0, 3 * SLOW_WRITE_S))  # inside the 4-piece write
            break
        elif not mid_write and time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


def _write_in_progress(ckpts: CheckpointDir) -> bool:
    directory = ckpts.directory
    return directory.is_dir() and any(p.name.startswith(TMP_PREFIX) for p in directory.iterdir())


def _check_resume(log: Path, expected: Path | None, f: KillFigures) -> None:
    text = log.read_text()
    if "resumed from" in text:
        f.resumes += 1
        f.resumes_correct += expected is not None and f"resumed from {expected} " in text
    elif expected is None and "model:" in text:  # no checkpoint yet: a fresh start is right
        f.resumes += 1
        f.resumes_correct += 1
