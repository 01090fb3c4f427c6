"""The whole demo corpus: LibriSpeech and TED-LIUM v3 layouts side by side under one directory."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from sigasr.data.demo.librispeech_layout import write_librispeech
from sigasr.data.demo.tedlium_layout import write_tedlium
from sigasr.data.demo.text import SentenceSampler


def write_demo_corpus(
    out_dir: str | Path,
    hours: float,
    seed: int,
    vocab_size: int,
    *,
    eval_minutes: float = 4.5,
    talk_rounds: int = 1,
    num_jobs: int = 2,
) -> dict:
    """Writes ``out_dir/LibriSpeech`` and ``out_dir/TEDLIUM_release-3``, deterministic per seed.

    ``hours`` of training speech, ``eval_minutes`` per dev/test part, TED talks of
    ``talk_rounds`` times four segments (about 86 s each round); ``num_jobs`` synthesis
    processes, which do not change the output. Returns timing figures: seconds of audio, wall
    seconds and the real-time factor.
    """
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    sampler = SentenceSampler(vocab_size, rng)
    start = time.perf_counter()
    audio = write_librispeech(
        out_dir / "LibriSpeech", hours, eval_minutes, sampler, rng, seed, num_jobs
    )
    audio += write_tedlium(out_dir / "TEDLIUM_release-3", sampler, rng, seed, talk_rounds, num_jobs)
    wall = time.perf_counter() - start
    return {"audio_seconds": audio, "wall_seconds": wall, "x_real_time": audio / wall}
