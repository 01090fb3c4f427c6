"""Subtitle cues and clocks, CTM ids, and the writer's input order."""

import json

from sigasr.transcribe.formats import CUE_CHARS, cues, output_format
from sigasr.transcribe.timestamps import WordTiming
from sigasr.transcribe.transcriber import Transcript
from sigasr.transcribe.writers import TranscriptWriter


def _words(spec):
    return [WordTiming(w, s, e, 0.5) for w, s, e in spec]


def test_cues_split_at_length_duration_and_pauses():
    long_run = _words([(f"W{i:02d}", i * 0.3, i * 0.3 + 0.25) for i in range(20)])
    groups = cues(long_run)
    assert [w for g in groups for w in g] == long_run
    assert all(sum(len(w.word) + 1 for w in g) - 1 <= CUE_CHARS for g in groups)
    assert len(groups) > 1
    paused = _words([("A", 0.0, 0.2), ("B", 0.3, 0.5), ("C", 2.0, 2.2)])
    assert [[w.word for w in g] for g in cues(paused)] == [["A", "B"], ["C"]]
    slow = _words([("A", 0.0, 0.5), ("B", 1.0, 1.5), ("C", 2.0, 6.5)])
    assert [[w.word for w in g] for g in cues(slow)] == [["A", "B"], ["C"]]


def test_srt_vtt_clocks_and_ctm_ids():
    t = Transcript("x/my talk.wav", "HELLO WORLD", 3725.5, 1)
    t.words = _words([("HELLO", 3723.25, 3723.5), ("WORLD", 3723.6, 3724.0)])
    srt = output_format("srt").render(t, "my talk", False)
    assert srt == "1\n01:02:03,250 --> 01:02:04,000\nHELLO WORLD\n"
    vtt = output_format("vtt").render(t, "my talk", False)
    assert vtt == "WEBVTT\n\n01:02:03.250 --> 01:02:04.000\nHELLO WORLD\n"
    ctm = output_format("ctm").render(t, "my talk", True).splitlines()
    assert ctm == ["my_talk 1 3723.250 0.250 HELLO 0.5000", "my_talk 1 3723.600 0.400 WORLD 0.5000"]


def test_writer_keeps_input_order(tmp_path):
    out = tmp_path / "out.jsonl"
    with TranscriptWriter(output_format("jsonl"), ["a", "b", "c", "d"], str(out)) as writer:
        writer.add(2, Transcript("c", "C", 1.0, 1))
        writer.add(1, None)  # failed
        assert not out.exists()  # renamed into place at the end only
        writer.add(3, Transcript("d", "D", 1.0, 1))
        writer.add(0, Transcript("a", "A", 1.0, 1))
    assert [json.loads(x)["audio"] for x in out.read_text().splitlines()] == ["a", "c", "d"]


def test_an_interrupted_run_leaves_no_output_file(tmp_path):
    out = tmp_path / "out.txt"
    try:
        with TranscriptWriter(output_format("text"), ["a", "b"], str(out)) as writer:
            writer.add(0, Transcript("a", "A", 1.0, 1))
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert list(tmp_path.iterdir()) == []
