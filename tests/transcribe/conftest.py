"""A trained, decoded and exported tiny model, and a folder of mixed good and broken audio."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
import torchaudio.functional as F

from tools.tiny_corpus import ROOT, sigasr, train_args


@pytest.fixture(scope="session")
def exported(corpus, tmp_path_factory):
    """(experiment dir, model folder) of a 4-step tiny model decoded on test-clean."""
    root = tmp_path_factory.mktemp("exported")
    exp, model = root / "exp", root / "tiny-model"
    steps = ["train.max_steps=4", "train.save_every=2", "train.valid_every=0"]
    for args in (
        train_args(corpus, exp, *steps),
        ["decode", "--exp-dir", str(exp), "--avg", "2", "--test-sets", "test-clean",
         "--device", "cpu"],
        ["export", "--exp-dir", str(exp), "--avg", "2", "--out", str(model)],
    ):  # fmt: skip
        proc = sigasr(*args, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr[-3000:]
    return exp, model


@pytest.fixture(scope="session")
def speech(corpus) -> list[Path]:
    return sorted((corpus / "corpus/LibriSpeech/test-clean").rglob("*.flac"))[:3]


GOOD = ["a.flac", "b.flac", "sub/c.flac", "sub/stereo44k.wav", "phone8k.wav", "silence.wav"]
BROKEN = {
    "broken.wav": "cannot read audio",
    "empty.flac": "an empty file (0 bytes)",
    "inf.wav": "0 NaN and 1 infinite sample(s)",
    "nan.wav": "1 NaN and 0 infinite sample(s)",
    "short.wav": "too short",
}


@pytest.fixture(scope="session")
def mixed_folder(speech, tmp_path_factory) -> Path:
    """Good files (FLAC, stereo 44.1 kHz WAV, 8 kHz WAV, silence), broken ones and a text file."""
    folder = tmp_path_factory.mktemp("mixed")
    (folder / "sub").mkdir()
    samples, rate = sf.read(speech[0], dtype="float32")
    for name, src in zip(GOOD[:3], speech, strict=True):
        (folder / name).write_bytes(src.read_bytes())
    up = F.resample(torch.from_numpy(samples), rate, 44100).numpy()
    sf.write(folder / "sub/stereo44k.wav", np.stack([up, 0.5 * up], axis=1), 44100)
    sf.write(
        folder / "phone8k.wav", F.resample(torch.from_numpy(samples), rate, 8000).numpy(), 8000
    )
    sf.write(folder / "silence.wav", np.zeros(5 * rate, dtype="float32"), rate)
    (folder / "broken.wav").write_bytes(b"RIFF\x00\x00 not really audio")
    (folder / "empty.flac").write_bytes(b"")
    damaged = samples.copy()
    damaged[1000] = np.inf
    sf.write(folder / "inf.wav", damaged, rate, subtype="FLOAT")
    damaged[1000] = np.nan
    sf.write(folder / "nan.wav", damaged, rate, subtype="FLOAT")
    sf.write(folder / "short.wav", samples[:160], rate)
    (folder / "notes.txt").write_text("not audio, not an audio extension: skipped\n")
    return folder
