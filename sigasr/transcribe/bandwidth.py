"""Warnings for audio narrower in band than the 16 kHz speech the models are trained on.

Two cases: a file sampled below 16 kHz (8 kHz telephone audio holds nothing above 4 kHz),
and a file at 16 kHz or more whose upper band is empty, as when narrow-band audio was
upsampled. The second is measured as a cliff in the long-term power spectrum: the mean power
density between 5 and 8 kHz against that between 3 and 3.8 kHz. On 150 files of the demo
corpus, wide-band speech lies between -25 and 0 dB there; the same files taken to 8 kHz and
back with torchaudio's (mild) resampling filter lie at -40 dB or below.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from sigasr.data.features import SAMPLING_RATE

BELOW_CUTOFF_HZ = (3000.0, 3800.0)
ABOVE_CUTOFF_HZ = (5000.0, 8000.0)
CLIFF_DB = -32.0
ANALYSIS_SECONDS = 120.0  # the start of the file is enough to tell


def bandwidth_warning(samples: Tensor, rate: int) -> str | None:
    """A one-line warning when ``samples`` (S,) at ``rate`` Hz lack the model's upper band."""
    if rate < SAMPLING_RATE:
        return (
            f"sampled at {rate} Hz, below the {SAMPLING_RATE} Hz the model was trained on: "
            f"it holds nothing above {rate / 2000:g} kHz; expect more errors"
        )
    cliff = spectral_cliff_db(samples[: int(ANALYSIS_SECONDS * rate)], rate)
    if cliff is not None and cliff < CLIFF_DB:
        return (
            f"almost no signal above 4 kHz ({cliff:.0f} dB at 5-8 kHz against 3-3.8 kHz), while the model "
            f"was trained on {SAMPLING_RATE // 2000} kHz bandwidth: narrow-band audio "
            "resampled? Expect more errors"
        )
    return None


def spectral_cliff_db(samples: Tensor, rate: int, n_fft: int = 512) -> float | None:
    """Mean power density at 5-8 kHz over that at 3-3.8 kHz, in dB.

    None when there is too little audio or no power below the cutoff (silence).
    """
    if samples.numel() < n_fft:
        return None
    window = torch.hann_window(n_fft)
    spec = torch.stft(samples.float(), n_fft, n_fft // 2, window=window, return_complex=True)
    power = spec.abs().pow(2).mean(dim=1)  # (n_fft / 2 + 1,) averaged over frames
    freqs = torch.fft.rfftfreq(n_fft, 1.0 / rate)

    def density(band: tuple[float, float]) -> float:
        return float(power[(freqs >= band[0]) & (freqs < band[1])].mean())

    below = density(BELOW_CUTOFF_HZ)
    if below <= 1e-12:
        return None
    return 10.0 * math.log10(density(ABOVE_CUTOFF_HZ) / below + 1e-30)
