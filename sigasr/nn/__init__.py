"""Neural-network building blocks: attention, encoders and front-ends."""

from sigasr.nn.attention import MultiHeadSelfAttention
from sigasr.nn.conformer import ConformerEncoder, ConformerLayer
from sigasr.nn.frontend import Conv1dSubsampling, Conv2dSubsampling, subsampled_length
from sigasr.nn.masking import lengths_to_mask
from sigasr.nn.rnnt import RNNTTranscriber
from sigasr.nn.transformer import TransformerEncoder, TransformerLayer

__all__ = [
    "ConformerEncoder",
    "ConformerLayer",
    "Conv1dSubsampling",
    "Conv2dSubsampling",
    "MultiHeadSelfAttention",
    "RNNTTranscriber",
    "TransformerEncoder",
    "TransformerLayer",
    "lengths_to_mask",
    "subsampled_length",
]
