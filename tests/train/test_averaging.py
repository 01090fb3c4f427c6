"""Averaging the last K checkpoints."""

import pytest
import torch

from sigasr.checkpoints.averaging import averaged_model_state
from sigasr.checkpoints.store import CheckpointDir, CheckpointError


def test_average_of_last_k(tmp_path):
    ckpts = CheckpointDir(tmp_path / "checkpoints")
    for step, value in ((1, 100.0), (2, 1.0), (3, 2.0), (4, 6.0)):
        model = {"w": torch.full((2, 2), value), "count": torch.tensor(step)}
        ckpts.save({"model": model, "step": step}, step)
    state, used = averaged_model_state(tmp_path, avg=3)
    assert [p.name for p in used] == ["ckpt-2.pt", "ckpt-3.pt", "ckpt-4.pt"]
    assert torch.equal(state["w"], torch.full((2, 2), 3.0))
    assert int(state["count"]) == 4


def test_no_checkpoints_is_a_clear_error(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoints"):
        averaged_model_state(tmp_path, avg=2)


def test_fewer_checkpoints_than_avg_is_an_error(tmp_path):
    ckpts = CheckpointDir(tmp_path / "checkpoints")
    for step in (1, 2):
        ckpts.save({"model": {"w": torch.zeros(1)}, "step": step}, step)
    with pytest.raises(CheckpointError, match="average 3 checkpoints, only 2 exist"):
        averaged_model_state(tmp_path, avg=3)
