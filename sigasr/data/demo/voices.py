"""Demo "speakers": an eSpeak NG voice and variant with its own rate and pitch.

Training speakers use :data:`SEEN_VOICES` at rates inside :data:`SEEN_RATES`. The ``*-other``
parts use :data:`UNSEEN_VOICES`, rates outside that range and added noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEEN_VOICES = ("en-us", "en", "en-gb-x-rp")
SEEN_VARIANTS = ("m1", "m2", "m3", "m4", "f1", "f2", "f3", "f4")
UNSEEN_VOICES = ("en-gb-scotland", "en-029", "en-us-nyc")
UNSEEN_VARIANTS = ("m5", "m6", "f5", "klatt")
SEEN_RATES = (150, 190)
# eSpeak NG reads these short frequent words faster than its nominal words per minute:
# measured about 0.75 s of speech per nominal second, plus ~0.3 s of edge silence.
SPEECH_PER_NOMINAL_SECOND = 0.75
UNSEEN_RATES = ((125, 140), (200, 215))


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker; ``snr_db`` is None for clean speech."""

    id: int
    voice: str
    rate: int
    pitch: int
    snr_db: float | None = None

    def words_for(self, seconds: float) -> int:
        """About how many words this speaker says in ``seconds``."""
        return max(1, round(seconds * self.rate / 60 / SPEECH_PER_NOMINAL_SECOND))

    def seconds_for(self, num_words: int) -> float:
        """About how long this speaker takes to say ``num_words`` words."""
        return num_words * 60 / self.rate * SPEECH_PER_NOMINAL_SECOND + 0.3


def seen_speaker(speaker_id: int, rng: np.random.Generator) -> Speaker:
    """A clean speaker from the training voices and rate range."""
    voice = f"{rng.choice(SEEN_VOICES)}+{rng.choice(SEEN_VARIANTS)}"
    rate = int(rng.integers(SEEN_RATES[0], SEEN_RATES[1] + 1))
    return Speaker(speaker_id, voice, rate, int(rng.integers(30, 71)))


def unseen_speaker(speaker_id: int, rng: np.random.Generator) -> Speaker:
    """A harder speaker: unseen voice, rate outside the training range, 10-20 dB SNR noise."""
    voice = f"{rng.choice(UNSEEN_VOICES)}+{rng.choice(UNSEEN_VARIANTS)}"
    low, high = UNSEEN_RATES[int(rng.integers(len(UNSEEN_RATES)))]
    rate = int(rng.integers(low, high + 1))
    snr = float(rng.uniform(10.0, 20.0))
    return Speaker(speaker_id, voice, rate, int(rng.integers(20, 81)), snr)
