"""Property-based: damaged cut manifests through `sigasr train` and `sigasr decode` stop with
the manifest's name, or every valid cut left is decoded (tools/reliability/manifest_faults.py).
In tests/train: training in this process imports triton, which tests/kernels must do first."""

import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigasr.cli import main
from sigasr.data.corpora import cuts_path
from tools.reliability.manifest_faults import try_manifest
from tools.tiny_corpus import train_args


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    exp = tmp_path_factory.mktemp("damaged-manifests") / "exp"
    args = train_args(corpus, exp, "train.max_steps=1", "train.valid_every=0")
    assert main(args) == 0
    return exp


@settings(max_examples=12, deadline=None)
@given(rng=st.randoms(use_true_random=False))
def test_damaged_manifest_stops_clearly_or_is_decoded(corpus, trained, rng: random.Random):
    good = cuts_path(corpus / "data/manifests", "dev-clean")
    with tempfile.TemporaryDirectory() as tmp:
        outcome = try_manifest(good, "dev-clean", trained, Path(tmp), rng)
    assert outcome.traceback == ""
    assert outcome.lost == [], outcome.fault
    assert outcome.decoded == outcome.cuts
    assert outcome.cuts > 0 or outcome.stopped_clearly == 2
