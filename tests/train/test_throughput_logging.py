"""Training throughput in the progress line and TensorBoard: audio-s/s, and GPU busy on a GPU."""

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from sigasr.train.gpu_busy import GpuBusy
from sigasr.train.metrics import read_metrics
from sigasr.train.progress import TrainProgress
from tests.train.test_trainer import make_trainer


def test_audio_seconds_per_second_logged_per_step(tmp_path, capsys):
    trainer = make_trainer(tmp_path, max_steps=4, valid_every=0)
    step_audio = []
    original = trainer._optimizer_step

    def record(batches):
        step_audio.append(sum(sum(b["durations"]) for b in batches))
        return original(batches)

    trainer._optimizer_step = record
    trainer.train()
    events = EventAccumulator(str(tmp_path / "tensorboard"))
    events.Reload()
    assert "train/gpu_busy_pct" not in events.Tags()["scalars"]  # a CPU has no GPU busy
    rates = events.Scalars("train/audio_s_per_s")
    entries = {e["step"]: e for e in read_metrics(tmp_path / "metrics.jsonl")}
    assert [r.step for r in rates] == [1, 2, 3, 4]
    assert not any("gpu_busy" in e for e in entries.values())  # nor a GPU busy sample
    for rate, audio in zip(rates, step_audio, strict=True):
        assert audio > 0
        assert entries[rate.step]["audio_s"] == pytest.approx(audio)
        assert rate.value == pytest.approx(audio / (entries[rate.step]["step_ms"] / 1000), rel=1e-3)
    assert "audio_s_per_s=" in capsys.readouterr().err
    assert "gpu_busy" not in capsys.readouterr().err


def test_progress_rate_covers_the_last_steps_only():
    progress = TrainProgress(0, 10, enabled=False, window=2)
    progress.update(1.0, 1e-3, audio_seconds=10.0, step_seconds=10.0)  # a slow first step
    progress.update(1.0, 1e-3, audio_seconds=100.0, step_seconds=0.5)
    progress.update(1.0, 1e-3, audio_seconds=100.0, step_seconds=0.5, gpu_busy=90.0)
    assert progress.bar.postfix == "loss=1.000, lr=1.00e-03, audio_s_per_s=200, gpu_busy=90%"


def test_gpu_busy_unavailable_on_cpu():
    busy = GpuBusy(torch.device("cpu"))
    assert busy.sample() is None
    assert not busy.available and busy.percent() is None


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_busy_reads_nvml_while_kernels_run():
    device = torch.device("cuda")
    busy = GpuBusy(device)
    assert busy.available
    x = torch.randn(4096, 4096, device=device)
    for _ in range(20):
        for _ in range(50):
            x = torch.tanh(x @ x)
        torch.cuda.synchronize()
        assert 0 <= busy.sample() <= 100
    assert 50 <= busy.percent() <= 100
