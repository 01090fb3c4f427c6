"""TED-LIUM length buckets of the sigmoid-attention paper: segments split by duration."""

from __future__ import annotations

BUCKETS: dict[str, tuple[float, float]] = {
    "0-10s": (0.0, 10.0),
    "10-20s": (10.0, 20.0),
    "20-30s": (20.0, 30.0),
    "30s+": (30.0, float("inf")),
}


def bucket_of(duration: float) -> str:
    """The bucket name whose half-open range [low, high) holds ``duration`` seconds."""
    for name, (low, high) in BUCKETS.items():
        if low <= duration < high:
            return name
    raise ValueError(f"negative duration {duration}")
