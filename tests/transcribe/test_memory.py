"""The memory estimate before a one pass, and what the transcriber does when it does not fit."""

import pytest
import torch

from sigasr.config import load_config
from sigasr.model import CTCModel
from sigasr.transcribe import transcriber as transcriber_module
from sigasr.transcribe.audio import AudioError
from sigasr.transcribe.memory import free_bytes, one_pass_bytes
from sigasr.transcribe.transcriber import Transcriber
from tools.tiny_corpus import DEMO_CONFIG, TINY_MODEL

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


@pytest.fixture(scope="module")
def model():
    cfg = load_config(DEMO_CONFIG, ["model.vocab_size=29", *TINY_MODEL])
    return CTCModel(cfg.model).eval()


def test_estimate_is_quadratic_where_scores_are_materialized(model):
    cfg = model.cfg
    long, longer = one_pass_bytes(cfg, 1, 60_000, CPU), one_pass_bytes(cfg, 1, 120_000, CPU)
    assert 3.5 < longer / long < 4.1  # N x N scores dominate
    # FlashSigmoid on CUDA keeps no N x N tensor: linear in the length
    assert one_pass_bytes(cfg, 1, 120_000, CUDA) < 2.1 * one_pass_bytes(cfg, 1, 60_000, CUDA)
    assert one_pass_bytes(cfg, 4, 6000, CPU) == 4 * one_pass_bytes(cfg, 1, 6000, CPU)
    assert free_bytes(CPU) > 0


def _transcriber(model, monkeypatch, free: int) -> Transcriber:
    monkeypatch.setattr(transcriber_module, "free_bytes", lambda device: free)
    return Transcriber(
        model, None, CPU, max_one_pass_seconds=3600, chunk_seconds=10, overlap_seconds=2
    )


def test_falls_back_to_chunks_when_one_pass_does_not_fit(model, monkeypatch):
    features = torch.randn(6000, 80)  # 60 s
    one_pass = one_pass_bytes(model.cfg, 1, 6000, CPU)
    roomy = _transcriber(model, monkeypatch, 10 * one_pass)
    assert roomy.log_probs(features)[1] == 1
    tight = _transcriber(model, monkeypatch, one_pass)  # fits a 10 s chunk, not 60 s
    log_probs, chunks = tight.log_probs(features)
    assert chunks == 10  # 10 s chunks with 2 s of context on each side: a 6 s hop
    assert abs(log_probs.size(0) - model.frames_after_subsampling(6000)) <= 1


def test_stops_with_a_clear_message_when_no_chunk_fits(model, monkeypatch):
    starved = _transcriber(model, monkeypatch, 1000)
    with pytest.raises(
        AudioError,
        match=r"talk.wav: a 10 s chunk needs about .* GiB on cpu, but 0.0 GiB is free; use a smaller --chunk-seconds",
    ):
        starved.log_probs(torch.randn(6000, 80), "talk.wav")
