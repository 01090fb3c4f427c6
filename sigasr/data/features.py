"""80-dim log-mel filterbank features, the same for training, decoding and transcription."""

from __future__ import annotations

import torch
from lhotse import Fbank, FbankConfig

SAMPLING_RATE = 16_000
NUM_MEL_BINS = 80


def fbank_extractor() -> Fbank:
    """The lhotse extractor that every sigasr feature goes through."""
    return Fbank(FbankConfig(num_mel_bins=NUM_MEL_BINS))


def compute_fbank(samples: torch.Tensor, sampling_rate: int) -> torch.Tensor:
    """Features (T, 80) float32 of mono ``samples`` (S,), resampled to 16 kHz first."""
    import torchaudio.functional as F

    samples = samples.float()
    if sampling_rate != SAMPLING_RATE:
        samples = F.resample(samples, sampling_rate, SAMPLING_RATE)
    feats = fbank_extractor().extract(samples.numpy(), SAMPLING_RATE)
    return torch.as_tensor(feats, dtype=torch.float32)
