"""CTC beam search through flashlight-text's decoders (torchaudio's ``ctc_decoder``).

Two searches:

- without an LM, a lexicon-free prefix search over the model's tokens; hypotheses that
  spell the same tokens are merged by adding their probabilities (``log_add``), so the
  result is the most probable token sequence the beam finds, not the single best path that
  greedy decoding takes;
- with a word n-gram LM (KenLM: ARPA or binary), a lexicon search: tokens can only spell
  the words of the lexicon, and each finished word adds ``lm_weight * log P_LM(word |
  history) + word_score`` to the hypothesis' acoustic log-probability.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from sigasr.data.tokenizer import Tokenizer

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


class CTCBeamSearch:
    """Beam search over a batch of CTC log-probabilities, returning token ids.

    Args:
        tokenizer: the model's tokenizer (its pieces are the decoder's tokens; blank is id 0).
        options: beam size, pruning threshold, LM weight and word score.
        lm: a KenLM word n-gram (``.arpa``, ``.arpa.gz`` or binary); ``None`` searches
            without an LM and without a lexicon.
        lexicon: word spellings in the tokenizer's pieces (see :mod:`sigasr.lm.lexicon`);
            required with ``lm``.
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        options: BeamOptions,
        lm: Path | None = None,
        lexicon: Path | None = None,
    ) -> None:
        from torchaudio.models.decoder import ctc_decoder

        if (lm is None) != (lexicon is None):
            raise ValueError("a word LM needs a lexicon and a lexicon needs a word LM")
        self.tokenizer = tokenizer
        self.options = options
        self.with_lm = lm is not None
        self._silence = tokenizer.pieces().index(SILENCE)
        self._decoder = ctc_decoder(
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

    def __call__(self, log_probs: Tensor, lengths: Tensor) -> list[list[int]]:
        """Decodes a batch.

        Args:
            log_probs: (B, T, V) per-frame log-probabilities (any device and float dtype).
            lengths: (B,) valid frames per sequence.

        Returns:
            B lists of token ids (with an LM: the found words, spelled by the tokenizer).
        """
        emissions = log_probs.detach().to("cpu", torch.float32).contiguous()
        hyps = self._decoder(emissions, lengths.detach().to("cpu", torch.int32))
        out = []
        for nbest in hyps:
            if not nbest:  # every hypothesis was pruned: nothing recognized
                out.append([])
            elif self.with_lm:
                out.append(self.tokenizer.encode(" ".join(w for w in nbest[0].words if w)))
            else:
                out.append([i for i in nbest[0].tokens.tolist() if i != self._silence])
        return out
