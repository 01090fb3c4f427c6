"""The decode-method table: ``sigasr decode --method NAME``, ``sigasr transcribe --method NAME``
and :class:`sigasr.transcribe.transcriber.Transcriber` look a method up here by name.

A method turns a batch of per-frame CTC log-probabilities into token ids (a :data:`Decoder`).
To add one, add a :class:`DecodeMethod` row to :data:`METHODS`: ``add_arguments`` declares its
own command-line options (both commands then accept them) and ``build`` makes the decoder from
the parsed options and the tokenizer.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from torch import Tensor

from sigasr.ctc import greedy_ctc
from sigasr.decode.beam_methods import (
    add_beam_arguments,
    add_beam_lm_arguments,
    build_beam,
    build_beam_lm,
)
from sigasr.errors import UsageError

Decoder = Callable[[Tensor, Tensor], list[list[int]]]
"""(B, T, V) log-probabilities and (B,) valid frames -> B lists of token ids."""

DEFAULT_METHOD = "greedy"


def _no_arguments(group) -> None:
    return None


@dataclass(frozen=True)
class DecodeMethod:
    """One row of the table.

    Attributes:
        summary: one line for ``--help``.
        build: ``(options, tokenizer) -> Decoder``; ``options`` holds the parsed arguments.
        add_arguments: adds the method's options to an argument group (default: none).
    """

    summary: str
    build: Callable[[argparse.Namespace, object], Decoder]
    add_arguments: Callable[[argparse._ArgumentGroup], None] = _no_arguments


METHODS: dict[str, DecodeMethod] = {
    "greedy": DecodeMethod(
        "best path: the most likely token per frame, repeats merged, blanks dropped",
        lambda options, tokenizer: greedy_ctc,
    ),
    "beam": DecodeMethod(
        "CTC prefix beam search over the tokens (flashlight-text), no LM",
        build_beam,
        add_beam_arguments,
    ),
    "beam-lm": DecodeMethod(
        "beam search over lexicon words with a word n-gram LM (KenLM, flashlight-text)",
        build_beam_lm,
        add_beam_lm_arguments,
    ),
}


def add_method_arguments(
    parser: argparse.ArgumentParser, default: str | None = DEFAULT_METHOD
) -> None:
    """``--method`` (``default`` when not given) and the options of every method in
    :data:`METHODS`."""
    parser.add_argument(
        "--method",
        choices=list(METHODS),
        default=default,
        help="; ".join(f"{name}: {m.summary}" for name, m in METHODS.items()),
    )
    for name, method in METHODS.items():
        method.add_arguments(parser.add_argument_group(f"--method {name}"))


def build_decoder(name: str, tokenizer, options: argparse.Namespace | None = None) -> Decoder:
    """The decoder of method ``name``; ``options`` default to the method's own defaults."""
    if name not in METHODS:
        raise UsageError(f"unknown decode method '{name}', expected one of: {', '.join(METHODS)}")
    method = METHODS[name]
    if options is None:
        defaults = argparse.ArgumentParser(add_help=False)
        method.add_arguments(defaults.add_argument_group(name))
        options = defaults.parse_args([])
    return method.build(options, tokenizer)


@contextmanager
def closing_decoder(decoder: Decoder) -> Iterator[Decoder]:
    """``decoder``, closed on leaving if it has a ``close`` (a beam search's processes)."""
    try:
        yield decoder
    finally:
        if hasattr(decoder, "close"):
            decoder.close()
