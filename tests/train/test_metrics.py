"""metrics.jsonl: one entry per step and validation, pre-clip gradient norms, exact on resume."""

import pytest

from sigasr.train.metrics import METRICS_FILE, read_metrics
from tests.train.test_trainer import Interrupted, crash_at_step, make_trainer


def test_resumed_run_logs_every_step_once_with_preclip_grad_norm(tmp_path):
    first = make_trainer(tmp_path, valid_every=4, grad_clip=1e-6)
    crash_at_step(first, 8)
    with pytest.raises(Interrupted):
        first.train()
    assert max(e["step"] for e in read_metrics(tmp_path / METRICS_FILE)) == 8
    with (tmp_path / METRICS_FILE).open("a") as f:
        f.write('{"kind": "train", "step": 9, "lo')  # killed while writing

    make_trainer(tmp_path, valid_every=4, grad_clip=1e-6).train()  # resumes from step 6
    entries = read_metrics(tmp_path / METRICS_FILE)
    train = [e for e in entries if e["kind"] == "train"]
    assert [e["step"] for e in train] == list(range(1, 11))
    assert all(e["grad_norm"] > 1e-3 and e["step_ms"] > 0 and e["lr"] > 0 for e in train)
    valid = [(e["step"], e["set"]) for e in entries if e["kind"] == "valid"]
    assert valid == [(4, "dev"), (8, "dev")]
    assert all(e["wer"] >= 0 for e in entries if e["kind"] == "valid")


def test_nonfinite_step_is_logged_as_null(tmp_path):
    trainer = make_trainer(tmp_path, max_steps=2, valid_every=0)
    forward = trainer.forward_model.forward
    trainer.forward_model.forward = lambda f, n: forward(f * float("nan"), n)
    trainer.train()
    train = read_metrics(tmp_path / METRICS_FILE)
    assert [(e["step"], e["loss"], e["grad_norm"]) for e in train] == [
        (1, None, None),
        (2, None, None),
    ]
