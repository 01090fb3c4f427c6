"""Long-form TED-LIUM windows: whole segments, at least D seconds, their text, one pass."""

import warnings

from lhotse import CutSet

from sigasr.cli import main
from sigasr.data.corpora import cuts_path
from sigasr.data.demo.synthesis import SAMPLING_RATE
from sigasr.data.loaders import eval_dataloader
from sigasr.data.long_form import long_form_set_name
from sigasr.data.tedlium import talk_cuts


def test_windows_span_whole_segments_with_their_joined_text(demo_root, tmp_path):
    ted = demo_root / "TEDLIUM_release-3"
    manifests = tmp_path / "manifests"
    args = ["prepare", "long-form", "--corpus-dir", str(ted), "--manifest-dir", str(manifests)]
    assert main([*args, "--durations", "30", "60"]) == 0
    talks = {t.recording_id: t for t in talk_cuts(ted, 1)[0]}
    longest_segment = max(s.duration for t in talks.values() for s in t.supervisions)
    for seconds in (30, 60):
        windows = CutSet.from_file(cuts_path(manifests, long_form_set_name(seconds)))
        assert len(windows) >= len(talks)  # every demo talk is longer than 60 s
        ends: dict[str, float] = {}
        for w in windows:
            assert seconds <= w.duration < seconds + longest_segment
            assert w.start >= ends.get(w.recording_id, 0.0)  # no overlap, in talk order
            ends[w.recording_id] = w.end
            inside = [
                s
                for s in talks[w.recording_id].supervisions
                if s.start >= w.start - 1e-6 and s.end <= w.end + 1e-6
            ]
            assert abs(inside[0].start - w.start) < 1e-6 and abs(inside[-1].end - w.end) < 1e-6
            assert [s.text for s in w.supervisions] == [" ".join(s.text for s in inside)]
    window = windows[0]
    assert window.load_audio().shape[-1] == round(window.duration * SAMPLING_RATE)
    with warnings.catch_warnings(record=True) as caught:  # lhotse warns when it must overflow
        warnings.simplefilter("always")
        batches = list(eval_dataloader(_Data(), windows, max_duration=10))
    assert [len(b["cut_ids"]) for b in batches] == [1] * len(windows)
    assert not [w for w in caught if "max_duration" in str(w.message)]


def test_too_short_talks_are_an_error(demo_root, tmp_path):
    ted = str(demo_root / "TEDLIUM_release-3")
    out = str(tmp_path / "m")
    args = ["prepare", "long-form", "--corpus-dir", ted, "--manifest-dir", out]
    assert main([*args, "--durations", "3600"]) == 1


class _Data:
    on_the_fly_feats = True
