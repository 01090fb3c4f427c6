"""Broken LibriSpeech-style corpora: each kind of bad input is named, counted or stops."""

import numpy as np
import pytest
import soundfile as sf

from sigasr.data.librispeech import CorpusError, prepare_part_cuts

PART = "dev-clean"


def _corpus(root, lines: dict[str, str], audio: dict[str, object]):
    chapter = root / PART / "11" / "22"
    chapter.mkdir(parents=True)
    (chapter / "11-22.trans.txt").write_text("".join(f"{k} {v}\n" for k, v in lines.items()))
    for utt, content in audio.items():
        path = chapter / f"{utt}.flac"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            samples, rate = content
            sf.write(path, samples, rate, format="FLAC")
    return root


def _tone(seconds=1.0, rate=16000):
    t = np.arange(int(seconds * rate)) / rate
    return (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate


def test_skips_are_counted_by_reason(tmp_path):
    root = _corpus(
        tmp_path,
        {
            "11-22-0000": "GOOD TEXT",
            "11-22-0001": "NO AUDIO HERE",
            "11-22-0003": "CAFÉ",
            "11-22-0004": "WRONG RATE",
        },
        {
            "11-22-0000": _tone(),
            "11-22-0003": _tone(),
            "11-22-0004": _tone(rate=8000),
            "11-22-0005": _tone(),
        },
    )
    cuts, report = prepare_part_cuts(root, PART, num_jobs=1)
    assert [c.id for c in cuts] == ["11-22-0000"]
    assert report.skipped == {
        "no audio": 1,
        "non-ASCII": 1,
        "sampling rate": 1,
        "no transcript": 1,
    }
    assert report.kept == 1


@pytest.mark.parametrize("content", [b"", b"fLaC\x00\x00\x00\x22garbage"], ids=["empty", "corrupt"])
def test_unreadable_audio_stops_naming_the_file(tmp_path, content):
    root = _corpus(tmp_path, {"11-22-0000": "TEXT"}, {"11-22-0000": content})
    with pytest.raises(CorpusError, match="11-22-0000.flac"):
        prepare_part_cuts(root, PART, num_jobs=1)


def test_truncated_audio_stops_naming_the_file(tmp_path):
    root = _corpus(tmp_path, {"11-22-0000": "TEXT"}, {"11-22-0000": _tone(3.0)})
    path = root / PART / "11" / "22" / "11-22-0000.flac"
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(CorpusError, match="11-22-0000.flac"):
        prepare_part_cuts(root, PART, num_jobs=1)


def test_wrong_layout_stops(tmp_path):
    (tmp_path / PART).mkdir()
    sf.write(tmp_path / PART / "loose.flac", *_tone())
    with pytest.raises(CorpusError, match="not a LibriSpeech part"):
        prepare_part_cuts(tmp_path, PART, num_jobs=1)
    with pytest.raises(CorpusError, match="part directory not found"):
        prepare_part_cuts(tmp_path, "test-other", num_jobs=1)


def test_empty_transcript_stops_naming_the_line(tmp_path):
    root = _corpus(tmp_path, {"11-22-0000": ""}, {"11-22-0000": _tone()})
    with pytest.raises(CorpusError, match=r"11-22.trans.txt:1: empty transcript"):
        prepare_part_cuts(root, PART, num_jobs=1)
