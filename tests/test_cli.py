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
