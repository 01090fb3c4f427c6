"""Position-wise feed-forward block."""

from __future__ import annotations

from torch import Tensor, nn


class FeedForward(nn.Module):
    """Linear(d_model, ffn_dim) -> SiLU -> Dropout -> Linear(ffn_dim, d_model).

    x: (B, T, d_model) -> (B, T, d_model).
    """

    def __init__(self, d_model: int, ffn_dim: int, dropout: float):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(d_model, ffn_dim),
            nn.SiLU(),
            nn.Dropout(dropout),
            nn.Linear(ffn_dim, d_model),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)
