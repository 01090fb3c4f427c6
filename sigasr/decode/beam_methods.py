"""The ``beam`` and ``beam-lm`` rows of the decode-method table: their options and builders.

Every option left unset takes the default of :class:`sigasr.config.DecodeConfig`;
``sigasr decode`` first fills unset options from the experiment's ``decode`` config section.

- ``beam``: lexicon-free prefix beam search, no LM (:class:`CTCBeamSearch`); ``--beam``,
  ``--beam-threshold``, ``--beam-size-token`` and ``--search-jobs`` (utterances searched at
  once, in forked processes) apply to ``beam-lm`` as well.
- ``beam-lm``: lexicon beam search with the word n-gram ``--lm``, weighted by ``--lm-weight``
  and ``--word-score`` or, when those are unset, by the values in ``--lm-tuning`` (the file
  ``sigasr tune-lm`` writes; ``sigasr decode`` uses ``<exp-dir>/decode/lm_tuning.yaml``).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from sigasr.config import DecodeConfig
from sigasr.data.tokenizer import Tokenizer
from sigasr.decode.beam import BeamOptions, CTCBeamSearch
from sigasr.decode.beam_pool import usable_cores
from sigasr.decode.lm_tuning import read_tuning
from sigasr.errors import LMError, UsageError
from sigasr.lm.arpa import is_arpa, unigrams
from sigasr.lm.lexicon import write_lexicon

# Option name -> the DecodeConfig key it overrides (the same name).
SEARCH_KEYS = ("beam", "beam_threshold", "beam_size_token")
BEAM_KEYS = (*SEARCH_KEYS, "search_jobs")
BEAM_LM_KEYS = ("lm", "lexicon", "lm_weight", "word_score")


def add_beam_arguments(group) -> None:
    group.add_argument("--beam", type=int, help="decode.beam: hypotheses kept per frame")
    group.add_argument(
        "--beam-threshold", type=float, help="decode.beam_threshold: log-prob pruning margin"
    )
    group.add_argument(
        "--beam-size-token", type=int, help="decode.beam_size_token: tokens tried per frame"
    )
    group.add_argument(
        "--search-jobs",
        type=int,
        help="decode.search_jobs: utterances searched at once, in processes (0: all cores)",
    )


def add_beam_lm_arguments(group) -> None:
    group.add_argument("--lm", help="decode.lm: word n-gram, ARPA or KenLM binary")
    group.add_argument("--lexicon", help="decode.lexicon (default: the LM's words, spelled)")
    group.add_argument("--lm-weight", type=float, help="decode.lm_weight (default: tuned)")
    group.add_argument("--word-score", type=float, help="decode.word_score (default: tuned)")
    group.add_argument("--lm-tuning", help="an lm_tuning.yaml from sigasr tune-lm")


def _option(options: argparse.Namespace, key: str):
    value = getattr(options, key, None)
    return getattr(DecodeConfig, key) if value is None else value


def beam_options(
    options: argparse.Namespace, lm_weight: float = 0.0, word_score: float = 0.0
) -> BeamOptions:
    """The search settings of ``options`` with the given LM weight and word score."""
    beam, threshold, size_token = (_option(options, k) for k in SEARCH_KEYS)
    return BeamOptions(beam, threshold, size_token, lm_weight, word_score)


def search_jobs(jobs: int) -> int:
    """Search processes for ``decode.search_jobs`` / ``--search-jobs`` = ``jobs`` (0: one per
    core this process may use)."""
    if jobs < 0:
        raise UsageError(
            f"--search-jobs / 'decode.search_jobs' is {jobs}, expected 0 (all cores) or more"
        )
    return jobs or usable_cores()


def lm_path(options: argparse.Namespace) -> Path:
    """The LM file; raises :class:`LMError` if none is given or it does not exist."""
    lm = _option(options, "lm")
    if not lm:
        raise LMError("beam-lm needs a word n-gram LM: set 'decode.lm' or give --lm")
    if not Path(lm).is_file():
        raise LMError(
            f"LM {lm} ('decode.lm' or --lm): no such file "
            "(make it with `sigasr prepare librispeech-lm` or `sigasr prepare ngram`)"
        )
    return Path(lm)


def lexicon_for(options: argparse.Namespace, lm: Path, tokenizer: Tokenizer, out_dir: Path) -> Path:
    """``--lexicon`` / ``decode.lexicon`` if set; else the LM's words spelled with
    ``tokenizer``, written to ``out_dir``. A binary LM takes its words from the ``.arpa``
    beside it."""
    lexicon = options.lexicon
    if lexicon:
        if not Path(lexicon).is_file():
            raise LMError(f"lexicon {lexicon}: no such file")
        return Path(lexicon)
    arpa = lm if is_arpa(lm) else lm.with_suffix(".arpa")
    if not arpa.is_file():
        raise LMError(f"{lm}: a binary LM needs its words: give a lexicon or keep {arpa} beside it")
    path = out_dir / "lexicon.txt"
    report = write_lexicon(unigrams(arpa), tokenizer, path)
    print(report.line())
    if report.words == 0:
        raise LMError(f"{arpa}: none of its words can be spelled with the model's tokens")
    return path


def lm_weights(options: argparse.Namespace, lm: Path) -> tuple[float, float, str]:
    """(LM weight, word score, where they came from).

    Given values win; otherwise the tuning file's, which must have been tuned with ``lm``.
    """
    lm_weight, word_score = options.lm_weight, options.word_score
    if lm_weight is not None and word_score is not None:
        return lm_weight, word_score, "options"
    if not getattr(options, "lm_tuning", None):
        raise LMError("beam-lm needs --lm-weight and --word-score, or --lm-tuning")
    tuning = read_tuning(options.lm_tuning)
    if Path(tuning.lm) != lm.resolve():
        raise LMError(
            f"{options.lm_tuning} was tuned with {tuning.lm}, not {lm.resolve()}: "
            "run `sigasr tune-lm` again or set the LM weight and word score"
        )
    lm_weight = tuning.lm_weight if lm_weight is None else lm_weight
    word_score = tuning.word_score if word_score is None else word_score
    return lm_weight, word_score, str(options.lm_tuning)


def build_beam(options: argparse.Namespace, tokenizer: Tokenizer) -> CTCBeamSearch:
    jobs = search_jobs(_option(options, "search_jobs"))
    search = CTCBeamSearch(tokenizer, beam_options(options), jobs=jobs)
    print(f"search: beam {search.options.beam}, no LM, {jobs} processes")
    return search


def build_beam_lm(options: argparse.Namespace, tokenizer: Tokenizer) -> CTCBeamSearch:
    lm = lm_path(options)
    lm_weight, word_score, source = lm_weights(options, lm)
    jobs = search_jobs(_option(options, "search_jobs"))
    with tempfile.TemporaryDirectory() as tmp:  # the decoder reads the lexicon when built
        lexicon = lexicon_for(options, lm, tokenizer, Path(tmp))
        beam = beam_options(options, lm_weight, word_score)
        search = CTCBeamSearch(tokenizer, beam, lm, lexicon, jobs)
    print(
        f"search: beam {search.options.beam}, LM {lm}, lm_weight {lm_weight}, "
        f"word_score {word_score} (from {source}), {jobs} processes"
    )
    return search
