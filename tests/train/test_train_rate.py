"""tools/train_rate.py: a run's audio-s/s, step times and GPU busy over a range of steps."""

import pytest

from sigasr.train.metrics import MetricsLog, read_metrics
from tests.train.test_trainer import make_trainer
from tools.train_rate import main, train_rate


def test_rate_of_a_real_run_is_its_audio_over_its_step_time(tmp_path, capsys):
    make_trainer(tmp_path, max_steps=4, valid_every=0).train()
    entries = [e for e in read_metrics(tmp_path / "metrics.jsonl") if e["kind"] == "train"]
    r = train_rate(entries, first=2, last=3)
    counted = [e for e in entries if e["step"] in (2, 3)]
    audio = sum(e["audio_s"] for e in counted)
    assert (r["steps"], r["first"], r["last"]) == (2, 2, 3)
    assert r["audio_s_per_s"] == pytest.approx(audio / sum(e["step_ms"] for e in counted) * 1000)
    assert r["audio_h"] == pytest.approx(audio / 3600)
    assert r["gpu_busy"] is None and r["gpu_busy_samples"] == 0  # a CPU run has no samples
    assert main([str(tmp_path), "--from-step", "1"]) == 0
    assert "| 1-4 (4) |" in capsys.readouterr().out


def test_gpu_busy_is_the_mean_of_the_samples_and_the_slowest_step_is_named(tmp_path):
    log = MetricsLog(tmp_path / "metrics.jsonl", resume_step=0)
    for step, (ms, busy) in enumerate([(900.0, 40), (200.0, 96), (210.0, 98), (3000.0, 60)], 1):
        log.write("train", step, loss=1.0, step_ms=ms, audio_s=500.0, gpu_busy=busy)
    log.write("valid", 4, set="dev-clean", loss=1.0, wer=50.0)
    log.close()
    r = train_rate(read_metrics(tmp_path / "metrics.jsonl"), first=2, last=None)
    assert r["gpu_busy"] == pytest.approx((96 + 98 + 60) / 3)
    assert r["slowest"] == (4, 3000.0)
    assert r["median_ms"] == 210.0


def test_min_audio_counts_only_the_full_batches(tmp_path, capsys):
    log = MetricsLog(tmp_path / "metrics.jsonl", resume_step=0)
    for step, (audio, busy) in enumerate([(900.0, 96), (80.0, 30), (850.0, 94)], 1):
        log.write("train", step, loss=1.0, step_ms=200.0, audio_s=audio, gpu_busy=busy)
    log.close()
    entries = read_metrics(tmp_path / "metrics.jsonl")
    r = train_rate(entries, first=1, last=None, min_audio=800.0)
    assert (r["steps"], r["gpu_busy"]) == (2, 95)
    assert r["audio_s_per_s"] == pytest.approx((900 + 850) / 0.4)
    with pytest.raises(SystemExit, match="at least 1000 s of audio"):
        train_rate(entries, first=1, last=None, min_audio=1000.0)
    assert main([str(tmp_path), "--from-step", "1", "--min-audio", "800"]) == 0
    out = capsys.readouterr().out
    assert "| 1-3 (3) |" in out and "| 1-3, batches of 800 s or more (2) |" in out


def test_steps_without_audio_seconds_are_refused(tmp_path):
    entries = [{"kind": "train", "step": 5, "loss": 1.0, "step_ms": 100.0}]
    with pytest.raises(SystemExit, match="no audio_s"):
        train_rate(entries, first=1, last=None)
    with pytest.raises(SystemExit, match="no training step"):
        train_rate(entries, first=6, last=None)
