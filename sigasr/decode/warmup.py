"""Paying a decoding process's one-time GPU costs while its checkpoints are read.

A process's first batches pay for more than their work: CUDA loads kernels on first use,
cuFFT, cuDNN and cuBLAS set themselves up, and Triton finds and loads each FlashSigmoid
variant (one per power-of-two bucket of lengths; a bucket its cache lacks is autotuned).
:class:`Warmup` runs the model over batches of noise spanning the lengths about to be
decoded, on a thread of its own, while the caller reads and averages checkpoints on the CPU.
"""

from __future__ import annotations

import threading
import time
from contextlib import nullcontext

import torch

from sigasr.ctc import best_path
from sigasr.data.features import SAMPLING_RATE, BatchFbank
from sigasr.decode.chunking import FRAME_SECONDS
from sigasr.decode.recognize import encode
from sigasr.runtime import autocast_for

LONGEST = 32.0
"""Seconds: the longest warm-up utterance. Longer ones would add GPU time, not one-time costs
(a length bucket first met later pays only its own kernels' loading)."""


def warmup_lengths(
    shortest: float, longest: float, chunking: tuple[int, int] | None = None
) -> list[float]:
    """Seconds from ``longest`` down by halves, then ``shortest``: one length per
    power-of-two bucket of encoder lengths between the two. Capped at :data:`LONGEST` and,
    with ``chunking`` = (chunk, overlap) frames, at a chunk: the longest input the model sees."""
    cap = LONGEST if chunking is None else min(LONGEST, chunking[0] * FRAME_SECONDS)
    longest = min(longest, cap)
    shortest = min(shortest, longest)
    lengths = [longest]
    while lengths[-1] / 2 > shortest:
        lengths.append(lengths[-1] / 2)
    if shortest < lengths[-1]:
        lengths.append(shortest)
    return lengths


class Warmup:
    """Runs ``model`` (on ``device``; its weights need not be loaded yet) over one
    padded batch of two noise utterances per length in ``seconds``: features, forward under
    ``amp`` (in ``chunking`` = (chunk, overlap) frames if given) and the greedy best path, as
    :func:`~sigasr.decode.recognize.recognize` runs them. Starts at once on a thread; the
    caller must not use the model until :meth:`join` returns."""

    def __init__(
        self,
        model,
        device: torch.device,
        amp: str,
        seconds: list[float],
        chunking: tuple[int, int] | None = None,
    ):
        self.model, self.device, self.amp = model, device, amp
        self.seconds, self.chunking = seconds, chunking
        self.elapsed = 0.0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sigasr-warmup", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        start = time.perf_counter()
        try:
            # Grad mode, autocast and the current device are per thread.
            cuda = self.device.type == "cuda"
            with torch.no_grad(), torch.cuda.device(self.device) if cuda else nullcontext():
                fbank = BatchFbank(self.device)
                generator = torch.Generator().manual_seed(0)
                for seconds in self.seconds:
                    lens = torch.tensor([int(seconds * SAMPLING_RATE)] * 2)
                    lens[1] = lens[0] * 3 // 4
                    audio = 0.01 * torch.randn(2, int(lens[0]), generator=generator)
                    audio[1, lens[1] :] = 0.0
                    features, feature_lens = fbank(audio, lens)
                    with autocast_for(self.device, self.amp):
                        log_probs, out_lens = encode(
                            self.model, features, feature_lens, self.chunking
                        )
                    best_path(log_probs, out_lens)
                if cuda:
                    torch.cuda.synchronize(self.device)
        except BaseException as error:  # handed to join()
            self._error = error
        self.elapsed = time.perf_counter() - start

    def join(self) -> float:
        """Waits for the warm-up; returns its seconds. Raises what it raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.elapsed
