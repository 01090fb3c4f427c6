"""TensorBoard after a resume: the steps a killed run logged past its checkpoint appear once."""

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tests.train.test_trainer import Interrupted, crash_at_step, make_trainer


def logged_steps(exp_dir, tag: str) -> list[int]:
    events = EventAccumulator(str(exp_dir / "tensorboard"))
    events.Reload()
    return [e.step for e in events.Scalars(tag)]


def test_resumed_run_holds_each_step_once(tmp_path):
    first = make_trainer(tmp_path, valid_every=4, log_every=1)
    crash_at_step(first, 8)  # steps 7 and 8 logged, the checkpoint is at 6
    with pytest.raises(Interrupted):
        first.train()
    assert logged_steps(tmp_path, "train/loss") == list(range(1, 9))

    make_trainer(tmp_path, valid_every=4, log_every=1).train()
    assert logged_steps(tmp_path, "train/loss") == list(range(1, 11))
    assert logged_steps(tmp_path, "train/grad_norm") == list(range(1, 11))
    assert logged_steps(tmp_path, "valid/dev/wer") == [4, 8]
