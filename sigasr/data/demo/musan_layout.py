"""A small synthetic corpus in MUSAN's layout, for noise mixing on the demo corpus.

``musan/noise/free-sound/noise-free-sound-NNNN.wav``: white, pink and brown noise, with slow
loudness changes; ``musan/music/fma/music-fma-NNNN.wav``: chord progressions of harmonic
tones with note envelopes, listed in ``music/fma/ANNOTATIONS`` as MUSAN lists its music.
16 kHz mono 16-bit WAV, as MUSAN ships. Deterministic per seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLING_RATE = 16_000
CLIP_SECONDS = (15.0, 30.0)
NOISE_COLOURS = {"white": 0.0, "pink": 1.0, "brown": 2.0}  # power spectrum ~ 1 / f^exponent
CHORDS = ([0, 4, 7], [5, 9, 12], [7, 11, 14], [-3, 0, 4])  # I, IV, V, vi in semitones


def coloured_noise(num_samples: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise whose power spectrum falls as 1 / f^``exponent``, unit peak."""
    spectrum = np.fft.rfft(rng.standard_normal(num_samples))
    freqs = np.fft.rfftfreq(num_samples, 1.0 / SAMPLING_RATE)
    spectrum /= np.maximum(freqs, 20.0) ** (exponent / 2)
    noise = np.fft.irfft(spectrum, num_samples)
    envelope = 1.0 + 0.5 * np.sin(
        2 * np.pi * rng.uniform(0.05, 0.5) * np.arange(num_samples) / SAMPLING_RATE
    )
    noise *= envelope
    return noise / np.max(np.abs(noise))


def chord_music(num_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Chords of three harmonic tones, one every 0.5-1.5 s, each note decaying; unit peak."""
    out = np.zeros(num_samples)
    root_hz = 110.0 * 2 ** (rng.integers(0, 12) / 12)
    start = 0
    while start < num_samples:
        length = min(int(rng.uniform(0.5, 1.5) * SAMPLING_RATE), num_samples - start)
        t = np.arange(length) / SAMPLING_RATE
        decay = np.exp(-t * rng.uniform(1.0, 4.0))
        for semitone in CHORDS[rng.integers(len(CHORDS))]:
            f0 = root_hz * 2 ** (semitone / 12)
            for harmonic in (1, 2, 3):
                out[start : start + length] += (
                    decay * np.sin(2 * np.pi * f0 * harmonic * t) / harmonic
                )
        start += length
    return out / np.max(np.abs(out))


def write_musan(root: Path, minutes: float, seed: int) -> float:
    """Writes ``minutes`` of noise and music (half each) under ``root`` (``.../musan``);
    returns seconds of audio."""
    rng = np.random.default_rng([seed, 17])
    noise_dir, music_dir = root / "noise/free-sound", root / "music/fma"
    noise_dir.mkdir(parents=True, exist_ok=True)
    music_dir.mkdir(parents=True, exist_ok=True)
    total, annotations = 0.0, []
    for kind in ("noise", "music"):
        seconds, index = 0.0, 0
        while seconds < minutes * 30:
            num_samples = int(rng.uniform(*CLIP_SECONDS) * SAMPLING_RATE)
            if kind == "noise":
                colour = list(NOISE_COLOURS)[rng.integers(len(NOISE_COLOURS))]
                audio = coloured_noise(num_samples, NOISE_COLOURS[colour], rng)
                path = noise_dir / f"noise-free-sound-{index:04d}.wav"
            else:
                audio = chord_music(num_samples, rng)
                path = music_dir / f"music-fma-{index:04d}.wav"
                annotations.append(f"{path.stem} classical N synthesizer")
            sf.write(path, (0.5 * audio).astype(np.float32), SAMPLING_RATE, subtype="PCM_16")
            seconds += num_samples / SAMPLING_RATE
            index += 1
        total += seconds
    (music_dir / "ANNOTATIONS").write_text("\n".join(annotations) + "\n")
    return total
