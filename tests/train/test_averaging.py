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


def test_a_checkpoint_pruned_while_reading_makes_it_list_again(tmp_path, monkeypatch):
    """The interleaving a running training causes: a new checkpoint is saved (pruning the
    oldest listed one) after the reader listed them and before it loaded them all."""
    from sigasr.checkpoints import averaging

    ckpts = CheckpointDir(tmp_path / "checkpoints", keep_last=2)
    for step in (1, 2):
        ckpts.save({"model": {"w": torch.full((2,), float(step))}, "step": step}, step)
    real_load, saved = averaging.load_checkpoint, []

    def load_while_training(path):
        if not saved:
            saved.append(ckpts.save({"model": {"w": torch.full((2,), 3.0)}, "step": 3}, 3))
        return real_load(path)

    monkeypatch.setattr(averaging, "load_checkpoint", load_while_training)
    state, used = averaged_model_state(tmp_path, avg=2)
    assert [p.name for p in used] == ["ckpt-2.pt", "ckpt-3.pt"]
    assert torch.equal(state["w"], torch.full((2,), 2.5))
