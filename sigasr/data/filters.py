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
    """Cuts within [min_duration, max_duration] s whose subsampled frames ≥ their tokens."""
    report = DropReport("train filter", verbose=False)
    kept = []
    for cut in cuts:
        if cut.duration < min_duration:
            report.skip(cut.id, f"shorter than {min_duration} s")
        elif cut.duration > max_duration:
            report.skip(cut.id, f"longer than {max_duration} s")
        elif frames_after_subsampling(cut.num_frames or _num_frames(cut)) < len(
            tokenizer.encode(cut.supervisions[0].text)
        ):
            report.skip(cut.id, "fewer frames after subsampling than tokens")
        else:
            report.keep()
            kept.append(cut)
    return CutSet.from_cuts(kept), report


def _num_frames(cut) -> int:
    """10 ms frames of a cut without precomputed features (on-the-fly fbank)."""
    return int(round(cut.duration * 100))
