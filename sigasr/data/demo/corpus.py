"""The whole demo corpus: LibriSpeech and TED-LIUM v3 layouts side by side under one directory."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from sigasr.data.demo.librispeech_layout import write_librispeech
from sigasr.data.demo.tedlium_layout import write_tedlium
from sigasr.data.demo.text import SentenceSampler


def write_demo_corpus(out_dir: str | Path, hours: float, seed: int, vocab_size: int) -> dict:
    """Writes ``out_dir/LibriSpeech`` and ``out_dir/TEDLIUM_release-3``, deterministic per seed.

    Returns timing figures: seconds of audio, wall seconds and the real-time factor.
    """
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    sampler = SentenceSampler(vocab_size, rng)
    start = time.perf_counter()
    audio = write_librispeech(out_dir / "LibriSpeech", hours, sampler, rng, seed)
    audio += write_tedlium(out_dir / "TEDLIUM_release-3", sampler, rng, seed)
    wall = time.perf_counter() - start
    return {"audio_seconds": audio, "wall_seconds": wall, "x_real_time": audio / wall}
