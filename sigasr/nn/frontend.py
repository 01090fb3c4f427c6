"""Convolutional front-ends that subsample features 4x in time before the encoder.

Both use two stride-2 convolutions of width 3 with no time padding, so output frame t reads
input frames 4t..4t+6 only: a valid output frame never reads a padded input frame, and long
inputs can be subsampled window by window with the same result.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from sigasr.config import Frontend
from sigasr.nn.masking import zero_padding


def subsampled_length(num_frames, frontend: str = "conv2d"):
    """Output frames for ``num_frames`` input frames (int or int tensor); same for both."""
    Frontend.parse(frontend, "frontend")
    return ((num_frames - 1) // 2 - 1) // 2


class Subsampling(nn.Module):
    """Base of the front-ends: :meth:`subsample` in one call, or, without autograd on inputs
    longer than ``inference_window`` output frames, window by window. Under ``torch.export``
    always in one call, so that an exported graph takes any length.

    The windowed path gives the same output (up to float rounding) while holding the
    convolutions' activations of one window only: the Conv2d front-end's first activation is
    (B, d_model, T/2, F/2), several GB per hour of audio, far more than the encoder needs.
    """

    inference_window = 1024  # output frames (about 41 s)

    def subsample(self, x: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def forward(self, x: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        total = subsampled_length(x.size(1))
        if (
            torch.is_grad_enabled()
            or torch.compiler.is_exporting()
            or total <= self.inference_window
        ):
            return self.subsample(x, lengths)
        pieces = []
        for start in range(0, total, self.inference_window):
            n = min(self.inference_window, total - start)
            window = x[:, 4 * start : 4 * (start + n) + 3]  # what output frames start.. read
            pieces.append(self.subsample(window, (lengths - 4 * start).clamp(0, window.size(1)))[0])
        out_lengths = subsampled_length(lengths)
        return zero_padding(torch.cat(pieces, 1), out_lengths), out_lengths


class Conv2dSubsampling(Subsampling):
    """Two 3x3 stride-2 Conv2d + ReLU over (time, frequency), then Linear to d_model.

    x: (B, T, F), lengths: (B,) -> (B, T', d_model), (B,) with T' = subsampled_length(T).
    """

    def __init__(self, input_dim: int, d_model: int, channels: int | None = None):
        super().__init__()
        channels = channels or d_model
        self.conv1 = nn.Conv2d(1, channels, 3, stride=2)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=2)
        self.act = nn.ReLU()
        freq = ((input_dim - 1) // 2 - 1) // 2
        self.out = nn.Linear(channels * freq, d_model)

    def subsample(self, x: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        x = zero_padding(x, lengths).unsqueeze(1)  # (B, 1, T, F)
        x = self.act(self.conv1(x))
        len1 = (lengths - 1) // 2
        x = zero_padding(x.transpose(1, 2), len1).transpose(1, 2)
        x = self.act(self.conv2(x))  # (B, C, T', F')
        out_lengths = (len1 - 1) // 2
        b, c, t, f = x.shape
        x = self.out(x.permute(0, 2, 1, 3).reshape(b, t, c * f))
        return zero_padding(x, out_lengths), out_lengths


class Conv1dSubsampling(Subsampling):
    """Two width-3 stride-2 Conv1d + GELU over time, features as channels.

    x: (B, T, F), lengths: (B,) -> (B, T', d_model), (B,) with T' = subsampled_length(T).
    """

    def __init__(self, input_dim: int, d_model: int):
        super().__init__()
        self.conv1 = nn.Conv1d(input_dim, d_model, 3, stride=2)
        self.conv2 = nn.Conv1d(d_model, d_model, 3, stride=2)
        self.act = nn.GELU()

    def subsample(self, x: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        x = zero_padding(x, lengths).transpose(1, 2)  # (B, F, T)
        x = self.act(self.conv1(x))
        len1 = (lengths - 1) // 2
        x = zero_padding(x.transpose(1, 2), len1).transpose(1, 2)
        x = self.act(self.conv2(x)).transpose(1, 2)  # (B, T', d_model)
        out_lengths = (len1 - 1) // 2
        return zero_padding(x, out_lengths), out_lengths


FRONTENDS = {Frontend.conv2d: Conv2dSubsampling, Frontend.conv1d: Conv1dSubsampling}


def build_frontend(name: str, input_dim: int, d_model: int) -> nn.Module:
    """The front-end ``name`` (a :class:`sigasr.config.Frontend`) from F to d_model."""
    return FRONTENDS[Frontend.parse(name, "frontend")](input_dim, d_model)
