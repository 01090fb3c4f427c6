"""Training-cut filters: duration range and CTC feasibility, each drop counted by reason."""

from __future__ import annotations

from collections.abc import Callable

from lhotse import CutSet

from sigasr.data.report import DropReport


def filter_training_cuts(
    cuts: CutSet,
    tokenizer,
    frames_after_subsampling: Callable[[int], int],
    min_duration: float,
    max_duration: float,
) -> tuple[CutSet, DropReport]:
    """Cuts within [min_duration, max_duration] s that CTC can align after subsampling."""
    report = DropReport("train filter", verbose=False)
    kept = []
    for cut in cuts:
        if cut.duration < min_duration:
            report.skip(cut.id, f"shorter than {min_duration} s")
        elif cut.duration > max_duration:
            report.skip(cut.id, f"longer than {max_duration} s")
        elif frames_after_subsampling(cut.num_frames or _num_frames(cut)) < ctc_min_frames(
            tokenizer.encode(cut.supervisions[0].text)
        ):
            report.skip(cut.id, "too few frames after subsampling for CTC")
        else:
            report.keep()
            kept.append(cut)
    return CutSet.from_cuts(kept), report


def ctc_min_frames(tokens: list[int]) -> int:
    """Frames CTC needs for ``tokens``: one per token, plus a blank between repeated tokens."""
    return len(tokens) + sum(a == b for a, b in zip(tokens, tokens[1:], strict=False))


def _num_frames(cut) -> int:
    """10 ms frames of a cut without precomputed features (on-the-fly fbank)."""
    return int(round(cut.duration * 100))
