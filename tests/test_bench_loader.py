"""`sigasr bench loader`: the training loader's rate, one row per worker count and ablation."""

import re

from sigasr.benchmarks.loader import main
from tools.tiny_corpus import DEMO_CONFIG, TOKENS


def rows(out: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in out.splitlines()
        if re.match(r"\| \d", line)
    ]


def test_one_row_per_worker_count_and_augmentation_off(corpus, capsys):
    overrides = [
        f"data.manifest_dir={corpus / 'data/manifests'}",
        f"data.lang_dir={corpus / 'data/lang'}",
        *TOKENS,
        "data.max_duration=20",
        "data.num_buckets=2",
        "data.spec_augment.enabled=true",
    ]
    args = ["--config", str(DEMO_CONFIG), "--workers", "0", "1", "--batches", "2", "--warmup", "1"]
    assert main([*args, "--ablate", *overrides]) == 0
    out = capsys.readouterr().out
    table = rows(out)
    assert [(r[0], r[1]) for r in table] == [
        ("0", "as configured"), ("0", "no SpecAugment"),
        ("1", "as configured"), ("1", "no SpecAugment"),
    ]  # fmt: skip
    for r in table:
        assert r[2] == "2"
        assert float(r[3]) > 0 and float(r[4]) > 0
    # what the loader kept and left out is reported, once, after the table
    assert out.count("train filter: in ") == 1


def test_a_corpus_too_small_for_the_warmup_says_so(corpus, capsys):
    overrides = [
        f"data.manifest_dir={corpus / 'data/manifests'}",
        f"data.lang_dir={corpus / 'data/lang'}",
        *TOKENS,
    ]
    assert (
        main(["--config", str(DEMO_CONFIG), "--workers", "0", "--warmup", "100000", *overrides])
        == 0
    )
    assert "no batch after the warm-up" in capsys.readouterr().out
