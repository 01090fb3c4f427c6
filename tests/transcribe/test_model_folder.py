"""The exported model folder: the files the Hub layout expects, readable by all, a model card
whose WER table is the experiment's decode result."""

import os
import stat

import yaml

from sigasr.model_card import WER_LINE


def test_folder_files_modes_and_card(exported):
    exp, model = exported
    assert {p.name for p in model.iterdir()} == {
        "config.yaml", "model.safetensors", "tokenizer.model", "tokens.txt", "README.md"
    }  # fmt: skip
    umask = os.umask(0)
    os.umask(umask)
    for path in model.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path

    card = (model / "README.md").read_text()
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["library_name"] == "sigasr"
    assert header["pipeline_tag"] == "automatic-speech-recognition"
    summary = WER_LINE.match(
        (exp / "decode" / "wer-summary-test-clean-step-4-avg-2.txt").read_text()
    )
    wer = summary["wer"]
    [result] = header["model-index"][0]["results"]
    assert result["dataset"]["name"] == "test-clean"
    assert result["metrics"][0]["value"] == float(wer)
    row = f"| test-clean | {wer} | {summary['errors']} / {summary['words']} |"
    assert row in card
    assert "ckpt-2.pt, ckpt-4.pt" in card  # the averaged checkpoints
    assert f"sigasr transcribe --model {model.name}" in card
    assert "train-clean-100" in card  # the training data
