"""An exported ONNX model run by onnxruntime behind :class:`~sigasr.CTCModel`'s call.

:class:`OnnxCTCModel` takes and returns what ``CTCModel.forward`` does, and carries the
model's config (from the ONNX metadata), so
:class:`~sigasr.transcribe.transcriber.Transcriber` runs an ONNX model as it runs a PyTorch
one: in one pass up to ``max_one_pass_seconds`` and in overlapping chunks beyond.

Memory: the exported attention is the exact reference, which holds (heads, T', T') float32
scores per sequence (T' = T / 4 output frames). :func:`one_pass_seconds` turns a memory
budget into the longest audio that one pass fits in, from :data:`BYTES_PER_SCORE`
(onnxruntime's peak bytes per attention score, measured; see docs/export.md): pass it as
the Transcriber's ``max_one_pass_seconds``. The Transcriber still checks each pass against the
free memory with its own estimate (:mod:`sigasr.transcribe.memory`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from omegaconf import OmegaConf
from torch import Tensor

from sigasr.config import ModelConfig
from sigasr.errors import ModelLoadError
from sigasr.export.onnx import CONFIG_KEY
from sigasr.nn import subsampled_length

BYTES_PER_SCORE = 28.0  # peak onnxruntime bytes per (head, query, key) score, measured
OUTPUT_FRAMES_PER_SECOND = 25.0  # 10 ms features, 4x subsampling


def one_pass_seconds(memory_gib: float, num_heads: int) -> float:
    """The longest audio whose attention scores fit in ``memory_gib`` GiB in one pass."""
    frames = math.sqrt(memory_gib * 2**30 / (BYTES_PER_SCORE * num_heads))
    return frames / OUTPUT_FRAMES_PER_SECOND


class OnnxCTCModel:
    """An ONNX file written by :func:`sigasr.export.onnx.export_onnx`, run on the CPU.

    Args:
        path: the ``.onnx`` file (float32 or int8).
        num_threads: onnxruntime's intra-op threads; 0 lets onnxruntime choose.

    Shapes: features (B, T, F) float, feature_lens (B,) int ->
    log_probs (B, T', V) float32, out_lens (B,) int64 (CPU tensors).
    """

    def __init__(self, path: str | Path, num_threads: int = 0):
        import onnxruntime as ort

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such ONNX model")
        options = ort.SessionOptions()
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        meta = self.session.get_modelmeta().custom_metadata_map
        if CONFIG_KEY not in meta:
            raise ModelLoadError(f"{path}: no '{CONFIG_KEY}' metadata (not from sigasr export?)")
        self.cfg = OmegaConf.merge(
            OmegaConf.structured(ModelConfig), OmegaConf.create(meta[CONFIG_KEY])
        )

    def frames_after_subsampling(self, num_frames: int) -> int:
        return subsampled_length(num_frames, self.cfg.frontend)

    def max_one_pass_seconds(self, memory_gib: float) -> float:
        """The longest audio one pass decodes in ``memory_gib`` GiB (see :func:`one_pass_seconds`)."""
        return one_pass_seconds(memory_gib, self.cfg.encoder.num_heads)

    def eval(self) -> OnnxCTCModel:
        return self

    def __call__(self, features: Tensor, feature_lens: Tensor) -> tuple[Tensor, Tensor]:
        log_probs, out_lens = self.session.run(
            None,
            {
                "x": features.detach().float().cpu().numpy(),
                "x_lens": feature_lens.detach().cpu().numpy().astype(np.int64),
            },
        )
        return torch.from_numpy(log_probs), torch.from_numpy(out_lens)
