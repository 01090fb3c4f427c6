"""The Transformer encoder (pre-norm, or post-norm) with sigmoid or softmax self-attention."""

from __future__ import annotations

from torch import Tensor, nn

from sigasr.config import AttentionConfig
from sigasr.nn.attention import MultiHeadSelfAttention
from sigasr.nn.encoder import SubsampledEncoder
from sigasr.nn.feed_forward import FeedForward
from sigasr.nn.layer_scale import LayerScale
from sigasr.nn.masking import zero_padding


class TransformerLayer(nn.Module):
    """Pre-norm: x + MHSA(LN x), then x + FFN(LN x).
    Post-norm: LN(x + MHSA x), then LN(x + FFN x).

    x: (B, T, d_model), lengths: (B,) -> (B, T, d_model).
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        ffn_dim: int,
        dropout: float,
        post_norm: bool,
        attention: AttentionConfig,
    ):
        super().__init__()
        self.post_norm = post_norm
        self.attn_norm = nn.LayerNorm(d_model)
        self.attn = MultiHeadSelfAttention(d_model, num_heads, attention)
        self.ffn_norm = nn.LayerNorm(d_model)
        self.ffn = FeedForward(d_model, ffn_dim, dropout)
        self.attn_scale = LayerScale(d_model, attention.layer_scale)
        self.ffn_scale = LayerScale(d_model, attention.layer_scale)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        if self.post_norm:
            x = self.attn_norm(x + self.dropout(self.attn_scale(self.attn(x, lengths))))
            x = self.ffn_norm(x + self.dropout(self.ffn_scale(self.ffn(x))))
        else:
            x = x + self.dropout(self.attn_scale(self.attn(self.attn_norm(x), lengths)))
            x = x + self.dropout(self.ffn_scale(self.ffn(self.ffn_norm(x))))
        return zero_padding(x, lengths)


class TransformerEncoder(SubsampledEncoder):
    """Front-end (4x subsampling) followed by ``num_layers`` Transformer layers.

    Arguments are those of :class:`sigasr.nn.ConformerEncoder` less ``conv_kernel``, plus
    ``post_norm`` (default False: pre-norm with a final LayerNorm). The default front-end
    is the strided 1-D convolution used by Transformer-CTC models.

    Shapes: features (B, T, F), lengths (B,) -> (B, T', d_model), (B,) with T' ~ T / 4.
    The output of a sequence does not depend on its padding nor on its batch mates.
    """

    def __init__(
        self,
        input_dim: int = 80,
        d_model: int = 144,
        num_layers: int = 6,
        num_heads: int = 4,
        ffn_dim: int = 0,
        dropout: float = 0.1,
        attention: AttentionConfig | None = None,
        post_norm: bool = False,
        frontend: str = "conv1d",
    ):
        attention = attention or AttentionConfig()
        layers = [
            TransformerLayer(
                d_model,
                num_heads,
                ffn_dim or 4 * d_model,
                dropout,
                post_norm,
                attention,
            )
            for _ in range(num_layers)
        ]
        final_norm = nn.Identity() if post_norm else nn.LayerNorm(d_model)
        super().__init__(frontend, input_dim, d_model, dropout, layers, final_norm)
