"""`sigasr transcribe` on a folder of good and broken files: every good file transcribed, every
broken one reported by name with its reason, outputs that parse in every format."""

import json
import re

from sigasr.cli import main
from tests.transcribe.conftest import BROKEN, GOOD

CLOCK = r"(\d\d):(\d\d):(\d\d)[,.](\d\d\d)"
SRT_CUE = re.compile(rf"(\d+)\n{CLOCK} --> {CLOCK}\n((?:[^\n]+\n)+)")
VTT_CUE = re.compile(rf"{CLOCK} --> {CLOCK}\n((?:[^\n]+\n)+)")


def _seconds(h, m, s, ms) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_cues(text: str, cue: re.Pattern, numbered: bool) -> list[tuple[float, float, str]]:
    """A strict SRT / WebVTT body parser: cues separated by exactly one blank line, numbered
    1..n (SRT), times in order; raises AssertionError on anything else."""
    cues = []
    if not text:
        return cues
    assert text.endswith("\n") and not text.endswith("\n\n\n"), repr(text[-20:])
    for i, block in enumerate(text.split("\n\n"), 1):
        block = block if block.endswith("\n") else block + "\n"
        match = cue.fullmatch(block)
        assert match, f"not a cue: {block!r}"
        groups = match.groups()
        if numbered:
            assert int(groups[0]) == i
            groups = groups[1:]
        start, end = _seconds(*groups[0:4]), _seconds(*groups[4:8])
        assert 0 <= start < end
        assert not cues or cues[-1][1] <= start
        cues.append((start, end, groups[8].strip()))
    return cues


def _run(capsys, *args):
    code = main(["transcribe", "--device", "cpu", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _check_report(folder, err):
    for name, reason in BROKEN.items():
        line = next((x for x in err.splitlines() if f"{folder / name}:" in x), None)
        assert line is not None and "error" in line and reason in line, (name, err)
    total = len(GOOD) + len(BROKEN)
    assert f"{len(GOOD)} of {total} transcribed, {len(BROKEN)} failed" in err.splitlines()[-1]
    assert "notes.txt" not in err


def test_jsonl_holds_every_good_file_and_reports_every_broken_one(
    exported, mixed_folder, capsys, tmp_path
):
    _, model = exported
    out = tmp_path / "all.jsonl"
    code, stdout, err = _run(
        capsys, "--model", model, "--format", "jsonl", "--output", out, mixed_folder
    )
    assert code == 1  # some files failed
    assert stdout == ""
    _check_report(mixed_folder, err)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["audio"] for r in records] == sorted(str(mixed_folder / g) for g in GOOD)
    for r in records:
        assert set(r) == {"audio", "text", "duration", "chunks", "words", "warnings"}
        assert r["text"] == r["text"].strip()
        for w in r["words"]:
            assert w["word"] and not any(c.isspace() for c in w["word"])
            assert 0 <= w["start"] < w["end"] <= r["duration"] + 0.05
            assert 0 < w["confidence"] <= 1
    by_name = {r["audio"].removeprefix(f"{mixed_folder}/"): r for r in records}
    assert by_name["a.flac"]["words"], "the speech files give words"
    assert by_name["silence.wav"]["text"] == "" and by_name["silence.wav"]["words"] == []
    assert any("8000 Hz" in w for w in by_name["phone8k.wav"]["warnings"])
    assert by_name["a.flac"]["warnings"] == [] and by_name["sub/stereo44k.wav"]["warnings"] == []
    assert f"warning: {mixed_folder / 'phone8k.wav'}: sampled at 8000 Hz" in err


def test_srt_and_vtt_folders_parse(exported, mixed_folder, capsys, tmp_path):
    _, model = exported
    for fmt, cue, numbered in (("srt", SRT_CUE, True), ("vtt", VTT_CUE, False)):
        out = tmp_path / fmt
        code, _, err = _run(
            capsys, "--model", model, "--format", fmt, "--output", f"{out}/", mixed_folder
        )
        assert code == 1
        _check_report(mixed_folder, err)
        written = sorted(str(p.relative_to(out)) for p in out.rglob(f"*.{fmt}"))
        assert written == sorted(g.rsplit(".", 1)[0] + f".{fmt}" for g in GOOD)
        for path in out.rglob(f"*.{fmt}"):
            text = path.read_text()
            if fmt == "vtt":
                assert text.startswith("WEBVTT\n\n")
                text = text.removeprefix("WEBVTT\n\n")
            cues = parse_cues(text, cue, numbered)
            assert bool(cues) == (path.stem != "silence"), path
            assert all(c[2] for c in cues)


def test_ctm_and_text_streams(exported, mixed_folder, capsys):
    _, model = exported
    code, stdout, _ = _run(capsys, "--model", model, "--format", "ctm", mixed_folder)
    assert code == 1
    ids = set()
    for line in stdout.splitlines():
        utt, channel, start, dur, word, conf = line.split(" ")
        assert channel == "1" and float(start) >= 0 and float(dur) > 0 and 0 < float(conf) <= 1
        ids.add(utt)
    assert ids == {"a", "b", "sub/c", "sub/stereo44k", "phone8k"}  # silence: no words

    code, stdout, _ = _run(capsys, "--model", model, "--timestamps", mixed_folder / "a.flac")
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].startswith(f"{mixed_folder / 'a.flac'}\t")
    assert all(re.fullmatch(r"\d+\.\d\d\t\d+\.\d\d\t\S+", x) for x in lines[1:]), lines


