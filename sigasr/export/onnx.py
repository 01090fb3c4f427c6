"""A :class:`~sigasr.CTCModel` as an ONNX graph, and its int8 dynamically quantized copy.

The graph is made by the dynamo exporter (``torch.onnx.export(..., dynamo=True)``): it traces
the model with ``torch.export`` under symbolic batch and time sizes, so the exported model
takes any batch and any length. Under ``torch.export`` the model takes its exportable paths:
the PyTorch reference of sigmoid attention and RoPE (never the Triton op) and the front-end
in one call (never the window loop of long inputs without autograd).

Interface (that of sherpa-onnx's offline ``zipformer2_ctc`` models, see
:mod:`sigasr.export.sherpa`):

- inputs ``x`` (N, T, 80) float32 log-mel features, ``x_lens`` (N,) int64 valid frames;
- outputs ``log_probs`` (N, T', V) float32 CTC log-probabilities (blank = 0),
  ``log_probs_len`` (N,) int64 valid output frames, T' = ((T - 1) // 2 - 1) // 2.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from pathlib import Path

import torch

from sigasr.errors import SigasrError

INPUT_NAMES = ("x", "x_lens")
OUTPUT_NAMES = ("log_probs", "log_probs_len")
ONNX_FILE = "model.onnx"
ONNX_INT8_FILE = "model.int8.onnx"
CONFIG_KEY = "sigasr_config"  # metadata: the model's config.yaml
OPSET = 18
EXAMPLE_FRAMES = 400  # the traced example; the exported graph takes any length >= 7


class OnnxExportError(SigasrError, RuntimeError):
    """The model could not be exported; the message says which step failed."""


def export_onnx(model, path: str | Path, metadata: dict[str, str] | None = None) -> Path:
    """Writes ``model`` (a :class:`~sigasr.CTCModel` on any device) as ONNX to ``path``.

    The model is copied to the CPU in float32 for the export; ``model`` itself is unchanged.
    ``metadata`` goes into the model's ``metadata_props`` (string keys and values), with
    the model's config as YAML under :data:`CONFIG_KEY`.
    """
    import onnx
    from omegaconf import OmegaConf

    from sigasr.model import CTCModel

    cpu = CTCModel(model.cfg)
    cpu.load_state_dict({k: v.detach().float().cpu() for k, v in model.state_dict().items()})
    cpu.eval()
    features = torch.randn(2, EXAMPLE_FRAMES, cpu.cfg.input_dim)
    lengths = torch.tensor([EXAMPLE_FRAMES, EXAMPLE_FRAMES // 2])
    batch, time = torch.export.Dim("batch"), torch.export.Dim("time", min=7)
    try:
        with torch.no_grad(), warnings.catch_warnings(), _quiet("torch.onnx"):
            warnings.simplefilter("ignore")  # the exporter's own deprecation notes
            program = torch.onnx.export(
                cpu,
                (features, lengths),
                dynamo=True,
                opset_version=OPSET,
                input_names=list(INPUT_NAMES),
                output_names=list(OUTPUT_NAMES),
                dynamic_shapes={"features": {0: batch, 1: time}, "feature_lens": {0: batch}},
                verbose=False,
            )
    except Exception as e:  # torch.export and the ONNX translation raise many types
        raise OnnxExportError(f"torch.onnx.export failed: {type(e).__name__}: {e}") from e
    proto = program.model_proto
    metadata = {**(metadata or {}), CONFIG_KEY: OmegaConf.to_yaml(cpu.cfg, resolve=True)}
    for key, value in metadata.items():
        proto.metadata_props.add(key=key, value=str(value))
    path = Path(path)
    onnx.save(proto, str(path))
    return path


def quantize_int8(src: str | Path, dst: str | Path) -> Path:
    """Writes ``src``'s int8 dynamically quantized copy to ``dst`` for CPUs.

    The weights of every MatMul (the linear layers: attention projections, feed-forward and
    the CTC head) are stored as int8 and their activations quantized per call; convolutions
    and everything else stay float32, as icefall does for sherpa-onnx. Metadata is kept.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet(""):  # the root logger: quantize_dynamic's advice to pre-process first
        quantize_dynamic(
            str(src), str(dst), op_types_to_quantize=["MatMul"], weight_type=QuantType.QInt8
        )
    return Path(dst)


def export_onnx_files(model, directory: str | Path) -> tuple[Path, Path]:
    """Writes ``model.onnx`` with sherpa-onnx's metadata and ``model.int8.onnx`` into
    ``directory``; returns their paths."""
    from sigasr.export.sherpa import sherpa_metadata

    directory = Path(directory)
    fp32 = export_onnx(model, directory / ONNX_FILE, sherpa_metadata(model))
    return fp32, quantize_int8(fp32, directory / ONNX_INT8_FILE)


@contextlib.contextmanager
def _quiet(*loggers: str):
    """Raises ``loggers`` to ERROR for the block (the exporters' advice on missing extras)."""
    saved = [(logging.getLogger(n), logging.getLogger(n).level) for n in loggers]
    for logger, _ in saved:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)
