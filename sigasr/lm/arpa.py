"""Reading the header and the unigrams of an ARPA n-gram file (plain or gzip-compressed).

An ARPA file starts with ``\\data\\`` and one ``ngram N=count`` line per order, then one
``\\N-grams:`` section per order whose lines are ``log10-prob  w1 .. wN  [log10-backoff]``,
and ends with ``\\end\\``.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sigasr.errors import LMError

_COUNT = re.compile(r"^ngram (\d+)=(\d+)$")
_SECTION = re.compile(r"^\\(\d+)-grams:$")
SENTENCE_MARKS = frozenset({"<s>", "</s>", "<unk>"})


def is_arpa(path: str | Path) -> bool:
    """Whether ``path`` is named like an ARPA file (``.arpa`` or ``.arpa.gz``)."""
    name = Path(path).name
    return name.endswith(".arpa") or name.endswith(".arpa.gz")


def _open(path: Path) -> IO[str]:
    if not path.is_file():
        raise LMError(f"{path}: no such ARPA file")
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def ngram_counts(path: str | Path) -> dict[int, int]:
    """Order -> number of n-grams, from the ``\\data\\`` header.

    Raises :class:`LMError` if the file does not start with an ARPA header.
    """
    path = Path(path)
    counts: dict[int, int] = {}
    with _open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line == "\\data\\":
                break
            raise LMError(f"{path}: not an ARPA file (no '\\data\\' header before '{line[:40]}')")
        else:
            raise LMError(f"{path}: not an ARPA file (no '\\data\\' header)")
        for line in f:
            line = line.strip()
            if not line:
                if counts:
                    break
                continue
            match = _COUNT.match(line)
            if not match:
                break
            counts[int(match.group(1))] = int(match.group(2))
    if not counts:
        raise LMError(f"{path}: ARPA header lists no 'ngram N=count' line")
    return counts


def unigrams(path: str | Path) -> Iterator[str]:
    """The words of the ``\\1-grams:`` section, sentence marks and ``<unk>`` left out."""
    path = Path(path)
    with _open(path) as f:
        for line in f:
            if line.strip() == "\\1-grams:":
                break
        else:
            raise LMError(f"{path}: no '\\1-grams:' section")
        for line in f:
            fields = line.split()
            if not fields:
                continue
            if _SECTION.match(fields[0]) or fields[0] == "\\end\\":
                return
            if len(fields) < 2:
                raise LMError(f"{path}: bad unigram line '{line.strip()[:60]}'")
            if fields[1] not in SENTENCE_MARKS:
                yield fields[1]
