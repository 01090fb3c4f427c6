"""Checkpoints: atomic writes, keep-last-K, safe loading and clear errors."""

import os
import struct

import pytest
import torch

from sigasr.checkpoints.store import (
    CheckpointDir,
    CheckpointError,
    CorruptCheckpointError,
    load_checkpoint,
    state_checksum,
)


def state(step: int) -> dict:
    return {"model": {"w": torch.full((3,), float(step))}, "step": step}


def test_keeps_last_k_and_latest_is_newest(tmp_path):
    ckpts = CheckpointDir(tmp_path, keep_last=2)
    for step in (10, 20, 30, 40):
        ckpts.save(state(step), step)
    assert [p.name for p in ckpts.paths()] == ["ckpt-30.pt", "ckpt-40.pt"]
    assert load_checkpoint(ckpts.latest())["step"] == 40


def test_steps_sort_numerically_not_lexically(tmp_path):
    ckpts = CheckpointDir(tmp_path)
    for step in (9, 100, 20):
        ckpts.save(state(step), step)
    assert ckpts.latest().name == "ckpt-100.pt"


def test_torn_write_is_never_picked_and_is_cleaned(tmp_path):
    ckpts = CheckpointDir(tmp_path)
    ckpts.save(state(5), 5)
    torn = tmp_path / ".tmp-ckpt-10.pt.1234"
    torn.write_bytes(b"PK\x03\x04 half a zip")
    assert ckpts.latest().name == "ckpt-5.pt"
    assert ckpts.remove_stale_temporaries() == [torn]
    assert not torn.exists()


def test_failed_write_keeps_previous_and_names_file(tmp_path, monkeypatch):
    ckpts = CheckpointDir(tmp_path, keep_last=1)
    ckpts.save(state(1), 1)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", disk_full)
    with pytest.raises(CheckpointError, match=r"ckpt-2\.pt.*No space left"):
        ckpts.save(state(2), 2)
    assert [p.name for p in ckpts.paths()] == ["ckpt-1.pt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    assert load_checkpoint(ckpts.latest())["step"] == 1


def test_permission_denied_is_a_clear_error(tmp_path, monkeypatch):
    ckpts = CheckpointDir(tmp_path, keep_last=1)
    ckpts.save(state(1), 1)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(CheckpointError, match=r"ckpt-2\.pt.*Permission denied"):
        ckpts.save(state(2), 2)
    monkeypatch.undo()
    assert [p.name for p in ckpts.paths()] == ["ckpt-1.pt"]
    assert load_checkpoint(ckpts.latest())["step"] == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_truncated_checkpoint_error_names_file(tmp_path):
    path = CheckpointDir(tmp_path).save(state(3), 3)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=rf"{path}.*truncated or corrupt"):
        load_checkpoint(path)


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "ckpt-1.pt"
    torch.save({"model": {}, "step": 1, "payload": object()}, path)
    with pytest.raises(CheckpointError, match="refused to load"):
        load_checkpoint(path)


def _changed_tensor_bytes(data: bytes) -> bytes:
    stored = struct.pack("<3f", 2.0, 2.0, 2.0)  # state(2)'s weights, as torch.save stores them
    assert data.count(stored) == 1
    return data.replace(stored, struct.pack("<3f", 2.0, 2.5, 2.0))


DAMAGE = {
    "truncated": lambda data: data[: len(data) // 2],
    "zero length": lambda data: b"",
    "garbage": lambda data: bytes(range(256)) * 4,
    "a tensor changed": _changed_tensor_bytes,
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_newest_is_set_aside_for_the_previous(tmp_path, capsys, damage):
    ckpts = CheckpointDir(tmp_path)
    for step in (1, 2):
        ckpts.save(state(step), step)
    newest = ckpts.latest()
    newest.write_bytes(damage(newest.read_bytes()))
    with pytest.raises(CorruptCheckpointError, match=str(newest)):
        load_checkpoint(newest)

    path, loaded = ckpts.newest_good()
    assert path.name == "ckpt-1.pt" and loaded["step"] == 1
    assert [p.name for p in ckpts.paths()] == ["ckpt-1.pt"]
    assert (tmp_path / "ckpt-2.pt.corrupt").is_file()
    assert f"{newest}" in capsys.readouterr().err


def test_checksum_mismatch_is_named(tmp_path):
    path = CheckpointDir(tmp_path).save(state(2), 2)
    path.write_bytes(_changed_tensor_bytes(path.read_bytes()))
    with pytest.raises(CorruptCheckpointError, match=rf"{path}: checksum mismatch"):
        load_checkpoint(path)


def test_no_good_checkpoint_means_a_fresh_start(tmp_path):
    ckpts = CheckpointDir(tmp_path)
    ckpts.save(state(1), 1).write_bytes(b"")
    assert ckpts.newest_good() is None
    assert (tmp_path / "ckpt-1.pt.corrupt").is_file()
    assert ckpts.paths() == []


def test_plain_torch_load_reads_a_checkpoint(tmp_path):
    path = CheckpointDir(tmp_path).save(state(4), 4)
    raw = torch.load(path, weights_only=True)
    assert raw["step"] == 4 and raw["checksum"] == state_checksum(state(4))
