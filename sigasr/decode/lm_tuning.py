"""The LM weight and word score chosen on dev sets, kept next to the model.

``sigasr tune-lm`` sweeps a grid of (LM weight, word score) pairs with the beam search and
an LM over the dev sets and writes ``<exp-dir>/decode/lm_tuning.yaml``: the pair with the
lowest dev WER, the LM and beam it was tuned with, and the whole grid. ``sigasr decode
--method beam-lm`` reads the pair from there unless ``decode.lm_weight`` and
``decode.word_score`` are set.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from sigasr.atomic import atomic_write_text
from sigasr.errors import LMError

TUNING_FILE = "lm_tuning.yaml"


@dataclass
class GridPoint:
    lm_weight: float
    word_score: float
    wer: float  # percent, over all tuning sets
    errors: int
    ref_words: int


@dataclass
class LMTuning:
    lm: str  # the LM file tuned with, resolved
    lm_weight: float
    word_score: float
    beam: int
    tuned_on: list[str]
    wer: float
    grid: list[GridPoint] = field(default_factory=list)

    @classmethod
    def best_of(cls, grid: list[GridPoint], lm: Path, beam: int, sets: list[str]) -> LMTuning:
        """The lowest-WER point; ties go to the smaller LM weight, then word score."""
        if not grid:
            raise LMError("LM tuning grid is empty: give at least one LM weight and word score")
        best = min(grid, key=lambda p: (p.errors / max(p.ref_words, 1), p.lm_weight, p.word_score))
        return cls(str(lm.resolve()), best.lm_weight, best.word_score, beam, sets, best.wer, grid)

    def table(self) -> str:
        """The grid, one line per point, the chosen one marked."""
        lines = [f"{'lm_weight':>9} {'word_score':>10} {'WER %':>7}   "
                 f"({', '.join(self.tuned_on)}, beam {self.beam})"]  # fmt: skip
        for p in self.grid:
            chosen = (p.lm_weight, p.word_score) == (self.lm_weight, self.word_score)
            mark = "  <- chosen" if chosen else ""
            lines.append(f"{p.lm_weight:>9g} {p.word_score:>10g} {p.wer:>7.2f}{mark}")
        return "\n".join(lines)


def tuning_path(exp_dir: str | Path) -> Path:
    return Path(exp_dir) / "decode" / TUNING_FILE


def write_tuning(exp_dir: str | Path, tuning: LMTuning) -> Path:
    """Writes ``tuning`` as YAML to :func:`tuning_path`."""
    path = tuning_path(exp_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, yaml.safe_dump(asdict(tuning), sort_keys=False))


def read_tuning(path: str | Path) -> LMTuning:
    """The tuning in ``path``; raises :class:`LMError` naming the file when it is missing or
    cannot be parsed."""
    path = Path(path)
    if not path.is_file():
        raise LMError(f"{path}: no LM tuning file (run `sigasr tune-lm`)")
    try:
        data = yaml.safe_load(path.read_text())
        grid = [GridPoint(**p) for p in data.pop("grid", [])]
        return LMTuning(**data, grid=grid)
    except (yaml.YAMLError, TypeError, AttributeError) as e:
        raise LMError(f"{path}: not an LM tuning file ({e}); run `sigasr tune-lm` again") from None
