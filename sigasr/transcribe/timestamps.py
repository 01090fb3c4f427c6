"""Word start and end times and confidences from a CTC alignment of the greedy hypothesis.

The hypothesis is force-aligned to the posteriors (torchaudio's ``forced_align``): every frame
gets either the blank or one of the hypothesis' tokens. A token's confidence is the mean
posterior probability of that token over the frames aligned to it; a word's confidence is the
minimum over its tokens. The minimum because a word is wrong when any of its tokens is
(one unsure letter misspells it), so the weakest token bounds the word; a mean would let
confident neighbours hide it. It is the aggregation NeMo uses for word confidence by default.
Confidences are in (0, 1]; they are the model's posteriors, not calibrated probabilities of
the word being right.
"""

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
    confidence: float  # in (0, 1]: the least of its tokens' mean frame posteriors


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
        token's last frame. A word's spelling holds no whitespace (SentencePiece spells an
        unknown piece " ⁇ "; it is joined to its neighbours). A token group that spells
        nothing (a lone word-boundary piece) is no word and is left out.
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
    timings = []
    for group in words:
        text = "".join(decode([s.token for s in group]).split())  # " ⁇ " (unknown) joins in
        if text:
            timings.append(
                WordTiming(
                    text,
                    round(group[0].start * frame_seconds, 3),
                    round(group[-1].end * frame_seconds, 3),
                    round(min(float(s.score) for s in group), 4),
                )
            )
    return timings
