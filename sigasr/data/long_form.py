"""Long-form TED-LIUM sets: windows of whole consecutive talk segments, decoded in one pass.

A window of a set of nominal length D starts where a segment starts and ends where the first
segment ends that makes it at least D seconds long, so its length is in [D, D + one segment).
Its reference is the normalized text of the segments it spans, joined in order; audio between
them that TED-LIUM does not transcribe (gaps, ``ignore_time_segment_in_scoring`` stretches,
segments emptied by normalization) stays in the window, as it does in a whole talk. Windows
of a talk do not overlap; a talk's tail shorter than D is left out.
"""

from __future__ import annotations

from pathlib import Path

from lhotse import CutSet, SupervisionSegment
from lhotse.utils import fastcopy

from sigasr.atomic import atomic_path
from sigasr.data.manifests import manifest_file
from sigasr.data.tedlium import CORPUS, tedlium_set_name


def long_form_set_name(seconds: float) -> str:
    """``300`` → ``tedlium-long-300s``, a set name that ``sigasr decode --test-sets`` takes."""
    return tedlium_set_name(_part(seconds))


def _part(seconds: float) -> str:
    return f"long-{seconds:g}s"


def long_form_windows(talks: CutSet, seconds: float) -> CutSet:
    """The windows of at least ``seconds`` seconds of every talk cut (see the module doc)."""
    windows = []
    for talk in talks:
        sups = sorted(talk.supervisions, key=lambda s: s.start)
        first = 0
        while first < len(sups):
            start = sups[first].start
            last = next(
                (j for j in range(first, len(sups)) if sups[j].end - start >= seconds), None
            )
            if last is None:
                break
            duration = sups[last].end - start
            name = f"{talk.recording_id}-long{seconds:g}s-{len(windows):05d}"
            text = " ".join(s.text for s in sups[first : last + 1])
            sup = SupervisionSegment(
                id=name,
                recording_id=talk.recording_id,
                start=0.0,
                duration=duration,
                channel=sups[first].channel,
                text=text,
                speaker=sups[first].speaker,
            )
            window = talk.truncate(offset=start, duration=duration, preserve_id=True)
            windows.append(fastcopy(window, id=name, supervisions=[sup]))
            first = last + 1
    return CutSet.from_cuts(windows)


def prepare_long_form(
    talks: CutSet, manifest_dir: Path, durations: list[float]
) -> dict[str, tuple[int, float]]:
    """Writes one manifest per nominal duration; returns set name -> (windows, seconds)."""
    manifest_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for seconds in durations:
        name = long_form_set_name(seconds)
        windows = long_form_windows(talks, seconds).to_eager()
        with atomic_path(manifest_file(manifest_dir, CORPUS, _part(seconds))) as tmp:
            windows.to_file(tmp)
        total = sum(c.duration for c in windows)
        counts[name] = (len(windows), total)
        longest = max((c.duration for c in windows), default=0.0)
        print(f"{name}: {len(windows)} windows, {total:.0f} s, longest {longest:.1f} s")
    return counts
