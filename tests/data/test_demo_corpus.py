"""The demo corpus as lhotse's own recipes see it, and its determinism."""

import numpy as np
import pytest
import soundfile as sf
from lhotse.audio.backend import get_current_audio_backend, set_current_audio_backend
from lhotse.recipes import prepare_librispeech, prepare_tedlium

from sigasr.data.buckets import BUCKETS, bucket_of
from sigasr.data.demo.corpus import write_demo_corpus
from sigasr.data.demo.tedlium_layout import (
    ROUND_SECONDS,
    TALKS_PER_PART,
    rounds_for,
    write_tedlium,
)
from sigasr.data.demo.text import SentenceSampler

PARTS = ["train-clean-100", "dev-clean", "dev-other", "test-clean", "test-other"]


def test_lhotse_prepare_librispeech_accepts_demo(demo_root):
    corpus = prepare_librispeech(demo_root / "LibriSpeech", dataset_parts=PARTS)
    assert sorted(corpus) == sorted(PARTS)
    for part in PARTS:
        recs, sups = corpus[part]["recordings"], corpus[part]["supervisions"]
        assert len(recs) > 0 and len(recs) == len(sups)
        assert all(r.sampling_rate == 16000 for r in recs)
        assert all(s.text == s.text.upper() and s.text.strip() for s in sups)


def test_lhotse_prepare_tedlium_accepts_demo_with_all_buckets(demo_root):
    # The .sph files are plain PCM NIST SPHERE: libsndfile reads them, no sph2pipe needed.
    previous = get_current_audio_backend()
    set_current_audio_backend("LibsndfileBackend")
    try:
        corpus = prepare_tedlium(demo_root / "TEDLIUM_release-3", dataset_parts=["dev", "test"])
    finally:
        set_current_audio_backend(previous)
    sups = [s for part in ("dev", "test") for s in corpus[part]["supervisions"]]
    assert all("ignore_time_segment_in_scoring" not in s.text for s in sups)
    buckets = {bucket_of(s.duration) for s in sups}
    assert buckets == set(BUCKETS)
    talks = [r for part in ("dev", "test") for r in corpus[part]["recordings"]]
    assert max(r.duration for r in talks) > 30


def test_other_parts_are_noisier(demo_root):
    def noise_floor(part):
        files = sorted((demo_root / "LibriSpeech" / part).rglob("*.flac"))[:5]
        floors = []
        for f in files:
            audio = sf.read(f)[0]
            frames = audio[: len(audio) // 320 * 320].reshape(-1, 320)
            floors.append(np.sqrt((frames**2).mean(1)).min())
        return np.mean(floors)

    assert noise_floor("test-other") > 10 * noise_floor("test-clean") + 1e-3


def test_sentences_are_deterministic_per_seed():
    def draw(seed):
        sampler = SentenceSampler(100, np.random.default_rng(seed))
        return [sampler.sentence(8) for _ in range(5)]

    assert draw(7) == draw(7)
    assert draw(7) != draw(8)


def test_corpus_is_deterministic_per_seed(demo_root, tmp_path):
    write_demo_corpus(tmp_path, hours=0.01, seed=123, vocab_size=200)
    for sub in ("LibriSpeech/test-other", "TEDLIUM_release-3/legacy/test", "musan"):
        files = sorted(p.relative_to(tmp_path) for p in (tmp_path / sub).rglob("*.*"))
        assert files == sorted(p.relative_to(demo_root) for p in (demo_root / sub).rglob("*.*"))
        for f in files:
            if f.suffix == ".txt":
                assert (tmp_path / f).read_text() == (demo_root / f).read_text(), f
            elif f.suffix == ".stm":
                assert (tmp_path / f).read_text() == (demo_root / f).read_text(), f
            else:
                a, sr_a = sf.read(tmp_path / f, dtype="int16")
                b, sr_b = sf.read(demo_root / f, dtype="int16")
                assert sr_a == sr_b == 16000 and np.array_equal(a, b), f


def test_unknown_voice_is_named():
    from sigasr.data.demo.espeak import ESpeak, ESpeakError

    with pytest.raises(ESpeakError, match="no-such-voice"):
        ESpeak().synthesize("HI", "no-such-voice", 170, 50)


def test_rounds_for_makes_every_talk_hold_a_window(tmp_path):
    seconds = 150.0
    rounds = rounds_for(seconds)
    write_tedlium(tmp_path, SentenceSampler(500, np.random.default_rng(5)), np.random.default_rng(5),
                  seed=5, rounds=rounds, num_jobs=2)  # fmt: skip
    stms = sorted(tmp_path.rglob("*.stm"))
    assert len(stms) == 2 * TALKS_PER_PART
    for stm in stms:
        lines = [line.split() for line in stm.read_text().splitlines()]
        spoken = [(float(f[3]), float(f[4])) for f in lines if f[2] != "inter_segment_gap"]
        assert spoken[-1][1] - spoken[0][0] >= seconds, stm.name
        assert len(spoken) == 4 * rounds
        assert spoken[-1][1] / rounds >= ROUND_SECONDS  # the round length rounds_for assumes
