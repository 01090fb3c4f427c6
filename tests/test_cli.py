"""The sigasr entry point and the recipe script's argument handling."""

import subprocess
import sys
from pathlib import Path

import pytest

from sigasr.cli import main

ROOT = Path(__file__).resolve().parents[1]
SUBCOMMANDS = ["prepare", "train", "decode", "transcribe", "export", "bench", "demo-data"]


def test_help_lists_every_subcommand():
    out = subprocess.run(
        [sys.executable, "-m", "sigasr", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for name in SUBCOMMANDS:
        assert name in out


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_help(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    assert "usage: sigasr" in capsys.readouterr().out


def test_unknown_subcommand_fails():
    with pytest.raises(SystemExit) as exit_info:
        main(["fly"])
    assert exit_info.value.code == 2


def test_recipe_rejects_unknown_options(tmp_path):
    proc = subprocess.run(
        ["bash", str(ROOT / "recipes/librispeech/run.sh"), "--bogus"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "unknown option '--bogus'" in proc.stderr


def test_recipe_demo_words_sets_the_corpus_vocabulary(tmp_path):
    """run.sh --words reaches `sigasr demo-data --vocab-size`: the training text of a tiny demo
    corpus uses at most that many distinct words (the default 500 gives more here)."""
    proc = subprocess.run(
        ["bash", str(ROOT / "recipes/librispeech/run.sh"), "--demo", "--hours", "0.01",
         "--words", "40", "--stop-stage", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    train = tmp_path / "demo/download/demo/LibriSpeech/train-clean-100"
    words = {
        word
        for path in train.rglob("*.trans.txt")
        for line in path.read_text().splitlines()
        for word in line.split()[1:]
    }
    assert 20 < len(words) <= 40


def test_recipe_stage_range_selects_nothing(tmp_path):
    proc = subprocess.run(
        ["bash", str(ROOT / "recipes/librispeech/run.sh"), "--demo", "--stage", "11"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "== stage" not in proc.stdout


def test_recipe_keeps_experiment_stages_per_config(tmp_path):
    """A finished stage 5 of one config does not skip training another config on the same
    data; its own marker in exp/<config> does."""
    work = tmp_path / "demo"
    (work / "exp/conformer_ctc_100m").mkdir(parents=True)
    (work / "exp/conformer_ctc_100m/.stage5.train.done").touch()

    def stage5(config):
        return subprocess.run(
            ["bash", str(ROOT / "recipes/librispeech/run.sh"), "--demo", "--config", config,
             "--stage", "5", "--stop-stage", "5"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )  # fmt: skip

    done = stage5("conformer_ctc_100m")
    assert done.returncode == 0, done.stderr
    assert "== stage 5 (train): done before, skipped" in done.stdout
    other = stage5("transformer_ctc_255m")
    assert "done before" not in other.stdout
    # It really tries to train, and fails for want of the data stages.
    assert other.returncode != 0
    assert "stage 5 (train) failed" in other.stderr
    assert not (work / "exp/transformer_ctc_255m/.stage5.train.done").exists()
