"""Training-cut filters: duration range and CTC feasibility, each drop counted by reason."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from lhotse import CutSet

from sigasr.data.report import DropReport


def filter_training_cuts(
    cuts: CutSet,
    tokenizer,
    frames_after_subsampling: Callable[[int], int],
    min_duration: float,
    max_duration: float,
) -> tuple[CutSet, DropReport]:
    """Cuts within [min_duration, max_duration] s that CTC can align after subsampling.

    One pass over ``cuts`` counts them; the result filters ``cuts`` by the ids dropped, so a
    lazy ``cuts`` gives a lazy result.
    """
    report = DropReport("train filter", verbose=False)
    dropped = set()
    for cut in cuts:
        if cut.duration < min_duration:
            reason = f"shorter than {min_duration} s"
        elif cut.duration > max_duration:
            reason = f"longer than {max_duration} s"
        elif frames_after_subsampling(cut.num_frames or _num_frames(cut)) < ctc_min_frames(
            tokenizer.encode(cut.supervisions[0].text)
        ):
            reason = "too few frames after subsampling for CTC"
        else:
            report.keep()
            continue
        report.skip(cut.id, reason)
        dropped.add(cut.id)
    return cuts.filter(partial(_not_in, dropped)), report


def _not_in(ids: set[str], cut) -> bool:
    return cut.id not in ids


def ctc_min_frames(tokens: list[int]) -> int:
    """Frames CTC needs for ``tokens``: one per token, plus a blank between repeated tokens."""
    return len(tokens) + sum(a == b for a, b in zip(tokens, tokens[1:], strict=False))


def _num_frames(cut) -> int:
    """10 ms frames of a cut without precomputed features (on-the-fly fbank)."""
    return int(round(cut.duration * 100))
