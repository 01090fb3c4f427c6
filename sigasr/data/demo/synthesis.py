"""Rendering demo utterances in worker processes, reproducibly.

eSpeak NG's output depends on its random seed and on everything the process synthesized
before (its waveform generator keeps state). So utterances are cut into fixed shards, and
each shard is rendered in a fresh process whose engine is seeded from the shard: the audio
is then a function of the corpus seed alone, bit for bit, whatever the scheduling.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from sigasr.data.demo.espeak import ESpeak
from sigasr.data.demo.voices import Speaker

SAMPLING_RATE = 16_000
_engine: ESpeak | None = None


@dataclass(frozen=True)
class Utterance:
    """What to say, who says it, and where the audio goes (None: return it)."""

    text: str
    speaker: Speaker
    noise_seed: int
    path: Path | None = None


def _render_shard(job: tuple[Callable[[Utterance], object], list[Utterance]]) -> list[object]:
    """Runs in a fresh process (one task per child): a new engine, seeded by the shard."""
    global _engine
    import torch

    fn, shard = job
    torch.set_num_threads(1)
    _engine = ESpeak()
    _engine.seed(shard[0].noise_seed)
    return [fn(utt) for utt in shard]


def render(utt: Utterance) -> np.ndarray:
    """The 16 kHz float32 speech of ``utt``, with noise at ``utt.speaker.snr_db`` if set."""
    import torch
    import torchaudio.functional as F

    speech = _engine.synthesize(utt.text, utt.speaker.voice, utt.speaker.rate, utt.speaker.pitch)
    audio = F.resample(torch.from_numpy(speech), _engine.sampling_rate, SAMPLING_RATE).numpy()
    if utt.speaker.snr_db is not None:
        rng = np.random.default_rng(utt.noise_seed)
        power = float(np.mean(audio**2)) + 1e-10
        noise_power = power / 10 ** (utt.speaker.snr_db / 10)
        audio = audio + rng.normal(0.0, np.sqrt(noise_power), audio.shape).astype(np.float32)
    return np.clip(audio, -1.0, 1.0).astype(np.float32)


def render_to_flac(utt: Utterance) -> float:
    """Renders ``utt`` into the FLAC file ``utt.path``; returns its duration in seconds."""
    import soundfile as sf

    audio = render(utt)
    sf.write(utt.path, audio, SAMPLING_RATE, format="FLAC", subtype="PCM_16")
    return len(audio) / SAMPLING_RATE


def parallel_render(
    fn: Callable[[Utterance], object],
    utterances: Sequence[Utterance],
    desc: str,
    num_workers: int = 2,
    shard_size: int = 32,
) -> Iterator[object]:
    """``fn`` over ``utterances`` in order, in ``num_workers`` processes, with a progress bar."""
    ctx = multiprocessing.get_context("fork")
    shards = [list(utterances[i : i + shard_size]) for i in range(0, len(utterances), shard_size)]
    with (
        ctx.Pool(num_workers, maxtasksperchild=1) as pool,
        tqdm(total=len(utterances), desc=desc, unit="utt") as bar,
    ):
        for results in pool.imap(_render_shard, [(fn, shard) for shard in shards]):
            bar.update(len(results))
            yield from results
