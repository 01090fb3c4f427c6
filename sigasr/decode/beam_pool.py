"""Per-utterance decoding in forked worker processes.

The workers are forked from the parent when the pool is first used, so they inherit what the
parent already built (a flashlight decoder, its KenLM LM) instead of receiving it pickled.
Only the utterances' emissions travel to them, as numpy arrays, and token-id lists come back.
"""

from __future__ import annotations

import multiprocessing
import os
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

UtteranceDecoder = Callable[[np.ndarray], list[int]]
"""(T, V) float32 log-probabilities of one utterance -> its token ids."""

_worker_decode: UtteranceDecoder | None = None


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0))


def _adopt(decode: UtteranceDecoder) -> None:
    global _worker_decode
    _worker_decode = decode


def _run(emissions: np.ndarray) -> list[int]:
    return _worker_decode(emissions)


class ForkPool:
    """Maps an :data:`UtteranceDecoder` over utterances in ``jobs`` forked processes.

    The processes start on the first :meth:`map` and stop on :meth:`close` (or leaving a
    ``with`` block), when the pool is garbage-collected, or at interpreter exit.
    """

    def __init__(self, decode: UtteranceDecoder, jobs: int) -> None:
        if jobs < 2:
            raise ValueError(f"a pool needs at least 2 jobs, got {jobs}")
        self.decode = decode
        self.jobs = jobs
        self._executor: ProcessPoolExecutor | None = None
        self._shutdown = None

    def map(self, utterances: list[np.ndarray]) -> list[list[int]]:
        """Token ids of each (T_i, V) float32 array, in the order given."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.jobs, multiprocessing.get_context("fork"), _adopt, (self.decode,)
            )
            self._shutdown = weakref.finalize(self, self._executor.shutdown, cancel_futures=True)
        try:
            return list(self._executor.map(_run, utterances))
        except BrokenProcessPool:
            self.close()
            raise RuntimeError(
                "a beam-search worker process died (killed, e.g. out of memory, or crashed); "
                "fewer workers (decode.search_jobs, --search-jobs) need less memory"
            ) from None

    def close(self) -> None:
        """Stops the worker processes; the next :meth:`map` starts new ones."""
        if self._shutdown is not None:
            self._shutdown()
        self._executor = self._shutdown = None

    def __enter__(self) -> ForkPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
