"""A bar chart of WER per TED-LIUM length bucket, written as PNG.

Each bar is labelled with its WER and its number of utterances, and carries the 95%
bootstrap interval (:func:`sigasr.decode.confidence.bootstrap_wer_interval`): with a few
utterances per bucket, a difference between bars can be noise, and the interval shows it.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sigasr.atomic import atomic_path  # noqa: E402
from sigasr.decode.confidence import bootstrap_wer_interval  # noqa: E402
from sigasr.decode.scoring import ScoredSet  # noqa: E402


def plot_wer_by_bucket(scored: dict[str, ScoredSet], path: str | Path, title: str) -> Path:
    """Writes bucket name -> scored set (in the given order) as a bar chart at ``path``."""
    path = Path(path)
    labels = list(scored)
    wers = [s.stats.wer for s in scored.values()]
    intervals = [bootstrap_wer_interval(s) for s in scored.values()]
    below = [w - low for w, (low, _) in zip(wers, intervals, strict=True)]
    above = [high - w for w, (_, high) in zip(wers, intervals, strict=True)]
    fig, ax = plt.subplots(figsize=(6, 4))
    bars = ax.bar(labels, wers, color="#4C72B0", yerr=[below, above], capsize=4, ecolor="#333")
    ax.bar_label(
        bars,
        labels=[
            f"{w:.1f}\nn={len(s.utterances)}" for w, s in zip(wers, scored.values(), strict=True)
        ],
        label_type="center",
        color="white",
        fontsize=8,
    )
    ax.set_xlabel("utterance length (n: utterances; whiskers: 95% bootstrap interval)")
    ax.set_ylabel("WER (%)")
    ax.set_title(title)
    ax.set_ylim(0, max([high for _, high in intervals] + wers + [1.0]) * 1.1)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)
    return path
