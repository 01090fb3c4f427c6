"""RNG capture and restore."""

import random

import numpy as np
import torch

from sigasr.train.rng import capture_rng_state, restore_rng_state


def draws():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_restore_replays_every_generator(tmp_path):
    state = capture_rng_state()
    torch.save(state, tmp_path / "rng.pt")
    first = draws()
    restore_rng_state(torch.load(tmp_path / "rng.pt", weights_only=True))
    assert draws() == first
