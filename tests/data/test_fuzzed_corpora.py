"""Property-based: random corrupt audio, odd sample rates, empty or garbage transcripts through
`sigasr prepare`, then training and decoding; every utterance is kept or reported, and no
failure is a traceback (tools/reliability/corpus_faults.py does the counting)."""

import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.reliability.corpus_faults import make_corpus, prepare, train_and_decode
from tools.tiny_corpus import DEMO_CONFIG, TINY_MODEL

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(FUZZ, max_examples=30)
@given(st.randoms(use_true_random=False))
def test_prepare_keeps_or_reports_every_utterance(rng: random.Random):
    with tempfile.TemporaryDirectory() as tmp:
        utts = make_corpus(Path(tmp), rng)
        outcome = prepare(Path(tmp), utts)
    assert outcome.traceback == ""
    assert outcome.lost == []
    if not outcome.stopped:
        assert outcome.kept + outcome.reported == len(utts)


@settings(FUZZ, max_examples=4)
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
