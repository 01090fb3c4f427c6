"""SentencePiece tokens with the CTC blank at id 0.

SentencePiece is trained with no BOS/EOS; its ids are shifted by +1 so that id 0 is free
for the blank. ``tokens.txt`` lists ``<blk> 0`` and then every piece with its shifted id.
"""

from __future__ import annotations

from pathlib import Path

import sentencepiece as spm

from sigasr.atomic import atomic_write_text
from sigasr.data.transcripts import write_transcripts


class Tokenizer:
    """Encodes upper-case transcripts to CTC token ids (≥ 1) and back."""

    blank_id = 0

    def __init__(self, lang_dir: str | Path) -> None:
        model = Path(lang_dir) / "tokenizer.model"
        if not model.is_file():
            raise FileNotFoundError(f"{model}: no tokenizer (run `sigasr prepare tokenizer`)")
        self._sp = spm.SentencePieceProcessor(model_file=str(model))
        self.vocab_size = self._sp.get_piece_size() + 1

    def encode(self, text: str) -> list[int]:
        return [i + 1 for i in self._sp.encode(text)]

    def decode(self, ids: list[int]) -> str:
        return self._sp.decode([i - 1 for i in ids if i != self.blank_id])

    def pieces(self) -> list[str]:
        """Every token's text, indexed by CTC id: ``<blk>`` at 0, then the SentencePiece pieces."""
        return ["<blk>"] + [self._sp.id_to_piece(i) for i in range(self.vocab_size - 1)]

    def spell(self, word: str) -> list[str]:
        """The pieces SentencePiece splits ``word`` into (the first carries the ``▁`` mark)."""
        return self._sp.encode(word, out_type=str)


def train_tokenizer(
    manifest_dir: Path, train_sets: list[str], lang_dir: Path, vocab_size: int, model_type: str
) -> Tokenizer:
    """Trains SentencePiece on the transcripts of ``train_sets`` into ``lang_dir``."""
    lang_dir.mkdir(parents=True, exist_ok=True)
    transcripts = lang_dir / "transcripts.txt"
    write_transcripts(manifest_dir, train_sets, transcripts)
    spm.SentencePieceTrainer.train(
        input=str(transcripts),
        model_prefix=str(lang_dir / "tokenizer"),
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        bos_id=-1,
        eos_id=-1,
        unk_id=0,
        hard_vocab_limit=model_type != "char",
        minloglevel=2,
    )
    tokenizer = Tokenizer(lang_dir)
    lines = [f"{piece} {i}" for i, piece in enumerate(tokenizer.pieces())]
    atomic_write_text(lang_dir / "tokens.txt", "\n".join(lines) + "\n")
    return tokenizer


WORDS_PER_PIECE_MIN = 4
"""Fewer distinct training words per piece than this leaves BPE or unigram pieces close to
whole words, which CTC learns slowly. On the 500-word demo corpus (a 3 M Conformer, 60 s
batches, lr 3e-3) characters left the all-blank phase after about 50 steps, 100 BPE pieces
(5 words per piece) after about 100, and 500 pieces (1.3 pieces per word) not in 250."""


def word_level_warning(transcripts: Path, pieces: int, token_type: str) -> str | None:
    """A warning when ``pieces`` BPE or unigram pieces are close to the whole words of
    ``transcripts`` (fewer than WORDS_PER_PIECE_MIN distinct words per piece), else None."""
    if token_type == "char":
        return None
    words = set()
    with open(transcripts) as f:
        for line in f:
            words.update(line.split())
    if len(words) >= WORDS_PER_PIECE_MIN * pieces:
        return None
    return (
        f"warning: {pieces} {token_type} pieces over {len(words)} distinct training words are "
        f"close to whole words; CTC learns such units slowly and may stay in its all-blank "
        f"phase. Use at most {len(words) // WORDS_PER_PIECE_MIN} pieces (data.vocab_size) or "
        f"a corpus with more words (run.sh --demo --words N)"
    )
