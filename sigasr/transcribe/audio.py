"""Reading audio files of any format soundfile knows, at any sample rate."""

from __future__ import annotations

from pathlib import Path

import soundfile as sf
import torch
from torch import Tensor

from sigasr.errors import AudioError


def load_audio(path: str | Path) -> tuple[Tensor, int]:
    """Returns the samples (S,) float32 in [-1, 1], channels averaged, and the sample rate."""
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such audio file")
    try:
        samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        raise AudioError(f"{path}: cannot read audio ({e})") from None
    if samples.shape[0] == 0:
        raise AudioError(f"{path}: the file holds no samples")
    return torch.from_numpy(samples).mean(dim=1), int(rate)
