"""One audio backend for every command: libsndfile reads FLAC, WAV and NIST SPHERE (.sph).

TED-LIUM's .sph files are plain PCM; lhotse's default backend chain would ask for the
sph2pipe binary. Set both lhotse's current backend and the environment variable, so the
choice also holds in data-loader worker processes.
"""

from __future__ import annotations

import os


def use_libsndfile() -> None:
    from lhotse.audio.backend import set_current_audio_backend

    os.environ["LHOTSE_AUDIO_BACKEND"] = "LibsndfileBackend"
    set_current_audio_backend("LibsndfileBackend")
