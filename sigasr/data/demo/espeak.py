"""A minimal ctypes binding to libespeak-ng as shipped by the ``espeakng-loader`` package.

Only the synchronous API is bound: ``espeak_Initialize`` in synchronous mode, a synthesis
callback that collects 16-bit samples, ``espeak_SetVoiceByName``, ``espeak_SetParameter``
and ``espeak_Synth``. The library keeps global state, so there is one engine per process.
"""

from __future__ import annotations

import ctypes

import numpy as np

from sigasr.errors import SigasrError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_PARAM_PITCH = 3

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class ESpeakError(SigasrError, RuntimeError):
    """libespeak-ng refused a call; the message names it and the argument."""


class ESpeak:
    """Synthesizes text to 16-bit mono samples at :attr:`sampling_rate` (22.05 kHz)."""

    def __init__(self) -> None:
        import espeakng_loader

        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data_path = espeakng_loader.get_data_path().encode()
        self._lib.espeak_Initialize.restype = ctypes.c_int
        rate = self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, 0)
        if rate <= 0:
            raise ESpeakError(f"espeak_Initialize failed with data path {data_path.decode()}")
        self.sampling_rate = rate
        self._chunks: list[np.ndarray] = []
        self._callback = _SynthCallback(self._collect)  # kept alive as long as the engine
        self._lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, num_samples: int, _events) -> int:
        if num_samples > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(num_samples,)).copy())
        return 0

    def seed(self, seed: int) -> None:
        """Seeds eSpeak NG's own random numbers (voice jitter) for reproducible audio."""
        self._lib.espeak_ng_SetRandSeed(ctypes.c_long(seed))

    def synthesize(self, text: str, voice: str, rate: int, pitch: int) -> np.ndarray:
        """Returns float32 samples in [-1, 1] of ``text`` read by ``voice`` (e.g. "en-us+f3").

        ``rate`` is in words per minute (80-450), ``pitch`` in 0-100.
        """
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ESpeakError(f"espeak_SetVoiceByName: unknown voice '{voice}'")
        self._lib.espeak_SetParameter(_PARAM_RATE, rate, 0)
        self._lib.espeak_SetParameter(_PARAM_PITCH, pitch, 0)
        self._chunks = []
        encoded = text.encode() + b"\0"
        status = self._lib.espeak_Synth(
            encoded, len(encoded), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
        )
        if status != 0:
            raise ESpeakError(f"espeak_Synth failed (status {status}) on text {text!r}")
        if not self._chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(self._chunks).astype(np.float32) / 32768.0
