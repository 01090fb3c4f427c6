"""sigasr: CTC speech recognition with sigmoid self-attention on FlashSigmoid kernels."""

from sigasr.config import AttentionConfig
from sigasr.model import CTCModel, ModelLoadError
from sigasr.nn import ConformerEncoder, TransformerEncoder

__all__ = [
    "AttentionConfig",
    "CTCModel",
    "ConformerEncoder",
    "ModelLoadError",
    "TransformerEncoder",
]
__version__ = "0.1.0"
