"""`sigasr train` on a full disk: a clear message naming the checkpoint, a non-zero exit, and
the previous checkpoint intact and resumable."""

import errno

import torch

from sigasr.checkpoints.store import CheckpointDir, load_checkpoint
from sigasr.cli import main
from tools.tiny_corpus import train_args


def test_disk_full_stops_train_with_the_path(corpus, tmp_path, monkeypatch, capsys):
    exp = tmp_path / "exp"
    args = train_args(corpus, exp, "train.max_steps=4", "train.save_every=2", "train.valid_every=0")
    save = torch.save

    def disk_full_at_step_4(obj, f, *rest, **kwargs):
        if obj["step"] == 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        save(obj, f, *rest, **kwargs)

    monkeypatch.setattr(torch, "save", disk_full_at_step_4)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"sigasr train: error: {exp / 'checkpoints' / 'ckpt-4.pt'}: cannot write" in err
    assert "No space left on device" in err and "Traceback" not in err
    ckpts = CheckpointDir(exp / "checkpoints")
    assert [p.name for p in ckpts.paths()] == ["ckpt-2.pt"]
    assert load_checkpoint(ckpts.latest())["step"] == 2

    monkeypatch.undo()
    assert main(args) == 0
    assert f"resumed from {ckpts.directory / 'ckpt-2.pt'}" in capsys.readouterr().out
    assert load_checkpoint(ckpts.latest())["step"] == 4
