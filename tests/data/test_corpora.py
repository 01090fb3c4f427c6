"""The corpus table: set names resolve to their corpus's manifests; rows become commands."""

from pathlib import Path

from sigasr.cli import build_parser
from sigasr.data.corpora import CORPORA, corpus_of, cuts_path


def test_set_names_resolve_by_the_longest_prefix():
    assert corpus_of("dev-clean") == (CORPORA["librispeech"], "dev-clean")
    assert corpus_of("tedlium-30s+") == (CORPORA["tedlium"], "30s+")
    assert corpus_of("tedlium-long-300s") == (CORPORA["tedlium"], "long-300s")
    assert cuts_path("m", "tedlium-long-60s") == Path("m/tedlium_cuts_long-60s.jsonl.gz")
    assert cuts_path("m", "train-clean-100") == Path("m/librispeech_cuts_train-clean-100.jsonl.gz")


def test_every_row_is_a_prepare_command_with_its_own_options():
    parser = build_parser()
    for name in CORPORA:
        args = parser.parse_args(["prepare", name, *_required(name)])
        assert args.func is CORPORA[name].prepare


def _required(name: str) -> list[str]:
    return ["--out", "x"] if name == "demo" else ["--corpus-dir", "x"]
