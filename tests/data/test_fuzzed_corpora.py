"""Property-based: random corrupt audio, odd sample rates, empty or garbage transcripts through
`sigasr prepare`; every utterance is kept or reported, and no failure is a traceback
(tools/reliability/corpus_faults.py does the counting). Training and decoding them:
tests/train/test_fuzzed_training.py."""

import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.reliability.corpus_faults import make_corpus, prepare

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
