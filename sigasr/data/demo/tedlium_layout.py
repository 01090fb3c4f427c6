"""The demo corpus in TED-LIUM v3's legacy layout: talk-level ``.sph`` audio and ``.stm`` segments.

Each talk holds rounds of four segments, one aimed at every length bucket (30 s+ included)
per round, silent gaps between them, and one noisy stretch marked ``ignore_time_segment_in_scoring`` as the real corpus has.
Transcripts are lower-case like TED-LIUM's, with an occasional ``<unk>`` in place of a word.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import soundfile as sf

from sigasr.data.demo.synthesis import SAMPLING_RATE, Utterance, parallel_render, render
from sigasr.data.demo.text import SentenceSampler
from sigasr.data.demo.voices import seen_speaker

TALKS_PER_PART = 4
SEGMENT_SECONDS = ((3.0, 7.0), (13.0, 17.0), (23.0, 27.0), (34.0, 42.0))
UNK_PROBABILITY = 0.03
IGNORED_NOISE_SECONDS = 2.0
GAP_SECONDS = (0.5, 1.0)
ROUND_SECONDS = 72.0
"""A floor under the mean length of a talk round (its four segments, the gaps before them, the
noise stretch) with the default 500-word vocabulary: 73-82 s seen over 3 rounds, 75-79 s over 6;
synthesized speech runs below the segments' targets. Smaller vocabularies make shorter rounds."""


def rounds_for(seconds: float) -> int:
    """Talk rounds that make every demo talk hold a long-form window of ``seconds`` (5 % spare)."""
    return max(1, math.ceil(1.05 * seconds / ROUND_SECONDS))


def _stm_text(text: str, rng: np.random.Generator) -> str:
    words = [w.lower() for w in text.split()]
    return " ".join("<unk>" if rng.random() < UNK_PROBABILITY else w for w in words)


def write_tedlium(
    root: Path,
    sampler: SentenceSampler,
    rng: np.random.Generator,
    seed: int,
    rounds: int,
    num_jobs: int,
) -> float:
    """Writes ``legacy/{dev,test}/{sph,stm}`` under ``root``, talks of ``rounds`` x 4
    segments, rendered by ``num_jobs`` processes; returns seconds of audio."""
    talks = []  # (part, name, speaker, utterances)
    for part in ("dev", "test"):
        for _ in range(TALKS_PER_PART):
            speaker = seen_speaker(9000 + len(talks), rng)
            name = f"DemoSpeaker{len(talks):02d}_2026X"
            order = [b for _ in range(rounds) for b in rng.permutation(len(SEGMENT_SECONDS))]
            utts = []
            for b in order:
                low, high = SEGMENT_SECONDS[b]
                words = speaker.words_for(rng.uniform(low, high))
                utts.append(Utterance(sampler.sentence(words), speaker, seed * 7919 + len(utts)))
            talks.append((part, name, speaker, utts))
    flat = [u for *_, utts in talks for u in utts]
    audio = iter(parallel_render(render, flat, "demo TED-LIUM segments", num_jobs))
    total = 0.0
    for part, name, _speaker, utts in talks:
        (root / "legacy" / part / "sph").mkdir(parents=True, exist_ok=True)
        (root / "legacy" / part / "stm").mkdir(parents=True, exist_ok=True)
        pieces, lines, t = [], [], 0.0
        for i, utt in enumerate(utts):
            gap = np.zeros(int(rng.uniform(*GAP_SECONDS) * SAMPLING_RATE), dtype=np.float32)
            speech = next(audio)
            pieces += [gap, speech]
            start = t + len(gap) / SAMPLING_RATE
            t = start + len(speech) / SAMPLING_RATE
            lines.append(
                f"{name} 1 {name} {start:.2f} {t:.2f} <o,f0,male> {_stm_text(utt.text, rng)}"
            )
            if i == 1:
                noise = rng.normal(0, 0.05, int(IGNORED_NOISE_SECONDS * SAMPLING_RATE))
                pieces.append(noise.astype(np.float32))
                end = t + IGNORED_NOISE_SECONDS
                lines.append(
                    f"{name} 1 inter_segment_gap {t:.2f} {end:.2f} <o,,unknown> "
                    "ignore_time_segment_in_scoring"
                )
                t = end
        talk = np.concatenate(pieces + [np.zeros(SAMPLING_RATE // 2, dtype=np.float32)])
        sf.write(
            root / "legacy" / part / "sph" / f"{name}.sph",
            talk,
            SAMPLING_RATE,
            format="NIST",
            subtype="PCM_16",
        )
        (root / "legacy" / part / "stm" / f"{name}.stm").write_text("\n".join(lines) + "\n")
        total += len(talk) / SAMPLING_RATE
    return total
