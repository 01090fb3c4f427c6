"""The Conformer encoder (Gulati et al., 2020) with sigmoid or softmax self-attention."""

from __future__ import annotations

from torch import Tensor, nn

from sigasr.config import AttentionConfig
from sigasr.nn.attention import MultiHeadSelfAttention
from sigasr.nn.convolution import ConvModule
from sigasr.nn.encoder import SubsampledEncoder
from sigasr.nn.feed_forward import FeedForward
from sigasr.nn.layer_scale import LayerScale


class ConformerLayer(nn.Module):
    """x + FFN/2 -> x + MHSA -> x + Conv -> x + FFN/2 -> LayerNorm (macaron, pre-norm).

    x: (B, T, d_model), lengths: (B,) -> (B, T, d_model).
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        ffn_dim: int,
        conv_kernel: int,
        dropout: float,
        attention: AttentionConfig,
    ):
        super().__init__()
        self.ffn1_norm = nn.LayerNorm(d_model)
        self.ffn1 = FeedForward(d_model, ffn_dim, dropout)
        self.attn_norm = nn.LayerNorm(d_model)
        self.attn = MultiHeadSelfAttention(d_model, num_heads, attention)
        self.conv = ConvModule(d_model, conv_kernel, dropout)
        self.ffn2_norm = nn.LayerNorm(d_model)
        self.ffn2 = FeedForward(d_model, ffn_dim, dropout)
        self.final_norm = nn.LayerNorm(d_model)
        self.scales = nn.ModuleList(LayerScale(d_model, attention.layer_scale) for _ in range(4))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        s_ffn1, s_attn, s_conv, s_ffn2 = self.scales
        x = x + 0.5 * self.dropout(s_ffn1(self.ffn1(self.ffn1_norm(x))))
        x = x + self.dropout(s_attn(self.attn(self.attn_norm(x), lengths)))
        x = x + s_conv(self.conv(x, lengths))
        x = x + 0.5 * self.dropout(s_ffn2(self.ffn2(self.ffn2_norm(x))))
        return self.final_norm(x)


class ConformerEncoder(SubsampledEncoder):
    """Front-end (4x subsampling) followed by ``num_layers`` Conformer layers.

    Args:
        input_dim: feature dimension F (80 for log-mel filterbanks).
        d_model, num_layers, num_heads: width, depth and attention heads.
        ffn_dim: feed-forward width; 0 means 4 * d_model.
        conv_kernel: depthwise convolution width (odd).
        dropout: residual and feed-forward dropout.
        attention: the self-attention of every layer (:class:`sigasr.config.AttentionConfig`;
            default: sigmoid, ALiBi, b = -log n).
        frontend: ``conv2d`` or ``conv1d``.

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
        conv_kernel: int = 31,
        dropout: float = 0.1,
        attention: AttentionConfig | None = None,
        frontend: str = "conv2d",
    ):
        attention = attention or AttentionConfig()
        layers = [
            ConformerLayer(
                d_model,
                num_heads,
                ffn_dim or 4 * d_model,
                conv_kernel,
                dropout,
                attention,
            )
            for _ in range(num_layers)
        ]
        # Each Conformer layer ends in its own LayerNorm, so the stack needs no final one.
        super().__init__(frontend, input_dim, d_model, dropout, layers, nn.Identity())
