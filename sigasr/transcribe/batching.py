"""Grouping recordings into batches by duration, before any audio is read.

Sources are sorted by duration so that a batch pads little. A batch grows while its padded
audio (the longest duration times the batch size) stays within ``max_batch_seconds`` and the
memory estimate of one pass over it fits. A source longer than ``max_one_pass_seconds``, one
whose duration is unknown, and one that does not fit alone go in a batch of their own: the
transcriber decides how to run those (one pass or chunks).
"""

from __future__ import annotations

from collections.abc import Callable

from sigasr.transcribe.inputs import AudioSource


def plan_batches(
    sources: list[AudioSource],
    max_batch_seconds: float,
    max_one_pass_seconds: float,
    fits: Callable[[int, float], bool],
) -> list[list[int]]:
    """Batches of indices into ``sources``, shortest first; ``fits(batch, seconds)`` says
    whether one pass over ``batch`` sequences of ``seconds`` fits in memory."""
    alone, batchable = [], []
    for i, s in enumerate(sources):
        too_long = s.duration is None or s.duration > max_one_pass_seconds
        (alone if too_long or not fits(1, s.duration) else batchable).append(i)
    batchable.sort(key=lambda i: sources[i].duration)
    batches: list[list[int]] = []
    current: list[int] = []
    for i in batchable:
        seconds = sources[i].duration  # the longest so far: sorted ascending
        size = len(current) + 1
        if current and (size * seconds > max_batch_seconds or not fits(size, seconds)):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches + [[i] for i in alone]
