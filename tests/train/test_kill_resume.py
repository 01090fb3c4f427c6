"""`sigasr train` SIGKILLed at random moments (the first one mid checkpoint write), its newest
checkpoint sometimes damaged, restarted with the same command each time, ends bitwise equal to
a run that was never interrupted, with every step logged once and the same loss: no batch
repeated or skipped (tools/reliability/kills.py)."""

import random
import time

from tools.reliability import kills


def test_sigkills_then_same_command_is_bitwise_equal(corpus, tmp_path):
    seed = time.time_ns() % 2**32
    ref = kills.reference_run(corpus, tmp_path)
    figures = kills.KillFigures()
    kills.run_trial(corpus, tmp_path / "killed", ref, random.Random(seed), figures, True)
    context = f"seed {seed}: {figures}"
    assert figures.kills >= 1 and figures.kills_mid_write >= 1, context
    assert figures.finished == figures.bitwise_equal == figures.steps_exact == 1, context
    assert figures.resumes_correct == figures.resumes, context
    assert figures.damaged_set_aside == figures.damaged, context
