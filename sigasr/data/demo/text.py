"""English word sequences drawn from a real vocabulary, frequency weighted and seeded."""

from __future__ import annotations

import numpy as np


def demo_vocabulary(size: int) -> list[str]:
    """The ``size`` most frequent alphabetic English words of ``wordfreq`` (upper-case)."""
    from wordfreq import top_n_list

    words: list[str] = []
    for word in top_n_list("en", 4 * size + 100):
        if word.isascii() and word.isalpha():
            words.append(word.upper())
            if len(words) == size:
                return words
    raise ValueError(f"wordfreq has fewer than {size} alphabetic English words")


class SentenceSampler:
    """Samples sentences whose words follow a Zipf law over :func:`demo_vocabulary` ranks.

    Args:
        vocab_size: number of distinct words.
        rng: the generator that makes the corpus deterministic for a seed.
    """

    def __init__(self, vocab_size: int, rng: np.random.Generator) -> None:
        self.words = demo_vocabulary(vocab_size)
        weights = 1.0 / np.arange(1, vocab_size + 1) ** 0.8
        self._probs = weights / weights.sum()
        self._rng = rng

    def sentence(self, num_words: int) -> str:
        """One upper-case sentence of ``num_words`` words."""
        idx = self._rng.choice(len(self.words), size=num_words, p=self._probs)
        return " ".join(self.words[i] for i in idx)
