"""Inputs (folders, manifests of cuts and recordings) and the checks on the audio itself."""

import numpy as np
import soundfile as sf
import torch
import torchaudio.functional as F
from lhotse import CutSet, RecordingSet, load_manifest

from sigasr.transcribe.bandwidth import bandwidth_warning
from sigasr.transcribe.inputs import collect_sources


def test_folder_keeps_audio_extensions_and_disambiguates_stems(tmp_path):
    (tmp_path / "d").mkdir()
    for name in ("d/a.wav", "d/a.flac", "d/b.OGG", "d/notes.txt", "d/c.sph"):
        (tmp_path / name).write_bytes(b"x")
    sources, problems = collect_sources(
        [str(tmp_path / "d"), str(tmp_path / "d/a.wav"), str(tmp_path / "nope")]
    )
    assert [s.stem for s in sources] == ["a.flac", "a.wav", "b", "c"]  # a.wav given twice: once
    assert [str(p) for p in problems] == [f"{tmp_path / 'nope'}: no such file or folder"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert [p.reason for p in collect_sources([str(empty)])[1]] == [
        "a folder with no audio files in it"
    ]


def test_manifests_of_cuts_and_recordings(corpus, tmp_path):
    cuts = load_manifest(corpus / "data/manifests/librispeech_cuts_test-clean.jsonl.gz")
    three = CutSet.from_cuts(list(cuts)[:3])
    three.to_file(tmp_path / "cuts.jsonl.gz")
    RecordingSet.from_recordings([c.recording for c in three]).to_file(tmp_path / "recs.jsonl.gz")
    (tmp_path / "bad.jsonl.gz").write_bytes(b"not gzip")
    sources, problems = collect_sources(
        [str(tmp_path / n) for n in ("cuts.jsonl.gz", "recs.jsonl.gz", "bad.jsonl.gz")]
    )
    assert [s.name for s in sources] == [c.id for c in three] + [c.recording.id for c in three]
    assert [p.name for p in problems] == [str(tmp_path / "bad.jsonl.gz")]
    samples, rate = sources[0].load()
    assert rate == 16000 and abs(samples.numel() / rate - three[0].duration) < 0.01


def test_bandwidth_warnings(corpus):
    path = sorted((corpus / "corpus/LibriSpeech/test-clean").rglob("*.flac"))[0]
    samples, rate = sf.read(path, dtype="float32")
    wide = torch.from_numpy(samples)
    assert bandwidth_warning(wide, rate) is None
    narrow = F.resample(wide, rate, 8000)
    assert "sampled at 8000 Hz" in bandwidth_warning(narrow, 8000)
    upsampled = F.resample(narrow, 8000, rate)
    assert "almost no signal above 4 kHz" in bandwidth_warning(upsampled, rate)
    assert bandwidth_warning(torch.from_numpy(np.zeros(16000, dtype="float32")), rate) is None
