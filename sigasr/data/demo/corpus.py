"""The whole demo corpus: LibriSpeech, TED-LIUM v3 and MUSAN layouts side by side under one
directory."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from sigasr.data.demo.librispeech_layout import write_librispeech
from sigasr.data.demo.musan_layout import write_musan
from sigasr.data.demo.tedlium_layout import write_tedlium
from sigasr.data.demo.text import SentenceSampler

CORPUS = "demo"


def write_demo_corpus(
    out_dir: str | Path,
    hours: float,
    seed: int,
    vocab_size: int,
    *,
    eval_minutes: float = 4.5,
    talk_rounds: int = 1,
    num_jobs: int = 2,
    musan_minutes: float = 3.0,
) -> dict:
    """Writes ``out_dir/LibriSpeech``, ``out_dir/TEDLIUM_release-3`` and ``out_dir/musan``
    (synthetic noise and music, ``musan_minutes`` of it), deterministic per seed.

    ``hours`` of training speech, ``eval_minutes`` per dev/test part, TED talks of
    ``talk_rounds`` times four segments (about 77 s each round); ``num_jobs`` synthesis
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
    if musan_minutes > 0:
        audio += write_musan(out_dir / "musan", musan_minutes, seed)
    wall = time.perf_counter() - start
    return {"audio_seconds": audio, "wall_seconds": wall, "x_real_time": audio / wall}


def add_prepare_arguments(parser) -> None:
    """The options of ``sigasr prepare demo`` (alias ``sigasr demo-data``)."""
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--hours", type=float, default=3.0, help="hours of training speech")
    parser.add_argument("--eval-minutes", type=float, default=4.5, help="minutes per dev/test part")
    parser.add_argument(
        "--talk-rounds",
        type=int,
        default=1,
        help="TED talk length in rounds of four segments (~77 s each); long-form windows "
        "need 5 for 300 s, 53 for 3600 s (sigasr.data.demo.tedlium_layout.rounds_for)",
    )
    parser.add_argument(
        "--musan-minutes", type=float, default=3.0, help="minutes of noise and music (0: none)"
    )
    parser.add_argument("--num-jobs", type=int, default=2, help="synthesis processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--vocab-size", type=int, default=500, help="distinct words (most frequent first)"
    )


def prepare_command(args) -> int:
    """Writes the demo corpus under ``--out``; prepare it as librispeech, tedlium and musan."""
    stats = write_demo_corpus(
        args.out,
        args.hours,
        args.seed,
        args.vocab_size,
        eval_minutes=args.eval_minutes,
        talk_rounds=args.talk_rounds,
        num_jobs=args.num_jobs,
        musan_minutes=args.musan_minutes,
    )
    print(
        f"demo-data: {stats['audio_seconds'] / 3600:.2f} h of audio in "
        f"{stats['wall_seconds']:.1f} s ({stats['x_real_time']:.0f}x real time) under {args.out}"
    )
    return 0
