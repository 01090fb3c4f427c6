"""Input checks shared by the encoders."""

from __future__ import annotations

from torch import Tensor

from sigasr.nn.frontend import subsampled_length


def check_front_end_lengths(lengths: Tensor, frontend: str) -> None:
    """Raises ValueError if a sequence is too short to leave one frame after subsampling."""
    shortest = int(lengths.min())
    if subsampled_length(shortest, frontend) < 1:
        raise ValueError(
            f"a sequence of {shortest} frames is too short: the {frontend} front-end needs "
            "at least 7 input frames (70 ms at 100 frames/s)"
        )
