"""Misused decode/export/transcribe/train commands: a clear message, non-zero exit, no outputs."""

import pytest

from sigasr.cli import main
from sigasr.config import load_config, save_config


@pytest.fixture
def exp_without_checkpoints(tmp_path):
    exp = tmp_path / "exp"
    exp.mkdir()
    save_config(load_config(), exp / "config.yaml")
    return exp


def test_decode_missing_exp_dir(tmp_path, capsys):
    assert main(["decode", "--exp-dir", str(tmp_path / "nope"), "--test-sets", "a"]) == 1
    assert f"{tmp_path / 'nope' / 'config.yaml'}: missing" in capsys.readouterr().err


def test_decode_without_checkpoints(exp_without_checkpoints, capsys):
    assert main(["decode", "--exp-dir", str(exp_without_checkpoints), "--test-sets", "x"]) == 1
    assert "no checkpoints" in capsys.readouterr().err
    assert not (exp_without_checkpoints / "decode").exists()


def test_decode_sets_and_bucket_are_exclusive(exp_without_checkpoints, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "decode",
                "--exp-dir",
                str(exp_without_checkpoints),
                "--test-sets",
                "a",
                "--bucket",
                "all",
            ]
        )
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_export_without_checkpoints_leaves_no_model_dir(exp_without_checkpoints, tmp_path, capsys):
    out = tmp_path / "model"
    assert main(["export", "--exp-dir", str(exp_without_checkpoints), "--out", str(out)]) == 1
    assert "error" in capsys.readouterr().err
    assert not out.exists()


def test_export_refuses_a_non_empty_out(exp_without_checkpoints, tmp_path, capsys):
    out = tmp_path / "model"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["export", "--exp-dir", str(exp_without_checkpoints), "--out", str(out)]) == 1
    assert "not empty" in capsys.readouterr().err
    assert (out / "keep.txt").read_text() == "mine"


def test_transcribe_missing_model(tmp_path, capsys):
    assert main(["transcribe", "--model", str(tmp_path / "m"), str(tmp_path / "a.wav")]) == 1
    assert "tokenizer.model: missing" in capsys.readouterr().err


def test_train_missing_config(tmp_path, capsys):
    assert main(["train", "--config", str(tmp_path / "c.yaml"), "--exp-dir", str(tmp_path)]) == 1
    assert "config file not found" in capsys.readouterr().err
