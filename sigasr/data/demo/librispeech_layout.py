"""The demo corpus in LibriSpeech's layout: ``<part>/<spk>/<chapter>/<spk>-<chapter>-<utt>.flac``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sigasr.data.demo.synthesis import Utterance, parallel_render, render_to_flac
from sigasr.data.demo.text import SentenceSampler
from sigasr.data.demo.voices import Speaker, seen_speaker, unseen_speaker

WORDS_PER_UTTERANCE = (5, 30)
CHAPTERS_PER_SPEAKER = 2


@dataclass(frozen=True)
class PartSpec:
    """One corpus part: its name, seconds of speech to aim for, speakers, difficulty."""

    name: str
    seconds: float
    num_speakers: int
    first_speaker_id: int
    other: bool


def demo_parts(train_hours: float, eval_minutes: float) -> list[PartSpec]:
    """The five LibriSpeech parts: ``train_hours`` of training, ``eval_minutes`` per dev/test."""
    eval_seconds = eval_minutes * 60
    return [
        PartSpec("train-clean-100", train_hours * 3600, 40, 1000, other=False),
        PartSpec("dev-clean", eval_seconds, 8, 2000, other=False),
        PartSpec("dev-other", eval_seconds, 8, 3000, other=True),
        PartSpec("test-clean", eval_seconds, 8, 4000, other=False),
        PartSpec("test-other", eval_seconds, 8, 5000, other=True),
    ]


def _plan_part(
    root: Path, spec: PartSpec, sampler: SentenceSampler, rng: np.random.Generator, seed: int
) -> list[Utterance]:
    make = unseen_speaker if spec.other else seen_speaker
    speakers = [make(spec.first_speaker_id + i, rng) for i in range(spec.num_speakers)]
    counters: dict[tuple[int, int], int] = defaultdict(int)
    utterances: list[Utterance] = []
    seconds = 0.0
    while seconds < spec.seconds:
        speaker: Speaker = speakers[len(utterances) % len(speakers)]
        chapter = speaker.id * 10 + (len(utterances) // len(speakers)) % CHAPTERS_PER_SPEAKER
        index = counters[(speaker.id, chapter)]
        counters[(speaker.id, chapter)] += 1
        num_words = int(rng.integers(WORDS_PER_UTTERANCE[0], WORDS_PER_UTTERANCE[1] + 1))
        text = sampler.sentence(num_words)
        path = root / spec.name / str(speaker.id) / str(chapter)
        path = path / f"{speaker.id}-{chapter}-{index:04d}.flac"
        utterances.append(Utterance(text, speaker, seed * 1_000_003 + len(utterances), path))
        seconds += speaker.seconds_for(num_words)
    return utterances


def write_librispeech(
    root: Path,
    train_hours: float,
    eval_minutes: float,
    sampler: SentenceSampler,
    rng: np.random.Generator,
    seed: int,
    num_jobs: int,
) -> float:
    """Writes all parts under ``root`` (``.../LibriSpeech``) with ``num_jobs`` processes;
    returns seconds of audio."""
    total = 0.0
    for spec in demo_parts(train_hours, eval_minutes):
        utterances = _plan_part(root, spec, sampler, rng, seed)
        transcripts: dict[Path, list[str]] = defaultdict(list)
        for utt in utterances:
            utt.path.parent.mkdir(parents=True, exist_ok=True)
            transcripts[utt.path.parent].append(f"{utt.path.stem} {utt.text}")
        for chapter_dir, lines in transcripts.items():
            spk, chapter = chapter_dir.parent.name, chapter_dir.name
            (chapter_dir / f"{spk}-{chapter}.trans.txt").write_text("\n".join(lines) + "\n")
        rendered = parallel_render(render_to_flac, utterances, f"demo {spec.name}", num_jobs)
        total += sum(rendered)
    return total
