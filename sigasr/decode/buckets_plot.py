"""A bar chart of WER per TED-LIUM length bucket, written as PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sigasr.atomic import atomic_path  # noqa: E402


def plot_wer_by_bucket(wers: dict[str, float], path: str | Path, title: str) -> Path:
    """Writes bucket name -> WER % (in the given order) as a bar chart at ``path``."""
    path = Path(path)
    fig, ax = plt.subplots(figsize=(6, 4))
    bars = ax.bar(list(wers), list(wers.values()), color="#4C72B0")
    ax.bar_label(bars, fmt="%.1f")
    ax.set_xlabel("utterance length")
    ax.set_ylabel("WER (%)")
    ax.set_title(title)
    ax.set_ylim(0, max(list(wers.values()) + [1.0]) * 1.15)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)
    return path
