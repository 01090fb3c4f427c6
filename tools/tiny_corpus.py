"""A tiny synthesized corpus, prepared once per test session, and a tiny model config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_CONFIG = ROOT / "recipes/librispeech/conf/demo.yaml"
TOKENS = ["data.token_type=char", "data.vocab_size=40"]
TINY_MODEL = [
    "model.encoder.d_model=32",
    "model.encoder.num_layers=2",
    "model.encoder.num_heads=2",
    "model.encoder.ffn_dim=64",
    "model.encoder.conv_kernel=3",
    "model.encoder.dropout=0.1",  # exercises the RNG state on resume
]


def sigasr(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sigasr", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tiny_corpus(base: Path) -> Path:
    """Synthesizes and prepares a few minutes of speech under ``base/tiny`` (once)."""
    root = base / "tiny"
    done = root / ".prepared"
    if done.exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    # Absolute paths: the manifests record them, and training runs from another directory.
    steps = [
        ["demo-data", "--out", f"{root}/corpus", "--hours", "0.05", "--vocab-size", "60"],
        ["prepare", "librispeech", "--corpus-dir", f"{root}/corpus/LibriSpeech",
         "--manifest-dir", f"{root}/data/manifests", "--feature-dir", f"{root}/data/fbank"],
        ["prepare", "tokenizer", "--config", str(DEMO_CONFIG), "--manifest-dir",
         f"{root}/data/manifests", "--lang-dir", f"{root}/data/lang", "--type", "char",
         "--vocab-size", "40"],
    ]  # fmt: skip
    for step in steps:
        proc = sigasr(*step, cwd=root)
        assert proc.returncode == 0, f"sigasr {' '.join(step)} failed:\n{proc.stderr[-3000:]}"
    done.touch()
    return root


def train_args(root: Path, exp_dir: Path, *overrides: str) -> list[str]:
    """``sigasr train`` arguments for a tiny model on the tiny corpus."""
    return [
        "train",
        "--config",
        str(DEMO_CONFIG),
        "--exp-dir",
        str(exp_dir),
        "--device",
        "cpu",
        f"data.manifest_dir={root / 'data/manifests'}",
        f"data.lang_dir={root / 'data/lang'}",
        "data.max_duration=20",
        "data.num_buckets=4",
        *TOKENS,
        *TINY_MODEL,
        *overrides,
    ]
