"""CTC beam search through flashlight-text's decoders (torchaudio's ``ctc_decoder``).

Two searches:

- without an LM, a lexicon-free prefix search over the model's tokens; hypotheses that
  spell the same tokens are merged by adding their probabilities (``log_add``), so the
  result is the most probable token sequence the beam finds, not the single best path that
  greedy decoding takes;
- with a word n-gram LM (KenLM: ARPA or binary), a lexicon search: tokens can only spell
  the words of the lexicon, and each finished word adds ``lm_weight * log P_LM(word |
  history) + word_score`` to the hypothesis' acoustic log-probability.

Each utterance is searched on its own; with ``jobs`` > 1 several at once, in the processes
of a :class:`~sigasr.decode.beam_pool.ForkPool`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from sigasr.data.tokenizer import Tokenizer
from sigasr.decode.beam_pool import ForkPool

# No piece stands for silence (SentencePiece marks word starts with '▁' inside the pieces),
# so the decoder's silence unit is one that no lexicon spelling contains. flashlight starts
# and ends every lexicon-free hypothesis with it; those are dropped from the tokens.
SILENCE = "<unk>"


@dataclass(frozen=True)
class BeamOptions:
    """Search settings; ``lm_weight`` and ``word_score`` apply only with an LM."""

    beam: int = 50  # hypotheses kept after each frame
    beam_threshold: float = 25.0  # hypotheses this far below the best (log-prob) are dropped
    beam_size_token: int = 0  # the most likely tokens tried per frame; 0: all of them
    lm_weight: float = 0.0
    word_score: float = 0.0


@dataclass(frozen=True)
class _BestTokens:
    """The token ids of one utterance's best hypothesis (the work a pool worker does)."""

    decoder: object  # torchaudio's CTCDecoder
    tokenizer: Tokenizer
    silence: int
    with_lm: bool

    def __call__(self, emissions: np.ndarray) -> list[int]:
        """(T, V) float32 log-probabilities -> token ids (with an LM: the words, spelled)."""
        nbest = self.decoder(torch.from_numpy(emissions[None]))[0]
        if not nbest:  # every hypothesis was pruned: nothing recognized
            return []
        if self.with_lm:
            return self.tokenizer.encode(" ".join(w for w in nbest[0].words if w))
        return [i for i in nbest[0].tokens.tolist() if i != self.silence]


class CTCBeamSearch:
    """Beam search over a batch of CTC log-probabilities, returning token ids.

    Args:
        tokenizer: the model's tokenizer (its pieces are the decoder's tokens; blank is id 0).
        options: beam size, pruning threshold, LM weight and word score.
        lm: a KenLM word n-gram (``.arpa``, ``.arpa.gz`` or binary); ``None`` searches
            without an LM and without a lexicon.
        lexicon: word spellings in the tokenizer's pieces (see :mod:`sigasr.lm.lexicon`);
            required with ``lm``.
        jobs: utterances decoded at once; above 1, in a :class:`ForkPool` of that many
            processes forked on first use, which :meth:`close` (or a ``with`` block) stops.
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        options: BeamOptions,
        lm: Path | None = None,
        lexicon: Path | None = None,
        jobs: int = 1,
    ) -> None:
        from torchaudio.models.decoder import ctc_decoder

        if (lm is None) != (lexicon is None):
            raise ValueError("a word LM needs a lexicon and a lexicon needs a word LM")
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {jobs}")
        self.tokenizer = tokenizer
        self.options = options
        self.with_lm = lm is not None
        self.jobs = jobs
        decoder = ctc_decoder(
            lexicon=str(lexicon) if lexicon is not None else None,
            tokens=tokenizer.pieces(),
            lm=str(lm) if lm is not None else None,
            beam_size=options.beam,
            beam_size_token=options.beam_size_token or None,
            beam_threshold=options.beam_threshold,
            lm_weight=options.lm_weight,
            word_score=options.word_score,
            log_add=True,
            blank_token=tokenizer.pieces()[tokenizer.blank_id],
            sil_token=SILENCE,
        )
        silence = tokenizer.pieces().index(SILENCE)
        self._best = _BestTokens(decoder, tokenizer, silence, self.with_lm)
        self._pool = ForkPool(self._best, jobs) if jobs > 1 else None

    def __call__(self, log_probs: Tensor, lengths: Tensor) -> list[list[int]]:
        """Decodes a batch.

        Args:
            log_probs: (B, T, V) per-frame log-probabilities (any device and float dtype).
            lengths: (B,) valid frames per sequence.

        Returns:
            B lists of token ids (with an LM: the found words, spelled by the tokenizer).
        """
        return self.decode_all([(log_probs, lengths)])

    def decode_all(self, batches: Iterable[tuple[Tensor, Tensor]]) -> list[list[int]]:
        """Token ids of every utterance of ``batches`` ((B, T, V) log-probabilities, (B,)
        lengths), in order; the pool works on all of them at once."""
        utterances = []
        for log_probs, lengths in batches:
            emissions = log_probs.detach().to("cpu", torch.float32).contiguous()
            utterances += [e[:n].numpy() for e, n in zip(emissions, lengths.tolist(), strict=True)]
        if self._pool is None or len(utterances) < 2:
            return [self._best(u) for u in utterances]
        return self._pool.map(utterances)

    def close(self) -> None:
        """Stops the worker processes, if any were started."""
        if self._pool is not None:
            self._pool.close()

    def __enter__(self) -> CTCBeamSearch:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
