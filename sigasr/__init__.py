"""sigasr: CTC speech recognition with sigmoid self-attention on FlashSigmoid kernels."""

import os

# Before torch loads OpenMP: threads waiting for work sleep instead of spinning. Spinning
# threads take the cores that working threads need when another process is busy on the
# machine (CPU training then slowed 30-100x; docs/benchmarks.md, "A busy machine").
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

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
