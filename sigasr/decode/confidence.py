"""How far a WER measured on few utterances can be trusted: a bootstrap interval.

Utterances, not words, are resampled (with replacement): the errors of one utterance are not
independent of each other, so an interval over words would be too narrow.
"""

from __future__ import annotations

import numpy as np

from sigasr.decode.scoring import ScoredSet


def bootstrap_wer_interval(
    scored: ScoredSet, level: float = 0.95, resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """The percentile bootstrap interval of the WER (%) of ``scored`` at ``level``."""
    errors = np.array([u.errors for u in scored.utterances], dtype=np.float64)
    words = np.array([len(u.ref) for u in scored.utterances], dtype=np.float64)
    if len(errors) == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(errors), size=(resamples, len(errors)))
    wers = 100.0 * errors[picks].sum(axis=1) / np.maximum(words[picks].sum(axis=1), 1.0)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(wers, [tail, 100 - tail])
    return float(low), float(high)
