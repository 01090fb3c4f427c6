"""Property-based: fuzzed corpora (tests/data/test_fuzzed_corpora.py) prepared, then trained on
and decoded in this process; every cut is counted by the training filter and decoded.

In tests/train because a training step imports triton, which the interpreter kernel tests
(tests/kernels) must import first.
"""

import random
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tools.reliability.corpus_faults import make_corpus, prepare, train_and_decode
from tools.tiny_corpus import DEMO_CONFIG, TINY_MODEL


@settings(max_examples=4, deadline=None)
@given(st.randoms(use_true_random=False))
def test_training_and_decoding_account_for_every_cut(rng: random.Random):
    with tempfile.TemporaryDirectory() as tmp:
        utts = make_corpus(Path(tmp), rng, max_utterances=5)
        if prepare(Path(tmp), utts).kept == 0:
            return
        outcome = train_and_decode(Path(tmp), DEMO_CONFIG, TINY_MODEL)
    assert outcome.traceback == ""
    assert outcome.lost == []
    assert outcome.kept == outcome.utterances or outcome.stopped
