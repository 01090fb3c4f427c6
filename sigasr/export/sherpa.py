"""What sherpa-onnx needs to run an exported model as an offline CTC model.

sherpa-onnx runs it as its ``zipformer2_ctc`` model type (``OfflineRecognizer.
from_zipformer_ctc``): the offline CTC interface of icefall's models, the same as
:mod:`sigasr.export.onnx`'s (``x``, ``x_lens`` -> ``log_probs``, ``log_probs_len``, 4x
subsampling). The name states the interface, not the architecture. For that type sherpa-onnx
computes Kaldi fbank features with its defaults, which are lhotse's ``Fbank`` defaults that
sigasr trains on: 80 mel bins, 25 ms povey window, 10 ms shift, no snip edges, pre-emphasis
0.97, DC offset removed, no dither, low 20 Hz, high -400 Hz, samples in [-1, 1], no
normalisation of the features. sherpa-onnx reads the vocabulary size from the output's shape
and the blank from ``<blk>`` in ``tokens.txt``.

NeMo's CTC type would not fit: sherpa-onnx gives it librosa-style mel features with a Hann
window, which sigasr's models were not trained on.
"""

from __future__ import annotations

from sigasr.data.features import SAMPLING_RATE

SHERPA_MODEL_TYPE = "zipformer2_ctc"
SUBSAMPLING_FACTOR = 4


def sherpa_metadata(model) -> dict[str, str]:
    """The ONNX metadata of an exported :class:`~sigasr.CTCModel`."""
    enc = model.cfg.encoder
    return {
        "model_type": SHERPA_MODEL_TYPE,
        "model_author": "sigasr",
        "comment": (
            f"sigasr {enc.type.name} CTC, {enc.attention.kind.name} attention, "
            f"{enc.attention.pos.name} positions, {model.cfg.frontend.name} front-end"
        ),
        "version": "1",
        "vocab_size": str(model.cfg.vocab_size),
        "subsampling_factor": str(SUBSAMPLING_FACTOR),
        "feature_dim": str(model.cfg.input_dim),
        "sample_rate": str(SAMPLING_RATE),
        "normalize_type": "",
        "blank_id": "0",
    }
