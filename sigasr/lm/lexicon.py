"""Word spellings in the model's token units, for a lexicon-constrained beam search.

A lexicon line is a word followed by its SentencePiece pieces (``HELLO ▁HE LLO``). Every
word starts with a piece that carries the ``▁`` word mark, so word boundaries need no
silence unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sigasr.atomic import atomic_write_text
from sigasr.data.tokenizer import Tokenizer


@dataclass
class LexiconReport:
    """How many words a lexicon spells, and the ones it left out for want of units."""

    words: int
    unspellable: list[str]

    def line(self) -> str:
        text = f"lexicon: {self.words} words"
        if self.unspellable:
            shown = ", ".join(self.unspellable[:5])
            more = ", ..." if len(self.unspellable) > 5 else ""
            text += (
                f"; {len(self.unspellable)} left out, with characters the tokenizer has no "
                f"unit for ({shown}{more})"
            )
        return text


def write_lexicon(words: Iterable[str], tokenizer: Tokenizer, path: Path) -> LexiconReport:
    """Spells each distinct word with ``tokenizer`` and writes the lexicon to ``path``.

    A word whose spelling needs ``<unk>`` cannot be produced by the model and is left out
    (and counted in the report).
    """
    known = set(tokenizer.pieces()[1:]) - {"<unk>"}
    lines, unspellable, seen = [], [], set()
    for word in words:
        if word in seen:
            continue
        seen.add(word)
        pieces = tokenizer.spell(word)
        if pieces and all(p in known for p in pieces):
            lines.append(f"{word} {' '.join(pieces)}")
        else:
            unspellable.append(word)
    atomic_write_text(path, "\n".join(lines) + "\n")
    return LexiconReport(len(lines), unspellable)
