"""80-dim log-mel filterbank features, the same for training, decoding and transcription."""

from __future__ import annotations

import torch
from lhotse import Fbank, FbankConfig
from lhotse.utils import compute_num_frames_from_samples

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


class BatchFbank:
    """The features of :func:`fbank_extractor` for a padded batch of 16 kHz audio, computed on
    ``device`` in one call.

    ``(audio (B,S), audio_lens (B,))`` -> ``(features (B,T,80) float32 on device,
    feature_lens (B,) int64 on the CPU)``: the lengths are known on the host, and the
    encoder takes them from there without waiting for the device.
    Each row equals the utterance's own extraction except in the last frame, whose window
    reaches into the padding (a frame shorter utterances see reflected in their own).
    """

    def __init__(self, device: torch.device):
        self.device = device
        extractor = fbank_extractor()
        self.frame_shift = extractor.frame_shift
        self.module = extractor.extractor.to(device).eval()

    @torch.no_grad()
    def __call__(self, audio: torch.Tensor, audio_lens: torch.Tensor):
        lens = [
            compute_num_frames_from_samples(int(n), self.frame_shift, SAMPLING_RATE)
            for n in audio_lens.tolist()
        ]
        features = self.module(audio.to(self.device, non_blocking=True))[:, : max(lens)]
        return features.float(), torch.tensor(lens, dtype=torch.long)
