"""Misused decode/export/transcribe/train commands: a clear message, non-zero exit, no outputs."""

from pathlib import Path

import pytest
import torch
from lhotse import CutSet
from lhotse.utils import fastcopy

from sigasr.cli import main
from sigasr.config import load_config, save_config
from sigasr.data.corpora import load_set
from sigasr.data.dataset import AsrDataset
from sigasr.data.manifests import ManifestError
from tools.tiny_corpus import train_args


@pytest.fixture
def exp_without_checkpoints(tmp_path):
    exp = tmp_path / "exp"
    exp.mkdir()
    save_config(load_config(), exp / "config.yaml")
    return exp


def test_decode_missing_exp_dir(tmp_path, capsys):
    assert main(["decode", "--exp-dir", str(tmp_path / "nope"), "--test-sets", "a"]) == 1
    assert f"{tmp_path / 'nope' / 'config.yaml'}: missing" in capsys.readouterr().err


@pytest.fixture
def exp_with_a_set(tmp_path, corpus):
    """An experiment without checkpoints whose manifests hold the set 'test-clean'."""
    exp = tmp_path / "exp"
    exp.mkdir()
    options = [f"data.manifest_dir={corpus / 'data/manifests'}", "model.vocab_size=10"]
    save_config(load_config(overrides=options), exp / "config.yaml")
    return exp


def test_decode_without_checkpoints(exp_with_a_set, capsys):
    exp = exp_with_a_set
    assert main(["decode", "--exp-dir", str(exp), "--test-sets", "test-clean"]) == 1
    assert "no checkpoints" in capsys.readouterr().err
    assert not (exp / "decode").exists()


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
    assert f"{tmp_path / 'm'}: no such model directory" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
def test_device_cuda_without_a_gpu_is_one_line(exp_without_checkpoints, tmp_path, capsys):
    for argv in (
        ["decode", "--exp-dir", str(exp_without_checkpoints), "--device", "cuda"],
        ["transcribe", "--model", str(tmp_path), "--device", "cuda", str(tmp_path / "a.wav")],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err == (
            f"sigasr {argv[0]}: error: --device cuda was requested but CUDA is not available"
        )


def test_train_missing_config(tmp_path, capsys):
    assert main(["train", "--config", str(tmp_path / "c.yaml"), "--exp-dir", str(tmp_path)]) == 1
    assert "config file not found" in capsys.readouterr().err


def test_decode_unknown_bucket(exp_without_checkpoints, capsys):
    assert main(["decode", "--exp-dir", str(exp_without_checkpoints), "--bucket", "5-9s"]) == 2
    assert "unknown bucket '5-9s'" in capsys.readouterr().err
    assert not (exp_without_checkpoints / "decode").exists()


def test_decode_of_a_corrupt_checkpoint_names_it(exp_with_a_set, capsys):
    ckpt = exp_with_a_set / "checkpoints" / "ckpt-5.pt"
    ckpt.parent.mkdir()
    ckpt.write_bytes(b"PK\x03\x04 not really a checkpoint")
    assert main(["decode", "--exp-dir", str(exp_with_a_set), "--test-sets", "test-clean"]) == 1
    assert f"{ckpt}: " in capsys.readouterr().err
    assert not (exp_with_a_set / "decode").exists()


def test_train_without_manifests_leaves_no_experiment(corpus, tmp_path, capsys):
    exp = tmp_path / "exp"
    args = train_args(corpus, exp, f"data.manifest_dir={tmp_path / 'none'}")
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'none'}/librispeech_cuts_train-clean-100.jsonl.gz: no manifest" in err
    assert not exp.exists()


def test_prepare_missing_corpus_dir(tmp_path, capsys):
    args = ["prepare", "librispeech", "--corpus-dir", str(tmp_path / "nope"), "--parts",
            "dev-clean", "--manifest-dir", str(tmp_path / "m")]  # fmt: skip
    assert main(args) == 1
    assert f"{tmp_path / 'nope' / 'dev-clean'}: part directory not found" in capsys.readouterr().err
    assert not list((tmp_path / "m").glob("*.jsonl.gz"))


def test_tokenizer_without_manifests(tmp_path, capsys):
    args = ["prepare", "tokenizer", "--manifest-dir", str(tmp_path), "--lang-dir",
            str(tmp_path / "lang"), "--train-sets", "train-clean-100"]  # fmt: skip
    assert main(args) == 1
    assert "librispeech_cuts_train-clean-100.jsonl.gz: no manifest" in capsys.readouterr().err


def test_damaged_feature_archive_names_file_and_cut(corpus, tmp_path):
    cut = next(iter(load_set(corpus / "data/manifests", "dev-clean")))
    archive = tmp_path / "feats.lca"
    data = Path(cut.features.storage_path).read_bytes()
    archive.write_bytes(data[:16])  # a copy cut short
    damaged = fastcopy(cut, features=fastcopy(cut.features, storage_path=str(archive)))
    with pytest.raises(ManifestError, match=rf"{archive}: cannot load the input of cut '{cut.id}'"):
        AsrDataset()[CutSet.from_cuts([damaged])]
