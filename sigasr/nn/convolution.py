"""The Conformer convolution module (Gulati et al., 2020), made length-aware."""

from __future__ import annotations

from torch import Tensor, nn

from sigasr.nn.masking import zero_padding


class ConvModule(nn.Module):
    """LayerNorm -> pointwise conv (2x) -> GLU -> depthwise conv -> LayerNorm -> SiLU ->
    pointwise conv -> Dropout.

    Padded frames are zeroed before the depthwise convolution, so a valid frame never sees
    padding through the kernel's window. The original uses BatchNorm after the depthwise
    convolution; its batch statistics make a sequence's output depend on its batch mates,
    so this module normalizes each frame over channels with LayerNorm instead.

    x: (B, T, d_model), lengths: (B,) -> (B, T, d_model).
    """

    def __init__(self, d_model: int, kernel_size: int, dropout: float):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"conv_kernel must be odd to keep frames aligned, got {kernel_size}")
        self.norm_in = nn.LayerNorm(d_model)
        self.pointwise_in = nn.Conv1d(d_model, 2 * d_model, 1)
        self.glu = nn.GLU(dim=1)
        self.depthwise = nn.Conv1d(
            d_model, d_model, kernel_size, padding=kernel_size // 2, groups=d_model
        )
        self.norm_mid = nn.LayerNorm(d_model)
        self.act = nn.SiLU()
        self.pointwise_out = nn.Conv1d(d_model, d_model, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        y = self.glu(self.pointwise_in(self.norm_in(x).transpose(1, 2)))  # (B, d, T)
        y = zero_padding(y.transpose(1, 2), lengths).transpose(1, 2)
        y = self.act(self.norm_mid(self.depthwise(y).transpose(1, 2)))  # (B, T, d)
        y = self.pointwise_out(y.transpose(1, 2)).transpose(1, 2)
        return self.dropout(y)