def test_srt_of_many_files_needs_a_folder(exported, mixed_folder, capsys):
    _, model = exported
    code, stdout, err = _run(capsys, "--model", model, "--format", "srt", mixed_folder)
    assert code == 2 and stdout == ""
    assert "give a folder, e.g. --output srt/" in err


def test_one_bad_file_does_not_stop_the_others(exported, mixed_folder, capsys):
    """The issue's case: talk, a 0.01 s file, another file; and a missing one."""
    _, model = exported
    files = [mixed_folder / "a.flac", mixed_folder / "short.wav", mixed_folder / "b.flac"]
    code, stdout, err = _run(capsys, "--model", model, *files, mixed_folder / "missing.wav")
    assert code == 1
    assert [x.split("\t")[0] for x in stdout.splitlines()] == [str(files[0]), str(files[2])]
    assert f"{files[1]}: 0.010 s is too short" in err
    assert f"{mixed_folder / 'missing.wav'}: no such file or folder" in err
    assert "2 of 4 transcribed, 2 failed" in err


def test_all_good_exits_zero(exported, mixed_folder, capsys):
    _, model = exported
    code, stdout, err = _run(
        capsys, "--model", model, mixed_folder / "a.flac", mixed_folder / "sub"
    )
    assert code == 0, err
    assert len(stdout.splitlines()) == 3
    assert "3 of 3 transcribed, 0 failed" in err


def test_a_beam_search_with_processes_is_closed_when_transcription_ends(
    exported, speech, monkeypatch, capsys
):
    """`--method beam --search-jobs 2` stops its search processes before the command returns,
    not only when the search is garbage-collected."""
    from sigasr.decode.beam import CTCBeamSearch

    closed = []
    close = CTCBeamSearch.close
    monkeypatch.setattr(CTCBeamSearch, "close", lambda self: closed.append(self) or close(self))
    _, model_dir = exported
    args = ["transcribe", "--model", str(model_dir), "--device", "cpu", "--method", "beam"]
    assert main([*args, "--search-jobs", "2", *map(str, speech)]) == 0
    assert len(closed) == 1 and closed[0]._pool is not None
    assert closed[0]._pool._executor is None  # its processes were shut down
    out = capsys.readouterr().out
    assert all(path.stem in out for path in speech), out
