"""Word start and end times from a CTC alignment of the greedy hypothesis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torchaudio.functional as AF
from torch import Tensor


@dataclass(frozen=True)
class WordTiming:
    word: str
    start: float  # seconds
    end: float


def word_timings(
    log_probs: Tensor,
    tokens: list[int],
    frame_seconds: float,
    starts_word: Callable[[int], bool],
    decode: Callable[[list[int]], str],
    blank: int = 0,
) -> list[WordTiming]:
    """Aligns ``tokens`` to ``log_probs`` with CTC forced alignment and groups them into words.

    Args:
        log_probs: (T', V) log-probabilities of one utterance.
        tokens: the token ids to align (normally the greedy hypothesis).
        frame_seconds: duration of one output frame.
        starts_word: whether a token id begins a new word (SentencePiece's ``▁``).
        decode: token ids -> text, used to spell each word.

    Returns:
        One :class:`WordTiming` per word, from its first token's first frame to its last
        token's last frame.
    """
    if not tokens:
        return []
    targets = torch.tensor([tokens], dtype=torch.int32)
    labels, scores = AF.forced_align(log_probs[None].float().cpu(), targets, blank=blank)
    spans = AF.merge_tokens(labels[0], scores[0].exp(), blank=blank)
    words: list[list] = []
    for span in spans:
        if not words or starts_word(span.token):
            words.append([])
        words[-1].append(span)
    return [
        WordTiming(
            decode([s.token for s in group]).strip(),
            round(group[0].start * frame_seconds, 3),
            round(group[-1].end * frame_seconds, 3),
        )
        for group in words
    ]
