"""Training speed next to one other busy process: steps/s alone and with `while 1: pass`.

    OMP_NUM_THREADS= python tools/busy_machine.py LABEL [ENV=VALUE ...]

Trains a small demo-config model (d_model 64, 2 layers) for 40 steps on the tiny corpus
(tools/tiny_corpus.py, prepared under /tmp/sigasr-busy), once alone and once while a busy-loop
process runs, and prints the median steps/s of each (the first 5 steps left out) and the
slowdown. ENV=VALUE pairs are set for the training process (e.g. OMP_WAIT_POLICY=ACTIVE).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from sigasr.train.metrics import METRICS_FILE, read_metrics
from tools.tiny_corpus import DEMO_CONFIG, ROOT, tiny_corpus

WORK = Path("/tmp/sigasr-busy")
OVERRIDES = [
    "train.max_steps=40", "train.valid_every=0", "train.save_every=1000",
    "data.max_duration=20", "model.encoder.d_model=64", "model.encoder.num_layers=2",
    "model.encoder.ffn_dim=128",
]  # fmt: skip


def steps_per_second(corpus: Path, exp: Path, env: dict, busy: bool) -> float:
    hog = subprocess.Popen([sys.executable, "-c", "while 1: pass"]) if busy else None
    try:
        subprocess.run(
            [sys.executable, "-m", "sigasr", "train", "--config", str(DEMO_CONFIG),
             "--exp-dir", str(exp), "--device", "cpu",
             f"data.manifest_dir={corpus}/data/manifests", f"data.lang_dir={corpus}/data/lang",
             *OVERRIDES],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=1800,
        )  # fmt: skip
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    ms = [e["step_ms"] for e in read_metrics(exp / METRICS_FILE) if e["kind"] == "train"]
    return 1000 / statistics.median(ms[5:])


def main() -> None:
    label, pairs = sys.argv[1], sys.argv[2:]
    corpus = tiny_corpus(WORK)
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    env.update(pair.split("=", 1) for pair in pairs)
    alone = steps_per_second(corpus, WORK / f"exp-{label}-alone", env, busy=False)
    loaded = steps_per_second(corpus, WORK / f"exp-{label}-busy", env, busy=True)
    print(
        f"{label}: alone {alone:.2f} steps/s, next to one busy process {loaded:.2f} steps/s, "
        f"slowdown {alone / loaded:.1f}x (load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
