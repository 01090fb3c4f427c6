"""`sigasr bench decode`: synthetic batches shaped like `sigasr decode`'s, one row per pass."""

import re

import pytest
import torch

from sigasr.benchmarks.decode import main, synthetic_batches
from tools.tiny_corpus import DEMO_CONFIG


def test_batches_are_longest_first_and_fill_the_hours():
    batches = synthetic_batches(hours=0.05, shortest=2.0, longest=9.0, max_duration=40, seed=3)
    seconds = [s for b in batches for s in b["durations"]]
    assert sum(seconds) >= 0.05 * 3600
    assert seconds == sorted(seconds, reverse=True)
    assert all(2.0 <= s <= 9.0 for s in seconds)
    for b in batches:
        assert sum(b["durations"]) <= 40
        assert b["audio"].shape == (len(b["durations"]), int(b["audio_lens"].max()))
        for row, n in zip(b["audio"], b["audio_lens"], strict=True):
            assert torch.all(row[n:] == 0) and torch.any(row[:n] != 0)
    ids = [i for b in batches for i in b["cut_ids"]]
    assert len(set(ids)) == len(ids) == len(seconds)


def test_one_row_per_pass_with_its_rtfx(capsys):
    args = ["--config", str(DEMO_CONFIG), "--hours", "0.01", "--max-duration", "20"]
    assert main([*args, "--passes", "2", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"^\| (\d+) \| (\d+) \| wall ([\d.]+) s; CPU device: .* forward ", out, re.M)
    assert [r[0] for r in rows] == ["1", "2"]
    assert all(int(r[1]) > 0 and float(r[2]) > 0 for r in rows)
    header = re.search(r"(\d+) utterances of 1-15 s, 0.01 h, (\d+) batches of up to 20 s", out)
    assert header and int(header.group(1)) > int(header.group(2)) >= 2
    # anything decoding prints (the process's first decoded batch) stays out of the table
    table = out[out.index("| pass |") : out.index("| 2 |")]
    assert "first decoded batch" not in table


@pytest.mark.parametrize("fresh", [False, True])
def test_fresh_sets_give_each_pass_a_set_of_its_own(monkeypatch, fresh):
    import sigasr.decode.recognize as recognize_module

    decoded = []
    real = recognize_module.recognize

    def recording(model, batches, *args, **kwargs):
        decoded.append([s for b in batches for s in b["durations"]])
        return real(model, batches, *args, **kwargs)

    monkeypatch.setattr(recognize_module, "recognize", recording)
    args = ["--config", str(DEMO_CONFIG), "--hours", "0.005", "--max-duration", "20"]
    assert main([*args, "--passes", "3", "--device", "cpu", *(["--fresh-sets"] * fresh)]) == 0
    assert len(decoded) == 3
    distinct = {tuple(durations) for durations in decoded}
    assert len(distinct) == (3 if fresh else 1)
