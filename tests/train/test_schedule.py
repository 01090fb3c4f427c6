"""The warmup + cosine learning-rate schedule."""

import math

import pytest
import torch

from sigasr.train.schedule import WarmupCosineLR, warmup_cosine_factor


def test_warmup_is_linear_then_cosine_to_floor():
    f = [warmup_cosine_factor(s, warmup_steps=10, max_steps=110, min_ratio=0.1) for s in range(120)]
    assert f[0] == pytest.approx(0.1) and f[4] == pytest.approx(0.5) and f[9] == 1.0
    assert f[10] == pytest.approx(1.0)
    assert f[60] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert f[110] == pytest.approx(0.1) and f[119] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(f[10:], f[11:], strict=False))


def test_scheduler_drives_optimizer_and_round_trips():
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([param], lr=2.0)
    sched = WarmupCosineLR(opt, warmup_steps=4, max_steps=20, min_ratio=0.0)
    lrs = []
    for _ in range(6):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[:4] == pytest.approx([0.5, 1.0, 1.5, 2.0])
    saved = sched.state_dict()
    opt2 = torch.optim.AdamW([param], lr=2.0)
    sched2 = WarmupCosineLR(opt2, warmup_steps=4, max_steps=20, min_ratio=0.0)
    sched2.load_state_dict(saved)
    assert sched2.get_last_lr() == sched.get_last_lr()
