"""Lazy manifest reading: checked like eager reading, then streamed from the file."""

import gzip

import pytest

from sigasr.data.manifests import read_cuts
from sigasr.errors import ManifestError
from tools.manifest_memory import synthesize


@pytest.fixture
def manifest(tmp_path):
    features = tmp_path / "feats.lca"
    features.touch()
    path = tmp_path / "cuts.jsonl.gz"
    synthesize(path, 20, 3, features)
    return path


def test_lazy_reading_yields_the_eager_cuts_from_the_file(manifest):
    eager = read_cuts(manifest, audio=False)
    lazy = read_cuts(manifest, audio=False, lazy=True)
    assert lazy.is_lazy and not eager.is_lazy
    assert len(eager) == 60
    assert [c.to_dict() for c in lazy] == [c.to_dict() for c in eager]


def test_lazy_reading_checks_every_line_first(manifest, tmp_path):
    with gzip.open(manifest, "rt") as f:
        lines = f.read().splitlines()
    twice = tmp_path / "twice.jsonl.gz"
    with gzip.open(twice, "wt") as f:
        f.write("\n".join([*lines, lines[3]]) + "\n")
    with pytest.raises(ManifestError, match=rf"{twice}:61: cut id '.*' appears twice"):
        read_cuts(twice, audio=False, lazy=True)
    (tmp_path / "feats.lca").unlink()
    with pytest.raises(ManifestError, match=r"cuts.jsonl.gz:1: refers to .*feats.lca"):
        read_cuts(manifest, audio=False, lazy=True)
