"""Cuts that never reach training are counted: with data.drop_last (as under DDP) each epoch
reports how many training cuts its buckets' short last batches left out; without it none are."""

import re

from sigasr.cli import main
from tools.tiny_corpus import train_args

LEFT_OUT = re.compile(r"epoch end: (\d+) of (\d+) training cuts were left in the buckets'")


def train_log(corpus, exp, capsys, *overrides) -> str:
    capsys.readouterr()
    args = train_args(corpus, exp, "train.max_steps=12", "train.valid_every=0", *overrides)
    assert main(args) == 0
    return capsys.readouterr().out


def test_drop_last_reports_the_cuts_each_epoch_leaves_out(corpus, tmp_path, capsys):
    out = train_log(corpus, tmp_path / "dropped", capsys, "data.drop_last=true")
    kept = int(re.search(r"train filter: in \d+, kept (\d+)", out).group(1))
    reports = [(int(a), int(b)) for a, b in LEFT_OUT.findall(out)]
    assert reports, out
    assert all(0 < left < total == kept for left, total in reports)

    assert not LEFT_OUT.search(train_log(corpus, tmp_path / "kept", capsys))


def test_an_epoch_resumed_midway_reports_the_same(corpus, tmp_path, capsys):
    """The count survives a resume: checkpoints carry the cuts drawn so far in the epoch, so
    a run stopped early and resumed reports what the uninterrupted run reports."""
    whole = LEFT_OUT.findall(train_log(corpus, tmp_path / "whole", capsys, "data.drop_last=true"))
    exp = tmp_path / "resumed"
    first = train_log(corpus, exp, capsys, "data.drop_last=true", "train.max_steps=1")
    assert "resumed from" not in first
    resumed = train_log(corpus, exp, capsys, "data.drop_last=true")
    assert "resumed from" in resumed
    assert whole and LEFT_OUT.findall(first + resumed) == whole
