"""Reading audio files of any format soundfile knows, at any sample rate, and checking samples."""

from __future__ import annotations

from pathlib import Path

import soundfile as sf
import torch
from torch import Tensor

from sigasr.errors import AudioError

SILENCE_PEAK = 1e-4  # -80 dBFS: below the dither of any real recording


def load_audio(path: str | Path) -> tuple[Tensor, int]:
    """Returns the samples (S,) float32 in [-1, 1], channels averaged, and the sample rate."""
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: an empty file (0 bytes)")
    try:
        samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        raise AudioError(f"{path}: cannot read audio ({e})") from None
    if samples.shape[0] == 0:
        raise AudioError(f"{path}: the file holds no samples")
    return torch.from_numpy(samples).mean(dim=1), int(rate)


def check_finite(name: str, samples: Tensor, rate: int) -> None:
    """Raises :class:`AudioError` naming ``name`` when any sample is NaN or infinite.

    A single such sample turns every feature frame it touches into NaN and the transcript
    into nothing, so the file is refused instead of transcribed.
    """
    bad = ~torch.isfinite(samples)
    if bad.any():
        first = int(bad.nonzero()[0, 0])
        nan, inf = int(samples.isnan().sum()), int(samples.isinf().sum())
        raise AudioError(
            f"{name}: damaged audio: {nan} NaN and {inf} infinite sample(s) of "
            f"{samples.numel()}, the first at {first / rate:.3f} s"
        )


def is_silent(samples: Tensor) -> bool:
    """Whether every sample is below -80 dBFS (digital silence): there is nothing to hear."""
    return float(samples.abs().max()) < SILENCE_PEAK
